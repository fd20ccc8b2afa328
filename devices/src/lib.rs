//! Device drivers: EDS tokens (PIV over PC/SC, PKCS#11 modules), signature tablets (Wacom STU
//! over HID) and fingerprint readers (libfprint).
//!
//! Every driver runs over a transport trait so that `hw-sim` can stand in for the USB or PC/SC
//! layer while the protocol code above it stays the production code. The wire types
//! ([`apdu`], [`tlv`], [`piv::wire`]) are shared with the simulators.
//!
//! - [`transport`]: the APDU-level [`transport::Transport`] trait and its error.
//! - [`pcsc_transport`]: PC/SC readers, cards and insertion/removal events (the only module
//!   that uses the `pcsc` crate).
//! - [`piv`]: the PIV card driver, [`piv::PivCard`].
#![forbid(unsafe_code)]

pub mod apdu;
pub mod pcsc_transport;
pub mod piv;
pub mod tlv;
pub mod transport;

/// The version of the driver crate and its wire types.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
