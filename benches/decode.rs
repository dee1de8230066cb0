//! Benchmark 2 (BENCHMARKS.md): decoding realistic bodies into the generated types versus into
//! `serde_json::Value`, measured in the same run.
//!
//! * `decode/sharing_rules_200`: one list page of 200 sharing rules (`types::SharingRules`).
//! * `decode/sharing_rules_200_with_criteria`: the same 200 rules shaped like get-by-id items
//!   (criteria present), which exercises the untagged `Criteria` enum.
//! * `decode/org_permissions_100`: default org permissions for 100 modules
//!   (`types::DataSharingSettings`).
//! * `decode/record_locking_1`: the one-configuration body of benchmark 1
//!   (`types::RecordLockingConfigurations`).
//!
//! Each group has `value` (the baseline), `typed` (`serde_json::from_slice`, what reqwest's
//! `json()` and progenitor do) and `typed_path_to_error` (the same through
//! `serde_path_to_error`, which the crate uses to name the failing field).
//!
//! Run: `cargo bench --bench decode`, then `cargo xtask bench report`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::de::DeserializeOwned;
use zoho_crm_access::types;

fn typed<T: DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body).expect("decodes as the generated type")
}

fn typed_path_to_error<T: DeserializeOwned>(body: &[u8]) -> T {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).expect("decodes as the generated type")
}

fn group<T: DeserializeOwned>(c: &mut Criterion, name: &str, body: &[u8]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).expect("json"))
    });
    g.bench_function("typed", |b| b.iter(|| typed::<T>(black_box(body))));
    g.bench_function("typed_path_to_error", |b| {
        b.iter(|| typed_path_to_error::<T>(black_box(body)))
    });
    g.finish();
}

fn decode(c: &mut Criterion) {
    let page = common::sharing_rules_page(1, 200, 1, false);
    let page_with_criteria = common::sharing_rules_page(1, 200, 1, true);
    let org = common::org_permissions(100);

    // The bodies must decode into what the user gets, ids intact, before anything is timed.
    let rules: types::SharingRules = typed(&page);
    assert_eq!(rules.sharing_rules.len(), 200);
    assert_eq!(rules.sharing_rules[0].id, common::zoho_id(3_827_009));
    assert!(rules.sharing_rules.iter().all(|r| r.criteria.is_none()));
    let with_criteria: types::SharingRules = typed(&page_with_criteria);
    assert!(matches!(
        with_criteria.sharing_rules[0].criteria,
        Some(types::Criteria::Group(_))
    ));
    let settings: types::DataSharingSettings = typed(&org);
    assert_eq!(settings.data_sharing.len(), 100);
    assert_eq!(
        settings.data_sharing[99].module.api_name,
        "Vendor_Contracts_99"
    );

    group::<types::SharingRules>(c, "decode/sharing_rules_200", &page);
    group::<types::SharingRules>(
        c,
        "decode/sharing_rules_200_with_criteria",
        &page_with_criteria,
    );
    group::<types::DataSharingSettings>(c, "decode/org_permissions_100", &org);
    // The small body of benchmark 1's `record_locking_get` (dates, untagged criteria).
    let rlc = common::record_locking_configuration();
    let configs: types::RecordLockingConfigurations = typed(&rlc);
    assert_eq!(configs.record_locking_configurations.len(), 1);
    group::<types::RecordLockingConfigurations>(c, "decode/record_locking_1", &rlc);
}

criterion_group! {
    name = benches;
    // Small and short: the machine is shared (2 cores).
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = decode
}
criterion_main!(benches);
