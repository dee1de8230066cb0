//! Secrets stay out of `Debug` output, captured logs, errors and the API server, while the
//! `tracing` spans still name each operation and its attempts. This is the only test in its
//! binary: `tracing` caches per-callsite interest process-wide, so a subscriber installed for
//! one test thread must not race with other tests hitting the same callsites.

mod support;

use std::sync::{Arc, Mutex};

use support::{accounts_for, api_accepting, refresh_client, CLIENT_SECRET, REFRESH_TOKEN};

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_debug_output_logs_errors_or_the_api_server() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // tok-1 is refused, so the flow also goes through a 401 and a refresh.
    let api = api_accepting("tok-2").await;
    let accounts = accounts_for(&api, 3600).await;
    let builder = refresh_client(&api, &accounts);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    client.record_locking("Deals").get().await.unwrap();
    let err = client.sharing_rules("Leads").delete("").await.unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("operation=\"getRecordLockingConfigurations\"")
            || logs.contains("operation=getRecordLockingConfigurations"),
        "spans name the operation: {logs}"
    );
    assert!(
        logs.contains("attempts=2"),
        "the span records attempts: {logs}"
    );
    let everywhere = format!("{builder_debug}\n{client:?}\n{err}\n{err:?}\n{logs}");
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, "tok-1", "tok-2"] {
        assert!(
            !everywhere.contains(secret),
            "`{secret}` leaked into:\n{everywhere}"
        );
    }
    // The refresh token and client secret went to the accounts server only.
    for r in api.requests() {
        let all = r.everything();
        assert!(
            !all.contains(CLIENT_SECRET) && !all.contains(REFRESH_TOKEN),
            "{all}"
        );
    }
}
