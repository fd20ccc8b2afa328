//! Trust anchors: the keys a path must end at (RFC 5280 §6.1.1(d)).

use spki::SubjectPublicKeyInfoOwned;
use x509_cert::name::Name;

use super::certificate::{CertificateError, ParsedCertificate};

/// A trust anchor, taken from a certificate the caller trusts.
///
/// Only the subject name and public key are used, as RFC 5280 §6.1.1(d) describes the trust
/// anchor information: the certificate's own signature, validity period and extensions are
/// not checked, and it is not a certificate of the path. A path is accepted only if it ends
/// at one of the anchors the caller configured; a certificate that merely arrives with the
/// evidence (a self-signed root in a CMS `certificates` bag, say) is never one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    certificate: ParsedCertificate,
}

impl TrustAnchor {
    /// The anchor a trusted certificate defines.
    #[must_use]
    pub fn from_certificate(certificate: ParsedCertificate) -> Self {
        Self { certificate }
    }

    /// The anchor a trusted DER certificate defines.
    ///
    /// # Errors
    /// As [`ParsedCertificate::from_der`].
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        ParsedCertificate::from_der(der).map(Self::from_certificate)
    }

    /// The certificate the anchor was taken from.
    #[must_use]
    pub fn certificate(&self) -> &ParsedCertificate {
        &self.certificate
    }

    /// The trusted CA name (`trust_anchor_name`).
    #[must_use]
    pub fn subject(&self) -> &Name {
        self.certificate.subject()
    }

    /// The trusted public key (`trust_anchor_public_key` and its algorithm).
    #[must_use]
    pub fn public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        self.certificate
            .certificate()
            .tbs_certificate()
            .subject_public_key_info()
    }

    /// The subjectKeyIdentifier of the anchor's certificate, a hint for path building.
    pub(crate) fn key_id(&self) -> Option<&[u8]> {
        self.certificate
            .extensions()
            .ok()
            .and_then(|ext| ext.subject_key_id.as_deref())
    }
}
