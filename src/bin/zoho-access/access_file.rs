//! What `pull`, `plan` and `apply` share: text for a terminal (server strings escaped, colour
//! only on a terminal without `NO_COLOR`).

use std::io::IsTerminal;
use std::path::Path;

use crate::CliError;

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
