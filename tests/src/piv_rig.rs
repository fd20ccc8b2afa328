//! A virtual PIV card in a private pcscd, for tests of everything that talks PC/SC.
//!
//! libpcsclite finds pcscd through `PCSCLITE_CSOCK_NAME`, read once per process, and a test
//! cannot change its own environment (it is shared by every test thread). So a test that
//! drives the card in-process runs its body in a child copy of the test binary with that
//! variable set: [`Rig::run_child`] in the parent, [`child_env`] in the child.

use std::ffi::OsString;
use std::process::Command;
use std::time::Duration;

use hw_sim::{CardConfig, CardHandle, Faults, PivCard, PrivatePcscd};

/// Set in a child started by [`Rig::run_child`]; its value is the reader's name.
pub const CHILD_READER_ENV: &str = "DALEL_TEST_PIV_READER";

/// pcscd, with one virtual card inserted in its first vpcd reader.
pub struct Rig {
    /// The private pcscd.
    pub pcscd: PrivatePcscd,
    /// The card, running on its own thread.
    pub card: CardHandle,
}

impl Rig {
    /// Starts pcscd and inserts a fresh in-memory card with the default PIN, PUK and
    /// management key.
    pub fn start() -> Self {
        Self::with_card(PivCard::in_memory(&CardConfig::default()).unwrap())
    }

    /// Starts pcscd and inserts `card`.
    pub fn with_card(card: PivCard) -> Self {
        let pcscd = PrivatePcscd::start().unwrap();
        let card = CardHandle::spawn(card, pcscd.vpcd_addr(), Faults::default());
        // Powered up by pcscd: clients see the card from now on.
        card.wait_present(Duration::from_secs(20)).unwrap();
        Self { pcscd, card }
    }

    /// The reader the card is in.
    pub fn reader(&self) -> &'static str {
        self.pcscd.reader_name()
    }

    /// The environment a PC/SC client process needs.
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        self.pcscd.env()
    }

    /// Runs the test `name` (its path inside the test binary, e.g. `piv::driver::pin`) in a
    /// child process that talks to this pcscd, and fails if the child fails.
    pub fn run_child(&self, name: &str) {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads", "1"])
            .envs(self.env())
            .env(CHILD_READER_ENV, self.reader())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child test {name} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// In a child started by [`Rig::run_child`]: the reader to use. `None` in the parent.
pub fn child_env() -> Option<String> {
    std::env::var(CHILD_READER_ENV).ok()
}
