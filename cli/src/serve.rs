//! `zoho-access simulator`: the built-in simulated org as a long-running local server.

use std::time::Duration;

use clap::Args;
use secrecy::ExposeSecret;
use serde_json::json;
use zoho_crm_access_simulator::Simulator;

use crate::output::write_stdout;
use crate::CliError;

/// Options of `zoho-access simulator`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (default: any free port; the JSON line names it).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 512, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,
    /// Seconds a client has to send a complete request head (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout: u64,
    /// Which org to simulate: every org seed has the same names (modules, fields, roles,
    /// groups, profiles, users) with different ids and credentials; 0 is the default org.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub org_seed: u64,
    /// Grow the org by a large one of N users (about N*3/20 roles, N/20 groups, N/4 sharing
    /// rules, twelve profiles whose module permissions differ); the same N gives the same
    /// org. 0: the small org alone.
    #[arg(long, value_name = "USERS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=50_000))]
    pub org_size: u32,
}

/// Starts the simulator, prints how to reach it, and serves until the process is interrupted.
pub async fn run(args: &ServeArgs) -> Result<(), CliError> {
    let sim = Simulator::builder()
        .port(args.port)
        .max_connections(args.max_connections as usize)
        .header_read_timeout(Duration::from_secs(args.header_read_timeout))
        .org_seed(args.org_seed)
        .org_size(args.org_size as usize)
        // A long-running server keeps no exchange log (the control surface's request log is a
        // bounded ring).
        .record_exchanges(false)
        .start()
        .await
        .map_err(|e| {
            CliError::Other(format!(
                "cannot start the simulator on port {}: {e}",
                args.port
            ))
        })?;
    let creds = sim.credentials();
    // These are the simulator's own throwaway credentials, printed on request so that other
    // programs can use them; they open nothing but this local process.
    let info = json!({
        "api_domain": sim.api_domain(),
        "api_base": sim.base_url(),
        "accounts_url": sim.accounts_url(),
        "token_url": sim.token_url(),
        "access_token": sim.access_token(),
        "client_id": creds.client_id,
        "client_secret": creds.client_secret.expose_secret(),
        "refresh_token": creds.refresh_token.expose_secret(),
        "control_url": sim.control_url(),
        "control_token": sim.control_token(),
        "org_seed": args.org_seed,
        "org_size": args.org_size,
    });
    write_stdout(&info.to_string())?;
    eprintln!("{}", usage(&sim));
    std::future::pending::<()>().await;
    Ok(())
}

/// The text on stderr: where things are and one example of each kind of use.
fn usage(sim: &Simulator) -> String {
    let domain = sim.api_domain();
    let control = sim.control_url();
    format!(
        "simulated Zoho CRM org at {domain} (Ctrl-C to stop); the JSON line on stdout has every value below.
  API:      {domain}/crm/v8/...   with  Authorization: Zoho-oauthtoken <access_token>
  tokens:   POST {domain}/oauth/v2/token   (grant_type=refresh_token with the printed credentials)
  control:  {control}/...   with  Authorization: Bearer <control_token>   (loopback only; simulator/spec/simulator-control.yaml)
  try:      ZOHO_ACCESS_TOKEN=<access_token> zoho-access --api-domain {domain} org-permissions get
  faults:   curl -X POST {control}/faults -H 'Authorization: Bearer <control_token>' \\
              -H 'Content-Type: application/json' \\
              -d '{{\"match\": {{\"operation\": \"getOrgPermissions\"}}, \"times\": 1, \"fault\": {{\"type\": \"too_many_requests\", \"retry_after\": 2}}}}'
  received: curl {control}/requests -H 'Authorization: Bearer <control_token>'
  also:     GET {control} lists every endpoint (reset, seed, settings, tokens, state, stats)"
    )
}
