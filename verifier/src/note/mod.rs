//! Signed notes, as specified by [C2SP signed-note].
//!
//! ```text
//! <text: UTF-8 lines, each ending in "\n">
//! <blank line>
//! — <key name> <base64(uint32 key ID, big-endian || signature)>
//! ...
//! ```
//!
//! The text is everything up to and including the newline before the *last* blank line.
//! Parsing ([`SignedNote::parse`]) only checks syntax; the text means nothing until
//! [`verify_note`] (or [`SignedNote::verify`]) returns a [`VerifiedNote`], which nothing
//! else can create.
//!
//! [C2SP signed-note]: https://c2sp.org/signed-note

mod ecdsa;
mod error;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

pub use self::ecdsa::EcdsaP256NoteVerifier;
pub use self::error::{NoteError, SignatureLineProblem};

/// Largest note accepted, in bytes. The spec asks verifiers to bound notes; 64 KiB holds
/// far more than the 16 signatures verifiers must accept, even post-quantum ones.
pub const MAX_NOTE_LEN: usize = 64 * 1024;

/// Largest number of signature lines accepted (the spec's floor is 16; Go's `note` uses 100).
pub const MAX_SIGNATURES: usize = 100;

/// Start of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Signature bytes carry a 4-byte key ID before the signature proper.
const KEY_ID_LEN: usize = 4;

/// One signature line of a note, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    key_name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// The key name the line claims.
    #[must_use]
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    /// The key ID the line claims (first four bytes, big-endian).
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature proper, after the key ID.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// A syntactically valid signed note whose signatures have not been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Parses a signed note (signed-note §Format), without verifying any signature.
    ///
    /// # Errors
    /// A [`NoteError`] naming the first syntax problem found.
    pub fn parse(note: &[u8]) -> Result<Self, NoteError> {
        if note.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge {
                len: note.len(),
                max: MAX_NOTE_LEN,
            });
        }
        let note = std::str::from_utf8(note).map_err(|e| NoteError::NotUtf8 {
            valid_up_to: e.valid_up_to(),
        })?;
        // Multi-byte UTF-8 sequences never contain bytes below 0x80, so a byte scan is exact.
        if let Some((offset, &byte)) = note
            .as_bytes()
            .iter()
            .enumerate()
            .find(|&(_, &b)| b < 0x20 && b != b'\n')
        {
            return Err(NoteError::ControlCharacter { offset, byte });
        }
        let separator = note.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, block) = (&note[..=separator], &note[separator + 2..]);
        if block.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        let block = block
            .strip_suffix('\n')
            .ok_or(NoteError::MissingFinalNewline)?;
        let mut signatures = Vec::new();
        for (i, line) in block.split('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures {
                    max: MAX_SIGNATURES,
                });
            }
            let signature = parse_signature_line(line).map_err(|problem| {
                NoteError::MalformedSignatureLine {
                    line: i + 1,
                    problem,
                }
            })?;
            signatures.push(signature);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, including its final newline.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in note order.
    #[must_use]
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Checks the note against one trusted key (signed-note §Signatures): every line with the
    /// key's name and ID must verify, lines from other keys are ignored, and at least one
    /// line from the key must be present.
    ///
    /// # Errors
    /// [`NoteError::BadSignature`] or [`NoteError::NoTrustedSignature`].
    pub fn verify<V: NoteVerifier + ?Sized>(self, verifier: &V) -> Result<VerifiedNote, NoteError> {
        let (name, id) = (verifier.key_name(), verifier.key_id());
        let mut verified = false;
        for sig in &self.signatures {
            // A shared name or a shared ID alone is an unknown key, and ignored.
            if sig.key_name != name || sig.key_id != id {
                continue;
            }
            if !verifier.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::BadSignature {
                    key_name: name.to_owned(),
                    key_id: id,
                });
            }
            verified = true;
        }
        if !verified {
            return Err(NoteError::NoTrustedSignature {
                key_name: name.to_owned(),
                key_id: id,
            });
        }
        Ok(VerifiedNote {
            key_name: name.to_owned(),
            key_id: id,
            note: self,
        })
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, SignatureLineProblem> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(SignatureLineProblem::MissingPrefix)?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(SignatureLineProblem::MissingSignature)?;
    if !is_valid_key_name(name) {
        return Err(SignatureLineProblem::InvalidKeyName(name.to_owned()));
    }
    let decoded = BASE64
        .decode(encoded)
        .map_err(|_| SignatureLineProblem::InvalidBase64)?;
    let Some((key_id, signature)) = decoded.split_first_chunk::<KEY_ID_LEN>() else {
        return Err(SignatureLineProblem::TooShort { len: decoded.len() });
    };
    if signature.is_empty() {
        return Err(SignatureLineProblem::TooShort { len: decoded.len() });
    }
    Ok(NoteSignature {
        key_name: name.to_owned(),
        key_id: u32::from_be_bytes(*key_id),
        signature: signature.to_vec(),
    })
}

/// Whether `name` is a valid key name: non-empty, no Unicode spaces, no `+`
/// (signed-note §Format).
#[must_use]
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// A trusted note-signing key: a name, a key ID and a way to check signatures.
pub trait NoteVerifier {
    /// The key's name, as it appears on signature lines.
    fn key_name(&self) -> &str;
    /// The key's 32-bit ID, as it appears on signature lines.
    fn key_id(&self) -> u32;
    /// Whether `signature` (without the key ID) is a valid signature of `text` by this key.
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool;
}

/// A note whose text is signed by a trusted key. Only the verification functions of this
/// module create one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    note: SignedNote,
    key_name: String,
    key_id: u32,
}

impl VerifiedNote {
    /// The signed (and now trusted) text.
    #[must_use]
    pub fn text(&self) -> &str {
        self.note.text()
    }

    /// The whole note, including signatures from keys that were not checked.
    #[must_use]
    pub fn note(&self) -> &SignedNote {
        &self.note
    }

    /// Name of the key whose signature verified.
    #[must_use]
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    /// ID of the key whose signature verified.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

/// Parses `note` and checks it against `verifier`; see [`SignedNote::verify`].
///
/// # Errors
/// Any [`NoteError`].
pub fn verify_note<V: NoteVerifier + ?Sized>(
    note: &[u8],
    verifier: &V,
) -> Result<VerifiedNote, NoteError> {
    SignedNote::parse(note)?.verify(verifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert!(is_valid_key_name("example.com/log"));
        assert!(!is_valid_key_name(""));
        assert!(!is_valid_key_name("a b"));
        assert!(!is_valid_key_name("a+b"));
        assert!(!is_valid_key_name("a\u{a0}b"));
    }

    #[test]
    fn text_ends_at_last_blank_line() {
        let sig = BASE64.encode([0, 0, 0, 1, 0xaa]);
        let note = format!("a\n\nb\n\n\u{2014} k {sig}\n");
        let parsed = SignedNote::parse(note.as_bytes()).unwrap();
        assert_eq!(parsed.text(), "a\n\nb\n");
        assert_eq!(parsed.signatures().len(), 1);
        assert_eq!(parsed.signatures()[0].key_id(), 1);
        assert_eq!(parsed.signatures()[0].signature(), [0xaa]);
    }

    #[test]
    fn signature_line_problems() {
        let cases = [
            ("- k AAAAAQE=", SignatureLineProblem::MissingPrefix),
            ("\u{2014} kAAAAAQE=", SignatureLineProblem::MissingSignature),
            (
                "\u{2014} k+ AAAAAQE=",
                SignatureLineProblem::InvalidKeyName("k+".into()),
            ),
            ("\u{2014} k AAAAAQE", SignatureLineProblem::InvalidBase64),
            (
                "\u{2014} k AAAAAQ==",
                SignatureLineProblem::TooShort { len: 4 },
            ),
        ];
        for (line, problem) in cases {
            assert_eq!(parse_signature_line(line), Err(problem), "{line}");
        }
    }
}
