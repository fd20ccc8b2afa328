//! Simulated hardware for tests, demos and CI.
//!
//! Each simulator stands in for a device at the lowest layer reachable without USB: a virtual
//! PIV card attached to the real `pcscd` through `vpcd`, a simulated STU tablet behind the HID
//! transport seam of [`devices`], and synthetic fingerprints fed to libfprint. Simulators arrive
//! with the device issues.

/// The version of the simulator, reported by `hw-sim --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
