//! The command line, as clap parses it. No checking beyond types happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Verify Dälel evidence offline: signatures and time-stamps (`dalel-verify FILE`),
/// archive receipts, Merkle proofs and certificate paths.
///
/// `dalel-verify FILE` prints the validation report of a CMS signature, an RFC 3161
/// time-stamp or a signed PDF (every signature and document time-stamp, and what changed
/// after each): exit status 0 TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE, 64 usage error.
/// Works without devices and without network access unless --online is given. Hashes are
/// standard base64 (RFC 4648 §4) of 32 bytes. `merkle` and `receipt`: 0 valid, 1 invalid
/// (including malformed evidence), 2 usage error; `cert`: 0 valid, 1 invalid,
/// 2 indeterminate, 64 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "dalel-verify",
    version = verifier::VERSION,
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    /// Print a machine-readable JSON report instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) verify: crate::verify_cmd::VerifyArgs,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a Merkle inclusion or consistency proof (RFC 9162 §2.1).
    #[command(subcommand)]
    Merkle(MerkleCommand),
    /// Check an archive receipt (C2SP tlog-proof) and, optionally, the blob it names.
    ///
    /// The public key is the trust anchor. Without --origin, the log's name is taken from
    /// the checkpoint's origin line, and the receipt is valid only if a signature line with
    /// that name and this key's ID verifies under the key. With --origin, the checkpoint's
    /// origin must also equal NAME.
    Receipt(ReceiptArgs),
    /// Validate an X.509 certificate path (RFC 5280 §6) to a trust anchor.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 indeterminate, 64 usage error.
    Cert(crate::cert::CertArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum MerkleCommand {
    /// Check that a leaf hash is in a tree (RFC 9162 §2.1.3.2).
    Inclusion(InclusionArgs),
    /// Check that one tree extends another (RFC 9162 §2.1.4.2).
    Consistency(ConsistencyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InclusionArgs {
    /// Zero-based index of the leaf.
    #[arg(long, value_name = "N")]
    pub(crate) leaf_index: u64,
    /// Number of leaves in the tree.
    #[arg(long, value_name = "N")]
    pub(crate) tree_size: u64,
    /// The leaf hash, SHA-256(0x00 || data), in base64.
    #[arg(long, value_name = "B64")]
    pub(crate) leaf_hash: String,
    /// The trusted root hash, in base64.
    #[arg(long, value_name = "B64")]
    pub(crate) root: String,
    /// Proof hashes in base64, comma-separated, leaf's sibling first; empty or omitted for
    /// an empty proof.
    #[arg(long, value_name = "B64[,B64...]")]
    pub(crate) proof: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ConsistencyArgs {
    /// Size of the old tree.
    #[arg(long, value_name = "N")]
    pub(crate) size1: u64,
    /// Size of the new tree.
    #[arg(long, value_name = "N")]
    pub(crate) size2: u64,
    /// Root of the old tree, in base64.
    #[arg(long, value_name = "B64")]
    pub(crate) root1: String,
    /// Root of the new tree, in base64.
    #[arg(long, value_name = "B64")]
    pub(crate) root2: String,
    /// Proof hashes in base64, comma-separated; empty or omitted for an empty proof.
    #[arg(long, value_name = "B64[,B64...]")]
    pub(crate) proof: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ReceiptArgs {
    /// The receipt (.tlog-proof) file.
    pub(crate) file: PathBuf,
    /// The log's checkpoint key: an ECDSA P-256 public key, PEM "PUBLIC KEY" (SPKI).
    #[arg(long, value_name = "PUBKEY.pem")]
    pub(crate) key: PathBuf,
    /// A blob to check against the entry's size, BLAKE3 and SHA-256.
    #[arg(long, value_name = "FILE")]
    pub(crate) blob: Option<PathBuf>,
    /// Require this log origin (and key name) instead of taking it from the checkpoint.
    #[arg(long, value_name = "NAME")]
    pub(crate) origin: Option<String>,
}
