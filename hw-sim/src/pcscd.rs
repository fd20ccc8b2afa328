//! A private pcscd with a vpcd reader, for tests: its own socket, its own ports, gone on drop.
//!
//! pcscd always serves the fixed socket `/run/pcscd/pcscd.comm` unless it is socket-activated,
//! so the harness starts it under `systemd-socket-activate` on a socket in a private temporary
//! directory. Clients built on libpcsclite (pcsc_scan, yubico-piv-tool, OpenSC) honour
//! `PCSCLITE_CSOCK_NAME`; [`PrivatePcscd::env`] gives it to child processes. (libpcsclite reads
//! the variable once per process, so one process talks to one pcscd.)
//!
//! The vpcd driver listens on two TCP ports, `PORT` (reader `Virtual PCD 00 00`) and `PORT+1`
//! (`Virtual PCD 00 01`), on all interfaces; the harness picks a free pair.
//!
//! Set `HW_SIM_PCSCD_DEBUG=1` to run pcscd with `--debug --apdu` and to keep the private
//! directory after drop (its path goes to standard error); the log, which then holds every
//! APDU with PINs included, is [`PrivatePcscd::log_path`].

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::Error;

/// The vpcd driver as Debian installs it.
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// Name of the first vpcd reader (port `PORT`).
pub const READER_NAME: &str = "Virtual PCD 00 00";
/// Name of the second vpcd reader (port `PORT+1`).
pub const SECOND_READER_NAME: &str = "Virtual PCD 00 01";
/// Ports are picked from here: below Linux's ephemeral range, so an outgoing connection never
/// takes one between the check and pcscd's bind.
const PORT_RANGE: std::ops::Range<u16> = 20_000..32_000;
/// Ports this process handed out, never reused while it runs.
static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
/// How long pcscd gets to bind the vpcd ports.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A running private pcscd. See the [module documentation](self).
#[derive(Debug)]
pub struct PrivatePcscd {
    dir: PathBuf,
    socket: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl PrivatePcscd {
    /// Starts pcscd with one vpcd reader pair and waits until the vpcd ports listen.
    pub fn start() -> Result<PrivatePcscd, Error> {
        let mut last = None;
        for _ in 0..5 {
            match PrivatePcscd::try_start() {
                Ok(pcscd) => return Ok(pcscd),
                // A lost race for the ports: try another pair.
                Err(Error::Pcscd(reason)) => last = Some(reason),
                Err(e) => return Err(e),
            }
        }
        Err(Error::Pcscd(last.unwrap_or_default()))
    }

    fn try_start() -> Result<PrivatePcscd, Error> {
        if !Path::new(VPCD_DRIVER).exists() {
            return Err(Error::MissingProgram {
                program: format!("the vpcd driver {VPCD_DRIVER} (package vsmartcard-vpcd)"),
                source: std::io::ErrorKind::NotFound.into(),
            });
        }
        let port = pick_ports()?;
        let dir = private_dir()?;
        let conf = dir.join("conf");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::State { path, source }
        };
        fs::create_dir(&conf).map_err(io(&conf))?;
        let reader = format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{port}\nLIBPATH {VPCD_DRIVER}\nCHANNELID {port}\n"
        );
        fs::write(conf.join("vpcd"), reader).map_err(io(&conf))?;
        let socket = dir.join("pcscd.comm");
        let log_path = dir.join("pcscd.log");
        let log = fs::File::create(&log_path).map_err(io(&log_path))?;
        let log2 = log.try_clone().map_err(io(&log_path))?;
        let mut command = Command::new("systemd-socket-activate");
        command
            .arg("-l")
            .arg(&socket)
            .args(["pcscd", "--foreground", "--config"])
            .arg(&conf);
        if debug() {
            command.args(["--debug", "--apdu"]);
        }
        // Its own process group, so that drop can signal pcscd and anything it started.
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        let child = command.spawn().map_err(|source| Error::MissingProgram {
            program: "systemd-socket-activate (package systemd)".to_owned(),
            source,
        })?;
        let mut pcscd = PrivatePcscd {
            dir,
            socket,
            port,
            child: Some(child),
        };
        pcscd.wait_ready()?;
        Ok(pcscd)
    }

    /// Waits for the socket, pokes it so that pcscd is exec'd, then waits for vpcd's ports.
    fn wait_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut poked = false;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::Pcscd(format!(
                    "exited with {status} before it was ready; log: {}",
                    self.log().trim()
                )));
            }
            if !poked {
                // pcscd is exec'd lazily, on the first connection to the socket.
                poked = UnixStream::connect(&self.socket).is_ok();
            } else if port_in_use(self.port) && port_in_use(self.port + 1) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(Error::Pcscd(format!(
            "vpcd did not listen on ports {} and {} within {START_TIMEOUT:?}; log: {}",
            self.port,
            self.port + 1,
            self.log().trim()
        )))
    }

    /// The pcscd socket (the value of `PCSCLITE_CSOCK_NAME`).
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The first vpcd port; the second reader's is one more.
    pub fn vpcd_port(&self) -> u16 {
        self.port
    }

    /// Where a card connects to appear in [`READER_NAME`].
    pub fn vpcd_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The name of the reader a card at [`vpcd_addr`](Self::vpcd_addr) appears in.
    pub fn reader_name(&self) -> &'static str {
        READER_NAME
    }

    /// The environment a PC/SC client needs to talk to this pcscd.
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        vec![(
            "PCSCLITE_CSOCK_NAME".into(),
            self.socket.clone().into_os_string(),
        )]
    }

    /// A command for `program` with [`env`](Self::env) applied.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.envs(self.env());
        command
    }

    /// The private directory (configuration, socket, log), removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// pcscd's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("pcscd.log")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for PrivatePcscd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // pcscd exits cleanly on SIGTERM; SIGKILL whatever is left after two seconds.
            let group = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
            let _ = killpg(group, Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.kill();
            let _ = child.wait();
        }
        if debug() {
            eprintln!("hw-sim: pcscd log kept in {}", self.log_path().display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn debug() -> bool {
    std::env::var_os("HW_SIM_PCSCD_DEBUG").is_some()
}

/// Whether something listens on `port` (binding fails even with `SO_REUSEADDR`).
fn port_in_use(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_err()
}

/// A pair `PORT`, `PORT+1`, both free now and not handed out before by this process.
fn pick_ports() -> Result<u16, Error> {
    let mut seed = [0u8; 2];
    getrandom::fill(&mut seed).map_err(|_| Error::Random)?;
    let span = PORT_RANGE.end - PORT_RANGE.start;
    let first = u16::from_be_bytes(seed) % span;
    let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    let taken = taken.get_or_insert_with(HashSet::new);
    // Step by 10 so that parallel instances (in this or another process) sit apart.
    for i in 0..span / 10 {
        let port = PORT_RANGE.start + (first + i * 10) % (span - 1);
        if taken.contains(&port) || taken.contains(&(port + 1)) {
            continue;
        }
        if !port_in_use(port) && !port_in_use(port + 1) {
            taken.insert(port);
            taken.insert(port + 1);
            return Ok(port);
        }
    }
    Err(Error::Pcscd(
        "no free pair of TCP ports for vpcd".to_owned(),
    ))
}

/// A fresh directory under the system temporary directory.
fn private_dir() -> Result<PathBuf, Error> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|_| Error::Random)?;
    let dir = std::env::temp_dir().join(format!("hw-sim-pcscd-{}", hex::encode(id)));
    fs::create_dir(&dir).map_err(|source| Error::State {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}
