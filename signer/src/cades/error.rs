//! Why a CMS signature could not be made, or a signer could not be added.

use const_oid::ObjectIdentifier;

use super::request::Level;
use super::signer_info::SignerInfoError;
use crate::keys::KeyError;
use crate::tsa::TsaError;

/// Why [`sign_cms`](super::sign_cms) or [`add_signer`](super::add_signer) produced nothing.
///
/// No variant carries key material; texts name certificates by subject, never by content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CadesError {
    /// An attached signature was asked for with only a digest of the content: there is
    /// nothing to encapsulate.
    #[error("an attached signature needs the content itself, not its digest")]
    AttachedDigest,
    /// The existing `SignedData` is detached and its content was not supplied, so our
    /// message-digest attribute could not be computed.
    #[error("the signature is detached: its content must be supplied to add a signer")]
    ContentMissing,
    /// Content was supplied for a `SignedData` that encapsulates different content.
    #[error("the supplied content differs from the content the signature encapsulates")]
    ContentConflict,
    /// An existing signer's message-digest attribute does not match the content: adding a
    /// signer would sign other data than the others did.
    #[error("signer #{signer} signed other content (its message-digest does not match)")]
    ContentMismatch {
        /// The position of that signer among the existing `signerInfos`.
        signer: usize,
    },
    /// The input is not DER, or not the structure it should be.
    #[error("malformed {what}: {source}")]
    Malformed {
        /// The structure being read.
        what: String,
        /// The decoder's error.
        #[source]
        source: der::Error,
    },
    /// The `ContentInfo` holds something other than `SignedData`.
    #[error("the input is not a SignedData but content type {content_type}")]
    NotSignedData {
        /// The `contentType` found.
        content_type: ObjectIdentifier,
    },
    /// The key has no certificate to name as the signer.
    #[error("key {0} has no certificate")]
    NoCertificate(String),
    /// The key did not sign.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A level whose data does not go into the CMS was asked of a PAdES CMS (B-LT: the PDF's
    /// DSS holds it).
    #[error("level {0} is not made inside a PAdES CMS")]
    LevelNotInCms(Level),
    /// A level with a time-stamp was asked for, and no time-stamp authority is configured.
    #[error("level {0} needs a time-stamp authority, and none is configured")]
    NoTimestamper(Level),
    /// The time-stamp authority issued no token.
    #[error("time-stamp failed: {0}")]
    Timestamp(#[from] TsaError),
    /// The token obtained is unusable (for other data, invalid, or unreadable).
    #[error("the time-stamp token was refused: {0}")]
    TimestampRejected(String),
    /// B-LT was asked for, and no source of revocation values is configured.
    #[error("level B-LT needs revocation values, and no source of them is configured")]
    NoRevocationSource,
    /// No usable CRL or OCSP response was found for a certificate of the path.
    #[error("no usable revocation information for {subject}: {reason}")]
    RevocationMissing {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// What was tried.
        reason: String,
    },
    /// A certificate of the path is revoked (or on hold): a long-term signature would
    /// embed the proof of its own invalidity.
    #[error("{subject} is revoked")]
    Revoked {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// A supplied revocation file could not be read or parsed.
    #[error("revocation source {source_name}: {reason}")]
    RevocationSource {
        /// The file or location.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// A structure could not be DER-encoded.
    #[error("encoding {what}: {source}")]
    Encode {
        /// The structure.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
}

impl CadesError {
    pub(crate) fn encode(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Encode { what, source }
    }

    pub(crate) fn malformed(what: impl Into<String>) -> impl FnOnce(der::Error) -> Self {
        let what = what.into();
        move |source| Self::Malformed { what, source }
    }
}

impl From<SignerInfoError> for CadesError {
    fn from(error: SignerInfoError) -> Self {
        match error {
            SignerInfoError::NoCertificate(key) => Self::NoCertificate(key),
            SignerInfoError::Encode { what, source } => Self::Encode { what, source },
            SignerInfoError::Key(key) => Self::Key(key),
        }
    }
}
