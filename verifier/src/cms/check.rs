//! Named checks, their outcomes, and the conclusion drawn from a list of them.

use core::fmt;

use serde::Serialize;

use crate::crypto::{AlgorithmError, SignatureError};
use crate::report::{Indication, SubIndication};

/// What a [`Check`] examined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckName {
    /// The `SignerInfo` is well-formed: it decodes; its version agrees with its `sid`
    /// (RFC 5652 §5.3); signed attributes are present when the content is not `id-data`
    /// (§5.3); attributes that must be single are single and sit where §11 puts them.
    SignerInfoFormat,
    /// A certificate matching the `SignerIdentifier` (issuer and serial number, or subject
    /// key identifier; RFC 5652 §5.3) was found among the embedded and supplied ones.
    SignerCertificate,
    /// The ESS `signing-certificate` (RFC 2634 §5.4) or `signing-certificate-v2` (RFC 5035 §3)
    /// attribute names the certificate found: its hash, and its issuer and serial if given.
    SigningCertificateReference,
    /// The `content-type` attribute equals `eContentType` (RFC 5652 §11.1).
    ContentType,
    /// The `message-digest` attribute equals our own digest of the content (RFC 5652 §11.2).
    MessageDigest,
    /// The signature value verifies with the signer certificate's key (RFC 5652 §5.4, §5.6).
    SignatureValue,
    /// The digest algorithm is strong enough (SHA-1 is not).
    DigestAlgorithm,
    /// The `signing-time` attribute (RFC 5652 §11.3) is readable; its value is reported.
    SigningTime,
    /// A CAdES `certificate-values` attribute (ETSI EN 319 122-1 §5.5.1) could be read.
    CertificateValues,
    /// A CAdES `revocation-values` attribute (ETSI EN 319 122-1 §5.5.2) could be read.
    RevocationValues,
    /// Unsigned attributes nested too deeply were not examined.
    Nesting,
    /// The time-stamp response grants a token (RFC 3161 §2.4.2).
    ResponseStatus,
    /// The token is `SignedData` with one signer over a DER `TSTInfo` (RFC 3161 §2.4.2).
    TokenStructure,
    /// The token's message imprint equals our own digest of the time-stamped data
    /// (RFC 3161 §2.4.2); a mismatch means a token for other data.
    MessageImprint,
    /// The imprint's hash algorithm is strong enough (SHA-1 is not).
    ImprintAlgorithm,
    /// The token echoes the request's nonce (RFC 3161 §2.4.2).
    Nonce,
    /// The token was issued under the expected TSA policy (RFC 3161 §2.4.2).
    Policy,
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why a check did not pass, as ETSI EN 319 102-1 would report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// `TOTAL-FAILED` or `INDETERMINATE`.
    pub indication: Indication,
    /// The sub-indication, when one applies. An unsupported algorithm has none: ETSI
    /// EN 319 102-1 defines no code for "this verifier cannot check it".
    pub sub_indication: Option<SubIndication>,
    /// Whether the cause is an algorithm this verifier does not implement (GOST, unknown
    /// OIDs): `INDETERMINATE`, and a reason starting with `"unsupported algorithm"`.
    pub unsupported_algorithm: bool,
    /// What went wrong, for people.
    pub reason: String,
}

impl Failure {
    /// A proof of invalidity: `TOTAL-FAILED` with `sub_indication`.
    pub(crate) fn total(sub_indication: SubIndication, reason: impl Into<String>) -> Self {
        Self {
            indication: Indication::TotalFailed,
            sub_indication: Some(sub_indication),
            unsupported_algorithm: false,
            reason: reason.into(),
        }
    }

    /// Not enough to conclude: `INDETERMINATE` with `sub_indication`.
    pub(crate) fn indeterminate(sub_indication: SubIndication, reason: impl Into<String>) -> Self {
        Self {
            indication: Indication::Indeterminate,
            sub_indication: Some(sub_indication),
            unsupported_algorithm: false,
            reason: reason.into(),
        }
    }

    /// `INDETERMINATE` because an algorithm cannot be checked here (GOST, unknown OIDs).
    pub(crate) fn unsupported(what: impl fmt::Display) -> Self {
        Self {
            indication: Indication::Indeterminate,
            sub_indication: None,
            unsupported_algorithm: true,
            reason: format!("unsupported algorithm: {what}"),
        }
    }

    /// `TOTAL-FAILED` / `FORMAT_FAILURE`.
    pub(crate) fn format(reason: impl Into<String>) -> Self {
        Self::total(SubIndication::FormatFailure, reason)
    }

    /// Whether the cause is an algorithm this verifier does not implement.
    #[must_use]
    pub const fn is_unsupported_algorithm(&self) -> bool {
        self.unsupported_algorithm
    }

    /// The outcome of an algorithm identifier that was refused, following the table at
    /// [`AlgorithmError`].
    pub(crate) fn from_algorithm(context: &str, error: &AlgorithmError) -> Self {
        match error {
            AlgorithmError::Unsupported { .. } => Self::unsupported(format!("{context}: {error}")),
            AlgorithmError::WeakDigest { .. } => Self::indeterminate(
                SubIndication::CryptoConstraintsFailure,
                format!("{context}: {error}"),
            ),
            _ => Self::format(format!("{context}: {error}")),
        }
    }

    /// The outcome of a signature that was not accepted, following the table at
    /// [`SignatureError`].
    pub(crate) fn from_signature(error: &SignatureError) -> Self {
        match error {
            SignatureError::Invalid => Self::total(
                SubIndication::SigCryptoFailure,
                "the signature value does not verify with the signer certificate's key",
            ),
            SignatureError::Unsupported { .. } | SignatureError::UnsupportedKeySize { .. } => {
                Self::unsupported(error)
            }
            SignatureError::WeakKey { .. } => {
                Self::indeterminate(SubIndication::CryptoConstraintsFailure, error.to_string())
            }
            _ => Self::indeterminate(SubIndication::FormatFailure, error.to_string()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sub_indication {
            Some(sub) => write!(f, "{}/{sub}: {}", self.indication, self.reason),
            None => write!(f, "{}: {}", self.indication, self.reason),
        }
    }
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The check passed; `detail` says what was established.
    Passed {
        /// What was established (an algorithm, a time, a certificate).
        detail: String,
    },
    /// The check does not apply to this signature (an optional attribute is absent, say).
    NotApplicable {
        /// Why it does not apply.
        reason: String,
    },
    /// The check failed.
    Failed(Failure),
}

/// One named check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: CheckName,
    /// How it came out.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Check {
    pub(crate) fn passed(name: CheckName, detail: impl Into<String>) -> Self {
        Self {
            name,
            outcome: Outcome::Passed {
                detail: detail.into(),
            },
        }
    }

    pub(crate) fn not_applicable(name: CheckName, reason: impl Into<String>) -> Self {
        Self {
            name,
            outcome: Outcome::NotApplicable {
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn failed(name: CheckName, failure: Failure) -> Self {
        Self {
            name,
            outcome: Outcome::Failed(failure),
        }
    }

    pub(crate) fn from_result(name: CheckName, result: Result<String, Failure>) -> Self {
        match result {
            Ok(detail) => Self::passed(name, detail),
            Err(failure) => Self::failed(name, failure),
        }
    }

    /// The failure, if the check failed.
    #[must_use]
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(failure) => Some(failure),
            _ => None,
        }
    }

    /// Whether the check passed.
    #[must_use]
    pub fn is_passed(&self) -> bool {
        matches!(self.outcome, Outcome::Passed { .. })
    }
}

/// What a list of checks concludes.
///
/// The checks of a signer are listed in the order of the building blocks of ETSI EN 319 102-1
/// §5.2 (format checking, identification of the signing certificate, cryptographic
/// verification, then signature acceptance), and, as there, the first one that does not pass
/// decides: a signature whose certificate cannot be identified is `INDETERMINATE` even if a
/// later check would also fail.
///
/// `TOTAL-PASSED` here covers only what this module checks. Certificate path validation
/// (and revocation) is the caller's next step, and a report must combine both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    /// The indication.
    pub indication: Indication,
    /// The sub-indication of the deciding failure, if any.
    pub sub_indication: Option<SubIndication>,
    /// Whether the deciding failure is an unsupported algorithm.
    pub unsupported_algorithm: bool,
    /// The check that decided, when one failed.
    pub decided_by: Option<CheckName>,
    /// The deciding failure's reason.
    pub reason: Option<String>,
}

impl Conclusion {
    /// Every check passed (or did not apply).
    #[must_use]
    pub const fn passed() -> Self {
        Self {
            indication: Indication::TotalPassed,
            sub_indication: None,
            unsupported_algorithm: false,
            decided_by: None,
            reason: None,
        }
    }

    /// The conclusion of a failed check.
    #[must_use]
    pub fn from_failure(name: CheckName, failure: &Failure) -> Self {
        Self {
            indication: failure.indication,
            sub_indication: failure.sub_indication,
            unsupported_algorithm: failure.unsupported_algorithm,
            decided_by: Some(name),
            reason: Some(failure.reason.clone()),
        }
    }

    /// The first failure among `checks`, if any.
    pub(crate) fn first_failure<'c>(checks: impl IntoIterator<Item = &'c Check>) -> Option<Self> {
        checks
            .into_iter()
            .find_map(|c| c.failure().map(|f| Self::from_failure(c.name, f)))
    }

    /// The conclusion of `checks`: the first failure, or [`passed`](Self::passed).
    pub(crate) fn of<'c>(checks: impl IntoIterator<Item = &'c Check>) -> Self {
        Self::first_failure(checks).unwrap_or_else(Self::passed)
    }

    /// Whether the indication is `TOTAL-PASSED`.
    #[must_use]
    pub fn is_passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_decides() {
        let checks = [
            Check::passed(CheckName::SignerInfoFormat, "fine"),
            Check::not_applicable(CheckName::MessageDigest, "no signed attributes"),
            Check::failed(
                CheckName::SignerCertificate,
                Failure::indeterminate(SubIndication::NoSigningCertificateFound, "none"),
            ),
            Check::failed(
                CheckName::SignatureValue,
                Failure::total(SubIndication::SigCryptoFailure, "bad"),
            ),
        ];
        let c = Conclusion::of(&checks);
        assert_eq!(c.indication, Indication::Indeterminate);
        assert_eq!(c.decided_by, Some(CheckName::SignerCertificate));
        assert!(Conclusion::of(&checks[..2]).is_passed());
    }

    #[test]
    fn algorithm_and_signature_errors_map_to_etsi() {
        let gost = const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.1.2");
        let unsupported = Failure::from_algorithm(
            "signatureAlgorithm",
            &AlgorithmError::Unsupported {
                oid: gost,
                name: "GOST",
            },
        );
        assert!(unsupported.is_unsupported_algorithm());
        assert_eq!(unsupported.indication, Indication::Indeterminate);
        assert!(unsupported.reason.starts_with("unsupported algorithm"));
        let weak = Failure::from_algorithm(
            "digestAlgorithm",
            &AlgorithmError::WeakDigest {
                oid: gost,
                name: "SHA-1",
            },
        );
        assert_eq!(
            weak.sub_indication,
            Some(SubIndication::CryptoConstraintsFailure)
        );
        let invalid = Failure::from_signature(&SignatureError::Invalid);
        assert_eq!(invalid.indication, Indication::TotalFailed);
        assert_eq!(
            invalid.sub_indication,
            Some(SubIndication::SigCryptoFailure)
        );
        let json = serde_json::to_value(Check::failed(CheckName::SignatureValue, invalid)).unwrap();
        assert_eq!(json["status"], "failed");
        assert_eq!(json["sub_indication"], "SIG_CRYPTO_FAILURE");
        assert_eq!(json["name"], "signature_value");
    }
}
