//! Simulated hardware for tests, demos and CI.
//!
//! Each simulator stands in for a device at the lowest layer reachable without USB. The
//! virtual PIV card ([`piv::PivCard`]) attaches to the real `pcscd` through vsmartcard's
//! `vpcd` reader driver ([`vpcd::CardHandle`]), so the PC/SC stack and every tool above it
//! (yubico-piv-tool, OpenSC, Dälel's driver) talk to it as to a card in a reader.
//! [`pcscd::PrivatePcscd`] starts a pcscd of a test's own.
//!
//! A test starts a pcscd and inserts a card in-process:
//!
//! ```no_run
//! # fn main() -> Result<(), hw_sim::Error> {
//! use hw_sim::{CardConfig, CardHandle, Faults, PivCard, PrivatePcscd};
//! let pcscd = PrivatePcscd::start()?;
//! let card = PivCard::in_memory(&CardConfig::default())?;
//! let handle = CardHandle::spawn(card, pcscd.vpcd_addr(), Faults::default());
//! handle.wait_connected(std::time::Duration::from_secs(10))?;
//! // Run tools with pcscd.env() against reader pcscd.reader_name(); pull the card with
//! // handle.remove(), arm faults with handle.set_faults(..).
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod error;
pub mod pcscd;
pub mod piv;
mod serve;
pub mod vpcd;

pub use error::Error;
pub use pcscd::PrivatePcscd;
pub use piv::{CardConfig, ManagementKey, PivCard};
pub use serve::{ServeOptions, serve_card};
pub use vpcd::{CardHandle, Faults, Garbage, Icc, Stats};

/// The version of the simulator, reported by `hw-sim --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
