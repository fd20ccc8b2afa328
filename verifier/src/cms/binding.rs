//! The binding of a signature to its signer's certificate through the ESS
//! `signing-certificate` (RFC 2634 §5.4) and `signing-certificate-v2` (RFC 5035 §3)
//! attributes: the defence against substituting another certificate with the same issuer and
//! serial number, or the same key identifier.

use x509_cert::Certificate;
use x509_cert::attr::Attributes;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use super::attrs::{decode_value, single};
use super::certs::CertificateInfo;
use super::check::Failure;
use super::ess::SigningCertificate;
use super::oid::{ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V2};
use crate::crypto::DigestAlgorithm;
use crate::report::SubIndication;
use crate::tsp::{IssuerSerial, SigningCertificateV2};

/// The signing-certificate references of one signer info, either version or both.
#[derive(Clone, Debug, Default)]
pub(crate) struct EssReferences {
    v1: Option<SigningCertificate>,
    v2: Option<SigningCertificateV2>,
}

impl EssReferences {
    /// Reads the references from the signed attributes.
    ///
    /// # Errors
    /// `FORMAT_FAILURE` for an attribute that is repeated, multi-valued, malformed, or lists
    /// no certificate.
    pub(crate) fn read(attrs: Option<&Attributes>) -> Result<Self, Failure> {
        let v1 = single(attrs, ID_AA_SIGNING_CERTIFICATE, "signing-certificate")?
            .map(|v| {
                decode_value::<SigningCertificate>(v)
                    .map_err(|e| Failure::format(format!("signing-certificate attribute: {e}")))
            })
            .transpose()?;
        let v2 = single(
            attrs,
            ID_AA_SIGNING_CERTIFICATE_V2,
            "signing-certificate-v2",
        )?
        .map(|v| {
            decode_value::<SigningCertificateV2>(v)
                .map_err(|e| Failure::format(format!("signing-certificate-v2 attribute: {e}")))
        })
        .transpose()?;
        if v1.as_ref().is_some_and(|v| v.certs.is_empty())
            || v2.as_ref().is_some_and(|v| v.certs.is_empty())
        {
            return Err(Failure::format(
                "a signing-certificate attribute lists no certificate",
            ));
        }
        Ok(Self { v1, v2 })
    }

    /// Whether neither attribute is present.
    pub(crate) fn is_empty(&self) -> bool {
        self.v1.is_none() && self.v2.is_none()
    }

    /// Checks that `cert` is the certificate the first `ESSCertID` / `ESSCertIDv2` of every
    /// present attribute names: "The first certificate identified in the sequence of
    /// certificate identifiers MUST be the certificate used to verify the signature"
    /// (RFC 2634 §5.4, RFC 5035 §3). Both are checked when both are present.
    ///
    /// # Errors
    /// `INDETERMINATE` / `NO_SIGNING_CERTIFICATE_FOUND` (ETSI EN 319 102-1 §5.2.3.4) when a hash
    /// or the issuer and serial number differ; `INDETERMINATE` for an unsupported hash
    /// algorithm.
    pub(crate) fn check(&self, cert: &CertificateInfo) -> Result<String, Failure> {
        let mut details = Vec::new();
        if let Some(v2) = &self.v2
            && let Some(id) = v2.certs.first()
        {
            let algorithm =
                DigestAlgorithm::from_identifier_allowing_sha1(&id.effective_hash_algorithm())
                    .map_err(|e| Failure::from_algorithm("ESSCertIDv2 hashAlgorithm", &e))?;
            compare_hash(
                cert,
                algorithm,
                id.cert_hash.as_bytes(),
                "signing-certificate-v2",
            )?;
            check_issuer_serial(cert.certificate(), id.issuer_serial.as_ref())?;
            details.push(format!("signing-certificate-v2 ({algorithm})"));
        }
        if let Some(v1) = &self.v1
            && let Some(id) = v1.certs.first()
        {
            // RFC 2634 §5.4.1: "Hash ::= OCTET STRING -- SHA1 hash of entire certificate".
            let algorithm = DigestAlgorithm::Sha1;
            compare_hash(
                cert,
                algorithm,
                id.cert_hash.as_bytes(),
                "signing-certificate",
            )?;
            check_issuer_serial(cert.certificate(), id.issuer_serial.as_ref())?;
            details.push("signing-certificate (SHA-1)".to_owned());
        }
        Ok(format!(
            "{} name the signer certificate",
            details.join(" and ")
        ))
    }
}

fn substituted(reason: String) -> Failure {
    Failure::indeterminate(SubIndication::NoSigningCertificateFound, reason)
}

fn compare_hash(
    cert: &CertificateInfo,
    algorithm: DigestAlgorithm,
    expected: &[u8],
    attribute: &str,
) -> Result<(), Failure> {
    let actual = algorithm.digest(cert.der());
    if actual == expected {
        Ok(())
    } else {
        Err(substituted(format!(
            "the {attribute} attribute names a certificate whose {algorithm} hash is {}, not \
             the certificate found ({}): it was substituted or is missing",
            hex::encode(expected),
            hex::encode(actual)
        )))
    }
}

/// RFC 5035 §4: "The issuer field MUST contain only the issuer name from the certificate
/// encoded in the issuer field of the certificate", and the serial number is the
/// certificate's.
fn check_issuer_serial(
    cert: &Certificate,
    issuer_serial: Option<&IssuerSerial>,
) -> Result<(), Failure> {
    let Some(issuer_serial) = issuer_serial else {
        return Ok(());
    };
    let tbs = cert.tbs_certificate();
    let issuer_matches = issuer_serial
        .issuer
        .iter()
        .any(|name| matches!(name, GeneralName::DirectoryName(n) if n == tbs.issuer()));
    let serial: &SerialNumber = tbs.serial_number();
    if issuer_matches && &issuer_serial.serial_number == serial {
        Ok(())
    } else {
        Err(substituted(
            "the issuerSerial of the signing-certificate reference does not match the \
             certificate found"
                .to_owned(),
        ))
    }
}
