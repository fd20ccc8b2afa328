//! Errors of signed-note parsing and verification.

use super::KEY_ID_LEN;

/// Why a note was rejected, or a note verifier could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note exceeds [`MAX_NOTE_LEN`](super::MAX_NOTE_LEN).
    #[error("note is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Length of the note.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The note is not valid UTF-8 (signed-note §Format).
    #[error("note is not valid UTF-8 (first bad byte at offset {valid_up_to})")]
    NotUtf8 {
        /// Length of the longest valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The note contains an ASCII control character other than newline (signed-note §Format).
    #[error("note contains control character 0x{byte:02x} at offset {offset}")]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
        /// The character.
        byte: u8,
    },
    /// There is no blank line followed by signature lines.
    #[error("note has no signature lines after a blank line")]
    MissingSignatures,
    /// The last signature line does not end in a newline.
    #[error("note does not end with a newline")]
    MissingFinalNewline,
    /// More than [`MAX_SIGNATURES`](super::MAX_SIGNATURES) signature lines.
    #[error("note has more than {max} signature lines")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature line is malformed.
    #[error("signature line {line}: {problem}")]
    MalformedSignatureLine {
        /// One-based number of the line within the signature block.
        line: usize,
        /// What is wrong with it.
        problem: SignatureLineProblem,
    },
    /// A key name is empty or contains a Unicode space or `+` (signed-note §Format).
    #[error("invalid key name {name:?}: must be non-empty, without spaces or '+'")]
    InvalidKeyName {
        /// The rejected name.
        name: String,
    },
    /// A public key could not be decoded or encoded.
    #[error("public key: {reason}")]
    PublicKey {
        /// What the key decoder reported.
        reason: String,
    },
    /// A signature line from the trusted key (same name and key ID) failed to verify; the
    /// whole note is rejected (signed-note §Signatures).
    #[error("signature by {key_name} (key ID {key_id:08x}) does not verify")]
    BadSignature {
        /// Name of the trusted key.
        key_name: String,
        /// Key ID of the trusted key.
        key_id: u32,
    },
    /// No signature line comes from the trusted key (signed-note §Signatures: MUST reject).
    #[error("note is not signed by {key_name} (key ID {key_id:08x})")]
    NoTrustedSignature {
        /// Name of the trusted key.
        key_name: String,
        /// Key ID of the trusted key.
        key_id: u32,
    },
}

/// What is wrong with one signature line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureLineProblem {
    /// The line does not start with an em dash (U+2014) and a space.
    #[error("does not start with \"\u{2014} \"")]
    MissingPrefix,
    /// No space separates the key name from the signature.
    #[error("no space between key name and signature")]
    MissingSignature,
    /// The key name is empty or contains a Unicode space or `+`.
    #[error("invalid key name {0:?}")]
    InvalidKeyName(String),
    /// The signature is not canonical standard base64 (RFC 4648 §4).
    #[error("signature is not valid base64")]
    InvalidBase64,
    /// The decoded signature has no room for a key ID and a signature.
    #[error("signature is {len} bytes; at least {} are needed", KEY_ID_LEN + 1)]
    TooShort {
        /// Decoded length.
        len: usize,
    },
}
