//! `client.directory()`: roles, user groups, profiles, modules, fields and users through the
//! typed client, over real HTTP on loopback: against the simulator (two org seeds resolve the
//! same names to different ids; paging; 204s; errors; scopes) and against a scripted server
//! for what the simulator never does (a page that repeats, Zoho's bare-string permissions).

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use support::{Reply, TestServer};
use zoho_crm_access::{enums, types, Client, Error, RetryPolicy};

fn scripted_client(server: &TestServer) -> Client {
    Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn zohos_bare_string_permissions_is_still_a_typed_api_error() {
    // Zoho's published 403 of getUserGroups (see spec/known-disagreements.yaml).
    let server = TestServer::start(|_| {
        Reply::json(
            403,
            json!({"code": "NO_PERMISSION", "details": {"permissions": "Crm_Implied_Manage_Groups"},
                   "message": "You do not have permission to access user groups", "status": "error"}),
        )
    })
    .await;
    let err = scripted_client(&server)
        .directory()
        .user_groups()
        .send()
        .await
        .unwrap_err();
    match err {
        Error::Api {
            status,
            code,
            message,
            operation,
            ..
        } => {
            assert_eq!(status, 403);
            assert_eq!(code, enums::ZohoCode::NoPermission);
            assert_eq!(message, "You do not have permission to access user groups");
            assert_eq!(operation, "getUserGroups");
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn no_content_is_an_empty_result_everywhere_in_the_directory() {
    let server = TestServer::start(|_| Reply::empty(204)).await;
    let d = scripted_client(&server).directory();
    assert!(d.roles().await.unwrap().is_empty());
    assert!(d.role("1").await.unwrap().is_none());
    assert!(d.user_group("1").await.unwrap().is_none());
    assert!(d.user_group_sources("1").await.unwrap().is_empty());
    assert!(d.profile("1").await.unwrap().is_none());
    assert!(d.modules().await.unwrap().is_empty());
    assert!(d.module("Leads").await.unwrap().is_none());
    assert!(d.fields("Leads").await.unwrap().is_empty());
    assert!(d.field("Leads", "1").await.unwrap().is_none());
    assert!(d.user("1").await.unwrap().is_none());
    assert!(d.current_user().await.unwrap().is_none());
    let groups: Vec<types::UserGroup> = d.user_groups().stream().try_collect().await.unwrap();
    assert!(groups.is_empty());
    let users: Vec<types::User> = d
        .users(enums::UserType::AllUsers)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(users.is_empty());
    assert!(d.profiles().send().await.unwrap().profiles.is_empty());
    // The sources count has no 204: an empty answer is not invented into zero counts.
    assert!(matches!(
        d.user_group_sources_count("1").await.unwrap_err(),
        Error::Decode { .. }
    ));
}

#[tokio::test]
async fn a_server_that_keeps_claiming_more_users_is_stopped() {
    // Every page holds the same user and claims more: the stream stops at the repeat.
    let server = TestServer::start(|r| {
        let page: i64 = r
            .query_param("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        Reply::json(
            200,
            json!({"users": [{"id": "4150868000000000001", "full_name": "Same User"}],
                   "info": {"page": page, "per_page": 1, "count": 1, "more_records": true}}),
        )
    })
    .await;
    let d = scripted_client(&server).directory();
    let err = d
        .users(enums::UserType::AllUsers)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    match err {
        Error::Pagination {
            operation,
            page,
            reason,
            ..
        } => {
            assert_eq!(operation, "getUsers");
            assert_eq!(page, 2);
            assert!(reason.contains("repeats"), "{reason}");
        }
        other => panic!("expected Error::Pagination, got {other:?}"),
    }
    assert_eq!(server.count("GET", "/users"), 2);

    // A server that answers another page than asked for is stopped too.
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            json!({"user_groups": [{"id": "4150868000000000002", "name": "G"}],
                   "info": {"page": 1, "per_page": 1, "count": 1, "more_records": true}}),
        )
    })
    .await;
    let err = scripted_client(&server)
        .directory()
        .user_groups()
        .page(3)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Pagination { reason, .. } if reason.contains("answered page 1")),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = TestServer::start(|_| Reply::empty(204)).await;
    let d = scripted_client(&server).directory();
    let invalid = |e: Error| match e {
        Error::InvalidInput { what, .. } => what,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    };
    assert_eq!(invalid(d.role("12a").await.unwrap_err()), "role id");
    assert_eq!(
        invalid(d.user_group("").await.unwrap_err()),
        "user group id"
    );
    assert_eq!(invalid(d.profile("1 2").await.unwrap_err()), "profile id");
    assert_eq!(invalid(d.module(" ").await.unwrap_err()), "module");
    assert_eq!(invalid(d.fields("").await.unwrap_err()), "module");
    assert_eq!(
        invalid(d.field("Deals", "Stage").await.unwrap_err()),
        "field id"
    );
    assert_eq!(invalid(d.user("me").await.unwrap_err()), "user id");
    assert_eq!(
        invalid(d.user_groups().per_page(201).send().await.unwrap_err()),
        "per_page"
    );
    assert_eq!(
        invalid(d.profiles().page(0).send().await.unwrap_err()),
        "page"
    );
    assert_eq!(
        invalid(
            d.users(enums::UserType::SubordinateRoleUsers)
                .send()
                .await
                .unwrap_err()
        ),
        "role_id"
    );
    assert_eq!(server.total(), 0, "nothing was sent");
}

mod against_the_simulator {
    use super::*;
    use std::collections::BTreeMap;
    use zoho_crm_access_simulator::Simulator;

    fn api_code(e: Error) -> (u16, String) {
        match e {
            Error::Api { status, code, .. } => (status, code.as_str().to_owned()),
            other => panic!("expected Error::Api, got {other:?}"),
        }
    }

    fn client(sim: &Simulator) -> Client {
        Client::builder()
            .base_url(sim.api_domain())
            .access_token(sim.access_token())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn roles_and_their_hierarchy() {
        let sim = Simulator::start().await.unwrap();
        let d = client(&sim).directory();
        let roles = d.roles().await.unwrap();
        assert_eq!(roles.len(), 5);
        let parent: BTreeMap<&str, Option<&str>> = roles
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.reporting_to.as_ref().and_then(|p| p.name.as_deref()),
                )
            })
            .collect();
        assert_eq!(parent["CEO"], None);
        assert_eq!(parent["Sales Representative"], Some("Manager"));
        assert_eq!(parent["Support Agent"], Some("Support Manager"));
        let manager = sim.role_id("Manager").unwrap();
        let role = d.role(&manager).await.unwrap().unwrap();
        assert_eq!(role.name, "Manager");
        assert_eq!(role.reporting_to.unwrap().id, sim.role_id("CEO").unwrap());
        assert!(d.role("1234567890123456789").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn user_groups_page_by_page_and_as_a_stream() {
        let sim = Simulator::start().await.unwrap();
        let d = client(&sim).directory();
        let before = sim.api_requests();
        let groups: Vec<types::UserGroup> = d
            .user_groups()
            .per_page(1)
            .include_sources_count()
            .stream()
            .try_collect()
            .await
            .unwrap();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Miami Users", "Sales Team", "Support Team"]);
        assert_eq!(sim.api_requests() - before, 3, "one request per page");
        let users = groups[0].sources_count.as_ref().unwrap().users.clone();
        assert_eq!(users, Some(types::SourcesCountUsers::Int32(2)));

        let page = d.user_groups().per_page(2).page(2).send().await.unwrap();
        assert_eq!(page.user_groups.len(), 1);
        assert!(!page.info.unwrap().more_records);
        let past = d.user_groups().per_page(2).page(3).send().await.unwrap();
        assert!(past.user_groups.is_empty());
        let named = d.user_groups().name("Sales Team").send().await.unwrap();
        assert_eq!(named.user_groups[0].id, sim.group_id("Sales Team").unwrap());

        let support = sim.group_id("Support Team").unwrap();
        let group = d.user_group(&support).await.unwrap().unwrap();
        assert_eq!(group.name, "Support Team");
        assert_eq!(group.sources_count.unwrap().groups, Some(1));
        assert!(d.user_group("1234567890123456789").await.unwrap().is_none());
        let members = d.user_group_sources(&support).await.unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].type_, enums::GroupSourceType::Roles);
        assert_eq!(members[0].subordinates, Some(true));
        let count = d.user_group_sources_count(&support).await.unwrap();
        match count.users {
            Some(types::SourcesCountUsers::SourcesUserCount(u)) => {
                assert_eq!((u.active, u.inactive), (Some(0), Some(1)));
            }
            other => panic!("counts by status expected, got {other:?}"),
        }
        let (status, code) = api_code(
            d.user_group_sources("1234567890123456789")
                .await
                .unwrap_err(),
        );
        assert_eq!((status, code.as_str()), (400, "INVALID_DATA"));
    }

    #[tokio::test]
    async fn profiles_and_their_permissions() {
        let sim = Simulator::start().await.unwrap();
        let d = client(&sim).directory();
        let first = d.profiles().send().await.unwrap();
        assert_eq!(first.profiles.len(), 3);
        assert_eq!(first.info.unwrap().license_limit, Some(200));
        let all: Vec<types::Profile> = d
            .profiles()
            .include_lite()
            .per_page(1)
            .stream()
            .try_collect()
            .await
            .unwrap();
        let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["Administrator", "Standard", "Sales Manager", "Team User"]
        );
        assert_eq!(all[3].type_, Some(enums::ProfileType::LiteProfile));

        let admin = sim.profile_id("Administrator").unwrap();
        let profile = d.profile(&admin).await.unwrap().unwrap();
        let manage_groups = profile
            .permissions_details
            .iter()
            .find(|p| p.name == "Crm_Implied_Manage_Groups")
            .unwrap();
        assert_eq!(manage_groups.enabled, Some(true));
        assert!(!profile.sections.is_empty());
        let (status, code) = api_code(d.profile("1234567890123456789").await.unwrap_err());
        assert_eq!((status, code.as_str()), (400, "INVALID_DATA"));
    }

    #[tokio::test]
    async fn modules_and_fields_by_api_name() {
        let sim = Simulator::start().await.unwrap();
        let d = client(&sim).directory();
        let modules = d.modules().await.unwrap();
        let deals = modules.iter().find(|m| m.api_name == "Deals").unwrap();
        assert_eq!(deals.id, sim.module_id("Deals").unwrap());
        assert_eq!(d.module("Deals").await.unwrap().unwrap().id, deals.id);
        assert_eq!(
            d.module(&deals.id).await.unwrap().unwrap().api_name,
            "Deals"
        );
        let (status, code) = api_code(d.module("deals").await.unwrap_err());
        assert_eq!((status, code.as_str()), (400, "INVALID_MODULE"));

        let fields = d.fields("Deals").await.unwrap();
        let stage = fields.iter().find(|f| f.api_name == "Stage").unwrap();
        assert_eq!(stage.data_type.as_deref(), Some("picklist"));
        assert!(stage
            .pick_list_values
            .iter()
            .any(|v| v.actual_value.as_deref() == Some("Closed Won")));
        let again = d.field("Deals", &stage.id).await.unwrap().unwrap();
        assert_eq!(again.api_name, "Stage");
        assert!(d.field("Leads", &stage.id).await.unwrap().is_none());
        let (status, code) = api_code(d.fields("Nope").await.unwrap_err());
        assert_eq!((status, code.as_str()), (400, "INVALID_MODULE"));
    }

    #[tokio::test]
    async fn users_by_kind_and_the_current_user() {
        let sim = Simulator::start().await.unwrap();
        let d = client(&sim).directory();
        let me = d.current_user().await.unwrap().unwrap();
        assert_eq!(me.email.as_deref(), Some("patricia.boyle@example.com"));
        assert_eq!(me.role.unwrap().name.as_deref(), Some("CEO"));

        let before = sim.api_requests();
        let active: Vec<types::User> = d
            .users(enums::UserType::ActiveUsers)
            .per_page(2)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(active.len(), 5);
        assert_eq!(sim.api_requests() - before, 3, "pages of 2, 2 and 1");
        assert!(active
            .iter()
            .all(|u| u.status == Some(enums::UserStatus::Active)));

        let deleted = d.users(enums::UserType::DeletedUsers).send().await.unwrap();
        assert!(deleted.users.is_empty(), "204 is an empty page");

        let below_ceo: Vec<types::User> = d
            .users(enums::UserType::ChildRoleUsers)
            .role(sim.role_id("CEO").unwrap())
            .stream()
            .try_collect()
            .await
            .unwrap();
        let emails: Vec<&str> = below_ceo
            .iter()
            .filter_map(|u| u.email.as_deref())
            .collect();
        assert_eq!(emails, ["john.smith@example.com", "ken.tanaka@example.com"]);

        let john = sim.user_id("john.smith@example.com").unwrap();
        let user = d.user(&john).await.unwrap().unwrap();
        assert_eq!(
            user.reporting_to.unwrap().id,
            sim.user_id("patricia.boyle@example.com").unwrap()
        );
        assert!(d.user("1234567890123456789").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_current_user_right_after_a_token_refresh() {
        // What Zoho's SDKs do: obtain a token, then ask who it belongs to.
        let sim = Simulator::start().await.unwrap();
        let creds = sim.credentials();
        use secrecy::ExposeSecret;
        let c = Client::builder()
            .base_url(sim.api_domain())
            .accounts_url(sim.accounts_url())
            .refresh_token(
                creds.client_id,
                creds.client_secret.expose_secret(),
                creds.refresh_token.expose_secret(),
            )
            .build()
            .unwrap();
        let me = c.directory().current_user().await.unwrap().unwrap();
        assert_eq!(me.email.as_deref(), Some("patricia.boyle@example.com"));
        assert_eq!(sim.token_requests(), 1);
    }

    #[tokio::test]
    async fn a_token_without_the_directory_scope_is_refused() {
        let sim = Simulator::start().await.unwrap();
        let token = sim.issue_access_token(&["ZohoCRM.settings.roles.READ"]);
        let c = Client::builder()
            .base_url(sim.api_domain())
            .access_token(token)
            .build()
            .unwrap();
        let d = c.directory();
        assert_eq!(d.roles().await.unwrap().len(), 5);
        let (status, code) = api_code(d.current_user().await.unwrap_err());
        assert_eq!((status, code.as_str()), (401, "OAUTH_SCOPE_MISMATCH"));
        let (status, code) = api_code(d.modules().await.unwrap_err());
        assert_eq!((status, code.as_str()), (401, "OAUTH_SCOPE_MISMATCH"));
    }

    /// name (or e-mail, or module.field) -> id, for everything the directory lists.
    async fn names_to_ids(sim: &Simulator) -> BTreeMap<String, String> {
        let d = client(sim).directory();
        let mut out = BTreeMap::new();
        for r in d.roles().await.unwrap() {
            out.insert(format!("role {}", r.name), r.id);
        }
        let groups: Vec<types::UserGroup> = d.user_groups().stream().try_collect().await.unwrap();
        for g in groups {
            out.insert(format!("group {}", g.name), g.id);
        }
        let profiles: Vec<types::Profile> = d
            .profiles()
            .include_lite()
            .stream()
            .try_collect()
            .await
            .unwrap();
        for p in profiles {
            out.insert(format!("profile {}", p.name), p.id);
        }
        let users: Vec<types::User> = d
            .users(enums::UserType::AllUsers)
            .stream()
            .try_collect()
            .await
            .unwrap();
        for u in users {
            out.insert(format!("user {}", u.email.unwrap()), u.id);
        }
        for m in d.modules().await.unwrap() {
            for f in d.fields(&m.api_name).await.unwrap() {
                out.insert(format!("field {}.{}", m.api_name, f.api_name), f.id);
            }
            out.insert(format!("module {}", m.api_name), m.id);
        }
        out
    }

    #[tokio::test]
    async fn two_org_seeds_resolve_the_same_names_to_different_ids() {
        let sandbox = Simulator::builder().org_seed(1).start().await.unwrap();
        let production = Simulator::builder().org_seed(2).start().await.unwrap();
        let a = names_to_ids(&sandbox).await;
        let b = names_to_ids(&production).await;
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "the same names in both orgs"
        );
        assert!(a.len() > 300);
        for (name, id) in &a {
            assert_ne!(id, &b[name], "{name} has the same id in both orgs");
        }
        // Translating an id of one org into the other goes through its name.
        let sandbox_manager = sandbox.role_id("Manager").unwrap();
        let name = a.iter().find(|(_, id)| **id == sandbox_manager).unwrap().0;
        assert_eq!(b[name], production.role_id("Manager").unwrap());
    }
}
