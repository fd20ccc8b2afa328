//! Harness for Dälel's end-to-end tests: finds the workspace's binaries, starts `dalel serve`
//! on a free loopback port with a private data directory, and stops it with a signal.
//!
//! Every test process gets its own servers and directories, so tests run in parallel and
//! leave nothing behind.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod binaries;
pub mod pdf;
pub mod piv_rig;
mod server;
pub mod test_ca;

pub use binaries::binary;
pub use server::{DalelServer, Exit};
