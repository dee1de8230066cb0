//! Zoho's response quirks through the typed layer, over real HTTP on loopback: 204, both
//! error shapes, per-item outcomes, decode failures, pagination, and the requests sent.

mod support;

use futures::TryStreamExt;
use serde_json::json;
use support::{client, rlc_body, rule_json, success, zoho_error, Reply, TestServer};
use zoho_crm_access::criteria::{field, filter};
use zoho_crm_access::{enums, types, Error};

#[tokio::test]
async fn no_content_is_an_empty_result_for_every_operation_that_documents_it() {
    let server = TestServer::start(|_| Reply::empty(204)).await;
    let c = client(&server);
    assert_eq!(c.record_locking("Deals").get().await.unwrap(), None);
    assert_eq!(
        c.record_locking("Deals").get_by_id("42").await.unwrap(),
        None
    );
    let page = c.sharing_rules("Leads").list().send().await.unwrap();
    assert!(page.sharing_rules.is_empty() && !page.more_records());
    let found = c
        .sharing_rules("Leads")
        .search(filter("status").equal("active"))
        .send()
        .await
        .unwrap();
    assert!(found.sharing_rules.is_empty());
    assert!(c.sharing_rules_all().summary().await.unwrap().is_empty());
    assert!(c
        .sharing_rules("Leads")
        .search_summary(filter("name").like("x"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(c.sharing_rules("Leads").rerun().await.unwrap(), None);
    let all: Vec<_> = c
        .sharing_rules("Leads")
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(all.is_empty());
    assert_eq!(server.total(), 8);
}

#[tokio::test]
async fn flat_and_wrapped_error_bodies_become_the_same_error() {
    let details = json!({"api_name": "lock_type", "json_path": "$.record_locking_configurations[0].lock_type",
                         "supported_values": ["manual", "automatic", "both"]});
    let item = zoho_error("INVALID_DATA", "lock_type not found", details);
    let flat = item.clone();
    let wrapped = json!({"record_locking_configurations": [item]});
    let server = TestServer::start(move |r| {
        let body = if r.nth == 0 {
            flat.clone()
        } else {
            wrapped.clone()
        };
        Reply::json(400, body)
    })
    .await;
    let c = client(&server);
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    let e1 = c
        .record_locking("Deals")
        .create(input.clone())
        .await
        .unwrap_err();
    let e2 = c.record_locking("Deals").create(input).await.unwrap_err();
    assert_eq!(format!("{e1:?}"), format!("{e2:?}"));
    match &e1 {
        Error::Api {
            status,
            code,
            message,
            details,
            operation,
            attempts,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(*code, enums::ZohoCode::InvalidData);
            assert_eq!(message, "lock_type not found");
            assert_eq!(details.api_name.as_deref(), Some("lock_type"));
            assert_eq!(operation, "createRecordLockingConfiguration");
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected Api, got {other:?}"),
    }
    let shown = e1.to_string();
    assert!(
        shown.contains("INVALID_DATA") && shown.contains("lock_type"),
        "{shown}"
    );
    assert!(shown.contains("manual, automatic, both"), "{shown}");
}

#[tokio::test]
async fn an_unknown_error_code_is_kept_verbatim() {
    let server = TestServer::start(|_| {
        Reply::json(
            400,
            zoho_error("BRAND_NEW_CODE", "something new", json!({"extra": 1})),
        )
    })
    .await;
    let err = client(&server).org_permissions().get().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(&enums::ZohoCode::Unknown("BRAND_NEW_CODE".into()))
    );
}

#[tokio::test]
async fn partial_failure_of_a_bulk_update_names_each_failed_item() {
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            json!({"data_sharing": [
                {"code": "SUCCESS", "details": {"module": "Leads"}, "message": "data sharing settings updated successfully", "status": "success"},
                {"code": "NOT_ALLOWED", "details": {"api_name": "share_type", "json_path": "$.data_sharing[1].share_type"},
                 "message": "Cannot change the data sharing setting as module is made public in portals", "status": "error"},
                {"code": "SUCCESS", "details": {"module": "Deals"}, "message": "data sharing settings updated successfully", "status": "success"}
            ]}),
        )
    })
    .await;
    let updates =
        ["1", "2", "3"].map(|id| types::DataSharingUpdate::new(id, enums::ShareType::Private));
    let err = client(&server)
        .org_permissions()
        .set(updates)
        .await
        .unwrap_err();
    match &err {
        Error::Items {
            failures,
            succeeded,
            status,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(failures.len(), 1);
            assert_eq!(failures[0].index, 1);
            assert_eq!(failures[0].code, enums::ZohoCode::NotAllowed);
            assert_eq!(
                failures[0].details.json_path.as_deref(),
                Some("$.data_sharing[1].share_type")
            );
            assert_eq!(succeeded.len(), 2);
            assert_eq!(succeeded[1].details.module.as_deref(), Some("Deals"));
        }
        other => panic!("expected Items, got {other:?}"),
    }
    assert!(err.to_string().contains("1 of 3 item(s) failed"), "{err}");
    let sent = server.requests()[0].json();
    assert_eq!(sent["data_sharing"].as_array().unwrap().len(), 3);
    assert_eq!(sent["data_sharing"][0]["module"]["id"], "1");
}

#[tokio::test]
async fn all_items_succeeding_returns_every_result() {
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            json!({"record_locking_configurations": [
                {"code": "SUCCESS", "details": {"id": "1"}, "message": "record locking configuration deleted", "status": "success"},
                {"code": "SUCCESS", "details": {"id": "2"}, "message": "record locking configuration deleted", "status": "success"}
            ]}),
        )
    })
    .await;
    let results = client(&server)
        .record_locking("Deals")
        .delete_many(&["1", "2"])
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    let req = &server.requests()[0];
    assert_eq!(req.method, "DELETE");
    assert_eq!(req.query_param("ids").as_deref(), Some("1,2"));
}

#[tokio::test]
async fn a_body_that_does_not_match_the_spec_is_a_decode_error_with_its_path() {
    let server = TestServer::start(|_| {
        let mut rule = rule_json("1", "broken");
        rule["shared_to"].as_object_mut().unwrap().remove("type");
        Reply::json(
            200,
            json!({"sharing_rules": [rule_json("0", "fine"), rule]}),
        )
    })
    .await;
    let err = client(&server)
        .sharing_rules("Leads")
        .list()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            path,
            operation,
            excerpt,
            status,
            ..
        } => {
            assert_eq!(path, "sharing_rules[1].shared_to");
            assert_eq!(operation, "listSharingRules");
            assert_eq!(*status, 200);
            assert!(excerpt.starts_with("{\"sharing_rules\""), "{excerpt}");
            assert!(excerpt.len() < 200);
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_non_json_error_page_keeps_its_status() {
    let server = TestServer::start(|_| Reply::text(500, "<html>Internal failure</html>")).await;
    let err = client(&server).org_permissions().get().await.unwrap_err();
    match err {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(status, 500);
            assert_eq!(code.as_str(), "");
            assert!(message.contains("Internal failure"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

#[tokio::test]
async fn the_stream_follows_more_records_across_three_pages() {
    let server = TestServer::start(|r| {
        let page: u32 = r.query_param("page").unwrap().parse().unwrap();
        let per_page: u32 = r.query_param("per_page").unwrap().parse().unwrap();
        let rules: Vec<_> = (0..per_page)
            .map(|i| rule_json(&format!("{}", page * 100 + i), &format!("rule {page}.{i}")))
            .collect();
        Reply::json(
            200,
            json!({"sharing_rules": rules,
                   "info": {"per_page": per_page, "page": page, "count": per_page, "more_records": page < 3}}),
        )
    })
    .await;
    let rules: Vec<types::SharingRule> = client(&server)
        .sharing_rules("Leads")
        .list()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["100", "101", "200", "201", "300", "301"]);
    let pages: Vec<_> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.query_param("page").unwrap(),
                r.query_param("module").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [
            ("1".into(), "Leads".into()),
            ("2".into(), "Leads".into()),
            ("3".into(), "Leads".into())
        ]
    );
}

/// A server that claims more records on every page (until a safety stop after 1000
/// requests, so a client without loop protection ends instead of hanging). `page_of`
/// gives the `info.page` to report and `ids_of` the rule ids, from the requested page.
async fn looping_server(page_of: fn(u32) -> u32, ids_of: fn(u32) -> Vec<String>) -> TestServer {
    TestServer::start(move |r| {
        let page: u32 = r.query_param("page").unwrap().parse().unwrap();
        let rules: Vec<_> = ids_of(page).iter().map(|id| rule_json(id, "loop")).collect();
        let n = rules.len();
        Reply::json(
            200,
            json!({"sharing_rules": rules,
                   "info": {"per_page": 200, "page": page_of(page), "count": n, "more_records": r.nth < 1000}}),
        )
    })
    .await
}

async fn stream_outcome(request: zoho_crm_access::ListRequest) -> (usize, Option<Error>) {
    use futures::StreamExt;
    let mut stream = request.stream();
    let mut n = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => n += 1,
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

#[tokio::test]
async fn a_server_repeating_the_same_rules_on_every_page_stops_the_stream() {
    let server = looping_server(|p| p, |_| vec!["7".into(), "8".into()]).await;
    let (n, err) = stream_outcome(client(&server).sharing_rules("Leads").list()).await;
    let err = err.expect("the stream must stop with an error");
    assert!(matches!(err, Error::Pagination { page: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("repeats rule 7"), "{err}");
    assert_eq!(n, 2, "only the first page's rules");
    assert_eq!(server.total(), 2);
}

#[tokio::test]
async fn a_server_answering_another_page_than_asked_stops_the_stream() {
    let server = looping_server(|_| 1, |p| vec![format!("{p}")]).await;
    let (n, err) = stream_outcome(client(&server).sharing_rules("Leads").list()).await;
    let err = err.expect("the stream must stop with an error");
    assert!(matches!(err, Error::Pagination { page: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("asked for page 2"), "{err}");
    assert_eq!(n, 1);
    assert_eq!(server.total(), 2);
}

#[tokio::test]
async fn a_stream_stops_at_its_page_limit_when_more_records_never_ends() {
    let server = looping_server(|p| p, |p| vec![format!("{p}")]).await;
    let request = client(&server).sharing_rules("Leads").list().max_pages(30);
    let (n, err) = stream_outcome(request).await;
    let err = err.expect("the stream must stop with an error");
    assert!(matches!(err, Error::Pagination { page: 31, .. }), "{err:?}");
    assert_eq!(n, 30);
    assert_eq!(server.total(), 30);
    // The same for a search.
    let server = looping_server(|p| p, |p| vec![format!("{p}")]).await;
    let request = client(&server)
        .sharing_rules("Leads")
        .search(filter("name").like("loop"))
        .max_pages(3);
    let (n, err) = stream_outcome(request).await;
    assert!(
        matches!(err, Some(Error::Pagination { page: 4, .. })),
        "{err:?}"
    );
    assert_eq!((n, server.total()), (3, 3));
    assert_eq!(zoho_crm_access::ListRequest::MAX_PAGES, 10_000);
}

#[tokio::test]
async fn the_stream_can_be_polled_item_by_item() {
    use futures::StreamExt;
    let server = TestServer::start(|r| {
        let page: u32 = r.query_param("page").unwrap().parse().unwrap();
        Reply::json(
            200,
            json!({"sharing_rules": [rule_json(&page.to_string(), "x")],
                   "info": {"per_page": 1, "page": page, "count": 1, "more_records": page < 2}}),
        )
    })
    .await;
    let mut stream = client(&server).sharing_rules_all().list().page(1).stream();
    let mut seen = Vec::new();
    while let Some(rule) = stream.next().await {
        seen.push(rule.unwrap().id);
    }
    assert_eq!(seen, ["1", "2"]);
    // Without a module, none is sent.
    assert!(server
        .requests()
        .iter()
        .all(|r| r.query_param("module").is_none()));
}

#[tokio::test]
async fn the_search_stream_pages_too_and_sends_the_filters_each_time() {
    let server = TestServer::start(|r| {
        let page: u32 = r.query_param("page").unwrap().parse().unwrap();
        Reply::json(
            200,
            json!({"sharing_rules": [rule_json(&page.to_string(), "x")],
                   "info": {"per_page": 1, "page": page, "count": 1, "more_records": page < 3}}),
        )
    })
    .await;
    let found: Vec<_> = client(&server)
        .sharing_rules("Leads")
        .search(
            filter("name")
                .like("partner")
                .and(filter("status").equal("active")),
        )
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 3);
    for r in server.requests() {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/crm/v8/settings/data_sharing/rules/search");
        assert_eq!(r.json()["filters"][0]["group_operator"], "and");
        assert_eq!(r.json()["filters"][0]["group"][0]["comparator"], "like");
    }
}

#[tokio::test]
async fn a_page_claiming_more_records_but_empty_ends_the_stream() {
    let server = TestServer::start(|r| {
        let page: u32 = r.query_param("page").unwrap().parse().unwrap();
        let rules = if page == 1 { vec![rule_json("1", "a")] } else { vec![] };
        Reply::json(
            200,
            json!({"sharing_rules": rules, "info": {"per_page": 1, "page": page, "count": 1, "more_records": true}}),
        )
    })
    .await;
    let all: Vec<_> = client(&server)
        .sharing_rules("Leads")
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(server.total(), 2);
}

/// A criteria-based rule sharing closed deals with a role and its subordinates.
fn closed_deals_rule() -> types::SharingRuleInput {
    types::SharingRuleInput::criteria_based(
        "Closed deals to sales",
        field("Stage")
            .equal("Closed Won")
            .or(field("Stage").equal("Closed Lost")),
        types::SharedTo::role_and_subordinates("5843104000000431001"),
        enums::PermissionType::Read,
    )
    .superiors_allowed(true)
}

#[tokio::test]
async fn creating_a_criteria_rule_sends_one_rule_without_status() {
    let server = TestServer::start(|_| Reply::json(201, success("sharing_rules", "777"))).await;
    let created = client(&server)
        .sharing_rules("Deals")
        .create(closed_deals_rule())
        .await
        .unwrap();
    assert_eq!(created.details.id.as_deref(), Some("777"));
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/crm/v8/settings/data_sharing/rules");
    assert_eq!(req.query_param("module").as_deref(), Some("Deals"));
    let body = req.json();
    let rules = body["sharing_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    let r = &rules[0];
    assert!(r.get("status").is_none());
    assert_eq!(r["type"], "Criteria_Based");
    assert_eq!(r["superiors_allowed"], true);
    assert_eq!(
        r["shared_to"],
        json!({"resource": {"id": "5843104000000431001"}, "type": "roles", "subordinates": true})
    );
    assert_eq!(r["criteria"]["group_operator"], "OR");
    assert_eq!(r["criteria"]["group"][1]["value"], "Closed Lost");
}

#[tokio::test]
async fn rule_actions_use_the_documented_methods_and_paths() {
    let server = TestServer::start(|r| {
        if r.path.ends_with("/actions/run") {
            Reply::json(200, json!({"sharing_rules": [{"code": "SCHEDULED", "details": {}, "message": "Rerun successfully scheduled", "status": "success"}]}))
        } else {
            Reply::json(200, success("sharing_rules", "5"))
        }
    })
    .await;
    let leads = client(&server).sharing_rules("Leads");
    leads.activate("5").await.unwrap();
    leads.deactivate("5").await.unwrap();
    leads.delete("5").await.unwrap();
    let changes = types::SharingRuleUpdate::new(false, enums::SharingRuleType::RecordOwnerBased)
        .with_permission_type(enums::PermissionType::ReadWriteDelete);
    leads.update("5", changes).await.unwrap();
    let rerun = leads.rerun().await.unwrap().unwrap();
    assert_eq!(rerun.code, enums::ZohoCode::Scheduled);
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let base = "/crm/v8/settings/data_sharing/rules";
    assert_eq!(
        seen,
        [
            format!("PUT {base}/5/actions/activate"),
            format!("DELETE {base}/5/actions/activate"),
            format!("DELETE {base}/5"),
            format!("PUT {base}/5"),
            format!("POST {base}/actions/run"),
        ]
    );
    assert_eq!(
        server.requests()[3].json(),
        json!({"sharing_rules": [{"permission_type": "read_write_delete", "type": "Record_Owner_Based", "superiors_allowed": false}]})
    );
}

#[tokio::test]
async fn update_in_body_uses_the_collection_url_with_the_id_in_the_body() {
    let server = TestServer::start(|_| Reply::json(200, success("sharing_rules", "5"))).await;
    let leads = client(&server).sharing_rules("Leads");
    let changes = types::SharingRuleUpdate::new(true, enums::SharingRuleType::CriteriaBased)
        .with_id("5")
        .with_permission_type(enums::PermissionType::Read);
    let done = leads.update_in_body(changes).await.unwrap();
    assert_eq!(done.details.id.as_deref(), Some("5"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "PUT");
    assert_eq!(reqs[0].path, "/crm/v8/settings/data_sharing/rules");
    assert_eq!(reqs[0].query_param("module").as_deref(), Some("Leads"));
    assert_eq!(
        reqs[0].json(),
        json!({"sharing_rules": [{"id": "5", "permission_type": "read", "type": "Criteria_Based", "superiors_allowed": true}]})
    );
}

#[tokio::test]
async fn errors_name_the_specs_operation_id() {
    let server =
        TestServer::start(|_| Reply::json(400, zoho_error("INVALID_DATA", "bad", json!({})))).await;
    let client = client(&server);
    let err = client.org_permissions().get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { operation, .. } if operation == "getOrgPermissions"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("getting the default organization permissions (getOrgPermissions): "),
        "{err}"
    );
    let err = client.sharing_rules("Leads").summary().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { operation, .. } if operation == "getSharingRulesSummary"),
        "{err:?}"
    );
    let err = client
        .record_locking("Deals")
        .delete_many(&["1", "2"])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { operation, .. } if operation == "deleteRecordLockingConfigurations"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_item_error_on_a_single_write_is_an_api_error() {
    let server = TestServer::start(|_| {
        Reply::json(400, json!({"sharing_rules": [zoho_error("ID_ALREADY_ACTIVE", "data sharing rule is already activated.", json!({"resource_path_index": 3}))]}))
    })
    .await;
    let err = client(&server)
        .sharing_rules("Leads")
        .activate("5")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&enums::ZohoCode::IdAlreadyActive));
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn set_share_type_looks_up_the_module_id_first() {
    let server = TestServer::start(|r| {
        if r.method == "GET" {
            Reply::json(200, json!({"data_sharing": [
                {"share_type": "private", "module": {"api_name": "Leads", "id": "5843104000000002175"}, "public_in_portals": false, "rule_computation_running": false},
                {"share_type": "public", "module": {"api_name": "Deals", "id": "5843104000000002181"}, "public_in_portals": false, "rule_computation_running": false}
            ]}))
        } else {
            Reply::json(200, json!({"data_sharing": [{"code": "SUCCESS", "details": {"module": "Deals"}, "message": "data sharing settings updated successfully", "status": "success"}]}))
        }
    })
    .await;
    let perms = client(&server).org_permissions();
    let r = perms
        .set_share_type("Deals", enums::ShareType::PublicReadOnly)
        .await
        .unwrap();
    assert_eq!(r.details.module.as_deref(), Some("Deals"));
    let put = &server.requests()[1];
    assert_eq!(put.method, "PUT");
    assert_eq!(
        put.json(),
        json!({"data_sharing": [{"share_type": "public_read_only", "module": {"api_name": "Deals", "id": "5843104000000002181"}}]})
    );
    let err = perms
        .set_share_type("Nope", enums::ShareType::Private)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(server.count("PUT", ""), 1);
}

#[tokio::test]
async fn record_locking_writes_send_one_item_with_the_module() {
    let server = TestServer::start(|r| match r.method.as_str() {
        "POST" => Reply::json(201, success("record_locking_configurations", "900")),
        _ => Reply::json(200, success("record_locking_configurations", "900")),
    })
    .await;
    let deals = client(&server).record_locking("Deals");
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Automatic)
        .with_locking_rules([types::LockingRuleInput::new_rule(
            "Won",
            field("Stage").equal("Closed Won"),
        )
        .unwrap()]);
    assert_eq!(
        deals.create(input).await.unwrap().details.id.as_deref(),
        Some("900")
    );
    let mut update = types::RecordLockingConfigurationUpdate::new("900");
    update.lock_for_portal_users = Some(false);
    deals.update(update.clone()).await.unwrap();
    deals.update_by_id("900", update).await.unwrap();
    deals.delete("900").await.unwrap();
    let reqs = server.requests();
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let base = "/crm/v8/settings/record_locking_configurations";
    assert_eq!(
        seen,
        [
            format!("POST {base}"),
            format!("PUT {base}"),
            format!("PUT {base}/900"),
            format!("DELETE {base}/900")
        ]
    );
    assert!(reqs
        .iter()
        .all(|r| r.query_param("module").as_deref() == Some("Deals")));
    assert_eq!(
        reqs[0].json()["record_locking_configurations"][0]["locking_rules"][0]["criteria"]["field"]
            ["api_name"],
        "Stage"
    );
    assert_eq!(
        reqs[1].json(),
        json!({"record_locking_configurations": [{"id": "900", "lock_for_portal_users": false}]})
    );
}

#[tokio::test]
async fn the_get_decodes_a_full_configuration() {
    let server = TestServer::start(|_| Reply::json(200, rlc_body("5843104000001068052"))).await;
    let cfg = client(&server)
        .record_locking("Deals")
        .get()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cfg.id, "5843104000001068052");
    assert_eq!(cfg.lock_type, enums::LockType::Manual);
    assert_eq!(
        cfg.restricted_actions,
        vec![enums::RestrictedAction::Update]
    );
}

#[tokio::test]
async fn an_error_body_off_the_spec_still_yields_its_code() {
    // No `details`, and a wrapped variant with an unexpected details type.
    let server = TestServer::start(|r| {
        if r.nth == 0 {
            Reply::json(403, json!({"code": "NO_PERMISSION", "message": "permission denied", "status": "error"}))
        } else {
            Reply::json(400, json!({"data_sharing": [{"code": "INVALID_DATA", "details": "odd", "message": "bad", "status": "error"}]}))
        }
    })
    .await;
    let c = client(&server);
    let e1 = c.org_permissions().get().await.unwrap_err();
    assert_eq!(e1.code(), Some(&enums::ZohoCode::NoPermission));
    assert_eq!(e1.status(), Some(403));
    let e2 = c.org_permissions().get().await.unwrap_err();
    assert_eq!(e2.code(), Some(&enums::ZohoCode::InvalidData));
}

/// Reproduction: the transport marks the answers it makes up for local failures with a header
/// of its own, and anything that answered with that header (a proxy, a misbehaving server) was
/// taken for such a failure: a create that Zoho carried out came back as `Error::Config` with
/// the server's text, inviting the caller to create again. The mark is a response extension
/// of a type private to the crate now, which nothing on the wire can set; a server's header of
/// that name is just a header, for typed and raw callers alike.
#[tokio::test]
async fn a_server_cannot_pose_as_a_local_failure() {
    let server = TestServer::start(|_| {
        Reply::json(201, success("sharing_rules", "777"))
            .header("x-zoho-crm-access-error", "no token; configure one")
    })
    .await;
    let created = client(&server)
        .sharing_rules("Deals")
        .create(closed_deals_rule())
        .await
        .unwrap();
    assert_eq!(created.details.id.as_deref(), Some("777"));
    let raw = client(&server)
        .raw()
        .get_org_permissions()
        .send()
        .await
        .map(|_| ());
    assert!(
        !matches!(raw, Err(zoho_crm_access::raw::RawError::Custom(_))),
        "{raw:?}"
    );
    assert_eq!(server.total(), 2);
}

/// A keep-alive HTTP/1.1 server on loopback that answers every request on a connection with
/// `body` (its exact `Content-Length` announced), either in one write or with the body's
/// second half sent 20 ms after the rest. Returns its base URL and the number of connections
/// it has accepted.
async fn keep_alive_server(
    body: Vec<u8>,
    split: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // GETs only: a request ends with its head.
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        let (first, second) = if split {
                            body.split_at(body.len() / 2)
                        } else {
                            (&body[..], &[][..])
                        };
                        let mut out = head.into_bytes();
                        out.extend_from_slice(first);
                        if sock.write_all(&out).await.is_err() {
                            return;
                        }
                        if !second.is_empty() {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            if sock.write_all(second).await.is_err() {
                                return;
                            }
                        }
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn sequential_calls_share_one_connection_whether_a_body_comes_whole_or_in_pieces() {
    let body = serde_json::to_vec(&rlc_body("5843104000000424001")).unwrap();
    for split in [false, true] {
        let (url, accepted) = keep_alive_server(body.clone(), split).await;
        let c = zoho_crm_access::Client::builder()
            .base_url(&url)
            .access_token("1000.test")
            .build()
            .unwrap();
        for _ in 0..20 {
            let config = c.record_locking("Deals").get().await.unwrap().unwrap();
            assert_eq!(config.id, "5843104000000424001");
        }
        // A body read to its announced length leaves the connection ready for the next
        // request: the client neither drops it early nor waits for the server to close it.
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "split: {split}"
        );
    }
}
