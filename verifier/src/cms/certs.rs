//! Certificates and revocation data found in a message, and which certificate a
//! `SignerIdentifier` names (RFC 5652 §5.3).

use ::cms::signed_data::SignerIdentifier;
use const_oid::ObjectIdentifier;
use der::{Any, Decode as _, Encode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::oid::ID_RI_OCSP_RESPONSE;
use super::ser;
use crate::crypto::DigestAlgorithm;

/// Where a certificate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CertificateSource {
    /// `SignedData.certificates` (RFC 5652 §5.1).
    SignedData,
    /// Handed to the verifier by its caller.
    CallerSupplied,
    /// A CAdES `certificate-values` unsigned attribute (ETSI EN 319 122-1 §5.5.1).
    CertificateValues,
}

/// A certificate with its DER encoding and the facts a report shows about it.
///
/// Path validation is not done here: the caller hands [`certificate`](Self::certificate) (or
/// [`der`](Self::der)) to the path validator.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateInfo {
    #[serde(skip)]
    certificate: Certificate,
    #[serde(skip)]
    der: Vec<u8>,
    subject: String,
    issuer: String,
    #[serde(serialize_with = "ser::hex")]
    serial_number: Vec<u8>,
    #[serde(serialize_with = "ser::hex")]
    sha256: Vec<u8>,
    source: CertificateSource,
}

impl CertificateInfo {
    /// Reads a DER certificate.
    ///
    /// # Errors
    /// The decoder's error if `der` is not a DER `Certificate`.
    pub fn from_der(der: &[u8], source: CertificateSource) -> der::Result<Self> {
        let certificate = Certificate::from_der(der)?;
        Ok(Self::new(certificate, der.to_vec(), source))
    }

    /// Wraps a decoded certificate, re-encoding it for its hash.
    ///
    /// # Errors
    /// The encoder's error, which a decoded certificate does not cause.
    pub fn from_certificate(
        certificate: &Certificate,
        source: CertificateSource,
    ) -> der::Result<Self> {
        let der = certificate.to_der()?;
        Ok(Self::new(certificate.clone(), der, source))
    }

    fn new(certificate: Certificate, der: Vec<u8>, source: CertificateSource) -> Self {
        let tbs = certificate.tbs_certificate();
        Self {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial_number: tbs.serial_number().as_bytes().to_vec(),
            sha256: DigestAlgorithm::Sha256.digest(&der),
            certificate,
            der,
            source,
        }
    }

    /// The decoded certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Its DER encoding, as found (the bytes ESS hashes cover, RFC 5035 §4).
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject name (RFC 4514 string).
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer name (RFC 4514 string).
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number's content octets.
    #[must_use]
    pub fn serial_number(&self) -> &[u8] {
        &self.serial_number
    }

    /// The SHA-256 hash of [`der`](Self::der).
    #[must_use]
    pub fn sha256(&self) -> &[u8] {
        &self.sha256
    }

    /// Where it came from.
    #[must_use]
    pub fn source(&self) -> CertificateSource {
        self.source
    }

    /// Whether this certificate is the one `sid` names (RFC 5652 §5.3): the same issuer name
    /// and serial number, or a `subjectKeyIdentifier` extension with the same value.
    #[must_use]
    pub fn matches(&self, sid: &SignerIdentifier) -> bool {
        let tbs = self.certificate.tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                tbs.issuer() == &isn.issuer && tbs.serial_number() == &isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own == *ski)
            }
        }
    }
}

/// The signer identifier of a `SignerInfo`, for a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignerId {
    /// `issuerAndSerialNumber`.
    IssuerAndSerialNumber {
        /// The issuer name (RFC 4514 string).
        issuer: String,
        /// The serial number's content octets.
        #[serde(serialize_with = "ser::hex")]
        serial_number: Vec<u8>,
    },
    /// `subjectKeyIdentifier`.
    SubjectKeyIdentifier {
        /// The key identifier.
        #[serde(serialize_with = "ser::hex")]
        key_identifier: Vec<u8>,
    },
}

impl From<&SignerIdentifier> for SignerId {
    fn from(sid: &SignerIdentifier) -> Self {
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => Self::IssuerAndSerialNumber {
                issuer: isn.issuer.to_string(),
                serial_number: isn.serial_number.as_bytes().to_vec(),
            },
            SignerIdentifier::SubjectKeyIdentifier(ski) => Self::SubjectKeyIdentifier {
                key_identifier: ski.0.as_bytes().to_vec(),
            },
        }
    }
}

/// One DER object, serialised as base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Der(#[serde(serialize_with = "ser::base64")] pub Vec<u8>);

/// Revocation data of a kind this module does not name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OtherRevocation {
    /// What it is.
    #[serde(serialize_with = "ser::oid")]
    pub format: ObjectIdentifier,
    /// The DER of the value.
    pub value: Der,
}

/// Revocation data found in a message, undecoded, for the caller's revocation checking.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RevocationData {
    /// DER `CertificateList`s (RFC 5280 §5.1).
    pub crls: Vec<Der>,
    /// DER `OCSPResponse`s (RFC 6960 §4.2.1), as `SignedData.crls` carries them
    /// (RFC 5940 §3).
    pub ocsp_responses: Vec<Der>,
    /// DER `BasicOCSPResponse`s (RFC 6960 §4.2.1), as CAdES `revocation-values` carries them.
    pub basic_ocsp_responses: Vec<Der>,
    /// Anything else.
    pub other: Vec<OtherRevocation>,
}

impl RevocationData {
    /// Whether nothing was found.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
            && self.ocsp_responses.is_empty()
            && self.basic_ocsp_responses.is_empty()
            && self.other.is_empty()
    }

    /// Sorts one `RevocationInfoChoice` (RFC 5652 §10.2.1) of `SignedData.crls`:
    ///
    /// ```text
    /// RevocationInfoChoice ::= CHOICE {
    ///   crl CertificateList,
    ///   other [1] IMPLICIT OtherRevocationInfoFormat }
    ///
    /// OtherRevocationInfoFormat ::= SEQUENCE {
    ///   otherRevInfoFormat OBJECT IDENTIFIER,
    ///   otherRevInfo ANY DEFINED BY otherRevInfoFormat }
    /// ```
    pub(crate) fn add_choice(&mut self, choice: &Any) -> der::Result<()> {
        if choice.tag() == Tag::Sequence {
            self.crls.push(Der(choice.to_der()?));
            return Ok(());
        }
        let other = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(1),
        };
        if choice.tag() != other {
            return Err(der::ErrorKind::TagUnexpected {
                expected: Some(Tag::Sequence),
                actual: choice.tag(),
            }
            .into());
        }
        let mut reader = SliceReader::new(choice.value())?;
        let format = ObjectIdentifier::decode(&mut reader)?;
        let value = Any::decode(&mut reader)?;
        reader.finish()?;
        if format == ID_RI_OCSP_RESPONSE {
            self.ocsp_responses.push(Der(value.to_der()?));
        } else {
            self.other.push(OtherRevocation {
                format,
                value: Der(value.to_der()?),
            });
        }
        Ok(())
    }
}

/// The certificates among `pool` that `sid` names, each once.
pub(crate) fn candidates<'p>(
    sid: &SignerIdentifier,
    pool: &'p [CertificateInfo],
) -> Vec<&'p CertificateInfo> {
    let mut found: Vec<&CertificateInfo> = Vec::new();
    for cert in pool.iter().filter(|c| c.matches(sid)) {
        if !found.iter().any(|f| f.der == cert.der) {
            found.push(cert);
        }
    }
    found
}
