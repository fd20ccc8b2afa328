//! Streaming check of a blob against the digests and size its archive entry records.

use std::io::{ErrorKind, Read};

use sha2::{Digest as _, Sha256};

use super::{ArchiveEntry, DigestAlgorithm, ReceiptError};

/// Read buffer size: large enough for throughput, small enough to keep memory bounded.
const BUFFER_LEN: usize = 64 * 1024;

/// Reads `reader` to the end and compares its size, BLAKE3 and SHA-256 with `entry`.
pub(super) fn check_blob(entry: &ArchiveEntry, mut reader: impl Read) -> Result<(), ReceiptError> {
    let mut buffer = vec![0; BUFFER_LEN];
    let mut blake3 = blake3::Hasher::new();
    let mut sha256 = Sha256::new();
    let mut size: u64 = 0;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(source) => return Err(ReceiptError::BlobRead { source }),
        };
        // A reader claiming more bytes than the buffer holds breaks `Read`'s contract.
        let chunk = buffer.get(..n).ok_or_else(|| ReceiptError::BlobRead {
            source: std::io::Error::other("reader returned more bytes than requested"),
        })?;
        blake3.update(chunk);
        sha256.update(chunk);
        size = size.saturating_add(n as u64);
    }
    if size != entry.size() {
        return Err(ReceiptError::BlobSizeMismatch {
            expected: entry.size(),
            found: size,
        });
    }
    let found: [u8; 32] = blake3.finalize().into();
    if found != *entry.blake3() {
        return Err(ReceiptError::BlobDigestMismatch {
            algorithm: DigestAlgorithm::Blake3,
            expected: *entry.blake3(),
            found,
        });
    }
    let found: [u8; 32] = sha256.finalize().into();
    if found != *entry.sha256() {
        return Err(ReceiptError::BlobDigestMismatch {
            algorithm: DigestAlgorithm::Sha256,
            expected: *entry.sha256(),
            found,
        });
    }
    Ok(())
}
