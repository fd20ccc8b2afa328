//! `dalel serve`: start, answer, stop cleanly.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tests::{DalelServer, binary};

#[test]
fn sigterm_stops_the_service_cleanly() {
    let server = DalelServer::start(&[]);
    let mut response = ureq::get(&server.url("/healthz")).call().unwrap();
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.body_mut().read_json().unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));

    let exit = server.stop(Signal::SIGTERM);
    assert!(exit.status.success(), "{:?}: {:#?}", exit.status, exit.log);
    assert!(
        exit.log.iter().any(|l| l.contains("SIGTERM received")),
        "{:#?}",
        exit.log
    );
    assert!(
        exit.log.iter().any(|l| l.contains("\"stopped\"")),
        "{:#?}",
        exit.log
    );
}

#[test]
fn sigint_stops_the_service_cleanly() {
    let server = DalelServer::start(&[]);
    let exit = server.stop(Signal::SIGINT);
    assert!(exit.status.success(), "{:?}: {:#?}", exit.status, exit.log);
    assert!(
        exit.log.iter().any(|l| l.contains("SIGINT received")),
        "{:#?}",
        exit.log
    );
}

#[test]
fn data_directory_is_created_private_on_first_start() {
    let server = DalelServer::start(&[]);
    let meta = std::fs::metadata(server.data_dir()).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
}

#[test]
fn unknown_endpoint_is_a_json_404() {
    let server = DalelServer::start(&[]);
    let response = ureq::get(&server.url("/v1/nope"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(response.status(), 404);
    let json: serde_json::Value = response.into_body().read_json().unwrap();
    assert_eq!(json["error"], "not_found");
}

#[test]
fn a_second_service_on_the_same_store_is_refused() {
    let server = DalelServer::start(&[]);
    let output = Command::new(binary("dalel"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(server.data_dir())
        .env_remove("DALEL_CONFIG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already in use"), "{stderr}");
}

/// The README promise: `dalel serve` with no arguments runs on the embedded default
/// (127.0.0.1:8740, data under the user's data directory) and stops on Ctrl-C.
#[test]
fn serve_with_no_arguments_uses_the_embedded_default() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary("dalel"))
        .arg("serve")
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("DALEL_DATA")
        .env_remove("DALEL_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Ok(mut response) = ureq::get("http://127.0.0.1:8740/healthz").call() {
            break response
                .body_mut()
                .read_json::<serde_json::Value>()
                .unwrap();
        }
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "dalel serve exited early ({status}): {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert!(Instant::now() < deadline, "no answer on 127.0.0.1:8740");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(answer["status"], "ok");
    assert!(home.path().join(".local/share/dalel").is_dir());

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        Signal::SIGINT,
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
