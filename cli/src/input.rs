//! What the tool reads from `--file`, a FILE argument or stdin: bounded in size and time,
//! decoded with the place of any problem named.
//!
//! A request body is at most [`MAX_BODY`] (1 MiB). The largest body any command sends is far
//! smaller: 100 org-permission items (the most one call takes) are about 12 KB, a record
//! locking configuration at every limit (5 rules, 15 profiles, 15 fields, 30 buttons) about
//! 30 KB with generous criteria. 1 MiB leaves room for pretty-printing and large criteria,
//! and bounds what a wrong `--file` (a log, `/dev/zero`) or a runaway pipe can make the tool
//! hold: it reads at most 1 MiB + 1 byte, refuses the rest with exit 2 and one line, and only
//! then parses, so item counts (1 to 100 org permissions ...) are checked on a bounded
//! document. A desired-state file (`plan FILE`, `apply FILE`) is read the same way, up to
//! the library's own limit ([`AccessConfig::MAX_FILE_BYTES`], 4 MiB). Opening and reading
//! together end after `--input-timeout` ([`READ_TIMEOUT`] by default) without end of input.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use zoho_crm_access::desired::AccessConfig;

use crate::CliError;

/// The largest request body read from `--file` or stdin, in bytes.
pub const MAX_BODY: u64 = 1 << 20;

/// How long reading an input may take before the command gives up (a pipe that never closes,
/// a FIFO nobody opens for writing), unless `--input-timeout` says otherwise.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// `--input-timeout`, set once before any command runs.
static TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// Sets how long reading an input may take (`--input-timeout`); the first call decides.
pub fn set_timeout(timeout: Duration) {
    let _ = TIMEOUT.set(timeout);
}

/// How long reading an input may take: `--input-timeout`, else [`READ_TIMEOUT`].
fn timeout() -> Duration {
    TIMEOUT.get().copied().unwrap_or(READ_TIMEOUT)
}

/// Where input comes from, as named in messages.
pub fn source_name(file: Option<&Path>) -> String {
    match file {
        Some(p) if p != Path::new("-") => p.display().to_string(),
        _ => "stdin".to_owned(),
    }
}

/// Reads at most [`MAX_BODY`] bytes from `file`, or from stdin when no file (or `-`) is given
/// and stdin is not a terminal.
pub async fn read_body(file: Option<&Path>) -> Result<Vec<u8>, CliError> {
    read_limited(file, MAX_BODY, "a request body").await
}

/// Reads at most `limit` bytes of `what` from `file` or stdin (as [`read_body`] does), for
/// inputs with a limit of their own.
pub async fn read_limited(
    file: Option<&Path>,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, CliError> {
    let source = source_name(file);
    let path = file.filter(|p| *p != Path::new("-")).map(Path::to_path_buf);
    if path.is_none() && std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "this command needs {what}: name a file, or pipe it on stdin (stdin is a terminal)"
        )));
    }
    // Opening is timed with the reading, on the same thread: opening a FIFO waits for a
    // writer, who may never come. A thread of its own, not the runtime's blocking pool: an
    // open or a read that never ends must not keep the runtime from shutting down when the
    // timeout below gives up on it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_to_limit(path.as_deref(), limit));
    });
    let timeout = timeout();
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(Ok(bytes))) => Ok(bytes),
        Ok(Ok(Err(Failure::Io(e)))) => Err(CliError::Usage(format!("cannot read {source}: {e}"))),
        Ok(Ok(Err(Failure::Directory))) => Err(CliError::Usage(format!(
            "cannot read {source}: it is a directory"
        ))),
        Ok(Ok(Err(Failure::TooLarge))) => Err(CliError::Usage(format!(
            "{source} is larger than {limit} bytes ({}), the most {what} may be; nothing was \
             sent",
            human(limit)
        ))),
        Ok(Err(_)) => Err(CliError::Other(format!("reading {source} failed"))),
        Err(_) => Err(CliError::Usage(format!(
            "{source} did not end within {} s (--input-timeout); nothing was sent",
            timeout.as_secs_f64()
        ))),
    }
}

/// Why [`read_to_limit`] gave up.
enum Failure {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// The path is a directory.
    Directory,
    /// More than the limit.
    TooLarge,
}

/// Opens `path` (stdin when `None`) and reads at most `limit` bytes of it. Blocking.
fn read_to_limit(path: Option<&Path>, limit: u64) -> Result<Vec<u8>, Failure> {
    let reader: Box<dyn Read> = match path {
        Some(path) => {
            let f = std::fs::File::open(path).map_err(Failure::Io)?;
            let meta = f.metadata().map_err(Failure::Io)?;
            if meta.is_dir() {
                return Err(Failure::Directory);
            }
            // A regular file says its size: refused without reading it.
            if meta.is_file() && meta.len() > limit {
                return Err(Failure::TooLarge);
            }
            Box::new(f)
        }
        None => Box::new(std::io::stdin()),
    };
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(Failure::Io)?;
    if buf.len() as u64 > limit {
        return Err(Failure::TooLarge);
    }
    Ok(buf)
}

/// `1 MiB`, `512 KiB`, `100 bytes`.
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Reads and checks the desired-state file at `path` (`-` for stdin) as [`read_limited`]
/// reads, up to [`AccessConfig::MAX_FILE_BYTES`]. A problem in it is one line naming the file
/// and the place in it (exit 2).
pub async fn read_access_config(path: &Path) -> Result<AccessConfig, CliError> {
    let limit = AccessConfig::MAX_FILE_BYTES as u64;
    let bytes = read_limited(Some(path), limit, "a desired-state file").await?;
    let source = source_name(Some(path));
    let text = String::from_utf8(bytes)
        .map_err(|e| CliError::Usage(format!("{source} is not UTF-8 text: {e}")))?;
    AccessConfig::from_yaml(&text).map_err(|e| CliError::Usage(format!("{source}: {e}")))
}

/// Reads a JSON body (see [`read_body`]).
pub async fn read_json(file: Option<&Path>) -> Result<Value, CliError> {
    let bytes = read_body(file).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Usage(format!("{} is not valid JSON: {e}", source_name(file))))
}

/// The single item of a body given either bare (`{...}`) or in Zoho's envelope
/// (`{"<key>": [{...}]}`).
pub fn single_item(value: Value, key: &str) -> Result<Value, CliError> {
    match value {
        Value::Object(mut m) if m.contains_key(key) => match m.remove(key) {
            Some(Value::Array(mut items)) if items.len() == 1 => Ok(items.remove(0)),
            Some(Value::Array(items)) => Err(CliError::Usage(format!(
                "`{key}` must hold exactly one item, it holds {}",
                items.len()
            ))),
            _ => Err(CliError::Usage(format!(
                "`{key}` must be an array of one item"
            ))),
        },
        other => Ok(other),
    }
}

/// Decodes `value` as `T`, naming the path of the first problem.
pub fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, CliError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        CliError::Usage(format!("invalid {what} at `{path}`: {}", e.inner()))
    })
}
