//! Device drivers: EDS tokens (PIV over PC/SC, PKCS#11 modules), signature tablets (Wacom STU
//! over HID) and fingerprint readers (libfprint).
//!
//! Every driver runs over a transport trait so that `hw-sim` can stand in for the USB or PC/SC
//! layer while the protocol code above it stays the production code. Drivers arrive with the
//! device issues.

/// The version of the driver crate and its wire types.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
