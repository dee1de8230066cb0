//! Work in progress (issue 7).
fn main() {}
