//! Why bytes could not be read as a revocation object.

use const_oid::ObjectIdentifier;

/// Why bytes could not be read as a CRL, an OCSP request or an OCSP response.
///
/// A [`super::RevocationSources`] keeps such failures and reports them as
/// [`super::SourceProblem::Malformed`]; the parsing functions return them directly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not the DER encoding of the named structure.
    #[error("malformed {structure}: {source}")]
    Der {
        /// The ASN.1 structure being decoded, as its RFC names it.
        structure: &'static str,
        /// The decoder's account of the defect.
        #[source]
        source: der::Error,
    },

    /// PEM armour that could not be decoded (RFC 7468).
    #[error("malformed PEM: {0}")]
    Pem(String),

    /// A PEM block with a label other than the one expected (RFC 7468 §5 for `X509 CRL`).
    #[error("PEM block labelled {found:?} where {expected:?} was expected")]
    PemLabel {
        /// The label wanted.
        expected: &'static str,
        /// The label found.
        found: String,
    },

    /// A `DEFAULT v1` version field spelled out, which DER forbids (X.690 §11.5).
    #[error("{structure} spells out the default version v1, which DER forbids")]
    ExplicitDefaultVersion {
        /// The structure holding the field.
        structure: &'static str,
    },

    /// A CRL whose `signatureAlgorithm` differs from the `signature` field inside
    /// `tbsCertList` (RFC 5280 §5.1.1.2: they "MUST contain the same algorithm identifier").
    #[error("CRL signatureAlgorithm differs from tbsCertList.signature")]
    SignatureAlgorithmMismatch,

    /// An extension appears twice (RFC 5280 §4.2 and §5.2: "MUST NOT include more than one
    /// instance of a particular extension").
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// The extension's OID.
        oid: ObjectIdentifier,
    },

    /// The value of a known extension does not decode.
    #[error("malformed extension {oid}: {source}")]
    Extension {
        /// The extension's OID.
        oid: ObjectIdentifier,
        /// The decoder's account of the defect.
        #[source]
        source: der::Error,
    },

    /// An OCSP nonce outside the 1..32 bytes of RFC 8954 §2.1.
    #[error("OCSP nonce of {len} bytes (RFC 8954 allows 1 to 32)")]
    NonceLength {
        /// The nonce's length.
        len: usize,
    },

    /// A successful OCSP response without `responseBytes` (RFC 6960 §4.2.1: present when
    /// the status is successful), or an unsuccessful one with them.
    #[error("OCSP response status {status} with{} responseBytes", if *present { "" } else { "out" })]
    ResponseBytesPresence {
        /// The status, as RFC 6960 names it.
        status: &'static str,
        /// Whether `responseBytes` were present.
        present: bool,
    },

    /// The operating system's random source failed while making a nonce.
    #[error("no randomness for an OCSP nonce: {0}")]
    Random(String),
}

impl DecodeError {
    /// A closure turning a [`der::Error`] into [`DecodeError::Der`] for `structure`.
    pub(crate) fn der(structure: &'static str) -> impl Fn(der::Error) -> Self {
        move |source| Self::Der { structure, source }
    }
}
