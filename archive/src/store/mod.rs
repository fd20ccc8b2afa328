//! The archive as a whole: blobs, the log over them, and signed checkpoints.
//!
//! Layout under the archive directory:
//!
//! ```text
//! blobs/<2 hex>/<62 hex>      content, addressed by BLAKE3, read-only
//! log/entries|index|hashes    the Merkle log (see crate::log)
//! checkpoints/<size>.note     every signed checkpoint, named by tree size (20 digits)
//! checkpoints/<size>.tsr      its RFC 3161 time-stamp token
//! tsa/                        the local time-stamp authority (until a remote one is set)
//! keys/checkpoint-key.pem     the checkpoint signing key (0600) and its .pub.pem
//! origin                      the log identity written in every checkpoint
//! ```

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::blob::{BlobError, BlobStore, FsBlobStore};
use crate::checkpoint::{CheckpointError, CheckpointKey};
use crate::digest::{CopyError, copy_and_hash};
use crate::durable::{FileError, remove_stale_temps, write_atomic};
use crate::entry::{Description, DescriptionError, Digests, Entry, rfc3339_utc};
use crate::log::{Log, LogError};
use crate::timestamp::{LocalAuthority, TimestampSource};

mod receipt;
mod signing;

pub use receipt::{Receipt, SignedCheckpoint};
use signing::{Checkpoints, latest_checkpoint, latest_valid_checkpoint};

/// Least time between two checkpoints signed because of load (on-demand ones are not held
/// back): a steady stream of appends is covered by at most one new checkpoint a second.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// Why an archive operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// Storing or reading content failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The log failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// Signing or reading checkpoints failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The description of an item was refused.
    #[error("invalid description: {0}")]
    Description(#[from] DescriptionError),
    /// An archive file could not be read or written.
    #[error(transparent)]
    Io(#[from] FileError),
    /// Another process has the archive open.
    #[error("the archive {} is in use by another process", .0.display())]
    InUse(PathBuf),
    /// A reference names no entry.
    #[error("no archived item matches {0}")]
    NotFound(String),
    /// A reference is neither an entry index nor a 64-digit hex digest.
    #[error("{0:?} is neither an entry index nor a 64-digit hex BLAKE3 or SHA-256 digest")]
    BadReference(String),
    /// Content read back does not match what was archived.
    #[error("blob of entry {index} is damaged: expected {expected}, found {found}")]
    Mismatch {
        /// The entry.
        index: u64,
        /// What the entry records.
        expected: String,
        /// What the stored bytes hash to.
        found: String,
    },
    /// The item was archived (durably, as entry `index`) but no checkpoint covering it could
    /// be signed yet: do not archive it again; ask for its receipt later.
    #[error("archived as entry {index}, but no receipt could be made yet: {cause}")]
    NoReceipt {
        /// The entry the item now is.
        index: u64,
        /// Why no receipt could be made.
        #[source]
        cause: Box<ArchiveError>,
    },
    /// The archive was opened for the audit only, and the operation would change it.
    #[error("the archive is opened for audit only; it is not changed")]
    AuditOnly,
    /// The time-stamp authority could not be set up.
    #[error("time-stamp authority: {0}")]
    Timestamp(String),
    /// The store contradicts a checkpoint it signed, or holds an entry it cannot read.
    #[error("the archive is damaged: {0}")]
    Damaged(String),
}

/// How an archived item is referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// By entry index.
    Index(u64),
    /// By BLAKE3 or SHA-256 digest of the content.
    Digest([u8; 32]),
}

impl std::str::FromStr for Reference {
    type Err = ArchiveError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(index) = s.parse::<u64>()
            && s.len() < 64
        {
            return Ok(Self::Index(index));
        }
        let mut digest = [0u8; 32];
        hex::decode_to_slice(s, &mut digest)
            .map(|()| Self::Digest(digest))
            .map_err(|_| ArchiveError::BadReference(s.to_owned()))
    }
}

/// An open archive. Safe to share between threads.
pub struct Archive {
    dir: PathBuf,
    blobs: FsBlobStore,
    log: Log,
    key: CheckpointKey,
    checkpoints: Mutex<Checkpoints>,
    timestamps: Option<Box<dyn TimestampSource>>,
    /// Opened by [`Archive::open_for_audit`]: never appends or signs.
    audit_only: bool,
    by_digest: Mutex<Option<HashMap<[u8; 32], u64>>>,
    /// Held for the archive's lifetime: the log has exactly one writer.
    _lock: fs::File,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("dir", &self.dir)
            .field("size", &self.log.size())
            .finish_non_exhaustive()
    }
}

impl Archive {
    /// Opens the archive in `dir`, creating it on first use (with a new checkpoint key and a
    /// random origin), and recovering from an interrupted run. Checkpoints are time-stamped by
    /// a local authority kept in `dir/tsa`, created on first use.
    pub fn open(dir: &Path) -> Result<Self, ArchiveError> {
        let mut archive = Self::open_inner(dir, None, false)?;
        let tsa = LocalAuthority::open_or_generate(&dir.join("tsa"))
            .map_err(|e| ArchiveError::Timestamp(e.to_string()))?;
        archive.timestamps = Some(Box::new(tsa));
        // A crash, or a failing authority, between storing a checkpoint and its token leaves
        // it unstamped: stamp those now (late, but a token still bounds the note's age).
        archive.stamp_missing()?;
        Ok(archive)
    }

    /// Opens the archive in `dir` like [`Archive::open`], with checkpoints time-stamped by
    /// `timestamps` (or not at all).
    pub fn open_with(
        dir: &Path,
        timestamps: Option<Box<dyn TimestampSource>>,
    ) -> Result<Self, ArchiveError> {
        let archive = Self::open_inner(dir, timestamps, false)?;
        archive.stamp_missing()?;
        Ok(archive)
    }

    /// Opens the archive in `dir` for [`Archive::audit`] only: a damaged latest checkpoint,
    /// or one covering more entries than the log holds, does not stop the opening (the audit
    /// reports it), and the archive opened this way refuses to append or sign.
    pub fn open_for_audit(dir: &Path) -> Result<Self, ArchiveError> {
        Self::open_inner(dir, None, true)
    }

    fn open_inner(
        dir: &Path,
        timestamps: Option<Box<dyn TimestampSource>>,
        audit_only: bool,
    ) -> Result<Self, ArchiveError> {
        let io = |context, path: &Path| {
            let path = path.to_owned();
            move |source| ArchiveError::Io(FileError::new(context, path, source))
        };
        fs::create_dir_all(dir.join("checkpoints")).map_err(io("cannot create", dir))?;
        let lock_path = dir.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("cannot open", &lock_path))?;
        match crate::durable::try_lock(&lock) {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(ArchiveError::InUse(dir.to_owned())),
            Err(fs::TryLockError::Error(e)) => return Err(io("cannot lock", &lock_path)(e)),
        }
        if !audit_only {
            // Temporaries of writes a crash interrupted; the lock keeps other writers out.
            for sub in [dir.to_owned(), dir.join("log"), dir.join("checkpoints")] {
                match remove_stale_temps(&sub) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(FileError::new("cannot clean up", sub, e).into());
                    }
                    _ => {}
                }
            }
        }
        let origin = origin(dir)?;
        let key = CheckpointKey::open_or_generate(&dir.join("keys"), &origin)?;
        let blobs = FsBlobStore::open(&dir.join("blobs"))?;
        let log = Log::open(&dir.join("log"))?;
        let latest = if audit_only {
            latest_valid_checkpoint(dir, &key, log.size())
        } else {
            latest_checkpoint(dir, &key)?
        };
        if let Some(cp) = &latest
            && cp.size > log.size()
        {
            return Err(ArchiveError::Damaged(format!(
                "checkpoint {} covers more entries than the log holds ({})",
                cp.size,
                log.size()
            )));
        }
        Ok(Self {
            dir: dir.to_owned(),
            blobs,
            log,
            key,
            checkpoints: Mutex::new(Checkpoints {
                latest,
                signed_at: None,
                unstamped: Vec::new(),
            }),
            timestamps,
            audit_only,
            by_digest: Mutex::new(None),
            _lock: lock,
        })
    }

    /// The archive directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.log.size()
    }

    /// The log identity written in every checkpoint.
    pub fn origin(&self) -> &str {
        self.key.origin()
    }

    /// The checkpoint public key (PEM), for verifiers.
    pub fn public_key_pem(&self) -> &str {
        self.key.public_key_pem()
    }

    /// The underlying log, for proofs and tiles.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Archives `content`: stores the blob (durably), appends an entry describing it, and
    /// returns a receipt against a checkpoint that covers it (signing one may wait up to
    /// [`CHECKPOINT_INTERVAL`]).
    pub fn put(
        &self,
        content: &mut dyn Read,
        description: &Description,
        limit: Option<u64>,
    ) -> Result<Receipt, ArchiveError> {
        let index = self.append(content, description, limit)?;
        self.receipt_covering(index)
    }

    /// The receipt of a new entry, against a checkpoint that covers it.
    fn receipt_covering(&self, index: u64) -> Result<Receipt, ArchiveError> {
        self.checkpoint_covering(index)
            .and_then(|checkpoint| self.receipt_against(index, checkpoint))
            .map_err(|cause| ArchiveError::NoReceipt {
                index,
                cause: Box::new(cause),
            })
    }

    /// Archives `content` like [`Archive::put`] and returns the entry's index as soon as the
    /// blob and the entry are durable, without waiting for a checkpoint to cover it.
    pub fn append(
        &self,
        content: &mut dyn Read,
        description: &Description,
        limit: Option<u64>,
    ) -> Result<u64, ArchiveError> {
        self.append_with(description, |blobs| blobs.put(content, limit))
    }

    /// Archives the content of `file` like [`Archive::put`], calling `progress` with the
    /// bytes stored so far. Faster than [`Archive::put`] with the file as reader: the file
    /// system copies it (see [`BlobStore::put_file`]).
    pub fn put_file(
        &self,
        file: &File,
        description: &Description,
        progress: &dyn Fn(u64),
    ) -> Result<Receipt, ArchiveError> {
        let index = self.append_with(description, |blobs| blobs.put_file(file, None, progress))?;
        self.receipt_covering(index)
    }

    fn append_with(
        &self,
        description: &Description,
        store: impl FnOnce(&dyn BlobStore) -> Result<Digests, BlobError>,
    ) -> Result<u64, ArchiveError> {
        self.refuse_if_audit_only()?;
        description.validate()?;
        let received = rfc3339_utc(SystemTime::now());
        let digests = store(&self.blobs)?;
        let description = description.clone();
        let index = self.log.append(Box::new(move |seq| {
            Entry::new(seq, &digests, &description, received).canonical_bytes()
        }))?;
        if let Ok(mut map) = self.by_digest.lock()
            && let Some(map) = map.as_mut()
        {
            map.entry(digests.blake3).or_insert(index);
            map.entry(digests.sha256).or_insert(index);
        }
        Ok(index)
    }

    pub(super) fn refuse_if_audit_only(&self) -> Result<(), ArchiveError> {
        if self.audit_only {
            return Err(ArchiveError::AuditOnly);
        }
        Ok(())
    }

    /// Resolves a reference to an entry index.
    pub fn resolve(&self, reference: Reference) -> Result<u64, ArchiveError> {
        match reference {
            Reference::Index(index) if index < self.size() => Ok(index),
            Reference::Index(index) => Err(ArchiveError::NotFound(index.to_string())),
            Reference::Digest(digest) => self
                .index_of(&digest)?
                .ok_or_else(|| ArchiveError::NotFound(hex::encode(digest))),
        }
    }

    fn index_of(&self, digest: &[u8; 32]) -> Result<Option<u64>, ArchiveError> {
        let mut guard = self
            .by_digest
            .lock()
            .map_err(|_| ArchiveError::Damaged("digest index poisoned".into()))?;
        if guard.is_none() {
            let mut map = HashMap::new();
            for index in 0..self.size() {
                let entry = self.entry(index)?;
                for d in [entry.blake3_bytes(), entry.sha256_bytes()]
                    .into_iter()
                    .flatten()
                {
                    map.entry(d).or_insert(index);
                }
            }
            *guard = Some(map);
        }
        Ok(guard.as_ref().and_then(|m| m.get(digest).copied()))
    }

    /// The parsed entry at `index`.
    pub fn entry(&self, index: u64) -> Result<Entry, ArchiveError> {
        let bytes = self.log.entry(index)?;
        Entry::from_canonical(&bytes)
            .ok_or_else(|| ArchiveError::Damaged(format!("entry {index} is not canonical")))
    }

    /// Copies the content of entry `index` to `out`, re-hashing it on the way. A mismatch
    /// with the entry is an error; `out` has then received damaged bytes and must be
    /// discarded by the caller.
    pub fn copy_to(&self, index: u64, out: &mut dyn Write) -> Result<Entry, ArchiveError> {
        let entry = self.entry(index)?;
        let address = entry
            .blake3_bytes()
            .ok_or_else(|| ArchiveError::Damaged(format!("entry {index} has no BLAKE3")))?;
        let mut blob = self.blobs.open(&address)?;
        let found = copy_and_hash(&mut blob, Some(out), None).map_err(|e| match e {
            CopyError::Read(source) => ArchiveError::Io(FileError::new(
                "cannot read",
                self.blobs.path_of(&address),
                source,
            )),
            CopyError::Write(source) => ArchiveError::Io(FileError::new(
                "cannot write",
                PathBuf::from("the output"),
                source,
            )),
            CopyError::TooLarge { .. } => ArchiveError::Damaged("unexpected limit".into()),
        })?;
        check_digests(index, &entry, &found)?;
        Ok(entry)
    }

    /// The checkpoint key, for the audit.
    pub(crate) fn key(&self) -> &CheckpointKey {
        &self.key
    }

    /// The blob store, for the audit.
    pub(crate) fn blobs(&self) -> &FsBlobStore {
        &self.blobs
    }
}

/// Compares re-computed digests with those an entry records.
pub(crate) fn check_digests(
    index: u64,
    entry: &Entry,
    found: &crate::entry::Digests,
) -> Result<(), ArchiveError> {
    let checks = [
        ("BLAKE3", entry.blake3.clone(), hex::encode(found.blake3)),
        ("SHA-256", entry.sha256.clone(), hex::encode(found.sha256)),
        ("size", entry.size.to_string(), found.size.to_string()),
    ];
    for (what, expected, got) in checks {
        if expected != got {
            return Err(ArchiveError::Mismatch {
                index,
                expected: format!("{what} {expected}"),
                found: format!("{what} {got}"),
            });
        }
    }
    Ok(())
}

/// The archive's origin, made on first use: a name that is unique per archive so that
/// checkpoints of different stations can never be confused.
fn origin(dir: &Path) -> Result<String, ArchiveError> {
    let path = dir.join("origin");
    if let Ok(text) = fs::read_to_string(&path) {
        return Ok(text.trim().to_owned());
    }
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|e| {
        ArchiveError::Io(FileError::new(
            "cannot draw randomness for",
            path.clone(),
            std::io::Error::other(e.to_string()),
        ))
    })?;
    let origin = format!("dalel.local/archive/{}", hex::encode(id));
    write_atomic(&path, format!("{origin}\n").as_bytes(), 0o644)
        .map_err(|source| ArchiveError::Io(FileError::new("cannot write", path.clone(), source)))?;
    Ok(origin)
}
