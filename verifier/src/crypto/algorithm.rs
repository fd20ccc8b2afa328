//! Signature algorithms, read from the `AlgorithmIdentifier`s of certificates, CRLs, OCSP
//! responses and CMS `SignerInfo`s.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use spki::AlgorithmIdentifierOwned;

use super::oid::{
    ECDSA_WITH_SHA1, ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, ECDSA_WITH_SHA512, ID_EC_PUBLIC_KEY,
    ID_RSASSA_PSS, MD2_WITH_RSA_ENCRYPTION, MD5_WITH_RSA_ENCRYPTION, RSA_ENCRYPTION,
    SHA1_WITH_RSA_ENCRYPTION, SHA256_WITH_RSA_ENCRYPTION, SHA384_WITH_RSA_ENCRYPTION,
    SHA512_WITH_RSA_ENCRYPTION, unsupported_name,
};
use super::{AlgorithmError, DigestAlgorithm, pss};

/// How a signature is made from a digest, and how its value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ECDSA (FIPS 186-5 §6), the value an ASN.1 DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3), as
    /// X.509 and CMS carry it.
    Ecdsa,
    /// ECDSA, the value the fixed-width concatenation `r || s` of IEEE 1363 (as in JOSE,
    /// RFC 7518 §3.4). No X.509 or CMS identifier maps here; it exists for callers that
    /// receive such signatures, and for test vectors.
    EcdsaP1363,
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1v15,
    /// RSASSA-PSS (RFC 8017 §8.1) with MGF1 over the message digest and trailer `0xBC`.
    RsaPss {
        /// The salt length in bytes, checked exactly (RFC 8017 §9.1.2 step 10).
        salt_len: u32,
    },
}

impl SignatureScheme {
    /// Whether this is ECDSA, in either encoding.
    #[must_use]
    pub const fn is_ecdsa(self) -> bool {
        matches!(self, Self::Ecdsa | Self::EcdsaP1363)
    }
}

/// A signature algorithm the verifier can check: a scheme and a digest of adequate strength.
///
/// Read one with [`from_identifier`](Self::from_identifier) (certificates, CRLs, OCSP
/// responses, and CMS signatures that name the full algorithm) or
/// [`from_cms_signer_info`](Self::from_cms_signer_info); or build one with
/// [`new`](Self::new) or a constant such as [`ECDSA_SHA256`](Self::ECDSA_SHA256).
///
/// The digest is never SHA-1: every constructor refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureAlgorithm {
    scheme: SignatureScheme,
    digest: DigestAlgorithm,
}

impl SignatureAlgorithm {
    /// `ecdsa-with-SHA256`.
    pub const ECDSA_SHA256: Self = Self::known(SignatureScheme::Ecdsa, DigestAlgorithm::Sha256);
    /// `ecdsa-with-SHA384`.
    pub const ECDSA_SHA384: Self = Self::known(SignatureScheme::Ecdsa, DigestAlgorithm::Sha384);
    /// `ecdsa-with-SHA512`.
    pub const ECDSA_SHA512: Self = Self::known(SignatureScheme::Ecdsa, DigestAlgorithm::Sha512);
    /// `sha256WithRSAEncryption`.
    pub const RSA_PKCS1_SHA256: Self =
        Self::known(SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha256);
    /// `sha384WithRSAEncryption`.
    pub const RSA_PKCS1_SHA384: Self =
        Self::known(SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha384);
    /// `sha512WithRSAEncryption`.
    pub const RSA_PKCS1_SHA512: Self =
        Self::known(SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha512);

    /// Only for digests known not to be weak.
    const fn known(scheme: SignatureScheme, digest: DigestAlgorithm) -> Self {
        Self { scheme, digest }
    }

    /// `scheme` over `digest`.
    ///
    /// # Errors
    /// [`AlgorithmError::WeakDigest`] if `digest` is SHA-1.
    pub fn new(scheme: SignatureScheme, digest: DigestAlgorithm) -> Result<Self, AlgorithmError> {
        Ok(Self {
            scheme,
            digest: digest.refuse_weak()?,
        })
    }

    /// The algorithm a signature `AlgorithmIdentifier` names, as in a certificate's
    /// `signatureAlgorithm`, a CRL's, an OCSP response's, or a CMS `SignerInfo` that names
    /// the full algorithm.
    ///
    /// Accepted, with the parameter rules of their standards:
    ///
    /// * `ecdsa-with-SHA256/384/512`: "the encoding MUST omit the parameters field"
    ///   (RFC 5758 §3.2), so anything present is refused;
    /// * `sha256/384/512WithRSAEncryption`: "the parameters MUST be NULL. Implementations MUST
    ///   accept the parameters being absent as well as present" (RFC 4055 §5);
    /// * `id-RSASSA-PSS`: parameters "MUST be present when used in the algorithm identifier
    ///   associated with a signature value" (RFC 4055 §3.1), read as described at
    ///   [`SignatureScheme::RsaPss`].
    ///
    /// # Errors
    /// * [`AlgorithmError::Unsupported`]: GOST (Kazakh `1.2.398.3.10.*`, Russian
    ///   `1.2.643.*`), any other algorithm not listed above, unknown OIDs, and RSASSA-PSS
    ///   whose MGF is not MGF1 over the message digest;
    /// * [`AlgorithmError::WeakDigest`]: `sha1WithRSAEncryption`, `ecdsa-with-SHA1`,
    ///   `md5WithRSAEncryption`, `md2WithRSAEncryption`, RSASSA-PSS over SHA-1;
    /// * [`AlgorithmError::InvalidParameters`]: parameters that break the rules above;
    /// * [`AlgorithmError::KeyAlgorithmOnly`]: `rsaEncryption` or `id-ecPublicKey`, which
    ///   only [`from_cms_signer_info`](Self::from_cms_signer_info) accepts.
    pub fn from_identifier(identifier: &AlgorithmIdentifierOwned) -> Result<Self, AlgorithmError> {
        let parameters = identifier.parameters.as_ref().map(der::asn1::Any::to_ref);
        Self::from_parts(&identifier.oid, parameters)
    }

    fn from_parts(
        oid: &ObjectIdentifier,
        parameters: Option<AnyRef<'_>>,
    ) -> Result<Self, AlgorithmError> {
        let (scheme, digest) = match *oid {
            ECDSA_WITH_SHA256 => (SignatureScheme::Ecdsa, DigestAlgorithm::Sha256),
            ECDSA_WITH_SHA384 => (SignatureScheme::Ecdsa, DigestAlgorithm::Sha384),
            ECDSA_WITH_SHA512 => (SignatureScheme::Ecdsa, DigestAlgorithm::Sha512),
            SHA256_WITH_RSA_ENCRYPTION => (SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha256),
            SHA384_WITH_RSA_ENCRYPTION => (SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha384),
            SHA512_WITH_RSA_ENCRYPTION => (SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha512),
            ID_RSASSA_PSS => {
                let Some(parameters) = parameters else {
                    return Err(AlgorithmError::InvalidParameters {
                        oid: *oid,
                        name: "RSASSA-PSS",
                        reason: "parameters must be present for a signature (RFC 4055 §3.1)"
                            .to_owned(),
                    });
                };
                let params = pss::parse(parameters)?;
                return Ok(Self {
                    scheme: SignatureScheme::RsaPss {
                        salt_len: params.salt_len,
                    },
                    digest: params.digest,
                });
            }
            ECDSA_WITH_SHA1 => return Err(weak(oid, "ecdsa-with-SHA1")),
            SHA1_WITH_RSA_ENCRYPTION => return Err(weak(oid, "sha1WithRSAEncryption")),
            MD5_WITH_RSA_ENCRYPTION => return Err(weak(oid, "md5WithRSAEncryption")),
            MD2_WITH_RSA_ENCRYPTION => return Err(weak(oid, "md2WithRSAEncryption")),
            RSA_ENCRYPTION => {
                return Err(AlgorithmError::KeyAlgorithmOnly {
                    oid: *oid,
                    name: "rsaEncryption",
                });
            }
            ID_EC_PUBLIC_KEY => {
                return Err(AlgorithmError::KeyAlgorithmOnly {
                    oid: *oid,
                    name: "id-ecPublicKey",
                });
            }
            _ => {
                return Err(AlgorithmError::Unsupported {
                    oid: *oid,
                    name: unsupported_name(oid),
                });
            }
        };
        let algorithm = Self { scheme, digest };
        match (scheme, parameters) {
            (_, None) => Ok(algorithm),
            (SignatureScheme::RsaPkcs1v15, Some(any)) if any.is_null() => Ok(algorithm),
            (SignatureScheme::RsaPkcs1v15, Some(_)) => Err(AlgorithmError::InvalidParameters {
                oid: *oid,
                name: algorithm.name(),
                reason: "parameters must be NULL or absent (RFC 4055 §5)".to_owned(),
            }),
            (_, Some(_)) => Err(AlgorithmError::InvalidParameters {
                oid: *oid,
                name: algorithm.name(),
                reason: "parameters must be absent (RFC 5758 §3.2)".to_owned(),
            }),
        }
    }

    /// The algorithm of a CMS `SignerInfo` (RFC 5652 §5.3), from its `signatureAlgorithm`
    /// and `digestAlgorithm`.
    ///
    /// When `signature_algorithm` names a full signature algorithm, this is
    /// [`from_identifier`](Self::from_identifier) and `digest_algorithm` is not consulted
    /// (the caller still uses it for the `message-digest` attribute). When it names only the
    /// key algorithm, the digest is taken from `digest_algorithm`:
    ///
    /// * `rsaEncryption` (parameters NULL, or absent): RSASSA-PKCS1-v1_5, which "CMS
    ///   implementations that include the RSA signature algorithm MUST support"
    ///   (RFC 3370 §3.2; RFC 5754 §3.2 extends it to SHA-2);
    /// * `id-ecPublicKey` (parameters absent, or NULL): ECDSA. RFC 5753 §2.1.1 and
    ///   RFC 5754 §3.3 ask for `ecdsa-with-SHA*` here, but some signers write the key
    ///   algorithm, and the meaning is unambiguous.
    ///
    /// # Errors
    /// As [`from_identifier`](Self::from_identifier); for the key-algorithm forms, the errors
    /// of [`DigestAlgorithm::from_identifier`] on `digest_algorithm` (SHA-1 is
    /// [`AlgorithmError::WeakDigest`]) and [`AlgorithmError::InvalidParameters`] for
    /// parameters other than NULL or absent.
    pub fn from_cms_signer_info(
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: &AlgorithmIdentifierOwned,
    ) -> Result<Self, AlgorithmError> {
        let (scheme, name) = match signature_algorithm.oid {
            RSA_ENCRYPTION => (SignatureScheme::RsaPkcs1v15, "rsaEncryption"),
            ID_EC_PUBLIC_KEY => (SignatureScheme::Ecdsa, "id-ecPublicKey"),
            _ => return Self::from_identifier(signature_algorithm),
        };
        if let Some(parameters) = &signature_algorithm.parameters
            && !parameters.is_null()
        {
            return Err(AlgorithmError::InvalidParameters {
                oid: signature_algorithm.oid,
                name,
                reason: "parameters must be NULL or absent in a SignerInfo (RFC 3370 §3.2)"
                    .to_owned(),
            });
        }
        let digest = DigestAlgorithm::from_identifier(digest_algorithm)?;
        Ok(Self { scheme, digest })
    }

    /// The scheme.
    #[must_use]
    pub const fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The digest (never SHA-1).
    #[must_use]
    pub const fn digest(&self) -> DigestAlgorithm {
        self.digest
    }

    /// A short name, such as `"ecdsa-with-SHA256"` or `"RSASSA-PSS"`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
        match (self.scheme, self.digest) {
            (SignatureScheme::Ecdsa, Sha256) => "ecdsa-with-SHA256",
            (SignatureScheme::Ecdsa, Sha384) => "ecdsa-with-SHA384",
            (SignatureScheme::Ecdsa, Sha512) => "ecdsa-with-SHA512",
            (SignatureScheme::EcdsaP1363, Sha256) => "ECDSA-P1363 with SHA-256",
            (SignatureScheme::EcdsaP1363, Sha384) => "ECDSA-P1363 with SHA-384",
            (SignatureScheme::EcdsaP1363, Sha512) => "ECDSA-P1363 with SHA-512",
            (SignatureScheme::RsaPkcs1v15, Sha256) => "sha256WithRSAEncryption",
            (SignatureScheme::RsaPkcs1v15, Sha384) => "sha384WithRSAEncryption",
            (SignatureScheme::RsaPkcs1v15, Sha512) => "sha512WithRSAEncryption",
            (SignatureScheme::RsaPss { .. }, _) => "RSASSA-PSS",
            // Unreachable by construction (SHA-1 is refused), but named honestly.
            (_, Sha1) => "signature with SHA-1",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            SignatureScheme::RsaPss { salt_len } => write!(
                f,
                "RSASSA-PSS with {} (MGF1-{0}, salt {salt_len})",
                self.digest
            ),
            _ => f.write_str(self.name()),
        }
    }
}

fn weak(oid: &ObjectIdentifier, name: &'static str) -> AlgorithmError {
    AlgorithmError::WeakDigest { oid: *oid, name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::Any;
    use der::{Decode as _, Encode as _};

    fn id(oid: ObjectIdentifier, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid, parameters }
    }

    fn integer() -> Any {
        Any::new(der::Tag::Integer, [1u8]).unwrap()
    }

    #[test]
    fn ecdsa_parameters_must_be_absent() {
        for (oid, expected) in [
            (ECDSA_WITH_SHA256, SignatureAlgorithm::ECDSA_SHA256),
            (ECDSA_WITH_SHA384, SignatureAlgorithm::ECDSA_SHA384),
            (ECDSA_WITH_SHA512, SignatureAlgorithm::ECDSA_SHA512),
        ] {
            assert_eq!(
                SignatureAlgorithm::from_identifier(&id(oid, None)),
                Ok(expected)
            );
            assert!(matches!(
                SignatureAlgorithm::from_identifier(&id(oid, Some(Any::null()))),
                Err(AlgorithmError::InvalidParameters { .. })
            ));
        }
    }

    #[test]
    fn rsa_parameters_null_or_absent() {
        for (oid, expected) in [
            (
                SHA256_WITH_RSA_ENCRYPTION,
                SignatureAlgorithm::RSA_PKCS1_SHA256,
            ),
            (
                SHA384_WITH_RSA_ENCRYPTION,
                SignatureAlgorithm::RSA_PKCS1_SHA384,
            ),
            (
                SHA512_WITH_RSA_ENCRYPTION,
                SignatureAlgorithm::RSA_PKCS1_SHA512,
            ),
        ] {
            for parameters in [None, Some(Any::null())] {
                assert_eq!(
                    SignatureAlgorithm::from_identifier(&id(oid, parameters)),
                    Ok(expected)
                );
            }
            assert!(matches!(
                SignatureAlgorithm::from_identifier(&id(oid, Some(integer()))),
                Err(AlgorithmError::InvalidParameters { .. })
            ));
        }
    }

    #[test]
    fn pss_from_openssl_identifier() {
        // The signatureAlgorithm of an OpenSSL certificate signed with
        // `-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sha256`.
        let der = hex::decode(
            "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
        )
        .unwrap();
        let identifier = AlgorithmIdentifierOwned::from_der(&der).unwrap();
        let algorithm = SignatureAlgorithm::from_identifier(&identifier).unwrap();
        assert_eq!(algorithm.scheme(), SignatureScheme::RsaPss { salt_len: 32 });
        assert_eq!(algorithm.digest(), DigestAlgorithm::Sha256);
        assert_eq!(
            algorithm.to_string(),
            "RSASSA-PSS with SHA-256 (MGF1-SHA-256, salt 32)"
        );
    }

    #[test]
    fn pss_needs_parameters() {
        assert!(matches!(
            SignatureAlgorithm::from_identifier(&id(ID_RSASSA_PSS, None)),
            Err(AlgorithmError::InvalidParameters { .. })
        ));
    }

    #[test]
    fn weak_algorithms() {
        for oid in [
            ECDSA_WITH_SHA1,
            SHA1_WITH_RSA_ENCRYPTION,
            MD5_WITH_RSA_ENCRYPTION,
            MD2_WITH_RSA_ENCRYPTION,
        ] {
            assert!(matches!(
                SignatureAlgorithm::from_identifier(&id(oid, Some(Any::null()))),
                Err(AlgorithmError::WeakDigest { .. })
            ));
        }
        assert!(matches!(
            SignatureAlgorithm::new(SignatureScheme::Ecdsa, DigestAlgorithm::Sha1),
            Err(AlgorithmError::WeakDigest { .. })
        ));
    }

    #[test]
    fn gost_and_unknown_are_unsupported() {
        for (oid, needle) in [
            ("1.2.398.3.10.1.1.1.2", "GOST 34.310-2004"),
            ("1.2.398.3.10.1.1.2.3.2", "GOST 34.10-2015"),
            ("1.2.398.3.10.1.1.2.3.3", "GOST"),
            ("1.2.643.7.1.1.3.2", "GOST R 34.10-2012"),
            ("1.2.643.2.2.3", "GOST R 34.10-2001"),
            ("1.3.101.112", "Ed25519"),
            ("1.2.3.4.5", "unknown algorithm"),
        ] {
            let oid = ObjectIdentifier::new_unwrap(oid);
            let err = SignatureAlgorithm::from_identifier(&id(oid, None)).unwrap_err();
            assert!(
                matches!(err, AlgorithmError::Unsupported { oid: o, .. } if o == oid),
                "{err}"
            );
            let message = err.to_string();
            assert!(message.contains(&oid.to_string()), "{message}");
            assert!(message.contains(needle), "{message}");
        }
    }

    #[test]
    fn key_algorithms_only_in_cms() {
        let sha384 = id(DigestAlgorithm::Sha384.oid(), None);
        let rsa = id(RSA_ENCRYPTION, Some(Any::null()));
        let ec = id(ID_EC_PUBLIC_KEY, None);
        assert!(matches!(
            SignatureAlgorithm::from_identifier(&rsa),
            Err(AlgorithmError::KeyAlgorithmOnly { .. })
        ));
        assert!(matches!(
            SignatureAlgorithm::from_identifier(&ec),
            Err(AlgorithmError::KeyAlgorithmOnly { .. })
        ));
        assert_eq!(
            SignatureAlgorithm::from_cms_signer_info(&rsa, &sha384),
            Ok(SignatureAlgorithm::RSA_PKCS1_SHA384)
        );
        assert_eq!(
            SignatureAlgorithm::from_cms_signer_info(&ec, &sha384),
            Ok(SignatureAlgorithm::ECDSA_SHA384)
        );
        // A full algorithm ignores digestAlgorithm.
        assert_eq!(
            SignatureAlgorithm::from_cms_signer_info(&id(ECDSA_WITH_SHA256, None), &sha384),
            Ok(SignatureAlgorithm::ECDSA_SHA256)
        );
        let sha1 = id(DigestAlgorithm::Sha1.oid(), None);
        assert!(matches!(
            SignatureAlgorithm::from_cms_signer_info(&rsa, &sha1),
            Err(AlgorithmError::WeakDigest { .. })
        ));
        let rsa_bad = id(RSA_ENCRYPTION, Some(integer()));
        assert!(matches!(
            SignatureAlgorithm::from_cms_signer_info(&rsa_bad, &sha384),
            Err(AlgorithmError::InvalidParameters { .. })
        ));
        let gost_digest = id(ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.1"), None);
        assert!(matches!(
            SignatureAlgorithm::from_cms_signer_info(&rsa, &gost_digest),
            Err(AlgorithmError::Unsupported { .. })
        ));
    }

    #[test]
    fn identifier_round_trip_is_not_needed_but_der_is_read() {
        // A DER-decoded identifier with NULL parameters behaves like a constructed one.
        let der = id(SHA256_WITH_RSA_ENCRYPTION, Some(Any::null()))
            .to_der()
            .unwrap();
        let decoded = AlgorithmIdentifierOwned::from_der(&der).unwrap();
        assert_eq!(
            SignatureAlgorithm::from_identifier(&decoded),
            Ok(SignatureAlgorithm::RSA_PKCS1_SHA256)
        );
    }
}
