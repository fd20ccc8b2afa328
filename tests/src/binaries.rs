//! Locates the workspace's binaries (`dalel`, `dalel-verify`, `hw-sim`), building them first.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The path of a workspace binary built with the same profile as the running test.
///
/// The first call in a test process runs `cargo build --bins` for the workspace (a no-op
/// when up to date), so a test never runs a stale binary, even under `cargo test -p tests`.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(build_bins);
    let path = dir.join(name);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// `target/<profile>/`, the directory that holds this test executable's `deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    deps.parent().unwrap().to_owned()
}

fn build_bins() -> PathBuf {
    let dir = profile_dir();
    let release = dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(workspace_root());
    if release {
        cmd.arg("--release");
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "cargo build --bins failed: {status}");
    dir
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}
