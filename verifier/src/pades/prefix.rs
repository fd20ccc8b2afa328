//! A PDF read and hashed in one pass, so that validating its signatures does not hash it
//! again.
//!
//! Every signature's `/ByteRange` starts at offset 0 (ISO 32000-2 §12.8.1: the first range
//! runs from the start of the file to the `/Contents` string). Its SHA-256 digest is
//! therefore the SHA-256 state after a prefix of the file, continued over the rest of its
//! ranges. [`HashedPdf`] keeps that state every [`STEP`] bytes of the one pass that also
//! gives the whole file's digest, so each signature costs at most [`STEP`] bytes plus what
//! follows its `/Contents`, instead of a pass over the file.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::mpsc::sync_channel;

use sha2::{Digest as _, Sha256};

/// Bytes between two kept SHA-256 states.
const STEP: usize = 1 << 20;
/// Bytes read at a time by [`HashedPdf::read`].
const CHUNK: usize = 4 << 20;

/// A file's bytes with the SHA-256 states of its prefixes, which are only ever computed
/// from these very bytes (the type cannot be built otherwise).
#[derive(Debug)]
pub struct HashedPdf {
    bytes: Vec<u8>,
    prefixes: Prefixes,
}

impl HashedPdf {
    /// Hashes bytes already in memory.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let mut prefixes = Prefixes::new();
        prefixes.update(&bytes);
        Self { bytes, prefixes }
    }

    /// Reads `source` to its end, hashing each chunk on another thread while the next is
    /// read. `expected` (the file's length, say) sizes the buffer up front, and the bytes
    /// are read straight into it; more than `limit` bytes is an
    /// [`io::ErrorKind::FileTooLarge`] error.
    ///
    /// # Errors
    /// What reading `source` returns, or the limit.
    pub fn read(source: &mut dyn Read, expected: u64, limit: u64) -> io::Result<Self> {
        let too_large = || {
            io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("more than {limit} bytes"),
            )
        };
        // Zeroed on allocation by the system (fresh pages), so this costs nothing up front.
        let mut all = vec![0u8; usize::try_from(expected.min(limit)).unwrap_or(0)];
        let mut prefixes = Prefixes::new();
        let filled = std::thread::scope(|scope| -> io::Result<usize> {
            // Each chunk is lent to the hasher once read: disjoint parts of one buffer, no
            // copy.
            let (tx, rx) = sync_channel::<&[u8]>(4);
            let hasher = scope.spawn(|| {
                for chunk in rx {
                    prefixes.update(chunk);
                }
            });
            let mut rest: &mut [u8] = &mut all;
            let mut filled = 0;
            let read = loop {
                let take = rest.len().min(CHUNK);
                if take == 0 {
                    break Ok(());
                }
                let (chunk, tail) = std::mem::take(&mut rest).split_at_mut(take);
                let n = match read_full(source, chunk) {
                    Ok(n) => n,
                    Err(e) => break Err(e),
                };
                filled += n;
                let chunk: &[u8] = chunk;
                // The hasher only stops early by panicking, reported at the join.
                let _ = tx.send(&chunk[..n]);
                if n < take {
                    break Ok(());
                }
                rest = tail;
            };
            drop(tx);
            hasher
                .join()
                .map_err(|_| io::Error::other("the hashing thread panicked"))?;
            read.map(|()| filled)
        })?;
        all.truncate(filled);
        if filled as u64 == expected.min(limit) {
            // Longer than expected (or grown since): the rest, hashed after.
            let mut tail = Vec::new();
            Read::take(
                &mut *source,
                limit.saturating_sub(filled as u64).saturating_add(1),
            )
            .read_to_end(&mut tail)?;
            prefixes.update(&tail);
            all.extend_from_slice(&tail);
        }
        if all.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(Self {
            bytes: all,
            prefixes,
        })
    }

    /// The file's bytes.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The SHA-256 digest of the whole file.
    #[must_use]
    pub fn sha256(&self) -> [u8; 32] {
        self.prefixes.whole.clone().finalize().into()
    }

    /// The SHA-256 digest of `ranges` of the file put together, when the first starts at
    /// offset 0 (as a `/ByteRange`'s must) and all lie inside the file; `None` otherwise.
    pub(crate) fn ranges_sha256(&self, ranges: &[Range<usize>]) -> Option<Vec<u8>> {
        let (first, rest) = ranges.split_first()?;
        if first.start != 0 || first.end > self.bytes.len() {
            return None;
        }
        let kept = first.end / STEP;
        let mut hasher = self.prefixes.states.get(kept)?.clone();
        hasher.update(self.bytes.get(kept * STEP..first.end)?);
        for range in rest {
            hasher.update(self.bytes.get(range.clone())?);
        }
        Some(hasher.finalize().to_vec())
    }
}

/// Reads until `buf` is full or the source ends; how much was read.
fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The running SHA-256 of a file and its state at every multiple of [`STEP`] bytes.
#[derive(Debug)]
struct Prefixes {
    whole: Sha256,
    hashed: usize,
    /// `states[k]`: the state after `k * STEP` bytes.
    states: Vec<Sha256>,
}

impl Prefixes {
    fn new() -> Self {
        Self {
            whole: Sha256::new(),
            hashed: 0,
            states: vec![Sha256::new()],
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let to_boundary = STEP - self.hashed % STEP;
            let (now, rest) = data.split_at(to_boundary.min(data.len()));
            self.whole.update(now);
            self.hashed += now.len();
            if self.hashed.is_multiple_of(STEP) {
                self.states.push(self.whole.clone());
            }
            data = rest;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 257) as u8).collect()
    }

    fn direct(bytes: &[u8], ranges: &[Range<usize>]) -> Vec<u8> {
        let mut hasher = Sha256::new();
        for r in ranges {
            hasher.update(&bytes[r.clone()]);
        }
        hasher.finalize().to_vec()
    }

    #[test]
    fn range_digests_agree_with_hashing_the_ranges() {
        let len = 3 * STEP + 777;
        let data = bytes(len);
        let read = HashedPdf::read(&mut data.as_slice(), 0, u64::MAX).unwrap();
        let held = HashedPdf::from_bytes(data.clone());
        assert_eq!(read.bytes(), data.as_slice());
        assert_eq!(read.sha256().to_vec(), Sha256::digest(&data).to_vec());
        assert_eq!(held.sha256(), read.sha256());
        for a in [0, 1, STEP - 1, STEP, STEP + 1, 2 * STEP + 5, len] {
            for b in [a, a + 3, len] {
                if b > len {
                    continue;
                }
                let ranges = [0..a, b..len];
                assert_eq!(read.ranges_sha256(&ranges).unwrap(), direct(&data, &ranges));
                assert_eq!(held.ranges_sha256(&ranges).unwrap(), direct(&data, &ranges));
            }
        }
    }

    #[test]
    fn ranges_not_from_the_start_or_outside_the_file_are_left_to_the_caller() {
        let held = HashedPdf::from_bytes(bytes(1000));
        assert!(held.ranges_sha256(&[1..10, 20..30]).is_none());
        assert!(held.ranges_sha256(&[0..10, 20..1001]).is_none());
        assert!(held.ranges_sha256(&[0..1001, 1001..1001]).is_none());
        assert!(held.ranges_sha256(&[]).is_none());
    }

    #[test]
    fn the_limit_holds() {
        let data = bytes(CHUNK + 10);
        let error = HashedPdf::read(&mut data.as_slice(), 0, CHUNK as u64).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert!(
            HashedPdf::read(&mut data.as_slice(), data.len() as u64, data.len() as u64).is_ok()
        );
    }
}
