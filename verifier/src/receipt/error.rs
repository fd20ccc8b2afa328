//! Errors of receipt parsing, verification and blob checks.

use std::fmt;

use super::HEADER;
use crate::checkpoint::CheckpointError;
use crate::merkle::MerkleError;

/// A digest algorithm recorded in an archive entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// BLAKE3 (256-bit output), the archive's content address.
    Blake3,
    /// SHA-256 (FIPS 180-4), for interoperability with RFC 3161 imprints.
    Sha256,
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Blake3 => "BLAKE3",
            Self::Sha256 => "SHA-256",
        })
    }
}

/// Why a receipt, or a blob checked against it, was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The receipt exceeds [`MAX_RECEIPT_LEN`](super::MAX_RECEIPT_LEN).
    #[error("receipt is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Length of the receipt.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The first line is not [`HEADER`].
    #[error("receipt does not start with the line {HEADER:?}")]
    MissingHeader,
    /// The `extra` line's data is not canonical standard base64.
    #[error("line {line}: extra data is not valid base64")]
    InvalidExtra {
        /// One-based line number.
        line: usize,
    },
    /// The `index` line is missing or not `index <decimal without leading zeroes>`.
    #[error("line {line}: expected \"index <decimal>\"")]
    InvalidIndex {
        /// One-based line number.
        line: usize,
    },
    /// An inclusion proof line is not base64 of a 32-byte hash.
    #[error("line {line}: proof hash is not base64 of 32 bytes")]
    InvalidProofHash {
        /// One-based line number.
        line: usize,
    },
    /// More proof lines than any tree of `u64` size needs.
    #[error("more than {max} proof hashes")]
    TooManyProofHashes {
        /// The limit.
        max: usize,
    },
    /// No empty line and checkpoint follow the proof.
    #[error("receipt has no checkpoint after the proof")]
    MissingCheckpoint,
    /// A Dälel receipt must carry the archive entry as `extra` data.
    #[error("receipt has no extra line carrying the archive entry")]
    MissingEntry,
    /// The checkpoint is malformed, not signed by the trusted key, or from another log.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The index is not inside the checkpointed tree.
    #[error("entry index {index} is outside the checkpointed tree of size {size}")]
    IndexOutOfRange {
        /// The receipt's index.
        index: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The inclusion proof does not lead from the entry to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    Inclusion(#[source] MerkleError),
    /// The entry JSON is not an object with the required fields.
    #[error("archive entry is malformed: {reason}")]
    InvalidEntry {
        /// What the JSON decoder reported.
        reason: String,
    },
    /// A digest field of the entry is not 64 lowercase hex digits.
    #[error("archive entry field {field:?} is not 64 lowercase hex digits")]
    InvalidEntryDigest {
        /// The field name.
        field: &'static str,
    },
    /// The entry's sequence number is not the index it was proven at.
    #[error("archive entry seq {seq} differs from its log index {index}")]
    SeqMismatch {
        /// The entry's `seq`.
        seq: u64,
        /// The receipt's index.
        index: u64,
    },
    /// Reading the blob failed.
    #[error("reading blob: {source}")]
    BlobRead {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The blob's size differs from the entry's.
    #[error("blob is {found} bytes, the archive entry says {expected}")]
    BlobSizeMismatch {
        /// Size recorded in the entry.
        expected: u64,
        /// Size of the blob read.
        found: u64,
    },
    /// A digest of the blob differs from the entry's.
    #[error(
        "blob {algorithm} digest is {}, the archive entry says {}",
        hex::encode(found),
        hex::encode(expected)
    )]
    BlobDigestMismatch {
        /// Which digest differed.
        algorithm: DigestAlgorithm,
        /// Digest recorded in the entry.
        expected: [u8; 32],
        /// Digest of the blob read.
        found: [u8; 32],
    },
}
