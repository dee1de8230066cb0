//! What keeps the simulator standing when clients misbehave: a cap on open connections, a
//! header-read timeout, an idle timeout, a body-read timeout, a per-body size limit and a budget
//! for all bodies being read at once. Counters for [`SimulatorStats`](super::SimulatorStats).

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Semaphore;

/// Largest request head (request line and headers) a connection buffers; hyper answers
/// `431` past it.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body the API accepts (`413` past it).
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest body of a token request or a control request.
pub(crate) const MAX_SMALL_BODY_BYTES: usize = 64 * 1024;
/// All request bodies being read at one moment share this many bytes (in KiB permits); a body
/// waits for its share, within the body-read timeout.
pub(crate) const BODY_BUDGET_KIB: u32 = 64 * 1024;

/// The limits of one simulator, from its builder.
#[derive(Debug)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_read_timeout: Duration,
    /// One permit per open connection.
    pub slots: Arc<Semaphore>,
    /// KiB permits for bodies being read.
    pub body_budget: Semaphore,
}

impl Limits {
    pub(crate) fn new(
        max_connections: usize,
        header_read_timeout: Duration,
        idle_timeout: Duration,
        body_read_timeout: Duration,
    ) -> Self {
        let max_connections = max_connections.max(1);
        Self {
            max_connections,
            header_read_timeout,
            // A connection waiting for its request head is also idle: the idle timeout never
            // cuts a longer header-read timeout short.
            idle_timeout: idle_timeout.max(header_read_timeout),
            body_read_timeout,
            slots: Arc::new(Semaphore::new(max_connections)),
            body_budget: Semaphore::new(BODY_BUDGET_KIB as usize),
        }
    }
}

/// Connection counters (lock-free: read by `stats()` while connections come and go).
#[derive(Debug, Default)]
pub(crate) struct ConnCounters {
    pub open: AtomicUsize,
    pub peak: AtomicUsize,
    pub accepted: AtomicU64,
    pub timed_out: AtomicU64,
    pub bodies_too_large: AtomicU64,
}

impl ConnCounters {
    pub(crate) fn opened(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        let now = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    pub(crate) fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// When a connection last moved a byte, and whether a request of it is being handled.
#[derive(Debug)]
pub(crate) struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.start.elapsed();
        now.saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }

    /// Marks a request as being handled until the guard drops (a handler that waits, e.g. on
    /// an injected delay, is not idle).
    pub(crate) fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::Relaxed);
        BusyGuard(self.clone())
    }
}

pub(crate) struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once the connection has moved no byte for `idle` while no request of it was being
/// handled (a client that stopped reading an answer, or any stall hyper's own timeouts miss).
pub(crate) async fn idle_watchdog(activity: Arc<Activity>, idle: Duration) {
    loop {
        let quiet = activity.idle_for();
        if activity.busy.load(Ordering::Relaxed) == 0 && quiet >= idle {
            return;
        }
        let wait = if activity.busy.load(Ordering::Relaxed) > 0 {
            idle
        } else {
            idle - quiet
        };
        tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
    }
}

/// A stream that notes every byte it moves in its [`Activity`].
pub(crate) struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    pub(crate) fn new(inner: S, activity: Arc<Activity>) -> Self {
        activity.touch();
        Self { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
