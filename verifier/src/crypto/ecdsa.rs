//! ECDSA public keys on NIST P-256 and P-384, and verification of a message (`ring`) or over a
//! precomputed digest (RustCrypto).

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Tag, Tagged as _};
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;

use super::oid::{ID_EC_PUBLIC_KEY, SECP256R1, SECP384R1, unsupported_name};
use super::{DigestAlgorithm, SignatureError};

/// A named elliptic curve the verifier supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedCurve {
    /// NIST P-256, `secp256r1` (FIPS 186-5, SP 800-186 §3.2.1.3).
    P256,
    /// NIST P-384, `secp384r1` (FIPS 186-5, SP 800-186 §3.2.1.4).
    P384,
}

impl NamedCurve {
    /// The curve's OID (RFC 5480 §2.1.1.1).
    #[must_use]
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::P256 => SECP256R1,
            Self::P384 => SECP384R1,
        }
    }

    /// The curve's name, `"P-256"` or `"P-384"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
        }
    }

    /// The length of a field element in bytes.
    const fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

impl fmt::Display for NamedCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An ECDSA verifying key on a supported curve: RustCrypto's, for digests given by the caller
/// and the curve/digest pairs `ring` lacks, and the uncompressed point `ring` reads.
#[derive(Debug, Clone)]
pub(crate) struct EcKey {
    key: RustCryptoKey,
    /// The SEC 1 uncompressed encoding of the point (`04 || x || y`), whatever form the key
    /// came in: `ring` reads only that form.
    uncompressed: Box<[u8]>,
}

#[derive(Debug, Clone)]
enum RustCryptoKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// How an ECDSA signature value is encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EcdsaEncoding {
    /// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` in DER (RFC 3279 §2.2.3).
    Der,
    /// `r || s`, each as wide as the curve order (IEEE 1363).
    P1363,
}

impl EcKey {
    /// Reads an `id-ecPublicKey` key: `parameters` are the `ECParameters` and `point` the
    /// contents of `subjectPublicKey` (RFC 5480 §2).
    pub(crate) fn from_spki_parts(
        parameters: Option<AnyRef<'_>>,
        point: &[u8],
    ) -> Result<Self, SignatureError> {
        let curve = named_curve(parameters)?;
        // RFC 5480 §2.2: "The first octet of the OCTET STRING indicates whether the key is
        // compressed or uncompressed"; both forms are accepted, as SEC 1 §2.3.4 decodes them.
        let malformed = |_| SignatureError::MalformedKey {
            reason: point_error(curve, point.len()),
        };
        let (key, uncompressed) = match curve {
            NamedCurve::P256 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(malformed)?;
                let uncompressed = Box::from(key.to_sec1_point(false).as_bytes());
                (RustCryptoKey::P256(key), uncompressed)
            }
            NamedCurve::P384 => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(malformed)?;
                let uncompressed = Box::from(key.to_sec1_point(false).as_bytes());
                (RustCryptoKey::P384(key), uncompressed)
            }
        };
        Ok(Self { key, uncompressed })
    }

    /// The key's curve.
    pub(crate) fn curve(&self) -> NamedCurve {
        match self.key {
            RustCryptoKey::P256(_) => NamedCurve::P256,
            RustCryptoKey::P384(_) => NamedCurve::P384,
        }
    }

    /// Verifies `signature` over the whole `message` hashed with `digest`, through `ring`
    /// (assembly-backed on common targets); `None` for the combinations `ring` does not
    /// implement (P-256 or P-384 with SHA-512; P-256 with SHA-384 or P-384 with SHA-256 in
    /// the fixed-width encoding), which the caller then verifies over a digest with
    /// [`verify_prehash`](Self::verify_prehash).
    pub(crate) fn verify_message(
        &self,
        encoding: EcdsaEncoding,
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Option<Result<(), SignatureError>> {
        use DigestAlgorithm::{Sha256, Sha384};
        use ring::signature as rs;
        let algorithm: &'static rs::EcdsaVerificationAlgorithm =
            match (self.curve(), encoding, digest) {
                (NamedCurve::P256, EcdsaEncoding::Der, Sha256) => &rs::ECDSA_P256_SHA256_ASN1,
                (NamedCurve::P256, EcdsaEncoding::Der, Sha384) => &rs::ECDSA_P256_SHA384_ASN1,
                (NamedCurve::P256, EcdsaEncoding::P1363, Sha256) => &rs::ECDSA_P256_SHA256_FIXED,
                (NamedCurve::P384, EcdsaEncoding::Der, Sha256) => &rs::ECDSA_P384_SHA256_ASN1,
                (NamedCurve::P384, EcdsaEncoding::Der, Sha384) => &rs::ECDSA_P384_SHA384_ASN1,
                (NamedCurve::P384, EcdsaEncoding::P1363, Sha384) => &rs::ECDSA_P384_SHA384_FIXED,
                _ => return None,
            };
        // As below: a value that does not decode, or has r or s outside [1, n-1], is
        // `Invalid` like any other failure.
        Some(
            rs::UnparsedPublicKey::new(algorithm, &self.uncompressed)
                .verify(message, signature)
                .map_err(|_| SignatureError::Invalid),
        )
    }

    /// Verifies `signature` over the digest `prehash` (FIPS 186-5 §6.4.2; a digest longer than
    /// the curve order is cut to its leftmost bits, so any SHA-2 digest works on either
    /// curve).
    pub(crate) fn verify_prehash(
        &self,
        encoding: EcdsaEncoding,
        prehash: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        // A value that does not decode, or has r or s outside [1, n-1], cannot be a signature:
        // it is reported as `Invalid` like any other failure.
        let verified = match (&self.key, encoding) {
            (RustCryptoKey::P256(key), EcdsaEncoding::Der) => {
                p256::ecdsa::Signature::from_der(signature)
                    .and_then(|sig| key.verify_prehash(prehash, &sig))
            }
            (RustCryptoKey::P256(key), EcdsaEncoding::P1363) => {
                p256::ecdsa::Signature::from_slice(signature)
                    .and_then(|sig| key.verify_prehash(prehash, &sig))
            }
            (RustCryptoKey::P384(key), EcdsaEncoding::Der) => {
                p384::ecdsa::Signature::from_der(signature)
                    .and_then(|sig| key.verify_prehash(prehash, &sig))
            }
            (RustCryptoKey::P384(key), EcdsaEncoding::P1363) => {
                p384::ecdsa::Signature::from_slice(signature)
                    .and_then(|sig| key.verify_prehash(prehash, &sig))
            }
        };
        verified.map_err(|_| SignatureError::Invalid)
    }
}

/// The curve of `ECParameters` (RFC 5480 §2.1.1): it must be `namedCurve`, P-256 or P-384.
fn named_curve(parameters: Option<AnyRef<'_>>) -> Result<NamedCurve, SignatureError> {
    // "ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER -- implicitCurve NULL
    //  -- specifiedCurve SpecifiedECDomain }" and "the parameter component [...] MUST be
    // present" (RFC 5480 §2.1.1).
    let Some(parameters) = parameters else {
        return Err(SignatureError::MalformedKey {
            reason: "id-ecPublicKey without ECParameters (RFC 5480 §2.1.1)".to_owned(),
        });
    };
    match parameters.tag() {
        Tag::ObjectIdentifier => {}
        // Not allowed in PKIX (RFC 5480 §2.1.1: "implicitCurve and specifiedCurve MUST NOT be
        // used"), and not something this verifier can check: unsupported, never invalid.
        Tag::Null => {
            return Err(SignatureError::Unsupported {
                oid: ID_EC_PUBLIC_KEY,
                name: "implicitly specified EC domain parameters",
            });
        }
        Tag::Sequence => {
            return Err(SignatureError::Unsupported {
                oid: ID_EC_PUBLIC_KEY,
                name: "explicitly specified EC domain parameters",
            });
        }
        other => {
            return Err(SignatureError::MalformedKey {
                reason: format!("ECParameters is a {other}, not a named curve OID"),
            });
        }
    }
    let oid: ObjectIdentifier =
        parameters
            .decode_as()
            .map_err(|e| SignatureError::MalformedKey {
                reason: format!("ECParameters: {e}"),
            })?;
    match oid {
        SECP256R1 => Ok(NamedCurve::P256),
        SECP384R1 => Ok(NamedCurve::P384),
        other => Err(SignatureError::Unsupported {
            oid: other,
            name: unsupported_name(&other),
        }),
    }
}

/// Why a point did not decode on `curve`, naming the other supported curve when the length
/// fits that one (a P-384 point declared as P-256, say).
fn point_error(curve: NamedCurve, len: usize) -> String {
    let fits = |c: NamedCurve| len == 1 + 2 * c.field_len() || len == 1 + c.field_len();
    let other = match curve {
        NamedCurve::P256 => NamedCurve::P384,
        NamedCurve::P384 => NamedCurve::P256,
    };
    if !fits(curve) && fits(other) {
        format!(
            "a {len}-byte point has the size of a {other} point but the key declares {curve} \
             (RFC 5480 §2.1.1.1)"
        )
    } else {
        format!("not a valid {curve} point (SEC 1 §2.3.4)")
    }
}
