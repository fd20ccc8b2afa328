//! Validating one certificate on its own, for a purpose, at the current or the policy's time:
//! what a login with a token's authentication key needs (the certificate's path to a trust
//! anchor, the revocation of every certificate of it, the Kazakh profile).

use std::time::SystemTime;

use serde::Serialize;

use super::ValidationPolicy;
use super::report::{CertificateRevocation, CertificateSummary, CheckRecord, Verdict};
use super::signer::{Context, check_profile, check_revocation, rfc3339, summarise, validate_path};
use crate::kz::KzProfile;
use crate::path::{ParsedCertificate, Purpose};
use crate::report::{Indication, SubIndication};

/// The outcome of [`validate_certificate`].
#[derive(Debug, Clone, Serialize)]
pub struct CertificateValidation {
    /// TOTAL-PASSED only when the path validated for the purpose and no certificate of it is
    /// revoked or of unknown status (when the policy checks revocation).
    pub indication: Indication,
    /// Its sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The deciding problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who the certificate names (Kazakh profile: name, IIN, BIN, role, purpose).
    pub subject: KzProfile,
    /// The path (the anchor last), when one validated.
    pub path: Vec<CertificateSummary>,
    /// The revocation status of each certificate of the path.
    pub revocation: Vec<CertificateRevocation>,
    /// The time the certificate was judged at, RFC 3339.
    pub validation_time: String,
    /// Every check made.
    pub checks: Vec<CheckRecord>,
}

/// Validates `leaf` for `purpose` at the policy's time (default: now): its path through
/// `extra` and the policy's intermediates to one of the policy's anchors, then revocation
/// of the path (when the policy asks for it), then the policy's expected IIN/BIN.
///
/// Security property: a certificate in `extra` is only ever a path candidate, never trusted.
#[must_use]
pub fn validate_certificate(
    leaf: &ParsedCertificate,
    extra: &[ParsedCertificate],
    purpose: Purpose,
    policy: &ValidationPolicy,
) -> CertificateValidation {
    let candidates: Vec<ParsedCertificate> =
        extra.iter().chain(&policy.intermediates).cloned().collect();
    let ctx = Context {
        policy,
        candidates: &candidates,
        revocation: &policy.revocation_sources,
    };
    let time = policy.time.unwrap_or_else(SystemTime::now);
    let mut checks = Vec::new();
    let mut verdict = Verdict::default();
    let mut path_summary = Vec::new();
    let mut revocation = Vec::new();
    if let Some(path) = validate_path(leaf, purpose, time, false, &ctx, &mut checks, &mut verdict) {
        path_summary = summarise(&path);
        revocation = check_revocation(&path, time, &ctx, &mut checks, &mut verdict);
    }
    let subject = KzProfile::from_certificate(leaf.certificate());
    check_profile(&subject, policy, &mut checks, &mut verdict);
    if checks.is_empty() {
        verdict.record(
            &mut checks,
            CheckRecord::indeterminate("CertificatePath", "nothing was checked", None),
        );
    }
    let (indication, sub_indication, reason) = verdict.conclude();
    CertificateValidation {
        indication,
        sub_indication,
        reason,
        subject,
        path: path_summary,
        revocation,
        validation_time: rfc3339(time),
        checks,
    }
}
