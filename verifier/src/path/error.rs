//! Why a certification path was refused: [`PathError`], the certificate it names, and the
//! rule it broke.

use core::fmt;

use const_oid::ObjectIdentifier;
use der::DateTime;

use super::purpose::{CertificateKind, PurposeViolation};
use crate::crypto::SignatureError;
use crate::report::{Indication, SubIndication};

/// The certificate an error is about: where it stands in the path and who it is.
///
/// Positions count from the end-entity certificate (0) toward the trust anchor, the order of
/// [`ValidatedPath::certificates`](super::ValidatedPath::certificates). Boxed, so that a
/// `Result<_, PathError>` stays small.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertRef(Box<CertRefInner>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CertRefInner {
    position: usize,
    subject: String,
    serial: String,
}

impl CertRef {
    pub(crate) fn new(position: usize, subject: String, serial: String) -> Self {
        Self(Box::new(CertRefInner {
            position,
            subject,
            serial,
        }))
    }

    /// 0 for the end-entity certificate, 1 for its issuer, and so on.
    #[must_use]
    pub fn position(&self) -> usize {
        self.0.position
    }

    /// The subject, as an RFC 4514 string.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The serial number, colon-separated hexadecimal bytes.
    #[must_use]
    pub fn serial(&self) -> &str {
        &self.0.serial
    }
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = if self.position() == 0 {
            "end-entity certificate"
        } else {
            "certificate"
        };
        write!(
            f,
            "{role} #{} \u{201c}{}\u{201d} (serial {})",
            self.position(),
            self.subject(),
            self.serial()
        )
    }
}

/// Why no path could be built (ETSI NO_CERTIFICATE_CHAIN_FOUND).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoChainReason {
    /// Neither a trust anchor nor a supplied certificate has the issuer's name as subject.
    IssuerNotFound,
    /// The certificate is self-issued, so nothing above it can be found, and it is not a
    /// configured trust anchor. A certificate is never trusted for being in the input.
    SelfIssuedNotTrusted,
    /// Every continuation would make the path longer than the limit.
    DepthLimit {
        /// The limit on certificates in a path, trust anchor excluded.
        limit: usize,
    },
    /// Path building gave up after trying as many candidates as its limits allow.
    SearchLimit,
}

/// Why a certificate is not well-formed enough to be processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformation {
    /// An extension appears more than once (RFC 5280 §4.2).
    #[error("extension {oid} appears more than once (RFC 5280 §4.2)")]
    DuplicateExtension {
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// An extension this verifier processes cannot be decoded.
    #[error("{name} extension ({oid}) cannot be decoded: {reason}")]
    Extension {
        /// The extension's OID.
        oid: ObjectIdentifier,
        /// Its RFC 5280 name.
        name: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// A name constraint this profile forbids: `minimum` other than 0, `maximum` present, or
    /// an `iPAddress` subtree that is not an address and mask (RFC 5280 §4.2.1.10).
    #[error("name constraint {subtree}: {reason} (RFC 5280 §4.2.1.10)")]
    NameConstraint {
        /// The subtree, as text.
        subtree: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `signatureAlgorithm` differs from `tbsCertificate.signature` (RFC 5280 §4.1.1.2).
    #[error("signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2)")]
    SignatureAlgorithmMismatch,
    /// The signature algorithm identifier breaks its standard's rules.
    #[error("signature algorithm: {reason}")]
    SignatureAlgorithm {
        /// What is wrong.
        reason: String,
    },
    /// The issuer's public key is malformed, so nothing it signed can be checked.
    #[error("issuer's public key: {reason}")]
    IssuerKey {
        /// What is wrong.
        reason: String,
    },
}

/// A constraint of RFC 5280 §6.1 the chain does not satisfy (ETSI CHAIN_CONSTRAINTS_FAILURE).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConstraintViolation {
    /// An intermediate certificate is not a CA: basicConstraints absent or cA false.
    #[error("is used as a CA but basicConstraints does not assert cA")]
    NotCa,
    /// An intermediate certificate is version 1 or 2, so it cannot assert being a CA.
    #[error("is used as a CA but is a version {version} certificate, without basicConstraints")]
    LegacyCa {
        /// 1 or 2.
        version: u8,
    },
    /// More non-self-issued intermediates follow a CA than its pathLenConstraint allows.
    #[error(
        "exceeds the pathLenConstraint of {path_len_constraint} set by certificate #{constrained_by}"
    )]
    PathLength {
        /// The position of the CA whose constraint is exceeded.
        constrained_by: usize,
        /// Its pathLenConstraint.
        path_len_constraint: u32,
    },
    /// A CA certificate's key usage lacks keyCertSign.
    #[error("is used as a CA but its key usage lacks keyCertSign")]
    KeyCertSignMissing,
    /// A critical extension this verifier does not process.
    #[error("has a critical extension {oid} this verifier does not process")]
    UnknownCriticalExtension {
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// A name is outside the permitted subtrees of a CA above.
    #[error("has name {name}, outside the permitted subtrees of certificate #{constrained_by}")]
    NameNotPermitted {
        /// The name, as `form:value`.
        name: String,
        /// The position of the CA whose nameConstraints permit it not.
        constrained_by: usize,
    },
    /// A name is inside an excluded subtree of a CA above.
    #[error("has name {name}, inside subtree {subtree} excluded by certificate #{constrained_by}")]
    NameExcluded {
        /// The name, as `form:value`.
        name: String,
        /// The excluded subtree.
        subtree: String,
        /// The position of the CA that excludes it.
        constrained_by: usize,
    },
    /// A name of a form whose constraints this verifier cannot evaluate, under such a
    /// constraint: RFC 5280 §4.2.1.10 requires rejecting it.
    #[error(
        "has name {name}, of a form constrained by certificate #{constrained_by} that this \
         verifier cannot evaluate"
    )]
    UnsupportedNameForm {
        /// The name's form.
        name: String,
        /// The position of the CA whose constraint applies.
        constrained_by: usize,
    },
    /// An explicit policy is required and no valid policy remains: at a certificate of the
    /// path (§6.1.3(f)), or at the end, once the end entity's own requireExplicitPolicy or
    /// the last decrement of §6.1.5(a) made the requirement apply.
    #[error("leaves no valid certificate policy, and an explicit policy is required by {}",
        describe_requirer(*.required_by))]
    ExplicitPolicy {
        /// The position of the CA whose requireExplicitPolicy applies; `None` when the caller's
        /// initial-explicit-policy demanded it.
        required_by: Option<usize>,
    },
    /// An explicit policy is required and none of the caller's acceptable policies is valid
    /// for the path.
    #[error(
        "is valid only for policies {} but the caller accepts only {} and an explicit policy is \
         required", describe_oids(.authorities_constrained), describe_oids(.user_initial_policy_set)
    )]
    UserPolicy {
        /// The user-initial-policy-set.
        user_initial_policy_set: Vec<ObjectIdentifier>,
        /// The policies the CAs allow, in the trust anchor's domain.
        authorities_constrained: Vec<ObjectIdentifier>,
    },
    /// policyMappings maps from or to anyPolicy.
    #[error("maps anyPolicy in policyMappings")]
    AnyPolicyMapping,
}

impl ConstraintViolation {
    /// The RFC 5280 rule broken.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::NotCa | Self::LegacyCa { .. } => "RFC 5280 §6.1.4(k)",
            Self::PathLength { .. } => "RFC 5280 §6.1.4(l)",
            Self::KeyCertSignMissing => "RFC 5280 §6.1.4(n)",
            Self::UnknownCriticalExtension { .. } => "RFC 5280 §4.2, §6.1.4(o), §6.1.5(f)",
            Self::NameNotPermitted { .. } => "RFC 5280 §6.1.3(b)",
            Self::NameExcluded { .. } => "RFC 5280 §6.1.3(c)",
            Self::UnsupportedNameForm { .. } => "RFC 5280 §4.2.1.10",
            Self::ExplicitPolicy { .. } => "RFC 5280 §6.1.3(f), §6.1.5",
            Self::UserPolicy { .. } => "RFC 5280 §6.1.5(g)",
            Self::AnyPolicyMapping => "RFC 5280 §6.1.4(a)",
        }
    }
}

fn describe_requirer(required_by: Option<usize>) -> String {
    match required_by {
        Some(position) => format!("the policyConstraints of certificate #{position}"),
        None => "the initial-explicit-policy input".to_owned(),
    }
}

pub(crate) fn describe_oids(oids: &[ObjectIdentifier]) -> String {
    if oids.is_empty() {
        return "{}".to_owned();
    }
    let list: Vec<String> = oids.iter().map(ToString::to_string).collect();
    format!("{{{}}}", list.join(", "))
}

/// Why a certification path was refused.
///
/// Every variant names the certificate concerned ([`cert`](Self::cert)) and the rule broken
/// ([`rule`](Self::rule)). The ETSI EN 319 102-1 outcome is [`indication`](Self::indication)
/// and [`sub_indication`](Self::sub_indication):
///
/// | variant | indication | sub-indication |
/// |---|---|---|
/// | [`NoChain`](Self::NoChain) | INDETERMINATE | NO_CERTIFICATE_CHAIN_FOUND |
/// | [`Expired`](Self::Expired) | TOTAL-FAILED | EXPIRED |
/// | [`NotYetValid`](Self::NotYetValid) | TOTAL-FAILED | NOT_YET_VALID |
/// | [`BadSignature`](Self::BadSignature) | TOTAL-FAILED | SIG_CRYPTO_FAILURE |
/// | [`UnsupportedAlgorithm`](Self::UnsupportedAlgorithm) | INDETERMINATE | none ("unsupported algorithm") |
/// | [`WeakAlgorithm`](Self::WeakAlgorithm) | INDETERMINATE | CRYPTO_CONSTRAINTS_FAILURE |
/// | [`Constraint`](Self::Constraint) | INDETERMINATE | CHAIN_CONSTRAINTS_FAILURE |
/// | [`WrongPurpose`](Self::WrongPurpose) | INDETERMINATE | CHAIN_CONSTRAINTS_FAILURE |
/// | [`Malformed`](Self::Malformed) | INDETERMINATE | CERTIFICATE_CHAIN_GENERAL_FAILURE |
///
/// EXPIRED and NOT_YET_VALID are final only when the validation time is one the caller can
/// prove (a time-stamp, say). When it is merely "now", a signature report should say
/// INDETERMINATE/OUT_OF_BOUNDS_NO_POE for the signing certificate (EN 319 102-1 §5.2.6),
/// which only the caller, knowing where its time came from, can decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// No path leads from the certificate to a configured trust anchor.
    #[error("no path to a trust anchor: {} [RFC 5280 §6.1]", describe_no_chain(.cert, .issuer, *.reason))]
    NoChain {
        /// The last certificate reached: the one whose issuer could not be found.
        cert: CertRef,
        /// The issuer name sought, as an RFC 4514 string.
        issuer: String,
        /// Why the search stopped.
        reason: NoChainReason,
    },
    /// The validation time is after the certificate's `notAfter`.
    #[error(
        "{cert} expired at {not_after} (valid {not_before} to {not_after}, checked at {at}) \
         [RFC 5280 §6.1.3(a)(2)]"
    )]
    Expired {
        /// The certificate.
        cert: CertRef,
        /// Its `notBefore`.
        not_before: DateTime,
        /// Its `notAfter`.
        not_after: DateTime,
        /// The validation time.
        at: DateTime,
    },
    /// The validation time is before the certificate's `notBefore`.
    #[error(
        "{cert} is not valid before {not_before} (valid {not_before} to {not_after}, checked \
         at {at}) [RFC 5280 §6.1.3(a)(2)]"
    )]
    NotYetValid {
        /// The certificate.
        cert: CertRef,
        /// Its `notBefore`.
        not_before: DateTime,
        /// Its `notAfter`.
        not_after: DateTime,
        /// The validation time.
        at: DateTime,
    },
    /// The certificate's signature does not verify under its issuer's public key.
    #[error(
        "{cert}: signature does not verify under the key of \u{201c}{issuer}\u{201d}: {reason} [RFC 5280 §6.1.3(a)(1)]"
    )]
    BadSignature {
        /// The certificate.
        cert: CertRef,
        /// The issuer (an intermediate or the trust anchor) whose key was used.
        issuer: String,
        /// What the cryptography said.
        reason: SignatureError,
    },
    /// The certificate's signature cannot be checked: its algorithm, or its issuer's key, is
    /// not one this verifier implements (GOST among them). Never a reason to call it invalid.
    #[error("{cert}: unsupported algorithm: {reason} [RFC 5280 §6.1.3(a)(1)]")]
    UnsupportedAlgorithm {
        /// The certificate.
        cert: CertRef,
        /// The algorithm or key, as the cryptography reported it.
        reason: String,
    },
    /// The certificate's signature relies on a digest or key too weak to be trusted (SHA-1,
    /// RSA below 2048 bits).
    #[error("{cert}: {reason} [RFC 5280 §6.1.3(a)(1)]")]
    WeakAlgorithm {
        /// The certificate.
        cert: CertRef,
        /// The algorithm or key, as the cryptography reported it.
        reason: String,
    },
    /// The chain breaks an RFC 5280 constraint.
    #[error("{cert} {violation} [{}]", violation.rule())]
    Constraint {
        /// The certificate.
        cert: CertRef,
        /// The constraint and how it is broken.
        violation: ConstraintViolation,
    },
    /// The end-entity certificate is valid but not for the purpose asked, e.g. an
    /// authentication certificate offered for signing.
    #[error(
        "{cert} is {kind} (key usage: {}; extended key usage: {}) and may not be used for \
         {purpose}: {violation} [{}]",
        describe_list(.key_usage.as_deref()), describe_list(.extended_key_usage.as_deref()),
        violation.rule()
    )]
    WrongPurpose {
        /// The end-entity certificate.
        cert: CertRef,
        /// The purpose asked, e.g. "document signing".
        purpose: &'static str,
        /// What the certificate looks like it is for.
        kind: CertificateKind,
        /// Its key usage bits; `None` without the extension.
        key_usage: Option<Vec<String>>,
        /// Its key purposes; `None` without the extension.
        extended_key_usage: Option<Vec<String>>,
        /// The requirement it fails.
        violation: PurposeViolation,
    },
    /// The certificate cannot be processed as RFC 5280 requires.
    #[error("{cert} is malformed: {malformation}")]
    Malformed {
        /// The certificate.
        cert: CertRef,
        /// What is wrong with it.
        malformation: Malformation,
    },
}

fn describe_no_chain(cert: &CertRef, issuer: &str, reason: NoChainReason) -> String {
    match reason {
        NoChainReason::IssuerNotFound => format!(
            "no trust anchor or supplied certificate is named \u{201c}{issuer}\u{201d}, the \
             issuer of {cert}"
        ),
        NoChainReason::SelfIssuedNotTrusted => {
            format!("{cert} is self-issued and is not a configured trust anchor")
        }
        NoChainReason::DepthLimit { limit } => {
            format!("above {cert} the path would exceed {limit} certificates")
        }
        NoChainReason::SearchLimit => {
            format!("path building gave up after trying the limit of candidates above {cert}")
        }
    }
}

fn describe_list(items: Option<&[String]>) -> String {
    match items {
        None => "absent".to_owned(),
        Some([]) => "empty".to_owned(),
        Some(items) => items.join(", "),
    }
}

impl PathError {
    /// The certificate the error is about.
    #[must_use]
    pub fn cert(&self) -> &CertRef {
        match self {
            Self::NoChain { cert, .. }
            | Self::Expired { cert, .. }
            | Self::NotYetValid { cert, .. }
            | Self::BadSignature { cert, .. }
            | Self::UnsupportedAlgorithm { cert, .. }
            | Self::WeakAlgorithm { cert, .. }
            | Self::Constraint { cert, .. }
            | Self::WrongPurpose { cert, .. }
            | Self::Malformed { cert, .. } => cert,
        }
    }

    /// A stable snake_case name for the variant, for machine-readable reports.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoChain { .. } => "no_chain",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::BadSignature { .. } => "bad_signature",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::WeakAlgorithm { .. } => "weak_algorithm",
            Self::Constraint { .. } => "constraint",
            Self::WrongPurpose { .. } => "wrong_purpose",
            Self::Malformed { .. } => "malformed",
        }
    }

    /// The rule broken: an RFC 5280 section, or RFC 3161 §2.3 for time-stamping certificates.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::NoChain { .. } => "RFC 5280 §6.1",
            Self::Expired { .. } | Self::NotYetValid { .. } => "RFC 5280 §6.1.3(a)(2)",
            Self::BadSignature { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::WeakAlgorithm { .. } => "RFC 5280 §6.1.3(a)(1)",
            Self::Constraint { violation, .. } => violation.rule(),
            Self::WrongPurpose { violation, .. } => violation.rule(),
            Self::Malformed { .. } => "RFC 5280 §4",
        }
    }

    /// The ETSI EN 319 102-1 main indication: TOTAL-FAILED or INDETERMINATE.
    #[must_use]
    pub fn indication(&self) -> Indication {
        match self {
            Self::Expired { .. } | Self::NotYetValid { .. } | Self::BadSignature { .. } => {
                Indication::TotalFailed
            }
            _ => Indication::Indeterminate,
        }
    }

    /// The ETSI EN 319 102-1 sub-indication; `None` for an unsupported algorithm, for which
    /// the standard has none (the report says "unsupported algorithm").
    #[must_use]
    pub fn sub_indication(&self) -> Option<SubIndication> {
        Some(match self {
            Self::NoChain { .. } => SubIndication::NoCertificateChainFound,
            Self::Expired { .. } => SubIndication::Expired,
            Self::NotYetValid { .. } => SubIndication::NotYetValid,
            Self::BadSignature { .. } => SubIndication::SigCryptoFailure,
            Self::UnsupportedAlgorithm { .. } => return None,
            Self::WeakAlgorithm { .. } => SubIndication::CryptoConstraintsFailure,
            Self::Constraint { .. } | Self::WrongPurpose { .. } => {
                SubIndication::ChainConstraintsFailure
            }
            Self::Malformed { .. } => SubIndication::CertificateChainGeneralFailure,
        })
    }

    /// How much an error says about the evidence, to pick the most informative among the
    /// failures of several candidate paths: a failure after every signature checked beats a
    /// cryptographic failure, which beats not finding a path at all.
    pub(crate) fn weight(&self) -> u8 {
        match self {
            Self::NoChain { .. } => 0,
            Self::BadSignature { .. } => 1,
            Self::UnsupportedAlgorithm { .. } | Self::WeakAlgorithm { .. } => 2,
            Self::Malformed { .. } => 3,
            Self::Expired { .. }
            | Self::NotYetValid { .. }
            | Self::Constraint { .. }
            | Self::WrongPurpose { .. } => 4,
        }
    }
}
