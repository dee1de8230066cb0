//! The library refuses module API names no Zoho module can have with `Error::InvalidInput`,
//! before any request (issue 11, failure 4): every handle method that puts a module into a
//! URL or a body, against a loopback server that counts what it receives and must receive
//! nothing. (`Client::check_module_api_name` documents the rule; `handles.rs` unit-tests it.)

mod support;

use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use support::{rlc_body, Reply, TestServer};
use zoho_crm_access::{enums, types, Client, Error};

/// Values that name no module: a path, a query, a space, CR LF, a fragment, an encoded dot,
/// non-ASCII, too long, empty.
const NOT_MODULE_NAMES: &[&str] = &[
    "../x",
    "Leads?module=Deals",
    "Price Books",
    "Leads\r\nX-Injected: 1",
    "Leads#top",
    "%2e%2e",
    "Lëads",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "",
];

const ID: &str = "5843104000000431001";

type Call = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// Every call that takes a module, for `module`.
fn calls(client: &Client, module: &str) -> Vec<(&'static str, Call)> {
    let locking = client.record_locking(module);
    let rules = client.sharing_rules(module);
    let dir = client.directory();
    let update = types::RecordLockingConfigurationUpdate::new(ID);
    let input = types::RecordLockingConfigurationInput::new(enums::LockType::Manual);
    let stream_rules = client.sharing_rules(module);
    vec![
        ("locking get", Box::pin(unit(locking.get()))),
        ("locking get_by_id", Box::pin(unit(locking.get_by_id(ID)))),
        ("locking create", Box::pin(unit(locking.create(input)))),
        (
            "locking update",
            Box::pin(unit(locking.update(update.clone()))),
        ),
        (
            "locking update_by_id",
            Box::pin(unit(locking.update_by_id(ID, update))),
        ),
        ("locking delete", Box::pin(unit(locking.delete(ID)))),
        (
            "locking delete_many",
            Box::pin(unit(locking.delete_many(&[ID]))),
        ),
        ("rules list", Box::pin(unit(rules.list().send()))),
        (
            "rules stream",
            Box::pin(async move {
                match stream_rules.list().stream().next().await {
                    Some(Err(e)) => Err(e),
                    other => panic!("expected an error, got {:?}", other.map(|r| r.is_ok())),
                }
            }),
        ),
        ("rules get", Box::pin(unit(rules.get(ID)))),
        ("rules delete", Box::pin(unit(rules.delete(ID)))),
        ("rules activate", Box::pin(unit(rules.activate(ID)))),
        ("rules deactivate", Box::pin(unit(rules.deactivate(ID)))),
        ("rules summary", Box::pin(unit(rules.summary()))),
        ("rules rerun", Box::pin(unit(rules.rerun()))),
        (
            "org set_share_type",
            Box::pin(unit(
                client
                    .org_permissions()
                    .set_share_type(module, enums::ShareType::Private),
            )),
        ),
        (
            "org get_module",
            Box::pin(unit(client.org_permissions().get_module(module))),
        ),
        ("directory module", Box::pin(unit(dir.module(module)))),
        ("directory fields", Box::pin(unit(dir.fields(module)))),
        ("directory field", Box::pin(unit(dir.field(module, ID)))),
    ]
}

async fn unit<T>(f: impl Future<Output = Result<T, Error>>) -> Result<(), Error> {
    f.await.map(drop)
}

#[tokio::test]
async fn every_handle_refuses_a_bad_module_name_before_any_request() {
    let server = TestServer::start(|_| Reply::json(200, rlc_body("111"))).await;
    let client = Client::builder()
        .base_url(&server.url)
        .access_token("tok")
        .build()
        .unwrap();
    for module in NOT_MODULE_NAMES {
        for (what, call) in calls(&client, module) {
            match call.await {
                Err(Error::InvalidInput {
                    what: field,
                    reason,
                    ..
                }) => {
                    assert_eq!(field, "module", "{what} {module:?}: {reason}");
                    assert!(
                        !reason.contains('\r') && !reason.contains('\n'),
                        "{what} {module:?}: {reason}"
                    );
                }
                other => panic!("{what} {module:?}: expected InvalidInput, got {other:?}"),
            }
        }
    }
    assert_eq!(server.total(), 0, "{:#?}", server.requests());

    // The same calls with a good name do reach the server (so the check is what stopped
    // them above).
    let good = client.record_locking("Price_Books").get().await.unwrap();
    assert_eq!(good.map(|c| c.id), Some("111".to_owned()));
    assert_eq!(server.total(), 1);
    assert_eq!(
        server.requests()[0].query_param("module").as_deref(),
        Some("Price_Books")
    );
}
