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

/// In a child process: the PIV application of the card in `reader`.
fn open_card(reader: &str) -> PivCard<PcscTransport> {
    let transport = PcscContext::establish().unwrap().connect(reader).unwrap();
    PivCard::open(transport).unwrap()
}
