//! Shared helpers for the desired-state tests: simulated orgs on loopback, clients for them,
//! the write calls an org received, and faults through the simulator's control surface.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{json, Value};
use zoho_crm_access::{Client, RetryPolicy};
use zoho_crm_access_simulator::Simulator;

/// A simulated org (same names as every other org seed, other ids).
pub async fn org(org_seed: u64) -> Simulator {
    Simulator::builder()
        .org_seed(org_seed)
        .start()
        .await
        .expect("simulator starts on loopback")
}

/// A client for `sim`, with short retry waits so fault tests stay fast.
pub fn client(sim: &Simulator) -> Client {
    Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(100)),
        )
        .build()
        .expect("client builds")
}

/// The write calls (anything but GET) the org received since its recordings were cleared,
/// as operationIds in order.
pub fn writes(sim: &Simulator) -> Vec<String> {
    sim.recordings()
        .iter()
        .filter(|r| r["request"]["method"] != "GET")
        .map(|r| r["operation_id"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Adds a fault rule through the control surface: the next `times` calls of `operation` get
/// `fault` (the control surface's JSON form, e.g. `{"type": "drop"}`).
pub async fn fault(sim: &Simulator, operation: &str, times: usize, fault: Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/faults", sim.control_url()))
        .bearer_auth(sim.control_token())
        .json(&json!({ "match": { "operation": operation }, "times": times, "fault": fault }))
        .send()
        .await
        .expect("control surface answers");
    assert_eq!(answer.status(), 201, "fault rule accepted");
}
