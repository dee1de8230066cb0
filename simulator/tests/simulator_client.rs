//! The high-level `zoho_crm_access::Client` against the simulator: every public operation
//! (create, read back, update, delete) and the documented errors surfaced as typed errors.

use std::time::Duration;

use futures::TryStreamExt;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use zoho_crm_access::criteria::{field, filter};
use zoho_crm_access::{enums, types, Client, Error, RetryPolicy};
use zoho_crm_access_simulator::{Fault, Simulator};

fn typed<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid typed value")
}

fn client(sim: &Simulator) -> Client {
    Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.access_token())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

/// The Zoho code of an `Error::Api`, and its details.
fn api_error(e: Error) -> (u16, String, types::ActionDetails) {
    match e {
        Error::Api {
            status,
            code,
            details,
            ..
        } => (status, code.as_str().to_owned(), *details),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn record_locking_through_the_client() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim);
    let deals = c.record_locking("Deals");
    assert!(deals.get().await.unwrap().is_none());

    let mut input = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic);
    input.excluded_fields = Some(vec![typed(json!({ "api_name": "Description" }))]);
    input.locking_rules = Some(vec![typed(json!({
        "name": "Closed Won", "lock_existing_records": true,
        "criteria": field("Stage").equal("Closed Won").build()
    }))]);
    let created = deals.create(input.clone()).await.unwrap();
    let id = created.details.id.clone().unwrap();

    let cfg = deals.get().await.unwrap().unwrap();
    assert_eq!(cfg.id, id);
    assert_eq!(cfg.lock_type, enums::LockType::Automatic);
    assert_eq!(cfg.locking_rules.len(), 1);
    assert_eq!(deals.get_by_id(&id).await.unwrap().unwrap().id, id);

    // Second create: LIMIT_EXCEEDED, flat, limit 1.
    let (status, code, details) = api_error(deals.create(input).await.unwrap_err());
    assert_eq!((status, code.as_str()), (400, "LIMIT_EXCEEDED"));
    assert_eq!(details.limit, Some(1));
    assert_eq!(details.param_name.as_deref(), Some("module"));

    let mut update = types::RecordLockingConfigurationUpdate::new(id.clone());
    update.lock_type = Some(enums::LockType::Both);
    update.locking_rules = Some(vec![typed(json!({
        "name": "Closed Lost",
        "criteria": field("Stage").equal("Closed Lost").or(field("Stage").equal("Closed-Lost to Competition")).build()
    }))]);
    deals.update(update).await.unwrap();
    let cfg = deals.get().await.unwrap().unwrap();
    assert_eq!(cfg.lock_type, enums::LockType::Both);
    let won = cfg
        .locking_rules
        .iter()
        .find(|r| r.name.as_str() == "Closed Won")
        .unwrap()
        .id
        .clone();

    let mut delete_rule = types::RecordLockingConfigurationUpdate::new(id.clone());
    delete_rule.locking_rules = Some(vec![typed(json!({ "id": won, "_delete": true }))]);
    deals.update_by_id(&id, delete_rule).await.unwrap();
    assert_eq!(sim.state().locking_rule_count("Deals"), 1);

    // A criteria field the module does not have.
    let mut bad = types::RecordLockingConfigurationUpdate::new(id.clone());
    bad.locking_rules = Some(vec![typed(
        json!({ "name": "Colour", "criteria": field("Colour").equal("red").build() }),
    )]);
    let (_, code, details) = api_error(deals.update(bad).await.unwrap_err());
    assert_eq!(code, "INVALID_DATA");
    assert!(details
        .json_path
        .unwrap()
        .ends_with("criteria.field.api_name"));

    deals.delete(&id).await.unwrap();
    assert!(deals.get().await.unwrap().is_none());

    // delete_many, and module errors.
    let q = c.record_locking("Quotes");
    let qid = q
        .create(types::RecordLockingConfigurationInput::new(
            enums::LockType::Manual,
        ))
        .await
        .unwrap()
        .details
        .id
        .unwrap();
    assert_eq!(q.delete_many(&[qid.as_str()]).await.unwrap().len(), 1);
    let (_, code, _) = api_error(c.record_locking("Calls").get().await.unwrap_err());
    assert_eq!(code, "NOT_SUPPORTED");
    let (_, code, _) = api_error(c.record_locking("Nowhere").get().await.unwrap_err());
    assert_eq!(code, "INVALID_MODULE");
}

#[tokio::test]
async fn sharing_rules_through_the_client() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim);
    let leads = c.sharing_rules("Leads");
    assert!(leads.list().send().await.unwrap().sharing_rules.is_empty());
    assert!(leads.summary().await.unwrap().is_empty());
    assert!(leads.rerun().await.unwrap().is_none());

    let owner = types::SharingRuleInput::owner_based(
        "Reps to managers",
        types::SharedFrom::role_and_subordinates(sim.role_id("Sales Representative").unwrap()),
        types::SharedTo::role(sim.role_id("Manager").unwrap()),
        enums::PermissionType::ReadWriteDelete,
    );
    let owner_id = leads
        .create(owner.clone())
        .await
        .unwrap()
        .details
        .id
        .unwrap();
    let crit = types::SharingRuleInput::criteria_based(
        "Miami leads",
        field("City")
            .equal("Miami")
            .and(field("State").equal("Florida")),
        types::SharedTo::group(sim.group_id("Miami Users").unwrap()),
        enums::PermissionType::ReadWrite,
    );
    let crit_id = leads.create(crit).await.unwrap().details.id.unwrap();

    let got = leads.get(&crit_id).await.unwrap().unwrap();
    assert_eq!(got.name, "Miami leads");
    assert!(got.criteria.is_some());
    let page = leads.list().per_page(1).send().await.unwrap();
    assert!(page.more_records());
    let all: Vec<types::SharingRule> = leads
        .list()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);

    let found = leads
        .search(filter("name").like("Miami%"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.sharing_rules.len(), 1);
    let counted = c
        .sharing_rules_all()
        .search_summary(filter("permission_type").equal("read_write"))
        .await
        .unwrap();
    assert_eq!(counted[0].rule_count, 1);
    assert_eq!(
        c.sharing_rules_all().summary().await.unwrap()[0].rule_count,
        2
    );

    let changes: types::SharingRuleUpdate = typed(
        json!({ "type": "Record_Owner_Based", "superiors_allowed": true, "shared_to": { "type": "all_users", "subordinates": false } }),
    );
    leads.update(&owner_id, changes).await.unwrap();
    assert_eq!(
        sim.state().sharing_rules["Leads"][0]["superiors_allowed"],
        true
    );

    leads.deactivate(&owner_id).await.unwrap();
    let (_, code, details) = api_error(leads.deactivate(&owner_id).await.unwrap_err());
    assert_eq!(code, "ID_ALREADY_DEACTIVATED");
    assert_eq!(details.resource_path_index, Some(3));
    leads.activate(&owner_id).await.unwrap();
    let (_, code, _) = api_error(leads.activate(&owner_id).await.unwrap_err());
    assert_eq!(code, "ID_ALREADY_ACTIVE");

    assert_eq!(
        leads.rerun().await.unwrap().unwrap().code.as_str(),
        "SCHEDULED"
    );

    // Duplicate name; a group id given as a role; a criteria field Leads does not have.
    let (_, code, details) = api_error(leads.create(owner).await.unwrap_err());
    assert_eq!(code, "DUPLICATE_DATA");
    assert_eq!(
        details.json_path.as_deref(),
        Some("$.sharing_rules[0].name")
    );
    let mismatch = types::SharingRuleInput::owner_based(
        "Mismatch",
        types::SharedFrom::role(sim.role_id("CEO").unwrap()),
        types::SharedTo::role(sim.group_id("Sales Team").unwrap()),
        enums::PermissionType::Read,
    );
    let (_, code, details) = api_error(leads.create(mismatch).await.unwrap_err());
    assert_eq!(code, "DEPENDENT_FIELD_MISMATCH");
    assert!(details.dependee.is_some());
    let bad_field = types::SharingRuleInput::criteria_based(
        "Planets",
        field("Planet").equal("Mars"),
        types::SharedTo::all_users(),
        enums::PermissionType::Read,
    );
    let (_, code, _) = api_error(leads.create(bad_field).await.unwrap_err());
    assert_eq!(code, "INVALID_DATA");

    sim.set_rule_computation_running("Leads", true);
    let (_, code, _) = api_error(leads.delete(&owner_id).await.unwrap_err());
    assert_eq!(code, "CANNOT_PROCESS");
    sim.set_rule_computation_running("Leads", false);
    leads.delete(&owner_id).await.unwrap();
    let (_, code, details) = api_error(leads.get(&owner_id).await.unwrap_err());
    assert_eq!(
        (code.as_str(), details.resource_path_index),
        ("INVALID_DATA", Some(3))
    );
}

#[tokio::test]
async fn org_permissions_through_the_client() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim);
    let org = c.org_permissions();
    assert!(org
        .get()
        .await
        .unwrap()
        .iter()
        .any(|d| d.module.api_name == "Leads"));
    org.set_share_type("Leads", enums::ShareType::Public)
        .await
        .unwrap();
    assert_eq!(sim.state().org_permissions["Leads"], "public");

    let deals = sim.module_id("Deals").unwrap();
    let cases = sim.module_id("Cases").unwrap();
    let results = org
        .set([types::DataSharingUpdate::new(
            deals.clone(),
            enums::ShareType::PublicReadOnly,
        )])
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    // Mixed: Deals changes, Cases (public in portals) cannot: 207 with one failure.
    match org
        .set([
            types::DataSharingUpdate::new(deals, enums::ShareType::Private),
            types::DataSharingUpdate::new(cases, enums::ShareType::Private),
        ])
        .await
        .unwrap_err()
    {
        Error::Items {
            status,
            failures,
            succeeded,
            ..
        } => {
            assert_eq!(status, 207);
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].index, 1);
            assert_eq!(failures[0].code.as_str(), "NOT_ALLOWED");
            assert_eq!(succeeded.len(), 1);
        }
        other => panic!("expected Error::Items, got {other:?}"),
    }
    assert_eq!(sim.state().org_permissions["Deals"], "private");
}

#[tokio::test]
async fn auth_permission_and_faults_through_the_client() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim);

    // Throttled twice, then answered: the client retries (Retry-After 0 here).
    sim.fail_next(
        2,
        Fault::TooManyRequests {
            retry_after: Some(0),
        },
    );
    assert!(!c.org_permissions().get().await.unwrap().is_empty());
    assert_eq!(sim.api_requests(), 3);

    sim.set_no_permission(true);
    let (status, code, details) = api_error(c.org_permissions().get().await.unwrap_err());
    assert_eq!((status, code.as_str()), (403, "NO_PERMISSION"));
    assert_eq!(
        details.permissions,
        vec!["Crm_Implied_Manage_Data_Sharing".to_owned()]
    );
    sim.set_no_permission(false);

    let stale = Client::builder()
        .base_url(sim.api_domain())
        .access_token("1000.stale")
        .build()
        .unwrap();
    let (status, code, _) = api_error(stale.org_permissions().get().await.unwrap_err());
    assert_eq!((status, code.as_str()), (401, "INVALID_TOKEN"));

    // The refresh flow: tokens from the simulator's accounts endpoint; expiry triggers a refresh.
    let creds = sim.credentials();
    let refreshing = Client::builder()
        .base_url(sim.api_domain())
        .accounts_url(sim.accounts_url())
        .refresh_token(
            creds.client_id.clone(),
            creds.client_secret.expose_secret(),
            creds.refresh_token.expose_secret(),
        )
        .build()
        .unwrap();
    refreshing.org_permissions().get().await.unwrap();
    assert_eq!(sim.token_requests(), 1);
    sim.expire_access_tokens();
    refreshing.org_permissions().get().await.unwrap();
    assert_eq!(sim.token_requests(), 2);

    // A token without the scope; no token at all.
    let read_only = sim.issue_access_token(&["ZohoCRM.settings.data_sharing.READ"]);
    let scoped = Client::builder()
        .base_url(sim.api_domain())
        .access_token(read_only)
        .build()
        .unwrap();
    scoped.org_permissions().get().await.unwrap();
    let (status, code, _) = api_error(
        scoped
            .org_permissions()
            .set_share_type("Leads", enums::ShareType::Public)
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code.as_str()), (401, "OAUTH_SCOPE_MISMATCH"));
    let anonymous = Client::builder()
        .base_url(sim.api_domain())
        .without_auth()
        .build()
        .unwrap();
    let (status, code, _) = api_error(anonymous.org_permissions().get().await.unwrap_err());
    assert_eq!((status, code.as_str()), (401, "AUTHENTICATION_FAILURE"));

    // Faults that outlast the retries surface as typed errors.
    let once = Client::builder()
        .base_url(sim.api_domain())
        .access_token(sim.issue_access_token(&["ZohoCRM.settings.data_sharing.ALL"]))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    sim.fail_next(1, Fault::TooManyRequests { retry_after: None });
    let (status, code, _) = api_error(once.org_permissions().get().await.unwrap_err());
    assert_eq!((status, code.as_str()), (429, "TOO_MANY_REQUESTS"));
    sim.fail_next(1, Fault::Status(500));
    let (status, code, _) = api_error(once.org_permissions().get().await.unwrap_err());
    assert_eq!((status, code.as_str()), (500, "INTERNAL_ERROR"));
    sim.fail_next(1, Fault::Drop);
    assert!(matches!(
        once.org_permissions().get().await.unwrap_err(),
        Error::Transport { .. }
    ));
    once.org_permissions().get().await.unwrap();
}

#[tokio::test]
async fn system_defined_configurations_cannot_change() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim);
    let id = sim.seed_system_defined_locking("Leads").unwrap();
    let leads = c.record_locking("Leads");
    let mut update = types::RecordLockingConfigurationUpdate::new(id.clone());
    update.lock_type = Some(enums::LockType::Manual);
    let (_, code, details) = api_error(leads.update(update).await.unwrap_err());
    assert_eq!(
        (code.as_str(), details.resource_path_index),
        ("NOT_ALLOWED", Some(1))
    );
    let (_, code, _) = api_error(leads.delete(&id).await.unwrap_err());
    assert_eq!(code, "NOT_ALLOWED");
    sim.set_record_locking_edition(false);
    let (_, code, _) = api_error(leads.get().await.unwrap_err());
    assert_eq!(code, "FEATURE_NOT_SUPPORTED");
}
