//! Property: any valid desired state (within Zoho's limits), applied to a simulated org that
//! already holds another one, pulls back equal to what was applied; applying it again makes
//! no write at all. Case count bounded (CI budget): `PROPTEST_CASES` overrides it.

mod desired_support;
// Beside `desired_support`, not in it: the CLI's tests include that module and have no proptest.
#[path = "desired_support/strategies.rs"]
mod strategies;

use desired_support::{client, org, writes};
use proptest::prelude::*;
use strategies::access_config;
use zoho_crm_access::desired::{self, AccessConfig};

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn applied_states_pull_back_equal_and_a_second_apply_writes_nothing(
        first in access_config(),
        second in access_config(),
        seed in 1..1000u64,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = org(seed).await;
            let c = client(&sim);
            for want in [&first, &second] {
                prop_assert!(want.validate().is_ok(), "{:?}", want.validate());
                // Through the file, as a user would hand it over.
                let want = AccessConfig::from_yaml(&want.to_yaml().unwrap()).unwrap();
                let report = desired::apply(&c, &want).await.unwrap();
                prop_assert!(report.is_complete(), "{}", report);
                let pulled = desired::pull(&c, &want.scope).await.unwrap();
                prop_assert_eq!(&pulled, &want.canonical());
                prop_assert_eq!(pulled.to_yaml().unwrap(), want.to_yaml().unwrap());
                sim.clear_recordings();
                let again = desired::apply(&c, &want).await.unwrap();
                prop_assert!(again.is_complete());
                prop_assert!(again.applied().is_empty(), "{}", again);
                let w = writes(&sim);
                prop_assert!(w.is_empty(), "writes the second time: {:?}", w);
            }
            Ok(())
        })?;
    }
}
