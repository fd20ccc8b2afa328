//! The outcome of a revocation check and the evidence behind it.

use der::DateTime;
use serde::Serialize;
use x509_cert::ext::pkix::CrlReason;

use super::ser;
use super::{ProblemClass, RejectedSource, SourceOrigin};

/// The revocation status of one certificate at the validation time.
///
/// A certificate on hold (`certificateHold`, RFC 5280 §5.3.1) is reported as
/// [`Revoked`](Self::Revoked) with `on_hold: true` and the hold's date as `at`: it must not
/// be relied on while on hold. A hold that a later delta CRL lifts (`removeFromCRL`) is not
/// revoked. A revocation dated after the validation time leaves the certificate
/// [`Good`](Self::Good) at that time, with the later revocation in `revoked_after_time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RevocationStatus {
    /// Not revoked at the validation time, according to `evidence`.
    Good {
        /// The source that decided.
        evidence: Evidence,
        /// A revocation that the same source dates after the validation time.
        #[serde(skip_serializing_if = "Option::is_none")]
        revoked_after_time: Option<LaterRevocation>,
        /// Other sources considered and set aside.
        rejected: Vec<RejectedSource>,
    },
    /// Revoked (or on hold) at the validation time, according to `evidence`.
    Revoked {
        /// When it was revoked (`revocationDate` / `revocationTime`).
        #[serde(serialize_with = "ser::date_time")]
        at: DateTime,
        /// The reason given, if any.
        reason: Option<RevocationReason>,
        /// Whether this is a hold (`certificateHold`) rather than a final revocation.
        on_hold: bool,
        /// The CRL entry's invalidity date (RFC 5280 §5.3.2), if given.
        #[serde(serialize_with = "ser::opt_date_time")]
        invalidity_date: Option<DateTime>,
        /// The source that decided.
        evidence: Evidence,
        /// Other sources considered and set aside.
        rejected: Vec<RejectedSource>,
    },
    /// No source could decide.
    Indeterminate {
        /// Why not.
        reason: IndeterminateReason,
        /// Every source considered and set aside, and why.
        rejected: Vec<RejectedSource>,
        /// Locations named by the certificate that were not contacted, and why.
        not_consulted: Vec<NotConsulted>,
    },
}

impl RevocationStatus {
    /// Whether the certificate was not revoked at the validation time.
    #[must_use]
    pub fn is_good(&self) -> bool {
        matches!(self, Self::Good { .. })
    }

    /// Whether the certificate was revoked or on hold at the validation time.
    #[must_use]
    pub fn is_revoked(&self) -> bool {
        matches!(self, Self::Revoked { .. })
    }

    /// The sources considered and set aside.
    #[must_use]
    pub fn rejected(&self) -> &[RejectedSource] {
        match self {
            Self::Good { rejected, .. }
            | Self::Revoked { rejected, .. }
            | Self::Indeterminate { rejected, .. } => rejected,
        }
    }

    /// The ETSI EN 319 102-1 sub-indication for an INDETERMINATE result; `None` for
    /// [`Good`](Self::Good) and [`Revoked`](Self::Revoked), and for an INDETERMINATE result
    /// caused by an unsupported algorithm (reported as "unsupported algorithm", as
    /// [`crate::crypto::SignatureError`] does).
    ///
    /// | rejected sources include (first match wins) | sub-indication |
    /// |---|---|
    /// | an unsupported algorithm (GOST) | none: INDETERMINATE, "unsupported algorithm" |
    /// | a weak algorithm or key | `CRYPTO_CONSTRAINTS_FAILURE` |
    /// | information issued after the validation time or after the certificate expired, or a responder certificate outside its validity | `REVOCATION_OUT_OF_BOUNDS_NO_POE` |
    /// | anything else, or no source at all (nothing supplied, network not allowed, responder down, stale CRL, OCSP `unknown`) | `TRY_LATER` |
    #[must_use]
    pub fn etsi_sub_indication(&self) -> Option<EtsiSubIndication> {
        let Self::Indeterminate { rejected, .. } = self else {
            return None;
        };
        let worst = rejected.iter().map(|r| r.problem.class()).max();
        match worst {
            Some(ProblemClass::UnsupportedAlgorithm) => None,
            Some(ProblemClass::Weak) => Some(EtsiSubIndication::CryptoConstraintsFailure),
            Some(ProblemClass::OutOfBounds) => Some(EtsiSubIndication::RevocationOutOfBoundsNoPoe),
            _ => Some(EtsiSubIndication::TryLater),
        }
    }
}

/// The ETSI EN 319 102-1 sub-indications an INDETERMINATE revocation check maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EtsiSubIndication {
    /// `TRY_LATER`: the information needed is not available now but may be later.
    TryLater,
    /// `REVOCATION_OUT_OF_BOUNDS_NO_POE`: revocation information exists but cannot be placed
    /// within the bounds it would have to vouch for.
    RevocationOutOfBoundsNoPoe,
    /// `CRYPTO_CONSTRAINTS_FAILURE`: the only information relies on weak cryptography.
    CryptoConstraintsFailure,
}

/// Why no source decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum IndeterminateReason {
    /// No CRL or OCSP response was supplied, and none was fetched (network use not allowed,
    /// or the certificate names no `http:` location).
    NoSource,
    /// Sources were considered, and all were set aside (see `rejected`).
    NoUsableSource,
    /// The only usable answer was OCSP `unknown`: the responder does not know the
    /// certificate.
    StatusUnknown {
        /// The response that said so.
        evidence: Box<OcspEvidence>,
    },
}

/// A location named by the certificate (AIA OCSP, CRL distribution point) that was not
/// contacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotConsulted {
    /// The URI.
    pub uri: String,
    /// Why it was not contacted.
    pub why: NotConsultedReason,
}

/// Why a location was not contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotConsultedReason {
    /// The caller did not allow network use.
    NetworkNotAllowed,
    /// Not an `http:` URI (LDAP, HTTPS and others are not fetched).
    UnsupportedScheme,
}

/// A revocation dated after the validation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaterRevocation {
    /// The revocation date.
    #[serde(serialize_with = "ser::date_time")]
    pub at: DateTime,
    /// The reason given, if any.
    pub reason: Option<RevocationReason>,
}

/// Which source decided, and what it says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A CRL, possibly with a delta CRL applied.
    Crl(CrlEvidence),
    /// An OCSP response.
    Ocsp(OcspEvidence),
}

/// The CRL that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlEvidence {
    /// Where it came from.
    pub origin: SourceOrigin,
    /// The CRL issuer's name (RFC 4514).
    pub issuer: String,
    /// The CRL number (RFC 5280 §5.2.3), in decimal.
    pub number: Option<String>,
    /// `thisUpdate`.
    #[serde(serialize_with = "ser::date_time")]
    pub this_update: DateTime,
    /// `nextUpdate`.
    #[serde(serialize_with = "ser::opt_date_time")]
    pub next_update: Option<DateTime>,
    /// The signature algorithm.
    pub signature_algorithm: String,
    /// The delta CRL applied on top, if any.
    pub delta: Option<Box<CrlEvidence>>,
}

/// The OCSP response that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcspEvidence {
    /// Where it came from.
    pub origin: SourceOrigin,
    /// The `ResponderID`: a name (RFC 4514) or `keyHash:` and the hex SHA-1 key hash.
    pub responder: String,
    /// Whether the issuer signed it or a delegated responder.
    pub signer: ResponderKind,
    /// `producedAt`.
    #[serde(serialize_with = "ser::date_time")]
    pub produced_at: DateTime,
    /// The single response's `thisUpdate`.
    #[serde(serialize_with = "ser::date_time")]
    pub this_update: DateTime,
    /// The single response's `nextUpdate`.
    #[serde(serialize_with = "ser::opt_date_time")]
    pub next_update: Option<DateTime>,
    /// The signature algorithm.
    pub signature_algorithm: String,
    /// What became of the nonce.
    pub nonce: NonceCheck,
}

/// Who signed an OCSP response (RFC 6960 §4.2.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ResponderKind {
    /// The CA that issued the certificate.
    Issuer,
    /// A responder certificate issued by that CA with `id-kp-OCSPSigning`.
    Delegated {
        /// The responder certificate's subject (RFC 4514).
        subject: String,
        /// Its serial number, in hex.
        serial: String,
        /// Whether it carries `id-pkix-ocsp-nocheck` (RFC 6960 §4.2.2.2.1); its own
        /// revocation status is not checked either way.
        nocheck: bool,
    },
}

/// What became of the request nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NonceCheck {
    /// No nonce was sent (a response supplied by the caller, or nonces turned off).
    NotSent,
    /// The response echoed the nonce.
    Matched,
    /// The response carried no nonce (RFC 8954 §2.1 allows a responder to ignore it, for
    /// example when it serves pre-produced responses).
    NotEchoed,
}

/// The reason for a revocation (RFC 5280 §5.3.1 `CRLReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// `unspecified (0)`.
    Unspecified,
    /// `keyCompromise (1)`.
    KeyCompromise,
    /// `cACompromise (2)`.
    CaCompromise,
    /// `affiliationChanged (3)`.
    AffiliationChanged,
    /// `superseded (4)`.
    Superseded,
    /// `cessationOfOperation (5)`.
    CessationOfOperation,
    /// `certificateHold (6)`: suspended, may be lifted.
    CertificateHold,
    /// `removeFromCRL (8)`: a hold lifted (delta CRLs only).
    RemoveFromCrl,
    /// `privilegeWithdrawn (9)`.
    PrivilegeWithdrawn,
    /// `aACompromise (10)`.
    AaCompromise,
}

impl From<CrlReason> for RevocationReason {
    fn from(reason: CrlReason) -> Self {
        match reason {
            CrlReason::Unspecified => Self::Unspecified,
            CrlReason::KeyCompromise => Self::KeyCompromise,
            CrlReason::CaCompromise => Self::CaCompromise,
            CrlReason::AffiliationChanged => Self::AffiliationChanged,
            CrlReason::Superseded => Self::Superseded,
            CrlReason::CessationOfOperation => Self::CessationOfOperation,
            CrlReason::CertificateHold => Self::CertificateHold,
            CrlReason::RemoveFromCRL => Self::RemoveFromCrl,
            CrlReason::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
            CrlReason::AaCompromise => Self::AaCompromise,
        }
    }
}
