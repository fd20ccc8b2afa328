//! The archive entry a Dälel receipt carries as its `extra` data: the leaf itself.

use serde::Deserialize;

use super::ReceiptError;

/// Length of a hex-encoded 32-byte digest.
const HEX_DIGEST_LEN: usize = 64;

/// The fields of an archive entry the verifier relies on. Unknown fields are allowed (they
/// are kept in [`ArchiveEntry::json`]); a repeated known field is rejected by serde, so no
/// second `sha256` can shadow the first.
#[derive(Deserialize)]
struct EntryFields {
    blake3: String,
    sha256: String,
    size: u64,
    seq: u64,
}

/// An archive entry: the canonical JSON bytes of the log leaf, decoded.
///
/// Its content is trustworthy only inside a [`super::VerifiedReceipt`], after the inclusion
/// proof has tied these exact bytes to a signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    blake3: [u8; 32],
    sha256: [u8; 32],
    size: u64,
    seq: u64,
    json: serde_json::Value,
}

impl ArchiveEntry {
    /// Decodes entry JSON. Requires an object with `blake3` and `sha256` (64 lowercase hex
    /// digits each), `size` and `seq` (unsigned integers).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let invalid = |e: serde_json::Error| ReceiptError::InvalidEntry {
            reason: e.to_string(),
        };
        let json: serde_json::Value = serde_json::from_slice(bytes).map_err(invalid)?;
        if !json.is_object() {
            return Err(ReceiptError::InvalidEntry {
                reason: "not a JSON object".to_owned(),
            });
        }
        let fields: EntryFields = serde_json::from_slice(bytes).map_err(invalid)?;
        Ok(Self {
            blake3: decode_hex_digest("blake3", &fields.blake3)?,
            sha256: decode_hex_digest("sha256", &fields.sha256)?,
            size: fields.size,
            seq: fields.seq,
            json,
        })
    }

    /// BLAKE3 digest of the blob.
    #[must_use]
    pub fn blake3(&self) -> &[u8; 32] {
        &self.blake3
    }

    /// SHA-256 digest of the blob.
    #[must_use]
    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    /// Size of the blob in bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The entry's sequence number: its index in the log.
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The whole entry, including fields this verifier does not interpret (`case`, `kind`,
    /// `media_type`, `meta`, `received`, `v`, ...).
    #[must_use]
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }
}

/// Decodes exactly 64 lowercase hex digits; uppercase is refused so each digest has one
/// spelling, as in the archive's canonical JSON.
fn decode_hex_digest(field: &'static str, value: &str) -> Result<[u8; 32], ReceiptError> {
    let lowercase_hex = value.len() == HEX_DIGEST_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut digest = [0; 32];
    if !lowercase_hex || hex::decode_to_slice(value, &mut digest).is_err() {
        return Err(ReceiptError::InvalidEntryDigest { field });
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B3: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_entry_and_keeps_other_fields() {
        let json =
            format!(r#"{{"blake3":"{B3}","case":"K-1","seq":7,"sha256":"{SHA}","size":0,"v":1}}"#);
        let entry = ArchiveEntry::parse(json.as_bytes()).unwrap();
        assert_eq!(entry.seq(), 7);
        assert_eq!(entry.size(), 0);
        assert_eq!(hex::encode(entry.sha256()), SHA);
        assert_eq!(entry.json()["case"], "K-1");
    }

    #[test]
    fn rejects_bad_entries() {
        let upper = SHA.to_uppercase();
        let cases = [
            format!(r#"{{"blake3":"{B3}","seq":7,"sha256":"{upper}","size":0}}"#),
            format!(r#"{{"blake3":"{B3}","seq":7,"sha256":"{SHA}"}}"#),
            format!(r#"{{"blake3":"{B3}","seq":-1,"sha256":"{SHA}","size":0}}"#),
            format!(r#"{{"blake3":"{B3}","seq":1,"seq":2,"sha256":"{SHA}","size":0}}"#),
            format!(r#"{{"blake3":"{B3}","seq":7,"sha256":"{SHA}0","size":0}}"#),
            "[]".to_owned(),
            "not json".to_owned(),
        ];
        for json in cases {
            assert!(ArchiveEntry::parse(json.as_bytes()).is_err(), "{json}");
        }
    }
}
