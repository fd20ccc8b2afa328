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
/// Chunks queued per hasher or writer; bounds memory to about `(3 * DEPTH + 2) * CHUNK`.
const DEPTH: usize = 3;
/// Buffers kept for reuse: enough for every chunk queued or in use at once.
const POOL: usize = 3 * DEPTH + 2;

/// A queue of chunks to one consumer thread.
type Chunks = SyncSender<Arc<Vec<u8>>>;

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
    hashing(|b3, sha| pump(source, &mut sink, None, limit, b3, sha))
}

/// [`copy_and_hash`] into a sink written on a thread of its own, so that reading the next
/// chunk overlaps writing the last one: with a cold source both wait on the disk, and in
/// turn they would add up.
pub fn copy_and_hash_write_behind(
    source: &mut dyn Read,
    sink: &mut (dyn Write + Send),
    limit: Option<u64>,
) -> Result<Digests, CopyError> {
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(DEPTH);
        let writer = scope.spawn(move || -> io::Result<()> {
            for chunk in rx {
                sink.write_all(&chunk)?;
            }
            Ok(())
        });
        let copied = hashing(|b3, sha| pump(source, &mut None, Some(&tx), limit, b3, sha));
        drop(tx);
        // The writer's own error says more than the pump's "writer stopped".
        match writer.join() {
            Ok(Ok(())) => copied,
            Ok(Err(e)) => Err(CopyError::Write(e)),
            Err(_) => Err(CopyError::Write(io::Error::other(
                "the writer thread panicked",
            ))),
        }
    })
}

/// Runs `feed` with the queues of a BLAKE3 and a SHA-256 hasher, each on its own thread, and
/// puts their digests together with the size `feed` returns.
fn hashing(
    feed: impl FnOnce(&Chunks, &Chunks) -> Result<u64, CopyError>,
) -> Result<Digests, CopyError> {
    std::thread::scope(|scope| {
        let (b3_tx, b3_rx) = sync_channel::<Arc<Vec<u8>>>(DEPTH);
        let (sha_tx, sha_rx) = sync_channel::<Arc<Vec<u8>>>(DEPTH);
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
    writer: Option<&Chunks>,
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
        if let Some(writer) = writer
            && writer.send(Arc::clone(&chunk)).is_err()
        {
            return Err(CopyError::Write(io::Error::other("the writer stopped")));
        }
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
fn read_chunk(source: &mut dyn Read, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.resize(CHUNK, 0);
    let mut filled = 0;
    while filled < CHUNK {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(())
}

fn hash_blake3(chunks: Receiver<Arc<Vec<u8>>>) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    for chunk in chunks {
        hasher.update(&chunk);
    }
    hasher.finalize().into()
}

fn hash_sha256(chunks: Receiver<Arc<Vec<u8>>>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for chunk in chunks {
        hasher.update(&*chunk);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_single_pass_hashes() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
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
    fn write_behind_copies_the_same_bytes() {
        for len in [0, 1, CHUNK, 5 * CHUNK + 3] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
            let mut out = Vec::new();
            let d = copy_and_hash_write_behind(&mut data.as_slice(), &mut out, None).unwrap();
            assert_eq!(out, data);
            assert_eq!(d.size, len as u64);
            assert_eq!(d.blake3, *blake3::hash(&data).as_bytes());
            assert_eq!(d.sha256, <[u8; 32]>::from(Sha256::digest(&data)));
        }
    }

    /// A sink that fails after `room` bytes.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_behind_reports_the_writers_error() {
        let data = vec![1u8; 20 * CHUNK];
        let mut sink = Full { room: CHUNK + 5 };
        let err = copy_and_hash_write_behind(&mut data.as_slice(), &mut sink, None).unwrap_err();
        match err {
            CopyError::Write(e) => assert_eq!(e.kind(), io::ErrorKind::StorageFull),
            other => panic!("expected the write error, got {other:?}"),
        }
        let err =
            copy_and_hash_write_behind(&mut data.as_slice(), &mut Vec::new(), Some(CHUNK as u64))
                .unwrap_err();
        assert!(matches!(err, CopyError::TooLarge { .. }));
    }

    #[test]
    fn limit_is_enforced() {
        let data = vec![0u8; 100];
        let err = copy_and_hash(&mut data.as_slice(), None, Some(99)).unwrap_err();
        assert!(matches!(err, CopyError::TooLarge { limit: 99 }));
        copy_and_hash(&mut data.as_slice(), None, Some(100)).unwrap();
    }
}
