//! The archive over HTTP on a real `dalel serve`: streamed upload and download, receipts that
//! `dalel-verify` accepts, authentication, and the limits.

use std::io::Read;
use std::process::Command;

use tests::{DalelServer, binary};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A reader producing `len` pseudo-random bytes without holding them in memory.
struct Pattern {
    left: u64,
    state: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for byte in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *byte = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn pattern(len: u64) -> Pattern {
    Pattern {
        left: len,
        state: 0x9E37_79B9_7F4A_7C15,
    }
}

#[test]
fn upload_download_and_receipt_over_http() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let len = 40u64 << 20;
    let mut expected = blake3::Hasher::new();
    std::io::copy(&mut pattern(len), &mut expected).unwrap();
    let expected = expected.finalize();

    // Streamed without a Content-Length (chunked), 40 MiB.
    let mut response = agent
        .post(&server.url("/v1/archive?case=2026-07&kind=video&meta=room%3D2"))
        .header("Authorization", server.bearer())
        .header("Content-Type", "video/mp4")
        .send(ureq::SendBody::from_reader(&mut pattern(len)))
        .unwrap();
    assert_eq!(response.status(), 201);
    let receipt: serde_json::Value = response.body_mut().read_json().unwrap();
    assert_eq!(receipt["entry"]["blake3"], expected.to_hex().as_str());
    assert_eq!(receipt["entry"]["size"], len);
    assert_eq!(receipt["entry"]["media_type"], "video/mp4");

    let mut response = agent
        .get(&server.url("/v1/archive/0"))
        .header("Authorization", server.bearer())
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut hasher = blake3::Hasher::new();
    let copied = std::io::copy(
        &mut response.body_mut().with_config().limit(u64::MAX).reader(),
        &mut hasher,
    )
    .unwrap();
    assert_eq!(copied, len);
    assert_eq!(hasher.finalize(), expected);

    // The receipt served over HTTP verifies offline with the served key and the bytes.
    let proof = agent
        .get(&server.url("/v1/archive/0/proof"))
        .header("Authorization", server.bearer())
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let key = agent
        .get(&server.url("/v1/checkpoint/key"))
        .header("Authorization", server.bearer())
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let scratch = server.scratch();
    std::fs::write(scratch.join("receipt"), proof).unwrap();
    std::fs::write(scratch.join("key.pem"), key).unwrap();
    let mut blob = std::fs::File::create(scratch.join("blob")).unwrap();
    std::io::copy(&mut pattern(len), &mut blob).unwrap();
    let output = Command::new(binary("dalel-verify"))
        .arg("receipt")
        .arg(scratch.join("receipt"))
        .arg("--key")
        .arg(scratch.join("key.pem"))
        .arg("--blob")
        .arg(scratch.join("blob"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // The checkpoint's time-stamp token is served too.
    let size = receipt["checkpoint"]["size"].as_u64().unwrap();
    let response = agent
        .get(&server.url(&format!("/v1/checkpoint/{size}/timestamp")))
        .header("Authorization", server.bearer())
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn no_token_no_access_and_limits_hold() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[archive]\nmax_upload_bytes = 1000\n").unwrap();
    let server = DalelServer::start(&["--config", config.path().to_str().unwrap()]);
    let agent = agent();

    let response = agent
        .post(&server.url("/v1/archive"))
        .send(&b"evidence"[..])
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = agent.get(&server.url("/tlog/checkpoint")).call().unwrap();
    assert_eq!(response.status(), 401);
    // Health checks stay open.
    let response = agent.get(&server.url("/healthz")).call().unwrap();
    assert_eq!(response.status(), 200);

    let mut response = agent
        .post(&server.url("/v1/archive"))
        .header("Authorization", server.bearer())
        .send(ureq::SendBody::from_reader(&mut pattern(5000)))
        .unwrap();
    assert_eq!(response.status(), 413);
    let json: serde_json::Value = response.body_mut().read_json().unwrap();
    assert_eq!(json["error"], "too_large");

    // A token made with the CLI works at once; revoked, it stops working at once.
    let dalel = |args: &[&str]| {
        Command::new(binary("dalel"))
            .arg("--data")
            .arg(server.data_dir())
            .arg("token")
            .args(args)
            .output()
            .unwrap()
    };
    let output = dalel(&["create", "case-module"]);
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let list = String::from_utf8(dalel(&["list"]).stdout).unwrap();
    assert!(
        list.contains("case-module") && !list.contains(&token),
        "{list}"
    );
    let status = |agent: &ureq::Agent| {
        agent
            .get(&server.url("/v1/checkpoint"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
    };
    assert_eq!(status(&agent), 200);
    assert!(dalel(&["revoke", "case-module"]).status.success());
    assert_eq!(status(&agent), 401);

    // The log never holds a token.
    let exit = server.stop(nix::sys::signal::Signal::SIGTERM);
    let log = exit.log.join("\n");
    assert!(!log.contains(&token), "{log}");
}
