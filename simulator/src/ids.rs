//! Zoho-style record ids: 19-digit decimal strings, unique within one simulator.

use rand::{rngs::StdRng, Rng, SeedableRng};

/// Hands out ids that look like Zoho's (`5843104000001068052`): a fixed org prefix followed by an
/// increasing counter with small random gaps, so ids sort by creation and never repeat.
#[derive(Debug)]
pub(crate) struct IdGenerator {
    prefix: u64,
    counter: u64,
    rng: StdRng,
}

impl IdGenerator {
    /// A generator whose gaps come from `seed` (the same seed gives the same ids).
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        // Seven leading digits, the first non-zero, so every id has exactly 19 digits.
        let prefix = rng.random_range(1_000_000..10_000_000u64);
        Self {
            prefix,
            counter: 2_000_000,
            rng,
        }
    }

    /// A generator for the org's records: the same org prefix as [`IdGenerator::new`] with
    /// `seed`, its counter far above the one of the settings ids, and its own gaps. Records get
    /// their ids from it so that seeding or adding records never moves the id of a
    /// configuration, rule or lock created later.
    pub(crate) fn for_records(seed: u64) -> Self {
        let mut ids = Self::new(seed);
        ids.counter = 100_000_000_000;
        ids.rng = StdRng::seed_from_u64(seed ^ 0x0005_eed0_f4ec_04d5);
        ids
    }

    /// The org's own id: the org prefix with a counter below every other id, so it takes
    /// nothing from the sequence.
    pub(crate) fn org_id(&self) -> String {
        format!("{}{:012}", self.prefix, 1_000_000)
    }

    /// The next id.
    pub(crate) fn next_id(&mut self) -> String {
        self.counter += self.rng.random_range(1..40u64);
        format!("{}{:012}", self.prefix, self.counter)
    }
}

/// Whether `s` looks like a Zoho id (1 to 19 decimal digits).
pub(crate) fn is_well_formed(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An id sent in a request body: a string of 1 to 19 digits, or the same id as a bare JSON
/// number (the seed's own example and Zoho's Python SDK send ids as numbers; the spec marks such
/// ids `x-zoho-accepts-number`). Both forms give the same id.
pub(crate) fn id_from_json(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if is_well_formed(s) => Some(s.clone()),
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(|n| n.to_string())
            .filter(|s| is_well_formed(s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_nineteen_digits_and_increase() {
        let mut ids = IdGenerator::new(7);
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a.len(), 19);
        assert!(is_well_formed(&a));
        assert!(b > a);
    }

    #[test]
    fn numeric_and_string_ids_are_read() {
        assert_eq!(
            id_from_json(&serde_json::json!(5843104000001068052u64)).as_deref(),
            Some("5843104000001068052")
        );
        assert_eq!(id_from_json(&serde_json::json!("12a")), None);
        assert_eq!(id_from_json(&serde_json::json!("")), None);
        assert_eq!(id_from_json(&serde_json::json!(-1)), None);
        assert_eq!(id_from_json(&serde_json::json!(1.5)), None);
        // 20 digits: not an id, as a string or as a number.
        assert_eq!(
            id_from_json(&serde_json::json!(18446744073709551615u64)),
            None
        );
        assert_eq!(
            id_from_json(&serde_json::json!("18446744073709551615")),
            None
        );
    }
}
