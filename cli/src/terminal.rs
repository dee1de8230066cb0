//! What reaches a terminal: server text with its control characters made visible, and colour
//! only where it belongs.
//!
//! Names, messages and values come from Zoho (or whatever answers at the configured address).
//! A control character among them (ESC, BEL, CR, a C1 code such as CSI) could retitle the
//! window, clear the screen, recolour the prompt or hide text once printed raw, and a
//! bidirectional override could make one name look like another. Everything printed for
//! people (tables, the demo's text, the progress bar, plans and apply reports, the `error:`
//! and `caused by:` lines) goes through [`escape`]. JSON and YAML stay exact: their encoders escape control
//! characters in their own syntax (see `output`).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::IsTerminal;

/// Whether `c` must not reach a terminal raw: every control character (C0, DEL, C1) and the
/// invisible characters that reorder the display of text (bidirectional marks, embeddings,
/// overrides and isolates).
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every control or display-reordering character replaced by a visible escape:
/// `\n`, `\r`, `\t`, `\e` for ESC, `\xNN` for the other C0 codes and DEL, `\u{NNNN}` for the
/// rest. Text without any is returned as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if unsafe_char(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `NO_COLOR` asks for no colour (set and not empty, as no-color.org defines it).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether a stream may carry colour: it is a terminal, `NO_COLOR` is not set and `TERM` is
/// not `dumb`. The one decision for every stream.
fn colour(is_terminal: bool) -> bool {
    is_terminal && !no_color() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Whether stderr may carry colour (error lines, logs), as [`colour`] decides.
pub fn stderr_colour() -> bool {
    colour(std::io::stderr().is_terminal())
}

/// Whether stdout may carry colour (the lines of a plan), as [`colour`] decides.
pub fn stdout_colour() -> bool {
    colour(std::io::stdout().is_terminal())
}

/// The width of the terminal on stdout, if stdout is one (tables wrap to it).
pub fn stdout_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    console::Term::stdout().size_checked().map(|(_, cols)| cols)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_and_bidi_characters_become_visible() {
        assert_eq!(escape("plain Ünïcode"), "plain Ünïcode");
        assert_eq!(
            escape("a\u{1b}]0;x\u{7}b\r\n\t\u{7f}\u{9b}31m\u{202e}z"),
            "a\\e]0;x\\x07b\\r\\n\\t\\x7f\\u{009b}31m\\u{202e}z"
        );
    }
}
