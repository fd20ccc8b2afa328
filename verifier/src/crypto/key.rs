//! Public keys read from a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7), and the signatures
//! each can verify.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::Decode as _;
use der::asn1::AnyRef;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};

use super::ecdsa::{EcKey, EcdsaEncoding, NamedCurve};
use super::oid::{ID_EC_PUBLIC_KEY, ID_RSASSA_PSS, RSA_ENCRYPTION, unsupported_name};
use super::rsa::{RsaKey, RsaUsage};
use super::{AlgorithmError, DigestAlgorithm, SignatureAlgorithm, SignatureError, SignatureScheme};

/// What a [`PublicKey`] is, as reported in errors and validation reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// An ECDSA key (`id-ecPublicKey`, RFC 5480) on a named curve.
    Ec(NamedCurve),
    /// An RSA key (`rsaEncryption`, RFC 3279 §2.3.1), for PKCS#1 v1.5 and PSS.
    Rsa {
        /// The modulus length in bits.
        bits: usize,
    },
    /// An RSA key restricted to RSASSA-PSS (`id-RSASSA-PSS`, RFC 4055 §1.2).
    RsaPss {
        /// The modulus length in bits.
        bits: usize,
        /// The digest and minimum salt length the key's parameters impose, if it has any.
        restriction: Option<PssRestriction>,
    },
}

/// The restriction an `id-RSASSA-PSS` key's parameters place on its signatures
/// (RFC 4055 §3.3): the same digest (and MGF1 digest) and at least this salt length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PssRestriction {
    /// The only digest the key may be used with.
    pub digest: DigestAlgorithm,
    /// The shortest salt, in bytes, the key's signatures may use.
    pub min_salt_len: u32,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ec(curve) => write!(f, "ECDSA {curve}"),
            Self::Rsa { bits } => write!(f, "RSA-{bits}"),
            Self::RsaPss {
                bits,
                restriction: None,
            } => write!(f, "RSA-{bits} (RSASSA-PSS only)"),
            Self::RsaPss {
                bits,
                restriction: Some(r),
            } => write!(
                f,
                "RSA-{bits} (RSASSA-PSS with {} and salt of at least {} bytes only)",
                r.digest, r.min_salt_len
            ),
        }
    }
}

/// A public key the verifier can verify signatures with: ECDSA on P-256 or P-384, or RSA with
/// a modulus of 2048 to 4096 bits.
///
/// Reading a key checks it once (point on the curve; modulus size, parity and exponent
/// range), so a key used for many signatures — a CA's, for each certificate and CRL — can be
/// read once and kept.
#[derive(Debug, Clone)]
pub struct PublicKey {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    Ec(EcKey),
    Rsa(RsaKey),
}

impl PublicKey {
    /// Reads the key in a `SubjectPublicKeyInfo`, as found in a certificate.
    ///
    /// # Errors
    /// * [`SignatureError::Unsupported`]: a key algorithm other than `rsaEncryption`,
    ///   `id-RSASSA-PSS` and `id-ecPublicKey` (GOST keys among them), or a curve other than
    ///   P-256 and P-384;
    /// * [`SignatureError::WeakKey`] / [`SignatureError::UnsupportedKeySize`]: an RSA
    ///   modulus below 2048 or above 4096 bits;
    /// * [`SignatureError::MalformedKey`]: anything else wrong with the encoding or the key.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, SignatureError> {
        let parameters = spki
            .algorithm
            .parameters
            .as_ref()
            .map(der::asn1::Any::to_ref);
        Self::from_parts(
            &spki.algorithm.oid,
            parameters,
            spki.subject_public_key.as_bytes(),
        )
    }

    /// Reads a DER-encoded `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// As [`from_spki`](Self::from_spki); bytes that are not a `SubjectPublicKeyInfo` are
    /// [`SignatureError::MalformedKey`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, SignatureError> {
        let spki =
            SubjectPublicKeyInfoRef::from_der(der).map_err(|e| SignatureError::MalformedKey {
                reason: format!("SubjectPublicKeyInfo: {e}"),
            })?;
        Self::from_parts(
            &spki.algorithm.oid,
            spki.algorithm.parameters,
            spki.subject_public_key.as_bytes(),
        )
    }

    fn from_parts(
        oid: &ObjectIdentifier,
        parameters: Option<AnyRef<'_>>,
        key: Option<&[u8]>,
    ) -> Result<Self, SignatureError> {
        // Every supported key is a whole number of bytes (RFC 3279 §2.3.1, RFC 5480 §2.2).
        let Some(key) = key else {
            return Err(SignatureError::MalformedKey {
                reason: "subjectPublicKey has unused bits".to_owned(),
            });
        };
        let inner = match *oid {
            ID_EC_PUBLIC_KEY => Inner::Ec(EcKey::from_spki_parts(parameters, key)?),
            RSA_ENCRYPTION => {
                // RFC 3279 §2.3.1: "the parameters field MUST have ASN.1 type NULL"; absent
                // parameters are tolerated as well, as for the signature identifiers
                // (RFC 4055 §5), since they cannot change the key's meaning.
                if let Some(parameters) = parameters
                    && !parameters.is_null()
                {
                    return Err(SignatureError::MalformedKey {
                        reason: "rsaEncryption parameters must be NULL (RFC 3279 §2.3.1)"
                            .to_owned(),
                    });
                }
                Inner::Rsa(RsaKey::from_der(key, RsaUsage::Any)?)
            }
            ID_RSASSA_PSS => {
                // RFC 4055 §1.2: parameters absent (no restriction) or RSASSA-PSS-params.
                let restriction = match parameters {
                    None => None,
                    Some(parameters) => Some(super::pss::parse(parameters).map_err(key_params)?),
                };
                Inner::Rsa(RsaKey::from_der(key, RsaUsage::PssOnly(restriction))?)
            }
            _ => {
                return Err(SignatureError::Unsupported {
                    oid: *oid,
                    name: unsupported_name(oid),
                });
            }
        };
        Ok(Self { inner })
    }

    /// What the key is.
    #[must_use]
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Ec(key) => KeyKind::Ec(key.curve()),
            Inner::Rsa(key) => match key.usage() {
                RsaUsage::Any => KeyKind::Rsa { bits: key.bits() },
                RsaUsage::PssOnly(params) => KeyKind::RsaPss {
                    bits: key.bits(),
                    restriction: params.map(|p| PssRestriction {
                        digest: p.digest,
                        min_salt_len: p.salt_len,
                    }),
                },
            },
        }
    }

    /// Verifies `signature` over `message` with `algorithm`.
    ///
    /// # Errors
    /// [`SignatureError::KeyAlgorithmMismatch`] if the key cannot make signatures of
    /// `algorithm`; [`SignatureError::Invalid`] if the signature does not verify.
    pub fn verify(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        // Refuse a mismatch before hashing what may be a large message.
        self.check_compatible(algorithm)?;
        // `ring` where it implements the combination (assembly-backed, hashing included);
        // RustCrypto over the digest otherwise.
        let through_ring = match (&self.inner, algorithm.scheme()) {
            (Inner::Ec(key), SignatureScheme::Ecdsa) => {
                key.verify_message(EcdsaEncoding::Der, algorithm.digest(), message, signature)
            }
            (Inner::Ec(key), SignatureScheme::EcdsaP1363) => {
                key.verify_message(EcdsaEncoding::P1363, algorithm.digest(), message, signature)
            }
            (Inner::Rsa(key), SignatureScheme::RsaPkcs1v15) => {
                key.verify_message(None, algorithm.digest(), message, signature)
            }
            (Inner::Rsa(key), SignatureScheme::RsaPss { salt_len }) => {
                key.verify_message(Some(salt_len), algorithm.digest(), message, signature)
            }
            _ => None,
        };
        if let Some(result) = through_ring {
            return result;
        }
        let digest = algorithm.digest().digest(message);
        self.verify_prehashed(algorithm, &digest, signature)
    }

    /// Verifies `signature` over a message whose digest under `algorithm.digest()` is
    /// `digest`, for a caller that streamed the message through a
    /// [`Hasher`](super::Hasher).
    ///
    /// # Errors
    /// As [`verify`](Self::verify), and [`SignatureError::PrehashLength`] if `digest` is not
    /// as long as the algorithm's digest.
    pub fn verify_prehashed(
        &self,
        algorithm: &SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        self.check_compatible(algorithm)?;
        let expected = algorithm.digest().output_len();
        if digest.len() != expected {
            return Err(SignatureError::PrehashLength {
                expected,
                actual: digest.len(),
            });
        }
        match (&self.inner, algorithm.scheme()) {
            (Inner::Ec(key), SignatureScheme::Ecdsa) => {
                key.verify_prehash(EcdsaEncoding::Der, digest, signature)
            }
            (Inner::Ec(key), SignatureScheme::EcdsaP1363) => {
                key.verify_prehash(EcdsaEncoding::P1363, digest, signature)
            }
            (Inner::Rsa(key), SignatureScheme::RsaPkcs1v15) => {
                key.verify_pkcs1v15(algorithm.digest(), digest, signature)
            }
            (Inner::Rsa(key), SignatureScheme::RsaPss { salt_len }) => {
                key.verify_pss(algorithm.digest(), salt_len, digest, signature)
            }
            _ => Err(self.mismatch(algorithm)),
        }
    }

    fn check_compatible(&self, algorithm: &SignatureAlgorithm) -> Result<(), SignatureError> {
        let scheme = algorithm.scheme();
        let compatible = match &self.inner {
            Inner::Ec(_) => scheme.is_ecdsa(),
            Inner::Rsa(key) => match (key.usage(), scheme) {
                (RsaUsage::Any, SignatureScheme::RsaPkcs1v15 | SignatureScheme::RsaPss { .. }) => {
                    true
                }
                (RsaUsage::PssOnly(None), SignatureScheme::RsaPss { .. }) => true,
                // RFC 4055 §3.3: with parameters in the key, the signature's hash and MGF must
                // be the key's (MGF1 over the same digest on both sides, see `pss::parse`),
                // and its salt at least as long.
                (RsaUsage::PssOnly(Some(params)), SignatureScheme::RsaPss { salt_len }) => {
                    params.digest == algorithm.digest() && salt_len >= params.salt_len
                }
                _ => false,
            },
        };
        if compatible {
            Ok(())
        } else {
            Err(self.mismatch(algorithm))
        }
    }

    fn mismatch(&self, algorithm: &SignatureAlgorithm) -> SignatureError {
        SignatureError::KeyAlgorithmMismatch {
            key: self.kind(),
            algorithm: *algorithm,
        }
    }
}

/// An `id-RSASSA-PSS` key whose parameters cannot be used: unsupported or weak restrictions
/// make the key unusable here (INDETERMINATE); unreadable ones make it malformed.
fn key_params(error: AlgorithmError) -> SignatureError {
    match error {
        AlgorithmError::Unsupported { oid, name } | AlgorithmError::WeakDigest { oid, name } => {
            SignatureError::Unsupported { oid, name }
        }
        other => SignatureError::MalformedKey {
            reason: format!("id-RSASSA-PSS key parameters: {other}"),
        },
    }
}
