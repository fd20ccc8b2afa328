//! Why an algorithm identifier was refused, and why a signature did not verify.

use const_oid::ObjectIdentifier;

use super::{KeyKind, SignatureAlgorithm};

/// Why an `AlgorithmIdentifier` (of a digest or a signature) was not accepted.
///
/// For an ETSI EN 319 102-1 report: [`Unsupported`](Self::Unsupported) means INDETERMINATE
/// (the algorithm cannot be checked here, which says nothing against the signature);
/// [`WeakDigest`](Self::WeakDigest) means INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE;
/// [`InvalidParameters`](Self::InvalidParameters) and [`KeyAlgorithmOnly`](Self::KeyAlgorithmOnly)
/// mean the signed object is malformed (FORMAT_FAILURE).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgorithmError {
    /// The algorithm is not one this verifier can check: a GOST algorithm (Kazakh
    /// `1.2.398.3.10.*`, Russian `1.2.643.*`), another algorithm it does not implement, or an
    /// OID it does not know. Never a reason to call a signature invalid.
    #[error("unsupported algorithm {name} ({oid})")]
    Unsupported {
        /// The algorithm's OID.
        oid: ObjectIdentifier,
        /// What the algorithm is, as far as is known.
        name: &'static str,
    },

    /// The algorithm is known but relies on a digest too weak for signatures (SHA-1, MD5,
    /// MD2), or a SHA-1 digest was given where the caller did not allow it.
    #[error("{name} ({oid}) relies on a digest too weak for this use")]
    WeakDigest {
        /// The algorithm's OID.
        oid: ObjectIdentifier,
        /// The algorithm's name.
        name: &'static str,
    },

    /// The algorithm is known but its `parameters` break the rule its standard sets (for
    /// example, present for ECDSA, or an RSASSA-PSS `trailerField` other than 1).
    #[error("invalid parameters for {name} ({oid}): {reason}")]
    InvalidParameters {
        /// The algorithm's OID.
        oid: ObjectIdentifier,
        /// The algorithm's name.
        name: &'static str,
        /// Which rule the parameters break.
        reason: String,
    },

    /// A key algorithm (`rsaEncryption`, `id-ecPublicKey`) stands where a signature
    /// algorithm is required. Only a CMS `SignerInfo` may name the key algorithm and take the
    /// digest from `digestAlgorithm`: see [`SignatureAlgorithm::from_cms_signer_info`].
    #[error("{name} ({oid}) names a key algorithm, not a signature algorithm")]
    KeyAlgorithmOnly {
        /// The key algorithm's OID.
        oid: ObjectIdentifier,
        /// The key algorithm's name.
        name: &'static str,
    },
}

/// Why [`verify_signature`](super::verify_signature) (or a sibling) did not accept a
/// signature.
///
/// Each variant maps onto one ETSI EN 319 102-1 outcome:
///
/// | variant | indication / sub-indication |
/// |---|---|
/// | [`Invalid`](Self::Invalid) | TOTAL-FAILED / SIG_CRYPTO_FAILURE |
/// | [`Unsupported`](Self::Unsupported), [`UnsupportedKeySize`](Self::UnsupportedKeySize) | INDETERMINATE ("unsupported algorithm") |
/// | [`WeakKey`](Self::WeakKey) | INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE |
/// | [`MalformedKey`](Self::MalformedKey), [`KeyAlgorithmMismatch`](Self::KeyAlgorithmMismatch) | INDETERMINATE / FORMAT_FAILURE (the key cannot have produced this signature) |
/// | [`PrehashLength`](Self::PrehashLength) | a caller bug, not a property of the evidence |
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature does not verify under the key: the cryptographic check failed, or the
    /// signature value is not even well-formed for the algorithm (bad DER, wrong length,
    /// `r`/`s` out of range, RSA representative not below the modulus).
    #[error("signature does not verify")]
    Invalid,

    /// The key's algorithm or curve is not one this verifier can check (GOST, Ed25519,
    /// P-521, brainpool, explicit curve parameters, …).
    #[error("unsupported key algorithm {name} ({oid})")]
    Unsupported {
        /// The OID of the key algorithm, or of the named curve.
        oid: ObjectIdentifier,
        /// What it is, as far as is known.
        name: &'static str,
    },

    /// The RSA modulus is shorter than 2048 bits.
    #[error("RSA key of {bits} bits is too weak (at least 2048 required)")]
    WeakKey {
        /// The modulus length in bits.
        bits: usize,
    },

    /// The RSA modulus is longer than 4096 bits. Refused rather than verified, to bound the
    /// work an input can demand; no certificate Dälel meets uses such keys.
    #[error("RSA key of {bits} bits is larger than the 4096 bits supported")]
    UnsupportedKeySize {
        /// The modulus length in bits.
        bits: usize,
    },

    /// The `SubjectPublicKeyInfo` does not hold a well-formed key of the algorithm it names
    /// (a point not on the named curve, a malformed `RSAPublicKey`, an even modulus, …).
    #[error("malformed public key: {reason}")]
    MalformedKey {
        /// What is wrong with it.
        reason: String,
    },

    /// The key cannot make signatures of this algorithm (an RSA key and an ECDSA signature,
    /// or an RSASSA-PSS key whose parameters exclude the signature's, RFC 4055 §3.3).
    #[error("{key} key cannot verify a {algorithm} signature")]
    KeyAlgorithmMismatch {
        /// The key.
        key: KeyKind,
        /// The signature algorithm.
        algorithm: SignatureAlgorithm,
    },

    /// A precomputed digest handed to [`verify_prehashed`](super::verify_prehashed) is not
    /// as long as the algorithm's digest.
    #[error("digest is {actual} bytes long, {expected} expected")]
    PrehashLength {
        /// The output length of the algorithm's digest.
        expected: usize,
        /// The length given.
        actual: usize,
    },
}
