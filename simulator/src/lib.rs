#![warn(missing_docs)]
//! An in-process, stateful stand-in for Zoho CRM's access-control settings APIs on loopback.
//!
//! [`Simulator::start`] binds `127.0.0.1` on a free port and serves all 41 operations of the spec
//! (record locking configurations, per-record locks, data sharing rules, default organization
//! permissions and the read-only directory of roles, user groups, profiles, modules, fields and
//! users) with Zoho's
//! documented validation, error codes and body shapes, plus the Zoho Accounts token endpoint for
//! the refresh-token flow. It starts with a realistic org: modules with ids and fields, a role
//! hierarchy, groups with members, profiles with permissions, users with roles, profiles and
//! e-mail addresses, custom buttons and default share types, and a few records with field
//! values in each module that supports record locking (see [`Simulator::records`]).
//! [`SimulatorBuilder::org_seed`] starts another org with the same names and different ids.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use zoho_crm_access::enums::ShareType;
//! use zoho_crm_access_simulator::{Fault, Simulator};
//!
//! let sim = Simulator::start().await?;
//! let client = sim.client()?; // a zoho_crm_access::Client for this simulator
//! client.org_permissions().set_share_type("Leads", ShareType::Private).await?;
//! assert_eq!(sim.state().org_permissions["Leads"], "private");
//!
//! // The next call is throttled: the client waits as Retry-After says and tries again.
//! sim.fail_next(1, Fault::TooManyRequests { retry_after: Some(1) });
//! let permissions = client.org_permissions().get().await?;
//! assert!(!permissions.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! Requests go to `{api_domain}/crm/v8/settings/...` (record locks to
//! `{api_domain}/crm/v8/{module}/{record_id}/Locking_Information__s`); tokens come from
//! `{accounts_url}/oauth/v2/token`. Both are served by the same listener.
//!
//! What it enforces, as Zoho documents it:
//!
//! * `Authorization: Zoho-oauthtoken <token>` on every call (`401 AUTHENTICATION_FAILURE` without
//!   it, `INVALID_TOKEN` for an unknown or expired token, `OAUTH_SCOPE_MISMATCH` for a token
//!   issued with [`Simulator::issue_access_token`] that lacks the operation's scope).
//! * Record locking: `module` required and supported, one configuration per module
//!   (`LIMIT_EXCEEDED`), at most five locking rules, unique rule names and criteria, the
//!   dependent keys, excluded fields/profiles/buttons checked against the org, rule add /
//!   change / `_delete` on update, 204 when nothing is configured.
//! * Record locks: the module's configuration is required (400 `NOT_ALLOWED`, index 2, also
//!   for a module without record locking support), then the record (400 `INVALID_DATA`
//!   index 1; an unknown module is 400 `INVALID_MODULE` index 0); `fields` required on the
//!   list; a lock id that is not digits is 404 `INVALID_URL_PATTERN`, one of nothing 204 on
//!   the read and 400 `INVALID_DATA` "relation not found" (index 3) on the update and the
//!   unlock; `Locked_Reason__s` required (`MANDATORY_NOT_FOUND` wrapped under `data`) and at
//!   most 3,000 characters; manual locks need `lock_type` `manual` or `both` (else 403
//!   `NOT_ALLOWED`); a locked record cannot be locked again; an automatic lock can be neither
//!   unlocked nor given a reason (403 `NOT_ALLOWED`). Automatic locking rules lock the
//!   records that match them, and deleting the configuration unlocks every record of the
//!   module (see [Records and locks](#records-and-locks)).
//! * Sharing rules: one rule per create or update, `status` refused, owner-based vs
//!   criteria-based mandatory keys, role/group ids checked against their type, unique names per
//!   module, criteria fields checked against the module's field catalogue, paging with `info`,
//!   activate/deactivate, search and summary filters, re-run, `CANNOT_PROCESS` while computing.
//! * Organization permissions: 1 to 100 items, share types and module ids checked, per-item
//!   errors (`207` when some items fail, `400` when all do).
//! * The directory: `GET /org` with the hierarchy preference; the documented query parameters (paging of groups, sources, profiles and
//!   users; `type` of users, `CurrentUser` included; `filters`, `include`, `status`), 204 where
//!   Zoho documents one, malformed ids as `INVALID_DATA`, and the directory scopes
//!   (`ZohoCRM.settings.roles.READ`, ..., `ZohoCRM.users.READ`, their `.ALL`, and
//!   `ZohoCRM.settings.ALL` for the settings ones). Tokens the simulator mints carry every
//!   scope unless issued with fewer.
//! * Request-level problems use the flat error shape, body problems the shape wrapped under the
//!   family's key; malformed JSON is `400 INVALID_DATA`.
//!
//! Every exchange is kept for [`Simulator::recordings`] in the project's recording format.
//!
//! # Records and locks
//!
//! Every module that supports record locking starts with 5 to 8 records (Deals in several
//! stages, two of them `Closed Won`; Leads with cities and states; ...): the same names and
//! field values in every org seed, ids from the org seed. Tests add more (at most 10,000 per
//! module, 20,000 in all) and change field values through [`Simulator::add_records`],
//! [`Simulator::set_record_fields`] or the control surface. A record holds at most one lock.
//!
//! Where Zoho's documents leave a question open, the simulator chooses:
//!
//! * A record has at most one lock entry, so `Lock_Source__s` is never `Both`: a record that
//!   is locked manually is not locked again by a rule, and locking an automatically locked
//!   record answers "record is already locked".
//! * Automatic locks follow the configuration: a rule locks records only while `lock_type` is
//!   `automatic` or `both`. Saving a configuration releases every automatic lock whose rule
//!   was removed, no longer counts or no longer matches the record, then each rule added or
//!   changed by that save (or every rule, when the save turned automatic locking on) with
//!   `lock_existing_records` true locks the unlocked records it matches. A record added or
//!   changed is locked by the first rule it matches, whatever `lock_existing_records` says
//!   (Zoho locks records "on creating or updating"), and its automatic lock is released when
//!   it stops matching the rule (open question 4 of the facts).
//! * Changing `lock_type` to `automatic` keeps the manual locks there are; only new manual
//!   locks are refused. Changing it to `manual` releases the automatic locks.
//! * Deleting the configuration (either delete operation) unlocks every record of the module,
//!   manual and automatic locks alike (the seed).
//! * Anyone may unlock a manual lock (who may is not documented); `NO_PERMISSION` comes only
//!   from [`Simulator::set_no_permission`].
//! * A too long `Locked_Reason__s` is 400 `INVALID_DATA` wrapped under `data` with
//!   `maximum_length` 3000, like the other body errors of the families (the spec names no
//!   error for it). Keys of the body item other than `Locked_Reason__s` are ignored.
//! * `fields` selects the keys of each entry: `id` and the record meta keys (`$editable`,
//!   `$sharing_permission`, `$field_states`, `$zia_visions`) always come, names the entry
//!   does not have (`Owner`, `Parent_Id`) are ignored; the read by id without `fields`
//!   returns every key. The list carries `info` (one page), the read by id does not.
//! * Criteria are evaluated on the record's field values: `equal` / `not_equal` (a value or a
//!   list of values, any of which matches), `contains`, `not_contains`, `starts_with`,
//!   `ends_with` (text, without regard to case), `less_than`, `less_equal`, `greater_than`,
//!   `greater_equal` (numbers as numbers, other text in its order, which is date order for
//!   ISO dates), `between` / `not_between` (two inclusive bounds), groups with `AND` / `OR`.
//!   A field without a value equals only null or `""` and meets no other comparator but the
//!   negated ones; `Owner` compares the owner's user id. Not supported: Zoho's placeholder
//!   values such as `${EMPTY}`, and comparators the spec does not list (`in`, `not_in`).
//!
//! # A server that holds up
//!
//! Other teams point their clients at `zoho-access simulator`, so it defends itself like a
//! server: the `Authorization` header is checked before a request body is read (an
//! unauthenticated upload costs one request head, and the connection is closed); a body larger
//! than 8 MiB is answered `413` (from `Content-Length` alone when it is declared); all bodies
//! being read at once share a 64 MiB budget; at most
//! [`max_connections`](SimulatorBuilder::max_connections) connections are served at once (more
//! wait in the listen backlog); a connection that does not deliver a complete request head
//! within the [header-read timeout](SimulatorBuilder::header_read_timeout) (which also bounds
//! how long an idle keep-alive connection stays open), or moves no byte for the
//! [idle timeout](SimulatorBuilder::idle_timeout) while nothing is being answered, is closed;
//! access tokens expire and at most 30 minted by the refresh grant live at once, as Zoho
//! Accounts documents. [`Simulator::stats`] shows the figures.
//!
//! # The control surface
//!
//! Under `/__simulator/...` the same listener serves JSON endpoints for test suites in any
//! language (described by `simulator/spec/simulator-control.yaml`): inject faults into the next N requests
//! that match a method, path or operation; seed sharing rules and system-defined locking
//! configurations; list, add and change records; flip org switches; issue or expire tokens;
//! read the requests received; reset. Each request needs `Authorization: Bearer` [`Simulator::control_token`] and a loopback
//! peer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! # use zoho_crm_access_simulator::Simulator;
//! use zoho_crm_access::operations::Operation;
//!
//! let sim = Simulator::start().await?;
//! let http = reqwest::Client::new();
//! // One 429 with Retry-After: 1 for the next read of the org permissions.
//! let added = http
//!     .post(format!("{}/faults", sim.control_url()))
//!     .bearer_auth(sim.control_token())
//!     .json(&serde_json::json!({
//!         "match": { "operation": Operation::GetOrgPermissions.id() },
//!         "times": 1,
//!         "fault": { "type": "too_many_requests", "retry_after": 1 }
//!     }))
//!     .send()
//!     .await
//!     .expect("loopback");
//! assert_eq!(added.status(), 201);
//! # Ok(())
//! # }
//! ```

mod auth;
mod catalogue;
mod connection;
mod control;
mod criteria;
mod directory;
mod faults;
mod ids;
mod large_org;
mod org;
mod org_permissions;
mod received;
mod record_locking;
mod record_locks;
mod records;
mod responses;
mod server;
mod sharing_rules;
mod state;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::FixedOffset;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use catalogue::{
    CustomButton, FieldInfo, GroupDetails, GroupMember, ModuleInfo, NamedItem, OrgDirectory,
    PermissionInfo, ProfileDetails, RoleDetails, UserDetails,
};
pub use faults::Fault;
pub use records::{NewRecord, RecordInfo};
pub use state::StateSnapshot;

use connection::{ConnCounters, Limits};
use server::{Config, Shared};

/// Credentials for the refresh-token flow against the simulator's accounts endpoint.
///
/// `Debug` shows the client id only; the secret and the refresh token stay hidden.
#[derive(Clone)]
pub struct Credentials {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
    /// Refresh token.
    pub refresh_token: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}

/// A seeding request the simulator could not honour (unknown or unsupported module, ...).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("simulator: {0}")]
pub struct SeedError(String);

/// Options for a [`Simulator`]; see [`Simulator::builder`].
#[derive(Clone, Debug)]
pub struct SimulatorBuilder {
    seed: u64,
    org_seed: u64,
    token_lifetime: Duration,
    utc_offset_seconds: i32,
    sharing_rule_limit: usize,
    org_size: usize,
    record: bool,
    enforce_token_quota: bool,
    port: u16,
    max_connections: usize,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    body_read_timeout: Duration,
    max_live_tokens: usize,
    org_type: String,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            seed: 0x2007_c0de,
            org_seed: 0,
            token_lifetime: Duration::from_secs(3600),
            utc_offset_seconds: 5 * 3600 + 1800,
            sharing_rule_limit: 100,
            org_size: 0,
            record: true,
            enforce_token_quota: false,
            port: 0,
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_live_tokens: 30,
            org_type: "Production".into(),
        }
    }
}

impl SimulatorBuilder {
    /// Seed for ids and tokens: the same seed gives the same org ids (default: fixed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Which org to simulate: every org seed has the same modules, fields, roles, groups,
    /// profiles, users and custom buttons, by the same names (and users by the same e-mail
    /// addresses), with different ids and credentials, as a sandbox and its production org
    /// do. Org seed 0 (the default) is the org the simulator has always started with.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use zoho_crm_access_simulator::Simulator;
    ///
    /// let sandbox = Simulator::builder().org_seed(1).start().await?;
    /// let production = Simulator::builder().org_seed(2).start().await?;
    /// assert_ne!(sandbox.role_id("Manager"), production.role_id("Manager"));
    /// assert!(production.role_id("Manager").is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn org_seed(mut self, org_seed: u64) -> Self {
        self.org_seed = org_seed;
        self
    }

    /// Lifetime of issued access tokens (`expires_in`; default one hour, as Zoho).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The org's UTC offset in seconds, used in `created_time`/`modified_time` (default +05:30).
    pub fn utc_offset_seconds(mut self, seconds: i32) -> Self {
        self.utc_offset_seconds = seconds;
        self
    }

    /// Sharing rules allowed per module before "Module limit exceeded" (default 100).
    pub fn sharing_rule_limit(mut self, limit: usize) -> Self {
        self.sharing_rule_limit = limit;
        self
    }

    /// Grow the org by a large one of `users` users (default 0: the small org alone): below
    /// its CEO, `users * 3 / 20` roles in a tree, `users / 20` groups (users, a role with or
    /// without subordinates, an earlier group nested), twelve custom profiles whose module
    /// permissions differ, and `users / 4` sharing rules over the modules that have them
    /// (owner-based and criteria-based; to roles, roles and subordinates, groups, all
    /// users). Users are `user00001@example.com` and on; every 50th is inactive; each
    /// reports to the first user of the role above. The same size gives the same org.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use zoho_crm_access_simulator::Simulator;
    ///
    /// let sim = Simulator::builder().org_size(200).start().await?;
    /// assert!(sim.directory().users.len() > 200);
    /// assert_eq!(sim.state().sharing_rules.values().map(Vec::len).sum::<usize>(), 50);
    /// # Ok(())
    /// # }
    /// ```
    pub fn org_size(mut self, users: usize) -> Self {
        self.org_size = users;
        self
    }

    /// Keep API exchanges for [`Simulator::recordings`] (default on; the first 10,000 are kept).
    pub fn record_exchanges(mut self, record: bool) -> Self {
        self.record = record;
        self
    }

    /// Enforce Zoho Accounts' quota of 10 access tokens per refresh token per 10 minutes
    /// (default off).
    pub fn enforce_token_quota(mut self, enforce: bool) -> Self {
        self.enforce_token_quota = enforce;
        self
    }

    /// Port to listen on (default 0: any free port). The simulator only ever binds 127.0.0.1.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Connections served at once (default 512; at least 1). Further connections wait in the
    /// listen backlog until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Time a client has to send a complete request head, counted from when the server starts
    /// waiting for one: on a new connection, and after each answer on a keep-alive connection,
    /// so it is also the keep-alive idle limit (default 10 s). Then the connection is closed.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// A connection that moves no byte for this long while none of its requests is being
    /// handled is closed, e.g. a client that stopped reading an answer (default 30 s; never
    /// shorter than the [header-read timeout](Self::header_read_timeout)).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Time to receive a whole request body once its head is in (default 30 s); then `408`
    /// and the connection closes.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Live access tokens minted by the refresh grant kept at once; the oldest is dropped when
    /// a new one is minted past it (default 30, as Zoho Accounts documents per refresh token).
    /// The initial [`Simulator::access_token`] is never dropped this way.
    pub fn max_live_tokens(mut self, max: usize) -> Self {
        self.max_live_tokens = max.max(1);
        self
    }

    /// The org's environment as `GET /org` names it in `type`: `Production` (the default),
    /// `Sandbox` or `Developer`, as Zoho's OpenAPI file spells them.
    pub fn org_type(mut self, org_type: &str) -> Self {
        self.org_type = org_type.to_owned();
        self
    }

    /// Binds `127.0.0.1` (on a free port unless [`port`](Self::port) says otherwise) and starts
    /// serving on the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let api_domain = format!("http://{addr}");
        let offset = FixedOffset::east_opt(self.utc_offset_seconds)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
        let config = Config {
            seed: org_seed_mix(self.seed, self.org_seed),
            offset,
            sharing_rule_limit: self.sharing_rule_limit,
            org_size: self.org_size,
            token_lifetime: self.token_lifetime,
            enforce_token_quota: self.enforce_token_quota,
            max_live_tokens: self.max_live_tokens,
            record: self.record,
            org_type: self.org_type,
        };
        let shared = Arc::new(Shared {
            inner: Mutex::new(config.fresh()),
            api_domain,
            config,
            limits: Limits::new(
                self.max_connections,
                self.header_read_timeout,
                self.idle_timeout,
                self.body_read_timeout,
            ),
            counters: ConnCounters::default(),
            control_token: control_token(),
        });
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, shared.clone(), rx));
        Ok(Simulator {
            shared,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// The seed of ids and credentials for `org_seed` (0 keeps `seed` as it is).
fn org_seed_mix(seed: u64, org_seed: u64) -> u64 {
    if org_seed == 0 {
        return seed;
    }
    // splitmix64 of the org seed, so neighbouring org seeds give unrelated ids.
    let mut z = org_seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    seed ^ z ^ (z >> 31)
}

/// A running simulated Zoho CRM org on loopback. Stops when dropped (or on [`shutdown`]).
///
/// [`shutdown`]: Simulator::shutdown
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("api_domain", &self.shared.api_domain)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Starts a simulator with the default options (see [`SimulatorBuilder`]).
    pub async fn start() -> std::io::Result<Simulator> {
        Self::builder().start().await
    }

    /// Options for a simulator.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// A [`zoho_crm_access::Client`] for this simulator: its API domain and accounts server,
    /// and its access token (every scope). The one line from a simulator to a client:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = zoho_crm_access_simulator::Simulator::start().await?;
    /// let client = sim.client()?;
    /// let permissions = client.org_permissions().get().await?;
    /// assert!(!permissions.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The same by hand: `Client::builder().base_url(sim.api_domain())` (the builder's
    /// `base_url` takes the API domain, not [`Simulator::base_url`]),
    /// `.accounts_url(sim.accounts_url()).access_token(sim.access_token()).build()`.
    pub fn client(&self) -> Result<zoho_crm_access::Client, zoho_crm_access::Error> {
        zoho_crm_access::Client::builder()
            .base_url(self.api_domain())
            .accounts_url(self.accounts_url())
            .access_token(self.access_token())
            .build()
    }

    /// `http://127.0.0.1:PORT`: the API is at `{api_domain}/crm/v8/...`. What
    /// `zoho_crm_access::ClientBuilder::base_url` takes (or use [`Simulator::client`]).
    pub fn api_domain(&self) -> String {
        self.shared.api_domain.clone()
    }

    /// `{api_domain}/crm/v8`, the server URL of the spec (for the generated client
    /// `zoho_crm_access::raw` and for plain HTTP). Not what `ClientBuilder::base_url` takes:
    /// that is [`Simulator::api_domain`].
    pub fn base_url(&self) -> String {
        format!("{}/crm/v8", self.shared.api_domain)
    }

    /// The accounts server (`http://127.0.0.1:PORT`); tokens at `{accounts_url}/oauth/v2/token`.
    pub fn accounts_url(&self) -> String {
        self.shared.api_domain.clone()
    }

    /// The full token URL, `{accounts_url}/oauth/v2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/token", self.shared.api_domain)
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A valid access token with every scope (until [`expire_access_tokens`]).
    ///
    /// [`expire_access_tokens`]: Simulator::expire_access_tokens
    pub fn access_token(&self) -> String {
        self.shared.lock().auth.initial_token.clone()
    }

    /// Client id, client secret and refresh token accepted by the accounts endpoint.
    pub fn credentials(&self) -> Credentials {
        let inner = self.shared.lock();
        Credentials {
            client_id: inner.auth.client_id.clone(),
            client_secret: SecretString::from(inner.auth.client_secret.clone()),
            refresh_token: SecretString::from(inner.auth.refresh_token.clone()),
        }
    }

    /// A new access token limited to `scopes` (e.g. `ZohoCRM.settings.data_sharing.READ`);
    /// other operations answer `401 OAUTH_SCOPE_MISMATCH`.
    pub fn issue_access_token(&self, scopes: &[&str]) -> String {
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared.lock().auth.mint(Some(scopes))
    }

    /// A grant code for `scopes`, as the API console's Self Client makes one ("Generate
    /// Code"): exchanged once at the token endpoint (`grant_type=authorization_code`, no
    /// `redirect_uri`) within three minutes, it gives a refresh token with those scopes only.
    pub fn grant_code(&self, scopes: &[&str]) -> String {
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared
            .lock()
            .auth
            .self_client_code(scopes, auth::SELF_CLIENT_CODE_LIFETIME)
    }

    /// Whether `refresh_token` would mint an access token now (not revoked, not evicted).
    pub fn refresh_token_is_live(&self, refresh_token: &str) -> bool {
        self.shared.lock().auth.grant_is_live(refresh_token)
    }

    /// The redirect URI registered for the server-based client; `None` (the default) accepts
    /// any loopback `http` URI. The authorization endpoint refuses any other with
    /// `invalid_redirect_uri`, as Zoho shows an error page instead of redirecting.
    pub fn set_redirect_uri(&self, uri: Option<&str>) {
        self.shared.lock().auth.redirect_uri = uri.map(str::to_owned);
    }

    /// The data centre the authorization endpoint names as the user's (`location`; default
    /// `us`).
    pub fn set_user_location(&self, location: &str) {
        self.shared.lock().auth.location = location.to_owned();
    }

    /// The org's `type` from now on (see [`SimulatorBuilder::org_type`]).
    pub fn set_org_type(&self, org_type: &str) {
        self.shared.lock().org.org_type = org_type.to_owned();
    }

    /// Expires every access token issued so far (`401 INVALID_TOKEN` from now on), as if an
    /// hour had passed. New tokens from the accounts endpoint work.
    pub fn expire_access_tokens(&self) {
        self.shared.lock().auth.expire_all();
    }

    /// Calls made to the accounts token endpoint so far.
    pub fn token_requests(&self) -> usize {
        self.shared.lock().auth.token_requests
    }

    /// API calls received so far (faulted ones included).
    pub fn api_requests(&self) -> usize {
        self.shared.lock().api_requests
    }

    /// Makes the next `n` authenticated API calls fail with `fault` (after faults already
    /// pending). Calls refused before (unknown path, wrong method, failed authentication) do
    /// not take a fault.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        let mut inner = self.shared.lock();
        inner.faults.add(faults::Matcher::default(), n, fault);
    }

    /// Makes the next `n` calls to the accounts token endpoint fail with `fault`.
    pub fn fail_next_token_requests(&self, n: usize, fault: Fault) {
        let mut inner = self.shared.lock();
        let matcher = faults::Matcher {
            operation: Some(faults::TOKEN_OPERATION.to_owned()),
            ..faults::Matcher::default()
        };
        inner.faults.add(matcher, n, fault);
    }

    /// `{api_domain}/__simulator`: the control surface for tests in any language (see the
    /// module documentation and `simulator/spec/simulator-control.yaml`).
    pub fn control_url(&self) -> String {
        format!("{}{}", self.shared.api_domain, control::CONTROL_PREFIX)
    }

    /// The bearer token the control surface requires (random for each simulator; it opens
    /// nothing but this simulator's `/__simulator/...` endpoints).
    pub fn control_token(&self) -> String {
        self.shared.control_token.clone()
    }

    /// Connection, token and request counters now.
    pub fn stats(&self) -> SimulatorStats {
        stats_of(&self.shared)
    }

    /// The org's modules, fields, roles, groups, profiles, users and custom buttons.
    pub fn directory(&self) -> OrgDirectory {
        self.shared.lock().state.dir.clone()
    }

    /// Id of the module with this API name.
    pub fn module_id(&self, api_name: &str) -> Option<String> {
        self.shared
            .lock()
            .state
            .dir
            .module(api_name)
            .map(|m| m.id.clone())
    }

    /// Id of the role with this name (`CEO`, `Manager`, `Sales Representative`,
    /// `Support Manager`, `Support Agent`).
    pub fn role_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .state
            .dir
            .role(name)
            .map(|r| r.id.clone())
    }

    /// Id of the group with this name (`Miami Users`, `Sales Team`, `Support Team`).
    pub fn group_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .state
            .dir
            .group(name)
            .map(|g| g.id.clone())
    }

    /// Id of the profile with this name (`Administrator`, `Standard`, `Sales Manager`,
    /// `Team User`).
    pub fn profile_id(&self, name: &str) -> Option<String> {
        self.shared
            .lock()
            .state
            .dir
            .profile(name)
            .map(|p| p.id.clone())
    }

    /// Id of the user with this e-mail address (`patricia.boyle@example.com`, the user the
    /// tokens belong to; `john.smith@example.com`, ...).
    pub fn user_id(&self, email: &str) -> Option<String> {
        self.shared
            .lock()
            .state
            .dir
            .user_by_email(email)
            .map(|u| u.id.clone())
    }

    /// Adds a user group named `name` (without members) to the org's directory and returns
    /// its id. The name need not be unique: Zoho does not stop two groups sharing a name,
    /// which is how tests make a name ambiguous.
    pub fn add_user_group(&self, name: &str) -> String {
        let mut inner = self.shared.lock();
        let state = &mut inner.state;
        let id = state.ids.next_id();
        state.dir.groups.push(NamedItem {
            id: id.clone(),
            name: name.to_owned(),
        });
        state.dir.group_details.push(GroupDetails {
            id: id.clone(),
            description: String::new(),
            members: Vec::new(),
        });
        id
    }

    /// Adds or changes roles, profiles (their module permissions), users, groups and the
    /// hierarchy preference, by name, as `POST /__simulator/directory` does (its body, see
    /// `simulator/spec/simulator-control.yaml`); the counts of what it touched. Nothing
    /// changes when the change names something unknown.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use zoho_crm_access_simulator::Simulator;
    ///
    /// let sim = Simulator::start().await?;
    /// sim.change_directory(serde_json::json!({
    ///     "hierarchy": {"type": "Reporting_To_Hierarchy"},
    ///     "users": [{"name": "Rita Cruz", "email": "rita@example.com", "role": "Manager",
    ///                "profile": "Standard", "reporting_to": "patricia.boyle@example.com"}],
    /// }))?;
    /// assert!(sim.user_id("rita@example.com").is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn change_directory(
        &self,
        change: serde_json::Value,
    ) -> Result<serde_json::Value, SeedError> {
        let change = serde_json::from_value(change).map_err(|e| SeedError(e.to_string()))?;
        directory::change(&mut self.shared.lock().state, change).map_err(SeedError)
    }

    /// A copy of the current configurations, rules and org permissions.
    pub fn state(&self) -> StateSnapshot {
        self.shared.lock().state.snapshot()
    }

    /// Adds `n` active owner-based sharing rules to `module`; returns their ids.
    pub fn seed_sharing_rules(&self, module: &str, n: usize) -> Result<Vec<String>, SeedError> {
        sharing_rules::seed(&mut self.shared.lock().state, module, n).map_err(SeedError)
    }

    /// Adds a system-defined record locking configuration to `module` (updates and deletes of
    /// it answer `NOT_ALLOWED`); returns its id.
    pub fn seed_system_defined_locking(&self, module: &str) -> Result<String, SeedError> {
        record_locking::seed_system_defined(&mut self.shared.lock().state, module)
            .map_err(SeedError)
    }

    /// The records of `module` (a module that supports record locking), in creation order,
    /// with their field values and locks. Every such module starts with a few records, the
    /// same names in every org seed (Deals: `Commercial Press` and `Printing Dimensions` in
    /// `Closed Won`, others in other stages; Leads: `Theola Frey (Sample)` in Miami, ...).
    /// Also `GET /__simulator/records/{module}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use zoho_crm_access_simulator::Simulator;
    ///
    /// let sim = Simulator::start().await?;
    /// let deals = sim.records("Deals").expect("Deals has records");
    /// let won: Vec<_> = deals.iter().filter(|r| r.fields["Stage"] == "Closed Won").collect();
    /// assert_eq!(won.len(), 2);
    /// assert!(won.iter().all(|r| r.lock.is_none()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn records(&self, module: &str) -> Result<Vec<RecordInfo>, SeedError> {
        records::infos(&self.shared.lock().state, module).map_err(SeedError)
    }

    /// Id of the first record of `module` named `name`.
    pub fn record_id(&self, module: &str, name: &str) -> Option<String> {
        let inner = self.shared.lock();
        let found = inner
            .state
            .records
            .module(module)?
            .values()
            .find(|r| r.name == name)
            .map(|r| r.id.clone());
        found
    }

    /// Adds records to `module` (1 to 1,000 per call; at most 10,000 per module and 20,000 in
    /// the org) and returns their ids, in order. All are added or none: an unknown field, a
    /// name of more than 255 characters or an unknown owner refuses the call. The
    /// configuration's automatic locking rules lock those that match. Also
    /// `POST /__simulator/records/{module}`.
    pub fn add_records(
        &self,
        module: &str,
        records: Vec<NewRecord>,
    ) -> Result<Vec<String>, SeedError> {
        records::add(&mut self.shared.lock().state, module, records).map_err(SeedError)
    }

    /// Changes field values of a record of `module` (`fields` a JSON object: each key set,
    /// null clears one; other fields keep their values) and returns the record as it is now.
    /// Automatic locks follow: a record that comes to match a locking rule is locked, and an
    /// automatic lock whose rule no longer matches is released. Also
    /// `PATCH /__simulator/records/{module}/{id}`.
    pub fn set_record_fields(
        &self,
        module: &str,
        id: &str,
        fields: serde_json::Value,
    ) -> Result<RecordInfo, SeedError> {
        let serde_json::Value::Object(fields) = fields else {
            return Err(SeedError("fields: a JSON object".into()));
        };
        let mut inner = self.shared.lock();
        let state = &mut inner.state;
        records::change(state, module, id, None, None, fields).map_err(SeedError)?;
        records::infos(state, module)
            .map_err(SeedError)?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| SeedError(format!("{module} has no record {id:?}")))
    }

    /// Marks `module`'s sharing rules as being computed (`CANNOT_PROCESS` on changes,
    /// `rule_computation_running` / `rule_computation_status` true) or done.
    pub fn set_rule_computation_running(&self, module: &str, running: bool) {
        let mut inner = self.shared.lock();
        if running {
            inner.state.computing.insert(module.to_owned());
        } else {
            inner.state.computing.remove(module);
        }
    }

    /// Takes away (or gives back) the user's Customize and Manage Data Sharing permissions:
    /// every call of the three access families answers `403 NO_PERMISSION` (the read-only
    /// directory is not affected).
    pub fn set_no_permission(&self, denied: bool) {
        self.shared.lock().state.no_permission = denied;
    }

    /// Whether the org's edition includes record locking (else `FEATURE_NOT_SUPPORTED`).
    pub fn set_record_locking_edition(&self, included: bool) {
        self.shared.lock().state.record_locking_edition = included;
    }

    /// Every API exchange so far, in the project's recording format (the one of
    /// `tests/recordings` in the repository), with an extra `operation_id` key.
    pub fn recordings(&self) -> Vec<serde_json::Value> {
        self.shared.lock().recordings.clone().unwrap_or_default()
    }

    /// Forgets the exchanges recorded so far.
    pub fn clear_recordings(&self) {
        if let Some(r) = self.shared.lock().recordings.as_mut() {
            r.clear();
        }
    }

    /// Stops serving; open connections are closed.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Figures of a running simulator (see [`Simulator::stats`]; also `GET /__simulator/stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimulatorStats {
    /// Connections open now.
    pub open_connections: usize,
    /// The most connections open at once so far.
    pub peak_connections: usize,
    /// The cap on open connections.
    pub max_connections: usize,
    /// Connections accepted so far.
    pub connections_accepted: u64,
    /// Connections closed by the header-read or idle timeout.
    pub connections_timed_out: u64,
    /// Request bodies refused as too large (`413`).
    pub bodies_too_large: u64,
    /// Access tokens that would be accepted now.
    pub live_access_tokens: usize,
    /// Entries of the token table: live tokens plus expired ones not yet pruned (pruning
    /// happens at each mint, so this stays near `live_access_tokens`).
    pub access_tokens_held: usize,
    /// Calls to the accounts token endpoint so far.
    pub token_requests: usize,
    /// API calls received so far.
    pub api_requests: usize,
    /// Requests kept in the log of `GET /__simulator/requests`.
    pub received_kept: usize,
    /// Sequence number the next received request gets.
    pub next_seq: u64,
    /// Fault rules pending.
    pub faults_pending: usize,
}

pub(crate) fn stats_of(shared: &Shared) -> SimulatorStats {
    let c = &shared.counters;
    let inner = shared.lock();
    SimulatorStats {
        open_connections: c.open.load(Ordering::Relaxed),
        peak_connections: c.peak.load(Ordering::Relaxed),
        max_connections: shared.limits.max_connections,
        connections_accepted: c.accepted.load(Ordering::Relaxed),
        connections_timed_out: c.timed_out.load(Ordering::Relaxed),
        bodies_too_large: c.bodies_too_large.load(Ordering::Relaxed),
        live_access_tokens: inner.auth.live_tokens(),
        access_tokens_held: inner.auth.held_tokens(),
        token_requests: inner.auth.token_requests,
        api_requests: inner.api_requests,
        received_kept: inner.received.len(),
        next_seq: inner.received.next_seq(),
        faults_pending: inner.faults.rules().len(),
    }
}

/// 32 random hex digits from the OS-seeded generator (not the simulator's seed: the control
/// token must not be predictable from the org's ids).
fn control_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}
