//! Dälel's verifier: everything needed to decide whether evidence is authentic.
//!
//! This crate is meant to be read on its own by an auditor. It depends on no other Dälel
//! crate, performs no device I/O, and (unless a caller explicitly asks for it) no network
//! I/O: it works on bytes, trust anchors and a time handed to it by the caller.
//!
//! Capabilities arrive issue by issue: X.509 path validation, CRL/OCSP, CMS/CAdES,
//! RFC 3161 tokens, PAdES, and Merkle proofs and checkpoints.

pub mod cache;
pub mod checkpoint;
pub mod cms;
pub mod crypto;
pub mod kz;
pub mod merkle;
pub mod note;
pub mod pades;
pub mod path;
pub mod pdf;
pub mod receipt;
pub mod report;
pub mod revocation;
pub mod tsp;
pub mod validation;

/// The version of this crate, reported by `dalel-verify --version` and in reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
