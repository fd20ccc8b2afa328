//! EDS tokens: Dälel's PIV driver, token keys and EDS login against `hw-sim`'s virtual PIV
//! card, attached to a real pcscd through vsmartcard's vpcd (each test starts its own).
//!
//! Tests that drive the card in-process run their body in a child process that talks to the
//! test's pcscd ([`tests::piv_rig`]): each is written as "parent part, else child part".

mod driver;
mod eds;
mod provision;
mod signing;

use devices::pcsc_transport::{PcscContext, PcscTransport};
use devices::piv::{Pin, PivCard};

/// The default PIN of the virtual card.
const PIN: &str = "123456";

fn pin(text: &str) -> Pin {
    Pin::new(text.as_bytes()).unwrap()
}

/// Runs `command` with `input` on its standard input (a PIN, as a user types it when
/// standard input is not a terminal) and returns what it printed.
fn run_with_stdin(command: &mut std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// In a child process: the PIV application of the card in `reader`.
fn open_card(reader: &str) -> PivCard<PcscTransport> {
    let transport = PcscContext::establish().unwrap().connect(reader).unwrap();
    PivCard::open(transport).unwrap()
}
