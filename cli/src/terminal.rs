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

/// The width of the terminal on stdout, if stdout is one (tables and text wrap to it; piped
/// or redirected, nothing wraps).
pub fn stdout_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    console::Term::stdout().size_checked().map(|(_, cols)| cols)
}

/// The widest word that counts as a label (`granted by:`, `others:`), kept with its value.
const MAX_LABEL: usize = 16;

/// The places a line may break (see [`wrap`]): the gaps between words, not inside a
/// double-quoted name (`"Miami leads"`, `\"` inside it included) unless it is wider than
/// `longest` (a line's room) or in a word that is, not after a short word ending in `:` (a
/// label stays with its value) and not beside a word without a letter or digit (`City =
/// Miami`, `Manager > Sales`, `+ Leads`). Returns (gap start, next word start, whether the gap
/// is wide: two spaces or more, between the columns of an aligned line).
fn breaks(text: &str, longest: usize) -> Vec<(usize, usize, bool)> {
    use unicode_width::UnicodeWidthStr;
    // Where each quoted name starts and ends, when its closing quote is there and it fits
    // on a line (`longest`); an unclosed quote is an ordinary character.
    let bytes = text.as_bytes();
    let mut quoted = vec![false; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || matches!(bytes[i - 1], b' ' | b'[' | b'(' | b'=');
        if bytes[i] == b'"' && starts_word {
            let mut j = i + 1;
            let mut closed = None;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => {
                        closed = Some(j);
                        break;
                    }
                    _ => j += 1,
                }
            }
            // The whole word the name is in (`Leads["Miami leads"]:`) must fit.
            let word = |end: usize| {
                let from = text[..i].rfind(' ').map_or(0, |p| p + 1);
                let to = text[end..].find(' ').map_or(text.len(), |p| end + p);
                text[from..to].width()
            };
            if let Some(end) = closed.filter(|end| word(*end) <= longest) {
                quoted[i..=end].iter_mut().for_each(|q| *q = true);
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b' ' || quoted[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        // A label (a short word ending in `:`) stays with its value, an operator or a sign
        // (`=`, `>`, `+`) with what is on each side of it.
        let before = text[..start].rsplit(' ').next().unwrap_or_default();
        let after = text[i..].split(' ').next().unwrap_or_default();
        let label = before.ends_with(':') && before.width() <= MAX_LABEL;
        let sign = |w: &str| !w.chars().any(char::is_alphanumeric);
        if start > 0 && i < bytes.len() && !label && !sign(before) && !sign(after) {
            out.push((start, i, i - start >= 2));
        }
    }
    out
}

/// One line of text for a terminal `width` columns wide (`None`: as it is, one line): broken
/// only between words ([`breaks`]), so an id, an e-mail address, an API name or a quoted name
/// is never cut (a quoted name wider than a line breaks between its words, as the terminal
/// would break it anywhere); continuation lines start with `indent` spaces. In a line of aligned
/// columns (two spaces or more between them), a column that fits on a line of its own is
/// not split: it moves to the next line whole. A word wider than the room left stays whole
/// on a line of its own. `text` is
/// already escaped (see [`escape`]).
pub fn wrap(text: &str, width: Option<usize>, indent: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let Some(width) = width else {
        return text.to_owned();
    };
    if text.width() <= width {
        return text.to_owned();
    }
    // The words: whether the gap before each is wide, where it starts and ends in `text`.
    let mut words: Vec<(bool, usize, usize)> = Vec::new();
    let (mut from, mut wide_before) = (0, false);
    for (gap, next, wide) in breaks(text, width.saturating_sub(indent)) {
        words.push((wide_before, from, gap));
        (from, wide_before) = (next, wide);
    }
    words.push((wide_before, from, text.len()));
    let lead = " ".repeat(indent);
    let mut lines: Vec<String> = Vec::new();
    // Words of the current line: first and last index.
    let mut first = 0;
    let mut k = 1;
    // Words `first` to `last` as written, the gaps between them included.
    let line_of = |first: usize, last: usize| &text[words[first].1..words[last].2];
    let prefix = |n: usize| if n == 0 { String::new() } else { lead.clone() };
    // The current line's width, kept as words are added (one pass, however long the text).
    let mut used = line_of(0, 0).width();
    while k < words.len() {
        let more = text[words[k - 1].2..words[k].2].width();
        if used + more <= width {
            used += more;
            k += 1;
            continue;
        }
        // Break before k; but when k is in a column (after a wide gap) that fits on a line
        // of its own, before that column, so it stays whole.
        let column = (first + 1..=k).rev().find(|&w| words[w].0);
        let at = match column {
            Some(c) => {
                let end = (c + 1..words.len())
                    .find(|&w| words[w].0)
                    .unwrap_or(words.len());
                match indent + line_of(c, end - 1).width() <= width {
                    true => c,
                    false => k,
                }
            }
            None => k,
        };
        lines.push(format!("{}{}", prefix(lines.len()), line_of(first, at - 1)));
        first = at;
        k = at + 1;
        used = indent + line_of(at, at).width();
    }
    lines.push(format!(
        "{}{}",
        prefix(lines.len()),
        line_of(first, words.len() - 1)
    ));
    lines
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `head` followed by `items` separated by commas, for a terminal `width` columns wide
/// (`None`: one line): an item is never split (`role Sales Representative` stays whole);
/// when the next one does not fit, it starts a line of its own at `indent` spaces. Items are
/// already escaped.
pub fn fill(head: &str, items: &[String], width: Option<usize>, indent: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut lines: Vec<String> = Vec::new();
    let mut line = head.to_owned();
    let mut fresh = true;
    for (i, item) in items.iter().enumerate() {
        let piece = match i + 1 < items.len() {
            true => format!("{item},"),
            false => item.clone(),
        };
        let room = width.is_none_or(|w| line.width() + 1 + piece.width() <= w);
        if !fresh && !room {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(&piece);
        fresh = false;
    }
    lines.push(line);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::{escape, fill, wrap};

    #[test]
    fn control_and_bidi_characters_become_visible() {
        assert_eq!(escape("plain Ünïcode"), "plain Ünïcode");
        assert_eq!(
            escape("a\u{1b}]0;x\u{7}b\r\n\t\u{7f}\u{9b}31m\u{202e}z"),
            "a\\e]0;x\\x07b\\r\\n\\t\\x7f\\u{009b}31m\\u{202e}z"
        );
    }

    #[test]
    fn wrapping_breaks_between_words_never_inside_a_name() {
        let reason = r#"      open: sharing rule "Leads of Miami, Florida" shares records with City = Miami: the record's City is not given"#;
        let text = wrap(reason, Some(40), 12);
        assert_eq!(
            text,
            "      open: sharing rule\n            \"Leads of Miami, Florida\"\n            shares records with\n            City = Miami: the record's\n            City is not given"
        );
        // Nothing wraps without a width, or when it fits.
        assert_eq!(wrap(reason, None, 12), reason);
        assert_eq!(wrap("short line", Some(40), 4), "short line");
        // A word wider than the line stays whole; an unclosed quote is a character.
        assert_eq!(
            wrap("a patricia.boyle@example.com b", Some(10), 2),
            "a\n  patricia.boyle@example.com\n  b"
        );
        assert_eq!(wrap("say \"a b c", Some(6), 0), "say \"a\nb c");
        // A quoted name after a bracket is a name; wider than a line, it breaks as words.
        assert_eq!(
            wrap("+ Leads[\"Miami leads\"] create", Some(24), 2),
            "+ Leads[\"Miami leads\"]\n  create"
        );
        assert_eq!(
            wrap("+ Leads[\"Miami leads\"] create", Some(12), 2),
            "+ Leads[\"Miami\n  leads\"]\n  create"
        );
        // Aligned columns break between columns; a label keeps its value.
        assert_eq!(
            wrap(
                "    ken@example.com  Standard  others: view,edit  peers: 0",
                Some(50),
                6
            ),
            "    ken@example.com  Standard  others: view,edit\n      peers: 0"
        );
        assert_eq!(
            wrap(
                "    ken@example.com  Standard  others: view,edit  peers: 0",
                Some(40),
                6
            ),
            "    ken@example.com  Standard\n      others: view,edit  peers: 0"
        );
    }

    #[test]
    fn a_list_fills_lines_without_splitting_an_item() {
        let items: Vec<String> = [
            "user Maria Garcia",
            "user Lee Park",
            "role Sales Representative",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            fill("  members: ", &items, Some(40), 11),
            "  members: user Maria Garcia,\n           user Lee Park,\n           role Sales Representative"
        );
        assert_eq!(
            fill("  members: ", &items, None, 11),
            "  members: user Maria Garcia, user Lee Park, role Sales Representative"
        );
    }
}
