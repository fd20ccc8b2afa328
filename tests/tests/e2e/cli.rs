//! The binaries' command lines: help, version, and one clear line for every bad configuration.

use std::net::TcpListener;
use std::process::{Command, Output};

use tests::binary;

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(binary(bin))
        .args(args)
        .env_remove("DALEL_DATA")
        .env_remove("DALEL_CONFIG")
        .env_remove("DALEL_LOG")
        .output()
        .unwrap()
}

/// Asserts the command failed with `code` and exactly one `error:` line containing every
/// needle, and no panic or backtrace.
fn assert_one_line_error(output: &Output, code: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "missing {needle:?} in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

fn config_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dalel.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

#[test]
fn unknown_config_key_is_named() {
    let (dir, config) = config_file("[server]\nlisen = \"127.0.0.1:0\"\n");
    let data = dir.path().join("data");
    let output = run(
        "dalel",
        &[
            "serve",
            "--config",
            &config,
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert_one_line_error(&output, 2, &[&config, "line 2", "lisen"]);
    assert!(!data.exists(), "nothing is created for a bad configuration");
}

#[test]
fn unparsable_config_value_is_named() {
    let (_dir, config) = config_file("[server]\nrequest_timeout = \"soon\"\n");
    let output = run("dalel", &["serve", "--config", &config]);
    assert_one_line_error(&output, 2, &["line 2", "server.request_timeout"]);

    let (_dir, config) = config_file("[server]\nlisten = \"localhost:99999\"\n");
    let output = run("dalel", &["serve", "--config", &config]);
    assert_one_line_error(&output, 2, &["server.listen"]);
}

#[test]
fn missing_config_file_is_named() {
    let output = run("dalel", &["serve", "--config", "/nonexistent/dalel.toml"]);
    assert_one_line_error(&output, 2, &["/nonexistent/dalel.toml", "No such file"]);
}

#[test]
fn unwritable_data_dir_is_named() {
    // Root ignores permission bits, so make the directory impossible instead: its parent is a
    // regular file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let data = file.join("data");
    let output = run(
        "dalel",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert_one_line_error(
        &output,
        1,
        &["cannot create data directory", data.to_str().unwrap()],
    );

    let output = run(
        "dalel",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            file.to_str().unwrap(),
        ],
    );
    assert_one_line_error(&output, 1, &["is not a directory"]);
}

#[test]
fn port_in_use_is_named() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = tempfile::tempdir().unwrap();
    let output = run(
        "dalel",
        &[
            "serve",
            "--listen",
            &addr,
            "--data",
            data.path().to_str().unwrap(),
        ],
    );
    assert_one_line_error(&output, 1, &["cannot listen on", &addr, "in use"]);
}

#[test]
fn config_show_prints_every_key_and_reads_back() {
    let (dir, config) = config_file("[server]\nrequest_timeout = \"5s\"\n");
    let data = dir.path().join("store");
    let output = run(
        "dalel",
        &[
            "config",
            "show",
            "--config",
            &config,
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert!(output.status.success());
    let shown = String::from_utf8(output.stdout).unwrap();
    for key in [
        "data_dir",
        "listen",
        "request_timeout = \"5s\"",
        "shutdown_grace",
        "max_body_bytes",
        "format",
        "level",
    ] {
        assert!(shown.contains(key), "{key} missing from:\n{shown}");
    }
    // What `config show` prints is itself a valid configuration file.
    let (_d, again) = config_file(&shown);
    let output = run("dalel", &["config", "show", "--config", &again]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), shown);
}

#[test]
fn every_binary_has_help_and_version() {
    // dalel-verify's validation form exits 64 (EX_USAGE) on usage errors: 2 means
    // INDETERMINATE there.
    for (bin, usage) in [("dalel", 2), ("dalel-verify", 64), ("hw-sim", 2)] {
        let output = run(bin, &["--version"]);
        assert!(output.status.success(), "{bin} --version");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            stdout.trim(),
            format!("{bin} {}", env!("CARGO_PKG_VERSION"))
        );

        let output = run(bin, &["--help"]);
        assert!(output.status.success(), "{bin} --help");
        assert!(String::from_utf8(output.stdout).unwrap().contains("Usage:"));

        let output = run(bin, &["--no-such-flag"]);
        assert_eq!(
            output.status.code(),
            Some(usage),
            "{bin} rejects unknown flags"
        );
    }
}
