//! The append-only evidence archive: content-addressed blobs (BLAKE3), a Merkle log hashed per
//! RFC 9162, signed checkpoints, proofs and the audit of the whole store.
//!
//! The archive never performs device I/O, and uses [`verifier`] only for types and checks.
//! [`Archive`] is the whole store; the modules below are its parts, each usable alone.

pub mod audit;
pub mod blob;
pub mod checkpoint;
pub mod digest;
pub mod durable;
pub mod entry;
mod ingest;
pub mod log;
pub mod store;
pub mod tiles;
pub mod timestamp;
pub mod tree;

pub use audit::{AuditReport, Discrepancy};
pub use entry::{Description, Digests, Entry};
pub use store::{Archive, ArchiveError, Receipt, Reference, SignedCheckpoint};

/// The version of the archive format code.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
