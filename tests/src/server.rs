//! A `dalel serve` process under test.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::binary;

/// How long a server may take to start or stop before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `dalel serve` with its own data directory, listening on a free loopback port.
pub struct DalelServer {
    child: Option<Child>,
    addr: SocketAddr,
    data: PathBuf,
    scratch: PathBuf,
    /// The temporary directory removed with the server, unless the caller keeps the data.
    _owned: Option<tempfile::TempDir>,
    log: mpsc::Receiver<String>,
}

/// How a server process ended.
#[derive(Debug)]
pub struct Exit {
    /// The process status.
    pub status: ExitStatus,
    /// Every line it wrote to standard error after starting.
    pub log: Vec<String>,
}

impl DalelServer {
    /// Starts `dalel serve --listen 127.0.0.1:0` with JSON logs and a fresh data directory,
    /// and waits until it listens and answers `/healthz`.
    pub fn start(extra_args: &[&str]) -> Self {
        let owned = tempfile::tempdir().unwrap();
        let data = owned.path().join("store");
        let scratch = owned.path().to_owned();
        Self::spawn(data, scratch, Some(owned), extra_args)
    }

    /// Starts `dalel serve` on a data directory the caller keeps, so that a test can start
    /// another server on it after this one stops. Scratch files go beside it.
    pub fn start_on(data: &Path, extra_args: &[&str]) -> Self {
        let scratch = data.parent().unwrap_or(data).to_owned();
        Self::spawn(data.to_owned(), scratch, None, extra_args)
    }

    /// As [`DalelServer::start`], with extra environment variables (e.g. the private pcscd's
    /// socket).
    pub fn start_with_env(extra_args: &[&str], env: &[(OsString, OsString)]) -> Self {
        let owned = tempfile::tempdir().unwrap();
        let data = owned.path().join("store");
        let scratch = owned.path().to_owned();
        Self::spawn_with_env(data, scratch, Some(owned), extra_args, env)
    }

    fn spawn(
        data: PathBuf,
        scratch: PathBuf,
        owned: Option<tempfile::TempDir>,
        extra_args: &[&str],
    ) -> Self {
        Self::spawn_with_env(data, scratch, owned, extra_args, &[])
    }

    fn spawn_with_env(
        data: PathBuf,
        scratch: PathBuf,
        owned: Option<tempfile::TempDir>,
        extra_args: &[&str],
        env: &[(OsString, OsString)],
    ) -> Self {
        let mut child = Command::new(binary("dalel"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .arg("--data")
            .arg(&data)
            .args(extra_args)
            .env_remove("DALEL_DATA")
            .env_remove("DALEL_CONFIG")
            .env_remove("DALEL_LOG")
            .env_remove("DALEL_TOKEN")
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = forward_lines(child.stderr.take().unwrap());
        let addr = wait_for_listening(&log, &mut child);
        let server = Self {
            child: Some(child),
            addr,
            data,
            scratch,
            _owned: owned,
            log,
        };
        server.wait_healthy();
        server
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.data.clone()
    }

    /// The API token `dalel serve` created on first start.
    pub fn token(&self) -> String {
        let path = self.data_dir().join("auth/initial-token");
        std::fs::read_to_string(&path).unwrap().trim().to_owned()
    }

    /// `Authorization` header value for [`DalelServer::token`].
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token())
    }

    /// The private temporary directory around the data directory, for test files.
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(mut response) = ureq::get(&self.url("/healthz")).call() {
                let json: serde_json::Value = response.body_mut().read_json().unwrap();
                assert_eq!(json["status"], "ok");
                return;
            }
            assert!(Instant::now() < deadline, "/healthz never answered");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` and waits for the process to end.
    pub fn stop(mut self, signal: Signal) -> Exit {
        let mut child = self.child.take().unwrap();
        kill(Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = wait_with_deadline(&mut child);
        let log = self.log.try_iter().collect();
        Exit { status, log }
    }
}

impl Drop for DalelServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn forward_lines(stderr: ChildStderr) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads the JSON log until the "listening" event and returns its address.
fn wait_for_listening(log: &mpsc::Receiver<String>, child: &mut Child) -> SocketAddr {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        match log.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                    panic!("log line is not JSON: {line}");
                };
                if event["message"] == "listening" {
                    return event["addr"].as_str().unwrap().parse().unwrap();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("dalel serve exited before listening: {status}");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().unwrap();
                panic!("dalel serve closed its log before listening: {status}");
            }
        }
    }
    panic!("dalel serve did not listen within {PATIENCE:?}");
}

fn wait_with_deadline(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
