//! Builder rules and client-side checks of documented limits. Checks that must fail before
//! any request run against a live loopback server that counts requests, to show none was sent.

mod support;

use support::{Reply, TestServer};
use zoho_crm_access::criteria::field;
use zoho_crm_access::{enums, types, Client, DataCenter, Environment, Error};

#[test]
fn the_builder_refuses_plain_http_outside_loopback() {
    for url in [
        "http://www.zohoapis.com",
        "http://10.1.2.3:8080",
        "http://localhost.example.com",
    ] {
        let err = Client::builder()
            .base_url(url)
            .access_token("t")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("plain http"), "{err}");
    }
    let err = Client::builder()
        .base_url("https://www.zohoapis.com")
        .accounts_url("http://accounts.zoho.com")
        .refresh_token("id", "secret", "refresh")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("accounts_url"), "{err}");
    for url in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://proxy.example.com",
    ] {
        assert!(
            Client::builder()
                .base_url(url)
                .access_token("t")
                .build()
                .is_ok(),
            "{url}"
        );
    }
}

#[test]
fn the_builder_needs_an_endpoint_and_credentials() {
    let err = Client::builder().access_token("t").build().unwrap_err();
    assert!(err.to_string().contains("data_center"), "{err}");
    let err = Client::builder()
        .data_center(DataCenter::Us)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("credentials"), "{err}");
    // The refresh flow needs to know the accounts server.
    let err = Client::builder()
        .base_url("https://www.zohoapis.com")
        .refresh_token("id", "secret", "refresh")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("accounts"), "{err}");
    let err = Client::builder()
        .data_center(DataCenter::Eu)
        .refresh_token("id", "", "refresh")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("client_secret is empty"), "{err}");
    let err = Client::builder()
        .data_center(DataCenter::Eu)
        .access_token(" ")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn data_centres_and_environments_map_to_their_domains() {
    let cases = [
        (
            DataCenter::Us,
            Environment::Production,
            "https://www.zohoapis.com/crm/v8",
        ),
        (
            DataCenter::Eu,
            Environment::Sandbox,
            "https://sandbox.zohoapis.eu/crm/v8",
        ),
        (
            DataCenter::In,
            Environment::Developer,
            "https://developer.zohoapis.in/crm/v8",
        ),
        (
            DataCenter::Au,
            Environment::Production,
            "https://www.zohoapis.com.au/crm/v8",
        ),
        (
            DataCenter::Jp,
            Environment::Sandbox,
            "https://sandbox.zohoapis.jp/crm/v8",
        ),
        (
            DataCenter::Ca,
            Environment::Production,
            "https://www.zohoapis.ca/crm/v8",
        ),
        (
            DataCenter::Sa,
            Environment::Developer,
            "https://developer.zohoapis.sa/crm/v8",
        ),
        (
            DataCenter::Cn,
            Environment::Production,
            "https://www.zohoapis.com.cn/crm/v8",
        ),
    ];
    for (dc, env, base) in cases {
        let c = Client::builder()
            .data_center(dc)
            .environment(env)
            .access_token("t")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), base);
    }
    assert_eq!(
        DataCenter::Ca.accounts_domain(),
        "https://accounts.zohocloud.ca"
    );
    assert_eq!(
        DataCenter::Cn.accounts_domain(),
        "https://accounts.zoho.com.cn"
    );
    assert_eq!("eu".parse::<DataCenter>().unwrap(), DataCenter::Eu);
    assert!("uk".parse::<DataCenter>().is_err());
}

fn rule(n: usize) -> types::LockingRuleInput {
    types::LockingRuleInput::new_rule(&format!("rule {n}"), field("Stage").equal(format!("S{n}")))
        .unwrap()
}

fn assert_invalid(err: Error, what: &str) {
    match &err {
        Error::InvalidInput { what: w, .. } => assert!(w.contains(what), "{err}"),
        other => panic!("expected InvalidInput about {what}, got {other:?}"),
    }
}

#[tokio::test]
async fn documented_limits_fail_before_any_request() {
    let server = TestServer::start(|_| Reply::empty(500)).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .build()
        .unwrap();

    // More than five locking rules.
    let mut input = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic);
    input.locking_rules = Some((0..6).map(rule).collect());
    assert_invalid(
        client
            .record_locking("Deals")
            .create(input)
            .await
            .unwrap_err(),
        "locking_rules",
    );
    let mut update = types::RecordLockingConfigurationUpdate::new("1");
    update.locking_rules = Some((0..6).map(rule).collect());
    assert_invalid(
        client
            .record_locking("Deals")
            .update(update)
            .await
            .unwrap_err(),
        "locking_rules",
    );
    // Automatic locking needs a rule.
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Both);
    assert_invalid(
        client
            .record_locking("Deals")
            .create(input)
            .await
            .unwrap_err(),
        "locking_rules",
    );
    // More than 15 excluded fields.
    let mut input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    input.excluded_fields = Some(
        (0..16)
            .map(|i| types::FieldRef::new().with_api_name(format!("F{i}")))
            .collect(),
    );
    assert_invalid(
        client
            .record_locking("Deals")
            .create(input)
            .await
            .unwrap_err(),
        "excluded_fields",
    );

    // Org permissions: 1 to 100 items.
    let none: Vec<types::DataSharingUpdate> = vec![];
    assert_invalid(
        client.org_permissions().set(none).await.unwrap_err(),
        "data_sharing",
    );
    let many =
        (0..101).map(|i| types::DataSharingUpdate::new(i.to_string(), enums::ShareType::Public));
    assert_invalid(
        client.org_permissions().set(many).await.unwrap_err(),
        "data_sharing",
    );

    // An owner-based rule needs shared_from; a criteria-based one needs criteria.
    let mut owner = types::SharingRuleInput::owner_based(
        "x",
        types::SharedFrom::role("1"),
        types::SharedTo::all_users(),
        enums::PermissionType::Read,
    );
    owner.shared_from = None;
    assert_invalid(
        client
            .sharing_rules("Leads")
            .create(owner)
            .await
            .unwrap_err(),
        "shared_from",
    );
    let mut crit = types::SharingRuleInput::criteria_based(
        "y",
        field("A").equal("b"),
        types::SharedTo::group("2"),
        enums::PermissionType::Read,
    );
    crit.criteria = None;
    assert_invalid(
        client
            .sharing_rules("Leads")
            .create(crit)
            .await
            .unwrap_err(),
        "criteria",
    );

    // Writes need a module (`sharing_rules_all()` has no write methods at all, see the
    // AllSharingRulesHandler doc test); ids must look like ids; pages start at 1.
    let any_rule = types::SharingRuleInput::owner_based(
        "z",
        types::SharedFrom::group("1"),
        types::SharedTo::all_users(),
        enums::PermissionType::Read,
    );
    assert_invalid(
        client.sharing_rules("").create(any_rule).await.unwrap_err(),
        "module",
    );
    assert_invalid(
        client
            .sharing_rules("Leads")
            .delete("1/../2")
            .await
            .unwrap_err(),
        "id",
    );
    // Ids are 1 to 19 digits, as the spec's id pattern says.
    for bad in ["abc", "12345678901234567890"] {
        assert_invalid(
            client
                .sharing_rules("Leads")
                .activate(bad)
                .await
                .unwrap_err(),
            "id",
        );
        assert_invalid(
            client
                .record_locking("Deals")
                .delete(bad)
                .await
                .unwrap_err(),
            "id",
        );
    }
    assert_invalid(client.record_locking("").get().await.unwrap_err(), "module");
    assert_invalid(
        client
            .sharing_rules("Leads")
            .list()
            .page(0)
            .send()
            .await
            .unwrap_err(),
        "page",
    );
    assert_invalid(
        client
            .record_locking("Deals")
            .delete_many(&[])
            .await
            .unwrap_err(),
        "ids",
    );

    assert_eq!(server.total(), 0, "no request was sent");
}

#[test]
fn debug_output_redacts_credentials() {
    let builder = Client::builder().data_center(DataCenter::Eu).refresh_token(
        "1000.CLIENT",
        "very-secret-value",
        "1000.refresh-value",
    );
    let shown = format!("{builder:?}");
    let client = builder.build().unwrap();
    // The client's own Debug says where tokens come from, with the credentials redacted.
    let client_shown = format!("{client:?}");
    assert!(client_shown.contains("accounts.zoho.eu"), "{client_shown}");
    assert!(client_shown.contains("REDACTED"), "{client_shown}");
    let shown = format!("{shown} {client_shown}");
    assert!(
        !shown.contains("very-secret-value") && !shown.contains("1000.refresh-value"),
        "{shown}"
    );
    assert!(shown.contains("REDACTED"), "{shown}");
    let c = Client::builder()
        .data_center(DataCenter::Us)
        .access_token("static-secret")
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains("static-secret"));
}

#[tokio::test]
async fn the_user_agent_is_sent_default_or_custom() {
    let server =
        TestServer::start(|_| Reply::json(200, serde_json::json!({"data_sharing": []}))).await;
    let default = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .build()
        .unwrap();
    default.org_permissions().get().await.unwrap();
    let custom = Client::builder()
        .base_url(format!("{}/crm/v8/", server.url))
        .access_token("t")
        .user_agent("my-tool/2.0")
        .build()
        .unwrap();
    custom.org_permissions().get().await.unwrap();
    let reqs = server.requests();
    assert!(reqs[0]
        .header("user-agent")
        .unwrap()
        .starts_with("zoho-crm-access/"));
    assert_eq!(reqs[1].header("user-agent").as_deref(), Some("my-tool/2.0"));
    // A base URL that already ends in /crm/v8 is not extended twice.
    assert_eq!(reqs[1].path, "/crm/v8/settings/data_sharing");
}

fn named(i: usize) -> types::NamedRef {
    types::NamedRef::new(format!("58431040000004{i:05}"))
}

#[tokio::test]
async fn record_locking_caps_and_dependent_fields_fail_before_any_request() {
    let server = TestServer::start(|_| Reply::empty(500)).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .build()
        .unwrap();
    let deals = client.record_locking("Deals");
    let manual = || types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    let update = || types::RecordLockingConfigurationUpdate::new("1");

    // Over each documented cap, on create and on update.
    let mut i = manual();
    i.restricted_actions = Some(vec![enums::RestrictedAction::Update; 11]);
    assert_invalid(deals.create(i).await.unwrap_err(), "restricted_actions");
    let mut u = update();
    u.restricted_actions = Some(vec![enums::RestrictedAction::Update; 11]);
    assert_invalid(deals.update(u).await.unwrap_err(), "restricted_actions");

    let mut i = manual();
    i.restricted_communications = Some(vec![enums::RestrictedCommunication::SendMail; 11]);
    assert_invalid(
        deals.create(i).await.unwrap_err(),
        "restricted_communications",
    );
    let mut u = update();
    u.restricted_communications = Some(vec![enums::RestrictedCommunication::SendMail; 11]);
    assert_invalid(
        deals.update_by_id("1", u).await.unwrap_err(),
        "restricted_communications",
    );

    let mut i = manual();
    i.lock_excluded_profiles = Some((0..16).map(named).collect());
    assert_invalid(deals.create(i).await.unwrap_err(), "lock_excluded_profiles");
    let mut u = update();
    u.lock_excluded_profiles = Some((0..16).map(named).collect());
    assert_invalid(deals.update(u).await.unwrap_err(), "lock_excluded_profiles");

    let mut i = manual();
    i.restricted_custom_buttons = Some((0..31).map(named).collect());
    assert_invalid(
        deals.create(i).await.unwrap_err(),
        "restricted_custom_buttons",
    );
    let mut u = update();
    u.excluded_fields = Some(
        (0..16)
            .map(|i| types::FieldRef::new().with_api_name(format!("F{i}")))
            .collect(),
    );
    assert_invalid(deals.update(u).await.unwrap_err(), "excluded_fields");

    // Dependent fields on create (Zoho: DEPENDENT_FIELD_MISSING).
    let mut i = manual();
    i.locked_for = Some(enums::LockedFor::AllProfilesExceptExcludedProfiles);
    assert_invalid(deals.create(i).await.unwrap_err(), "lock_excluded_profiles");
    let mut i = manual();
    i.locked_for = Some(enums::LockedFor::AllProfilesExceptExcludedProfiles);
    i.lock_excluded_profiles = Some(vec![]);
    assert_invalid(deals.create(i).await.unwrap_err(), "lock_excluded_profiles");
    let mut i = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic);
    i.locking_rules = Some(vec![]);
    assert_invalid(deals.create(i).await.unwrap_err(), "locking_rules");

    // An update: 5 kept or new rules plus 5 removals is fine to send; a sixth kept rule or
    // an eleventh entry is not.
    let removal = |n: usize| types::LockingRuleInput::remove(format!("77{n}"));
    let mut u = update();
    u.locking_rules = Some((0..6).map(rule).chain((0..5).map(removal)).collect());
    assert_invalid(deals.update(u).await.unwrap_err(), "locking_rules");
    let mut u = update();
    u.locking_rules = Some((0..5).map(rule).chain((0..6).map(removal)).collect());
    assert_invalid(deals.update(u).await.unwrap_err(), "locking_rules");
    assert_eq!(server.total(), 0, "nothing may be sent");

    // At the caps, the requests go out.
    let mut i = manual();
    i.restricted_actions = Some(vec![enums::RestrictedAction::Update; 10]);
    i.restricted_communications = Some(vec![enums::RestrictedCommunication::SendMail; 10]);
    i.lock_excluded_profiles = Some((0..15).map(named).collect());
    i.locked_for = Some(enums::LockedFor::AllProfilesExceptExcludedProfiles);
    i.restricted_custom_buttons = Some((0..30).map(named).collect());
    assert!(matches!(
        deals.create(i).await.unwrap_err(),
        Error::Api { status: 500, .. }
    ));
    let mut u = update();
    u.locking_rules = Some((0..5).map(rule).chain((0..5).map(removal)).collect());
    assert!(matches!(
        deals.update(u).await.unwrap_err(),
        Error::Api { status: 500, .. }
    ));
    assert_eq!(server.count("POST", ""), 1);
}

#[tokio::test]
async fn a_sharing_rule_update_is_checked_before_sending() {
    let server = TestServer::start(|_| Reply::empty(500)).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .build()
        .unwrap();
    let leads = client.sharing_rules("Leads");
    // Zoho's update page makes `superiors_allowed` and `type` mandatory: `new` takes them.
    let owner = || types::SharingRuleUpdate::new(false, enums::SharingRuleType::RecordOwnerBased);
    let owner_with_criteria = owner()
        .with_shared_from(types::SharedFrom::group("3"))
        .with_criteria(field("A").equal("b"));
    assert_invalid(
        leads
            .update("5", owner_with_criteria.clone())
            .await
            .unwrap_err(),
        "criteria",
    );
    let in_body = owner_with_criteria.with_id("5");
    assert_invalid(leads.update_in_body(in_body).await.unwrap_err(), "criteria");
    // update_in_body needs the id in the body.
    let no_id = owner().with_permission_type(enums::PermissionType::Read);
    assert_invalid(leads.update_in_body(no_id).await.unwrap_err(), "id");
    assert_eq!(server.total(), 0, "nothing may be sent");

    // The keys left out keep their stored values (Zoho's own update sample changes an
    // owner-based rule without shared_from), so such a change goes out.
    let ok = owner().with_shared_to(types::SharedTo::all_users());
    assert!(matches!(
        leads.update("5", ok).await.unwrap_err(),
        Error::Api { status: 500, .. }
    ));
    assert_eq!(server.total(), 1);
}
