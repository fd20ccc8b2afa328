//! Certificates as path validation holds them: decoded, with the exact bytes their signature
//! covers, and with their extensions decoded once.

use std::fmt;
use std::sync::{Arc, OnceLock};

use der::asn1::AnyRef;
use der::{Decode as _, Encode as _, Reader as _, SliceReader};
use x509_cert::Certificate;
use x509_cert::name::Name;

use super::error::{CertRef, Malformation};
use super::extensions::Extensions;
use super::name;
use super::name_text;

/// Why bytes could not be read as certificates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The bytes are not a DER `Certificate` (RFC 5280 §4.1).
    #[error("not a DER X.509 certificate: {0}")]
    Der(der::Error),
    /// A PEM block labelled `CERTIFICATE` does not decode.
    #[error("PEM certificate block {index}: {reason}")]
    Pem {
        /// Which `CERTIFICATE` block, counting from 1.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// PEM text without a single `CERTIFICATE` block.
    #[error("no PEM CERTIFICATE block found")]
    NoCertificate,
}

/// A decoded X.509 certificate, ready for path validation.
///
/// Keeps the original DER and, separately, the DER of `tbsCertificate` exactly as it was
/// signed, so that signatures are checked over the bytes received rather than a re-encoding.
///
/// Cloning is cheap: clones share one decoded certificate.
#[derive(Clone)]
pub struct ParsedCertificate {
    inner: Arc<Inner>,
}

struct Inner {
    der: Arc<[u8]>,
    tbs: Vec<u8>,
    certificate: Arc<Certificate>,
    extensions: Result<Extensions, Malformation>,
    /// The subject and issuer as text, made when first asked for (reports name the
    /// certificates of a path many times).
    subject_text: OnceLock<String>,
    issuer_text: OnceLock<String>,
}

impl fmt::Debug for ParsedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("ParsedCertificate")
            .field("der", &inner.der)
            .field("tbs", &inner.tbs)
            .field("certificate", &inner.certificate)
            .field("extensions", &inner.extensions)
            .finish()
    }
}

impl PartialEq for ParsedCertificate {
    fn eq(&self, other: &Self) -> bool {
        self.inner.der == other.inner.der
    }
}

impl Eq for ParsedCertificate {}

impl ParsedCertificate {
    /// Reads one DER-encoded certificate.
    ///
    /// Extensions are decoded here too, but a malformed extension is not an error yet: it is
    /// reported only if the certificate ends up in a path.
    ///
    /// # Errors
    /// [`CertificateError::Der`] if the bytes are not exactly one `Certificate`.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let certificate = Certificate::from_der(der).map_err(CertificateError::Der)?;
        Self::from_decoded(Arc::new(certificate), Arc::from(der))
    }

    /// The certificate `certificate`, which is `der` decoded by `Certificate::from_der` (so
    /// the result is that of [`from_der`](Self::from_der) on `der`, without decoding again).
    pub(crate) fn from_decoded(
        certificate: Arc<Certificate>,
        der: Arc<[u8]>,
    ) -> Result<Self, CertificateError> {
        let tbs = signed_part(&der).map_err(CertificateError::Der)?;
        let extensions = Extensions::decode(certificate.tbs_certificate());
        Ok(Self {
            inner: Arc::new(Inner {
                der,
                tbs,
                certificate,
                extensions,
                subject_text: OnceLock::new(),
                issuer_text: OnceLock::new(),
            }),
        })
    }

    /// The certificate as `x509-cert` decoded it.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.inner.certificate
    }

    /// The DER the certificate was read from.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }

    /// The DER of `tbsCertificate` as received: the bytes the signature covers.
    #[must_use]
    pub fn tbs_der(&self) -> &[u8] {
        &self.inner.tbs
    }

    /// The subject name.
    #[must_use]
    pub fn subject(&self) -> &Name {
        self.inner.certificate.tbs_certificate().subject()
    }

    /// The issuer name.
    #[must_use]
    pub fn issuer(&self) -> &Name {
        self.inner.certificate.tbs_certificate().issuer()
    }

    /// The subject name as RFC 4514 text (as its `Display` writes it), made once.
    pub fn subject_text(&self) -> &str {
        self.inner
            .subject_text
            .get_or_init(|| name_text(self.subject()))
    }

    /// The issuer name as RFC 4514 text (as its `Display` writes it), made once.
    pub(crate) fn issuer_text(&self) -> &str {
        self.inner
            .issuer_text
            .get_or_init(|| name_text(self.issuer()))
    }

    /// The serial number as colon-separated hexadecimal bytes.
    #[must_use]
    pub fn serial_hex(&self) -> String {
        colon_hex(
            self.inner
                .certificate
                .tbs_certificate()
                .serial_number()
                .as_bytes(),
        )
    }

    /// Whether subject and issuer are the same name under the RFC 5280 §7.1 comparison
    /// ("self-issued", RFC 5280 §6.1). Self-signed certificates are self-issued.
    #[must_use]
    pub fn is_self_issued(&self) -> bool {
        name::names_match(self.subject(), self.issuer())
    }

    pub(crate) fn extensions(&self) -> Result<&Extensions, &Malformation> {
        self.inner.extensions.as_ref()
    }

    /// The reference errors use for this certificate at `position`.
    pub(crate) fn at(&self, position: usize) -> CertRef {
        CertRef::new(position, self.subject_text().to_owned(), self.serial_hex())
    }
}

/// Bytes as `SerialNumber`'s `Display` writes them ("01:AB:..."), without a `write!` per
/// byte.
fn colon_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut text = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    text
}

/// The first element of the outer `SEQUENCE`, re-serialised from its undecoded value: the
/// `tbsCertificate` bytes as signed. DER has one length encoding, and `der` refuses any other,
/// so the header written here is the header received.
fn signed_part(der: &[u8]) -> der::Result<Vec<u8>> {
    let outer = AnyRef::from_der(der)?;
    let mut reader = SliceReader::new(outer.value())?;
    let tbs: AnyRef<'_> = reader.decode()?;
    tbs.to_der()
}

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_CERTIFICATE_END: &str = "-----END CERTIFICATE-----";

/// Reads every certificate in `input`: one DER certificate, or PEM text with any number of
/// `CERTIFICATE` blocks (a bundle), in order. Other PEM blocks and text between blocks are
/// skipped.
///
/// # Errors
/// [`CertificateError::Der`] for DER input that is not a certificate,
/// [`CertificateError::Pem`] for a `CERTIFICATE` block that does not decode, and
/// [`CertificateError::NoCertificate`] for PEM text without one.
pub fn parse_certificates(input: &[u8]) -> Result<Vec<ParsedCertificate>, CertificateError> {
    let text = match core::str::from_utf8(input) {
        Ok(text) if text.trim_start().starts_with(PEM_BEGIN) => text,
        _ => return Ok(vec![ParsedCertificate::from_der(input)?]),
    };
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let block = &rest[start..];
        let index = certificates.len() + 1;
        let Some(end) = block.find(PEM_CERTIFICATE_END) else {
            return Err(CertificateError::Pem {
                index,
                reason: "no END CERTIFICATE line".to_owned(),
            });
        };
        let block_len = end + PEM_CERTIFICATE_END.len();
        let (label, der) = der::pem::decode_vec(&block.as_bytes()[..block_len]).map_err(|e| {
            CertificateError::Pem {
                index,
                reason: e.to_string(),
            }
        })?;
        if label != "CERTIFICATE" {
            return Err(CertificateError::Pem {
                index,
                reason: format!("unexpected label {label}"),
            });
        }
        let certificate = ParsedCertificate::from_der(&der).map_err(|e| CertificateError::Pem {
            index,
            reason: e.to_string(),
        })?;
        certificates.push(certificate);
        rest = &block[block_len..];
    }
    if certificates.is_empty() {
        return Err(CertificateError::NoCertificate);
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use x509_cert::serial_number::SerialNumber;

    use super::colon_hex;

    #[test]
    fn serial_hex_as_x509_cert_writes_it() {
        for bytes in [
            &[0x01][..],
            &[0x00, 0xff],
            &[0x7f, 0x0a, 0xbc, 0xde, 0xf0],
            &[0x10; 20],
        ] {
            let serial = SerialNumber::new(bytes).unwrap();
            assert_eq!(colon_hex(serial.as_bytes()), serial.to_string());
        }
    }
}
