//! Dälel's signing service: signing (CMS/CAdES, PAdES), the RFC 3161 time-stamp authority,
//! key access, sessions and roles, and the HTTP API served by the `dalel` binary.
//!
//! The binary only parses arguments; everything it does is a call into this library, so the
//! service can be built and tested without a process or a socket (see [`http::app`]).

pub mod cades;
pub mod config;
pub mod data_dir;
pub mod dev_pki;
pub mod eds;
pub mod http;
pub mod keys;
pub mod logging;
pub mod pades;
pub mod station;
pub mod tokens;
pub mod tsa;

/// The service version, reported by `/healthz` and `dalel --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
