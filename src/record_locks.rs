//! Per-record locks: [`Client::record_locks`] and its handler.
//!
//! A module's record locking configuration (see [`Client::record_locking`]) decides which
//! records lock; these operations read and manage the locks themselves: a record's lock
//! entries, a manual lock with a reason, a new reason, unlocking. Many records at once go
//! through [`RecordLocksHandler::lock_many`] and [`RecordLocksHandler::unlock_many`], with one
//! outcome per record.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

use crate::client::Client;
use crate::error::Error;
use crate::generated::{enums, types};
use crate::handles::{check_id, check_module, single};
use crate::operations::Operation;

/// The lock entry keys a list asks for (`fields`): every key the reference pages document.
/// Zoho's v3-v7 pages call `fields` mandatory on this read, and the spec follows them.
const LIST_FIELDS: &str = "Locked_For__s,Locked_Reason__s,Lock_Source__s,Locked_Time__s,\
                           Locked_By__s,Record_Locking_Rule_Id__s,Record_Locking_Configuration_Id__s";

/// How often [`RecordLocksHandler::lock_many`] and [`RecordLocksHandler::unlock_many`] try one
/// record whose previous attempt left no change (a 429, or an answer lost after the lock list
/// showed the attempt had not happened). With the waits of [`wait_before`] the last try comes
/// about 20 s after the first: a burst of throttling outlasts the client's own retries.
const MANY_ATTEMPTS: u32 = 8;

impl Client {
    /// The locks of one module's records (`Deals`, `Leads`, a custom module ...). The module
    /// needs a record locking configuration ([`Client::record_locking`]); Zoho refuses these
    /// calls for a module without one.
    pub fn record_locks(&self, module: impl Into<String>) -> RecordLocksHandler {
        RecordLocksHandler {
            client: self.clone(),
            module: module.into(),
        }
    }
}

/// The locks of one module's records; from [`Client::record_locks`].
///
/// A record is locked automatically, by a rule of the module's configuration whose criteria
/// it matches, or manually, by a user with a reason (when the configuration's `lock_type` is
/// `manual` or `both`). An automatic lock cannot be removed or have its reason changed
/// through the API (Zoho answers `403 NOT_ALLOWED`): it goes when the record stops matching
/// the rule, or with the rule or the configuration.
///
/// ```no_run
/// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
/// let deals = client.record_locks("Deals");
/// let locked = deals.lock("5843104000000425565", "Under legal review").await?;
/// let lock_id = locked.details.id.clone().unwrap_or_default();
/// for lock in deals.list("5843104000000425565").await? {
///     println!("{} {:?}", lock.id, lock.lock_source_s);
/// }
/// deals
///     .update_reason("5843104000000425565", &lock_id, "Approved, awaiting signature")
///     .await?;
/// deals.unlock("5843104000000425565", &lock_id).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RecordLocksHandler {
    client: Client,
    module: String,
}

/// What [`RecordLocksHandler::lock_many`] or [`RecordLocksHandler::unlock_many`] did to one
/// record.
#[derive(Debug)]
#[non_exhaustive]
pub struct RecordLockOutcome {
    /// The record, as given.
    pub record_id: String,
    /// What changed, or why nothing could.
    pub result: Result<RecordLockChange, Error>,
}

/// The change [`RecordLocksHandler::lock_many`] or [`RecordLocksHandler::unlock_many`] made to
/// one record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordLockChange {
    /// The record is locked now, by this call: the new lock entry's id.
    Locked {
        /// The lock entry's id (for [`RecordLocksHandler::unlock`]).
        lock_id: String,
    },
    /// The record was locked already (manually by someone else, or automatically by a
    /// rule): nothing was changed.
    AlreadyLocked {
        /// The lock entries it has.
        lock_ids: Vec<String>,
    },
    /// The record's manual locks were removed.
    Unlocked {
        /// The removed lock entries.
        lock_ids: Vec<String>,
    },
    /// The record had no lock: nothing was changed.
    NotLocked,
}

impl RecordLocksHandler {
    /// Longest reason Zoho keeps (`Locked_Reason__s`, a text area of 3,000 characters).
    pub const MAX_REASON_CHARS: usize = 3_000;

    /// Every lock entry of record `record_id` (empty when the record has no lock), with every
    /// documented key.
    pub fn list(
        &self,
        record_id: &str,
    ) -> impl Future<Output = Result<Vec<types::RecordLock>, Error>> + Send + 'static {
        let this = self.clone();
        let record_id = record_id.to_owned();
        async move {
            this.check(&record_id)?;
            let raw = this.client.raw();
            let send = raw
                .get_record_locks()
                .module_api_name(this.module.clone())
                .record_id(record_id)
                .fields(LIST_FIELDS)
                .send();
            let answer = this.client.call(Operation::GetRecordLocks, send).await?;
            Ok(answer.map(|a| a.value.data).unwrap_or_default())
        }
    }

    /// Lock entry `lock_id` of record `record_id`, or `None` when there is none (Zoho answers
    /// 204 for a lock that is gone, or a record with no lock).
    pub fn get(
        &self,
        record_id: &str,
        lock_id: &str,
    ) -> impl Future<Output = Result<Option<types::RecordLock>, Error>> + Send + 'static {
        let this = self.clone();
        let (record_id, lock_id) = (record_id.to_owned(), lock_id.to_owned());
        async move {
            this.check(&record_id)?;
            check_id("lock id", &lock_id)?;
            let raw = this.client.raw();
            let send = raw
                .get_record_lock()
                .module_api_name(this.module.clone())
                .record_id(record_id)
                .lock_id(lock_id)
                .send();
            let answer = this.client.call(Operation::GetRecordLock, send).await?;
            Ok(answer.and_then(|a| a.value.data.into_iter().next()))
        }
    }

    /// Locks record `record_id` manually, with `reason` (1 to 3,000 characters). The result's
    /// `details.id` is the new lock entry's id. Zoho refuses a record that is locked already
    /// (`403 NOT_ALLOWED`), and every manual lock when the configuration locks automatically
    /// only.
    pub fn lock(
        &self,
        record_id: &str,
        reason: &str,
    ) -> impl Future<Output = Result<types::ActionResult, Error>> + Send + 'static {
        self.with_reason(record_id, None, reason)
    }

    /// Replaces the reason of manual lock `lock_id` of record `record_id`. An automatic lock
    /// has no reason to change (Zoho answers `403 NOT_ALLOWED`).
    pub fn update_reason(
        &self,
        record_id: &str,
        lock_id: &str,
        reason: &str,
    ) -> impl Future<Output = Result<types::ActionResult, Error>> + Send + 'static {
        self.with_reason(record_id, Some(lock_id), reason)
    }

    /// [`Self::lock`] (`lock_id` `None`) and [`Self::update_reason`]: checks the ids and the
    /// reason before anything is sent, then sends the reason and reads the one result.
    fn with_reason(
        &self,
        record_id: &str,
        lock_id: Option<&str>,
        reason: &str,
    ) -> impl Future<Output = Result<types::ActionResult, Error>> + Send + 'static {
        let this = self.clone();
        let (record_id, lock_id, reason) = (
            record_id.to_owned(),
            lock_id.map(str::to_owned),
            reason.to_owned(),
        );
        async move {
            this.check(&record_id)?;
            if let Some(lock_id) = &lock_id {
                check_id("lock id", lock_id)?;
            }
            let body = reason_request(&reason)?;
            let (raw, module) = (this.client.raw(), this.module.clone());
            match lock_id {
                None => {
                    let op = Operation::LockRecord;
                    let send = raw.lock_record().module_api_name(module);
                    let send = send.record_id(record_id).body(body).send();
                    single(op, this.client.call(op, send).await?, |v| v.data)
                }
                Some(lock_id) => {
                    let op = Operation::UpdateRecordLockReason;
                    let send = raw.update_record_lock_reason().module_api_name(module);
                    let send = send.record_id(record_id).lock_id(lock_id).body(body).send();
                    single(op, this.client.call(op, send).await?, |v| v.data)
                }
            }
        }
    }

    /// Removes manual lock `lock_id` of record `record_id`, which unlocks the record. An
    /// automatic lock cannot be removed (Zoho answers `403 NOT_ALLOWED`).
    pub fn unlock(
        &self,
        record_id: &str,
        lock_id: &str,
    ) -> impl Future<Output = Result<types::ActionResult, Error>> + Send + 'static {
        let this = self.clone();
        let (record_id, lock_id) = (record_id.to_owned(), lock_id.to_owned());
        async move {
            this.check(&record_id)?;
            check_id("lock id", &lock_id)?;
            let raw = this.client.raw();
            let send = raw
                .unlock_record()
                .module_api_name(this.module.clone())
                .record_id(record_id)
                .lock_id(lock_id)
                .send();
            let op = Operation::UnlockRecord;
            single(op, this.client.call(op, send).await?, |v| v.data)
        }
    }

    /// Locks every record of `record_ids` manually with `reason`, as many at once as the
    /// client's concurrency limit allows, and returns one outcome per record in the order
    /// given. A record locked already is [`RecordLockChange::AlreadyLocked`], not an error.
    ///
    /// A lock is a create, which the client never sends twice on its own: when its answer is
    /// lost (a timeout, a dropped connection, a 5xx) or Zoho throttles it (429), the record's
    /// lock list settles whether it happened, and the lock is sent again only if it did not.
    /// So a record is locked once, and none is skipped, whatever the network does.
    ///
    /// ```no_run
    /// # async fn run(client: zoho_crm_access::Client) -> Result<(), zoho_crm_access::Error> {
    /// let ids = ["5843104000000425565", "5843104000000425566"];
    /// for outcome in client.record_locks("Deals").lock_many(ids, "Quarter close").await {
    ///     match outcome.result {
    ///         Ok(change) => println!("{}: {change:?}", outcome.record_id),
    ///         Err(e) => println!("{}: failed: {e}", outcome.record_id),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn lock_many<I>(
        &self,
        record_ids: I,
        reason: &str,
    ) -> impl Future<Output = Vec<RecordLockOutcome>> + Send + 'static
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let this = self.clone();
        let reason = reason.to_owned();
        let ids: Vec<String> = record_ids.into_iter().map(Into::into).collect();
        async move {
            let width = this.client.max_concurrency();
            futures::stream::iter(ids)
                .map(|record_id| {
                    let this = this.clone();
                    let reason = reason.clone();
                    async move {
                        let result = this.lock_settled(&record_id, &reason).await;
                        RecordLockOutcome { record_id, result }
                    }
                })
                .buffered(width)
                .collect()
                .await
        }
    }

    /// Removes every manual lock of each record of `record_ids`, as many records at once as
    /// the client's concurrency limit allows, and returns one outcome per record in the order
    /// given: [`RecordLockChange::Unlocked`] with the removed entries, or
    /// [`RecordLockChange::NotLocked`]. A record locked automatically (by a rule) keeps that
    /// lock, which cannot be removed: its outcome is Zoho's `403 NOT_ALLOWED`.
    ///
    /// As for [`Self::lock_many`], an unlock whose answer is lost is settled by reading the
    /// record's locks again, so no record is skipped.
    pub fn unlock_many<I>(
        &self,
        record_ids: I,
    ) -> impl Future<Output = Vec<RecordLockOutcome>> + Send + 'static
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let this = self.clone();
        let ids: Vec<String> = record_ids.into_iter().map(Into::into).collect();
        async move {
            let width = this.client.max_concurrency();
            futures::stream::iter(ids)
                .map(|record_id| {
                    let this = this.clone();
                    async move {
                        let result = this.unlock_settled(&record_id).await;
                        RecordLockOutcome { record_id, result }
                    }
                })
                .buffered(width)
                .collect()
                .await
        }
    }

    /// One record of [`Self::lock_many`].
    async fn lock_settled(&self, record_id: &str, reason: &str) -> Result<RecordLockChange, Error> {
        // Bad input is `lock`'s own `InvalidInput`, settled by neither branch below: nothing
        // is sent and the record's outcome is that error.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.lock(record_id, reason).await {
                Ok(done) => {
                    return Ok(match done.details.id {
                        Some(lock_id) => RecordLockChange::Locked { lock_id },
                        None => RecordLockChange::Locked {
                            lock_id: self.manual_lock_ids(record_id).await?.join(","),
                        },
                    })
                }
                Err(e) => e,
            };
            if !(unsettled(&error) || already_locked(&error)) {
                return Err(error);
            }
            // Did the lock happen (ours, with the answer lost; or someone else's)?
            let locks = self.list(record_id).await?;
            if let Some(ours) = locks.iter().find(|l| is_manual_with(l, reason)) {
                if !already_locked(&error) || attempt > 1 {
                    return Ok(RecordLockChange::Locked {
                        lock_id: ours.id.clone(),
                    });
                }
            }
            if !locks.is_empty() {
                return Ok(RecordLockChange::AlreadyLocked {
                    lock_ids: locks.into_iter().map(|l| l.id).collect(),
                });
            }
            if attempt >= MANY_ATTEMPTS {
                return Err(error);
            }
            tokio::time::sleep(wait_before(attempt, &error)).await;
        }
    }

    /// One record of [`Self::unlock_many`].
    async fn unlock_settled(&self, record_id: &str) -> Result<RecordLockChange, Error> {
        let mut removed = Vec::new();
        // Locks whose removal got no answer: gone at the next list, they were removed.
        let mut unanswered: Vec<String> = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let locks = self.list(record_id).await?;
            removed.extend(
                unanswered
                    .drain(..)
                    .filter(|id| !locks.iter().any(|l| &l.id == id)),
            );
            if locks.is_empty() {
                return Ok(if removed.is_empty() {
                    RecordLockChange::NotLocked
                } else {
                    RecordLockChange::Unlocked { lock_ids: removed }
                });
            }
            let mut unsettled_error = None;
            for lock in locks {
                match self.unlock(record_id, &lock.id).await {
                    Ok(_) => removed.push(lock.id),
                    Err(e) if unsettled(&e) => {
                        unanswered.push(lock.id);
                        unsettled_error = Some(e);
                    }
                    // An automatic lock, a permission, an unknown record: Zoho's answer.
                    Err(e) => return Err(e),
                }
            }
            match unsettled_error {
                // Every lock went: the next list confirms it.
                None => {}
                Some(e) if attempt >= MANY_ATTEMPTS => return Err(e),
                Some(e) => tokio::time::sleep(wait_before(attempt, &e)).await,
            }
        }
    }

    /// The ids of the record's manual locks.
    async fn manual_lock_ids(&self, record_id: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .list(record_id)
            .await?
            .into_iter()
            .filter(|l| l.lock_source_s.as_ref() != Some(&enums::LockSource::Automatic))
            .map(|l| l.id)
            .collect())
    }

    /// The checks of every call: the module's API name and the record id.
    fn check(&self, record_id: &str) -> Result<(), Error> {
        check_module(&self.module)?;
        check_id("record id", record_id)
    }
}

/// The one-entry body of a lock or a reason change, after the reason's checks.
fn reason_request(reason: &str) -> Result<types::RecordLockReasonRequest, Error> {
    if reason.trim().is_empty() {
        return Err(Error::invalid("reason", "must not be empty"));
    }
    let chars = reason.chars().count();
    if chars > RecordLocksHandler::MAX_REASON_CHARS {
        return Err(Error::invalid(
            "reason",
            format!(
                "{chars} characters given; Zoho keeps at most {}",
                RecordLocksHandler::MAX_REASON_CHARS
            ),
        ));
    }
    let reason = types::RecordLockReasonLockedReasonS::try_from(reason.to_owned())
        .map_err(|e| Error::invalid("reason", e.to_string()))?;
    Ok(types::RecordLockReasonRequest::new([
        types::RecordLockReason::new(reason),
    ]))
}

/// Whether `error` leaves open whether Zoho acted (or says it did not act yet: a 429).
fn unsettled(error: &Error) -> bool {
    matches!(
        error,
        Error::Transport { .. } | Error::IncompleteResponse { .. } | Error::Timeout { .. }
    ) || matches!(error.status(), Some(429 | 500..=599))
}

/// Zoho's "record is already locked" (a `403 NOT_ALLOWED` that says so: the same code and
/// status also refuse a manual lock where only automatic locking is configured).
fn already_locked(error: &Error) -> bool {
    match error {
        Error::Api {
            status: 403,
            code,
            message,
            ..
        } => {
            *code == enums::ZohoCode::NotAllowed
                && message.to_ascii_lowercase().contains("already locked")
        }
        _ => false,
    }
}

/// A manual lock whose reason is `reason` (the one a lost lock of ours would have left).
fn is_manual_with(lock: &types::RecordLock, reason: &str) -> bool {
    lock.lock_source_s.as_ref() == Some(&enums::LockSource::Manual)
        && lock
            .locked_reason_s
            .as_ref()
            .is_some_and(|r| r.as_str() == reason)
}

/// The wait before another try: Zoho's `Retry-After` when the error carries it, else a
/// backoff from 400 ms doubling up to 5 s.
fn wait_before(attempt: u32, error: &Error) -> Duration {
    error.retry_after().map_or_else(
        || Duration::from_millis(200u64 << attempt.min(5)).min(Duration::from_secs(5)),
        |asked| asked.min(Duration::from_secs(30)),
    )
}
