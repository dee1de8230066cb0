//! Criteria as one line of text, for people typing them (`zoho-access sharing-rules create
//! --criteria 'City = Miami and State = Florida'`), and the same text for plans.
//!
//! ```text
//! criteria  := any
//! any       := all ("or" all)*              one of them holds (Zoho's OR)
//! all       := item ("and" item)*           every one holds (Zoho's AND); binds tighter
//! item      := "(" any ")" | condition
//! condition := FIELD COMPARATOR VALUE
//! ```
//!
//! `FIELD` is a field's API name (letters, digits, underscores). `COMPARATOR` is one of
//! Zoho's (`equal`, `not_equal`, `contains`, `starts_with` ... see
//! [`crate::enums::CriteriaComparator`]) or a symbol: `=` `!=` `<` `<=` `>` `>=`. `VALUE` is
//! a double-quoted string (JSON escapes), a JSON array (`[10, 20]`, for `between`), or bare
//! words up to the next `and`, `or`, `)` or the end (`Stage = Closed Won`). The words
//! `and` and `or` are case-insensitive; write a value holding them in quotes.

use super::model::CriteriaSpec;
use super::resolve::did_you_mean;
use crate::error::Error;
use crate::generated::enums;

/// The symbols a comparator may be written as.
const SYMBOLS: [(&str, &str); 7] = [
    ("==", "equal"),
    ("!=", "not_equal"),
    ("<=", "less_equal"),
    (">=", "greater_equal"),
    ("=", "equal"),
    ("<", "less_than"),
    (">", "greater_than"),
];

impl std::str::FromStr for CriteriaSpec {
    type Err = Error;

    /// Reads criteria written as text (see the grammar in [`CriteriaSpec::parse`]).
    fn from_str(s: &str) -> Result<Self, Error> {
        CriteriaSpec::parse(s)
    }
}

impl CriteriaSpec {
    /// Reads criteria written as one line of text: conditions `FIELD COMPARATOR VALUE`
    /// joined by `and` / `or` (`and` binds tighter), grouped with parentheses.
    /// Comparators are Zoho's words or `=` `!=` `<` `<=` `>` `>=`; values are quoted
    /// strings, JSON arrays or bare words. Fails with [`Error::InvalidInput`] naming the
    /// column of the first thing that does not fit (and the nearest comparator for a
    /// misspelt one).
    ///
    /// ```
    /// use zoho_crm_access::desired::CriteriaSpec;
    ///
    /// let c = CriteriaSpec::parse("City = Miami and State = \"Florida\"")?;
    /// assert_eq!(
    ///     c,
    ///     CriteriaSpec::All(vec![
    ///         CriteriaSpec::equal("City", "Miami"),
    ///         CriteriaSpec::equal("State", "Florida"),
    ///     ])
    /// );
    /// // What a plan prints reads back the same.
    /// assert_eq!(c.to_text().parse::<CriteriaSpec>()?, c);
    /// let err = CriteriaSpec::parse("Stage equl Won").unwrap_err();
    /// assert!(err.to_string().contains("did you mean \"equal\""));
    /// # Ok::<(), zoho_crm_access::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<CriteriaSpec, Error> {
        let mut p = Parser { text, at: 0 };
        let c = p.any()?;
        p.skip_spaces();
        if p.at < text.len() {
            return Err(p.error("expected `and`, `or` or the end"));
        }
        Ok(c)
    }

    /// The criteria as text [`CriteriaSpec::parse`] reads back: `City equal "Miami" and
    /// (Stage equal "Won" or Amount greater_than "5")`. Control characters of values are
    /// escaped, so the text stays on one line.
    pub fn to_text(&self) -> String {
        text(self, false)
    }
}

fn text(c: &CriteriaSpec, nested: bool) -> String {
    let group = |members: &[CriteriaSpec], op: &str| {
        let inner = members
            .iter()
            .map(|m| text(m, true))
            .collect::<Vec<_>>()
            .join(op);
        if nested && members.len() > 1 {
            format!("({inner})")
        } else {
            inner
        }
    };
    match c {
        CriteriaSpec::Condition {
            field,
            comparator,
            value,
        } => format!(
            "{} {} {}",
            super::plan::one_line(field),
            super::plan::one_line(comparator.as_str()),
            // JSON text: strings quoted; control characters JSON leaves raw (DEL, C1) escaped.
            super::plan::one_line(&value.to_string())
        ),
        CriteriaSpec::All(m) => group(m, " and "),
        CriteriaSpec::Any(m) => group(m, " or "),
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn error(&self, what: &str) -> Error {
        let column = self.text[..self.at].chars().count() + 1;
        let found: String = self.rest().chars().take(20).collect();
        let found = if found.is_empty() {
            "the end".to_owned()
        } else {
            format!("{found:?}")
        };
        Error::invalid(
            "criteria",
            format!("column {column}: {what}, found {found} (write `FIELD COMPARATOR VALUE`, joined by `and` / `or`)"),
        )
    }

    /// The keyword `word` (case-insensitive) followed by a space, `(` or the end.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_spaces();
        let rest = self.rest();
        let Some(head) = rest.get(..word.len()) else {
            return false;
        };
        let after = rest[word.len()..].chars().next();
        if head.eq_ignore_ascii_case(word) && after.is_none_or(|c| c.is_whitespace() || c == '(') {
            self.at += word.len();
            return true;
        }
        false
    }

    fn any(&mut self) -> Result<CriteriaSpec, Error> {
        let mut members = vec![self.all()?];
        while self.keyword("or") {
            members.push(self.all()?);
        }
        Ok(if members.len() == 1 {
            members.remove(0)
        } else {
            CriteriaSpec::Any(members)
        })
    }

    fn all(&mut self) -> Result<CriteriaSpec, Error> {
        let mut members = vec![self.item()?];
        while self.keyword("and") {
            members.push(self.item()?);
        }
        Ok(if members.len() == 1 {
            members.remove(0)
        } else {
            CriteriaSpec::All(members)
        })
    }

    fn item(&mut self) -> Result<CriteriaSpec, Error> {
        self.skip_spaces();
        if self.rest().starts_with('(') {
            self.at += 1;
            let inner = self.any()?;
            self.skip_spaces();
            if !self.rest().starts_with(')') {
                return Err(self.error("expected `)`"));
            }
            self.at += 1;
            return Ok(inner);
        }
        let field = self.word();
        if field.is_empty() {
            return Err(self.error("expected a field's API name"));
        }
        let comparator = self.comparator()?;
        let value = self.value()?;
        Ok(CriteriaSpec::Condition {
            field,
            comparator,
            value,
        })
    }

    /// Letters, digits and underscores.
    fn word(&mut self) -> String {
        self.skip_spaces();
        let rest = self.rest();
        let n = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = rest[..n].to_owned();
        self.at += n;
        word
    }

    fn comparator(&mut self) -> Result<enums::CriteriaComparator, Error> {
        self.skip_spaces();
        for (symbol, name) in SYMBOLS {
            if self.rest().starts_with(symbol) {
                self.at += symbol.len();
                return Ok(enums::CriteriaComparator::from(name));
            }
        }
        let start = self.at;
        let word = self.word();
        if word.is_empty() {
            return Err(
                self.error("expected a comparator (`=`, `!=`, `<`, `>`, `equal`, `contains` ...)")
            );
        }
        let lower = word.to_ascii_lowercase();
        if enums::CriteriaComparator::KNOWN.contains(&lower.as_str()) {
            return Ok(enums::CriteriaComparator::from(lower.as_str()));
        }
        self.at = start;
        let hint = did_you_mean(&word, enums::CriteriaComparator::KNOWN.iter().copied());
        Err(self.error(&format!(
            "`{word}` is not a comparator{hint} (one of =, !=, <, <=, >, >=, {})",
            enums::CriteriaComparator::KNOWN.join(", ")
        )))
    }

    fn value(&mut self) -> Result<serde_json::Value, Error> {
        self.skip_spaces();
        let rest = self.rest();
        if rest.starts_with('"') || rest.starts_with('[') {
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
            return match stream.next() {
                Some(Ok(v)) => {
                    self.at += stream.byte_offset();
                    Ok(v)
                }
                _ => Err(self.error("a quoted value or `[...]` that does not end")),
            };
        }
        // Bare words up to `and`, `or`, `)` or the end.
        let mut words = Vec::new();
        loop {
            self.skip_spaces();
            let rest = self.rest();
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')' || c == '(')
                .unwrap_or(rest.len());
            let w = rest[..end].to_owned();
            if w.is_empty()
                || w.eq_ignore_ascii_case("and") && !words.is_empty()
                || w.eq_ignore_ascii_case("or") && !words.is_empty()
            {
                break;
            }
            words.push(w);
            self.at += end;
        }
        if words.is_empty() {
            return Err(self.error("expected a value"));
        }
        Ok(serde_json::Value::String(words.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let c = CriteriaSpec::parse("A = 1 or B = 2 and C = 3").unwrap();
        assert_eq!(
            c,
            CriteriaSpec::Any(vec![
                CriteriaSpec::equal("A", "1"),
                CriteriaSpec::All(vec![
                    CriteriaSpec::equal("B", "2"),
                    CriteriaSpec::equal("C", "3")
                ])
            ])
        );
        let c = CriteriaSpec::parse("(A = 1 OR B = 2) AND Stage = Closed Won").unwrap();
        assert_eq!(
            c.to_text(),
            "(A equal \"1\" or B equal \"2\") and Stage equal \"Closed Won\""
        );
        assert_eq!(CriteriaSpec::parse(&c.to_text()).unwrap(), c);
    }

    #[test]
    fn symbols_words_quotes_and_arrays() {
        let c = CriteriaSpec::parse(
            "Amount >= 10 and Name contains \"a and b\" and Amount between [1, 2]",
        )
        .unwrap();
        let CriteriaSpec::All(m) = c else { panic!() };
        assert_eq!(
            m[0],
            CriteriaSpec::condition("Amount", enums::CriteriaComparator::GreaterEqual, "10")
        );
        assert_eq!(
            m[1],
            CriteriaSpec::condition("Name", enums::CriteriaComparator::Contains, "a and b")
        );
        assert_eq!(
            m[2],
            CriteriaSpec::condition(
                "Amount",
                enums::CriteriaComparator::Between,
                serde_json::json!([1, 2])
            )
        );
    }

    #[test]
    fn mistakes_name_the_column() {
        for (text, needle) in [
            ("", "column 1: expected a field's API name"),
            ("City", "column 5: expected a comparator"),
            ("City =", "column 7: expected a value"),
            ("City = \"Miami", "does not end"),
            ("(City = Miami", "expected `)`"),
            (
                "City = Miami)",
                "column 13: expected `and`, `or` or the end",
            ),
            ("City eqaul Miami", "(did you mean \"equal\"?)"),
        ] {
            let e = CriteriaSpec::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}
