//! TLS by Cargo feature, over real TLS on loopback.
//!
//! * Built with `rustls`, `native-tls` or `rustls-no-provider`: the client reaches a loopback
//!   TLS server whose self-signed certificate (made here with rcgen) it was told to trust,
//!   and refuses the same server when it was not (`TransportKind::Tls`).
//! * Built with none of them: an `https` address is refused by `build()` with
//!   `Error::Config` naming the features.
//!
//! `.ci/run` runs this file under each feature combination (see the comments there).

#[cfg(not(any(
    feature = "rustls",
    feature = "native-tls",
    feature = "rustls-no-provider"
)))]
#[test]
fn without_a_tls_feature_https_is_a_config_error_naming_the_features() {
    use zoho_crm_access::{Client, Error};

    for builder in [
        Client::builder()
            .base_url("https://www.zohoapis.eu")
            .access_token("t"),
        Client::builder()
            .data_center(zoho_crm_access::DataCenter::Eu)
            .access_token("t"),
        Client::builder()
            .base_url("http://127.0.0.1:9")
            .accounts_url("https://accounts.zoho.eu")
            .refresh_token("id", "secret", "refresh"),
    ] {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        let shown = err.to_string();
        for feature in ["`rustls`", "`native-tls`", "`rustls-no-provider`"] {
            assert!(shown.contains(feature), "{shown}");
        }
    }
    // Plain http to loopback still works without TLS.
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .access_token("t")
        .build()
        .unwrap();
    // A root certificate cannot be used either.
    let err = Client::builder()
        .base_url("http://127.0.0.1:9")
        .access_token("t")
        .add_root_certificate(b"-----BEGIN CERTIFICATE-----".to_vec())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[cfg(any(
    feature = "rustls",
    feature = "native-tls",
    feature = "rustls-no-provider"
))]
mod with_tls {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use zoho_crm_access::{Client, Error, RetryPolicy, TransportKind};

    /// A TLS server on 127.0.0.1 for `localhost`, answering every request with one fixed
    /// `getOrgPermissions` body. Returns its URL and its certificate (PEM).
    async fn tls_server() -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .unwrap();
        let pem = cert.cert.pem();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = br#"{"data_sharing":[{"module":{"api_name":"Leads","id":"1"},"share_type":"private"}]}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.write_all(body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (format!("https://localhost:{port}"), pem)
    }

    /// With only `rustls-no-provider`, the application brings the crypto provider; without
    /// one, building the client is a configuration error (reqwest would panic). The check
    /// runs once, before any test installs the provider.
    fn provide_crypto() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            #[cfg(all(
                feature = "rustls-no-provider",
                not(feature = "rustls"),
                not(feature = "native-tls")
            ))]
            {
                assert!(rustls::crypto::CryptoProvider::get_default().is_none());
                let err = Client::builder()
                    .base_url("http://127.0.0.1:9")
                    .access_token("t")
                    .build()
                    .unwrap_err();
                assert!(
                    matches!(err, Error::Config { .. })
                        && err.to_string().contains("install_default"),
                    "{err:?}"
                );
                rustls::crypto::ring::default_provider()
                    .install_default()
                    .unwrap();
            }
        });
    }

    #[tokio::test]
    async fn a_trusted_self_signed_server_is_reached() {
        provide_crypto();
        let (url, pem) = tls_server().await;
        let client = Client::builder()
            .base_url(&url)
            .access_token("t")
            .add_root_certificate(pem)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let perms = client.org_permissions().get().await.unwrap();
        assert_eq!(perms.len(), 1);
        assert_eq!(perms[0].module.api_name, "Leads");
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_a_tls_error() {
        provide_crypto();
        let (url, _pem) = tls_server().await;
        let client = Client::builder()
            .base_url(&url)
            .access_token("t")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.org_permissions().get().await.unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportKind::Tls), "{err:?}");
        assert!(err.to_string().contains("TLS handshake failed"), "{err}");
    }

    #[test]
    fn a_root_certificate_that_is_not_pem_is_a_config_error() {
        provide_crypto();
        let err = Client::builder()
            .base_url("https://localhost:1")
            .access_token("t")
            .add_root_certificate(b"not a certificate".to_vec())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
}
