//! A CMS `SignedData` message (RFC 5652 §5): reading it and verifying each signer.

use ::cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode as _, Encode as _};
use serde::Serialize;
use x509_cert::Certificate;

use super::certs::{CertificateInfo, CertificateSource, RevocationData};
use super::content::{ContentSource, DetachedContent, SignedContent};
use super::error::CmsError;
use super::oid::ID_SIGNED_DATA;
use super::ser;
use super::signer::{self, SignerContext, SignerReport};
use super::syntax::SignedDataSyntax;

/// PEM labels for CMS (RFC 7468 §9 names `CMS` and `PKCS7`; older tools write the third).
const PEM_LABELS: &[&str] = &["CMS", "PKCS7", "PKCS #7 SIGNED DATA"];

/// What the caller adds to a message to verify it.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    /// The content of a detached signature. Ignored (and reported so) when the message
    /// encapsulates its content.
    pub detached_content: Option<DetachedContent<'a>>,
    /// Certificates to look for signers among, after the embedded ones: for messages sent
    /// without certificates (`openssl cms -sign -nocerts`).
    pub extra_certificates: &'a [Certificate],
}

/// A readable `SignedData`.
///
/// Reading checks only the outer structure; everything inside the signer infos, and each
/// embedded certificate and CRL, is examined by [`verify`](Self::verify) and reported
/// element by element.
#[derive(Clone, Debug)]
pub struct SignedMessage {
    syntax: SignedDataSyntax,
    content: Option<Vec<u8>>,
    certificates: Vec<CertificateInfo>,
    unreadable_certificates: Vec<String>,
    revocation: RevocationData,
    unreadable_revocation: Vec<String>,
}

impl SignedMessage {
    /// Reads a DER `ContentInfo`, or one in PEM armour labelled `CMS` or `PKCS7`.
    ///
    /// # Errors
    /// [`CmsError`] when the input is neither, or does not hold `SignedData`.
    pub fn parse(input: &[u8]) -> Result<Self, CmsError> {
        let der = pem_or_der(input)?;
        Self::from_der(&der)
    }

    /// Reads a DER `ContentInfo` holding `SignedData`.
    ///
    /// # Errors
    /// [`CmsError::Malformed`] or [`CmsError::NotSignedData`].
    pub fn from_der(der: &[u8]) -> Result<Self, CmsError> {
        let info = ContentInfo::from_der(der).map_err(CmsError::malformed("ContentInfo"))?;
        Self::from_content_info(&info)
    }

    /// Reads the `SignedData` in a decoded `ContentInfo`.
    ///
    /// # Errors
    /// [`CmsError::Malformed`] or [`CmsError::NotSignedData`].
    pub fn from_content_info(info: &ContentInfo) -> Result<Self, CmsError> {
        if info.content_type != ID_SIGNED_DATA {
            return Err(CmsError::NotSignedData {
                content_type: info.content_type,
            });
        }
        let syntax = info
            .content
            .decode_as::<SignedDataSyntax>()
            .map_err(CmsError::malformed("SignedData"))?;
        // RFC 5652 §5.2: "eContent [0] EXPLICIT OCTET STRING".
        let content = syntax
            .encap_content_info
            .econtent
            .as_ref()
            .map(|any| any.decode_as::<OctetString>().map(OctetString::into_bytes))
            .transpose()
            .map_err(CmsError::malformed("eContent"))?
            .map(Vec::from);

        let mut certificates = Vec::new();
        let mut unreadable_certificates = Vec::new();
        for (i, cert) in syntax
            .certificates
            .iter()
            .flat_map(|s| s.iter())
            .enumerate()
        {
            // Other certificate formats ([0]–[3] of CertificateChoices, RFC 5652 §10.2.2) are
            // not X.509 certificates and cannot identify a signer here.
            match cert
                .to_der()
                .and_then(|d: Vec<u8>| CertificateInfo::from_der(&d, CertificateSource::SignedData))
            {
                Ok(info) => certificates.push(info),
                Err(e) => unreadable_certificates.push(format!("certificate #{i}: {e}")),
            }
        }
        let mut revocation = RevocationData::default();
        let mut unreadable_revocation = Vec::new();
        for (i, choice) in syntax.crls.iter().flat_map(|s| s.iter()).enumerate() {
            if let Err(e) = revocation.add_choice(choice) {
                unreadable_revocation.push(format!("revocation info #{i}: {e}"));
            }
        }
        Ok(Self {
            syntax,
            content,
            certificates,
            unreadable_certificates,
            revocation,
            unreadable_revocation,
        })
    }

    /// `eContentType`.
    #[must_use]
    pub fn content_type(&self) -> ObjectIdentifier {
        self.syntax.encap_content_info.econtent_type
    }

    /// The encapsulated content's octets, if the message is not detached.
    #[must_use]
    pub fn encapsulated_content(&self) -> Option<&[u8]> {
        self.content.as_deref()
    }

    /// The embedded certificates that could be read.
    #[must_use]
    pub fn certificates(&self) -> &[CertificateInfo] {
        &self.certificates
    }

    /// The embedded CRLs and OCSP responses.
    #[must_use]
    pub fn revocation_data(&self) -> &RevocationData {
        &self.revocation
    }

    /// How many signer infos the message has.
    #[must_use]
    pub fn signer_count(&self) -> usize {
        self.syntax.signer_infos.len()
    }

    /// The `SignedData` as read.
    #[must_use]
    pub fn syntax(&self) -> &SignedDataSyntax {
        &self.syntax
    }

    /// The embedded certificates, then `extra`, as the pool signers are identified in.
    pub(crate) fn pool(&self, extra: &[CertificateInfo]) -> Vec<CertificateInfo> {
        let mut pool = self.certificates.clone();
        pool.extend(extra.iter().cloned());
        pool
    }

    /// Verifies every signer, each on its own.
    #[must_use]
    pub fn verify(&self, options: &VerifyOptions<'_>) -> SignedDataReport {
        let extra = caller_certificates(options.extra_certificates);
        let pool = self.pool(&extra);
        let (content, source) = match (&self.content, options.detached_content) {
            (Some(bytes), detached) => (
                SignedContent::bytes(bytes),
                ContentSource::Encapsulated {
                    length: bytes.len(),
                    detached_content_ignored: detached.is_some(),
                },
            ),
            (None, Some(DetachedContent::Bytes(bytes))) => (
                SignedContent::bytes(bytes),
                ContentSource::DetachedBytes {
                    length: bytes.len(),
                },
            ),
            (None, Some(DetachedContent::Parts(parts))) => (
                SignedContent::parts(parts.to_vec()),
                ContentSource::DetachedBytes {
                    length: parts.iter().map(|p| p.len()).sum(),
                },
            ),
            (None, Some(detached @ DetachedContent::HashedParts { parts, .. })) => (
                SignedContent::from_detached(Some(detached)),
                ContentSource::DetachedBytes {
                    length: parts.iter().map(|p| p.len()).sum(),
                },
            ),
            (None, Some(detached @ DetachedContent::Digests(digests))) => (
                SignedContent::from_detached(Some(detached)),
                ContentSource::DetachedDigests {
                    algorithms: digests.iter().map(|d| d.algorithm.to_string()).collect(),
                },
            ),
            (None, None) => (SignedContent::Missing, ContentSource::Missing),
        };
        let ctx = SignerContext {
            pool: &pool,
            content: &content,
            content_type: Some(self.content_type()),
            require_signing_certificate: false,
            depth: 0,
        };
        let signers = self
            .syntax
            .signer_infos
            .iter()
            .map(|raw| signer::verify_raw(raw, &ctx))
            .collect();
        SignedDataReport {
            content_type: self.content_type(),
            content: source,
            signers,
            certificates: self.certificates.clone(),
            unreadable: self
                .unreadable_certificates
                .iter()
                .chain(&self.unreadable_revocation)
                .cloned()
                .collect(),
            revocation: self.revocation.clone(),
        }
    }
}

/// The verification of a whole `SignedData`.
#[derive(Clone, Debug, Serialize)]
pub struct SignedDataReport {
    /// `eContentType`.
    #[serde(serialize_with = "ser::oid")]
    pub content_type: ObjectIdentifier,
    /// What the signatures were checked against.
    pub content: ContentSource,
    /// One report per signer info, in the order of the (DER-sorted) `signerInfos`. Each
    /// stands alone: RFC 5652 §5.1 leaves how several signers combine to the application.
    pub signers: Vec<SignerReport>,
    /// The embedded certificates, for path validation.
    pub certificates: Vec<CertificateInfo>,
    /// Embedded certificates and revocation entries that could not be read, and why.
    pub unreadable: Vec<String>,
    /// The embedded CRLs and OCSP responses (RFC 5652 §10.2.1, RFC 5940 §3).
    pub revocation: RevocationData,
}

/// Caller-supplied certificates, as report entries.
pub(crate) fn caller_certificates(certs: &[Certificate]) -> Vec<CertificateInfo> {
    certs
        .iter()
        .filter_map(|c| {
            CertificateInfo::from_certificate(c, CertificateSource::CallerSupplied).ok()
        })
        .collect()
}

/// The DER inside PEM armour, or `input` itself.
pub(crate) fn pem_or_der(input: &[u8]) -> Result<Vec<u8>, CmsError> {
    let trimmed = input.trim_ascii_start();
    if !trimmed.starts_with(b"-----BEGIN ") {
        return Ok(input.to_vec());
    }
    let (label, der) = der::pem::decode_vec(trimmed.trim_ascii_end()).map_err(CmsError::Pem)?;
    if PEM_LABELS.contains(&label) {
        Ok(der)
    } else {
        Err(CmsError::PemLabel {
            label: label.to_owned(),
        })
    }
}
