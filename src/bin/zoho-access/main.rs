//! The `zoho-access` command-line tool.
fn main() {}
