//! Software keys: a P-256 or RSA private key held in memory, loaded from PKCS#8.
//!
//! This is the station seal's and the time-stamp authority's key. On disk it is always an
//! encrypted PKCS#8 file; once decrypted, the key lives only in this process's memory.

use std::fmt;

use der::{Decode as _, Encode as _};
use p256::ecdsa::signature::hazmat::PrehashSigner as _;
use pkcs8::PrivateKeyInfoRef;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::traits::PublicKeyParts as _;
use spki::{EncodePublicKey as _, ObjectIdentifier};
use x509_cert::Certificate;

use super::{KeyAlgorithm, KeyError, SignatureKey};

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `rsaEncryption` (RFC 8017 Appendix C).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The RSA moduli Dälel signs with: 2048 to 4096 bits (ARCHITECTURE.md, Algorithms).
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// A private key in memory, with its certificate chain.
pub struct SoftwareKey {
    name: String,
    chain: Vec<Certificate>,
    key: Private,
}

enum Private {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl SoftwareKey {
    /// Reads the unencrypted DER PKCS#8 `PrivateKeyInfo` in `der` (RFC 5208 §5) — a P-256 or
    /// RSA 2048–4096 key — and checks that `chain[0]` certifies it.
    ///
    /// # Errors
    /// [`KeyError::Format`] for anything that is not such a key, [`KeyError::Unsupported`] for
    /// another curve or RSA size, [`KeyError::CertificateMismatch`] when the certificate is for
    /// another key, [`KeyError::NotFound`] for an empty chain.
    pub fn from_pkcs8_der(
        name: impl Into<String>,
        der: &[u8],
        chain: Vec<Certificate>,
    ) -> Result<Self, KeyError> {
        let name = name.into();
        let format = |reason: String| KeyError::Format {
            what: format!("private key of {name}"),
            reason,
        };
        // The error texts of the decoders name positions and tags, never key bytes.
        let info = PrivateKeyInfoRef::from_der(der).map_err(|e| format(e.to_string()))?;
        let key = match info.algorithm.oid {
            ID_EC_PUBLIC_KEY => {
                let key = p256::SecretKey::try_from(info).map_err(|_| KeyError::Unsupported {
                    key: name.clone(),
                    reason: "an EC key not on P-256".to_owned(),
                })?;
                Private::P256(key.into())
            }
            RSA_ENCRYPTION => {
                let key = rsa::RsaPrivateKey::try_from(info).map_err(|e| format(e.to_string()))?;
                let bits = key.size() * 8;
                if !RSA_BITS.contains(&bits) {
                    return Err(KeyError::Unsupported {
                        key: name,
                        reason: format!("RSA-{bits} (2048 to 4096 bits are used)"),
                    });
                }
                Private::Rsa(Box::new(key))
            }
            other => {
                return Err(KeyError::Unsupported {
                    key: name,
                    reason: format!("key algorithm {other}"),
                });
            }
        };
        let Some(leaf) = chain.first() else {
            return Err(KeyError::NotFound {
                what: format!("certificate of {name}"),
                reason: "the chain is empty".to_owned(),
            });
        };
        let certified = leaf
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| format(e.to_string()))?;
        if key.public_key_der()? != certified {
            return Err(KeyError::CertificateMismatch { key: name });
        }
        Ok(Self { name, chain, key })
    }
}

impl Private {
    /// The DER `SubjectPublicKeyInfo` of the key's public half.
    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let der = match self {
            Self::P256(key) => key.verifying_key().to_public_key_der(),
            Self::Rsa(key) => key.to_public_key().to_public_key_der(),
        };
        der.map(|d| d.into_vec()).map_err(|e| KeyError::Format {
            what: "public key".to_owned(),
            reason: e.to_string(),
        })
    }
}

impl SignatureKey for SoftwareKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn algorithm(&self) -> KeyAlgorithm {
        match self.key {
            Private::P256(_) => KeyAlgorithm::EcdsaP256Sha256,
            Private::Rsa(_) => KeyAlgorithm::RsaPkcs1v15Sha256,
        }
    }

    fn certificate_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        let failed = |reason: String| KeyError::Sign {
            key: self.name.clone(),
            reason,
        };
        match &self.key {
            // RFC 6979 deterministic nonces: no dependence on the RNG at signing time.
            Private::P256(key) => {
                let signature: p256::ecdsa::DerSignature = key
                    .sign_prehash(digest)
                    .map_err(|e| failed(e.to_string()))?;
                Ok(signature.as_bytes().to_vec())
            }
            // Blinded with fresh randomness against timing attacks on the private exponent.
            Private::Rsa(key) => key
                .sign_with_rng(
                    &mut rand_core::UnwrapErr(getrandom::SysRng),
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                    digest,
                )
                .map_err(|e| failed(e.to_string())),
        }
    }
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}
