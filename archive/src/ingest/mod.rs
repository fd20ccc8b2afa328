//! Copying content into a new blob file: one reader fills aligned chunks, two threads hash
//! each chunk (BLAKE3 and SHA-256), and several writers put chunks in place with direct
//! I/O, so that the disk, not the CPU, bounds an ingest (issue target: 1 GiB within 1.1x of
//! `cp FILE DEST && sync`; figures in the README).
//!
//! What is hashed is exactly the buffer that is written: a source that changes during the
//! copy cannot leave a blob that differs from its address. Memory is bounded by the
//! [`Budget`] whatever the content's size, and nothing is memory-mapped.

mod chunk;
mod direct;

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use chunk::{Chunk, Pool};
use direct::{Dest, FileReader};

use crate::digest::{CopyError, hashing};
use crate::entry::Digests;

/// The memory a copy may hold and the writes it keeps in flight.
struct Budget {
    /// Bytes per chunk: a multiple of the direct I/O alignment.
    chunk: usize,
    /// Chunks in memory at once (read, being hashed, queued or being written).
    buffers: usize,
    /// Writer threads, each with one write in flight.
    writers: usize,
}

/// A file on a local disk: enough writes in flight to keep the device busy while one chunk
/// is read and another hashed (chosen by measuring, `bench/archive`). 24 MiB.
const FILE: Budget = Budget {
    chunk: 4 << 20,
    buffers: 6,
    writers: 4,
};

/// A stream comes no faster than its sender, and several uploads may run at once: 8 MiB.
const STREAM: Budget = Budget {
    chunk: 2 << 20,
    buffers: 4,
    writers: 2,
};

/// What to copy.
pub(crate) enum Source<'a> {
    /// A file, read from its start: a regular file is read at offsets (directly from the
    /// device when uncached), anything else (pipe, device) as a stream.
    File(&'a File),
    /// A stream read to its end.
    Stream(&'a mut dyn Read),
}

/// Copies `source` into `dest`, the store's new, empty temporary file, and returns the
/// digests of what was written, calling `progress` with the bytes read so far. Durability
/// is the caller's: it fdatasyncs `dest`.
///
/// # Errors
/// [`CopyError::Read`] or [`CopyError::Write`] with the failing side's error (the first
/// writer error stands), [`CopyError::TooLarge`] once more than `limit` bytes were read.
pub(crate) fn ingest(
    source: Source<'_>,
    dest: &File,
    limit: Option<u64>,
    progress: &dyn Fn(u64),
) -> Result<Digests, CopyError> {
    let dest = Dest::new(dest);
    let mut stream_file;
    // Huge pages only for content that fills chunks: known for a file, learnt for a stream.
    let mut huge = false;
    let (mut reader, budget) = match source {
        Source::File(file) => {
            let meta = file.metadata().map_err(CopyError::Read)?;
            // procfs and the like report regular files of length 0 that are not empty.
            if meta.is_file() && meta.len() > 0 {
                if limit.is_none_or(|limit| meta.len() <= limit) {
                    dest.reserve(meta.len()).map_err(CopyError::Write)?;
                }
                huge = meta.len() >= FILE.chunk as u64;
                (Reader::File(FileReader::new(file, meta.len())), &FILE)
            } else {
                stream_file = file;
                (Reader::Stream(&mut stream_file), &STREAM)
            }
        }
        Source::Stream(stream) => (Reader::Stream(stream), &STREAM),
    };
    // Page-cache writes to one file serialise on its inode: one writer is as fast.
    let writers = if dest.is_direct() { budget.writers } else { 1 };
    let failure = Failure::default();
    let (queue, jobs) = sync_channel::<Arc<Chunk>>(budget.buffers);
    let jobs = Mutex::new(jobs);
    let copied = hashing::<Chunk>(|b3, sha| {
        std::thread::scope(|scope| {
            // Owned here, so that every way out closes the queue and ends the writers.
            let queue = queue;
            let mut pool = Pool::new(budget.chunk, budget.buffers, huge);
            let mut spawned = 0;
            let mut total: u64 = 0;
            // Each buffer comes back once hashed and written; a failed writer still
            // returns them (see `write_chunks`), so `take` cannot wait forever.
            while let Some(mut buf) = pool.take() {
                if failure.happened() {
                    break;
                }
                let n = reader.fill(buf.space(), total).map_err(CopyError::Read)?;
                if n == 0 {
                    break;
                }
                buf.set_len(n);
                let chunk = Arc::new(pool.chunk(buf, total));
                total += n as u64;
                if let Some(limit) = limit
                    && total > limit
                {
                    return Err(CopyError::TooLarge { limit });
                }
                // A hasher only stops early by panicking; the join reports that.
                let _ = b3.send(Arc::clone(&chunk));
                let _ = sha.send(Arc::clone(&chunk));
                if spawned < writers {
                    spawned += 1;
                    let (jobs, dest, failure) = (&jobs, &dest, &failure);
                    scope.spawn(move || write_chunks(jobs, dest, failure));
                }
                if queue.send(chunk).is_err() {
                    break;
                }
                progress(total);
                if n < budget.chunk {
                    break;
                }
                pool.use_huge_pages();
            }
            Ok(total)
        })
    });
    // The writer's own error says more than whatever stopped the reader.
    if let Some(error) = failure.take() {
        return Err(CopyError::Write(error));
    }
    let digests = copied?;
    dest.finish(digests.size).map_err(CopyError::Write)?;
    Ok(digests)
}

/// Where chunks are read from.
enum Reader<'a> {
    File(FileReader<'a>),
    Stream(&'a mut dyn Read),
}

impl Reader<'_> {
    /// Fills `buf` with the content at `offset`; fewer bytes only at the end.
    fn fill(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            Self::File(file) => file.fill(buf, offset),
            Self::Stream(stream) => fill_from(&mut **stream, buf),
        }
    }
}

/// Reads a stream until `buf` is full or the stream ends.
fn fill_from(source: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
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

/// A writer thread: takes the next queued chunk and writes it in place, until the queue
/// closes. After a failure it keeps taking chunks, unwritten, so that their buffers return.
fn write_chunks(jobs: &Mutex<Receiver<Arc<Chunk>>>, dest: &Dest<'_>, failure: &Failure) {
    loop {
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(chunk) = next else { return };
        if failure.happened() {
            continue;
        }
        if let Err(e) = dest.write(chunk.data(), chunk.padded(), chunk.offset) {
            failure.set(e);
        }
    }
}

/// The first write error, shared by the writers and the reader.
#[derive(Default)]
struct Failure {
    happened: AtomicBool,
    first: Mutex<Option<io::Error>>,
}

impl Failure {
    fn happened(&self) -> bool {
        self.happened.load(Ordering::Acquire)
    }

    fn set(&self, error: io::Error) {
        let mut first = self.first.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(error);
        }
        self.happened.store(true, Ordering::Release);
    }

    fn take(&self) -> Option<io::Error> {
        self.first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

#[cfg(test)]
mod tests;
