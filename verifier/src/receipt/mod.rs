//! Archive receipts: [C2SP tlog-proof] files that prove an archive entry is in the log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>
//! index <decimal, no leading zeroes>
//! <base64 hash>                       (zero or more: the inclusion proof, leaf's sibling first)
//! <empty line>
//! <the checkpoint signed note, verbatim>
//! ```
//!
//! [`Receipt::parse`] accepts any tlog-proof. Dälel receipts add one rule: `extra` is always
//! present and holds the exact leaf data, the archive entry's canonical JSON (see
//! [`ArchiveEntry`]), so the leaf hash is `leaf_hash(extra)` and the proof authenticates
//! the entry itself. [`verify_receipt`] checks all of it and returns a [`VerifiedReceipt`];
//! [`VerifiedReceipt::check_blob`] then ties a blob to the entry.
//!
//! [C2SP tlog-proof]: https://c2sp.org/tlog-proof

mod blob;
mod entry;
mod error;

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

pub use self::entry::ArchiveEntry;
pub use self::error::{DigestAlgorithm, ReceiptError};
use crate::checkpoint::{
    Checkpoint, CheckpointError, VerifiedCheckpoint, decode_hash, parse_decimal, verify_checkpoint,
};
use crate::merkle::{self, Hash};
use crate::note::{NoteVerifier, SignedNote};

/// First line of every proof (tlog-proof §Format).
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Largest receipt accepted, in bytes: a 64 KiB checkpoint note, 64 proof lines and a
/// generous entry fit many times over.
pub const MAX_RECEIPT_LEN: usize = 1024 * 1024;

/// A tree of `u64` size is at most 64 levels deep, so no valid proof is longer.
const MAX_PROOF_HASHES: usize = 64;

/// A syntactically valid tlog-proof, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    extra: Option<Vec<u8>>,
    index: u64,
    proof: Vec<Hash>,
    checkpoint: Vec<u8>,
}

/// Splits input into `\n`-terminated lines, counting them for error messages.
struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
}

impl<'a> Lines<'a> {
    /// The next complete line without its newline, or `None` if no newline is left.
    fn next_line(&mut self) -> Option<&'a [u8]> {
        let end = self.rest.iter().position(|&b| b == b'\n')?;
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest.get(1..).unwrap_or_default();
        self.number += 1;
        Some(line)
    }
}

impl Receipt {
    /// Parses a tlog-proof (tlog-proof §Format). The checkpoint is kept as bytes; it is parsed
    /// and verified by [`Self::verify`].
    ///
    /// # Errors
    /// A [`ReceiptError`] naming the first syntax problem and its line.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReceiptError> {
        if bytes.len() > MAX_RECEIPT_LEN {
            return Err(ReceiptError::TooLarge {
                len: bytes.len(),
                max: MAX_RECEIPT_LEN,
            });
        }
        let mut lines = Lines {
            rest: bytes,
            number: 0,
        };
        if lines.next_line() != Some(HEADER.as_bytes()) {
            return Err(ReceiptError::MissingHeader);
        }
        let mut line = lines.next_line();
        let mut extra = None;
        if let Some(encoded) = line.and_then(|l| l.strip_prefix(b"extra ")) {
            let decoded = BASE64
                .decode(encoded)
                .map_err(|_| ReceiptError::InvalidExtra { line: lines.number })?;
            extra = Some(decoded);
            line = lines.next_line();
        }
        let index = line
            .and_then(|l| l.strip_prefix(b"index "))
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(parse_decimal)
            .ok_or(ReceiptError::InvalidIndex {
                line: lines.number + usize::from(line.is_none()),
            })?;
        let mut proof = Vec::new();
        loop {
            let line = lines.next_line().ok_or(ReceiptError::MissingCheckpoint)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ReceiptError::TooManyProofHashes {
                    max: MAX_PROOF_HASHES,
                });
            }
            let hash = std::str::from_utf8(line)
                .ok()
                .and_then(decode_hash)
                .ok_or(ReceiptError::InvalidProofHash { line: lines.number })?;
            proof.push(hash);
        }
        if lines.rest.is_empty() {
            return Err(ReceiptError::MissingCheckpoint);
        }
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: lines.rest.to_vec(),
        })
    }

    /// The decoded `extra` data, if any (unauthenticated until verified).
    #[must_use]
    pub fn extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// The entry's index in the log.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The inclusion proof, leaf's sibling first.
    #[must_use]
    pub fn proof(&self) -> &[Hash] {
        &self.proof
    }

    /// The checkpoint signed note, verbatim.
    #[must_use]
    pub fn checkpoint_note(&self) -> &[u8] {
        &self.checkpoint
    }

    /// The origin line of the checkpoint, **unverified**.
    ///
    /// For callers whose trust anchor is a key alone, not a (name, key) pair: using this as
    /// the key name is safe because [`Self::verify`] still requires a signature line with this
    /// name *and* the key's ID to verify under the key, and the origin to equal the name.
    ///
    /// # Errors
    /// A [`CheckpointError`] if the checkpoint is not a well-formed checkpoint note.
    pub fn claimed_origin(&self) -> Result<String, CheckpointError> {
        let note = SignedNote::parse(&self.checkpoint)?;
        Ok(Checkpoint::parse(note.text())?.origin().to_owned())
    }

    /// Verifies a Dälel receipt against the log's key: the checkpoint must be signed by
    /// `verifier` and have its name as origin; `index` must lie inside the tree; the proof
    /// must include `leaf_hash(extra)` at `index` under the checkpoint's root; and the entry
    /// in `extra` must be well formed with `seq == index`.
    ///
    /// # Errors
    /// Any [`ReceiptError`] except the blob ones.
    pub fn verify<V: NoteVerifier + ?Sized>(
        self,
        verifier: &V,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        let extra = self.extra.ok_or(ReceiptError::MissingEntry)?;
        let checkpoint = verify_checkpoint(&self.checkpoint, verifier, verifier.key_name())?;
        let (size, root) = (
            checkpoint.checkpoint().size(),
            checkpoint.checkpoint().root(),
        );
        if self.index >= size {
            return Err(ReceiptError::IndexOutOfRange {
                index: self.index,
                size,
            });
        }
        let leaf_hash = merkle::leaf_hash(&extra);
        merkle::verify_inclusion(self.index, size, &leaf_hash, &self.proof, root)
            .map_err(ReceiptError::Inclusion)?;
        // Only now is `extra` authenticated, so only now is it interpreted.
        let entry = ArchiveEntry::parse(&extra)?;
        if entry.seq() != self.index {
            return Err(ReceiptError::SeqMismatch {
                seq: entry.seq(),
                index: self.index,
            });
        }
        Ok(VerifiedReceipt {
            checkpoint,
            index: self.index,
            leaf_hash,
            entry,
        })
    }
}

/// Parses and verifies a Dälel receipt; see [`Receipt::verify`].
///
/// # Errors
/// Any [`ReceiptError`] except the blob ones.
pub fn verify_receipt<V: NoteVerifier + ?Sized>(
    receipt: &[u8],
    verifier: &V,
) -> Result<VerifiedReceipt, ReceiptError> {
    Receipt::parse(receipt)?.verify(verifier)
}

/// A receipt proven against a trusted log key: the entry is in the log at `index` under a
/// checkpoint the key signed. Only [`Receipt::verify`] creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    checkpoint: VerifiedCheckpoint,
    index: u64,
    leaf_hash: Hash,
    entry: ArchiveEntry,
}

impl VerifiedReceipt {
    /// The verified checkpoint the entry was proven under.
    #[must_use]
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The entry's index in the log.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The entry's leaf hash, `SHA-256(0x00 || entry JSON)`.
    #[must_use]
    pub fn leaf_hash(&self) -> &Hash {
        &self.leaf_hash
    }

    /// The archive entry.
    #[must_use]
    pub fn entry(&self) -> &ArchiveEntry {
        &self.entry
    }

    /// Streams a blob (64 KiB at a time) and checks its size, BLAKE3 and SHA-256 digests
    /// against the entry.
    ///
    /// # Errors
    /// [`ReceiptError::BlobRead`], [`ReceiptError::BlobSizeMismatch`] or
    /// [`ReceiptError::BlobDigestMismatch`] naming the digest that differed.
    pub fn check_blob(&self, reader: impl Read) -> Result<(), ReceiptError> {
        blob::check_blob(&self.entry, reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MerkleError;

    const CHECKPOINT: &str =
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} o AAAAAQE=\n";
    const HASH: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    #[test]
    fn parses_spec_shape() {
        let text = format!("{HEADER}\nextra e30=\nindex 0\n{HASH}\n{HASH}\n\n{CHECKPOINT}");
        let receipt = Receipt::parse(text.as_bytes()).unwrap();
        assert_eq!(receipt.extra(), Some(&b"{}"[..]));
        assert_eq!(receipt.index(), 0);
        assert_eq!(receipt.proof().len(), 2);
        assert_eq!(receipt.checkpoint_note(), CHECKPOINT.as_bytes());

        let text = format!("{HEADER}\nindex 12\n\n{CHECKPOINT}");
        let receipt = Receipt::parse(text.as_bytes()).unwrap();
        assert_eq!(receipt.extra(), None);
        assert_eq!(receipt.index(), 12);
        assert!(receipt.proof().is_empty());
    }

    #[test]
    fn names_the_bad_line() {
        let cases = [
            (String::new(), "MissingHeader"),
            (
                format!("{HEADER} \nindex 0\n\n{CHECKPOINT}"),
                "MissingHeader",
            ),
            (
                format!("{HEADER}\nextra e30\nindex 0\n\n{CHECKPOINT}"),
                "InvalidExtra { line: 2 }",
            ),
            (
                format!("{HEADER}\nindex 00\n\n{CHECKPOINT}"),
                "InvalidIndex { line: 2 }",
            ),
            (
                format!("{HEADER}\nextra e30=\n"),
                "InvalidIndex { line: 3 }",
            ),
            (
                format!("{HEADER}\nindex 0\n{HASH}\nAAAA\n\n{CHECKPOINT}"),
                "InvalidProofHash { line: 4 }",
            ),
            (format!("{HEADER}\nindex 0\n{HASH}\n"), "MissingCheckpoint"),
            (format!("{HEADER}\nindex 0\n\n"), "MissingCheckpoint"),
        ];
        for (text, want) in cases {
            let got = format!("{:?}", Receipt::parse(text.as_bytes()).unwrap_err());
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn bounds_proof_length() {
        let proof = format!("{HASH}\n").repeat(MAX_PROOF_HASHES + 1);
        let text = format!("{HEADER}\nindex 0\n{proof}\n{CHECKPOINT}");
        assert!(matches!(
            Receipt::parse(text.as_bytes()),
            Err(ReceiptError::TooManyProofHashes { max: 64 })
        ));
    }

    /// Accepts any signature line named `o` with key ID 1, to test what follows the note.
    struct AnySignature;

    impl NoteVerifier for AnySignature {
        fn key_name(&self) -> &str {
            "o"
        }
        fn key_id(&self) -> u32 {
            1
        }
        fn verify(&self, _: &[u8], _: &[u8]) -> bool {
            true
        }
    }

    #[test]
    fn verification_order_and_errors() {
        let verify = |text: String| verify_receipt(text.as_bytes(), &AnySignature).unwrap_err();
        let err = verify(format!("{HEADER}\nindex 0\n\n{CHECKPOINT}"));
        assert!(matches!(err, ReceiptError::MissingEntry), "{err:?}");
        let err = verify(format!("{HEADER}\nextra e30=\nindex 1\n\n{CHECKPOINT}"));
        assert!(
            matches!(err, ReceiptError::IndexOutOfRange { index: 1, size: 1 }),
            "{err:?}"
        );
        let err = verify(format!("{HEADER}\nextra e30=\nindex 0\n\n{CHECKPOINT}"));
        assert!(
            matches!(
                err,
                ReceiptError::Inclusion(MerkleError::RootMismatch { .. })
            ),
            "{err:?}"
        );
    }
}
