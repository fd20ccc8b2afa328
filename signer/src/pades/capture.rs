//! Handwritten captures kept in the evidence archive, named by reference when a PDF is
//! signed.
//!
//! The tablet's pen data is evidence in its own right: archived (kind [`CAPTURE_KIND`]),
//! it gets a receipt and a Merkle proof like any item, and a signature's appearance drawn
//! from it can be traced back to exactly those bytes. Reading it back re-hashes it, so a
//! capture altered on disk is refused rather than drawn.

use archive::{Archive, ArchiveError, Reference};

use super::appearance::{PenData, PenDataError};

/// The archive kind of a handwritten capture.
pub const CAPTURE_KIND: &str = "handwriting";
/// The largest capture read back: far above what the tablet's limits allow.
const MAX_CAPTURE_BYTES: u64 = 8 << 20;

/// Why a capture reference could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The reference is neither an entry index nor a digest.
    #[error("capture reference {0:?} is not an archive index or a 64-hex-digit digest")]
    BadReference(String),
    /// No archived item has this reference.
    #[error("no archived capture {0}")]
    NotFound(String),
    /// The item is not a handwritten capture.
    #[error(
        "archive entry {index} is a {kind:?}, not a handwritten capture (kind {CAPTURE_KIND:?})"
    )]
    NotACapture {
        /// The entry.
        index: u64,
        /// Its kind.
        kind: String,
    },
    /// The item is larger than any capture.
    #[error("archive entry {index} is {size} bytes, larger than any capture")]
    TooLarge {
        /// The entry.
        index: u64,
        /// Its size.
        size: u64,
    },
    /// The item is not pen data.
    #[error("archive entry {index} is not pen data: {why}")]
    NotPenData {
        /// The entry.
        index: u64,
        /// What is wrong with it.
        why: String,
    },
    /// The archive could not give the item back intact.
    #[error(transparent)]
    Archive(ArchiveError),
}

/// The pen data archived under `reference` (an entry index, or its BLAKE3 or SHA-256), read
/// back and re-hashed.
///
/// # Errors
/// A [`CaptureError`] saying what is wrong with the reference or the item.
pub fn load_capture(archive: &Archive, reference: &str) -> Result<PenData, CaptureError> {
    let parsed: Reference = reference
        .parse()
        .map_err(|_| CaptureError::BadReference(reference.to_owned()))?;
    let index = archive.resolve(parsed).map_err(|e| match e {
        ArchiveError::NotFound(_) => CaptureError::NotFound(reference.to_owned()),
        other => CaptureError::Archive(other),
    })?;
    let entry = archive.entry(index).map_err(CaptureError::Archive)?;
    if entry.kind != CAPTURE_KIND {
        return Err(CaptureError::NotACapture {
            index,
            kind: entry.kind,
        });
    }
    if entry.size > MAX_CAPTURE_BYTES {
        return Err(CaptureError::TooLarge {
            index,
            size: entry.size,
        });
    }
    // Bounded by the entry's size: a blob swapped on disk for a huge file is not read
    // into memory before its digest is found wrong.
    let mut bytes = Bounded {
        bytes: Vec::new(),
        limit: entry.size,
    };
    archive
        .copy_to(index, &mut bytes)
        .map_err(CaptureError::Archive)?;
    let bytes = bytes.bytes;
    let pen: PenData = serde_json::from_slice(&bytes).map_err(|e| CaptureError::NotPenData {
        index,
        why: e.to_string(),
    })?;
    pen.validate()
        .map_err(|e: PenDataError| CaptureError::NotPenData {
            index,
            why: e.to_string(),
        })?;
    Ok(pen)
}

/// A buffer that refuses to grow past `limit` bytes.
struct Bounded {
    bytes: Vec<u8>,
    limit: u64,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() as u64 + buf.len() as u64 > self.limit {
            return Err(std::io::Error::other(
                "the stored capture is longer than its entry says",
            ));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
