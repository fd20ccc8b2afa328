//! The audit of the whole store: every blob re-hashed, every leaf and stored hash recomputed,
//! every checkpoint's signature and root checked. Each discrepancy is reported precisely.

use std::collections::HashSet;
use std::fmt;

use crate::blob::BlobStore;
use crate::digest::copy_and_hash;
use crate::entry::Entry;
use crate::store::{Archive, check_digests};
use crate::tree::{self, Hash, MemoryHashes};

use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_token};
use verifier::report::Indication;

/// One thing the audit found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discrepancy {
    /// An entry cannot be read or is not canonical.
    Entry {
        /// The entry.
        index: u64,
        /// What is wrong.
        what: String,
    },
    /// A blob an entry refers to is absent.
    MissingBlob {
        /// The entry.
        index: u64,
        /// The blob address.
        blake3: String,
    },
    /// A blob's bytes do not match its entry.
    Blob {
        /// The entry.
        index: u64,
        /// What the entry records.
        expected: String,
        /// What the bytes hash to.
        found: String,
    },
    /// A stored tree hash differs from the one recomputed from the entries.
    StoredHash {
        /// Position in stored-hash order.
        position: u64,
    },
    /// A checkpoint is unreadable, badly signed, or names another root than the log has.
    Checkpoint {
        /// Its tree size (from the file name).
        size: u64,
        /// What is wrong.
        what: String,
    },
    /// A file in the blob store is not named by its content's BLAKE3.
    StrayBlob {
        /// The file.
        path: String,
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Entry { index, what } => write!(f, "entry {index}: {what}"),
            Self::MissingBlob { index, blake3 } => {
                write!(f, "entry {index}: blob {blake3} is missing")
            }
            Self::Blob {
                index,
                expected,
                found,
            } => write!(f, "entry {index}: blob expected {expected}, found {found}"),
            Self::StoredHash { position } => {
                write!(
                    f,
                    "stored tree hash {position} differs from the recomputed one"
                )
            }
            Self::Checkpoint { size, what } => write!(f, "checkpoint {size}: {what}"),
            Self::StrayBlob { path, what } => write!(f, "blob file {path}: {what}"),
        }
    }
}

/// What the audit examined and found.
#[derive(Debug, Clone, Default)]
pub struct AuditReport {
    /// Entries examined.
    pub entries: u64,
    /// Blobs re-hashed.
    pub blobs: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Blobs no entry refers to (left by a write interrupted before its entry): not a
    /// discrepancy, reported for information.
    pub unreferenced_blobs: u64,
    /// Everything found wrong.
    pub discrepancies: Vec<Discrepancy>,
}

impl AuditReport {
    /// Whether the store is intact.
    pub fn is_clean(&self) -> bool {
        self.discrepancies.is_empty()
    }
}

impl Archive {
    /// Audits the whole store. `progress` is called with the number of bytes re-hashed so far.
    pub fn audit(&self, mut progress: impl FnMut(u64)) -> AuditReport {
        let mut report = AuditReport::default();
        let size = self.size();
        let mut tree = MemoryHashes::default();
        let mut referenced = HashSet::new();
        for index in 0..size {
            report.entries += 1;
            let leaf = match self.log().entry(index) {
                Ok(bytes) => bytes,
                Err(e) => {
                    report.discrepancies.push(Discrepancy::Entry {
                        index,
                        what: e.to_string(),
                    });
                    tree.push_leaf([0; 32]);
                    continue;
                }
            };
            tree.push_leaf(tree::leaf_hash(&leaf));
            match Entry::from_canonical(&leaf) {
                Some(entry) if entry.seq == index => {
                    self.audit_blob(index, &entry, &mut report, &mut progress);
                    if let Some(b) = entry.blake3_bytes() {
                        referenced.insert(b);
                    }
                }
                Some(entry) => report.discrepancies.push(Discrepancy::Entry {
                    index,
                    what: format!("records position {}", entry.seq),
                }),
                None => report.discrepancies.push(Discrepancy::Entry {
                    index,
                    what: "is not a canonical entry".into(),
                }),
            }
        }
        self.audit_stored_hashes(&tree, &mut report);
        self.audit_checkpoints(&tree, &mut report);
        self.audit_stray_blobs(&referenced, &mut report);
        report
    }

    fn audit_blob(
        &self,
        index: u64,
        entry: &Entry,
        report: &mut AuditReport,
        progress: &mut impl FnMut(u64),
    ) {
        let Some(address) = entry.blake3_bytes() else {
            report.discrepancies.push(Discrepancy::Entry {
                index,
                what: "has a malformed BLAKE3".into(),
            });
            return;
        };
        let mut blob = match self.blobs().open(&address) {
            Ok(blob) => blob,
            Err(_) => {
                report.discrepancies.push(Discrepancy::MissingBlob {
                    index,
                    blake3: entry.blake3.clone(),
                });
                return;
            }
        };
        match copy_and_hash(&mut blob, None, None) {
            Ok(found) => {
                report.blobs += 1;
                report.bytes += found.size;
                progress(report.bytes);
                if let Err(crate::store::ArchiveError::Mismatch {
                    expected, found, ..
                }) = check_digests(index, entry, &found)
                {
                    report.discrepancies.push(Discrepancy::Blob {
                        index,
                        expected,
                        found,
                    });
                }
            }
            Err(e) => report.discrepancies.push(Discrepancy::Blob {
                index,
                expected: entry.blake3.clone(),
                found: format!("unreadable: {e}"),
            }),
        }
    }

    fn audit_stored_hashes(&self, tree: &MemoryHashes, report: &mut AuditReport) {
        for (position, expected) in tree.as_slice().iter().enumerate() {
            let position = position as u64;
            if self.log().stored_hash(position).ok().as_ref() != Some(expected) {
                report
                    .discrepancies
                    .push(Discrepancy::StoredHash { position });
            }
        }
    }

    fn audit_checkpoints(&self, tree: &MemoryHashes, report: &mut AuditReport) {
        let files = match self.checkpoint_files() {
            Ok(files) => files,
            Err(e) => {
                report.discrepancies.push(Discrepancy::Checkpoint {
                    size: 0,
                    what: e.to_string(),
                });
                return;
            }
        };
        for (size, path) in files {
            report.checkpoints += 1;
            let what = match std::fs::read_to_string(&path) {
                Err(e) => Some(format!("unreadable: {e}")),
                Ok(note) => match self.key().check(&note) {
                    Err(e) => Some(e),
                    Ok((signed, _)) if signed != size => {
                        Some(format!("file name says {size}, note says {signed}"))
                    }
                    Ok(_) if size > tree.leaves() => {
                        Some(format!("covers more than the {} entries", tree.leaves()))
                    }
                    Ok((_, root)) => {
                        let recomputed: Option<Hash> = tree::root(tree, size).ok();
                        (recomputed != Some(root)).then(|| {
                            format!(
                                "signed root {} differs from the recomputed {}",
                                hex::encode(root),
                                recomputed.map(hex::encode).unwrap_or_default()
                            )
                        })
                    }
                },
            };
            if let Some(what) = what {
                report
                    .discrepancies
                    .push(Discrepancy::Checkpoint { size, what });
            } else if let Err(what) = self.audit_timestamp(size, &path) {
                report
                    .discrepancies
                    .push(Discrepancy::Checkpoint { size, what });
            }
        }
    }

    /// The checkpoint's time-stamp token must be there, date exactly this note, and carry an
    /// intact signature bound to its TSA certificate (checked by `verifier::cms::timestamp`,
    /// so any changed byte of the token is found).
    fn audit_timestamp(&self, size: u64, note_path: &std::path::Path) -> Result<(), String> {
        let token = match self.checkpoint_timestamp(size) {
            Ok(Some(token)) => token,
            Ok(None) => return Err("has no time-stamp token".into()),
            Err(e) => return Err(e.to_string()),
        };
        let note = std::fs::read(note_path).map_err(|e| format!("unreadable: {e}"))?;
        let expected = TimestampExpectations {
            imprint: Some(Imprint::Data(&note)),
            nonce: None,
            policy: None,
            extra_certificates: &[],
        };
        let report = verify_token(&token, &expected)
            .map_err(|e| format!("time-stamp token unreadable: {e}"))?;
        let conclusion = &report.conclusion;
        if conclusion.indication != Indication::TotalPassed {
            return Err(format!(
                "time-stamp token fails: {}",
                conclusion.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        Ok(())
    }

    fn audit_stray_blobs(&self, referenced: &HashSet<[u8; 32]>, report: &mut AuditReport) {
        let Ok(listing) = self.blobs().list() else {
            return;
        };
        for item in listing {
            match item {
                Err(path) => report.discrepancies.push(Discrepancy::StrayBlob {
                    path: path.display().to_string(),
                    what: "name is not a BLAKE3 address".into(),
                }),
                Ok(address) if !referenced.contains(&address) => {
                    report.unreferenced_blobs += 1;
                    let path = self.blobs().path_of(&address);
                    let hashed = self
                        .blobs()
                        .open(&address)
                        .ok()
                        .and_then(|mut r| copy_and_hash(&mut r, None, None).ok());
                    if hashed.map(|d| d.blake3) != Some(address) {
                        report.discrepancies.push(Discrepancy::StrayBlob {
                            path: path.display().to_string(),
                            what: "content does not hash to its name".into(),
                        });
                    }
                }
                Ok(_) => {}
            }
        }
    }
}
