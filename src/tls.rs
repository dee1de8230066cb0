//! Which TLS implementation the HTTP client uses, chosen by Cargo features.
//!
//! * `rustls` (default): rustls with the aws-lc-rs crypto provider and the platform's
//!   certificate verifier.
//! * `rustls-no-provider`: rustls without a crypto provider compiled in; the application
//!   installs one (`rustls::crypto::CryptoProvider::install_default`) before building a
//!   client, for example ring, or a FIPS-validated provider.
//! * `native-tls`: the platform's TLS library (OpenSSL on Linux, Security.framework on macOS,
//!   SChannel on Windows). Preferred when enabled together with a rustls feature.
//!
//! Built with none of them the client speaks plain HTTP only, which this crate allows for
//! loopback addresses (tests, the simulator); an `https` address is refused with
//! [`Error::Config`] when the client is built, naming the features.

use url::Url;

use crate::error::Error;

/// Whether this build has any TLS implementation.
pub(crate) const ENABLED: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-no-provider",
    feature = "native-tls"
));

/// What to enable for https, for error messages.
const FEATURES: &str = "enable the Cargo feature `rustls` (the default), `native-tls` or \
                        `rustls-no-provider` of zoho-crm-access";

/// Refuses an `https` URL when the build has no TLS implementation.
pub(crate) fn require_for(what: &str, url: &Url) -> Result<(), Error> {
    if url.scheme() == "https" && !ENABLED {
        return Err(Error::config(format!(
            "{what} `{url}` needs TLS, but this build of zoho-crm-access has no TLS \
             implementation: {FEATURES}"
        )));
    }
    Ok(())
}

/// Chooses the TLS implementation and adds the extra trusted roots. Fails with
/// [`Error::Config`] where building the HTTP client would fail or panic.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    #[allow(unused_mut)]
    let mut builder = builder;
    #[cfg(feature = "native-tls")]
    {
        builder = builder.tls_backend_native();
    }
    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls", feature = "rustls-no-provider")
    ))]
    {
        builder = builder.tls_backend_rustls();
    }
    #[cfg(all(
        feature = "rustls-no-provider",
        not(feature = "rustls"),
        not(feature = "native-tls")
    ))]
    {
        // reqwest panics when it has no provider; say what to do instead.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(Error::config(
                "the feature `rustls-no-provider` is enabled but no rustls crypto provider is \
                 installed: call rustls::crypto::CryptoProvider::install_default(..) before \
                 building the client, or enable the feature `rustls`",
            ));
        }
    }
    for pem in extra_roots {
        builder = add_root(builder, pem)?;
    }
    Ok(builder)
}

#[cfg(any(
    feature = "rustls",
    feature = "rustls-no-provider",
    feature = "native-tls"
))]
fn add_root(builder: reqwest::ClientBuilder, pem: &[u8]) -> Result<reqwest::ClientBuilder, Error> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| Error::Config {
        reason: "a root certificate given to add_root_certificate is not valid PEM".into(),
        source: Some(Box::new(e)),
    })?;
    if certs.is_empty() {
        return Err(Error::config(
            "a root certificate given to add_root_certificate holds no certificate",
        ));
    }
    Ok(certs
        .into_iter()
        .fold(builder, |b, cert| b.add_root_certificate(cert)))
}

#[cfg(not(any(
    feature = "rustls",
    feature = "rustls-no-provider",
    feature = "native-tls"
)))]
fn add_root(_: reqwest::ClientBuilder, _: &[u8]) -> Result<reqwest::ClientBuilder, Error> {
    Err(Error::config(format!(
        "add_root_certificate needs TLS, but this build has no TLS implementation: {FEATURES}"
    )))
}
