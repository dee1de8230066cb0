//! Zoho data centres and environments: where the API and the accounts (token) server live.
//!
//! Every Zoho org lives in one data centre, and each data centre has its own API domain per
//! environment (production, sandbox, developer) and its own accounts server, which mints
//! access tokens. A token minted for one data centre or environment does not work in another.

use std::fmt;

use url::{Host, Url};

use crate::error::Error;

/// A Zoho data centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataCenter {
    /// United States (`zoho.com`).
    Us,
    /// Europe (`zoho.eu`).
    Eu,
    /// India (`zoho.in`).
    In,
    /// Australia (`zoho.com.au`).
    Au,
    /// Japan (`zoho.jp`).
    Jp,
    /// Canada (`zohocloud.ca` for accounts, `zohoapis.ca` for the API).
    Ca,
    /// Saudi Arabia (`zoho.sa`).
    Sa,
    /// China (`zoho.com.cn`).
    Cn,
}

/// The kind of org to talk to inside a data centre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// The live org (`www.zohoapis.*`).
    #[default]
    Production,
    /// A sandbox org (`sandbox.zohoapis.*`).
    Sandbox,
    /// A developer org (`developer.zohoapis.*`).
    Developer,
}

impl DataCenter {
    /// Every data centre this crate knows.
    pub const ALL: [DataCenter; 8] = [
        DataCenter::Us,
        DataCenter::Eu,
        DataCenter::In,
        DataCenter::Au,
        DataCenter::Jp,
        DataCenter::Ca,
        DataCenter::Sa,
        DataCenter::Cn,
    ];

    /// The top-level domain suffix of the data centre's API hosts (`com`, `eu`, `com.au`, ...).
    fn api_suffix(self) -> &'static str {
        match self {
            DataCenter::Us => "com",
            DataCenter::Eu => "eu",
            DataCenter::In => "in",
            DataCenter::Au => "com.au",
            DataCenter::Jp => "jp",
            DataCenter::Ca => "ca",
            DataCenter::Sa => "sa",
            DataCenter::Cn => "com.cn",
        }
    }

    /// The API domain (scheme and host, no path) for `environment`, e.g.
    /// `https://sandbox.zohoapis.eu`.
    ///
    /// ```
    /// use zoho_crm_access::{DataCenter, Environment};
    /// assert_eq!(DataCenter::Au.api_domain(Environment::Production), "https://www.zohoapis.com.au");
    /// assert_eq!(DataCenter::Eu.api_domain(Environment::Sandbox), "https://sandbox.zohoapis.eu");
    /// ```
    pub fn api_domain(self, environment: Environment) -> String {
        let prefix = match environment {
            Environment::Production => "www",
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        };
        format!("https://{prefix}.zohoapis.{}", self.api_suffix())
    }

    /// The accounts server that mints tokens for this data centre, e.g.
    /// `https://accounts.zoho.eu`. The token endpoint is `{accounts}/oauth/v2/token`.
    ///
    /// ```
    /// use zoho_crm_access::DataCenter;
    /// assert_eq!(DataCenter::Ca.accounts_domain(), "https://accounts.zohocloud.ca");
    /// ```
    pub fn accounts_domain(self) -> &'static str {
        match self {
            DataCenter::Us => "https://accounts.zoho.com",
            DataCenter::Eu => "https://accounts.zoho.eu",
            DataCenter::In => "https://accounts.zoho.in",
            DataCenter::Au => "https://accounts.zoho.com.au",
            DataCenter::Jp => "https://accounts.zoho.jp",
            DataCenter::Ca => "https://accounts.zohocloud.ca",
            DataCenter::Sa => "https://accounts.zoho.sa",
            DataCenter::Cn => "https://accounts.zoho.com.cn",
        }
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataCenter::Us => "US",
            DataCenter::Eu => "EU",
            DataCenter::In => "IN",
            DataCenter::Au => "AU",
            DataCenter::Jp => "JP",
            DataCenter::Ca => "CA",
            DataCenter::Sa => "SA",
            DataCenter::Cn => "CN",
        })
    }
}

impl std::str::FromStr for DataCenter {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let dc = match s.to_ascii_lowercase().as_str() {
            "us" | "com" => DataCenter::Us,
            "eu" => DataCenter::Eu,
            "in" => DataCenter::In,
            "au" | "com.au" => DataCenter::Au,
            "jp" => DataCenter::Jp,
            "ca" => DataCenter::Ca,
            "sa" => DataCenter::Sa,
            "cn" | "com.cn" => DataCenter::Cn,
            _ => {
                return Err(Error::InvalidInput {
                    what: "data centre".into(),
                    reason: format!("`{s}` is not one of us, eu, in, au, jp, ca, sa, cn"),
                })
            }
        };
        Ok(dc)
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        })
    }
}

impl std::str::FromStr for Environment {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Environment::Production),
            "sandbox" => Ok(Environment::Sandbox),
            "developer" | "dev" => Ok(Environment::Developer),
            _ => Err(Error::InvalidInput {
                what: "environment".into(),
                reason: format!("`{s}` is not one of production, sandbox, developer"),
            }),
        }
    }
}

/// Whether `url` points at this machine (`localhost`, `127.0.0.0/8` or `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a server address given by a user or a token response and checks its scheme:
/// `https` anywhere, plain `http` only for loopback. The result has no trailing slash, no
/// query, no fragment and no credentials.
pub(crate) fn checked_server_url(what: &str, raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw.trim()).map_err(|e| Error::Config {
        reason: format!("{what} `{raw}` is not a valid URL"),
        source: Some(Box::new(e)),
    })?;
    if url.host().is_none() {
        return Err(Error::Config {
            reason: format!("{what} `{raw}` has no host"),
            source: None,
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config {
            reason: format!("{what} must not carry credentials in the URL"),
            source: None,
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config {
            reason: format!("{what} `{raw}` must not have a query or fragment"),
            source: None,
        });
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config {
                reason: format!(
                    "{what} `{raw}` uses plain http; only https is allowed except for loopback \
                     addresses (localhost, 127.0.0.1, ::1)"
                ),
                source: None,
            })
        }
        other => {
            return Err(Error::Config {
                reason: format!("{what} `{raw}` has unsupported scheme `{other}`; use https"),
                source: None,
            })
        }
    }
    Ok(url)
}

/// The API base (`{domain}/crm/v8`) for an API domain, accepting a domain that already ends
/// in `/crm/v8`.
pub(crate) fn api_base(domain: &Url) -> String {
    let s = domain.as_str().trim_end_matches('/');
    if s.ends_with("/crm/v8") {
        s.to_owned()
    } else {
        format!("{s}/crm/v8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dc_and_environment_maps_to_https_hosts() {
        for dc in DataCenter::ALL {
            for env in [
                Environment::Production,
                Environment::Sandbox,
                Environment::Developer,
            ] {
                let api = dc.api_domain(env);
                assert!(checked_server_url("api", &api).is_ok(), "{api}");
            }
            assert!(checked_server_url("accounts", dc.accounts_domain()).is_ok());
        }
        assert_eq!(
            DataCenter::Cn.api_domain(Environment::Developer),
            "https://developer.zohoapis.com.cn"
        );
        assert_eq!(
            DataCenter::Us.accounts_domain(),
            "https://accounts.zoho.com"
        );
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(checked_server_url("x", "http://127.0.0.1:8080").is_ok());
        assert!(checked_server_url("x", "http://localhost:1").is_ok());
        assert!(checked_server_url("x", "http://[::1]:9").is_ok());
        assert!(matches!(
            checked_server_url("x", "http://example.com"),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            checked_server_url("x", "http://10.0.0.1"),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            checked_server_url("x", "ftp://127.0.0.1"),
            Err(Error::Config { .. })
        ));
    }

    #[test]
    fn api_base_appends_version_once() {
        let u = Url::parse("http://127.0.0.1:1/").unwrap();
        assert_eq!(api_base(&u), "http://127.0.0.1:1/crm/v8");
        let u = Url::parse("http://127.0.0.1:1/crm/v8").unwrap();
        assert_eq!(api_base(&u), "http://127.0.0.1:1/crm/v8");
    }
}
