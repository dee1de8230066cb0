//! What the handles share: checks of the arguments they put into URLs, and reading the
//! per-item results of a write.
//!
//! The handle modules (`record_locking`, `sharing_rules`, `org_permissions`, `directory`)
//! depend on this module and on `client`, never on each other (see ARCHITECTURE.md, "Layers").

use crate::client::{Answer, Client};
use crate::error::{check_items, Error};
use crate::generated::types;
use crate::operations::Operation;

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

impl Client {
    /// Checks a module API name the way every handle does before sending it:
    /// [`Error::InvalidInput`] unless it has 1 to 50 ASCII letters (`A`-`Z`, `a`-`z`), digits
    /// and underscores.
    ///
    /// That is every API name Zoho gives a module: standard ones (`Leads`, `Price_Books`,
    /// `Sales_Orders`), system ones (`Appointments__s`), custom ones (`CM1`,
    /// `Vendor_Contracts`). Zoho's documentation for creating a custom module caps an API
    /// name at 50 characters of letters, numbers and underscores, starting with a letter, and
    /// its modules API answers `api_name` with the same bound. A module id (1 to 19 digits)
    /// passes too, for [`crate::DirectoryHandler::module`], which takes either. Anything else
    /// (`../x`, `Leads?module=Deals`, a space, CR or LF, `#`, non-ASCII letters) names no
    /// module and could only make Zoho misread the URL, so the handles refuse it before any
    /// request, without waiting for Zoho's `INVALID_MODULE`. A space gets a hint: API names
    /// write the label `Price Books` as `Price_Books`.
    ///
    /// ```
    /// use zoho_crm_access::{Client, Error};
    /// assert!(Client::check_module_api_name("Price_Books").is_ok());
    /// let err = Client::check_module_api_name("Leads?module=Deals").unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { .. }));
    /// ```
    pub fn check_module_api_name(name: &str) -> Result<(), Error> {
        check_module(name)
    }
}

/// Longest module API name Zoho allows (its create-custom-module documentation; the modules
/// API gives `api_name` the same bound).
pub(crate) const MAX_MODULE_API_NAME: usize = 50;

/// Checks a module API name before it goes into a URL: 1 to 50 ASCII letters, digits and
/// underscores (see [`crate::Client::check_module_api_name`] for where the rule comes from).
/// Anything else is refused before a request is made.
pub(crate) fn check_module(module: &str) -> Result<(), Error> {
    if module.is_empty() {
        return Err(Error::invalid("module", "must not be empty"));
    }
    let shown = || crate::error::excerpt(module.as_bytes());
    if let Some(bad) = module
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        let what = match bad {
            ' ' => "a space".to_owned(),
            c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
            c if !c.is_ascii() => format!("the non-ASCII character U+{:04X}", u32::from(c)),
            c => format!("`{c}`"),
        };
        let hint = if bad == ' ' {
            format!(
                " (API names write spaces as underscores: `{}`)",
                module.trim().replace(' ', "_")
            )
        } else {
            String::new()
        };
        return Err(Error::invalid(
            "module",
            format!(
                "`{}` is not a module API name: it contains {what}; a module API name has 1 to \
                 {MAX_MODULE_API_NAME} ASCII letters, digits and underscores (such as `Leads`, \
                 `Price_Books` or `CM1`){hint}",
                shown()
            ),
        ));
    }
    if module.len() > MAX_MODULE_API_NAME {
        return Err(Error::invalid(
            "module",
            format!(
                "`{}` is not a module API name: it has {} characters, and Zoho allows at most \
                 {MAX_MODULE_API_NAME}",
                shown(),
                module.len()
            ),
        ));
    }
    Ok(())
}

/// The one result of a single-item write. An empty answer (204) or list is reported as a
/// decode problem rather than invented success.
pub(crate) fn single<T>(
    operation: Operation,
    answer: Option<Answer<T>>,
    items: impl FnOnce(T) -> Vec<types::ActionResult>,
) -> Result<types::ActionResult, Error> {
    let mut results = many(operation, answer, items)?;
    match results.len() {
        1 => Ok(results.remove(0)),
        n => Err(Error::Decode {
            operation: operation.id().to_owned(),
            status: 200,
            path: ".".into(),
            message: format!("expected exactly one result, got {n}"),
            excerpt: String::new(),
        }),
    }
}

/// All results of a write, or the error naming every failed item.
pub(crate) fn many<T>(
    operation: Operation,
    answer: Option<Answer<T>>,
    items: impl FnOnce(T) -> Vec<types::ActionResult>,
) -> Result<Vec<types::ActionResult>, Error> {
    let Some(answer) = answer else {
        return Err(Error::Decode {
            operation: operation.id().to_owned(),
            status: 204,
            path: ".".into(),
            message: "Zoho answered 204 No Content where results were expected".into(),
            excerpt: String::new(),
        });
    };
    check_items(
        operation.id(),
        answer.status,
        items(answer.value),
        answer.attempts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_api_names_zoho_uses_pass_and_anything_a_url_could_misread_fails() {
        for ok in [
            "Leads",
            "Price_Books",
            "CM1",
            "Appointments__s",
            "Activities_Chronological_View_History",
            "5843104000000002175",
            &"A".repeat(50),
        ] {
            assert!(check_module(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "Leads?module=Deals",
            "Price Books",
            "Leads\r\nX-Injected: 1",
            "Leads#top",
            "Lëads",
            "Leads/",
            "%2e%2e",
            &"A".repeat(51),
        ] {
            match check_module(bad) {
                Err(Error::InvalidInput { what, reason }) => {
                    assert_eq!(what, "module");
                    assert!(!reason.contains('\r') && !reason.contains('\n'), "{reason}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let Err(e) = check_module("Price Books") else {
            panic!("accepted")
        };
        assert!(e.to_string().contains("`Price_Books`"), "{e}");
    }
}
