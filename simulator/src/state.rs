//! The simulated org's mutable state, and the snapshot tests inspect.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{FixedOffset, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::catalogue::{seed_directory, ModuleInfo, OrgDirectory};
use super::ids::IdGenerator;
use super::records::Records;

/// Everything the settings APIs read and change.
#[derive(Debug)]
pub(crate) struct State {
    pub dir: OrgDirectory,
    pub ids: IdGenerator,
    pub offset: FixedOffset,
    /// Module API name -> its record locking configuration (response form).
    pub locking: BTreeMap<String, Map<String, Value>>,
    /// Sharing rules in creation order (response form, `criteria` included).
    pub rules: Vec<Map<String, Value>>,
    /// Module API name -> org-wide share type.
    pub share_types: BTreeMap<String, String>,
    /// Modules whose sharing rules are being computed (changes give `CANNOT_PROCESS`).
    pub computing: BTreeSet<String>,
    /// Module API name -> number of re-runs scheduled.
    pub reruns: BTreeMap<String, u32>,
    /// The user lacks the Customize / Manage Data Sharing permissions (`NO_PERMISSION`).
    pub no_permission: bool,
    /// The edition includes record locking (else `FEATURE_NOT_SUPPORTED`).
    pub record_locking_edition: bool,
    /// Sharing rules allowed per module ("Module limit exceeded").
    pub sharing_rule_limit: usize,
    /// The records of the modules that support record locking, with their locks.
    pub records: Records,
}

impl State {
    pub(crate) fn new(
        seed: u64,
        offset: FixedOffset,
        sharing_rule_limit: usize,
        org_size: usize,
    ) -> Self {
        let mut ids = IdGenerator::new(seed);
        let dir = seed_directory(&mut ids);
        let users: Vec<String> = dir.users.iter().map(|u| u.id.clone()).collect();
        let records = Records::seeded(seed, &dir.modules, &users);
        let share_types = dir
            .modules
            .iter()
            .filter(|m| m.org_permissions)
            .map(|m| (m.api_name.clone(), m.initial_share_type.to_owned()))
            .collect();
        let mut state = Self {
            dir,
            ids,
            offset,
            locking: BTreeMap::new(),
            rules: Vec::new(),
            share_types,
            computing: BTreeSet::new(),
            reruns: BTreeMap::new(),
            no_permission: false,
            record_locking_edition: true,
            sharing_rule_limit,
            records,
        };
        super::large_org::grow(&mut state, org_size);
        state
    }

    /// Now, as Zoho writes times: ISO 8601 with the org's offset, whole seconds.
    pub(crate) fn now(&self) -> String {
        Utc::now()
            .with_timezone(&self.offset)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// `{name, id}` of the user the tokens belong to.
    pub(crate) fn current_user(&self) -> Value {
        let u = self.dir.current_user();
        json!({ "name": u.name, "id": u.id })
    }

    /// The module, cloned so callers can mutate the state while holding it.
    pub(crate) fn module(&self, api_name: &str) -> Option<ModuleInfo> {
        self.dir.module(api_name).cloned()
    }

    pub(crate) fn snapshot(&self) -> StateSnapshot {
        let mut sharing_rules: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for r in &self.rules {
            let module = r
                .get("module")
                .and_then(|m| m.get("api_name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            sharing_rules
                .entry(module)
                .or_default()
                .push(Value::Object(r.clone()));
        }
        StateSnapshot {
            record_locking: self
                .locking
                .iter()
                .map(|(k, v)| (k.clone(), Value::Object(v.clone())))
                .collect(),
            sharing_rules,
            org_permissions: self.share_types.clone(),
            rule_computation_running: self.computing.clone(),
            reruns: self.reruns.clone(),
            records: self
                .records
                .by_module
                .iter()
                .filter_map(|(module, records)| {
                    let m = self.dir.module(module)?;
                    let list = records
                        .values()
                        .map(|r| super::records::record_json(self, m, r))
                        .collect();
                    Some((module.clone(), list))
                })
                .collect(),
        }
    }
}

/// A copy of the simulator's state at one moment, as the API would return it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateSnapshot {
    /// Module API name -> its record locking configuration (as `GET` returns it).
    pub record_locking: BTreeMap<String, Value>,
    /// Module API name -> its sharing rules in creation order (as get-by-id returns them).
    pub sharing_rules: BTreeMap<String, Vec<Value>>,
    /// Module API name -> default organization share type.
    pub org_permissions: BTreeMap<String, String>,
    /// Modules whose sharing rules are being computed.
    pub rule_computation_running: BTreeSet<String>,
    /// Module API name -> number of re-runs scheduled.
    pub reruns: BTreeMap<String, u32>,
    /// Module API name -> its records in creation order, each as `GET
    /// /__simulator/records/{module}` shows it: `id`, `name`, `owner` (`{name, id}`), `fields`
    /// and `lock` (the lock entry as `getRecordLocks` answers it, or null).
    pub records: BTreeMap<String, Vec<Value>>,
}

impl StateSnapshot {
    /// The lock entries of `module`'s locked records (`RecordLock` JSON), in record order.
    pub fn locks(&self, module: &str) -> Vec<Value> {
        self.records
            .get(module)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("lock").filter(|l| !l.is_null()).cloned())
            .collect()
    }

    /// Number of sharing rules in `module`.
    pub fn sharing_rule_count(&self, module: &str) -> usize {
        self.sharing_rules.get(module).map_or(0, Vec::len)
    }

    /// Number of locking rules in `module`'s configuration (0 without one).
    pub fn locking_rule_count(&self, module: &str) -> usize {
        self.record_locking
            .get(module)
            .and_then(|c| c.get("locking_rules"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    }
}
