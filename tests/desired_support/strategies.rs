//! Random desired states within Zoho's limits, over the catalogue every simulated org has:
//! the property tests' generators (`desired_property`, `desired_dry_run_property`).

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::subsequence;
use zoho_crm_access::desired::{
    AccessConfig, Audience, CriteriaSpec, Family, LockingRuleSpec, LockingSpec, Scope,
    SharingRuleSpec,
};
use zoho_crm_access::enums;

/// The catalogue every simulated org has (by name): per module, fields for criteria and
/// fields that may stay editable on locked records.
const MODULES: &[(&str, &[&str], &[&str])] = &[
    (
        "Contacts",
        &["Department", "Title", "Lead_Source", "Mailing_City"],
        &["Description", "Title", "Department"],
    ),
    (
        "Deals",
        &["Stage", "Amount", "Type", "Lead_Source", "Pipeline"],
        &["Description", "Next_Step", "Amount"],
    ),
    (
        "Leads",
        &["City", "State", "Company", "Lead_Source", "Rating"],
        &["Description", "Company", "Phone"],
    ),
];
const PROFILES: &[&str] = &["Administrator", "Standard", "Sales Manager", "Team User"];
const ROLES: &[&str] = &[
    "CEO",
    "Manager",
    "Sales Representative",
    "Support Manager",
    "Support Agent",
];
const GROUPS: &[&str] = &["Miami Users", "Sales Team", "Support Team"];
const RULE_NAMES: &[&str] = &["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"];

fn comparator() -> impl Strategy<Value = enums::CriteriaComparator> {
    prop::sample::select(enums::CriteriaComparator::KNOWN).prop_map(enums::CriteriaComparator::from)
}

/// Criteria on the module's fields; `tag` goes into every value so that criteria of
/// different rules differ (Zoho refuses two locking rules with the same criteria).
fn criteria(fields: &'static [&'static str], tag: String) -> impl Strategy<Value = CriteriaSpec> {
    let leaf = {
        let tag = tag.clone();
        (prop::sample::select(fields), comparator(), 0..3u8)
            .prop_map(move |(f, c, v)| CriteriaSpec::condition(f, c, format!("{tag} {v}")))
            .boxed()
    };
    prop_oneof![
        2 => leaf.clone(),
        1 => prop::collection::vec(leaf.clone(), 1..3).prop_map(CriteriaSpec::All),
        1 => prop::collection::vec(leaf, 1..3).prop_map(CriteriaSpec::Any),
    ]
}

fn set<T: Clone + Ord + std::fmt::Debug>(
    items: &'static [T],
    max: usize,
) -> impl Strategy<Value = BTreeSet<T>> {
    subsequence(items, 0..=max.min(items.len())).prop_map(|v| v.into_iter().collect())
}

fn locking(
    fields: &'static [&'static str],
    editable: &'static [&'static str],
) -> impl Strategy<Value = LockingSpec> {
    let rules = subsequence(RULE_NAMES, 1..=5).prop_flat_map(move |names| {
        names
            .into_iter()
            .map(|n| {
                (criteria(fields, n.to_owned()), any::<bool>()).prop_map(move |(c, existing)| {
                    let mut r = LockingRuleSpec::new(n, c);
                    r.lock_existing_records = existing;
                    r
                })
            })
            .collect::<Vec<_>>()
    });
    (
        0..3u8,
        rules,
        subsequence(PROFILES, 0..=3),
        set(editable, 3),
        subsequence(enums::RestrictedAction::KNOWN, 0..=5),
        subsequence(enums::RestrictedCommunication::KNOWN, 0..=3),
        any::<bool>(),
    )
        .prop_map(
            |(kind, rules, profiles, editable, actions, comms, portal)| {
                let lock_type = ["manual", "automatic", "both"][kind as usize];
                let mut spec = LockingSpec::new(
                    enums::LockType::from(lock_type),
                    actions.into_iter().map(enums::RestrictedAction::from),
                );
                if lock_type != "manual" {
                    spec.rules = rules;
                }
                if !profiles.is_empty() {
                    spec.locked_for = enums::LockedFor::AllProfilesExceptExcludedProfiles;
                    spec.excluded_profiles = profiles.into_iter().map(str::to_owned).collect();
                }
                spec.editable_fields = editable.into_iter().map(|f| (*f).to_owned()).collect();
                spec.restricted_communications = comms
                    .into_iter()
                    .map(enums::RestrictedCommunication::from)
                    .collect();
                spec.lock_for_portal_users = portal;
                spec
            },
        )
}

fn audience(all_users: bool) -> impl Strategy<Value = Audience> {
    let named = prop_oneof![
        prop::sample::select(ROLES).prop_map(|r| Audience::Role(r.into())),
        prop::sample::select(ROLES).prop_map(|r| Audience::RoleAndSubordinates(r.into())),
        prop::sample::select(GROUPS).prop_map(|g| Audience::Group(g.into())),
    ];
    if all_users {
        prop_oneof![3 => named, 1 => Just(Audience::AllUsers)].boxed()
    } else {
        named.boxed()
    }
}

fn sharing_rules(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<SharingRuleSpec>> {
    subsequence(RULE_NAMES, 0..=4).prop_flat_map(move |names| {
        names
            .into_iter()
            .map(|n| {
                (
                    prop::option::of(audience(false)),
                    criteria(fields, n.to_owned()),
                    audience(true),
                    prop::sample::select(enums::PermissionType::KNOWN),
                    any::<bool>(),
                    any::<bool>(),
                )
                    .prop_map(move |(from, crit, to, perm, superiors, active)| {
                        let perm = enums::PermissionType::from(perm);
                        let mut rule = match from {
                            Some(from) => SharingRuleSpec::owner_based(n, from, to, perm),
                            None => SharingRuleSpec::criteria_based(n, crit, to, perm),
                        };
                        rule.superiors_allowed = superiors;
                        if !active {
                            rule.status = enums::SharingRuleStatus::Inactive;
                        }
                        rule
                    })
            })
            .collect::<Vec<_>>()
    })
}

pub fn access_config() -> impl Strategy<Value = AccessConfig> {
    MODULES
        .iter()
        .map(|&(module, fields, editable)| {
            (
                prop::option::of(locking(fields, editable)),
                sharing_rules(fields),
                prop::sample::select(enums::ShareType::KNOWN),
            )
                .prop_map(move |(l, r, s)| (module, l, r, s))
        })
        .collect::<Vec<_>>()
        .prop_map(|modules| {
            let mut config =
                AccessConfig::new(Scope::new(Family::ALL, MODULES.iter().map(|m| m.0)));
            for (module, locking, rules, share) in modules {
                if let Some(l) = locking {
                    config.record_locking.insert(module.into(), l);
                }
                if !rules.is_empty() {
                    config.sharing_rules.insert(module.into(), rules);
                }
                config
                    .org_permissions
                    .insert(module.into(), enums::ShareType::from(share));
            }
            config
        })
}
