//! Request bodies from `--file` or stdin: bounded in size and time, decoded into the
//! generated types with the path of any problem.
//!
//! A body is at most [`MAX_BODY`] (1 MiB). The largest body any command sends is far
//! smaller: 100 org-permission items (the most one call takes) are about 12 KB, a record
//! locking configuration at every limit (5 rules, 15 profiles, 15 fields, 30 buttons) about
//! 30 KB with generous criteria. 1 MiB leaves room for pretty-printing and large criteria,
//! and bounds what a wrong `--file` (a log, `/dev/zero`) or a runaway pipe can make the tool
//! hold: it reads at most 1 MiB + 1 byte, refuses the rest with exit 2 and one line, and only
//! then parses, so item counts (1 to 100 org permissions ...) are checked on a bounded
//! document. Reading also ends after [`READ_TIMEOUT`] without end of input.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::CliError;

/// The largest request body read from `--file` or stdin, in bytes.
pub const MAX_BODY: u64 = 1 << 20;

/// How long reading a body may take before the command gives up (a pipe that never closes).
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a body comes from, as named in messages.
fn source_name(file: Option<&Path>) -> String {
    match file {
        Some(p) if p != Path::new("-") => p.display().to_string(),
        _ => "stdin".to_owned(),
    }
}

/// Reads at most [`MAX_BODY`] bytes from `file`, or from stdin when no file (or `-`) is given
/// and stdin is not a terminal.
pub async fn read_body(file: Option<&Path>) -> Result<Vec<u8>, CliError> {
    let source = source_name(file);
    let too_large = || {
        CliError::Usage(format!(
            "{source} is larger than {} bytes (1 MiB), the most a request body may be; nothing \
             was sent",
            MAX_BODY
        ))
    };
    let reader: Box<dyn Read + Send> = match file {
        Some(path) if path != Path::new("-") => {
            let f = std::fs::File::open(path)
                .map_err(|e| CliError::Usage(format!("cannot read {source}: {e}")))?;
            let meta = f
                .metadata()
                .map_err(|e| CliError::Usage(format!("cannot read {source}: {e}")))?;
            if meta.is_dir() {
                return Err(CliError::Usage(format!(
                    "cannot read {source}: it is a directory"
                )));
            }
            if meta.is_file() && meta.len() > MAX_BODY {
                return Err(too_large());
            }
            Box::new(f)
        }
        _ => {
            if std::io::stdin().is_terminal() {
                return Err(CliError::Usage(
                    "this command needs a JSON body: pass --file FILE or pipe it on stdin".into(),
                ));
            }
            Box::new(std::io::stdin())
        }
    };
    // A thread of its own, not the runtime's blocking pool: a read that never ends must not
    // keep the runtime from shutting down when the timeout below gives up on it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let result = reader.take(MAX_BODY + 1).read_to_end(&mut buf).map(|_| buf);
        let _ = tx.send(result);
    });
    let bytes = match tokio::time::timeout(READ_TIMEOUT, rx).await {
        Ok(Ok(Ok(bytes))) => bytes,
        Ok(Ok(Err(e))) => return Err(CliError::Usage(format!("cannot read {source}: {e}"))),
        Ok(Err(_)) => return Err(CliError::Other(format!("reading {source} failed"))),
        Err(_) => {
            return Err(CliError::Usage(format!(
                "{source} did not end within {} s; nothing was sent",
                READ_TIMEOUT.as_secs()
            )))
        }
    };
    if bytes.len() as u64 > MAX_BODY {
        return Err(too_large());
    }
    Ok(bytes)
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
