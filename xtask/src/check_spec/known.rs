//! The known-disagreements list: recordings the spec rejects on purpose, each with a reason.
//!
//! ```yaml
//! disagreements:
//!   - corpus: zoho-examples            # base name of the recordings directory
//!     recording: record_locking_configurations/seed_rlc_update_delete_rule.json
//!     reason: the seed sends a locking-rule id as a bare JSON number
//!     expect: /record_locking_configurations/0/locking_rules/0/id   # optional
//! ```
//!
//! An entry applies when its `corpus` is one of the directories checked. A listed recording
//! that fails is reported as known and does not fail the run, provided every failure mentions
//! `expect` (when given). A listed recording that passes, that fails differently, or that is no
//! longer there fails the run, so the list cannot go stale.

use std::path::Path;

use serde::Deserialize;

/// One listed disagreement.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// Base name of the recordings directory the entry belongs to.
    pub corpus: String,
    /// Path of the recording inside that directory (a trailing part of it is enough).
    pub recording: String,
    /// Why the spec and the recording disagree.
    pub reason: String,
    /// Text every failure of the recording must contain (e.g. the JSON pointer).
    #[serde(default)]
    pub expect: Option<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    disagreements: Vec<Entry>,
}

/// Reads a known-disagreements file.
pub fn load(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read known disagreements {}: {e}", path.display()))?;
    let file: File = serde_yaml::from_str(&text)
        .map_err(|e| format!("known disagreements {} are not valid: {e}", path.display()))?;
    for e in &file.disagreements {
        if e.reason.trim().is_empty() {
            return Err(format!(
                "known disagreement for {} has no reason",
                e.recording
            ));
        }
    }
    Ok(file.disagreements)
}

impl Entry {
    /// Whether the entry names the recording `key` (`<corpus>/<relative path>`).
    pub fn matches(&self, key: &str) -> bool {
        let want = format!("{}/{}", self.corpus, self.recording.trim_start_matches('/'));
        key == want
            || (key.starts_with(&format!("{}/", self.corpus))
                && key.ends_with(&format!("/{}", self.recording.trim_start_matches('/'))))
    }
}
