//! Every paged list (sharing rules list and search, user groups, profiles, users) goes through
//! one paging engine: the same argument checks with the same error before anything is sent,
//! and the same stream over pages. Over real HTTP on loopback: a scripted server that counts
//! requests, and the simulator.

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use support::{Reply, TestServer};
use zoho_crm_access::criteria::filter;
use zoho_crm_access::{enums, types, Client, Error, RetryPolicy};

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

/// The paging arguments a test sets on every list alike.
#[derive(Clone, Copy, Default)]
struct Args {
    page: Option<u32>,
    per_page: Option<u32>,
    max_pages: Option<u32>,
}

/// Sets `args` on a paged request (each request type has the same three setters).
macro_rules! with_args {
    ($request:expr, $args:expr) => {{
        let mut r = $request;
        if let Some(p) = $args.page {
            r = r.page(p);
        }
        if let Some(n) = $args.per_page {
            r = r.per_page(n);
        }
        if let Some(m) = $args.max_pages {
            r = r.max_pages(m);
        }
        r
    }};
}

/// One outcome per paged list and way of sending it: the list's name, and the ids it gave
/// (one page for `send`, every page for `stream`) or its error.
type Outcomes = Vec<(&'static str, Result<Vec<String>, Error>)>;

/// Every paged list of the crate, sent once with `send` and once as a `stream`, with the same
/// arguments.
async fn every_list(client: &Client, args: Args) -> Outcomes {
    fn ids<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
        items.iter().map(|x| id(x).to_owned()).collect()
    }
    let rules = client.sharing_rules("Leads");
    let all = client.sharing_rules_all();
    let search = || rules.search(filter("name").like("rule"));
    let d = client.directory();
    let users = || d.users(enums::UserType::AllUsers);
    let mut out: Outcomes = Vec::new();
    macro_rules! both {
        ($name:expr, $request:expr, $field:ident, $id:expr) => {{
            let page = with_args!($request, args).send().await;
            out.push(($name, page.map(|p| ids(p.$field, $id))));
            let streamed = with_args!($request, args)
                .stream()
                .try_collect::<Vec<_>>()
                .await;
            out.push(($name, streamed.map(|v| ids(v, $id))));
        }};
    }
    both!("sharing rules", rules.list(), sharing_rules, |r| r
        .id
        .as_str());
    both!("sharing rules search", search(), sharing_rules, |r| r
        .id
        .as_str());
    both!(
        "all modules' sharing rules",
        all.list(),
        sharing_rules,
        |r| r.id.as_str()
    );
    both!("user groups", d.user_groups(), user_groups, |g| g
        .id
        .as_str());
    both!("profiles", d.profiles(), profiles, |p| p.id.as_str());
    both!("users", users(), users, |u| u.id.as_str());
    out
}

/// A scripted directory and rule list: every list answers two items per page, ids
/// `{page}01` and `{page}02`, and claims more records up to page `last`.
async fn paged_server(last: u32) -> TestServer {
    TestServer::start(move |r| {
        let page: u32 = r
            .query_param("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let key = if r.path.contains("data_sharing") {
            "sharing_rules"
        } else if r.path.ends_with("/user_groups") {
            "user_groups"
        } else if r.path.ends_with("/profiles") {
            "profiles"
        } else {
            "users"
        };
        let items: Vec<_> = (1..=2)
            .map(|i| {
                let id = format!("{page}0{i}");
                match key {
                    "sharing_rules" => support::rule_json(&id, &format!("rule {id}")),
                    "users" => json!({"id": id, "full_name": format!("User {id}")}),
                    _ => json!({"id": id, "name": format!("Item {id}")}),
                }
            })
            .collect();
        Reply::json(
            200,
            json!({key: items,
                   "info": {"page": page, "per_page": 2, "count": 2, "more_records": page < last}}),
        )
    })
    .await
}

#[tokio::test]
async fn bad_paging_arguments_are_refused_alike_by_every_list_before_sending() {
    let server = paged_server(3).await;
    let client = scripted_client(&server);
    let cases = [
        (
            Args {
                per_page: Some(0),
                ..Args::default()
            },
            ("per_page", "must be at least 1"),
        ),
        (
            Args {
                per_page: Some(201),
                ..Args::default()
            },
            ("per_page", "201 given; Zoho allows at most 200"),
        ),
        (
            Args {
                per_page: Some(u32::MAX),
                ..Args::default()
            },
            ("per_page", "4294967295 given; Zoho allows at most 200"),
        ),
        (
            Args {
                page: Some(0),
                ..Args::default()
            },
            ("page", "pages start at 1"),
        ),
        (
            Args {
                page: Some(1 << 31),
                ..Args::default()
            },
            ("page", "pages go up to 2147483647"),
        ),
        (
            Args {
                max_pages: Some(0),
                ..Args::default()
            },
            ("max_pages", "must be at least 1"),
        ),
    ];
    for (args, (what, reason)) in cases {
        let outcomes = every_list(&client, args).await;
        assert_eq!(outcomes.len(), 12, "six lists, send and stream each");
        for (list, outcome) in outcomes {
            let (got_what, got_reason) = invalid(outcome);
            assert_eq!(
                (got_what.as_str(), got_reason.as_str()),
                (what, reason),
                "{list}"
            );
        }
    }
    assert_eq!(server.total(), 0, "nothing was sent");
}

#[tokio::test]
async fn every_list_streams_every_item_once_in_order_and_stops_when_no_more_records() {
    let server = paged_server(3).await;
    let client = scripted_client(&server);
    let args = Args {
        per_page: Some(2),
        ..Args::default()
    };
    let outcomes = every_list(&client, args).await;
    for (i, (list, outcome)) in outcomes.into_iter().enumerate() {
        let ids = outcome.unwrap_or_else(|e| panic!("{list}: {e}"));
        if i % 2 == 0 {
            assert_eq!(ids, ["101", "102"], "{list}: send gives page 1");
        } else {
            assert_eq!(
                ids,
                ["101", "102", "201", "202", "301", "302"],
                "{list}: the stream gives every page"
            );
        }
    }
    // Six lists: one request for send, three for the stream; each with per_page=2 and the
    // pages in order.
    let requests = server.requests();
    assert_eq!(requests.len(), 6 * 4);
    let pages: Vec<String> = requests
        .iter()
        .map(|r| r.query_param("page").unwrap())
        .collect();
    assert_eq!(pages, ["1", "1", "2", "3"].repeat(6));
    assert!(requests
        .iter()
        .all(|r| r.query_param("per_page").as_deref() == Some("2")));

    // The largest page size is accepted and sent as is.
    let outcomes = every_list(
        &client,
        Args {
            per_page: Some(200),
            page: Some(3),
            ..Args::default()
        },
    )
    .await;
    assert!(outcomes.iter().all(|(_, o)| o.is_ok()), "{outcomes:?}");
    assert!(server.requests()[24..]
        .iter()
        .all(|r| r.query_param("per_page").as_deref() == Some("200")));
}

#[tokio::test]
async fn a_stream_fetches_one_page_at_a_time() {
    use futures::StreamExt;
    let server = paged_server(3).await;
    let client = scripted_client(&server);
    let mut users = client.directory().users(enums::UserType::AllUsers).stream();
    let first = users.next().await.unwrap().unwrap();
    assert_eq!(first.id, "101");
    assert_eq!(
        server.total(),
        1,
        "page 2 is not asked for before it is needed"
    );
    let mut rules = client.sharing_rules("Leads").list().stream();
    rules.next().await.unwrap().unwrap();
    rules.next().await.unwrap().unwrap();
    assert_eq!(server.total(), 2);
    assert_eq!(rules.next().await.unwrap().unwrap().id, "201");
    assert_eq!(server.total(), 3);
}

#[tokio::test]
async fn every_list_stops_at_max_pages_with_the_same_error() {
    let server = paged_server(u32::MAX).await;
    let client = scripted_client(&server);
    let args = Args {
        max_pages: Some(2),
        ..Args::default()
    };
    let outcomes = every_list(&client, args).await;
    for (i, (list, outcome)) in outcomes.into_iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(
                outcome.unwrap(),
                ["101", "102"],
                "{list}: send ignores max_pages"
            );
            continue;
        }
        match outcome {
            Err(Error::Pagination { page, reason, .. }) => {
                assert_eq!(page, 3, "{list}");
                assert_eq!(
                    reason, "Zoho still claims more records after 2 pages (the stream's max_pages)",
                    "{list}"
                );
            }
            other => panic!("{list}: expected Error::Pagination, got {other:?}"),
        }
    }
    // Six lists: one request for send, two for the stream; never a third page.
    assert_eq!(server.total(), 6 * 3);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.query_param("page").as_deref() != Some("3")));
}

mod against_the_simulator {
    use super::*;
    use zoho_crm_access_simulator::Simulator;

    fn client(sim: &Simulator) -> Client {
        Client::builder()
            .base_url(sim.api_domain())
            .access_token(sim.access_token())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn the_stream_gives_what_the_pages_give_in_order_and_a_refused_page_size_sends_nothing() {
        let sim = Simulator::start().await.unwrap();
        let seeded = sim.seed_sharing_rules("Leads", 5).unwrap();
        let client = client(&sim);
        let leads = client.sharing_rules("Leads");

        // Page by page, then as a stream: the same rules in the same order, one request
        // per page, and the stream stops at the page saying no more.
        let mut paged = Vec::new();
        for page in 1..=3 {
            let answer = leads.list().per_page(2).page(page).send().await.unwrap();
            assert_eq!(answer.more_records(), page < 3, "page {page}");
            paged.extend(answer.sharing_rules.into_iter().map(|r| r.id));
        }
        let before = sim.api_requests();
        let streamed: Vec<String> = leads
            .list()
            .per_page(2)
            .stream()
            .map_ok(|r| r.id)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(sim.api_requests() - before, 3, "one request per page");
        assert_eq!(streamed, paged);
        let mut sorted = streamed.clone();
        sorted.sort();
        let mut expected = seeded;
        expected.sort();
        assert_eq!(sorted, expected, "every rule once");

        // Every module's rules: the Leads rules are among them, and the summary counts them.
        let all: Vec<types::SharingRule> = client
            .sharing_rules_all()
            .list()
            .per_page(1)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert!(streamed.iter().all(|id| all.iter().any(|r| &r.id == id)));
        let summary = client.sharing_rules_all().summary().await.unwrap();
        assert!(!summary.is_empty());

        // Over the spec's cap: refused here, nothing reaches the simulator.
        let before = sim.api_requests();
        let err = leads
            .list()
            .per_page(201)
            .stream()
            .try_collect::<Vec<_>>()
            .await;
        assert_eq!(invalid(err).0, "per_page");
        let err = client.directory().user_groups().per_page(201).send().await;
        assert_eq!(invalid(err).0, "per_page");
        assert_eq!(sim.api_requests(), before);
    }
}
