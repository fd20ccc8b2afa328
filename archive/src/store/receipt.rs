//! Receipts: what the archive hands out to prove, offline, that an entry is in the log.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::{Archive, ArchiveError};
use crate::tree::Hash;

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
    /// The RFC 3161 time-stamp token (DER) over the SHA-256 of the checkpoint note, when the
    /// archive holds one.
    pub checkpoint_timestamp: Option<Vec<u8>>,
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

    /// The receipt as the JSON that `dalel archive put` prints and `POST /v1/archive`
    /// answers: the entry, the checkpoint, the proof, its time-stamp, and the `tlog-proof`.
    pub fn to_json(&self) -> serde_json::Value {
        let entry = serde_json::from_slice::<serde_json::Value>(&self.entry)
            .unwrap_or_else(|_| serde_json::Value::String(B64.encode(&self.entry)));
        serde_json::json!({
            "index": self.index,
            "entry": entry,
            "checkpoint": {
                "size": self.checkpoint.size,
                "root": B64.encode(self.checkpoint.root),
                "note": self.checkpoint.note,
                "timestamp": self.checkpoint_timestamp.as_ref().map(|t| B64.encode(t)),
            },
            "inclusion_proof": self.proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
            "receipt": self.to_tlog_proof(),
        })
    }
}

impl Archive {
    /// A receipt for entry `index` against the latest checkpoint, signing one if none
    /// covers the entry yet.
    pub fn receipt(&self, index: u64) -> Result<Receipt, ArchiveError> {
        let checkpoint = self.checkpoint_covering(index)?;
        self.receipt_against(index, checkpoint)
    }

    /// A receipt for entry `index` against the stored checkpoint of `size` entries.
    pub fn receipt_at(&self, index: u64, size: u64) -> Result<Receipt, ArchiveError> {
        let checkpoint = self.stored_checkpoint(size)?;
        if index >= checkpoint.size {
            return Err(ArchiveError::NotFound(format!(
                "entry {index} in the checkpoint of {size} entries"
            )));
        }
        self.receipt_against(index, checkpoint)
    }

    pub(super) fn receipt_against(
        &self,
        index: u64,
        checkpoint: SignedCheckpoint,
    ) -> Result<Receipt, ArchiveError> {
        Ok(Receipt {
            index,
            entry: self.log.entry(index)?,
            proof: self.log.inclusion_proof(index, checkpoint.size)?,
            checkpoint_timestamp: self.checkpoint_timestamp(checkpoint.size)?,
            checkpoint,
        })
    }
}
