//! The validation report: what `dalel-verify` prints and `POST /v1/verify` answers.
//!
//! The JSON form is stable: fields are only ever added. `schema` names its version.

use serde::Serialize;

use crate::kz::KzProfile;
use crate::path::ParsedCertificate;
use crate::report::{Indication, SubIndication};
use crate::revocation::RevocationStatus;

/// The version of the report's JSON form.
pub const SCHEMA: &str = "dalel-validation-report/1";

/// The whole report on one input.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The verifier that wrote it.
    pub verifier_version: &'static str,
    /// What was validated.
    pub input: InputSummary,
    /// What was trusted.
    pub trust: TrustSummary,
    /// The worst indication of all signatures (or of the time-stamp, for token input).
    pub indication: Indication,
    /// Its sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// Each signature of a CMS input, in order.
    pub signatures: Vec<SignatureValidation>,
    /// The time-stamp, when the input is a time-stamp token or response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampValidation>,
}

/// The input, as read.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    /// `cms`, `timestamp-token` or `timestamp-response`.
    pub kind: &'static str,
    /// Its size in bytes.
    pub size: usize,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Whether detached content was given.
    pub detached_content: bool,
}

/// The trust anchors used, and what the operator says about them.
#[derive(Debug, Clone, Serialize)]
pub struct TrustSummary {
    /// Subjects of the anchors.
    pub anchors: Vec<String>,
    /// A note every report repeats (e.g. that only a development CA is trusted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether revocation was checked.
    pub revocation_checked: bool,
    /// Whether the network could be used to fetch revocation information.
    pub network: bool,
}

/// The outcome of one signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureValidation {
    /// Position among the SignedData's signers.
    pub index: usize,
    /// TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE.
    pub indication: Indication,
    /// The ETSI EN 319 102-1 sub-indication of the deciding problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The deciding problem, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who signed: name, IIN, BIN, organisation, role, purpose (Kazakh profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<KzProfile>,
    /// The certificate path from the signer to the trust anchor (the anchor last).
    pub certificate_path: Vec<CertificateSummary>,
    /// Revocation status of each certificate of the path but the anchor.
    pub revocation: Vec<CertificateRevocation>,
    /// The signing time the signer claims (signing-time attribute), not proven.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_signing_time: Option<String>,
    /// Signature time-stamps (CAdES-T): proof that the signature existed at their time.
    pub signature_timestamps: Vec<TimestampValidation>,
    /// When the certificates were validated.
    pub validation_time: String,
    /// Why that time: `requested`, `signature-time-stamp` or `current-time`.
    pub validation_time_source: &'static str,
    /// Every check made, in order, with its outcome.
    pub checks: Vec<CheckRecord>,
}

/// The outcome of one time-stamp token.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampValidation {
    /// The token's own indication (its signature, imprint, TSA path and revocation).
    pub indication: Indication,
    /// Its sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The deciding problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// genTime, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gen_time: Option<String>,
    /// The TSA policy OID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The TSA certificate's path (the anchor last).
    pub tsa_path: Vec<CertificateSummary>,
    /// Every check made.
    pub checks: Vec<CheckRecord>,
}

/// One certificate as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whether this is the trust anchor.
    pub trust_anchor: bool,
}

impl CertificateSummary {
    pub(crate) fn of(certificate: &ParsedCertificate, trust_anchor: bool) -> Self {
        let tbs = certificate.certificate().tbs_certificate();
        let validity = tbs.validity();
        Self {
            subject: certificate.subject_text().to_owned(),
            issuer: certificate.issuer_text().to_owned(),
            serial: certificate.serial_hex(),
            not_before: validity.not_before.to_date_time().to_string(),
            not_after: validity.not_after.to_date_time().to_string(),
            trust_anchor,
        }
    }
}

/// The revocation status of one certificate of a path.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRevocation {
    /// The certificate's subject.
    pub subject: String,
    /// Its status and the evidence.
    pub status: RevocationStatus,
}

/// One check and how it came out.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRecord {
    /// What was checked.
    pub check: String,
    /// How it came out.
    pub status: CheckStatus,
    /// What was established, or what is wrong.
    pub detail: String,
    /// The sub-indication of a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It passed.
    Passed,
    /// It failed: the signature is not valid.
    Failed,
    /// It could not be decided.
    Indeterminate,
    /// It does not apply, or was not asked for.
    NotApplicable,
}

/// The running verdict of a signature or token: the first failure wins over everything, the
/// first indeterminate result over a pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct Verdict {
    worst: Option<(Indication, Option<SubIndication>, String)>,
}

impl Verdict {
    /// Records a check and folds its outcome into the verdict.
    pub(crate) fn record(&mut self, checks: &mut Vec<CheckRecord>, record: CheckRecord) {
        let indication = match record.status {
            CheckStatus::Failed => Some(Indication::TotalFailed),
            CheckStatus::Indeterminate => Some(Indication::Indeterminate),
            _ => None,
        };
        if let Some(indication) = indication {
            let replace = match &self.worst {
                None => true,
                Some((Indication::Indeterminate, ..)) => indication == Indication::TotalFailed,
                Some(_) => false,
            };
            if replace {
                let reason = format!("{}: {}", record.check, record.detail);
                self.worst = Some((indication, record.sub_indication, reason));
            }
        }
        checks.push(record);
    }

    /// The indication, sub-indication and reason.
    pub(crate) fn conclude(self) -> (Indication, Option<SubIndication>, Option<String>) {
        match self.worst {
            None => (Indication::TotalPassed, None, None),
            Some((indication, sub, reason)) => (indication, sub, Some(reason)),
        }
    }
}

impl CheckRecord {
    pub(crate) fn passed(check: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(check, CheckStatus::Passed, detail, None)
    }

    pub(crate) fn not_applicable(check: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(check, CheckStatus::NotApplicable, detail, None)
    }

    pub(crate) fn failed(
        check: impl Into<String>,
        detail: impl Into<String>,
        sub: Option<SubIndication>,
    ) -> Self {
        Self::new(check, CheckStatus::Failed, detail, sub)
    }

    pub(crate) fn indeterminate(
        check: impl Into<String>,
        detail: impl Into<String>,
        sub: Option<SubIndication>,
    ) -> Self {
        Self::new(check, CheckStatus::Indeterminate, detail, sub)
    }

    /// A check whose status follows an ETSI indication.
    pub(crate) fn from_indication(
        check: impl Into<String>,
        indication: Indication,
        detail: impl Into<String>,
        sub: Option<SubIndication>,
    ) -> Self {
        let status = match indication {
            Indication::TotalPassed => CheckStatus::Passed,
            Indication::TotalFailed => CheckStatus::Failed,
            Indication::Indeterminate => CheckStatus::Indeterminate,
        };
        Self::new(check, status, detail, sub)
    }

    fn new(
        check: impl Into<String>,
        status: CheckStatus,
        detail: impl Into<String>,
        sub_indication: Option<SubIndication>,
    ) -> Self {
        Self {
            check: check.into(),
            status,
            detail: detail.into(),
            sub_indication,
        }
    }
}
