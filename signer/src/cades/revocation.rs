//! Revocation values for B-LT: the CRLs and OCSP responses embedded in `SignedData.crls`
//! (RFC 5652 §10.2.1) so that the signature validates without outside sources.
//!
//! A [`RevocationValues`] source hands out values for a set of certificates; this module
//! has the one over supplied DER files ([`SuppliedRevocation`]), and
//! [`FetchingRevocation`](super::FetchingRevocation) fetches them from the locations the
//! certificates name.
//!
//! Security property: a value is handed out only when the verifier's own revocation check
//! ([`verifier::revocation`]) finds it usable and "good" for its certificate, with the
//! issuer's key, now. A revoked certificate is an error, never a signature that embeds the
//! proof of its own invalidity. Where the issuer certificate is not in the set (a root left
//! out of a chain), a CRL is chosen by issuer name only and the validator checks it later.

use std::path::Path;
use std::time::SystemTime;

use der::{Any, Encode as _, Tag, TagNumber};
use verifier::cms::oid::ID_RI_OCSP_RESPONSE;
use verifier::crypto::DigestAlgorithm;
use verifier::path::names_match;
use verifier::revocation::{
    self, Crl, ParsedOcspResponse, RevocationOptions, RevocationSources, RevocationStatus,
    SourceOrigin,
};
use x509_cert::Certificate;

use super::CadesError;

/// One revocation value, as DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationValue {
    /// A `CertificateList` (RFC 5280 §5.1).
    Crl(Vec<u8>),
    /// An `OCSPResponse` (RFC 6960 §4.2.1), the whole response as RFC 5940 §3 embeds it.
    OcspResponse(Vec<u8>),
}

impl RevocationValue {
    /// The `RevocationInfoChoice` (RFC 5652 §10.2.1) carrying this value:
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
    ///
    /// An OCSP response is `other` with `id-ri-ocsp-response` and the `OCSPResponse` as
    /// `otherRevInfo` (RFC 5940 §3). Written by hand: the `cms` crate declares
    /// `otherRevInfoFormat` as an `AlgorithmIdentifier`, which would add a SEQUENCE around
    /// the OID that no other implementation expects.
    pub(crate) fn to_choice(&self) -> Result<Any, CadesError> {
        match self {
            Self::Crl(der) => one_element(der, "CRL"),
            Self::OcspResponse(der) => {
                // Checks it is one DER element before wrapping it.
                one_element(der, "OCSP response")?;
                let mut value = ID_RI_OCSP_RESPONSE
                    .to_der()
                    .map_err(CadesError::encode("otherRevInfoFormat"))?;
                value.extend_from_slice(der);
                let tag = Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber(1),
                };
                Any::new(tag, value).map_err(CadesError::encode("OtherRevocationInfoFormat"))
            }
        }
    }
}

/// One DER element, refused as `what` if it is not exactly one.
fn one_element(der: &[u8], what: &'static str) -> Result<Any, CadesError> {
    der::Decode::from_der(der).map_err(CadesError::malformed(what))
}

/// A source of revocation values for B-LT signatures.
pub trait RevocationValues: Send + Sync {
    /// Values proving that every certificate of `chain` (the signer's chain followed by
    /// the TSA's certificates, in any order) but the self-issued ones is not revoked.
    ///
    /// # Errors
    /// [`CadesError::RevocationMissing`] when a certificate has no usable value,
    /// [`CadesError::Revoked`] when one is revoked, others as the source fails.
    fn values_for(&self, chain: &[Certificate]) -> Result<Vec<RevocationValue>, CadesError>;
}

/// The certificates of `chain` whose revocation is to be proven, each once, with its
/// issuer when the issuer is in `chain`. Self-issued certificates are left out: they can
/// only be trust anchors here, and an anchor's status is not checked (RFC 5280 §6.1).
pub(crate) fn to_prove(chain: &[Certificate]) -> Vec<(&Certificate, Option<&Certificate>)> {
    let mut out: Vec<(&Certificate, Option<&Certificate>)> = Vec::new();
    for cert in chain {
        let tbs = cert.tbs_certificate();
        if names_match(tbs.subject(), tbs.issuer()) || out.iter().any(|(held, _)| *held == cert) {
            continue;
        }
        let issuer = chain
            .iter()
            .find(|c| *c != cert && names_match(c.tbs_certificate().subject(), tbs.issuer()));
        out.push((cert, issuer));
    }
    out
}

/// The certificate's subject, for messages.
pub(crate) fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

/// What a status means for B-LT: `Ok(true)` usable, `Ok(false)` not, `Err` revoked.
pub(crate) fn usable(status: &RevocationStatus, cert: &Certificate) -> Result<bool, CadesError> {
    match status {
        RevocationStatus::Good { .. } => Ok(true),
        RevocationStatus::Revoked { .. } => Err(CadesError::Revoked {
            subject: subject(cert),
        }),
        RevocationStatus::Indeterminate { .. } => Ok(false),
    }
}

/// A parsed value with its DER.
struct Held<T> {
    der: Vec<u8>,
    parsed: T,
}

/// Revocation values supplied by the operator: DER CRLs and OCSP responses, typically files
/// refreshed by a job. No network is used.
#[derive(Default)]
pub struct SuppliedRevocation {
    crls: Vec<Held<Crl>>,
    ocsp: Vec<Held<ParsedOcspResponse>>,
    options: RevocationOptions,
}

impl SuppliedRevocation {
    /// No values yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads DER CRLs from `crl_files` and DER OCSP responses from `ocsp_files`.
    ///
    /// # Errors
    /// [`CadesError::RevocationSource`] naming the file that cannot be read or parsed.
    pub fn from_files(
        crl_files: &[impl AsRef<Path>],
        ocsp_files: &[impl AsRef<Path>],
    ) -> Result<Self, CadesError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| CadesError::RevocationSource {
                source_name: path.display().to_string(),
                reason: e.to_string(),
            })
        };
        let mut out = Self::new();
        for path in crl_files {
            let path = path.as_ref();
            out.add_crl(read(path)?, &path.display().to_string())?;
        }
        for path in ocsp_files {
            let path = path.as_ref();
            out.add_ocsp_response(read(path)?, &path.display().to_string())?;
        }
        Ok(out)
    }

    /// Adds a DER CRL; `name` says where it came from, for errors.
    ///
    /// # Errors
    /// [`CadesError::RevocationSource`] if it is not a DER CRL.
    pub fn add_crl(&mut self, der: Vec<u8>, name: &str) -> Result<(), CadesError> {
        let parsed = Crl::from_der(&der).map_err(|e| CadesError::RevocationSource {
            source_name: name.to_owned(),
            reason: e.to_string(),
        })?;
        self.crls.push(Held { der, parsed });
        Ok(())
    }

    /// Adds a DER `OCSPResponse`; `name` says where it came from, for errors.
    ///
    /// # Errors
    /// [`CadesError::RevocationSource`] if it is not a DER OCSP response.
    pub fn add_ocsp_response(&mut self, der: Vec<u8>, name: &str) -> Result<(), CadesError> {
        let parsed = ParsedOcspResponse::parse(&der).map_err(|e| CadesError::RevocationSource {
            source_name: name.to_owned(),
            reason: e.to_string(),
        })?;
        self.ocsp.push(Held { der, parsed });
        Ok(())
    }

    /// The values for one certificate.
    fn values_for_one(
        &self,
        cert: &Certificate,
        issuer: Option<&Certificate>,
        now: SystemTime,
    ) -> Result<Vec<RevocationValue>, CadesError> {
        let issuer_name = cert.tbs_certificate().issuer();
        let mut out = Vec::new();
        for held in &self.ocsp {
            let Some(issuer) = issuer else { break };
            if !ocsp_names(&held.parsed, cert) {
                continue;
            }
            let status = revocation::check_ocsp_response(
                &held.der,
                None,
                SourceOrigin::Supplied,
                cert,
                issuer,
                now,
                &self.options,
            );
            if usable(&status, cert)? {
                out.push(RevocationValue::OcspResponse(held.der.clone()));
            }
        }
        for held in &self.crls {
            if !names_match(held.parsed.issuer(), issuer_name) {
                continue;
            }
            let good = match issuer {
                Some(issuer) => {
                    let mut sources = RevocationSources::new();
                    sources.add_crl(held.parsed.clone(), SourceOrigin::Supplied);
                    let status = revocation::check(cert, issuer, now, &sources, &self.options);
                    usable(&status, cert)?
                }
                None => true,
            };
            if good {
                out.push(RevocationValue::Crl(held.der.clone()));
            }
        }
        Ok(out)
    }
}

/// Whether a single response of `response` names `cert`: its serial number and the hash
/// of its issuer's name (RFC 6960 §4.1.1); the verifier checks the rest.
fn ocsp_names(response: &ParsedOcspResponse, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    let Ok(issuer_der) = tbs.issuer().to_der() else {
        return false;
    };
    response.basic().is_some_and(|basic| {
        basic.tbs_response_data.responses.iter().any(|single| {
            let id = &single.cert_id;
            id.serial_number == *tbs.serial_number()
                && DigestAlgorithm::from_identifier_allowing_sha1(&id.hash_algorithm)
                    .is_ok_and(|alg| alg.digest(&issuer_der) == id.issuer_name_hash.as_bytes())
        })
    })
}

impl RevocationValues for SuppliedRevocation {
    fn values_for(&self, chain: &[Certificate]) -> Result<Vec<RevocationValue>, CadesError> {
        let now = SystemTime::now();
        let mut out: Vec<RevocationValue> = Vec::new();
        for (cert, issuer) in to_prove(chain) {
            let found = self.values_for_one(cert, issuer, now)?;
            if found.is_empty() {
                return Err(CadesError::RevocationMissing {
                    subject: subject(cert),
                    reason: format!(
                        "none of the {} supplied CRLs and {} OCSP responses is current and \
                         signed by its issuer",
                        self.crls.len(),
                        self.ocsp.len()
                    ),
                });
            }
            for value in found {
                if !out.contains(&value) {
                    out.push(value);
                }
            }
        }
        Ok(out)
    }
}

impl std::fmt::Debug for SuppliedRevocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuppliedRevocation")
            .field("crls", &self.crls.len())
            .field("ocsp_responses", &self.ocsp.len())
            .finish_non_exhaustive()
    }
}
