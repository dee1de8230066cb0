//! Request bodies from `--file` or stdin, decoded into the generated types with the path of any
//! problem.

use std::io::{IsTerminal, Read};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::CliError;

/// Reads JSON from `file`, or from stdin when no file is given (and stdin is not a terminal).
pub fn read_json(file: Option<&Path>) -> Result<Value, CliError> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CliError::Usage(
                    "this command needs a JSON body: pass --file FILE or pipe it on stdin".into(),
                ));
            }
            let mut s = String::new();
            stdin
                .lock()
                .read_to_string(&mut s)
                .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
            s
        }
    };
    let source = file.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
    serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{source} is not valid JSON: {e}")))
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
