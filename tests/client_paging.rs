//! Every paged list (sharing rules list and search, user groups, profiles, users) goes through
//! one paging engine: the same argument checks with the same error before anything is sent,
//! and the same stream over pages. Over real HTTP on loopback: a scripted server that counts
//! requests, and the simulator.

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use support::{Reply, TestServer};
use zoho_crm_access::criteria::filter;
use zoho_crm_access::{Client, Error, RetryPolicy};

fn scripted_client(server: &TestServer) -> Client {
    Client::builder()
        .base_url(&server.url)
        .access_token("t")
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

/// `(what, reason)` of an [`Error::InvalidInput`]; panics on anything else.
fn invalid(result: Result<impl std::fmt::Debug, Error>) -> (String, String) {
    match result {
        Err(Error::InvalidInput { what, reason, .. }) => (what, reason),
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn sharing_rules_per_page_over_the_cap_is_refused_before_sending() {
    let server = TestServer::start(|_| Reply::empty(204)).await;
    let client = scripted_client(&server);
    let leads = client.sharing_rules("Leads");
    let (what, reason) = invalid(leads.list().per_page(201).send().await);
    assert_eq!(what, "per_page");
    assert_eq!(reason, "201 given; Zoho allows at most 200");
    let streamed = leads
        .list()
        .per_page(201)
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_eq!(invalid(streamed).0, "per_page");
    let searched = leads
        .search(filter("name").like("partner"))
        .per_page(201)
        .send()
        .await;
    assert_eq!(invalid(searched).0, "per_page");
    assert_eq!(server.total(), 0, "nothing was sent");
}
