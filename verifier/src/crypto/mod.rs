//! The verifier's cryptography: the one place where it computes digests and checks
//! signatures.
//!
//! X.509 path validation, CRLs, OCSP responses, CMS/CAdES signatures and RFC 3161 tokens all
//! come here; no other module of the verifier calls an RSA or elliptic-curve implementation.
//!
//! * [`DigestAlgorithm`]: SHA-256/384/512 (and SHA-1, only where a caller allows it), from an
//!   OID or `AlgorithmIdentifier`, computed at once or through a streaming [`Hasher`].
//! * [`SignatureAlgorithm`]: read from a signature `AlgorithmIdentifier`
//!   ([`SignatureAlgorithm::from_identifier`]) or a CMS `SignerInfo`
//!   ([`SignatureAlgorithm::from_cms_signer_info`]): ECDSA, RSASSA-PKCS1-v1_5 and RSASSA-PSS
//!   over SHA-2. GOST algorithms (Kazakh `1.2.398.3.10.*`, Russian `1.2.643.*`) and unknown
//!   OIDs are [`AlgorithmError::Unsupported`], never invalid.
//! * [`PublicKey`]: read from a `SubjectPublicKeyInfo`: ECDSA on P-256 or P-384, RSA of 2048
//!   to 4096 bits.
//! * [`verify_signature`] (and [`PublicKey::verify`]): `Ok(())` or a [`SignatureError`] whose
//!   variant tells a validation report which ETSI EN 319 102-1 outcome applies.
//!
//! Implementations: `ring` (assembly-backed on common targets) verifies whole messages
//! wherever it implements the combination: ECDSA P-256 with SHA-256/384, P-384 with
//! SHA-256/384 (DER; fixed-width only P-256/SHA-256 and P-384/SHA-384), RSASSA-PKCS1-v1_5
//! over SHA-256/384/512, RSASSA-PSS over SHA-256/384/512 with a salt as long as the digest.
//! Everything else, and every verification over a caller's digest
//! ([`PublicKey::verify_prehashed`]), goes through RustCrypto's `p256`, `p384` and `rsa`
//! (verification only; the RSA timing issue RUSTSEC-2023-0071 concerns private-key
//! operations, which never happen here). Keys are read and checked by RustCrypto either way,
//! so the key policy and error variants do not depend on which verifies. Digests are
//! `sha1`/`sha2`.

mod algorithm;
mod digest;
mod ecdsa;
mod error;
mod key;
mod oid;
mod pss;
mod rsa;

use spki::SubjectPublicKeyInfoOwned;

pub use self::algorithm::{SignatureAlgorithm, SignatureScheme};
pub use self::digest::{DigestAlgorithm, Hasher};
pub use self::ecdsa::NamedCurve;
pub use self::error::{AlgorithmError, SignatureError};
pub use self::key::{KeyKind, PssRestriction, PublicKey};

/// Verifies `signature` over `message` with the key in `key` and `algorithm`.
///
/// For ECDSA the signature is DER (`Ecdsa-Sig-Value`, RFC 3279 §2.2.3) when `algorithm`'s
/// scheme is [`SignatureScheme::Ecdsa`] (as from any X.509 or CMS identifier) and `r || s`
/// when it is [`SignatureScheme::EcdsaP1363`]. For X.509 objects `message` is the DER of the
/// signed part (`tbsCertificate`, `tbsCertList`, `tbsResponseData`); for CMS it is the DER of
/// the signed attributes, re-tagged as a `SET OF` (RFC 5652 §5.4).
///
/// To verify several signatures by one key, read it once with [`PublicKey::from_spki`].
///
/// # Errors
/// Those of [`PublicKey::from_spki`] and [`PublicKey::verify`].
pub fn verify_signature(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    PublicKey::from_spki(key)?.verify(algorithm, message, signature)
}

/// As [`verify_signature`], with the message given as its digest under `algorithm.digest()`.
///
/// # Errors
/// Those of [`PublicKey::from_spki`] and [`PublicKey::verify_prehashed`].
pub fn verify_prehashed(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    PublicKey::from_spki(key)?.verify_prehashed(algorithm, digest, signature)
}
