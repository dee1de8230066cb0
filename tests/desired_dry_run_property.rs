//! Property: the calls a plan lists ([`Plan::planned_calls`], the dry run of an apply) are
//! the requests applying it sends, request by request: operation, method, path, query and
//! JSON body, with the id of a rule created earlier in the same apply in place of the
//! listing's `{id of the new rule "NAME"}`. Each case applies two random desired states in
//! turn to a fresh simulated org, so creates, updates, deletes and (de)activations all
//! occur. Listing a plan sends nothing. Case count bounded (CI budget): `PROPTEST_CASES`
//! overrides it.
//!
//! [`Plan::planned_calls`]: zoho_crm_access::desired::Plan::planned_calls

mod desired_support;
// Beside `desired_support`, not in it: the CLI's tests include that module and have no proptest.
#[path = "desired_support/strategies.rs"]
mod strategies;

use std::collections::BTreeMap;

use desired_support::{client, org};
use proptest::prelude::*;
use serde_json::Value;
use strategies::access_config;
use zoho_crm_access::desired::{self, AccessConfig, PlannedCall};
use zoho_crm_access_simulator::Simulator;

/// The API requests the simulator received after sequence number `since`, oldest first.
async fn received_since(sim: &Simulator, since: u64) -> Vec<Value> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/requests?since={since}", sim.control_url()))
        .bearer_auth(sim.control_token())
        .send()
        .await
        .expect("control surface answers")
        .json()
        .await
        .expect("a JSON list of requests");
    answer["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["target"] == "api")
        .cloned()
        .collect()
}

/// The sequence number of the last request the simulator received.
fn last_seq(sim: &Simulator) -> u64 {
    sim.stats().next_seq - 1
}

/// `text` with every `{id of the new rule "NAME"}` of `module` replaced by the id the org
/// gave that rule.
fn with_ids(text: &str, module: &str, rule_ids: &BTreeMap<(String, String), String>) -> String {
    let mut out = text.to_owned();
    for ((m, name), id) in rule_ids {
        if m == module {
            out = out.replace(&format!("{{id of the new rule {name:?}}}"), id);
        }
    }
    out
}

/// [`with_ids`] for every string of a JSON body.
fn body_with_ids(body: Value, module: &str, ids: &BTreeMap<(String, String), String>) -> Value {
    match body {
        Value::String(s) => Value::String(with_ids(&s, module, ids)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| body_with_ids(v, module, ids))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, body_with_ids(v, module, ids)))
                .collect(),
        ),
        other => other,
    }
}

/// Sharing rule ids of the org by (module, name).
fn rule_ids(sim: &Simulator) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (module, rules) in sim.state().sharing_rules {
        for r in rules {
            let (Some(id), Some(name)) = (r["id"].as_str(), r["name"].as_str()) else {
                continue;
            };
            out.insert((module.clone(), name.to_owned()), id.to_owned());
        }
    }
    out
}

/// Asserts that `listed` and `received` are the same requests in the same order.
fn assert_same(
    listed: &[PlannedCall],
    received: &[Value],
    ids: &BTreeMap<(String, String), String>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        listed.len(),
        received.len(),
        "listed {:#?}\nreceived {:#?}",
        listed,
        received
    );
    for (n, (call, got)) in listed.iter().zip(received).enumerate() {
        let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let query: serde_json::Map<String, Value> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        let module = query
            .get("module")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        prop_assert_eq!(
            call.operation,
            got["operation"].as_str().unwrap_or("?"),
            "call {}",
            n
        );
        prop_assert_eq!(&call.method, &got["method"], "call {}", n);
        prop_assert_eq!(
            format!("/crm/v8{}", with_ids(path, &module, ids)),
            got["path"].as_str().unwrap_or("?"),
            "call {}",
            n
        );
        prop_assert_eq!(&Value::Object(query), &got["query"], "call {}", n);
        let listed_body = call.body.clone().map(|b| body_with_ids(b, &module, ids));
        prop_assert_eq!(listed_body.as_ref(), got.get("body"), "call {}", n);
        let status = got["response"]["status"].as_u64().unwrap_or(0);
        prop_assert!((200..300).contains(&status), "call {}: {}", n, got);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16),
        failure_persistence: None,
        max_shrink_iters: 32,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_calls_a_plan_lists_are_the_requests_its_apply_sends(
        first in access_config(),
        second in access_config(),
        seed in 1..1000u64,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = org(seed).await;
            let c = client(&sim);
            for want in [&first, &second] {
                let want = AccessConfig::from_yaml(&want.to_yaml().unwrap()).unwrap();
                let plan = desired::plan(&c, &want).await.unwrap();
                let before = last_seq(&sim);
                let listed = plan.planned_calls(&c).await.unwrap();
                prop_assert_eq!(last_seq(&sim), before, "listing the calls sent something");
                prop_assert_eq!(listed.len(), plan.calls());
                let report = plan.apply(&c).await;
                prop_assert!(report.is_complete(), "{}", report);
                let received = received_since(&sim, before).await;
                assert_same(&listed, &received, &rule_ids(&sim))?;
            }
            Ok(())
        })?;
    }
}
