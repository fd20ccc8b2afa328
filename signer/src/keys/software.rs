//! Software keys: a P-256 or RSA private key held in memory, loaded from PKCS#8.
//!
//! This is the station seal's and the time-stamp authority's key. On disk it is always an
//! encrypted PKCS#8 file (RFC 5958 `EncryptedPrivateKeyInfo`, PBES2 of RFC 8018) such as
//! `openssl pkcs8 -topk8 -v2 aes-256-cbc` or `openssl genpkey -aes-256-cbc` write, and
//! [`write_encrypted_pkcs8`] writes files OpenSSL reads back. Once decrypted, the key lives
//! only in this process's memory, and the decrypted DER is wiped as soon as it is parsed.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use der::{Decode as _, Encode as _};
use p256::ecdsa::signature::hazmat::PrehashSigner as _;
use pkcs8::{EncryptedPrivateKeyInfoRef, LineEnding, PrivateKeyInfoRef, pkcs5};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256};
use spki::{EncodePublicKey as _, ObjectIdentifier};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::secret::Secret;
use super::{KeyAlgorithm, KeyError, SignatureKey, read_certificate_chain};

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
    P256(Box<P256Key>),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// A P-256 key in two forms: RustCrypto's signs a digest computed elsewhere
/// ([`SignatureKey::sign_digest`]); ring's signs a message several times faster
/// ([`SignatureKey::sign_message`], the path of every CMS and time-stamp signature).
struct P256Key {
    prehash: p256::ecdsa::SigningKey,
    message: ring::signature::EcdsaKeyPair,
}

impl P256Key {
    fn new(secret: &p256::SecretKey) -> Result<Self, String> {
        let scalar = Zeroizing::new(secret.to_bytes());
        let public = secret.public_key().to_sec1_bytes();
        let message = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            scalar.as_slice(),
            &public,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| format!("the key is not usable: {e}"))?;
        Ok(Self {
            prehash: secret.into(),
            message,
        })
    }
}

impl SoftwareKey {
    /// Opens the encrypted PKCS#8 PEM file `key_path` with `passphrase`, and the PEM
    /// certificate chain `chain_path` (the key's certificate first, then its issuers), and
    /// checks that the certificate is the key's, as [`from_pkcs8_der`](Self::from_pkcs8_der).
    ///
    /// # Errors
    /// Those of [`read_encrypted_pkcs8`] (with [`KeyError::WrongSecret`] naming `name`),
    /// [`read_certificate_chain`] and [`from_pkcs8_der`](Self::from_pkcs8_der).
    pub fn open(
        name: impl Into<String>,
        key_path: &Path,
        chain_path: &Path,
        passphrase: &Secret,
    ) -> Result<Self, KeyError> {
        let name = name.into();
        // The chain first: it is cheap, and a wrong path should not cost a key derivation.
        let chain = read_certificate_chain(chain_path)?;
        let der = decrypt_file(key_path, passphrase, &name)?;
        Self::from_pkcs8_der(name, &der, chain)
    }

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
                Private::P256(Box::new(P256Key::new(&key).map_err(format)?))
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

/// Reads the encrypted PKCS#8 PEM file `path` (`-----BEGIN ENCRYPTED PRIVATE KEY-----`) and
/// decrypts it with `passphrase`, giving the DER `PrivateKeyInfo`, wiped when dropped.
///
/// PBES2 with PBKDF2 (HMAC-SHA-224/256/384/512) or scrypt, and AES-CBC or AES-GCM, is read;
/// PBES1 and SHA-1 PBKDF2 (OpenSSL 1.0's defaults) are not.
///
/// # Errors
/// [`KeyError::Read`] if the file cannot be read, [`KeyError::Format`] if it is not an
/// encrypted PKCS#8 key (an unencrypted key is refused too), [`KeyError::WrongSecret`] if
/// the passphrase does not decrypt it.
pub fn read_encrypted_pkcs8(
    path: &Path,
    passphrase: &Secret,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    decrypt_file(path, passphrase, &format!("key file {}", path.display()))
}

/// As [`read_encrypted_pkcs8`], with `key` naming the key in [`KeyError::WrongSecret`].
fn decrypt_file(
    path: &Path,
    passphrase: &Secret,
    key: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let what = || format!("key file {}", path.display());
    let format = |reason: String| KeyError::Format {
        what: what(),
        reason,
    };
    let pem = fs::read_to_string(path).map_err(|source| KeyError::Read {
        what: what(),
        source,
    })?;
    // The label first, so that an unencrypted key is refused before its bytes are decoded.
    let label = der::pem::decode_label(pem.as_bytes()).map_err(|e| format(e.to_string()))?;
    if label != ENCRYPTED_PEM_LABEL {
        return Err(format(format!(
            "a {label} PEM block, where an encrypted PKCS#8 key ({ENCRYPTED_PEM_LABEL}) \
             is expected (openssl pkcs8 -topk8 -v2 aes-256-cbc makes one)"
        )));
    }
    let (_, document) = der::Document::from_pem(&pem).map_err(|e| format(e.to_string()))?;
    let info = EncryptedPrivateKeyInfoRef::from_der(document.as_bytes())
        .map_err(|e| format(e.to_string()))?;
    match info.decrypt(passphrase.expose()) {
        Ok(plain) => Ok(plain.to_bytes()),
        // A wrong passphrase fails the CBC padding check, or, one time in a few hundred,
        // passes it and yields bytes that are not DER.
        Err(
            pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::DecryptFailed) | pkcs8::Error::Asn1(_),
        ) => Err(KeyError::WrongSecret {
            what: "passphrase",
            key: key.to_owned(),
        }),
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::UnsupportedAlgorithm { oid })) => {
            Err(format(format!(
                "encrypted with {oid}, which is not read (PBES2 with PBKDF2-HMAC-SHA-2 or \
                 scrypt, and AES, is)"
            )))
        }
        Err(e) => Err(format(e.to_string())),
    }
}

/// Encrypts the unencrypted DER PKCS#8 `PrivateKeyInfo` `key_der` under `passphrase` and
/// writes it as an encrypted PKCS#8 PEM file to `path`, which must not exist.
///
/// The encryption is PBES2 with scrypt (N = 2^14, r = 8, p = 1, within OpenSSL 3's memory
/// limit so that `openssl pkey -passin file:…` reads it) and AES-256-CBC, with a fresh salt
/// and IV. The file is created exclusively with mode 0600 (on Unix), fsynced with its
/// directory, and removed again if any step fails.
///
/// # Errors
/// [`KeyError::Format`] if `key_der` is not a PKCS#8 key or cannot be encrypted (no
/// randomness), [`KeyError::NoSecret`] for an empty passphrase, [`KeyError::Write`] if the
/// file exists or cannot be written.
pub fn write_encrypted_pkcs8(
    path: &Path,
    key_der: &[u8],
    passphrase: &Secret,
) -> Result<(), KeyError> {
    let what = || format!("key file {}", path.display());
    let format = |reason: String| KeyError::Format {
        what: format!("private key for {}", what()),
        reason,
    };
    if passphrase.is_empty() {
        return Err(KeyError::NoSecret {
            what: "passphrase",
            reason: format!("the passphrase given for {} is empty", what()),
        });
    }
    let info = PrivateKeyInfoRef::from_der(key_der).map_err(|e| format(e.to_string()))?;
    let encrypted = info
        .encrypt(passphrase.expose())
        .map_err(|e| format(e.to_string()))?;
    let pem = encrypted
        .to_pem(ENCRYPTED_PEM_LABEL, LineEnding::LF)
        .map_err(|e| format(e.to_string()))?;
    write_new(path, pem.as_bytes()).map_err(|source| KeyError::Write {
        what: what(),
        source,
    })
}

/// The PEM label of an `EncryptedPrivateKeyInfo` (RFC 7468 §11).
const ENCRYPTED_PEM_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// Creates `path` (it must not exist) holding `bytes`, private to the owner, durable once
/// this returns; on failure nothing is left behind.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_parent(path));
    if written.is_err() {
        drop(file);
        // Best effort: the write's error is the one worth reporting.
        let _ = fs::remove_file(path);
    }
    written
}

/// Makes the directory entry of `path` durable.
#[cfg(unix)]
fn sync_parent(path: &Path) -> std::io::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::File::open(parent)?.sync_all()
}

#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Private {
    /// The DER `SubjectPublicKeyInfo` of the key's public half.
    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let der = match self {
            Self::P256(key) => key.prehash.verifying_key().to_public_key_der(),
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
                    .prehash
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

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.key {
            // A fresh random nonce from the operating system's generator per signature.
            Private::P256(key) => key
                .message
                .sign(&ring::rand::SystemRandom::new(), message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| KeyError::Sign {
                    key: self.name.clone(),
                    reason: "the ECDSA signature failed".to_owned(),
                }),
            Private::Rsa(_) => self.sign_digest(&Sha256::digest(message).into()),
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
