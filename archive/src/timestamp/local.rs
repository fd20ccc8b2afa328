//! A local RFC 3161 time-stamp authority for development and tests.

use std::{
    fmt,
    fs::{self, File},
    path::{Path, PathBuf},
    sync::Mutex,
    time::SystemTime,
};

use const_oid::ObjectIdentifier;
use der::{DateTime, DecodePem, Encode, EncodePem, pem::LineEnding};
use p256::{
    ecdsa::SigningKey,
    elliptic_curve::Generate,
    pkcs8::{DecodePrivateKey, EncodePrivateKey},
};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::{
    TimestampError, TimestampSource, certificate, files,
    token::{self, Signer, TokenRequest},
};

/// The TSA policy under which [`LocalAuthority`] issues tokens unless told otherwise.
///
/// A documented placeholder (`1.3.6.1.4.1.99999.1.1`, under an enterprise number not assigned
/// to Dälel): it marks development tokens and must be replaced, through
/// [`LocalAuthority::with_policy`], by an OID from an arc the operator controls before tokens
/// are relied on ([RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)).
pub const DEVELOPMENT_POLICY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1");

/// The private key file in the authority's directory: PKCS#8 PEM, mode 0600.
pub const KEY_FILE: &str = "tsa-key.pem";
/// The certificate file in the authority's directory: PEM.
pub const CERTIFICATE_FILE: &str = "tsa-cert.pem";
/// The serial number counter in the authority's directory: the last serial issued, in decimal.
pub const SERIAL_FILE: &str = "tsa-serial";
/// The lock file that keeps two instances from sharing the directory (and serial numbers).
pub const LOCK_FILE: &str = "tsa.lock";

/// Mode of the private key file: readable and writable by its owner only.
const KEY_MODE: u32 = 0o600;
const PUBLIC_MODE: u32 = 0o644;

/// A local RFC 3161 time-stamp authority with its own ECDSA P-256 key and self-issued
/// certificate, kept in a directory.
///
/// Tokens follow RFC 3161 as updated by RFC 5816: a `TSTInfo` (version 1, [the policy](Self::with_policy),
/// a SHA-256 imprint, a serial number, `genTime` in whole UTC seconds, an accuracy of one
/// second) in CMS `SignedData` signed with ECDSA-with-SHA256, bound to the certificate by an
/// ESS `signingCertificateV2` attribute, with the certificate included.
///
/// Serial numbers start at 1 and increase by one per token, across restarts: the counter in
/// [`SERIAL_FILE`] is durably updated before a token is returned. A lock on [`LOCK_FILE`],
/// held while the authority is open, keeps a second instance from issuing the same numbers.
///
/// The certificate's subject says "DEVELOPMENT, NOT FOR EVIDENCE": it is trusted only by
/// whoever configures it as a trust anchor.
pub struct LocalAuthority {
    dir: PathBuf,
    key: SigningKey,
    certificate: Certificate,
    certificate_der: Vec<u8>,
    policy: ObjectIdentifier,
    signing_time: bool,
    /// The last serial number issued, as persisted in [`SERIAL_FILE`].
    last_serial: Mutex<u64>,
    /// Held for the lock on [`LOCK_FILE`]; closing it releases the lock.
    _lock: File,
}

impl LocalAuthority {
    /// Creates a new authority in `dir` (created if missing): a fresh P-256 key, a self-issued
    /// certificate valid for ten years from now, and a serial counter at zero.
    ///
    /// Each file is created exclusively and fsynced, the key with mode 0600.
    ///
    /// # Errors
    /// [`TimestampError::AlreadyExists`] if any of the files exists; [`TimestampError::InUse`]
    /// if another instance has `dir` open; I/O, randomness and encoding errors otherwise.
    pub fn generate(dir: &Path) -> Result<Self, TimestampError> {
        fs::create_dir_all(dir).map_err(TimestampError::io("create directory", dir))?;
        let lock = files::lock(dir, &dir.join(LOCK_FILE))?;

        let key = SigningKey::try_generate().map_err(TimestampError::Random)?;
        let certificate = certificate::issue(&key, SystemTime::now())?;

        let key_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|source| TimestampError::Key {
                path: dir.join(KEY_FILE),
                source,
            })?;
        let certificate_pem = certificate
            .to_pem(LineEnding::LF)
            .map_err(TimestampError::encode("certificate"))?;
        files::create_new(&dir.join(KEY_FILE), key_pem.as_bytes(), KEY_MODE)?;
        files::create_new(
            &dir.join(CERTIFICATE_FILE),
            certificate_pem.as_bytes(),
            PUBLIC_MODE,
        )?;
        files::create_new(
            &dir.join(SERIAL_FILE),
            &files::encode_counter(0),
            PUBLIC_MODE,
        )?;
        files::sync_dir(dir)?;

        Self::assemble(dir, key, certificate, 0, lock)
    }

    /// Opens the authority kept in `dir`.
    ///
    /// # Errors
    /// [`TimestampError::Missing`] if a file is absent; [`TimestampError::Key`],
    /// [`TimestampError::Certificate`] or [`TimestampError::CorruptCounter`] for damaged
    /// files; [`TimestampError::KeyMismatch`] if the certificate is not for the key;
    /// [`TimestampError::InUse`] if another instance has `dir` open.
    pub fn open(dir: &Path) -> Result<Self, TimestampError> {
        let key_path = dir.join(KEY_FILE);
        let certificate_path = dir.join(CERTIFICATE_FILE);
        let serial_path = dir.join(SERIAL_FILE);
        // Fail on a missing key before creating a lock file in a directory that is not ours.
        let key_pem = files::read(&key_path)?;
        let lock = files::lock(dir, &dir.join(LOCK_FILE))?;

        let key = core::str::from_utf8(&key_pem)
            .map_err(|e| p256::pkcs8::Error::Asn1(e.into()))
            .and_then(SigningKey::from_pkcs8_pem)
            .map_err(|source| TimestampError::Key {
                path: key_path.clone(),
                source,
            })?;
        let certificate =
            Certificate::from_pem(files::read(&certificate_path)?).map_err(|source| {
                TimestampError::Certificate {
                    path: certificate_path.clone(),
                    source,
                }
            })?;
        let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).map_err(|e| {
            TimestampError::Key {
                path: key_path.clone(),
                source: e.into(),
            }
        })?;
        if certificate.tbs_certificate().subject_public_key_info() != &spki {
            return Err(TimestampError::KeyMismatch {
                certificate: certificate_path,
                key: key_path,
            });
        }
        let last_serial = files::decode_counter(&serial_path, &files::read(&serial_path)?)?;

        Self::assemble(dir, key, certificate, last_serial, lock)
    }

    /// Opens the authority in `dir`, generating it first if `dir` holds no key.
    ///
    /// # Errors
    /// As [`Self::open`] and [`Self::generate`]. A directory with a certificate but no key
    /// is an [`TimestampError::AlreadyExists`] error, not a silent replacement.
    pub fn open_or_generate(dir: &Path) -> Result<Self, TimestampError> {
        match Self::open(dir) {
            Err(TimestampError::Missing { path }) if path == dir.join(KEY_FILE) => {
                Self::generate(dir)
            }
            other => other,
        }
    }

    fn assemble(
        dir: &Path,
        key: SigningKey,
        certificate: Certificate,
        last_serial: u64,
        lock: File,
    ) -> Result<Self, TimestampError> {
        let certificate_der = certificate
            .to_der()
            .map_err(TimestampError::encode("certificate"))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
            certificate,
            certificate_der,
            policy: DEVELOPMENT_POLICY,
            signing_time: true,
            last_serial: Mutex::new(last_serial),
            _lock: lock,
        })
    }

    /// Issues tokens under `policy` instead of [`DEVELOPMENT_POLICY`].
    #[must_use]
    pub fn with_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policy = policy;
        self
    }

    /// Whether tokens carry the CMS signing-time attribute (RFC 5652 §11.3), equal to
    /// `genTime`. On by default; RFC 3161 neither requires nor forbids it.
    #[must_use]
    pub fn with_signing_time(mut self, include: bool) -> Self {
        self.signing_time = include;
        self
    }

    /// The TSA policy of issued tokens.
    pub fn policy(&self) -> ObjectIdentifier {
        self.policy
    }

    /// The authority's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The TSA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The TSA certificate, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// Returns a DER `TimeStampToken` over `sha256_digest` whose `TSTInfo` echoes `nonce`, as
    /// RFC 3161 §2.4.2 requires when a request carries one.
    ///
    /// # Errors
    /// As [`TimestampSource::timestamp`].
    pub fn timestamp_with_nonce(
        &self,
        sha256_digest: &[u8; 32],
        nonce: u64,
    ) -> Result<Vec<u8>, TimestampError> {
        self.issue(sha256_digest, Some(nonce))
    }

    fn issue(&self, digest: &[u8; 32], nonce: Option<u64>) -> Result<Vec<u8>, TimestampError> {
        let now = SystemTime::now();
        // Whole seconds: the stated accuracy is one second.
        let gen_time = DateTime::from_system_time(now).map_err(TimestampError::Clock)?;
        self.check_validity(gen_time)?;
        let serial = self.next_serial()?;
        token::build(
            &Signer {
                key: &self.key,
                certificate: &self.certificate,
                certificate_der: &self.certificate_der,
            },
            &TokenRequest {
                digest,
                nonce,
                serial,
                policy: self.policy,
                gen_time,
                signing_time: self.signing_time,
            },
        )
    }

    /// Tokens dated outside the certificate's validity would not verify; refuse to make them.
    fn check_validity(&self, gen_time: DateTime) -> Result<(), TimestampError> {
        let validity = self.certificate.tbs_certificate().validity();
        let not_before = validity.not_before.to_date_time();
        let not_after = validity.not_after.to_date_time();
        if gen_time < not_before || gen_time > not_after {
            return Err(TimestampError::OutsideValidity {
                now: gen_time.to_string(),
                not_before: not_before.to_string(),
                not_after: not_after.to_string(),
            });
        }
        Ok(())
    }

    /// Reserves the next serial number, durably: the counter file holds it before it is used,
    /// so a crash can skip a number but never repeat one.
    fn next_serial(&self) -> Result<u64, TimestampError> {
        let mut last = self
            .last_serial
            .lock()
            .map_err(|_| TimestampError::Poisoned)?;
        let next = last.checked_add(1).ok_or(TimestampError::SerialExhausted)?;
        files::replace(
            &self.dir,
            &self.dir.join(SERIAL_FILE),
            &files::encode_counter(next),
        )?;
        *last = next;
        Ok(next)
    }
}

impl TimestampSource for LocalAuthority {
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TimestampError> {
        self.issue(sha256_digest, None)
    }

    fn certificates(&self) -> Vec<Vec<u8>> {
        vec![self.certificate_der.clone()]
    }
}

impl fmt::Debug for LocalAuthority {
    /// Shows where the authority lives and what it issues; never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalAuthority")
            .field("dir", &self.dir)
            .field("policy", &self.policy)
            .field("signing_time", &self.signing_time)
            .finish_non_exhaustive()
    }
}
