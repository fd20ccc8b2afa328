//! Signed checkpoints: the tree head as a C2SP `tlog-checkpoint` in C2SP `signed-note` form,
//! signed with the archive's ECDSA P-256 key (signature type 0x02).

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

use crate::durable::FileError;
use crate::durable::create_new;
use crate::tree::Hash;

/// Why a checkpoint operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// A key or checkpoint file could not be read or written.
    #[error(transparent)]
    Io(#[from] FileError),
    /// The key file does not hold a P-256 PKCS#8 key.
    #[error("{} does not hold a P-256 private key (PKCS#8 PEM)", path.display())]
    BadKey {
        /// The file.
        path: PathBuf,
    },
    /// A stored checkpoint is not a well-formed note of this archive.
    #[error("checkpoint {} is malformed: {what}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// The archive's checkpoint signing key and the log identity (origin) it signs for.
pub struct CheckpointKey {
    origin: String,
    key: SigningKey,
    key_id: u32,
    public_pem: String,
}

impl std::fmt::Debug for CheckpointKey {
    // Never print the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointKey")
            .field("origin", &self.origin)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

const KEY_FILE: &str = "checkpoint-key.pem";
const PUBLIC_FILE: &str = "checkpoint-key.pub.pem";

impl CheckpointKey {
    /// Loads the key from `dir`, or generates and stores one (private key mode 0600) on first
    /// use. The public key is also written as `checkpoint-key.pub.pem` for verifiers.
    pub fn open_or_generate(dir: &Path, origin: &str) -> Result<Self, CheckpointError> {
        let path = dir.join(KEY_FILE);
        let io = |context, path: &Path| {
            let path = path.to_owned();
            move |source| CheckpointError::Io(FileError::new(context, path, source))
        };
        fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        if !path.exists() {
            let key = SigningKey::generate();
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| CheckpointError::BadKey { path: path.clone() })?;
            match create_new(&path, pem.as_bytes(), 0o600) {
                Ok(()) => {}
                // Another process created it first; use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io("cannot write", &path)(e)),
            }
        }
        let pem = fs::read_to_string(&path).map_err(io("cannot read", &path))?;
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|_| CheckpointError::BadKey { path: path.clone() })?;
        let this = Self::from_key(origin, key)
            .ok_or_else(|| CheckpointError::BadKey { path: path.clone() })?;
        let public = dir.join(PUBLIC_FILE);
        if !public.exists() {
            match create_new(&public, this.public_pem.as_bytes(), 0o644) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io("cannot write", &public)(e)),
            }
        }
        Ok(this)
    }

    fn from_key(origin: &str, key: SigningKey) -> Option<Self> {
        let verifying = key.verifying_key();
        let spki = verifying.to_public_key_der().ok()?;
        let public_pem = verifying.to_public_key_pem(LineEnding::LF).ok()?;
        Some(Self {
            origin: origin.to_owned(),
            key_id: key_id(spki.as_bytes()),
            key,
            public_pem,
        })
    }

    /// The log identity this key signs checkpoints for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The public key as PEM (SubjectPublicKeyInfo), for `dalel-verify --key`.
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// The signed note for the tree of `size` leaves with root `root`.
    pub fn sign(&self, size: u64, root: &Hash) -> String {
        let text = checkpoint_text(&self.origin, size, root);
        let signature: Signature = self.key.sign(text.as_bytes());
        let mut blob = self.key_id.to_be_bytes().to_vec();
        blob.extend_from_slice(signature.to_der().as_bytes());
        format!("{text}\n\u{2014} {} {}\n", self.origin, B64.encode(blob))
    }

    /// Checks that `note` is a checkpoint of this archive correctly signed by this key, and
    /// returns its size and root. Used by the audit; independent auditors use `verifier`.
    pub fn check(&self, note: &str) -> Result<(u64, Hash), String> {
        let (text, signatures) = note
            .rsplit_once("\n\n")
            .ok_or("no blank line before the signatures")?;
        let text = format!("{text}\n");
        let mut lines = text.lines();
        let origin = lines.next().ok_or("no origin line")?;
        if origin != self.origin {
            return Err(format!("origin {origin:?} is not {:?}", self.origin));
        }
        let size: u64 = lines
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or("no tree size line")?;
        let root: Hash = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or("no root hash line")?;
        let verifying = VerifyingKey::from(&self.key);
        let prefix = format!("\u{2014} {} ", self.origin);
        for line in signatures.lines() {
            let Some(encoded) = line.strip_prefix(&prefix) else {
                continue;
            };
            let blob = B64.decode(encoded).map_err(|_| "signature is not base64")?;
            if blob.len() < 4 || blob[..4] != self.key_id.to_be_bytes() {
                continue;
            }
            let signature =
                Signature::from_der(&blob[4..]).map_err(|_| "signature is not DER ECDSA")?;
            return verifying
                .verify(text.as_bytes(), &signature)
                .map(|()| (size, root))
                .map_err(|_| "signature does not verify".to_owned());
        }
        Err("no signature by this archive's key".to_owned())
    }
}

/// C2SP tlog-checkpoint note text: origin, tree size, base64 root, each on its own line.
pub fn checkpoint_text(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// C2SP signed-note key ID for signature type 0x02 (ECDSA): the first four bytes of
/// SHA-256 over the DER SubjectPublicKeyInfo, read big-endian.
pub fn key_id(spki_der: &[u8]) -> u32 {
    let digest = Sha256::digest(spki_der);
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_check() {
        let dir = tempfile::tempdir().unwrap();
        let key = CheckpointKey::open_or_generate(dir.path(), "dalel.test/log").unwrap();
        let note = key.sign(12, &[7u8; 32]);
        assert!(note.starts_with("dalel.test/log\n12\nBwcH"), "{note}");
        assert!(note.contains("\n\n\u{2014} dalel.test/log "));
        assert_eq!(key.check(&note).unwrap(), (12, [7u8; 32]));
        let tampered = note.replacen("\n12\n", "\n13\n", 1);
        assert!(key.check(&tampered).is_err());

        // The same key comes back on reopen, and the private key file is private.
        let again = CheckpointKey::open_or_generate(dir.path(), "dalel.test/log").unwrap();
        assert_eq!(again.public_key_pem(), key.public_key_pem());
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }
}
