//! Why a CRL or an OCSP response could not decide a certificate's status.

use const_oid::ObjectIdentifier;
use der::DateTime;
use serde::Serialize;

use super::ser;
use super::{OcspResponseStatus, SourceKind, SourceOrigin};
use crate::crypto::{AlgorithmError, SignatureError};

/// Why one revocation source was set aside.
///
/// Every variant says what was wrong with *this source for this certificate at this time*;
/// none of them says anything about the certificate itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceProblem {
    /// The bytes are not a well-formed CRL or OCSP response.
    #[error("malformed: {detail}")]
    Malformed {
        /// The decoder's account.
        detail: String,
    },

    /// A CRL issued by another CA, or an OCSP response about another CA's certificates.
    #[error("about another issuer: {detail}")]
    OtherIssuer {
        /// Who the source is about.
        detail: String,
    },

    /// An OCSP response about other certificates of the same issuer (no `CertID` matches).
    #[error("no status for this certificate in the OCSP response")]
    OtherCertificate,

    /// A critical extension (of the CRL, of a CRL entry, or of the OCSP response) that this
    /// verifier does not process: RFC 5280 §5.2 and §5.3 forbid using such a CRL at all.
    #[error("unprocessed critical extension {oid}")]
    UnknownCriticalExtension {
        /// The extension's OID.
        #[serde(serialize_with = "ser::oid")]
        oid: ObjectIdentifier,
    },

    /// An indirect CRL (RFC 5280 §5.2.5 `indirectCRL`, or a `certificateIssuer` entry
    /// extension): only direct CRLs are supported.
    #[error("indirect CRL (not supported)")]
    IndirectCrl,

    /// The CRL's issuing distribution point does not cover this certificate (RFC 5280
    /// §5.2.5 and §6.3.3 (b)(2)), or covers only some reasons.
    #[error("CRL scope does not cover this certificate: {detail}")]
    OutOfScope {
        /// Which restriction excludes it.
        detail: String,
    },

    /// The issuer certificate has a key usage extension without `cRLSign`
    /// (RFC 5280 §4.2.1.3 and §6.3.3 (f)).
    #[error("the issuer certificate's key usage does not include cRLSign")]
    IssuerNotCrlSigner,

    /// A signature or key algorithm this verifier cannot check (GOST among them):
    /// INDETERMINATE, never invalid.
    #[error("unsupported algorithm: {detail}")]
    UnsupportedAlgorithm {
        /// What is unsupported.
        detail: String,
    },

    /// An algorithm or key too weak to rely on.
    #[error("weak algorithm: {detail}")]
    WeakAlgorithm {
        /// What is weak.
        detail: String,
    },

    /// The signature does not verify with the key that should have made it.
    #[error("signature does not verify: {detail}")]
    SignatureInvalid {
        /// What failed.
        detail: String,
    },

    /// Issued after the validation time (beyond the allowed clock skew), so it cannot speak
    /// for that time unless [`super::RevocationOptions::accept_issued_after_time`] is set.
    #[error("issued at {this_update}, after the validation time")]
    IssuedAfterTime {
        /// `thisUpdate`.
        #[serde(serialize_with = "ser::date_time")]
        this_update: DateTime,
    },

    /// Its `nextUpdate` is before the validation time: newer information should exist.
    #[error("stale: next update was due at {next_update}")]
    Stale {
        /// `nextUpdate`.
        #[serde(serialize_with = "ser::date_time")]
        next_update: DateTime,
    },

    /// No `nextUpdate`, and `thisUpdate` is older than the configured maximum age.
    #[error("issued at {this_update}, older than the {max_age_secs} s allowed without nextUpdate")]
    TooOld {
        /// `thisUpdate`.
        #[serde(serialize_with = "ser::date_time")]
        this_update: DateTime,
        /// [`super::RevocationOptions::max_age_without_next_update`], in seconds.
        max_age_secs: u64,
    },

    /// Issued after the certificate expired, and the certificate is not listed: a CA may
    /// drop expired certificates from its CRLs (RFC 5280 §3.3) and a responder may stop
    /// answering for them (RFC 6960 §4.4.4), so "not listed" proves nothing.
    #[error("issued at {this_update}, after the certificate expired at {not_after}")]
    IssuedAfterExpiry {
        /// `thisUpdate`.
        #[serde(serialize_with = "ser::date_time")]
        this_update: DateTime,
        /// The certificate's `notAfter`.
        #[serde(serialize_with = "ser::date_time")]
        not_after: DateTime,
    },

    /// A delta CRL with no usable complete CRL to apply it to (RFC 5280 §5.2.4).
    #[error("delta CRL needs a complete CRL numbered at least {base_number}")]
    DeltaWithoutBase {
        /// The delta's `BaseCRLNumber`, in decimal.
        base_number: String,
    },

    /// The responder answered with an error status instead of certificate status.
    #[error("OCSP responder answered {status:?}")]
    OcspNotSuccessful {
        /// The response status.
        status: OcspResponseStatus,
    },

    /// A response type other than `id-pkix-ocsp-basic`.
    #[error("unsupported OCSP response type {oid}")]
    UnsupportedResponseType {
        /// The `responseType`.
        #[serde(serialize_with = "ser::oid")]
        oid: ObjectIdentifier,
    },

    /// The response is signed by someone RFC 6960 §4.2.2.2 does not authorise for this
    /// certificate: neither its issuer nor a responder certificate that the issuer gave
    /// `id-kp-OCSPSigning`.
    #[error("unauthorised OCSP responder: {detail}")]
    UnauthorisedResponder {
        /// Why not.
        detail: String,
    },

    /// The delegated responder's certificate was not valid when the response was produced.
    #[error("responder certificate not valid at producedAt {produced_at}")]
    ResponderOutOfValidity {
        /// The response's `producedAt`.
        #[serde(serialize_with = "ser::date_time")]
        produced_at: DateTime,
    },

    /// The response's nonce differs from the request's (RFC 6960 §4.4.1, RFC 8954).
    #[error("OCSP nonce does not match the request's")]
    NonceMismatch,

    /// The source could not be fetched.
    #[error("could not fetch: {detail}")]
    Unreachable {
        /// What went wrong.
        detail: String,
    },
}

/// Broad classes of [`SourceProblem`], from which the ETSI sub-indication of an
/// INDETERMINATE result is derived (see [`super::RevocationStatus::etsi_sub_indication`]).
/// They are ordered by how much they tell: when several sources were set aside, the
/// greatest class among them names the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemClass {
    /// About another issuer or certificate, or not covering it: irrelevant here.
    NotApplicable,
    /// Could not be had, or not fresh enough; fresher information may come later.
    Unavailable,
    /// Malformed, badly signed, or signed by an unauthorised party.
    Invalid,
    /// Uses a feature this verifier does not process (indirect CRLs, unknown critical
    /// extensions, other OCSP response types).
    Unprocessable,
    /// Outside the time bounds it could vouch for (issued after the validation time or after
    /// the certificate expired, or signed by a responder outside its validity).
    OutOfBounds,
    /// Relies on an algorithm or key that is too weak.
    Weak,
    /// Relies on an algorithm this verifier cannot check.
    UnsupportedAlgorithm,
}

impl SourceProblem {
    /// The class of this problem.
    #[must_use]
    pub fn class(&self) -> ProblemClass {
        match self {
            Self::OtherIssuer { .. } | Self::OtherCertificate | Self::OutOfScope { .. } => {
                ProblemClass::NotApplicable
            }
            Self::Stale { .. }
            | Self::TooOld { .. }
            | Self::Unreachable { .. }
            | Self::OcspNotSuccessful { .. }
            | Self::DeltaWithoutBase { .. } => ProblemClass::Unavailable,
            Self::IssuedAfterTime { .. }
            | Self::IssuedAfterExpiry { .. }
            | Self::ResponderOutOfValidity { .. } => ProblemClass::OutOfBounds,
            Self::IndirectCrl
            | Self::UnknownCriticalExtension { .. }
            | Self::UnsupportedResponseType { .. } => ProblemClass::Unprocessable,
            Self::UnsupportedAlgorithm { .. } => ProblemClass::UnsupportedAlgorithm,
            Self::WeakAlgorithm { .. } => ProblemClass::Weak,
            Self::Malformed { .. }
            | Self::IssuerNotCrlSigner
            | Self::SignatureInvalid { .. }
            | Self::UnauthorisedResponder { .. }
            | Self::NonceMismatch => ProblemClass::Invalid,
        }
    }
}

impl From<AlgorithmError> for SourceProblem {
    fn from(error: AlgorithmError) -> Self {
        match error {
            AlgorithmError::Unsupported { .. } => Self::UnsupportedAlgorithm {
                detail: error.to_string(),
            },
            AlgorithmError::WeakDigest { .. } => Self::WeakAlgorithm {
                detail: error.to_string(),
            },
            other => Self::Malformed {
                detail: other.to_string(),
            },
        }
    }
}

impl From<SignatureError> for SourceProblem {
    fn from(error: SignatureError) -> Self {
        match error {
            SignatureError::Unsupported { .. } | SignatureError::UnsupportedKeySize { .. } => {
                Self::UnsupportedAlgorithm {
                    detail: error.to_string(),
                }
            }
            SignatureError::WeakKey { .. } => Self::WeakAlgorithm {
                detail: error.to_string(),
            },
            // A malformed key, a key of another type than the signature, or a signature that
            // does not verify: in each case this key did not make this signature.
            other => Self::SignatureInvalid {
                detail: other.to_string(),
            },
        }
    }
}

/// A source that was considered and set aside, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedSource {
    /// CRL or OCSP response.
    pub kind: SourceKind,
    /// Where it came from.
    pub origin: SourceOrigin,
    /// Why it was set aside.
    #[serde(flatten)]
    pub problem: SourceProblem,
}

impl std::fmt::Display for RejectedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.kind, self.origin, self.problem)
    }
}
