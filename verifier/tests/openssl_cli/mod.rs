//! The `openssl` command line, as every test that makes its inputs with OpenSSL runs it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// Runs `openssl` in `dir` and returns its standard output; panics with its stderr on
/// failure, so a fixture that could not be made fails the test that needed it.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
