//! The embedded default's development PKI: on first start `dalel serve` creates a root, a
//! station-seal certificate and a time-stamp authority certificate in `<data>/pki`, so that
//! signing, time-stamping and verifying work out of the box.
//!
//! Every certificate's common name says "DEVELOPMENT, NOT FOR EVIDENCE": the keys sit on the
//! station's disk, encrypted under a passphrase kept beside them (`pki/passphrase`, mode
//! 0600), which protects nothing against whoever reads the directory. A production
//! configuration names real keys (a PKCS#11 token, an encrypted key whose passphrase comes
//! from elsewhere) and real trust anchors instead.
//!
//! The directory appears whole or not at all: it is built under a temporary name, fsynced,
//! and renamed into place; a half-built one left by a crash is removed on the next start.

mod issue;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use der::{Encode as _, EncodePem as _, pem::LineEnding};
use p256::ecdsa::SigningKey;
use x509_cert::Certificate;

use crate::keys::KeyError;
use crate::keys::secret::Secret;
use crate::keys::software::{self, SoftwareKey};

pub use self::issue::CRL_VALIDITY;

/// File names inside the PKI directory.
pub const ROOT_CERT: &str = "root.pem";
/// The root's CRL, issued anew at each [`DevPki::open_or_create`].
pub const ROOT_CRL: &str = "root.crl";
/// The passphrase of the three encrypted keys.
pub const PASSPHRASE: &str = "passphrase";
const ROOT_KEY: &str = "root.key";
/// The seal's chain (seal, root) and key.
pub const SEAL_CHAIN: &str = "seal.pem";
const SEAL_KEY: &str = "seal.key";
/// The time-stamp authority's chain (TSA, root) and key.
pub const TSA_CHAIN: &str = "tsa.pem";
const TSA_KEY: &str = "tsa.key";
/// Where the time-stamp authority keeps its serial numbers and last time.
pub const TSA_STATE: &str = "tsa-state";

/// Why the development PKI could not be created or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevPkiError {
    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key could not be written or read back.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A certificate file does not hold what it should.
    #[error("{path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A structure could not be encoded.
    #[error("encoding {what}: {source}")]
    Encode {
        /// The structure.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
    /// A certificate or CRL could not be built.
    #[error("building a development certificate: {0}")]
    Build(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
}

impl DevPkiError {
    fn encode(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Encode { what, source }
    }

    fn io(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { op, path, source }
    }
}

/// The opened development PKI.
#[derive(Debug, Clone)]
pub struct DevPki {
    dir: PathBuf,
    root: Certificate,
    seal: Arc<SoftwareKey>,
    tsa: Arc<SoftwareKey>,
}

impl DevPki {
    /// Opens the PKI in `dir`, creating it first if it does not exist, and issues a fresh
    /// root CRL (valid [`CRL_VALIDITY`]) into `dir/root.crl`.
    ///
    /// # Errors
    /// A [`DevPkiError`] naming the file or step that failed.
    pub fn open_or_create(dir: &Path) -> Result<Self, DevPkiError> {
        let now = SystemTime::now();
        let passphrase = ensure(dir, now)?;
        let root = crate::keys::read_certificate_chain(&dir.join(ROOT_CERT))?
            .into_iter()
            .next()
            .ok_or_else(|| DevPkiError::Corrupt {
                path: dir.join(ROOT_CERT),
                reason: "no certificate".to_owned(),
            })?;
        let seal = open_key(dir, "seal", SEAL_KEY, SEAL_CHAIN, &passphrase)?;
        let tsa = open_key(dir, "tsa", TSA_KEY, TSA_CHAIN, &passphrase)?;
        let root_key = signing_key(&software::read_encrypted_pkcs8(
            &dir.join(ROOT_KEY),
            &passphrase,
        )?)?;
        let crl = issue::crl(&root, &root_key, now)?
            .to_der()
            .map_err(DevPkiError::encode("CRL"))?;
        replace(dir, &dir.join(ROOT_CRL), &crl)?;
        Ok(Self {
            dir: dir.to_owned(),
            root,
            seal,
            tsa,
        })
    }

    /// Opens only the time-stamp authority's key of the PKI in `dir` (creating the PKI first
    /// if it does not exist), with the directory of its state: what time-stamping needs,
    /// without decrypting the other keys or issuing a CRL.
    ///
    /// # Errors
    /// As [`Self::open_or_create`].
    pub fn open_tsa(dir: &Path) -> Result<(Arc<SoftwareKey>, PathBuf), DevPkiError> {
        let passphrase = ensure(dir, SystemTime::now())?;
        let tsa = open_key(dir, "tsa", TSA_KEY, TSA_CHAIN, &passphrase)?;
        Ok((tsa, dir.join(TSA_STATE)))
    }

    /// The root certificate: the trust anchor of everything the PKI issues.
    #[must_use]
    pub fn root(&self) -> &Certificate {
        &self.root
    }

    /// The station seal's key.
    #[must_use]
    pub fn seal(&self) -> Arc<SoftwareKey> {
        Arc::clone(&self.seal)
    }

    /// The time-stamp authority's key.
    #[must_use]
    pub fn tsa(&self) -> Arc<SoftwareKey> {
        Arc::clone(&self.tsa)
    }

    /// The root's current CRL file.
    #[must_use]
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join(ROOT_CRL)
    }

    /// The directory of the time-stamp authority's state.
    #[must_use]
    pub fn tsa_state_dir(&self) -> PathBuf {
        self.dir.join(TSA_STATE)
    }
}

/// Creates the PKI in `dir` if there is none, and reads its passphrase.
fn ensure(dir: &Path, now: SystemTime) -> Result<Secret, DevPkiError> {
    // The directory appears whole (see the module docs): if it is there, it is opened,
    // and a file that cannot be read is an error, never a reason to make a new PKI.
    match fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(dir, now)?,
        Err(e) => return Err(DevPkiError::io("cannot open", dir)(e)),
    }
    Ok(Secret::from_file(&dir.join(PASSPHRASE), "passphrase")?)
}

/// Decrypts the key `key` of the PKI in `dir`, with its chain `chain`.
fn open_key(
    dir: &Path,
    name: &str,
    key: &str,
    chain: &str,
    passphrase: &Secret,
) -> Result<Arc<SoftwareKey>, DevPkiError> {
    Ok(SoftwareKey::open(name, &dir.join(key), &dir.join(chain), passphrase).map(Arc::new)?)
}

fn signing_key(pkcs8_der: &[u8]) -> Result<SigningKey, DevPkiError> {
    use p256::pkcs8::DecodePrivateKey as _;
    SigningKey::from_pkcs8_der(pkcs8_der).map_err(|e| DevPkiError::Corrupt {
        path: PathBuf::from(ROOT_KEY),
        reason: format!("not a P-256 key: {e}"),
    })
}

fn new_key() -> Result<(SigningKey, Vec<u8>), DevPkiError> {
    use p256::elliptic_curve::Generate as _;
    use p256::pkcs8::EncodePrivateKey as _;
    let key = SigningKey::try_generate().map_err(|e| DevPkiError::Random(e.to_string()))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| DevPkiError::Build(e.to_string()))?
        .as_bytes()
        .to_vec();
    Ok((key, der))
}

/// Builds the PKI under a temporary name beside `dir` and renames it into place.
fn create(dir: &Path, now: SystemTime) -> Result<(), DevPkiError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(DevPkiError::io("cannot create", parent))?;
    let name = dir
        .file_name()
        .map_or_else(|| "pki".to_owned(), |n| n.to_string_lossy().into_owned());
    let temp = parent.join(format!(".{name}.creating"));
    if temp.exists() {
        // Left by a crash during an earlier creation: never used, safe to discard.
        fs::remove_dir_all(&temp).map_err(DevPkiError::io("cannot remove", &temp))?;
    }
    create_private_dir(&temp)?;

    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| DevPkiError::Random(e.to_string()))?;
    let passphrase_text = hex::encode(secret);
    write_new(&temp.join(PASSPHRASE), passphrase_text.as_bytes())?;
    let passphrase = Secret::from_file(&temp.join(PASSPHRASE), "passphrase")?;

    let (root_key, root_der) = new_key()?;
    let root = issue::certificate(issue::Role::Root, &root_key, None, now)?;
    software::write_encrypted_pkcs8(&temp.join(ROOT_KEY), &root_der, &passphrase)?;
    write_new(&temp.join(ROOT_CERT), pem(&[&root])?.as_bytes())?;
    for (role, key_file, chain_file) in [
        (issue::Role::Seal, SEAL_KEY, SEAL_CHAIN),
        (issue::Role::Tsa, TSA_KEY, TSA_CHAIN),
    ] {
        let (key, der) = new_key()?;
        let cert = issue::certificate(role, &key, Some((&root, &root_key)), now)?;
        software::write_encrypted_pkcs8(&temp.join(key_file), &der, &passphrase)?;
        write_new(&temp.join(chain_file), pem(&[&cert, &root])?.as_bytes())?;
    }
    sync_dir(&temp)?;
    fs::rename(&temp, dir).map_err(DevPkiError::io("cannot rename into place", dir))?;
    sync_dir(parent)
}

fn pem(certs: &[&Certificate]) -> Result<String, DevPkiError> {
    let mut out = String::new();
    for cert in certs {
        out.push_str(
            &cert
                .to_pem(LineEnding::LF)
                .map_err(DevPkiError::encode("certificate"))?,
        );
    }
    Ok(out)
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> Result<(), DevPkiError> {
    use std::os::unix::fs::DirBuilderExt as _;
    fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(DevPkiError::io("cannot create", path))
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> Result<(), DevPkiError> {
    fs::create_dir(path).map_err(DevPkiError::io("cannot create", path))
}

/// Creates `path` (it must not exist) with `bytes`, private to the owner, and fsyncs it.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), DevPkiError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(DevPkiError::io("cannot create", path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(DevPkiError::io("cannot write", path))
}

/// Replaces `path` with `bytes` atomically (temporary sibling, fsync, rename, fsync dir).
fn replace(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), DevPkiError> {
    let temp = path.with_extension("tmp");
    let _ = fs::remove_file(&temp);
    write_new(&temp, bytes)?;
    fs::rename(&temp, path).map_err(DevPkiError::io("cannot rename", path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), DevPkiError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(DevPkiError::io("cannot sync", dir))
}
