//! Certificates and revocation data found in a message, and which certificate a
//! `SignerIdentifier` names (RFC 5652 §5.3).

use std::fmt;
use std::sync::{Arc, OnceLock};

use ::cms::signed_data::SignerIdentifier;
use const_oid::ObjectIdentifier;
use der::{Any, Decode as _, Encode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::oid::ID_RI_OCSP_RESPONSE;
use super::ser;
use crate::crypto::DigestAlgorithm;
use crate::path::{CertificateError, ParsedCertificate, name_text};

/// The slot of [`CertificateInfo::for_paths`], shared by clones.
#[derive(Clone, Default)]
struct ForPaths(Arc<OnceLock<Result<ParsedCertificate, CertificateError>>>);

impl fmt::Debug for ForPaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "ForPaths(read)"
        } else {
            "ForPaths(not read yet)"
        })
    }
}

/// Certificates read from DER lately, so that the intermediate, TSA and signer certificates
/// that come with every document are not decoded each time.
///
/// Decoding is a pure function of the bytes: a certificate kept here is what decoding the
/// same DER again would give. Entries are found by the SHA-256 of the DER (computed for the
/// report anyway) and then compared byte for byte, so even a hash collision could not return
/// another certificate. Only certificates that decoded are kept; at most [`CAPACITY`], the
/// least recently used forgotten first, process-wide (a few MiB at most).
mod decoded {
    use std::sync::{LazyLock, Mutex};

    use super::CertificateInfo;
    use crate::cache::{Bounded, lock};

    /// The most certificates kept.
    pub(super) const CAPACITY: usize = 256;

    static KEPT: LazyLock<Mutex<Bounded<Vec<u8>, CertificateInfo>>> =
        LazyLock::new(|| Mutex::new(Bounded::new(CAPACITY)));

    /// The certificate decoded from `der`, whose SHA-256 is `sha256`, if kept.
    pub(super) fn get(sha256: &[u8], der: &[u8]) -> Option<CertificateInfo> {
        let known = lock(&KEPT).get(sha256)?;
        (*known.der == *der).then_some(known)
    }

    /// Keeps `info`, which was decoded from its DER.
    pub(super) fn remember(info: &CertificateInfo) {
        lock(&KEPT).insert(info.sha256.clone(), info.clone());
    }
}

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
///
/// Cloning is cheap: clones share the decoded certificate and its DER.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateInfo {
    #[serde(skip)]
    certificate: Arc<Certificate>,
    #[serde(skip)]
    der: Arc<[u8]>,
    /// Whether `certificate` is `der` decoded (rather than a certificate `der` encodes).
    #[serde(skip)]
    decoded_from_der: bool,
    /// The certificate as path validation reads it, made once for all clones.
    #[serde(skip)]
    for_paths: ForPaths,
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
        let sha256 = DigestAlgorithm::Sha256.digest(der);
        if let Some(mut known) = decoded::get(&sha256, der) {
            known.source = source;
            return Ok(known);
        }
        let certificate = Certificate::from_der(der)?;
        let info = Self::new(certificate, der.into(), true, source, sha256);
        decoded::remember(&info);
        Ok(info)
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
        let sha256 = DigestAlgorithm::Sha256.digest(&der);
        Ok(Self::new(
            certificate.clone(),
            der.into(),
            false,
            source,
            sha256,
        ))
    }

    fn new(
        certificate: Certificate,
        der: Arc<[u8]>,
        decoded_from_der: bool,
        source: CertificateSource,
        sha256: Vec<u8>,
    ) -> Self {
        let tbs = certificate.tbs_certificate();
        Self {
            subject: name_text(tbs.subject()),
            issuer: name_text(tbs.issuer()),
            serial_number: tbs.serial_number().as_bytes().to_vec(),
            sha256,
            certificate: Arc::new(certificate),
            der,
            decoded_from_der,
            for_paths: ForPaths::default(),
            source,
        }
    }

    /// The certificate as path validation reads it: what [`ParsedCertificate::from_der`]
    /// gives on [`der`](Self::der), made once (and without decoding again when this was read
    /// from DER) and shared by every clone.
    pub(crate) fn for_paths(&self) -> Result<ParsedCertificate, CertificateError> {
        self.for_paths
            .0
            .get_or_init(|| {
                if self.decoded_from_der {
                    ParsedCertificate::from_decoded(
                        Arc::clone(&self.certificate),
                        Arc::clone(&self.der),
                    )
                } else {
                    ParsedCertificate::from_der(&self.der)
                }
            })
            .clone()
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
                issuer: name_text(&isn.issuer),
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
