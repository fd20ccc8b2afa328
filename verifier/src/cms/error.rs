//! Why bytes could not be read as CMS `SignedData` or a time-stamp response at all.
//!
//! Everything found *inside* a readable structure (a signer info that does not decode, a
//! malformed attribute, a token that is not a token) is reported as a failed check instead, so
//! that the other signers and attributes are still examined.

use const_oid::ObjectIdentifier;

use crate::tsp::TspError;

/// Why the input could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// The input looks like PEM but its armour or base64 is broken.
    #[error("malformed PEM: {0}")]
    Pem(der::pem::Error),

    /// The PEM label is not one of those RFC 7468 §9 gives CMS (`CMS`, `PKCS7`).
    #[error("PEM label {label:?} is not CMS or PKCS7")]
    PemLabel {
        /// The label found.
        label: String,
    },

    /// The bytes are not the DER encoding of the named structure. BER (indefinite lengths,
    /// constructed strings) is refused here too.
    #[error("malformed {structure}: {source}")]
    Malformed {
        /// The ASN.1 structure being decoded.
        structure: &'static str,
        /// The decoder's account of the defect.
        #[source]
        source: der::Error,
    },

    /// The `ContentInfo` holds something other than `SignedData` (RFC 5652 §3).
    #[error("content type {content_type} is not id-signedData")]
    NotSignedData {
        /// The `contentType` found.
        content_type: ObjectIdentifier,
    },

    /// A time-stamp response could not be read, or grants no token (RFC 3161 §2.4.2).
    #[error(transparent)]
    Tsp(#[from] TspError),
}

impl CmsError {
    pub(crate) fn malformed(structure: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Malformed { structure, source }
    }
}
