//! Key access: every private key Dälel signs with sits behind [`SignatureKey`].
//!
//! A key signs a SHA-256 digest and names its certificate chain and algorithm; nothing else
//! about it is visible. Where the key lives — an encrypted PKCS#8 file ([`software`]), a
//! PKCS#11 module ([`pkcs11`]), a PIV token on PC/SC — is the implementation's business, so
//! CMS signing and the time-stamp authority are written once for all of them. Passphrases
//! and PINs come from files or environment variables through [`secret`], never from the
//! command line.
//!
//! Security property: no implementation logs, formats or returns a PIN, passphrase or key
//! byte; their `Debug` output names the key, never its material.

mod chain;
pub mod piv;
pub mod pkcs11;
pub mod secret;
pub mod software;

pub use self::chain::read_certificate_chain;

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::Null;
use sha2::{Digest as _, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

/// `ecdsa-with-SHA256` (RFC 5758 §3.2).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// `sha256WithRSAEncryption` (RFC 4055 §5).
pub const SHA256_WITH_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// `id-sha256` (RFC 5754 §2.2).
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The signature algorithms Dälel signs with (ARCHITECTURE.md: ECDSA P-256 for its own keys,
/// RSA-2048 for the National Certification Centre's tokens), both over SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA over P-256 with SHA-256; signatures are DER `Ecdsa-Sig-Value` (RFC 5758 §3.2).
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2), any modulus the key has.
    RsaPkcs1v15Sha256,
}

impl KeyAlgorithm {
    /// The `signatureAlgorithm` identifier for a CMS `SignerInfo` or an X.509 signature:
    /// `ecdsa-with-SHA256` with absent parameters (RFC 5758 §3.2), `sha256WithRSAEncryption`
    /// with NULL parameters (RFC 4055 §5).
    #[must_use]
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        match self {
            Self::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
            Self::RsaPkcs1v15Sha256 => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA_ENCRYPTION,
                parameters: Some(Null.into()),
            },
        }
    }

    /// The digest algorithm identifier: `id-sha256` with absent parameters (RFC 5754 §2).
    #[must_use]
    pub fn digest_algorithm(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EcdsaP256Sha256 => "ECDSA P-256 with SHA-256",
            Self::RsaPkcs1v15Sha256 => "RSA PKCS#1 v1.5 with SHA-256",
        })
    }
}

/// A private key Dälel can sign with, wherever it lives.
///
/// Implementations are shared between request handlers (`Send + Sync`); one that can do only
/// one operation at a time (a token session) serialises internally.
pub trait SignatureKey: Send + Sync + fmt::Debug {
    /// A name for logs and reports, e.g. `seal` or `pkcs11:Kaztoken/AKHMETOV`; never secret.
    fn name(&self) -> &str;

    /// The algorithm [`sign_digest`](Self::sign_digest) signs with.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The key's certificate first, then its issuers as far as they are known (the root may
    /// be left out).
    fn certificate_chain(&self) -> &[Certificate];

    /// Signs the SHA-256 digest `digest`: a DER ECDSA signature for
    /// [`KeyAlgorithm::EcdsaP256Sha256`], an RSASSA-PKCS1-v1_5 signature over the DER
    /// `DigestInfo` for [`KeyAlgorithm::RsaPkcs1v15Sha256`] — what a CMS `SignerInfo` or an
    /// X.509 structure carries as its signature value.
    ///
    /// # Errors
    /// A [`KeyError`] saying why nothing was signed; it never holds secret material.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, KeyError>;

    /// Signs `message` hashed with SHA-256: the same signature as
    /// [`sign_digest`](Self::sign_digest) of its digest. Keys with a faster path for whole
    /// messages override it.
    ///
    /// # Errors
    /// As [`sign_digest`](Self::sign_digest).
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign_digest(&Sha256::digest(message).into())
    }
}

/// Why a key could not be loaded or could not sign. No variant carries a PIN, a passphrase or
/// key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key's file or the file or variable naming its secret could not be read.
    #[error("cannot read {what}: {source}")]
    Read {
        /// What was being read, e.g. "key file /etc/dalel/seal.p8".
        what: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key file could not be written.
    #[error("cannot write {what}: {source}")]
    Write {
        /// What was being written, e.g. "key file /var/lib/dalel/pki/seal.key".
        what: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A passphrase or PIN source (file or environment variable) is missing or empty.
    #[error("no {what}: {reason}")]
    NoSecret {
        /// "passphrase" or "PIN".
        what: &'static str,
        /// Where it was looked for and what was wrong, never the value.
        reason: String,
    },
    /// The passphrase did not decrypt the key, or the PIN was refused.
    #[error("{what} was refused for {key}")]
    WrongSecret {
        /// "passphrase" or "PIN".
        what: &'static str,
        /// The key's name.
        key: String,
    },
    /// The token refused the PIN; it allows `tries_left` more wrong ones before it locks.
    #[error("the PIN was refused for {key} ({tries_left} tries left)")]
    PinIncorrect {
        /// The key's name.
        key: String,
        /// Wrong PINs the token still accepts before it locks.
        tries_left: u8,
    },
    /// The token locked the PIN after too many wrong tries.
    #[error("the PIN of {key} is locked")]
    PinLocked {
        /// The key's name.
        key: String,
    },
    /// The key or certificate is not in a form this implementation reads.
    #[error("{what}: {reason}")]
    Format {
        /// What was being read.
        what: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The key is of an algorithm or size Dälel does not sign with.
    #[error("{key}: unsupported key: {reason}")]
    Unsupported {
        /// The key's name.
        key: String,
        /// What it is.
        reason: String,
    },
    /// The certificate given for the key certifies another key.
    #[error("{key}: the certificate is not for this key")]
    CertificateMismatch {
        /// The key's name.
        key: String,
    },
    /// The key, its token or its module could not be found.
    #[error("{what} not found: {reason}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// Where, and what was there instead.
        reason: String,
    },
    /// The device or module failed (PKCS#11 return value, PC/SC error, …).
    #[error("{key}: device error: {reason}")]
    Device {
        /// The key's name.
        key: String,
        /// The device's or module's account.
        reason: String,
    },
    /// The signing operation itself failed.
    #[error("{key}: signing failed: {reason}")]
    Sign {
        /// The key's name.
        key: String,
        /// What failed.
        reason: String,
    },
}
