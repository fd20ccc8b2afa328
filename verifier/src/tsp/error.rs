//! Errors raised while reading time-stamping structures.

use const_oid::ObjectIdentifier;

use super::{PkiFailureInfo, PkiStatus};

/// Why bytes could not be read as a time-stamping structure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TspError {
    /// The bytes are not the DER encoding of the named structure. The [`der::Error`] gives
    /// the kind of defect and, where known, its byte position.
    #[error("malformed {structure}: {source}")]
    Malformed {
        /// The ASN.1 structure being decoded, as RFC 3161 names it.
        structure: &'static str,
        /// The decoder's account of the defect.
        #[source]
        source: der::Error,
    },

    /// The message imprint's length does not match its hash algorithm
    /// ([RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1)).
    #[error("message imprint for {algorithm} is {actual} bytes long, expected {expected}")]
    ImprintLength {
        /// The imprint's `hashAlgorithm`.
        algorithm: ObjectIdentifier,
        /// The output length of that algorithm.
        expected: usize,
        /// The length of `hashedMessage`.
        actual: usize,
    },

    /// The response grants a time-stamp but carries no token
    /// ([RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2): "When the
    /// status contains the value zero or one, a TimeStampToken MUST be present").
    #[error("time-stamp response has status {status:?} but no token")]
    MissingToken {
        /// The response status.
        status: PkiStatus,
    },

    /// The response refuses a time-stamp yet carries a token
    /// ([RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2): "When status
    /// contains a value other than zero or one, a TimeStampToken MUST NOT be present").
    #[error("time-stamp response has status {status:?} but carries a token")]
    UnexpectedToken {
        /// The response status.
        status: PkiStatus,
    },

    /// The authority did not grant the time-stamp.
    #[error("time-stamp not granted: status {status:?}, failure {fail_info:?}, text {text:?}")]
    NotGranted {
        /// The response status (neither `granted` nor `grantedWithMods`).
        status: PkiStatus,
        /// The reasons the authority gave, if any.
        fail_info: Option<PkiFailureInfo>,
        /// The authority's free-text explanation, if any.
        text: Option<Vec<String>>,
    },
}
