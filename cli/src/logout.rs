//! `logout`: revoke the refresh token at Zoho (which ends every access token it minted), drop
//! its cached access tokens, and remove the profile's secrets file; then say what was done.
//!
//! With the `ZOHO_*` variables instead of a profile, the refresh token of
//! `ZOHO_REFRESH_TOKEN` is revoked and its cached tokens dropped; the variables themselves
//! are the user's to unset.

use clap::Args;
use secrecy::SecretString;
use serde_json::json;
use zoho_crm_access::auth::{store_key, Accounts};
use zoho_crm_access::DataCenter;

use crate::connect::{Credentials, GlobalArgs, Target};
use crate::login::profile_name;
use crate::output::Format;
use crate::{profile, terminal, CliError};

/// `logout`'s options.
#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Remove the local secrets even when Zoho cannot be reached to revoke the token (say so,
    /// and revoke it by hand under accounts.zoho.com > Sessions > Connected Apps).
    #[arg(long)]
    pub local_only: bool,
}

/// Runs `logout`.
pub async fn run(global: &GlobalArgs, args: &LogoutArgs) -> Result<(), CliError> {
    if global.simulator {
        return Err(CliError::Usage("--simulator has no login to end".into()));
    }
    let mut done: Vec<String> = Vec::new();
    let (target, profile) =
        if global.profile.is_some() || std::env::var_os("ZOHO_REFRESH_TOKEN").is_none() {
            let name = profile_name(global);
            let Some(found) = profile::existing(global, &name).await? else {
                return Err(CliError::Config(format!(
                    "no profile {name} to log out of (and no ZOHO_REFRESH_TOKEN)"
                )));
            };
            let (Some(client_id), Some(refresh)) =
                (found.client_id.clone(), found.refresh_token.clone())
            else {
                return Err(CliError::Config(format!(
                    "profile {name} holds no refresh token: it is logged out already"
                )));
            };
            let data_center = found
                .data_center
                .as_deref()
                .and_then(|d| d.parse::<DataCenter>().ok())
                .unwrap_or(DataCenter::Us);
            let target = Target {
                data_center,
                environment: Default::default(),
                api_domain: None,
                accounts_domain: found.accounts_domain.clone(),
                credentials: Credentials::Refresh {
                    client_id,
                    client_secret: found.client_secret.clone().unwrap_or_default(),
                    refresh_token: refresh,
                },
                cache_scope: format!("profile:{name}"),
                source: format!("profile {name}"),
            };
            (target, Some(name))
        } else {
            (Target::resolve(global).await?, None)
        };
    let Credentials::Refresh {
        client_id,
        refresh_token,
        ..
    } = &target.credentials
    else {
        return Err(CliError::Config(
            "an access token (ZOHO_ACCESS_TOKEN) is no login: it expires within the hour; \
             unset the variable"
                .into(),
        ));
    };
    let accounts = target.accounts_url();
    let revoked = match Accounts::with_timeout(&accounts, global.timeout) {
        Ok(a) => a.revoke(&SecretString::from(refresh_token.clone())).await,
        Err(e) => Err(e),
    };
    let revoked_ok = match revoked {
        Ok(()) => {
            done.push(format!(
                "revoked the refresh token at {accounts} (and with it every access token it \
                 minted)"
            ));
            true
        }
        Err(e) if args.local_only => {
            done.push(format!(
                "could not revoke the refresh token at {accounts} ({}): revoke it under \
                 accounts.zoho.com > Sessions > Connected Apps",
                terminal::escape(&e.to_string())
            ));
            false
        }
        Err(e) => {
            return Err(CliError::Zoho(zoho_crm_access::Error::token_store(
                format!(
                    "the refresh token of {} was not revoked, so nothing was removed (pass \
                     --local-only to remove the local secrets anyway)",
                    target.source
                ),
                e,
            )))
        }
    };
    if let Some(cache) = target.cache(global) {
        let key = store_key(client_id, &accounts, refresh_token);
        match cache.remove(&key).await {
            Ok(true) => done.push(format!(
                "removed its cached access token from {}",
                cache.path().display()
            )),
            Ok(false) => done.push("no cached access token of it to remove".into()),
            Err(e) => done.push(format!(
                "could not remove its cached access token: {}",
                terminal::escape(&e.to_string())
            )),
        }
    }
    match &profile {
        Some(name) => match profile::forget_secrets(global, name).await? {
            Some(file) => done.push(format!(
                "removed the secrets file {} (profile {name} keeps its data centre and client \
                 id: `zoho-access login --profile {name}` signs it in again)",
                file.display()
            )),
            None => done.push(format!("profile {name} had no secrets file to remove")),
        },
        None => done.push(
            "unset ZOHO_REFRESH_TOKEN and ZOHO_CLIENT_SECRET: the token they hold is dead".into(),
        ),
    }
    if matches!(global.output, Some(Format::Json | Format::Yaml)) {
        let doc = json!({ "profile": profile, "revoked": revoked_ok, "done": done });
        return crate::output::Printer::new(global.output.unwrap_or_default()).one(&doc);
    }
    let mut text = String::from("Logged out:\n");
    for line in done {
        text.push_str(&format!("- {line}\n"));
    }
    crate::output::write_stdout(&text)
}
