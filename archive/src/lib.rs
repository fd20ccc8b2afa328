//! The append-only evidence archive: content-addressed blobs (BLAKE3), a Merkle log hashed per
//! RFC 9162, signed checkpoints, proofs and the audit of the whole store.
//!
//! The archive never performs device I/O, and uses [`verifier`] only for types and checks.
//! Storage arrives with the archive issue.

/// The version of the archive format code.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
