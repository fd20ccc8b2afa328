//! Signing and storing checkpoints, and their RFC 3161 time-stamps.
//!
//! Each checkpoint is stored as `checkpoints/<size>.note` and its time-stamp token, over the
//! SHA-256 of the note's bytes, as `checkpoints/<size>.tsr` (DER TimeStampToken).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{Archive, ArchiveError, CHECKPOINT_INTERVAL, SignedCheckpoint};
use crate::checkpoint::{CheckpointError, CheckpointKey};
use crate::durable::{FileError, create_new};

/// What the archive remembers about its checkpoints between calls.
pub(super) struct Checkpoints {
    pub(super) latest: Option<SignedCheckpoint>,
    pub(super) signed_at: Option<Instant>,
    /// Checkpoints signed while the time-stamp authority failed; retried at each signature.
    pub(super) unstamped: Vec<SignedCheckpoint>,
}

impl Archive {
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
        self.refuse_if_audit_only()?;
        let size = self.log.sync()?;
        if let Some(latest) = &state.latest {
            if latest.size == size {
                return Ok(latest.clone());
            }
            self.check_extends(latest, size)?;
        }
        let root = self.log.root(size)?;
        let note = self.key.sign(size, &root);
        let path = checkpoint_path(&self.dir, size);
        match create_new(&path, note.as_bytes(), 0o444) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Signed before a crash; the stored one stands if it says the same.
                let stored = read_checkpoint(&self.key, size, &path)?;
                if (stored.size, stored.root) != (size, root) {
                    return Err(ArchiveError::Damaged(format!(
                        "stored checkpoint {} disagrees with the log",
                        path.display()
                    )));
                }
            }
            Err(source) => {
                return Err(ArchiveError::Io(FileError::new(
                    "cannot write",
                    path,
                    source,
                )));
            }
        }
        let checkpoint = SignedCheckpoint { size, root, note };
        state.unstamped.retain(|earlier| !self.timestamp(earlier));
        if !self.timestamp(&checkpoint) {
            state.unstamped.push(checkpoint.clone());
        }
        state.latest = Some(checkpoint.clone());
        state.signed_at = Some(Instant::now());
        Ok(checkpoint)
    }

    /// Never sign a tree that does not extend what was signed before: the new tree must have
    /// the old root at the old size, and a consistency proof between them must verify with
    /// the independent checker in `verifier` (RFC 9162 §2.1.4.2).
    fn check_extends(&self, latest: &SignedCheckpoint, size: u64) -> Result<(), ArchiveError> {
        let earlier = self.log.root(latest.size)?;
        if earlier != latest.root {
            return Err(ArchiveError::Damaged(format!(
                "the tree of {} entries no longer has the root signed in its checkpoint",
                latest.size
            )));
        }
        if latest.size == 0 {
            return Ok(());
        }
        let root = self.log.root(size)?;
        let proof = self.log.consistency_proof(latest.size, size)?;
        verifier::merkle::verify_consistency(latest.size, size, &latest.root, &root, &proof)
            .map_err(|e| {
                ArchiveError::Damaged(format!(
                    "the tree of {size} entries is not consistent with checkpoint {}: {e}",
                    latest.size
                ))
            })
    }

    /// Time-stamps a signed checkpoint unless its token is stored already, and says whether
    /// it now has one. A failing authority does not stop the archive (the checkpoint is valid
    /// without a token): the caller retries later, and until then the audit reports the gap.
    pub(super) fn timestamp(&self, checkpoint: &SignedCheckpoint) -> bool {
        let Some(source) = &self.timestamps else {
            return false;
        };
        let path = timestamp_path(&self.dir, checkpoint.size);
        if path.exists() {
            return true;
        }
        let digest: [u8; 32] = Sha256::digest(checkpoint.note.as_bytes()).into();
        let result = source
            .timestamp(&digest)
            .map_err(|e| e.to_string())
            .and_then(|token| create_new(&path, &token, 0o444).map_err(|e| e.to_string()));
        match result {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    size = checkpoint.size,
                    error,
                    "checkpoint not time-stamped yet"
                );
                false
            }
        }
    }

    /// Stamps every stored checkpoint that has no token; those that still fail are retried
    /// at the next signature.
    pub(super) fn stamp_missing(&self) -> Result<(), ArchiveError> {
        let mut state = self
            .checkpoints
            .lock()
            .map_err(|_| ArchiveError::Damaged("checkpoint state poisoned".into()))?;
        for (size, path) in checkpoint_files(&self.dir)? {
            if timestamp_path(&self.dir, size).exists() {
                continue;
            }
            // A damaged note is not stamped (the audit reports it).
            let Ok(checkpoint) = read_checkpoint(&self.key, size, &path) else {
                continue;
            };
            if !self.timestamp(&checkpoint) {
                state.unstamped.push(checkpoint);
            }
        }
        Ok(())
    }

    /// The stored time-stamp token of the checkpoint of `size` entries, if there is one.
    pub fn checkpoint_timestamp(&self, size: u64) -> Result<Option<Vec<u8>>, ArchiveError> {
        let path = timestamp_path(&self.dir, size);
        match fs::read(&path) {
            Ok(token) => Ok(Some(token)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ArchiveError::Io(FileError::new(
                "cannot read",
                path,
                source,
            ))),
        }
    }

    /// The stored checkpoint of exactly `size` entries, its signature checked.
    pub fn stored_checkpoint(&self, size: u64) -> Result<SignedCheckpoint, ArchiveError> {
        let path = checkpoint_path(&self.dir, size);
        if !path.exists() {
            return Err(ArchiveError::NotFound(format!(
                "a checkpoint of {size} entries"
            )));
        }
        read_checkpoint(&self.key, size, &path)
    }

    /// Paths of every stored checkpoint, by size.
    pub fn checkpoint_files(&self) -> Result<Vec<(u64, PathBuf)>, ArchiveError> {
        checkpoint_files(&self.dir)
    }
}

fn checkpoint_path(dir: &Path, size: u64) -> PathBuf {
    dir.join("checkpoints").join(format!("{size:020}.note"))
}

/// Where the time-stamp token of the checkpoint of `size` entries is stored.
fn timestamp_path(dir: &Path, size: u64) -> PathBuf {
    dir.join("checkpoints").join(format!("{size:020}.tsr"))
}

fn checkpoint_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, ArchiveError> {
    let cdir = dir.join("checkpoints");
    let mut out = Vec::new();
    let entries = fs::read_dir(&cdir).map_err(FileError::at("cannot list", &cdir))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(size) = name.strip_suffix(".note").and_then(|s| s.parse().ok()) {
            out.push((size, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The latest stored checkpoint, its signature checked.
pub(super) fn latest_checkpoint(
    dir: &Path,
    key: &CheckpointKey,
) -> Result<Option<SignedCheckpoint>, ArchiveError> {
    match checkpoint_files(dir)?.pop() {
        Some((size, path)) => read_checkpoint(key, size, &path).map(Some),
        None => Ok(None),
    }
}

/// The newest stored checkpoint that is intact and within the log's `log_size` entries,
/// for the audit, which reports the others.
pub(super) fn latest_valid_checkpoint(
    dir: &Path,
    key: &CheckpointKey,
    log_size: u64,
) -> Option<SignedCheckpoint> {
    let files = checkpoint_files(dir).ok()?;
    files
        .into_iter()
        .rev()
        .filter(|(size, _)| *size <= log_size)
        .find_map(|(size, path)| read_checkpoint(key, size, &path).ok())
}

fn read_checkpoint(
    key: &CheckpointKey,
    size: u64,
    path: &Path,
) -> Result<SignedCheckpoint, ArchiveError> {
    let note = fs::read_to_string(path).map_err(FileError::at("cannot read", path))?;
    let (signed_size, root) = key.check(&note).map_err(|what| {
        ArchiveError::Checkpoint(CheckpointError::Malformed {
            path: path.to_owned(),
            what,
        })
    })?;
    if signed_size != size {
        return Err(ArchiveError::Damaged(format!(
            "{} holds a checkpoint of size {signed_size}",
            path.display()
        )));
    }
    Ok(SignedCheckpoint { size, root, note })
}
