//! Whether a record's field values meet a criteria (of a criteria-based sharing rule or a
//! locking rule): `Some(true)`, `Some(false)`, or `None` when a field it reads was not given
//! or a comparator is one the model does not know.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::desired::CriteriaSpec;
use crate::generated::enums::CriteriaComparator as C;

/// Evaluates `criteria` on `fields` (field API name -> value), in three-valued logic.
pub(crate) fn matches(criteria: &CriteriaSpec, fields: &BTreeMap<String, Value>) -> Option<bool> {
    match criteria {
        CriteriaSpec::Condition {
            field,
            comparator,
            value,
        } => condition(fields.get(field)?, comparator, value),
        CriteriaSpec::All(items) => {
            let mut unknown = false;
            for c in items {
                match matches(c, fields) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        CriteriaSpec::Any(items) => {
            let mut unknown = false;
            for c in items {
                match matches(c, fields) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The fields a criteria reads, in order, without repeats.
pub(crate) fn fields_of(criteria: &CriteriaSpec, out: &mut Vec<String>) {
    match criteria {
        CriteriaSpec::Condition { field, .. } if !out.contains(field) => {
            out.push(field.clone());
        }
        CriteriaSpec::Condition { .. } => {}
        CriteriaSpec::All(items) | CriteriaSpec::Any(items) => {
            for c in items {
                fields_of(c, out);
            }
        }
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// `City = Miami and State = Florida`: a criteria as people read it.
pub(crate) fn describe(criteria: &CriteriaSpec) -> String {
    fn value(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(value).collect::<Vec<_>>().join(", "),
            Value::Object(m) => m
                .get("name")
                .or_else(|| m.get("id"))
                .map_or_else(|| v.to_string(), value),
            other => other.to_string(),
        }
    }
    fn inner(c: &CriteriaSpec, nested: bool) -> String {
        match c {
            CriteriaSpec::Condition {
                field,
                comparator,
                value: v,
            } => {
                let op = match comparator {
                    C::Equal => "=",
                    C::NotEqual => "!=",
                    C::LessThan => "<",
                    C::LessEqual => "<=",
                    C::GreaterThan => ">",
                    C::GreaterEqual => ">=",
                    other => other.as_str(),
                };
                format!("{field} {op} {}", value(v))
            }
            CriteriaSpec::All(items) | CriteriaSpec::Any(items) => {
                let joiner = if matches!(c, CriteriaSpec::All(_)) {
                    " and "
                } else {
                    " or "
                };
                let text = items
                    .iter()
                    .map(|i| inner(i, true))
                    .collect::<Vec<_>>()
                    .join(joiner);
                if nested && items.len() > 1 {
                    format!("({text})")
                } else {
                    text
                }
            }
            #[allow(unreachable_patterns)]
            _ => String::from("(criteria)"),
        }
    }
    inner(criteria, false)
}

/// The text of a value as compared: strings as they are, a lookup `{name, id}` by its id
/// and name, numbers and booleans in their JSON form.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equal as Zoho's criteria compare: the same text, or the same number, or for a lookup the
/// same id or name.
fn equal(actual: &Value, expected: &Value) -> bool {
    if let (Some(a), Some(b)) = (number(actual), number(expected)) {
        if matches!(actual, Value::Number(_)) || matches!(expected, Value::Number(_)) {
            return a == b;
        }
    }
    match (actual, expected) {
        (Value::Object(a), Value::Object(b)) => {
            let same = |k: &str| a.get(k).is_some() && a.get(k) == b.get(k);
            same("id") || same("name")
        }
        (Value::Object(a), other) | (other, Value::Object(a)) => {
            let t = text(other);
            t.is_some() && (a.get("id").and_then(text) == t || a.get("name").and_then(text) == t)
        }
        _ => text(actual).is_some() && text(actual) == text(expected),
    }
}

fn order(actual: &Value, expected: &Value) -> Option<Ordering> {
    match (number(actual), number(expected)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        // Dates and date-times in ISO 8601 order as text.
        _ => Some(text(actual)?.cmp(&text(expected)?)),
    }
}

fn condition(actual: &Value, comparator: &C, expected: &Value) -> Option<bool> {
    let s = |f: fn(&str, &str) -> bool| Some(f(&text(actual)?, &text(expected)?));
    match comparator {
        C::Equal => Some(match expected {
            Value::Array(items) => items.iter().any(|e| equal(actual, e)),
            _ => equal(actual, expected),
        }),
        C::NotEqual => Some(match expected {
            Value::Array(items) => !items.iter().any(|e| equal(actual, e)),
            _ => !equal(actual, expected),
        }),
        C::Contains => s(|a, b| a.contains(b)),
        C::NotContains => s(|a, b| !a.contains(b)),
        C::StartsWith => s(|a, b| a.starts_with(b)),
        C::EndsWith => s(|a, b| a.ends_with(b)),
        C::LessThan => Some(order(actual, expected)? == Ordering::Less),
        C::LessEqual => Some(order(actual, expected)? != Ordering::Greater),
        C::GreaterThan => Some(order(actual, expected)? == Ordering::Greater),
        C::GreaterEqual => Some(order(actual, expected)? != Ordering::Less),
        C::Between | C::NotBetween => {
            let Value::Array(bounds) = expected else {
                return None;
            };
            let [low, high] = bounds.as_slice() else {
                return None;
            };
            let inside =
                order(actual, low)? != Ordering::Less && order(actual, high)? != Ordering::Greater;
            Some(inside == matches!(comparator, C::Between))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn three_valued() {
        let c = CriteriaSpec::All(vec![
            CriteriaSpec::equal("City", "Miami"),
            CriteriaSpec::equal("State", "Florida"),
        ]);
        let miami = fields(&[("City", json!("Miami")), ("State", json!("Florida"))]);
        assert_eq!(matches(&c, &miami), Some(true));
        let tampa = fields(&[("City", json!("Tampa"))]);
        assert_eq!(matches(&c, &tampa), Some(false));
        let only_city = fields(&[("City", json!("Miami"))]);
        assert_eq!(matches(&c, &only_city), None);
        assert_eq!(describe(&c), "City = Miami and State = Florida");
        let amount = CriteriaSpec::condition("Amount", C::GreaterThan, 1000);
        assert_eq!(
            matches(&amount, &fields(&[("Amount", json!("1500"))])),
            Some(true)
        );
        assert_eq!(
            matches(&amount, &fields(&[("Amount", json!(10))])),
            Some(false)
        );
    }
}
