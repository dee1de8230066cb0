//! Access control as code: an org's record locking configurations, data sharing rules and
//! default organization permissions as one desired-state file, named by org-independent keys,
//! with [`pull`], [`plan`] and [`Plan::apply`].
//!
//! The same role, group, profile, field or rule has a different id in every org, so the file
//! names everything by what stays the same: modules and fields by API name; roles, groups,
//! profiles and custom buttons by name; locking rules and sharing rules by their names. It
//! carries no ids, no timestamps and nothing read-only. Pull it from a sandbox, review it,
//! commit it, and apply it to production: every name is resolved through the target org's
//! directory before anything is written.
//!
//! ```no_run
//! use zoho_crm_access::desired::{self, Scope};
//! use zoho_crm_access::Client;
//!
//! # async fn run(sandbox: Client, production: Client) -> Result<(), zoho_crm_access::Error> {
//! // The sandbox's access control, every family and module.
//! let config = desired::pull(&sandbox, &Scope::everything()).await?;
//! std::fs::write("access.yaml", config.to_yaml()?).expect("writable");
//!
//! // What production needs to look the same, then the changes.
//! let plan = desired::plan(&production, &config).await?;
//! println!("{plan}");
//! let report = plan.apply(&production).await;
//! println!("{report}");
//! # Ok(())
//! # }
//! ```
//!
//! # The file
//!
//! ```yaml
//! version: 1
//! scope:
//!   families: [org_permissions, record_locking, sharing_rules]
//!   modules: [Deals, Leads]
//! record_locking:
//!   Deals:
//!     lock_type: both
//!     locked_for: all_profiles_except_excluded_profiles
//!     excluded_profiles: [Administrator]
//!     editable_fields: [Description]
//!     restricted_actions: [delete, update]
//!     lock_for_portal_users: true
//!     rules:
//!     - name: Closed Won
//!       lock_existing_records: false
//!       criteria: {field: Stage, comparator: equal, value: Closed Won}
//! sharing_rules:
//!   Leads:
//!   - name: Miami leads
//!     status: active
//!     permission: read_write
//!     superiors_allowed: false
//!     to: {group: Miami Users}
//!     criteria:
//!       all:
//!       - {field: City, comparator: equal, value: Miami}
//!       - {field: State, comparator: equal, value: Florida}
//!   - name: Reps' leads to managers
//!     status: inactive
//!     permission: read_write_delete
//!     superiors_allowed: false
//!     from: {role_and_subordinates: Sales Representative}
//!     to: {role: Manager}
//! org_permissions:
//!   Deals: private
//!   Leads: public_read_only
//! ```
//!
//! * **Scope.** `scope.families` and `scope.modules` say what the file manages. Inside the
//!   scope the file is the whole truth: a module in scope without a `record_locking` entry
//!   has no configuration (one the org has is deleted), a sharing rule the org has and the
//!   file lacks is deleted, and with `org_permissions` in scope every module in scope has a
//!   share type. Outside the scope nothing is read or changed. `scope.rules: listed`
//!   ([`RuleScope::Listed`]) narrows the whole truth to the rules the file names: the
//!   org's other sharing rules and locking rules, and the locking configuration of a
//!   module the file gives none, stay as they are ([`Plan::notes`] says so), so a file of
//!   one rule adds or changes that rule and nothing else.
//! * **Sharing targets** read like Zoho's UI: `{role: NAME}`, `{role_and_subordinates: NAME}`,
//!   `{group: NAME}`, `all_users`. An owner-based rule has `from` (whose records), a
//!   criteria-based one `criteria`. `status` is desired state: Zoho creates every rule
//!   active, so an inactive rule is created, then deactivated at once.
//! * **Criteria** name fields by API name: `{field, comparator, value}`, `{all: [...]}` (AND),
//!   `{any: [...]}` (OR), nested as needed; values as Zoho takes them. As one line of text
//!   (plans, the command line): [`CriteriaSpec::parse`], [`CriteriaSpec::to_text`].
//! * **Names** resolve through the target org's directory; one it lacks fails naming the
//!   place and the nearest name ([`suggest`]). [`Resolver`] does the same for other tools.
//! * **Stable YAML.** [`AccessConfig::to_yaml`] sorts modules, rules (by name) and every list,
//!   writes each struct's fields in one fixed order, writes every scalar setting even when it
//!   has Zoho's default (`status`, `superiors_allowed`, `locked_for`, `lock_for_portal_users`,
//!   `lock_existing_records`) and leaves out empty lists (an absent list is an empty one;
//!   `restricted_actions` is always written). Pulling, applying elsewhere and pulling again
//!   gives the same bytes. When reading, scalars with a default may be left out.
//! * **Version.** `version: 1`. A file of another version is refused before anything else is
//!   read, naming the version.
//! * **Schema.** [`json_schema`] is the file's JSON Schema, derived from these types
//!   (`zoho-access schema` prints it; `spec/desired-state.schema.json` is the published copy).
//!   Editors that speak the YAML language server validate with a first line
//!   `# yaml-language-server: $schema=<path or URL of the schema>`.
//!
//! # Custom buttons
//!
//! Zoho publishes no API that lists custom buttons; a record locking configuration's
//! `restricted_custom_buttons` carry `{id, name}` pairs. The file names buttons. When a plan
//! needs a button's id in the target org, it takes it from the pairs the target's own
//! configuration of that module already carries. A button that configuration does not carry
//! cannot be resolved: the plan fails naming it, before any write, and says what to do:
//! restrict the button once in the target org's web UI (after which promotion keeps it in
//! step), or drop it from the file. Buttons are never created or guessed.
//!
//! # Plan and apply
//!
//! A [`Plan`] is a list of typed [`Change`]s (create, update, delete a locking configuration;
//! create, update, delete, activate, deactivate a sharing rule; set a share type), each with
//! its state before and after, in a fixed order (org permissions, record locking, sharing
//! rules; modules by name; within a module, rule removals first), and the calls that make
//! them, as few as Zoho allows: one locking update per module carrying every rule change
//! (removals first, within Zoho's five rules), org permissions 100 per call, one sharing rule
//! per write. [`Plan::apply`] makes the calls in order. It waits out `CANNOT_PROCESS` (rule
//! computation running) and rate limits with a bounded backoff ([`ApplyOptions`]); any other
//! failure stops it, and the [`ApplyReport`] says exactly which changes were applied, which
//! failed (and whether the failed call may have taken effect) and which were not attempted.
//! Applying again plans afresh from the org's state, so it continues where the first stopped:
//! nothing is lost or made twice (a create whose answer was lost is found by its name).
//! Applying a state the org already has makes no write at all.
//!
//! [`Plan::planned_calls`] is the dry run: it runs the same apply through a transport that
//! records each request and answers it with a success instead of sending it, so the calls it
//! lists are the apply's own (same bodies, same order, same input checks), and nothing is
//! sent.

mod apply;
mod criteria_text;
mod dry_run;
mod file;
mod model;
pub(crate) mod plan;
mod pull;
mod resolve;

pub(crate) use apply::counted;
pub use apply::{apply, ApplyFailure, ApplyOptions, ApplyReport};
pub use dry_run::PlannedCall;
pub use file::json_schema;
pub use model::{
    AccessConfig, Audience, CriteriaSpec, Family, LockingRuleSpec, LockingSpec, RuleScope, Scope,
    SharingRuleSpec,
};
pub use plan::{plan, Change, Plan};
pub use pull::pull;
pub use resolve::{suggest, Resolver};
