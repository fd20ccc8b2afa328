//! Transparency evidence: Merkle proofs, signed notes, checkpoints, archive receipts and the
//! `dalel-verify` command line. One integration binary, one module per topic.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod checkpoint;
mod cli;
mod merkle_props;
mod merkle_vectors;
mod note;
mod parsers_never_panic;
mod receipt;
mod support;
