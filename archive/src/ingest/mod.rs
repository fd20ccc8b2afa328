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
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use chunk::{Chunk, Pool};
use direct::{Dest, FileReader};

use crate::digest::{CopyError, hashing, read_full};
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

/// Bytes written directly between two flushes of the device's write cache.
///
/// A direct write is complete once the device holds it, which for a virtual disk means the
/// host's page cache: the final fdatasync would then wait for the host to write the whole
/// blob. Flushing every 64 MiB, from a thread of its own, keeps the host writing while the
/// copy goes on (measured: a third off a cold 1 GiB ingest; 16 MiB was slower, 32 as good).
const FLUSH_EVERY: u64 = 64 << 20;

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
    let (mut reader, budget, huge) = Reader::open(source, &dest, limit)?;
    // Page-cache writes to one file serialise on its inode: one writer is as fast.
    let writers = if dest.is_direct() { budget.writers } else { 1 };
    let (queue, jobs) = sync_channel::<Arc<Chunk>>(budget.buffers);
    let (flush, flushes) = sync_channel::<()>(1);
    let writing = Writing {
        jobs: Mutex::new(jobs),
        dest,
        failure: Failure::default(),
    };
    let copied = hashing::<Chunk>(|b3, sha| {
        std::thread::scope(|scope| {
            // Owned here, so that every way out closes the queues and ends the threads.
            let (queue, flush) = (queue, flush);
            let mut flushes = Some(flushes);
            let mut pool = Pool::new(budget.chunk, budget.buffers, huge);
            let mut spawned = 0;
            let mut total: u64 = 0;
            // Each buffer comes back once hashed and written; a failed writer still
            // returns them (see `write_chunks`), so `take` cannot wait forever.
            while let Some(mut buf) = pool.take() {
                if writing.failure.happened() {
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
                    let (writing, flush) = (&writing, flush.clone());
                    scope.spawn(move || write_chunks(writing, &flush));
                }
                if total > FLUSH_EVERY
                    && let Some(flushes) = flushes.take()
                {
                    let writing = &writing;
                    scope.spawn(move || flush_cache(writing, &flushes));
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
    let Writing { dest, failure, .. } = writing;
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
    /// A regular file, read at offsets.
    File(FileReader<'a>),
    /// A file that is not regular (pipe, device), read to its end.
    Pipe(&'a File),
    Stream(&'a mut dyn Read),
}

impl<'a> Reader<'a> {
    /// The reader of `source`, the budget it copies with, and whether its buffers start on
    /// huge pages: only for content known to fill chunks (a stream's switch to them after
    /// its first full chunk). A regular file's length is reserved in `dest` first.
    fn open(
        source: Source<'a>,
        dest: &Dest<'_>,
        limit: Option<u64>,
    ) -> Result<(Self, &'static Budget, bool), CopyError> {
        let file = match source {
            Source::Stream(stream) => return Ok((Self::Stream(stream), &STREAM, false)),
            Source::File(file) => file,
        };
        let meta = file.metadata().map_err(CopyError::Read)?;
        // procfs and the like report regular files of length 0 that are not empty.
        if !meta.is_file() || meta.len() == 0 {
            return Ok((Self::Pipe(file), &STREAM, false));
        }
        if limit.is_none_or(|limit| meta.len() <= limit) {
            dest.reserve(meta.len()).map_err(CopyError::Write)?;
        }
        let huge = meta.len() >= FILE.chunk as u64;
        Ok((Self::File(FileReader::new(file, meta.len())), &FILE, huge))
    }

    /// Fills `buf` with the content at `offset`; fewer bytes only at the end.
    fn fill(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            Self::File(file) => file.fill(buf, offset),
            Self::Pipe(file) => read_full(file, buf),
            Self::Stream(stream) => read_full(&mut **stream, buf),
        }
    }
}

/// What the writer threads share.
struct Writing<'a> {
    /// The chunks to write, in the order read.
    jobs: Mutex<Receiver<Arc<Chunk>>>,
    dest: Dest<'a>,
    failure: Failure,
}

/// A writer thread: takes the next queued chunk and writes it in place, until the queue
/// closes, asking `flush` for a flush of the device's cache every [`FLUSH_EVERY`] bytes.
/// After a failure it keeps taking chunks, unwritten, so that their buffers return.
fn write_chunks(writing: &Writing<'_>, flush: &SyncSender<()>) {
    loop {
        let next = writing
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(chunk) = next else { return };
        if writing.failure.happened() {
            continue;
        }
        match writing
            .dest
            .write(chunk.data(), chunk.padded(), chunk.offset)
        {
            // One pending request is enough: a flush covers every write done before it.
            Ok(written) if written.passes(FLUSH_EVERY) => {
                let _ = flush.try_send(());
            }
            Ok(_) => {}
            Err(e) => writing.failure.set(e),
        }
    }
}

/// The flushing thread: fdatasyncs the file each time a writer asks, until none can.
///
/// Its errors are the copy's: an fdatasync reports a write-back error once per open file,
/// so one swallowed here would never reach the caller's final fdatasync.
fn flush_cache(writing: &Writing<'_>, requests: &Receiver<()>) {
    for () in requests {
        if writing.failure.happened() {
            continue;
        }
        if let Err(e) = writing.dest.flush() {
            writing.failure.set(e);
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
