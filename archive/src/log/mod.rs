//! The append-only log: entries as Merkle leaves, appended with group commit.
//!
//! Contract: [`Log::append`] MUST NOT return an index until the entry is durable (its record
//! fsynced). Concurrent appends are gathered by one writer thread into batches that share a
//! single write and a single fsync. A failed batch is cut back off the files, so the log stays
//! consistent and later appends go on.

mod files;
mod record;

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use files::{Files, Frontier};

use crate::durable::FileError;
use crate::tree::{self, Hash};

/// Why a log operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A log file could not be read or written (disk full, permissions, ...).
    #[error(transparent)]
    Io(#[from] FileError),
    /// The log's files contradict each other in a way no crash can cause.
    #[error("the log is damaged: {what}")]
    Corrupt {
        /// What is wrong.
        what: String,
    },
    /// No entry has this index.
    #[error("no entry {index}; the log holds {size}")]
    NoSuchEntry {
        /// The index asked for.
        index: u64,
        /// The log size.
        size: u64,
    },
    /// The log is shutting down.
    #[error("the log is closed")]
    Closed,
    /// The batch this append was part of could not be written; nothing of it was kept.
    #[error("the append was not stored")]
    Failed(#[source] Arc<LogError>),
}

impl LogError {
    fn io(context: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io(FileError::new(context, path.to_owned(), source))
    }
}

/// Builds an entry's leaf bytes once its index is known.
pub type MakeLeaf = Box<dyn FnOnce(u64) -> Vec<u8> + Send>;

struct Pending {
    make: MakeLeaf,
    reply: SyncSender<Result<u64, Arc<LogError>>>,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    closed: bool,
}

struct Shared {
    files: Files,
    size: AtomicU64,
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// The log. Reads are lock-free; appends go through the writer thread.
pub struct Log {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log").field("size", &self.size()).finish()
    }
}

impl Log {
    /// Opens the log in `dir`, creating it on first use and recovering from a crash.
    pub fn open(dir: &Path) -> Result<Self, LogError> {
        let files = Files::open(dir)?;
        let (size, end) = files.recover()?;
        let frontier = Frontier::load(&files, size)
            .map_err(|e| LogError::io("cannot read", &dir.join("hashes"), e))?;
        let shared = Arc::new(Shared {
            files,
            size: AtomicU64::new(size),
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
        });
        let writer_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("archive-log-writer".into())
            .spawn(move || {
                Writer {
                    shared: writer_shared,
                    frontier,
                    end,
                }
                .run()
            })
            .map_err(|e| LogError::io("cannot start the writer for", dir, e))?;
        Ok(Self {
            shared,
            writer: Some(writer),
        })
    }

    /// Number of durable entries.
    pub fn size(&self) -> u64 {
        self.shared.size.load(Ordering::Acquire)
    }

    /// Appends an entry whose bytes `make` builds from its index, and returns that index once
    /// the entry is durable.
    pub fn append(&self, make: MakeLeaf) -> Result<u64, LogError> {
        let (reply, answer) = sync_channel(1);
        {
            let mut queue = self.shared.queue.lock().map_err(|_| LogError::Closed)?;
            if queue.closed {
                return Err(LogError::Closed);
            }
            queue.pending.push(Pending { make, reply });
        }
        self.shared.wake.notify_one();
        match answer.recv() {
            Ok(Ok(index)) => Ok(index),
            Ok(Err(cause)) => Err(LogError::Failed(cause)),
            Err(_) => Err(LogError::Closed),
        }
    }

    /// The stored bytes of entry `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogError> {
        let size = self.size();
        if index >= size {
            return Err(LogError::NoSuchEntry { index, size });
        }
        let files = &self.shared.files;
        let offset = files
            .offset(index)
            .map_err(|e| LogError::io("cannot read", &files.dir.join("index"), e))?;
        match files
            .record_at(offset)
            .map_err(|e| LogError::io("cannot read", &files.dir.join("entries"), e))?
        {
            Some((seq, payload)) if seq == index => Ok(payload),
            _ => Err(LogError::Corrupt {
                what: format!("entry {index} is damaged"),
            }),
        }
    }

    /// The root of the tree of the first `size` entries.
    pub fn root(&self, size: u64) -> Result<Hash, LogError> {
        self.check_size(size)?;
        tree::root(&self.shared.files, size).map_err(|e| self.hash_err(e))
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        self.check_size(size)?;
        if index >= size {
            return Err(LogError::NoSuchEntry { index, size });
        }
        tree::inclusion_proof(&self.shared.files, index, size).map_err(|e| self.hash_err(e))
    }

    /// The consistency proof between the trees of `old` and `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        self.check_size(new)?;
        if old > new {
            return Err(LogError::NoSuchEntry {
                index: old,
                size: new,
            });
        }
        tree::consistency_proof(&self.shared.files, old, new).map_err(|e| self.hash_err(e))
    }

    /// The stored hash at `index` (stored-hash order), for serving tiles.
    pub fn stored_hash(&self, index: u64) -> Result<Hash, LogError> {
        use crate::tree::HashReader;
        self.shared
            .files
            .stored_hash(index)
            .map_err(|e| self.hash_err(e))
    }

    /// Makes the derived files durable up to the current size (done before a checkpoint
    /// is signed, so recovery never has to rebuild more than one checkpoint interval).
    pub fn sync(&self) -> Result<u64, LogError> {
        // The queue lock serialises callers; the writer does not need it to finish a batch,
        // and a batch in flight is simply not covered until the next sync.
        let _queue = self.shared.queue.lock().map_err(|_| LogError::Closed)?;
        let size = self.size();
        self.shared.files.mark_synced(size)?;
        Ok(size)
    }

    fn check_size(&self, size: u64) -> Result<(), LogError> {
        let have = self.size();
        if size > have {
            return Err(LogError::NoSuchEntry {
                index: size,
                size: have,
            });
        }
        Ok(())
    }

    fn hash_err(&self, e: io::Error) -> LogError {
        LogError::io("cannot read", &self.shared.files.dir.join("hashes"), e)
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if let Ok(mut queue) = self.shared.queue.lock() {
            queue.closed = true;
        }
        self.shared.wake.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        let _ = self.shared.files.mark_synced(self.size());
    }
}

/// The single writer: drains the queue in batches until the log closes and the queue is empty.
struct Writer {
    shared: Arc<Shared>,
    frontier: Frontier,
    end: u64,
}

impl Writer {
    fn run(mut self) {
        loop {
            let batch = {
                let Ok(mut queue) = self.shared.queue.lock() else {
                    return;
                };
                while queue.pending.is_empty() && !queue.closed {
                    queue = match self.shared.wake.wait(queue) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
                if queue.pending.is_empty() {
                    return;
                }
                std::mem::take(&mut queue.pending)
            };
            self.commit(batch);
        }
    }

    fn commit(&mut self, batch: Vec<Pending>) {
        let start = self.shared.size.load(Ordering::Acquire);
        let saved = self.frontier.clone();
        let mut records = Vec::new();
        let mut index = Vec::with_capacity(batch.len() * 8);
        let mut hashes = Vec::with_capacity(batch.len() * 64);
        let mut replies = Vec::with_capacity(batch.len());
        let mut failure = None;
        for (i, pending) in batch.into_iter().enumerate() {
            let seq = start + i as u64;
            let payload = (pending.make)(seq);
            index.extend_from_slice(&(self.end + records.len() as u64).to_le_bytes());
            record::encode(seq, &payload, &mut records);
            match self.frontier.push(seq, tree::leaf_hash(&payload)) {
                Ok(stored) => stored.iter().for_each(|h| hashes.extend_from_slice(h)),
                Err(e) => failure = Some(e),
            }
            replies.push(pending.reply);
        }
        let count = replies.len() as u64;
        let result = match failure {
            Some(e) => Err(LogError::Corrupt {
                what: e.to_string(),
            }),
            None => self.write(start, &records, &index, &hashes),
        };
        match result {
            Ok(()) => {
                self.end += records.len() as u64;
                self.shared.size.store(start + count, Ordering::Release);
                for (i, reply) in replies.into_iter().enumerate() {
                    let _ = reply.send(Ok(start + i as u64));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = count, "append batch failed; rolled back");
                self.frontier = saved;
                let e = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(Arc::clone(&e)));
                }
            }
        }
    }

    /// Writes one batch and fsyncs the entries; on failure cuts every file back.
    fn write(
        &self,
        start: u64,
        records: &[u8],
        index: &[u8],
        hashes: &[u8],
    ) -> Result<(), LogError> {
        use std::os::unix::fs::FileExt;
        let files = &self.shared.files;
        let result = files
            .entries
            .write_all_at(records, self.end)
            .and_then(|()| files.entries.sync_data())
            .map_err(|e| LogError::io("cannot append to", &files.dir.join("entries"), e))
            .and_then(|()| files.append_all(index, hashes));
        if result.is_err() {
            let _ = files.truncate(&files.entries, "entries", self.end);
            let _ = files.truncate(&files.index, "index", start * 8);
            let _ = files.truncate(&files.hashes, "hashes", tree::stored_hash_count(start) * 32);
        }
        result
    }
}

#[cfg(test)]
mod tests;
