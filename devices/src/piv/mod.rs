//! The PIV card application (NIST SP 800-73-4) over any [`Transport`](crate::transport::Transport).
//!
//! [`PivCard`] is the driver: SELECT, PIN handling, certificates, signing, and (behind the
//! management key) key generation and data-object writes. It speaks APDUs only, so the same
//! code runs against a PC/SC reader ([`crate::pcsc_transport`]), `hw-sim`'s virtual card, and
//! the scripted transports of the tests:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use devices::pcsc_transport::PcscContext;
//! use devices::piv::{KeyAlgorithm, Pin, PivCard, Slot};
//!
//! let transport = PcscContext::establish()?.connect("Yubico")?;
//! let mut card = PivCard::open(transport)?;
//! let certificate = card.read_certificate(Slot::Signature)?;
//! let pin = Pin::new(b"123456")?;
//! let signature = card.sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &[0u8; 32])?;
//! # let _ = (certificate, signature);
//! # Ok(()) }
//! ```

mod card;
mod error;
mod exchange;
mod keygen;
mod management;
mod objects;
mod pin;
mod secret;
mod sign;
pub mod wire;

#[cfg(test)]
mod tests;

// The public interface is:
pub use card::{PivCard, Version};
pub use error::PivError;
pub use exchange::MAX_RESPONSE_LEN;
pub use keygen::PublicKey;
pub use pin::PinStatus;
pub use secret::{ManagementAlgorithm, ManagementKey, Pin, Puk};
pub use wire::{KeyAlgorithm, Slot};
