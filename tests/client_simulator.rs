//! The client against the crate's stateful simulator (feature `simulator`): the whole flow a
//! user goes through, with the simulator's validation, paging, token expiry and faults.

use futures::TryStreamExt;
use secrecy::ExposeSecret;
use zoho_crm_access::criteria::{field, filter};
use zoho_crm_access::{enums, types, Client, Error, RetryPolicy};
use zoho_crm_access_simulator::{Fault, Simulator};

fn client_for(sim: &Simulator) -> Client {
    let creds = sim.credentials();
    Client::builder()
        .base_url(sim.api_domain())
        .accounts_url(sim.accounts_url())
        .refresh_token(
            creds.client_id.clone(),
            creds.client_secret.expose_secret(),
            creds.refresh_token.expose_secret(),
        )
        .retry(
            RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(10))
                .max_backoff(std::time::Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn record_locking_lifecycle_with_refresh_and_expiry() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    let deals = client.record_locking("Deals");
    assert_eq!(deals.get().await.unwrap(), None);

    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic)
        .with_locking_rules([types::LockingRuleInput::new_rule(
            "Closed Won",
            field("Stage").equal("Closed Won"),
        )
        .unwrap()
        .with_lock_existing_records(true)]);
    let created = deals.create(input.clone()).await.unwrap();
    let id = created.details.id.clone().unwrap();
    assert_eq!(sim.token_requests(), 1);

    // A second configuration for the module is refused by Zoho's rule.
    let err = deals.create(input).await.unwrap_err();
    assert_eq!(err.code(), Some(&enums::ZohoCode::LimitExceeded), "{err}");

    // Tokens expire: the next call gets 401 INVALID_TOKEN, refreshes once and succeeds.
    sim.expire_access_tokens();
    let got = deals.get_by_id(&id).await.unwrap().unwrap();
    assert_eq!(got.locking_rules.len(), 1);
    assert_eq!(sim.token_requests(), 2);

    deals.delete(&id).await.unwrap();
    assert_eq!(deals.get().await.unwrap(), None);
}

#[tokio::test]
async fn sharing_rules_stream_across_pages_and_search() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    let seeded = sim.seed_sharing_rules("Leads", 5).unwrap();

    let all: Vec<types::SharingRule> = client
        .sharing_rules("Leads")
        .list()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    let mut expected = seeded.clone();
    expected.sort();
    assert_eq!(ids, expected);

    let group = sim.directory().groups[0].id.clone();
    let rule = types::SharingRuleInput::criteria_based(
        "Hot leads to the team",
        field("Lead_Status").equal("Contacted"),
        types::SharedTo::group(group),
        enums::PermissionType::ReadWrite,
    );
    let id = client
        .sharing_rules("Leads")
        .create(rule)
        .await
        .unwrap()
        .details
        .id
        .unwrap();
    let found = client
        .sharing_rules("Leads")
        .search(filter("name").like("Hot leads"))
        .send()
        .await
        .unwrap();
    assert!(found.sharing_rules.iter().any(|r| r.id == id));
    let err = client
        .sharing_rules("Leads")
        .activate(&id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&enums::ZohoCode::IdAlreadyActive));
    client.sharing_rules("Leads").deactivate(&id).await.unwrap();
    let fetched = client
        .sharing_rules("Leads")
        .get(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.status, Some(enums::SharingRuleStatus::Inactive));
    assert!(fetched.criteria.is_some());

    let summary = client.sharing_rules_all().summary().await.unwrap();
    assert!(summary.iter().any(|s| s.module.api_name == "Leads"));
}

#[tokio::test]
async fn org_permissions_and_faults() {
    let sim = Simulator::start().await.unwrap();
    let client = client_for(&sim);
    let perms = client.org_permissions();
    let before = perms.get().await.unwrap();
    assert!(!before.is_empty());

    perms
        .set_share_type("Leads", enums::ShareType::PublicReadOnly)
        .await
        .unwrap();
    let after = perms.get().await.unwrap();
    let leads = after.iter().find(|m| m.module.api_name == "Leads").unwrap();
    assert_eq!(leads.share_type, enums::ShareType::PublicReadOnly);
    // One module by API name, exactly or ignoring case; one the org lacks is invalid input.
    let one = perms.get_module("Leads").await.unwrap();
    assert_eq!(one.share_type, enums::ShareType::PublicReadOnly);
    assert_eq!(one.module.id.as_deref(), leads.module.id.as_deref());
    assert_eq!(
        perms.get_module("leads").await.unwrap().module.api_name,
        "Leads"
    );
    match perms.get_module("Leadz").await.unwrap_err() {
        Error::InvalidInput { what, reason, .. } => {
            assert_eq!(what, "module");
            assert!(reason.contains("`Leadz` is not among"), "{reason}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }

    // Throttling and gateway errors are retried for a GET.
    sim.fail_next(1, Fault::TooManyRequests { retry_after: None });
    sim.fail_next(1, Fault::Status(503));
    assert!(!perms.get().await.unwrap().is_empty());

    // One valid and one unknown module: the failure is reported per item.
    let leads_id = sim.module_id("Leads").unwrap();
    let updates = [
        types::DataSharingUpdate::new(leads_id, enums::ShareType::Private),
        types::DataSharingUpdate::new("1234567890123456789", enums::ShareType::Private),
    ];
    match perms.set(updates).await.unwrap_err() {
        Error::Items {
            failures,
            succeeded,
            ..
        } => {
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].index, 1);
            assert_eq!(succeeded.len(), 1);
        }
        other => panic!("expected Items, got {other:?}"),
    }
}
