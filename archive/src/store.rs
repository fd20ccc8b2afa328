//! The archive as a whole: blobs, the log over them, and signed checkpoints.
//!
//! Layout under the archive directory:
//!
//! ```text
//! blobs/<2 hex>/<62 hex>      content, addressed by BLAKE3, read-only
//! log/entries|index|hashes    the Merkle log (see crate::log)
//! checkpoints/<size>.note     every signed checkpoint, named by tree size (20 digits)
//! keys/checkpoint-key.pem     the checkpoint signing key (0600) and its .pub.pem
//! origin                      the log identity written in every checkpoint
//! ```

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::blob::{BlobError, BlobStore, FsBlobStore};
use crate::checkpoint::{CheckpointError, CheckpointKey};
use crate::digest::{CopyError, copy_and_hash};
use crate::durable::{create_new, write_atomic};
use crate::entry::{Description, DescriptionError, Entry, rfc3339_utc};
use crate::log::{Log, LogError};
use crate::tree::Hash;

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
    #[error("{context} {}", path.display())]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
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

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note, verbatim.
    pub note: String,
}

/// Everything needed to prove, offline, that an entry is in the archive.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The entry's index.
    pub index: u64,
    /// The entry's canonical bytes (the Merkle leaf data).
    pub entry: Vec<u8>,
    /// The inclusion proof of the entry in the checkpoint's tree.
    pub proof: Vec<Hash>,
    /// The checkpoint the proof is against.
    pub checkpoint: SignedCheckpoint,
}

impl Receipt {
    /// The receipt in C2SP `tlog-proof` form, the entry bytes in its `extra` line.
    pub fn to_tlog_proof(&self) -> String {
        let mut out = format!(
            "c2sp.org/tlog-proof@v1\nextra {}\nindex {}\n",
            B64.encode(&self.entry),
            self.index
        );
        for hash in &self.proof {
            out.push_str(&B64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint.note);
        out
    }
}

struct Checkpoints {
    latest: Option<SignedCheckpoint>,
    signed_at: Option<Instant>,
}

/// An open archive. Safe to share between threads.
pub struct Archive {
    dir: PathBuf,
    blobs: FsBlobStore,
    log: Log,
    key: CheckpointKey,
    checkpoints: Mutex<Checkpoints>,
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
    /// random origin), and recovering from an interrupted run.
    pub fn open(dir: &Path) -> Result<Self, ArchiveError> {
        let io = |context, path: &Path| {
            let path = path.to_owned();
            move |source| ArchiveError::Io {
                context,
                path,
                source,
            }
        };
        fs::create_dir_all(dir.join("checkpoints")).map_err(io("cannot create", dir))?;
        let lock_path = dir.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("cannot open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(ArchiveError::InUse(dir.to_owned())),
            Err(fs::TryLockError::Error(e)) => return Err(io("cannot lock", &lock_path)(e)),
        }
        let origin = origin(dir)?;
        let key = CheckpointKey::open_or_generate(&dir.join("keys"), &origin)?;
        let blobs = FsBlobStore::open(&dir.join("blobs"))?;
        let log = Log::open(&dir.join("log"))?;
        let latest = latest_checkpoint(dir, &key)?;
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
            }),
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
    /// returns a receipt against a checkpoint that covers it.
    pub fn put(
        &self,
        content: &mut dyn Read,
        description: &Description,
        limit: Option<u64>,
    ) -> Result<Receipt, ArchiveError> {
        description.validate()?;
        let received = rfc3339_utc(SystemTime::now());
        let digests = self.blobs.put(content, limit)?;
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
        let checkpoint = self.checkpoint_covering(index)?;
        self.receipt_against(index, checkpoint)
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
            CopyError::Read(source) => ArchiveError::Io {
                context: "cannot read",
                path: self.blobs.path_of(&address),
                source,
            },
            CopyError::Write(source) => ArchiveError::Io {
                context: "cannot write",
                path: PathBuf::from("the output"),
                source,
            },
            CopyError::TooLarge { .. } => ArchiveError::Damaged("unexpected limit".into()),
        })?;
        check_digests(index, &entry, &found)?;
        Ok(entry)
    }

    /// A receipt for entry `index` against the latest checkpoint, signing one if none
    /// covers the entry yet.
    pub fn receipt(&self, index: u64) -> Result<Receipt, ArchiveError> {
        let checkpoint = self.checkpoint_covering(index)?;
        self.receipt_against(index, checkpoint)
    }

    fn receipt_against(
        &self,
        index: u64,
        checkpoint: SignedCheckpoint,
    ) -> Result<Receipt, ArchiveError> {
        Ok(Receipt {
            index,
            entry: self.log.entry(index)?,
            proof: self.log.inclusion_proof(index, checkpoint.size)?,
            checkpoint,
        })
    }

    /// The latest signed checkpoint, if any.
    pub fn latest_checkpoint(&self) -> Option<SignedCheckpoint> {
        self.checkpoints.lock().ok().and_then(|c| c.latest.clone())
    }

    /// Signs a checkpoint of the current tree now, unless the latest already covers it.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, ArchiveError> {
        let mut state = self
            .checkpoints
            .lock()
            .map_err(|_| ArchiveError::Damaged("checkpoint state poisoned".into()))?;
        self.sign_locked(&mut state)
    }

    /// A checkpoint covering entry `index`: the latest if it does, otherwise a new one,
    /// signed no sooner than [`CHECKPOINT_INTERVAL`] after the previous one so that load
    /// cannot make the archive sign without pause.
    pub fn checkpoint_covering(&self, index: u64) -> Result<SignedCheckpoint, ArchiveError> {
        let mut state = self
            .checkpoints
            .lock()
            .map_err(|_| ArchiveError::Damaged("checkpoint state poisoned".into()))?;
        if let Some(latest) = state.latest.as_ref().filter(|c| c.size > index) {
            return Ok(latest.clone());
        }
        if let Some(at) = state.signed_at {
            let wait = CHECKPOINT_INTERVAL.saturating_sub(at.elapsed());
            // Waiting with the lock held queues every other caller behind this signature,
            // which will cover them too.
            std::thread::sleep(wait);
        }
        self.sign_locked(&mut state)
    }

    fn sign_locked(&self, state: &mut Checkpoints) -> Result<SignedCheckpoint, ArchiveError> {
        let size = self.log.sync()?;
        if let Some(latest) = &state.latest {
            if latest.size == size {
                return Ok(latest.clone());
            }
            // Never sign a tree that does not extend what was signed before.
            let earlier = self.log.root(latest.size)?;
            if earlier != latest.root {
                return Err(ArchiveError::Damaged(format!(
                    "the tree of {} entries no longer has the root signed in its checkpoint",
                    latest.size
                )));
            }
        }
        let root = self.log.root(size)?;
        let note = self.key.sign(size, &root);
        let path = checkpoint_path(&self.dir, size);
        match create_new(&path, note.as_bytes(), 0o444) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Signed before a crash; the stored one stands if it says the same.
                let stored = fs::read_to_string(&path).map_err(|source| ArchiveError::Io {
                    context: "cannot read",
                    path: path.clone(),
                    source,
                })?;
                if self.key.check(&stored).ok() != Some((size, root)) {
                    return Err(ArchiveError::Damaged(format!(
                        "stored checkpoint {} disagrees with the log",
                        path.display()
                    )));
                }
            }
            Err(source) => {
                return Err(ArchiveError::Io {
                    context: "cannot write",
                    path,
                    source,
                });
            }
        }
        let checkpoint = SignedCheckpoint { size, root, note };
        state.latest = Some(checkpoint.clone());
        state.signed_at = Some(Instant::now());
        Ok(checkpoint)
    }

    /// Paths of every stored checkpoint, by size.
    pub fn checkpoint_files(&self) -> Result<Vec<(u64, PathBuf)>, ArchiveError> {
        checkpoint_files(&self.dir)
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

fn checkpoint_path(dir: &Path, size: u64) -> PathBuf {
    dir.join("checkpoints").join(format!("{size:020}.note"))
}

fn checkpoint_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, ArchiveError> {
    let cdir = dir.join("checkpoints");
    let mut out = Vec::new();
    let entries = fs::read_dir(&cdir).map_err(|source| ArchiveError::Io {
        context: "cannot list",
        path: cdir.clone(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(size) = name.strip_suffix(".note").and_then(|s| s.parse().ok()) {
            out.push((size, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn latest_checkpoint(
    dir: &Path,
    key: &CheckpointKey,
) -> Result<Option<SignedCheckpoint>, ArchiveError> {
    let Some((size, path)) = checkpoint_files(dir)?.pop() else {
        return Ok(None);
    };
    let note = fs::read_to_string(&path).map_err(|source| ArchiveError::Io {
        context: "cannot read",
        path: path.clone(),
        source,
    })?;
    let (signed_size, root) = key.check(&note).map_err(|what| {
        ArchiveError::Checkpoint(CheckpointError::Malformed {
            path: path.clone(),
            what,
        })
    })?;
    if signed_size != size {
        return Err(ArchiveError::Damaged(format!(
            "{} holds a checkpoint of size {signed_size}",
            path.display()
        )));
    }
    Ok(Some(SignedCheckpoint { size, root, note }))
}

/// The archive's origin, made on first use: a name that is unique per archive so that
/// checkpoints of different stations can never be confused.
fn origin(dir: &Path) -> Result<String, ArchiveError> {
    let path = dir.join("origin");
    if let Ok(text) = fs::read_to_string(&path) {
        return Ok(text.trim().to_owned());
    }
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|e| ArchiveError::Io {
        context: "cannot draw randomness for",
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let origin = format!("dalel.local/archive/{}", hex::encode(id));
    write_atomic(&path, format!("{origin}\n").as_bytes()).map_err(|source| ArchiveError::Io {
        context: "cannot write",
        path: path.clone(),
        source,
    })?;
    Ok(origin)
}
