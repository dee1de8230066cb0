//! `zoho-access` against a server that sends a body without end (issue 11, failure 1: a
//! 256 MiB `data_sharing` body made `org-permissions get` peak at 3.6 GB and exit 0). Now the
//! client stops at its default limit (32 MiB) with exit 1 and one line naming the limit.
//!
//! Memory bound asserted: the process's peak RSS (`ru_maxrss` of the waited-for child)
//! stays below 160 MiB: the binary's own footprint (about 20 MiB), the 32 MiB read before
//! refusing, and room to spare. No timing is asserted.
#![cfg(target_os = "linux")]

mod cli_support;

use std::process::{Command, Stdio};

#[test]
fn a_256_mib_body_is_refused_at_the_limit_with_bounded_memory() {
    let (url, _) = cli_support::serve_data_sharing(256);
    let out = Command::new(env!("CARGO_BIN_EXE_zoho-access"))
        .args(["--api-domain", &url, "org-permissions", "get"])
        .env("ZOHO_ACCESS_TOKEN", "1000.test-token")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let max_rss_kib = cli_support::children_peak_rss_kib();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{} bytes on stdout", stdout.len());
    let line = stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("error: getting the default organization permissions (getOrgPermissions): the HTTP 200 response is larger than the client's limit of 33554432 bytes"),
        "{line}"
    );
    eprintln!("peak RSS {max_rss_kib} KiB");
    assert!(max_rss_kib < 160 * 1024, "peak RSS {max_rss_kib} KiB");
}
