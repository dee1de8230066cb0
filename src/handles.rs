//! What the handles share: checks of the arguments they put into URLs, and reading the
//! per-item results of a write.
//!
//! The handle modules (`record_locking`, `sharing_rules`, `org_permissions`, `directory`)
//! depend on this module and on `client`, never on each other (see ARCHITECTURE.md, "Layers").

use crate::client::Answer;
use crate::error::{check_items, Error};
use crate::generated::types;

/// Checks an id that goes into a URL or a body: an id as the spec gives it
/// (`^[0-9]{1,19}$`); Zoho answers `INVALID_DATA` for anything else.
pub(crate) fn check_id(what: &str, id: &str) -> Result<(), Error> {
    if id.trim().is_empty() {
        return Err(Error::invalid(what, "must not be empty"));
    }
    if id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            what,
            format!("`{id}` is not an id (Zoho ids are 1 to 19 digits)"),
        ));
    }
    Ok(())
}

/// Checks a module API name before it goes into a query.
pub(crate) fn check_module(module: &str) -> Result<(), Error> {
    if module.trim().is_empty() {
        return Err(Error::invalid("module", "must not be empty"));
    }
    Ok(())
}

/// The one result of a single-item write. An empty answer (204) or list is reported as a
/// decode problem rather than invented success.
pub(crate) fn single<T>(
    operation: &str,
    answer: Option<Answer<T>>,
    items: impl FnOnce(T) -> Vec<types::ActionResult>,
) -> Result<types::ActionResult, Error> {
    let mut results = many(operation, answer, items)?;
    match results.len() {
        1 => Ok(results.remove(0)),
        n => Err(Error::Decode {
            operation: operation.to_owned(),
            status: 200,
            path: ".".into(),
            message: format!("expected exactly one result, got {n}"),
            excerpt: String::new(),
        }),
    }
}

/// All results of a write, or the error naming every failed item.
pub(crate) fn many<T>(
    operation: &str,
    answer: Option<Answer<T>>,
    items: impl FnOnce(T) -> Vec<types::ActionResult>,
) -> Result<Vec<types::ActionResult>, Error> {
    let Some(answer) = answer else {
        return Err(Error::Decode {
            operation: operation.to_owned(),
            status: 204,
            path: ".".into(),
            message: "Zoho answered 204 No Content where results were expected".into(),
            excerpt: String::new(),
        });
    };
    check_items(
        operation,
        answer.status,
        items(answer.value),
        answer.attempts,
    )
}
