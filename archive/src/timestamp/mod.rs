//! Time-stamping of checkpoints: where the archive gets RFC 3161 time-stamp tokens from.
//!
//! The archive asks a [`TimestampSource`] for a token over the SHA-256 digest of what it wants
//! dated (a checkpoint) and stores the DER token beside it. Sources are pluggable behind that
//! narrow trait; this module provides the [`LocalAuthority`] for development and tests, and a
//! client for a remote RFC 3161 authority can implement the same trait.
//!
//! [`LocalAuthority`] is a complete RFC 3161 authority with its own P-256 key and self-issued
//! certificate. Its tokens verify with stock tools (`openssl ts -verify`), but its certificate
//! says "DEVELOPMENT, NOT FOR EVIDENCE": nobody but its operator vouches for its clock.

mod certificate;
mod files;
mod local;
mod token;

use std::{io, path::PathBuf};

pub use self::local::{
    CERTIFICATE_FILE, DEVELOPMENT_POLICY, KEY_FILE, LOCK_FILE, LocalAuthority, SERIAL_FILE,
};

/// A provider of RFC 3161 time-stamp tokens.
///
/// Implementations MUST return a token only once it is final: a source that keeps state (such
/// as a serial number counter) MUST have made that state durable first, so that no two tokens
/// it returns ever share a serial number, even across a crash.
pub trait TimestampSource: Send + Sync {
    /// Returns a DER-encoded RFC 3161 TimeStampToken (a CMS ContentInfo) over `sha256_digest`.
    ///
    /// # Errors
    /// A [`TimestampError`] when no token could be produced; nothing is returned half-made.
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TimestampError>;

    /// The DER certificate(s) needed to check tokens (TSA cert first).
    fn certificates(&self) -> Vec<Vec<u8>>;
}

/// Why a time-stamp authority could not be set up or could not issue a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// A file-system operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done, e.g. "write".
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// [`LocalAuthority::generate`] found a file it would have to overwrite. Keys and
    /// certificates are never replaced silently.
    #[error("{path} already exists; refusing to overwrite a time-stamp authority")]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },

    /// [`LocalAuthority::open`] did not find one of the authority's files.
    #[error("time-stamp authority file {path} is missing")]
    Missing {
        /// The missing file.
        path: PathBuf,
    },

    /// Another [`LocalAuthority`], in this process or another, has the directory open. Two
    /// would hand out the same serial numbers.
    #[error("time-stamp authority in {dir} is in use by another instance")]
    InUse {
        /// The authority's directory.
        dir: PathBuf,
    },

    /// The private key file is not a PKCS#8 PEM P-256 key.
    #[error("private key {path} is not a PKCS#8 PEM P-256 key: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// The decoder's account of the defect.
        #[source]
        source: p256::pkcs8::Error,
    },

    /// The certificate file is not a PEM X.509 certificate.
    #[error("certificate {path} is not a PEM X.509 certificate: {source}")]
    Certificate {
        /// The certificate file.
        path: PathBuf,
        /// The decoder's account of the defect.
        #[source]
        source: der::Error,
    },

    /// The certificate does not certify the authority's key.
    #[error("certificate {certificate} is not for the key in {key}")]
    KeyMismatch {
        /// The certificate file.
        certificate: PathBuf,
        /// The key file.
        key: PathBuf,
    },

    /// The serial number counter file does not hold a decimal number.
    #[error("serial number counter {path} is corrupt")]
    CorruptCounter {
        /// The counter file.
        path: PathBuf,
    },

    /// Every serial number the counter can hold has been issued.
    #[error("time-stamp serial numbers are exhausted")]
    SerialExhausted,

    /// The current time is outside the TSA certificate's validity, so tokens would not verify.
    #[error("time {now} is outside the TSA certificate's validity ({not_before} to {not_after})")]
    OutsideValidity {
        /// The time the token would carry.
        now: String,
        /// The certificate's `notBefore`.
        not_before: String,
        /// The certificate's `notAfter`.
        not_after: String,
    },

    /// The system clock cannot be expressed as an ASN.1 time (before 1970 or after 9999).
    #[error("system clock is out of range: {0}")]
    Clock(#[source] der::Error),

    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(#[source] getrandom::Error),

    /// A structure could not be DER-encoded.
    #[error("encoding {what}: {source}")]
    Encode {
        /// The structure being encoded.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },

    /// The certificate builder failed.
    #[error("building the TSA certificate: {0}")]
    BuildCertificate(#[source] x509_cert::builder::Error),

    /// The CMS builder failed to sign the token.
    #[error("signing the time-stamp token: {0}")]
    Sign(#[source] cms::builder::Error),

    /// Another [`TimestampSource`] (an authority or client outside this crate) failed; its
    /// account, which never holds secrets.
    #[error("time-stamp source: {0}")]
    Source(String),

    /// A thread panicked while holding the serial counter, so its state is unknown.
    #[error("serial number counter lock is poisoned")]
    Poisoned,
}

impl TimestampError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { op, path, source }
    }

    pub(crate) fn encode(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Encode { what, source }
    }
}
