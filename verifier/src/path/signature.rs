//! Certificate signatures (RFC 5280 §6.1.3(a)(1)) through [`crate::crypto`], remembered so
//! that a key or signature shared by several candidate paths is checked once, and, with a
//! [`VerificationCache`], across validations.

use std::collections::HashMap;

use crate::cache::{self, VerificationCache};
use crate::crypto::{AlgorithmError, PublicKey, SignatureAlgorithm, SignatureError};

use super::anchor::TrustAnchor;
use super::certificate::ParsedCertificate;
use super::error::{CertRef, Malformation, PathError};

/// The certificates path building works on: the end entity and the deduplicated
/// intermediates (indices into `certs`, the end entity at 0), and the anchors.
#[derive(Debug)]
pub(crate) struct Pool<'a> {
    pub(crate) certs: Vec<&'a ParsedCertificate>,
    pub(crate) anchors: &'a [TrustAnchor],
}

/// Whose key signs: a trust anchor or a certificate of the pool, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Signer {
    Anchor(usize),
    Cert(usize),
}

impl Pool<'_> {
    fn signer_key_info(&self, signer: Signer) -> Option<&spki::SubjectPublicKeyInfoOwned> {
        match signer {
            Signer::Anchor(index) => self.anchors.get(index).map(TrustAnchor::public_key_info),
            Signer::Cert(index) => self.certs.get(index).map(|cert| {
                cert.certificate()
                    .tbs_certificate()
                    .subject_public_key_info()
            }),
        }
    }

    /// The signer's subject name, for reports.
    pub(crate) fn signer_name(&self, signer: Signer) -> String {
        match signer {
            Signer::Anchor(index) => self
                .anchors
                .get(index)
                .map(|anchor| anchor.certificate().subject_text().to_owned()),
            Signer::Cert(index) => self
                .certs
                .get(index)
                .map(|cert| cert.subject_text().to_owned()),
        }
        .unwrap_or_default()
    }
}

/// Why a signature check did not pass, before it is attached to a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureFailure {
    /// `signatureAlgorithm` differs from `tbsCertificate.signature`.
    AlgorithmMismatch,
    /// The signature algorithm identifier was refused.
    Algorithm(AlgorithmError),
    /// The signer's key could not be read.
    IssuerKey(SignatureError),
    /// The signature did not verify.
    Signature(SignatureError),
}

impl SignatureFailure {
    /// The path error for `cert`, signed (or not) by `issuer`.
    pub(crate) fn into_error(self, cert: CertRef, issuer: String) -> PathError {
        let malformed = |malformation| PathError::Malformed {
            cert: cert.clone(),
            malformation,
        };
        match self {
            Self::AlgorithmMismatch => malformed(Malformation::SignatureAlgorithmMismatch),
            Self::Algorithm(e @ AlgorithmError::Unsupported { .. }) => {
                PathError::UnsupportedAlgorithm {
                    cert,
                    reason: format!("signature algorithm: {e}"),
                }
            }
            Self::Algorithm(e @ AlgorithmError::WeakDigest { .. }) => PathError::WeakAlgorithm {
                cert,
                reason: format!("signature algorithm: {e}"),
            },
            Self::Algorithm(e) => malformed(Malformation::SignatureAlgorithm {
                reason: e.to_string(),
            }),
            Self::IssuerKey(e) | Self::Signature(e) => match e {
                SignatureError::Invalid | SignatureError::KeyAlgorithmMismatch { .. } => {
                    PathError::BadSignature {
                        cert,
                        issuer,
                        reason: e,
                    }
                }
                SignatureError::Unsupported { .. } | SignatureError::UnsupportedKeySize { .. } => {
                    PathError::UnsupportedAlgorithm {
                        cert,
                        reason: format!("key of \u{201c}{issuer}\u{201d}: {e}"),
                    }
                }
                SignatureError::WeakKey { .. } => PathError::WeakAlgorithm {
                    cert,
                    reason: format!("key of \u{201c}{issuer}\u{201d}: {e}"),
                },
                other => malformed(Malformation::IssuerKey {
                    reason: other.to_string(),
                }),
            },
        }
    }
}

/// Keys read and signatures checked so far in one path search, and the
/// [`VerificationCache`] (if any) that remembers successful checks across searches.
#[derive(Debug, Default)]
pub(crate) struct SignatureCache {
    keys: HashMap<Signer, Result<PublicKey, SignatureError>>,
    results: HashMap<(Signer, usize), Result<(), SignatureFailure>>,
    shared: Option<VerificationCache>,
}

impl SignatureCache {
    /// An empty cache for one search, backed by `shared`.
    pub(crate) fn new(shared: Option<&VerificationCache>) -> Self {
        Self {
            shared: shared.cloned(),
            ..Self::default()
        }
    }

    /// Checks that `signer`'s key made the signature of `pool.certs[subject]`.
    pub(crate) fn check(
        &mut self,
        pool: &Pool<'_>,
        signer: Signer,
        subject: usize,
    ) -> Result<(), SignatureFailure> {
        if let Some(result) = self.results.get(&(signer, subject)) {
            return result.clone();
        }
        let result = self.compute(pool, signer, subject);
        self.results.insert((signer, subject), result.clone());
        result
    }

    fn compute(
        &mut self,
        pool: &Pool<'_>,
        signer: Signer,
        subject: usize,
    ) -> Result<(), SignatureFailure> {
        let Some(cert) = pool.certs.get(subject) else {
            return Err(SignatureFailure::Signature(SignatureError::Invalid));
        };
        let x509 = cert.certificate();
        // RFC 5280 §4.1.1.2: the outer algorithm "MUST contain the same algorithm identifier
        // as the signature field in the sequence tbsCertificate".
        if x509.signature_algorithm() != x509.tbs_certificate().signature() {
            return Err(SignatureFailure::AlgorithmMismatch);
        }
        let algorithm = SignatureAlgorithm::from_identifier(x509.signature_algorithm())
            .map_err(SignatureFailure::Algorithm)?;
        // A verification the shared cache knows succeeded, key reading included, stands for
        // both (see `crate::cache`): the key is not even read.
        let entry = match (&self.shared, pool.signer_key_info(signer)) {
            (Some(_), Some(info)) => x509
                .signature()
                .as_bytes()
                .and_then(|signature| cache::entry(info, &algorithm, cert.tbs_der(), signature)),
            _ => None,
        };
        if let (Some(shared), Some(entry)) = (&self.shared, &entry)
            && shared.contains(entry)
        {
            return Ok(());
        }
        let key = self
            .key(pool, signer)
            .map_err(SignatureFailure::IssuerKey)?;
        // Every supported signature is a whole number of bytes.
        let Some(signature) = x509.signature().as_bytes() else {
            return Err(SignatureFailure::Signature(SignatureError::Invalid));
        };
        key.verify(&algorithm, cert.tbs_der(), signature)
            .map_err(SignatureFailure::Signature)?;
        if let (Some(shared), Some(entry)) = (&self.shared, entry) {
            shared.insert(entry);
        }
        Ok(())
    }

    fn key(&mut self, pool: &Pool<'_>, signer: Signer) -> Result<&PublicKey, SignatureError> {
        self.keys
            .entry(signer)
            .or_insert_with(|| match pool.signer_key_info(signer) {
                Some(info) => PublicKey::from_spki(info),
                None => Err(SignatureError::MalformedKey {
                    reason: "no such signer".to_owned(),
                }),
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}
