//! Signing and time-stamps on a real `dalel serve` and through the CLI: CMS/CAdES signatures
//! that OpenSSL, `dalel-verify` and `POST /v1/verify` accept, the RFC 3161 authority as
//! OpenSSL's `ts` client sees it, serial numbers across restarts, and the errors.

mod cli;
mod http;
mod tsp;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tests::binary;

const DETACHED_TYPE: &str = "application/pkcs7-signature";
const ATTACHED_TYPE: &str = "application/pkcs7-mime; smime-type=signed-data";

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A command with none of the environment that would point it elsewhere.
pub(crate) fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .env_remove("DALEL_DATA")
        .env_remove("DALEL_CONFIG")
        .env_remove("DALEL_LOG")
        .env_remove("DALEL_TOKEN");
    command
}

pub(crate) fn openssl() -> Command {
    command("openssl")
}

pub(crate) fn dalel(data: &Path) -> Command {
    let mut command = command(binary("dalel"));
    command.arg("--data").arg(data);
    command
}

/// Runs the command and returns its standard output, failing the test unless it succeeded.
pub(crate) fn ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Asserts the command failed with exit status 1 and exactly one `error: ` line containing
/// every needle, and no panic.
pub(crate) fn assert_one_line_error(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "missing {needle:?} in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Deterministic binary content (every byte value, CR and LF included), distinct per `seed`.
fn document(seed: usize, len: usize) -> Vec<u8> {
    let mut bytes = format!("document {seed}\r\n").into_bytes();
    bytes.extend((0..len).map(|i| ((i * 31 + seed * 7) % 256) as u8));
    bytes
}

fn sha256_hex(file: &Path) -> String {
    let out = ok(openssl().args(["dgst", "-sha256", "-r"]).arg(file));
    let hex = out.split_whitespace().next().unwrap().to_owned();
    assert_eq!(hex.len(), 64, "{out}");
    hex
}

/// A response's status, `Content-Type` and body.
struct Answer {
    status: u16,
    content_type: String,
    /// The `Connection` header.
    connection: String,
    body: Vec<u8>,
}

impl Answer {
    fn of(mut response: ureq::http::Response<ureq::Body>) -> Self {
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let connection = response
            .headers()
            .get("connection")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        Self {
            status: response.status().as_u16(),
            content_type,
            connection,
            body: response.body_mut().read_to_vec().unwrap(),
        }
    }

    /// The `error` code of a JSON error body.
    fn error(&self) -> String {
        let json: serde_json::Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)));
        json["error"].as_str().unwrap().to_owned()
    }
}

/// `POST /v1/sign/cms?QUERY` with `data` as `application/octet-stream`.
fn sign(agent: &ureq::Agent, url: &str, bearer: Option<&str>, query: &str, data: &[u8]) -> Answer {
    let mut request = agent
        .post(&format!("{url}/v1/sign/cms?{query}"))
        .header("Content-Type", "application/octet-stream");
    if let Some(bearer) = bearer {
        request = request.header("Authorization", bearer);
    }
    let response = request
        .send(data)
        .unwrap_or_else(|e| panic!("POST /v1/sign/cms?{query} ({} bytes): {e}", data.len()));
    Answer::of(response)
}

/// `POST /v1/tsp` with `body` as `content_type`.
fn tsp(
    agent: &ureq::Agent,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Answer {
    let mut request = agent
        .post(&format!("{url}/v1/tsp"))
        .header("Content-Type", content_type);
    if let Some(bearer) = bearer {
        request = request.header("Authorization", bearer);
    }
    let response = request
        .send(body)
        .unwrap_or_else(|e| panic!("POST /v1/tsp ({content_type}): {e}"));
    Answer::of(response)
}

/// `openssl cms -verify` of a DER signature against the root, with its detached content if
/// given; returns the content OpenSSL extracted.
pub(crate) fn openssl_cms_verify(
    signature: &Path,
    content: Option<&Path>,
    root: &Path,
    scratch: &Path,
) -> Vec<u8> {
    let out = scratch.join("openssl-content.out");
    let _ = std::fs::remove_file(&out);
    let mut cmd = openssl();
    cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(signature);
    if let Some(content) = content {
        cmd.arg("-content").arg(content);
    }
    cmd.arg("-CAfile")
        .arg(root)
        .args(["-purpose", "any", "-out"])
        .arg(&out);
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.contains("Verification successful"),
        "{}: {stderr}",
        signature.display()
    );
    std::fs::read(&out).unwrap()
}

/// `dalel-verify SIGNATURE [--data CONTENT] --trust ROOT EXTRA...`; returns the exit code.
pub(crate) fn dalel_verify(
    signature: &Path,
    content: Option<&Path>,
    root: &Path,
    extra: &[&Path],
) -> (i32, String) {
    let mut cmd = command(binary("dalel-verify"));
    cmd.arg(signature);
    if let Some(content) = content {
        cmd.arg("--data").arg(content);
    }
    cmd.arg("--trust").arg(root);
    for arg in extra {
        cmd.arg(arg);
    }
    let output = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap(), text)
}

/// A `multipart/form-data` body of binary fields, and its `Content-Type`.
pub(crate) fn multipart(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "dalel-e2e-7b1f0c2a9d4e4f60a3c5e1d2b8f79c10";
    let mut body = Vec::new();
    for (name, bytes) in fields {
        assert!(
            !bytes
                .windows(BOUNDARY.len())
                .any(|w| w == BOUNDARY.as_bytes()),
            "the boundary occurs in field {name}"
        );
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{name}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn pki(data: &Path, file: &str) -> PathBuf {
    data.join("pki").join(file)
}
