//! Transparency log checkpoints, as specified by [C2SP tlog-checkpoint]: a signed note whose
//! text is
//!
//! ```text
//! <origin>
//! <tree size, ASCII decimal, no leading zeroes>
//! <root hash, base64>
//! [<extension line>...]
//! ```
//!
//! [C2SP tlog-checkpoint]: https://c2sp.org/tlog-checkpoint

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::merkle::Hash;
use crate::note::{NoteError, NoteVerifier, VerifiedNote, verify_note};

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note around the checkpoint is malformed or not signed by the trusted key.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The text does not end in a newline, so its last line is incomplete.
    #[error("checkpoint text does not end with a newline")]
    MissingFinalNewline,
    /// The text has fewer than the three mandatory lines.
    #[error("checkpoint text has {lines} lines, at least 3 are needed")]
    TooFewLines {
        /// Number of lines found.
        lines: usize,
    },
    /// The origin line is empty.
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    /// The tree size line is not a canonical decimal `u64`.
    #[error("checkpoint tree size {line:?} is not a decimal number without leading zeroes")]
    InvalidTreeSize {
        /// The offending line.
        line: String,
    },
    /// The root hash line is not the base64 encoding of 32 bytes.
    #[error("checkpoint root hash {line:?} is not base64 of 32 bytes")]
    InvalidRootHash {
        /// The offending line.
        line: String,
    },
    /// An extension line is empty (tlog-checkpoint §Note text: MUST be non-empty).
    #[error("checkpoint extension line {line} is empty")]
    EmptyExtensionLine {
        /// One-based line number within the note text.
        line: usize,
    },
    /// The origin is not the one the caller expects.
    #[error("checkpoint origin {found:?} is not the expected {expected:?}")]
    OriginMismatch {
        /// The origin the caller trusts.
        expected: String,
        /// The origin on the checkpoint.
        found: String,
    },
    /// The trusted key's name differs from the checkpoint origin.
    #[error("key name {key_name:?} does not match checkpoint origin {origin:?}")]
    KeyNameMismatch {
        /// Name of the trusted key.
        key_name: String,
        /// The origin on the checkpoint.
        origin: String,
    },
}

/// A checkpoint body: the log's tree head at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// Parses checkpoint text (the note text, ending in a newline) strictly, per
    /// tlog-checkpoint §Note text. The result is not authenticated.
    ///
    /// # Errors
    /// A [`CheckpointError`] naming the first problem.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines { lines: lines.len() });
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or_else(|| CheckpointError::InvalidTreeSize {
            line: (*size).to_owned(),
        })?;
        let root = decode_hash(root).ok_or_else(|| CheckpointError::InvalidRootHash {
            line: (*root).to_owned(),
        })?;
        if let Some(i) = extensions.iter().position(|l| l.is_empty()) {
            return Err(CheckpointError::EmptyExtensionLine { line: i + 4 });
        }
        Ok(Self {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|l| (*l).to_owned()).collect(),
        })
    }

    /// The log's origin (its identity).
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of leaves in the tree.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash of the tree at [`Self::size`].
    #[must_use]
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines, opaque and usually absent.
    #[must_use]
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }
}

/// Parses an ASCII decimal `u64` with no sign and no leading zeroes (except `0` itself), the
/// form tlog-checkpoint and tlog-proof both use.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// Decodes canonical standard base64 (RFC 4648 §4) of exactly 32 bytes.
pub(crate) fn decode_hash(s: &str) -> Option<Hash> {
    BASE64.decode(s).ok()?.try_into().ok()
}

/// A checkpoint signed by the trusted key. Only [`verify_checkpoint`] creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: VerifiedNote,
}

impl VerifiedCheckpoint {
    /// The checkpoint body.
    #[must_use]
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The verified note it came from.
    #[must_use]
    pub fn note(&self) -> &VerifiedNote {
        &self.note
    }
}

/// Verifies a checkpoint note: the signature of `verifier` must verify (see
/// [`crate::note::SignedNote::verify`]), the text must be a valid checkpoint, its origin
/// must be `expected_origin`, and the key's name must equal the origin
/// (tlog-checkpoint §Signatures: the key name SHOULD match; Dälel requires it).
///
/// # Errors
/// Any [`CheckpointError`].
pub fn verify_checkpoint<V: NoteVerifier + ?Sized>(
    note: &[u8],
    verifier: &V,
    expected_origin: &str,
) -> Result<VerifiedCheckpoint, CheckpointError> {
    // Signature first: unauthenticated text is not interpreted (signed-note: MUST be ignored).
    let note = verify_note(note, verifier)?;
    let checkpoint = Checkpoint::parse(note.text())?;
    if checkpoint.origin != expected_origin {
        return Err(CheckpointError::OriginMismatch {
            expected: expected_origin.to_owned(),
            found: checkpoint.origin,
        });
    }
    if verifier.key_name() != checkpoint.origin {
        return Err(CheckpointError::KeyNameMismatch {
            key_name: verifier.key_name().to_owned(),
            origin: checkpoint.origin,
        });
    }
    Ok(VerifiedCheckpoint { checkpoint, note })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("10"), Some(10));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "00",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "18446744073709551616",
            "1e3",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_spec_example() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse(text).unwrap();
        assert_eq!(cp.origin(), "example.com/behind-the-sofa");
        assert_eq!(cp.size(), 20_852_163);
        assert_eq!(cp.root()[0], 0x0a);
        assert!(cp.extensions().is_empty());
    }

    #[test]
    fn rejects_malformed_text() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let cases = [
            (String::new(), CheckpointError::MissingFinalNewline),
            (
                "o\n1\n".to_owned(),
                CheckpointError::TooFewLines { lines: 2 },
            ),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n01\n{root}\n"),
                CheckpointError::InvalidTreeSize { line: "01".into() },
            ),
            (
                "o\n1\nAAAA\n".to_owned(),
                CheckpointError::InvalidRootHash {
                    line: "AAAA".into(),
                },
            ),
            (
                format!("o\n1\n{root}\next\n\n"),
                CheckpointError::EmptyExtensionLine { line: 5 },
            ),
            (
                format!("o\n1\n{root}"),
                CheckpointError::MissingFinalNewline,
            ),
        ];
        for (text, err) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(err), "{text:?}");
        }
    }
}
