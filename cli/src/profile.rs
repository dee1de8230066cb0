//! Named profiles: one org each (data centre, environment, client id, endpoints), with the
//! secrets from environment variables the profile names, or from a file only its owner can
//! read. `--profile NAME` on any command; promotion is `pull --profile sandbox`, then
//! `apply --profile production`.
//!
//! The profiles file is `--config FILE`, else `$ZOHO_ACCESS_CONFIG`, else
//! `<config dir>/zoho-access/config.toml` (`$XDG_CONFIG_HOME` or `~/.config` on Linux,
//! `~/Library/Application Support` on macOS, `%APPDATA%` on Windows):
//!
//! ```toml
//! [profiles.sandbox]
//! data_center = "eu"
//! environment = "sandbox"
//! client_id = "1000.SANDBOXCLIENTID"
//! client_secret_env = "ZOHO_SANDBOX_CLIENT_SECRET"   # read from these variables
//! refresh_token_env = "ZOHO_SANDBOX_REFRESH_TOKEN"
//!
//! [profiles.production]
//! data_center = "eu"
//! client_id = "1000.PRODUCTIONCLIENTID"
//! secrets_file = "production.secrets"   # beside this file; mode 0600 or 0400, yours
//! ```
//!
//! A secrets file holds `client_secret` and `refresh_token` (or `access_token`) in TOML. The
//! tool refuses to read one that anyone but its owner may read, or that another user owns.
//! With a profile, the `ZOHO_*` credential variables are not read: a command meant for one
//! org never picks up another org's credentials from the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zoho_crm_access::{DataCenter, Environment};

use crate::connect::{Credentials, GlobalArgs, Target};
use crate::CliError;

/// The largest profiles or secrets file read.
const MAX_FILE: u64 = 64 * 1024;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One org's connection settings.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct Profile {
    /// us, eu, in, au, jp, ca, sa, cn (default us).
    data_center: Option<String>,
    /// production, sandbox or developer (default production).
    environment: Option<String>,
    /// The OAuth client id (not a secret).
    client_id: Option<String>,
    /// API calls go here instead of the data centre's API domain.
    api_domain: Option<String>,
    /// Tokens are refreshed here instead of the data centre's accounts server.
    accounts_domain: Option<String>,
    /// The environment variable holding the client secret.
    client_secret_env: Option<String>,
    /// The environment variable holding the refresh token.
    refresh_token_env: Option<String>,
    /// The environment variable holding an access token (instead of the refresh flow).
    access_token_env: Option<String>,
    /// A TOML file with `client_secret` and `refresh_token`, or `access_token`; relative
    /// paths are relative to the profiles file. Only its owner may read it.
    secrets_file: Option<PathBuf>,
}

/// The secrets of a profile. Never printed.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Secrets {
    client_secret: Option<String>,
    refresh_token: Option<String>,
    access_token: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

/// Where the profiles file is.
pub fn config_path(args: &GlobalArgs) -> Result<PathBuf, CliError> {
    if let Some(p) = &args.config {
        return Ok(p.clone());
    }
    dirs::config_dir()
        .map(|d| d.join("zoho-access").join("config.toml"))
        .ok_or_else(|| {
            CliError::Config(
                "cannot tell the user's config directory: pass --config FILE or set \
                 ZOHO_ACCESS_CONFIG"
                    .into(),
            )
        })
}

/// Reads a profiles or secrets file through the bounded input reader, at most [`MAX_FILE`]
/// bytes; a problem is a configuration error (exit 3).
async fn read_small(path: &Path, what: &str) -> Result<String, CliError> {
    let bytes = crate::input::read_limited(Some(path), MAX_FILE, &format!("a {what}"))
        .await
        .map_err(|e| match e {
            CliError::Usage(m) => CliError::Config(m),
            other => other,
        })?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Config(format!("the {what} {} is not UTF-8 text", path.display())))
}

/// Refuses a secrets file that anyone but its owner may read, or that another user owns.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::Config(format!(
            "cannot read the secrets file {}: {e}",
            path.display()
        ))
    })?;
    if !meta.is_file() {
        return Err(CliError::Config(format!(
            "the secrets file {} is not a regular file",
            path.display()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CliError::Config(format!(
            "refusing to read the secrets file {}: its mode is {mode:04o}, so others may read \
             it; only its owner may (chmod 600 {})",
            path.display(),
            path.display()
        )));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(CliError::Config(format!(
            "refusing to read the secrets file {}: it belongs to user {}, not to you ({me})",
            path.display(),
            meta.uid()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(path: &Path) -> Result<(), CliError> {
    Err(CliError::Config(format!(
        "secrets files ({}) are read on Unix only, where their permissions can be checked; \
         name environment variables in the profile instead (client_secret_env, \
         refresh_token_env)",
        path.display()
    )))
}

fn env_secret(var: &Option<String>, profile: &str, key: &str) -> Result<Option<String>, CliError> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_owned())),
        _ => Err(CliError::Config(format!(
            "profile {profile}: {key} names the environment variable {var}, which is not set"
        ))),
    }
}

/// Where profile `name` connects and as whom; [`Session::open`](crate::connect::Session::open)
/// builds the client from it as from the `ZOHO_*` variables.
pub async fn target(args: &GlobalArgs, name: &str) -> Result<Target, CliError> {
    let path = config_path(args)?;
    let text = read_small(&path, "profiles file").await?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        CliError::Config(format!(
            "the profiles file {} is not valid: {}",
            path.display(),
            e.to_string().replace('\n', " ")
        ))
    })?;
    let Some(profile) = file.profiles.get(name) else {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        return Err(CliError::Config(format!(
            "no profile {name:?} in {} (it has: {})",
            path.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    let mut secrets = Secrets::default();
    if let Some(file) = &profile.secrets_file {
        let file = match file.is_relative() {
            true => path.parent().unwrap_or(Path::new(".")).join(file),
            false => file.clone(),
        };
        check_private(&file)?;
        secrets = toml::from_str(&read_small(&file, "secrets file").await?).map_err(|_| {
            // The parser's message may quote the file: say where, not what.
            CliError::Config(format!(
                "the secrets file {} is not TOML with client_secret and refresh_token (or \
                 access_token)",
                file.display()
            ))
        })?;
    }
    let credentials = Credentials::choose(
        env_secret(&profile.access_token_env, name, "access_token_env")?.or(secrets.access_token),
        profile.client_id.clone(),
        env_secret(&profile.client_secret_env, name, "client_secret_env")?
            .or(secrets.client_secret),
        env_secret(&profile.refresh_token_env, name, "refresh_token_env")?
            .or(secrets.refresh_token),
    )
    .map_err(|missing| {
        CliError::Config(format!(
            "profile {name} has no usable credentials ({} missing): sign it in with \
             `zoho-access login --profile {name}`, or give client_id, and the client secret \
             and refresh token through client_secret_env and refresh_token_env or a \
             secrets_file (or an access token through access_token_env or the secrets file)",
            missing
                .named(["client_id", "client secret", "refresh token"])
                .join(", ")
        ))
    })?;
    let data_center: DataCenter = profile
        .data_center
        .as_deref()
        .unwrap_or("us")
        .parse()
        .map_err(|e: zoho_crm_access::Error| CliError::Config(format!("profile {name}: {e}")))?;
    let environment: Environment = profile
        .environment
        .as_deref()
        .unwrap_or("production")
        .parse()
        .map_err(|e: zoho_crm_access::Error| CliError::Config(format!("profile {name}: {e}")))?;
    tracing::info!("profile {name} from {}", path.display());
    let source = match (&credentials, &profile.secrets_file) {
        (Credentials::Token(_), _) => format!("profile {name}'s access token"),
        (Credentials::Refresh { .. }, Some(f)) => format!(
            "profile {name} (the refresh flow, secrets from {})",
            f.display()
        ),
        (Credentials::Refresh { .. }, None) => format!("profile {name} (the refresh flow)"),
    };
    Ok(Target {
        source,
        data_center,
        environment,
        api_domain: profile.api_domain.clone(),
        accounts_domain: profile.accounts_domain.clone(),
        credentials,
        cache_scope: format!("profile:{name}"),
    })
}

/// What `login` keeps of a profile it is about to replace, and `logout` needs.
pub struct Existing {
    pub client_id: Option<String>,
    /// The profile's secrets file, resolved against the profiles file.
    pub secrets_file: Option<PathBuf>,
    /// The refresh token and client secret, when the secrets file holds them.
    pub refresh_token: Option<String>,
    pub client_secret: Option<String>,
    pub accounts_domain: Option<String>,
    pub data_center: Option<String>,
    pub environment: Option<String>,
    pub api_domain: Option<String>,
}

/// The profiles file as a TOML table (empty when there is none).
async fn table(path: &Path) -> Result<toml::Table, CliError> {
    if !path.exists() {
        return Ok(toml::Table::new());
    }
    let text = read_small(path, "profiles file").await?;
    text.parse::<toml::Table>().map_err(|e| {
        CliError::Config(format!(
            "the profiles file {} is not valid: {}",
            path.display(),
            e.to_string().replace('\n', " ")
        ))
    })
}

/// The profiles file as the user wrote it, comments and layout included, for changing one
/// profile in it; a new one starts with a line saying what it is.
async fn document(path: &Path) -> Result<toml_edit::DocumentMut, CliError> {
    let text = match path.exists() {
        true => read_small(path, "profiles file").await?,
        false => "# zoho-access profiles (`zoho-access login` writes the profiles it signs in)\n"
            .to_owned(),
    };
    text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        CliError::Config(format!(
            "the profiles file {} is not valid: {}",
            path.display(),
            e.to_string().replace('\n', " ")
        ))
    })
}

/// The error for a key of the profiles file that should be a table and is not.
fn not_a_table(path: &Path, key: &str) -> CliError {
    CliError::Config(format!(
        "the profiles file {}: `{key}` is not a table",
        path.display()
    ))
}

/// Sets `key` to the string `text`, keeping the comments and spacing around the value it
/// replaces.
fn set_keeping_comments(table: &mut dyn toml_edit::TableLike, key: &str, text: String) {
    let mut value = toml_edit::Value::from(text);
    match table.get_mut(key) {
        Some(toml_edit::Item::Value(old)) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        _ => {
            table.insert(key, toml_edit::Item::Value(value));
        }
    }
}

/// Profile `name` as it is now, if the profiles file has it.
pub async fn existing(args: &GlobalArgs, name: &str) -> Result<Option<Existing>, CliError> {
    let path = config_path(args)?;
    let table = table(&path).await?;
    let Some(profile) = table
        .get("profiles")
        .and_then(|p| p.get(name))
        .and_then(|p| p.as_table())
    else {
        return Ok(None);
    };
    let text = |k: &str| profile.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let secrets_file = text("secrets_file").map(|f| {
        let f = PathBuf::from(f);
        match f.is_relative() {
            true => path.parent().unwrap_or(Path::new(".")).join(f),
            false => f,
        }
    });
    let mut secrets = Secrets::default();
    if let Some(file) = secrets_file.as_ref().filter(|f| f.exists()) {
        check_private(file)?;
        secrets = toml::from_str(&read_small(file, "secrets file").await?).unwrap_or_default();
    }
    Ok(Some(Existing {
        client_id: text("client_id"),
        secrets_file,
        refresh_token: secrets.refresh_token,
        client_secret: secrets.client_secret,
        accounts_domain: text("accounts_domain"),
        data_center: text("data_center"),
        environment: text("environment"),
        api_domain: text("api_domain"),
    }))
}

/// What `login` writes into a profile (no secret: those go to the secrets file).
pub struct LoginProfile<'a> {
    pub data_center: DataCenter,
    pub environment: Environment,
    pub client_id: &'a str,
    pub api_domain: Option<&'a str>,
    pub accounts_domain: Option<&'a str>,
}

/// Creates the directory of `path` (owner-only where it is new).
fn create_parent(path: &Path) -> Result<(), CliError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| {
        CliError::Config(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })
}

/// Writes `text` to `path` at once: a new owner-only file beside it (0600 on Unix), renamed
/// over it, so no reader ever sees half of it and no one else may read it at any moment.
fn write_private(path: &Path, text: &str, what: &str) -> Result<(), CliError> {
    use std::io::Write;
    create_parent(path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        CliError::Config(format!("cannot write the {what} {}: {e}", path.display()))
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".zoho-access-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Saves profile `name` after a login: its settings in the profiles file (the other profiles,
/// comments and layout kept as they are) and its client secret and refresh token in
/// `<name>.secrets` beside it, readable by its owner only. Returns the paths of both.
pub async fn save_login(
    args: &GlobalArgs,
    name: &str,
    profile: &LoginProfile<'_>,
    client_secret: &str,
    refresh_token: &str,
) -> Result<(PathBuf, PathBuf), CliError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(CliError::Usage(format!(
            "profile name {name:?}: use letters, digits, - and _ (at most 64)"
        )));
    }
    let path = config_path(args)?;
    let secrets_name = format!("{name}.secrets");
    let secrets_path = path.parent().unwrap_or(Path::new(".")).join(&secrets_name);
    let mut secrets = toml::Table::new();
    secrets.insert("client_secret".into(), client_secret.into());
    secrets.insert("refresh_token".into(), refresh_token.into());
    write_private(
        &secrets_path,
        &toml::to_string(&secrets).unwrap_or_default(),
        "secrets file",
    )?;

    let mut doc = document(&path).await?;
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or_else(|| not_a_table(&path, "profiles"))?;
    let mut settings = vec![
        (
            "data_center",
            profile.data_center.to_string().to_ascii_lowercase(),
        ),
        ("environment", profile.environment.to_string()),
        ("client_id", profile.client_id.to_owned()),
    ];
    settings.extend(profile.api_domain.map(|d| ("api_domain", d.to_owned())));
    settings.extend(
        profile
            .accounts_domain
            .map(|d| ("accounts_domain", d.to_owned())),
    );
    settings.push(("secrets_file", secrets_name));
    if profiles.get(name).is_none() {
        profiles.insert(name, toml_edit::Item::Table(toml_edit::Table::new()));
    }
    let entry = profiles
        .get_mut(name)
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| not_a_table(&path, &format!("profiles.{name}")))?;
    // The profile is what this login says, and nothing else (a key left from before, such
    // as client_secret_env, would win over the new secrets file); a key it keeps keeps its
    // place and its comments.
    let stale: Vec<String> = entry
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| !settings.iter().any(|(key, _)| key == k))
        .collect();
    for key in stale {
        entry.remove(&key);
    }
    for (key, text) in settings {
        set_keeping_comments(entry, key, text);
    }
    let text = doc.to_string();
    write_private(&path, &text, "profiles file")?;
    Ok((path, secrets_path))
}

/// Logging out of profile `name`: removes its secrets file and the profile's reference to it
/// (its data centre and client id stay, for the next login). The secrets file removed, if
/// there was one.
pub async fn forget_secrets(args: &GlobalArgs, name: &str) -> Result<Option<PathBuf>, CliError> {
    let path = config_path(args)?;
    let Some(found) = existing(args, name).await? else {
        return Ok(None);
    };
    let mut doc = document(&path).await?;
    if let Some(p) = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(name))
        .and_then(toml_edit::Item::as_table_like_mut)
    {
        p.remove("secrets_file");
    }
    write_private(&path, &doc.to_string(), "profiles file")?;
    match found.secrets_file {
        Some(file) if file.exists() => {
            std::fs::remove_file(&file).map_err(|e| {
                CliError::Config(format!(
                    "cannot remove the secrets file {}: {e}",
                    file.display()
                ))
            })?;
            Ok(Some(file))
        }
        _ => Ok(None),
    }
}
