//! Log entries: what the archive records about each item, and their canonical bytes.
//!
//! The canonical bytes of an entry are the Merkle leaf data: compact JSON with the keys in
//! lexicographic order (struct fields are declared sorted, metadata is a sorted map), every
//! value a string or an unsigned integer. They are written once and never re-serialized:
//! proofs and receipts carry the exact stored bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version of the entry format, recorded in every entry as `v`.
pub const ENTRY_FORMAT: u32 = 1;

/// Largest metadata map accepted, in entries and in bytes of keys and values together.
pub const MAX_META_ENTRIES: usize = 64;
/// See [`MAX_META_ENTRIES`].
pub const MAX_META_BYTES: usize = 16 * 1024;
/// Longest case number, kind or media type.
pub const MAX_LABEL_LEN: usize = 256;

/// The digests and length of a blob, computed in one pass while it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    /// BLAKE3-256 of the content: the blob's address.
    pub blake3: [u8; 32],
    /// SHA-256 of the content, for standards that need a SHA-2 digest (RFC 3161 imprints).
    pub sha256: [u8; 32],
    /// Length in bytes.
    pub size: u64,
}

/// What the caller says about an item being archived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// Case number the item belongs to, if any.
    pub case: Option<String>,
    /// Kind of item (`protocol`, `video`, `scan`, ...); default `file`.
    pub kind: Option<String>,
    /// IANA media type; default `application/octet-stream`.
    pub media_type: Option<String>,
    /// Free-form string metadata.
    pub meta: BTreeMap<String, String>,
}

/// Why a description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescriptionError {
    /// A label is longer than [`MAX_LABEL_LEN`] or contains control characters.
    #[error("{field} must be 1 to {MAX_LABEL_LEN} printable characters")]
    BadLabel {
        /// Which field.
        field: &'static str,
    },
    /// The metadata map is too large.
    #[error("metadata exceeds {MAX_META_ENTRIES} entries or {MAX_META_BYTES} bytes")]
    MetaTooLarge,
    /// A metadata key is empty, too long or not printable.
    #[error("metadata key {key:?} must be 1 to {MAX_LABEL_LEN} printable characters")]
    BadMetaKey {
        /// The key.
        key: String,
    },
}

impl Description {
    /// Checks sizes and characters before anything is written.
    pub fn validate(&self) -> Result<(), DescriptionError> {
        for (field, value) in [
            ("case", &self.case),
            ("kind", &self.kind),
            ("media_type", &self.media_type),
        ] {
            if let Some(v) = value
                && !is_label(v)
            {
                return Err(DescriptionError::BadLabel { field });
            }
        }
        if self.meta.len() > MAX_META_ENTRIES
            || self
                .meta
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
                > MAX_META_BYTES
        {
            return Err(DescriptionError::MetaTooLarge);
        }
        if let Some(key) = self.meta.keys().find(|k| !is_label(k)) {
            return Err(DescriptionError::BadMetaKey { key: key.clone() });
        }
        Ok(())
    }
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_LABEL_LEN && !s.chars().any(char::is_control)
}

/// One log entry. Field order is the canonical (sorted) key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// BLAKE3 of the content, lowercase hex.
    pub blake3: String,
    /// Case number, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Kind of item.
    pub kind: String,
    /// Media type.
    pub media_type: String,
    /// Free-form metadata (sorted by key).
    pub meta: BTreeMap<String, String>,
    /// When the archive received the item: RFC 3339, UTC, millisecond precision.
    pub received: String,
    /// Position in the log (the Merkle leaf index).
    pub seq: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Length of the content in bytes.
    pub size: u64,
    /// Entry format version.
    pub v: u32,
}

impl Entry {
    /// Builds the entry for content with `digests`, described by `description`, received at
    /// `received` (RFC 3339), to be stored at position `seq`.
    pub fn new(seq: u64, digests: &Digests, description: &Description, received: String) -> Self {
        Self {
            blake3: hex::encode(digests.blake3),
            case: description.case.clone(),
            kind: description
                .kind
                .clone()
                .unwrap_or_else(|| "file".to_owned()),
            media_type: description
                .media_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            meta: description.meta.clone(),
            received,
            seq,
            sha256: hex::encode(digests.sha256),
            size: digests.size,
            v: ENTRY_FORMAT,
        }
    }

    /// The canonical bytes: the Merkle leaf data.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Only strings, integers and string maps: serialization cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses canonical bytes, refusing anything that would not re-encode to the same bytes.
    pub fn from_canonical(bytes: &[u8]) -> Option<Self> {
        let entry: Self = serde_json::from_slice(bytes).ok()?;
        (entry.canonical_bytes() == bytes).then_some(entry)
    }

    /// The BLAKE3 digest as bytes, when the stored hex is well-formed.
    pub fn blake3_bytes(&self) -> Option<[u8; 32]> {
        decode_hex32(&self.blake3)
    }

    /// The SHA-256 digest as bytes, when the stored hex is well-formed.
    pub fn sha256_bytes(&self) -> Option<[u8; 32]> {
        decode_hex32(&self.sha256)
    }
}

fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Formats a time as RFC 3339 UTC with milliseconds, e.g. `2026-11-23T07:03:51.130Z`.
pub fn rfc3339_utc(time: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digests() -> Digests {
        Digests {
            blake3: [0xab; 32],
            sha256: [0xcd; 32],
            size: 42,
        }
    }

    #[test]
    fn canonical_bytes_have_sorted_keys_and_round_trip() {
        let mut description = Description {
            case: Some("2026-001".into()),
            ..Description::default()
        };
        description.meta.insert("zeta".into(), "1".into());
        description.meta.insert("alpha".into(), "Қазақ".into());
        let entry = Entry::new(
            7,
            &digests(),
            &description,
            "2026-11-23T00:00:00.000Z".into(),
        );
        let bytes = entry.canonical_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("{\"blake3\":\"abab"), "{text}");
        assert!(text.find("\"alpha\"").unwrap() < text.find("\"zeta\"").unwrap());
        assert!(!text.contains(' '));
        assert_eq!(Entry::from_canonical(&bytes), Some(entry));
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let entry = Entry::new(0, &digests(), &Description::default(), "x".into());
        let pretty = serde_json::to_vec_pretty(&entry).unwrap();
        assert_eq!(Entry::from_canonical(&pretty), None);
        assert_eq!(Entry::from_canonical(b"{\"seq\":1}"), None);
    }

    #[test]
    fn descriptions_are_bounded() {
        let bad = Description {
            kind: Some("a\nb".into()),
            ..Description::default()
        };
        assert_eq!(
            bad.validate(),
            Err(DescriptionError::BadLabel { field: "kind" })
        );
        let mut big = Description::default();
        for i in 0..=MAX_META_ENTRIES {
            big.meta.insert(format!("k{i}"), "v".into());
        }
        assert_eq!(big.validate(), Err(DescriptionError::MetaTooLarge));
    }

    #[test]
    fn rfc3339_dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_795_417_431_130);
        assert_eq!(rfc3339_utc(t), "2026-11-23T07:03:51.130Z");
        assert_eq!(
            rfc3339_utc(std::time::UNIX_EPOCH),
            "1970-01-01T00:00:00.000Z"
        );
        let leap = std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
        assert_eq!(rfc3339_utc(leap), "2000-02-29T00:00:00.000Z");
    }
}
