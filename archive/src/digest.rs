//! One pass over content computing BLAKE3 and SHA-256 at once, with the two hashes running
//! on their own threads so hashing overlaps the copy instead of adding to it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use sha2::{Digest, Sha256};

use crate::entry::Digests;

/// Bytes read per step. Large enough that syscalls and channel hand-offs are noise, small
/// enough that the whole pipeline stays under a few MiB whatever the content size.
pub const CHUNK: usize = 1 << 20;
/// Chunks queued per hasher; bounds memory to about `(2 * DEPTH + 2) * CHUNK`.
const DEPTH: usize = 3;
/// Buffers kept for reuse: enough for every chunk queued or in use at once.
const POOL: usize = 2 * DEPTH + 2;

/// A queue of chunks to one consumer thread.
pub(crate) type Chunks<T = Vec<u8>> = SyncSender<Arc<T>>;

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Reading the source failed.
    #[error("reading the content")]
    Read(#[source] io::Error),
    /// Writing the destination failed.
    #[error("writing the content")]
    Write(#[source] io::Error),
    /// The content is longer than allowed.
    #[error("content exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

/// Copies `source` into `sink` (if any) until end of input, returning the digests of what
/// was copied. Memory stays bounded whatever the length; nothing is memory-mapped.
pub fn copy_and_hash(
    source: &mut dyn Read,
    mut sink: Option<&mut dyn Write>,
    limit: Option<u64>,
) -> Result<Digests, CopyError> {
    hashing(|b3, sha| pump(source, &mut sink, limit, b3, sha))
}

/// Runs `feed` with the queues of a BLAKE3 and a SHA-256 hasher, each on its own thread, and
/// puts their digests together with the size `feed` returns.
pub(crate) fn hashing<T: AsRef<[u8]> + Send + Sync>(
    feed: impl FnOnce(&Chunks<T>, &Chunks<T>) -> Result<u64, CopyError>,
) -> Result<Digests, CopyError> {
    std::thread::scope(|scope| {
        let (b3_tx, b3_rx) = sync_channel::<Arc<T>>(DEPTH);
        let (sha_tx, sha_rx) = sync_channel::<Arc<T>>(DEPTH);
        let b3 = scope.spawn(move || hash_blake3(b3_rx));
        let sha = scope.spawn(move || hash_sha256(sha_rx));

        let copied = feed(&b3_tx, &sha_tx);
        // Closing the channels ends the hashers.
        drop((b3_tx, sha_tx));
        let blake3 = b3.join().unwrap_or_default();
        let sha256 = sha.join().unwrap_or_default();
        let size = copied?;
        Ok(Digests {
            blake3,
            sha256,
            size,
        })
    })
}

fn pump(
    source: &mut dyn Read,
    sink: &mut Option<&mut dyn Write>,
    limit: Option<u64>,
    b3: &Chunks,
    sha: &Chunks,
) -> Result<u64, CopyError> {
    let mut total: u64 = 0;
    // Buffers come back once every consumer is done with them: reusing them spares a fresh
    // zeroed megabyte per chunk. At most POOL of them exist, whatever the content size.
    let mut pool: VecDeque<Arc<Vec<u8>>> = VecDeque::new();
    loop {
        let mut buffer = match pool.front_mut().and_then(Arc::get_mut) {
            Some(_) => pool.pop_front().unwrap_or_default(),
            None => Arc::new(Vec::new()),
        };
        let Some(buf) = Arc::get_mut(&mut buffer) else {
            return Err(CopyError::Read(io::Error::other(
                "chunk buffer still shared",
            )));
        };
        read_chunk(source, buf).map_err(CopyError::Read)?;
        if buf.is_empty() {
            return Ok(total);
        }
        let chunk = buffer;
        total += chunk.len() as u64;
        if let Some(limit) = limit
            && total > limit
        {
            return Err(CopyError::TooLarge { limit });
        }
        // A hasher only stops early by panicking; the join reports that as zero digests.
        let _ = b3.send(Arc::clone(&chunk));
        let _ = sha.send(Arc::clone(&chunk));
        if let Some(sink) = sink.as_mut() {
            sink.write_all(&chunk).map_err(CopyError::Write)?;
        }
        pool.push_back(chunk);
        if pool.len() > POOL {
            pool.pop_front();
        }
    }
}

/// Reads up to [`CHUNK`] bytes into `buf`, fewer only at end of input.
///
/// A new buffer grows with what arrives (`read_to_end`): a small blob costs a small buffer,
/// not a zeroed megabyte (an audit re-hashes every blob, most of them small). A buffer that
/// once held a whole chunk is refilled in place, one read call per chunk where the source
/// allows.
fn read_chunk(source: &mut dyn Read, buf: &mut Vec<u8>) -> io::Result<()> {
    if buf.len() != CHUNK {
        buf.clear();
        source.take(CHUNK as u64).read_to_end(buf)?;
        return Ok(());
    }
    let filled = read_full(source, buf)?;
    buf.truncate(filled);
    Ok(())
}

/// Reads until `buf` is full or the source ends; how much was read.
pub(crate) fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
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

fn hash_blake3<T: AsRef<[u8]>>(chunks: Receiver<Arc<T>>) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    for chunk in chunks {
        hasher.update((*chunk).as_ref());
    }
    hasher.finalize().into()
}

fn hash_sha256<T: AsRef<[u8]>>(chunks: Receiver<Arc<T>>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for chunk in chunks {
        hasher.update((*chunk).as_ref());
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_single_pass_hashes() {
        // The last two reuse buffers, refilled in place.
        for len in [
            0,
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK + 17,
            (POOL + 3) * CHUNK,
            (POOL + 3) * CHUNK + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut out = Vec::new();
            let d = copy_and_hash(&mut data.as_slice(), Some(&mut out), None).unwrap();
            assert_eq!(out, data);
            assert_eq!(d.size, len as u64);
            assert_eq!(d.blake3, *blake3::hash(&data).as_bytes());
            assert_eq!(d.sha256, <[u8; 32]>::from(Sha256::digest(&data)));
        }
    }

    #[test]
    fn limit_is_enforced() {
        let data = vec![0u8; 100];
        let err = copy_and_hash(&mut data.as_slice(), None, Some(99)).unwrap_err();
        assert!(matches!(err, CopyError::TooLarge { limit: 99 }));
        copy_and_hash(&mut data.as_slice(), None, Some(100)).unwrap();
    }
}
