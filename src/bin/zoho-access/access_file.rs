//! What `pull`, `plan` and `apply` share: reading a desired-state file (bounded), and text for
//! a terminal (server strings escaped, colour only on a terminal without `NO_COLOR`).

use std::io::{IsTerminal, Read};
use std::path::Path;

use zoho_crm_access::desired::AccessConfig;

use crate::CliError;

/// Reads and checks the desired-state file at `path` (`-` for stdin). A problem is one line
/// naming the file and the place in it (exit 2).
pub fn read(path: &Path) -> Result<AccessConfig, CliError> {
    let limit = AccessConfig::MAX_FILE_BYTES as u64 + 1;
    let mut text = String::new();
    let shown = if path == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(CliError::Usage(
                "FILE is `-` but stdin is a terminal: pipe the file in, or name it".into(),
            ));
        }
        stdin
            .lock()
            .take(limit)
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
        "stdin".to_owned()
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        file.take(limit)
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        path.display().to_string()
    };
    AccessConfig::from_yaml(&text).map_err(|e| CliError::Usage(format!("{}: {e}", safe(&shown))))
}

/// `text` with control characters (a server's strings may hold any) shown as escapes, so
/// none reaches a terminal; line breaks between lines are kept by the callers.
pub fn safe(text: &str) -> String {
    text.chars()
        .flat_map(|c| -> Vec<char> {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Whether stdout may carry colour: a terminal, and `NO_COLOR` unset.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A plan or report line, escaped, coloured by its sign when `colour`.
pub fn line(text: &str, colour: bool) -> String {
    let text = safe(text);
    if !colour {
        return text;
    }
    let code = match text.trim_start().chars().next() {
        Some('+') => "32",
        Some('-') => "31",
        Some('~') => "33",
        _ => return text,
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// A plan's error, with the file's name in front when it is about a place in the file.
pub fn in_file(path: &Path, e: zoho_crm_access::Error) -> CliError {
    match e {
        zoho_crm_access::Error::Desired { .. } => {
            CliError::Usage(format!("{}: {e}", safe(&path.display().to_string())))
        }
        other => CliError::Zoho(other),
    }
}
