//! `zoho-access simulator`: the built-in simulated org as a long-running local server.

use clap::Args;
use secrecy::ExposeSecret;
use serde_json::json;
use zoho_crm_access::simulator::Simulator;

use crate::output::write_stdout;
use crate::CliError;

/// Options of `zoho-access simulator`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (default: any free port; the JSON line names it).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Which org to simulate: every org seed has the same names (modules, fields, roles,
    /// groups, profiles, users) with different ids and credentials; 0 is the default org.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub org_seed: u64,
}

/// Starts the simulator, prints how to reach it, and serves until the process is interrupted.
pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let sim = Simulator::builder()
        .port(args.port)
        .org_seed(args.org_seed)
        // A long-running server keeps no exchange log.
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
        "org_seed": args.org_seed,
    });
    write_stdout(&info.to_string())?;
    eprintln!(
        "simulated Zoho CRM org at {} (Ctrl-C to stop); try: ZOHO_ACCESS_TOKEN=<access_token> zoho-access --api-domain {} org-permissions get",
        sim.api_domain(),
        sim.api_domain()
    );
    std::future::pending::<()>().await;
    Ok(())
}
