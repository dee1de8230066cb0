//! `AccessModel::who` on large orgs (BENCHMARKS.md section 10): the simulator's org of N users
//! (`org_size`: N*3/20 roles, N/20 groups, N/4 sharing rules, twelve profiles), read once
//! over loopback, then `who` timed for one module and for every module, against a baseline
//! in the same run: one pass over users x rules that only marks each rule's audience in a
//! bitmap (the least any answer naming every user's rules must do). Sizes double, so a
//! linear model keeps its ratio to the baseline and doubles its time.
//!
//! `cargo bench --bench access_who` (`BENCH_ROUNDS=N` for more rounds, default 15;
//! `BENCH_SIZES=500,1000,2000,4000` for other sizes).

use std::hint::black_box;
use std::time::Instant;

use zoho_crm_access::access::AccessModel;
use zoho_crm_access::desired::Audience;
use zoho_crm_access::Client;
use zoho_crm_access_simulator::Simulator;

mod common;

/// The baseline: every active rule of every module, every user, one bit each.
fn baseline(model: &AccessModel) -> usize {
    let users = &model.directory().users;
    let roles: std::collections::HashMap<&str, usize> = model
        .directory()
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let user_roles: Vec<Option<usize>> = users
        .iter()
        .map(|u| u.role.as_deref().and_then(|r| roles.get(r).copied()))
        .collect();
    let mut marked = 0;
    for rules in model.config().sharing_rules.values() {
        for rule in rules {
            let target = match &rule.to {
                Audience::Role(n) | Audience::RoleAndSubordinates(n) => {
                    roles.get(n.as_str()).copied()
                }
                _ => None,
            };
            let mut bits = vec![false; users.len()];
            for (i, r) in user_roles.iter().enumerate() {
                bits[i] = matches!(rule.to, Audience::AllUsers) || (*r == target && r.is_some());
            }
            marked += bits.iter().filter(|b| **b).count();
        }
    }
    marked
}

fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> Vec<f64> {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![500, 1000, 2000, 4000]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    println!(
        "{:>6} {:>6} {:>6} {:>6} | {:>9} | {:>26} | {:>26} | {:>22} | {:>9}",
        "users",
        "roles",
        "groups",
        "rules",
        "load s",
        "who Leads ms min/med/max",
        "who all modules ms",
        "baseline all ms",
        "all/base"
    );
    for users in sizes {
        let sim = rt
            .block_on(
                Simulator::builder()
                    .org_size(users)
                    .record_exchanges(false)
                    .start(),
            )
            .expect("simulator");
        let client = Client::builder()
            .base_url(sim.api_domain())
            .access_token(sim.access_token())
            .build()
            .expect("client");
        let t = Instant::now();
        let model = rt
            .block_on(AccessModel::load(&client, Vec::<String>::new()))
            .expect("the model loads");
        let load = t.elapsed().as_secs_f64();
        let modules: Vec<String> = model.config().sharing_rules.keys().cloned().collect();
        let rules: usize = model.config().sharing_rules.values().map(Vec::len).sum();
        let d = model.directory();
        // Interleaved rounds: who for Leads, who for every module, the baseline.
        let mut leads = Vec::new();
        let mut all = Vec::new();
        let mut base = Vec::new();
        for _ in 0..rounds {
            leads.extend(time(1, || model.who("Leads").expect("who")));
            all.extend(time(1, || {
                modules
                    .iter()
                    .map(|m| model.who(m).expect("who").rules.len())
                    .sum::<usize>()
            }));
            base.extend(time(1, || baseline(&model)));
        }
        let (l0, l1, l2) = common::min_median_max(&leads);
        let (a0, a1, a2) = common::min_median_max(&all);
        let (b0, b1, b2) = common::min_median_max(&base);
        let ratios: Vec<f64> = all.iter().zip(&base).map(|(a, b)| a / b).collect();
        let (_, r1, _) = common::min_median_max(&ratios);
        println!(
            "{:>6} {:>6} {:>6} {:>6} | {:>9.2} | {:>8.2} {:>8.2} {:>8.2} | {:>8.1} {:>8.1} {:>8.1} | {:>6.2} {:>6.2} {:>6.2} | {:>9.1}",
            d.users.len(), d.roles.len(), d.groups.len(), rules, load, l0, l1, l2, a0, a1, a2, b0, b1, b2, r1
        );
        sim.shutdown();
    }
}
