//! `diff`: who gains or loses view, edit or delete on which records between two models (the
//! org now and a plan applied), and through what.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::desired::{Audience, CriteriaSpec, SharingRuleSpec};
use crate::generated::enums::{self, ShareType};

use super::check::{default_actions, rule_actions};
use super::criteria;
use super::model::AccessModel;
use super::Action;

/// Which records of a module a change is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordSet {
    /// Every record owned by somebody else (an org default).
    OthersRecords,
    /// Records owned by the users of an audience (an owner-based rule).
    OwnedBy {
        /// Whose records.
        audience: Audience,
    },
    /// Records whose fields meet a criteria (a criteria-based rule).
    Matching {
        /// The criteria.
        criteria: CriteriaSpec,
    },
}

impl RecordSet {
    fn of_rule(rule: &SharingRuleSpec) -> RecordSet {
        match (&rule.criteria, &rule.from) {
            (Some(c), _) => RecordSet::Matching {
                criteria: c.clone(),
            },
            (None, Some(from)) => RecordSet::OwnedBy {
                audience: from.clone(),
            },
            (None, None) => RecordSet::OthersRecords,
        }
    }
}

impl fmt::Display for RecordSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordSet::OthersRecords => f.write_str("of others"),
            RecordSet::OwnedBy { audience } => write!(f, "owned by {}", audience_text(audience)),
            RecordSet::Matching { criteria: c } => write!(f, "with {}", criteria::describe(c)),
        }
    }
}

/// Who an audience is, in words (`role Manager and subordinates`, `group Miami Users`, `all
/// users`), as plans and reports print it.
pub fn audience_text(a: &Audience) -> String {
    match a {
        Audience::Role(n) => format!("role {n}"),
        Audience::RoleAndSubordinates(n) => format!("role {n} and subordinates"),
        Audience::Group(n) => format!("group {n}"),
        Audience::AllUsers => "all users".to_owned(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

/// Who a change reaches.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Grantee {
    /// Every user (an org default).
    Everyone {
        /// Active users in the org.
        active_users: usize,
    },
    /// The audience a sharing rule shares to.
    Audience {
        /// The audience.
        audience: Audience,
        /// Its active users.
        active_users: usize,
    },
    /// The superiors of the audience a sharing rule shares to (`superiors_allowed`).
    SuperiorsOf {
        /// The audience.
        audience: Audience,
    },
}

impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users = |n: usize| {
            if n == 1 {
                "1 active user".to_owned()
            } else {
                format!("{n} active users")
            }
        };
        match self {
            Grantee::Everyone { .. } => f.write_str("everyone"),
            Grantee::Audience {
                audience,
                active_users,
            } => write!(f, "{} ({})", audience_text(audience), users(*active_users)),
            Grantee::SuperiorsOf { audience } => {
                write!(f, "superiors of {}", audience_text(audience))
            }
        }
    }
}

/// Gain or lose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The grantee gains the actions.
    Gain,
    /// The grantee loses the actions.
    Lose,
}

/// What makes the change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cause {
    /// The module's default organization permission changes.
    OrgDefault {
        /// Before (`None`: not set).
        before: Option<ShareType>,
        /// After.
        after: Option<ShareType>,
    },
    /// A sharing rule is added, removed or changed (or the org default under it changed
    /// what it adds).
    Rule {
        /// Rule name.
        rule: String,
    },
}

/// One line of a diff: a grantee gains or loses actions on a set of records of a module,
/// through a cause. Its `Display` is the line a plan prints: `group "Miami Users" (3 active
/// users) gain edit on Leads records with City = Miami and State = Florida, through rule
/// "Miami leads"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AccessChange {
    /// Module API name.
    pub module: String,
    /// Who.
    pub grantee: Grantee,
    /// Gain or lose.
    pub direction: Direction,
    /// Which actions.
    pub actions: Vec<Action>,
    /// On which records.
    pub records: RecordSet,
    /// Through what.
    pub cause: Cause,
}

impl fmt::Display for AccessChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let singular = matches!(self.grantee, Grantee::Everyone { .. });
        let verb = match (self.direction, singular) {
            (Direction::Gain, true) => "gains",
            (Direction::Gain, false) => "gain",
            (Direction::Lose, true) => "loses",
            (Direction::Lose, false) => "lose",
        };
        let actions: Vec<&str> = self.actions.iter().map(|a| a.as_str()).collect();
        write!(
            f,
            "{} {verb} {} on {} records {}",
            self.grantee,
            actions.join(", "),
            self.module,
            self.records
        )?;
        match &self.cause {
            Cause::OrgDefault { before, after } => {
                let s = |x: &Option<ShareType>| {
                    x.as_ref()
                        .map_or_else(|| "(not set)".to_owned(), |s| s.to_string())
                };
                write!(f, ": org default {} -> {}", s(before), s(after))
            }
            Cause::Rule { rule } => write!(f, ", through rule {rule:?}"),
        }
    }
}

/// The access two models differ by, module by module: org defaults first, then sharing
/// rules by name. The answer concerns records of others; it covers default organization
/// permissions and sharing rules (record locking configurations are compared by the plan
/// itself).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AccessDiff {
    /// The changes, by module.
    pub changes: Vec<AccessChange>,
}

impl AccessDiff {
    /// No access changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn minus(a: &[Action], b: &[Action]) -> Vec<Action> {
    a.iter().filter(|x| !b.contains(x)).copied().collect()
}

/// What a rule adds beyond the module's default: nothing when inactive.
fn effective(rule: &SharingRuleSpec, default: &[Action]) -> Vec<Action> {
    if rule.status != enums::SharingRuleStatus::Active {
        return Vec::new();
    }
    minus(rule_actions(&rule.permission).unwrap_or(&[]), default)
}

impl AccessModel {
    /// Who gains or loses what from `self` (before) to `after`, module by module. Time and
    /// memory grow with users x rules.
    pub fn diff(&self, after: &AccessModel) -> AccessDiff {
        let mut modules: BTreeSet<&str> = BTreeSet::new();
        for m in [&self.config, &after.config] {
            modules.extend(m.org_permissions.keys().map(String::as_str));
            modules.extend(m.sharing_rules.keys().map(String::as_str));
        }
        let mut out = AccessDiff::default();
        for module in modules {
            self.diff_module(after, module, &mut out.changes);
        }
        out
    }

    fn diff_module(&self, after: &AccessModel, module: &str, out: &mut Vec<AccessChange>) {
        let before_default = self.config.org_permissions.get(module);
        let after_default = after.config.org_permissions.get(module);
        let acts = |s: Option<&ShareType>| s.and_then(default_actions).unwrap_or(&[]).to_vec();
        let (b, a) = (acts(before_default), acts(after_default));
        let change =
            |grantee: Grantee, direction, actions: Vec<Action>, records, cause| AccessChange {
                module: module.to_owned(),
                grantee,
                direction,
                actions,
                records,
                cause,
            };
        if before_default != after_default {
            let cause = Cause::OrgDefault {
                before: before_default.cloned(),
                after: after_default.cloned(),
            };
            for (direction, actions, model) in [
                (Direction::Gain, minus(&a, &b), after),
                (Direction::Lose, minus(&b, &a), self),
            ] {
                if !actions.is_empty() {
                    out.push(change(
                        Grantee::Everyone {
                            active_users: model.active_users(),
                        },
                        direction,
                        actions,
                        RecordSet::OthersRecords,
                        cause.clone(),
                    ));
                }
            }
        }
        let empty = Vec::new();
        let before_rules = self.config.sharing_rules.get(module).unwrap_or(&empty);
        let after_rules = after.config.sharing_rules.get(module).unwrap_or(&empty);
        let mut names: Vec<&str> = before_rules.iter().map(|r| r.name.as_str()).collect();
        for r in after_rules {
            if !names.contains(&r.name.as_str()) {
                names.push(&r.name);
            }
        }
        names.sort_unstable();
        for name in names {
            let old = before_rules.iter().find(|r| r.name == name);
            let new = after_rules.iter().find(|r| r.name == name);
            let cause = Cause::Rule {
                rule: name.to_owned(),
            };
            // (model, rule, actions, direction): each side's audience and records. A grant
            // counts only where the grantee did not already have it (gains: not in the old
            // default; losses: not in the new default), so a rule made redundant by a wider
            // default loses nobody anything.
            let mut sides: Vec<(&AccessModel, &SharingRuleSpec, Vec<Action>, Direction)> =
                Vec::new();
            match (old, new) {
                (Some(o), Some(n))
                    if o.to == n.to && RecordSet::of_rule(o) == RecordSet::of_rule(n) =>
                {
                    let (eb, ea) = (effective(o, &b), effective(n, &a));
                    sides.push((after, n, minus(&minus(&ea, &eb), &b), Direction::Gain));
                    sides.push((self, o, minus(&minus(&eb, &ea), &a), Direction::Lose));
                    // Superiors: compare what they had and have.
                    let sb = if o.superiors_allowed {
                        eb.clone()
                    } else {
                        Vec::new()
                    };
                    let sa = if n.superiors_allowed {
                        ea.clone()
                    } else {
                        Vec::new()
                    };
                    for (direction, actions, rule) in [
                        (Direction::Gain, minus(&minus(&sa, &sb), &b), n),
                        (Direction::Lose, minus(&minus(&sb, &sa), &a), o),
                    ] {
                        if !actions.is_empty() && !matches!(rule.to, Audience::AllUsers) {
                            out.push(change(
                                Grantee::SuperiorsOf {
                                    audience: rule.to.clone(),
                                },
                                direction,
                                actions,
                                RecordSet::of_rule(rule),
                                cause.clone(),
                            ));
                        }
                    }
                    for (model, rule, actions, direction) in sides.drain(..) {
                        if !actions.is_empty() {
                            out.push(change(
                                Grantee::Audience {
                                    audience: rule.to.clone(),
                                    active_users: model.active_users_in(&rule.to),
                                },
                                direction,
                                actions,
                                RecordSet::of_rule(rule),
                                cause.clone(),
                            ));
                        }
                    }
                    continue;
                }
                (o, n) => {
                    if let Some(n) = n {
                        sides.push((after, n, minus(&effective(n, &a), &b), Direction::Gain));
                    }
                    if let Some(o) = o {
                        sides.push((self, o, minus(&effective(o, &b), &a), Direction::Lose));
                    }
                }
            }
            for (model, rule, actions, direction) in sides {
                if actions.is_empty() {
                    continue;
                }
                out.push(change(
                    Grantee::Audience {
                        audience: rule.to.clone(),
                        active_users: model.active_users_in(&rule.to),
                    },
                    direction,
                    actions.clone(),
                    RecordSet::of_rule(rule),
                    cause.clone(),
                ));
                if rule.superiors_allowed && !matches!(rule.to, Audience::AllUsers) {
                    out.push(change(
                        Grantee::SuperiorsOf {
                            audience: rule.to.clone(),
                        },
                        direction,
                        actions,
                        RecordSet::of_rule(rule),
                        cause.clone(),
                    ));
                }
            }
        }
    }
}
