//! The log's three files and their recovery after a crash.
//!
//! `entries` is the source of truth and the only file fsynced before an append is
//! acknowledged. `index` (one u64 LE offset per entry) and `hashes` (stored Merkle hashes,
//! see [`crate::tree`]) are derived from it; they are fsynced and the count they cover is
//! recorded in `synced` whenever a checkpoint is published, and whatever lies past that
//! count is rebuilt from `entries` when the log is opened.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::LogError;
use super::record::{self, HEADER};
use crate::durable::write_atomic;
use crate::tree::{self, Hash, HashReader};

/// Open handles on the log's files.
#[derive(Debug)]
pub(crate) struct Files {
    pub(crate) dir: PathBuf,
    pub(crate) entries: File,
    pub(crate) index: File,
    pub(crate) hashes: File,
}

fn open_rw(path: &Path) -> Result<File, LogError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| LogError::io("cannot open", path, e))
}

impl Files {
    pub(crate) fn open(dir: &Path) -> Result<Self, LogError> {
        std::fs::create_dir_all(dir).map_err(|e| LogError::io("cannot create", dir, e))?;
        Ok(Self {
            dir: dir.to_owned(),
            entries: open_rw(&dir.join("entries"))?,
            index: open_rw(&dir.join("index"))?,
            hashes: open_rw(&dir.join("hashes"))?,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The offset of entry `seq`'s record.
    pub(crate) fn offset(&self, seq: u64) -> io::Result<u64> {
        let mut buf = [0u8; 8];
        self.index.read_exact_at(&mut buf, seq * 8)?;
        Ok(u64::from_le_bytes(buf))
    }

    /// Reads and checks the record at `offset`; `Ok(None)` when it is torn or absent.
    pub(crate) fn record_at(&self, offset: u64) -> io::Result<Option<(u64, Vec<u8>)>> {
        let mut head = [0u8; HEADER];
        if !read_fully_at(&self.entries, &mut head, offset)? {
            return Ok(None);
        }
        let Some(header) = record::header(&head) else {
            return Ok(None);
        };
        let mut payload = vec![0u8; header.len];
        if !read_fully_at(&self.entries, &mut payload, offset + HEADER as u64)? {
            return Ok(None);
        }
        Ok(record::intact(&header, &payload).then_some((header.seq, payload)))
    }

    /// Number of entries covered by the last `synced` marker.
    fn synced(&self) -> Result<u64, LogError> {
        let path = self.path("synced");
        match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().parse().map_err(|_| LogError::Corrupt {
                what: format!("{} does not hold a count", path.display()),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(LogError::io("cannot read", &path, e)),
        }
    }

    /// Makes `index` and `hashes` durable up to `size` entries and records that.
    pub(crate) fn mark_synced(&self, size: u64) -> Result<(), LogError> {
        self.index
            .sync_data()
            .map_err(|e| LogError::io("cannot sync", &self.path("index"), e))?;
        self.hashes
            .sync_data()
            .map_err(|e| LogError::io("cannot sync", &self.path("hashes"), e))?;
        let path = self.path("synced");
        write_atomic(&path, format!("{size}\n").as_bytes(), 0o644)
            .map_err(|e| LogError::io("cannot write", &path, e))
    }

    /// Brings the derived files in line with `entries` and returns the number of entries
    /// and the end offset of the last one. Torn records past the last intact one (appends
    /// that were never acknowledged) are cut off.
    pub(crate) fn recover(&self) -> Result<(u64, u64), LogError> {
        let index_len = self.len(&self.index, "index")? / 8;
        let hashes_len = self.len(&self.hashes, "hashes")? / 32;
        let synced = self.synced()?;
        if synced > index_len || tree::stored_hash_count(synced) > hashes_len {
            return Err(LogError::Corrupt {
                what: format!(
                    "{} entries were recorded as synced but the index holds {index_len}",
                    synced
                ),
            });
        }
        let (mut size, mut end) = (0, 0);
        if synced > 0 {
            let offset = self
                .offset(synced - 1)
                .map_err(|e| self.read_err("index", e))?;
            match self
                .record_at(offset)
                .map_err(|e| self.read_err("entries", e))?
            {
                Some((seq, payload)) if seq == synced - 1 => {
                    size = synced;
                    end = offset + (HEADER + payload.len()) as u64;
                }
                _ => {
                    return Err(LogError::Corrupt {
                        what: format!("entry {} is missing or damaged", synced - 1),
                    });
                }
            }
        }
        self.truncate(&self.index, "index", size * 8)?;
        self.truncate(&self.hashes, "hashes", tree::stored_hash_count(size) * 32)?;

        // Rebuild index and hashes for every intact record after the synced prefix.
        let mut frontier = Frontier::load(self, size).map_err(|e| self.read_err("hashes", e))?;
        let mut index_buf = Vec::new();
        let mut hash_buf = Vec::new();
        while let Some((seq, payload)) = self
            .record_at(end)
            .map_err(|e| self.read_err("entries", e))?
        {
            if seq != size {
                break;
            }
            index_buf.extend_from_slice(&end.to_le_bytes());
            let stored = frontier
                .push(size, tree::leaf_hash(&payload))
                .map_err(|e| self.read_err("hashes", e))?;
            for h in stored {
                hash_buf.extend_from_slice(&h);
            }
            end += (HEADER + payload.len()) as u64;
            size += 1;
        }
        self.append_all(&index_buf, &hash_buf)?;
        self.truncate(&self.entries, "entries", end)?;
        self.entries
            .sync_data()
            .map_err(|e| LogError::io("cannot sync", &self.path("entries"), e))?;
        self.mark_synced(size)?;
        Ok((size, end))
    }

    /// Appends derived data at the current end of `index` and `hashes`.
    pub(crate) fn append_all(&self, index: &[u8], hashes: &[u8]) -> Result<(), LogError> {
        let at = self.len(&self.index, "index")?;
        self.index
            .write_all_at(index, at)
            .map_err(|e| LogError::io("cannot write", &self.path("index"), e))?;
        let at = self.len(&self.hashes, "hashes")?;
        self.hashes
            .write_all_at(hashes, at)
            .map_err(|e| LogError::io("cannot write", &self.path("hashes"), e))
    }

    pub(crate) fn len(&self, file: &File, name: &str) -> Result<u64, LogError> {
        file.metadata()
            .map(|m| m.len())
            .map_err(|e| LogError::io("cannot read", &self.path(name), e))
    }

    pub(crate) fn truncate(&self, file: &File, name: &str, len: u64) -> Result<(), LogError> {
        file.set_len(len)
            .map_err(|e| LogError::io("cannot truncate", &self.path(name), e))
    }

    fn read_err(&self, name: &str, e: io::Error) -> LogError {
        LogError::io("cannot read", &self.path(name), e)
    }
}

impl HashReader for Files {
    fn stored_hash(&self, index: u64) -> io::Result<Hash> {
        let mut h = [0u8; 32];
        self.hashes.read_exact_at(&mut h, index * 32)?;
        Ok(h)
    }
}

/// `read_exact_at` that reports a short file as `Ok(false)` instead of an error.
fn read_fully_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<bool> {
    match file.read_exact_at(buf, offset) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The hash of the most recent complete subtree at each level: all that is needed to
/// compute the stored hashes of the next leaf.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frontier {
    levels: Vec<Hash>,
}

impl Frontier {
    /// Reads the frontier of a tree of `size` leaves from its stored hashes.
    pub(crate) fn load(reader: &impl HashReader, size: u64) -> io::Result<Self> {
        let mut levels = Vec::new();
        let mut level = 0;
        while (size >> level) > 0 {
            let k = (size >> level) - 1;
            levels.push(reader.stored_hash(tree::stored_hash_index(level, k))?);
            level += 1;
        }
        Ok(Self { levels })
    }

    /// Adds leaf `index` and returns the hashes to store for it.
    pub(crate) fn push(&mut self, index: u64, leaf: Hash) -> io::Result<Vec<Hash>> {
        let levels = &self.levels;
        let stored = tree::hashes_for_append(index, leaf, |level| {
            levels
                .get(level as usize)
                .copied()
                .ok_or_else(|| io::Error::other("Merkle frontier shorter than the tree"))
        })?;
        for (level, h) in stored.iter().enumerate() {
            if level < self.levels.len() {
                self.levels[level] = *h;
            } else {
                self.levels.push(*h);
            }
        }
        Ok(stored)
    }
}
