//! Validating one signer of a SignedData, or one time-stamp token: the CMS checks, then the
//! certificate path at the right time, revocation of every certificate of the path, and the
//! Kazakh profile with the caller's expectations.

use std::time::SystemTime;

use der::DateTime;

use super::ValidationPolicy;
use super::report::{
    CertificateRevocation, CertificateSummary, CheckRecord, SignatureValidation,
    TimestampValidation, Verdict,
};
use crate::cms::timestamp::TimestampReport;
use crate::cms::{CertificateInfo, Check, CheckName, Outcome, SignerReport};
use crate::kz::{self, KzProfile};
use crate::path::{ParsedCertificate, PathError, PathInputs, Purpose, ValidatedPath};
use crate::report::{Indication, SubIndication};
use crate::revocation::{self, EtsiSubIndication, RevocationSources, RevocationStatus};

/// What validating a signer needs besides the signer itself.
pub(crate) struct Context<'a> {
    pub(crate) policy: &'a ValidationPolicy,
    /// Path candidates (never trusted for being here): the certificates found in the
    /// evidence, then the policy's intermediates ([`candidates`]).
    pub(crate) candidates: &'a [ParsedCertificate],
    /// Revocation data supplied by the caller plus what the evidence embeds.
    pub(crate) revocation: &'a RevocationSources,
}

/// The path candidates of a validation: the certificates the evidence embeds that path
/// validation can read, then the policy's intermediates.
pub(crate) fn candidates(
    embedded: &[CertificateInfo],
    policy: &ValidationPolicy,
) -> Vec<ParsedCertificate> {
    embedded
        .iter()
        .filter_map(|c| c.for_paths().ok())
        .chain(policy.intermediates.iter().cloned())
        .collect()
}

/// Validates one signer whose CMS checks are in `signer`.
pub(crate) fn validate_signer(
    index: usize,
    signer: &SignerReport,
    ctx: &Context<'_>,
) -> SignatureValidation {
    let mut checks = Vec::new();
    let mut verdict = Verdict::default();
    for check in &signer.checks {
        verdict.record(&mut checks, from_cms(check));
    }

    // Proof of existence: the earliest signature time-stamp that validates completely.
    let signature_timestamps: Vec<TimestampValidation> = signer
        .signature_timestamps
        .iter()
        .map(|token| validate_timestamp(token, ctx))
        .collect();
    for (i, ts) in signature_timestamps.iter().enumerate() {
        let detail = match (&ts.gen_time, &ts.reason) {
            (Some(time), None) => format!("signature existed at {time}"),
            (_, Some(reason)) => reason.clone(),
            (None, None) => "no genTime".into(),
        };
        // A bad time-stamp does not invalidate the signature; it proves nothing.
        let record = match ts.indication {
            Indication::TotalPassed => {
                CheckRecord::passed(format!("SignatureTimeStamp[{i}]"), detail)
            }
            _ => CheckRecord::not_applicable(format!("SignatureTimeStamp[{i}]"), detail),
        };
        checks.push(record);
    }
    let proven = signer
        .signature_timestamps
        .iter()
        .zip(&signature_timestamps)
        .filter(|(_, v)| v.indication == Indication::TotalPassed)
        .filter_map(|(t, _)| t.gen_time())
        .map(|g| g.to_system_time())
        .min();
    let (time, time_source) = match (ctx.policy.time, proven) {
        (Some(time), _) => (time, "requested"),
        (None, Some(time)) => (time, "signature-time-stamp"),
        (None, None) => (SystemTime::now(), "current-time"),
    };

    let mut certificate_path = Vec::new();
    let mut revocation = Vec::new();
    let mut profile = None;
    match signer
        .signer_certificate
        .as_ref()
        .map(CertificateInfo::for_paths)
    {
        None => checks.push(CheckRecord::not_applicable(
            "CertificatePath",
            "no signer certificate to validate",
        )),
        Some(Err(e)) => verdict.record(
            &mut checks,
            CheckRecord::failed(
                "CertificatePath",
                e.to_string(),
                Some(SubIndication::FormatFailure),
            ),
        ),
        Some(Ok(leaf)) => {
            let path = validate_path(
                &leaf,
                Purpose::document_signing(),
                time,
                time_source != "current-time",
                ctx,
                &mut checks,
                &mut verdict,
            );
            if let Some(path) = &path {
                certificate_path = summarise(path);
                revocation = check_revocation(path, time, ctx, &mut checks, &mut verdict);
            }
            let kz = KzProfile::from_certificate(leaf.certificate());
            check_profile(&kz, ctx.policy, &mut checks, &mut verdict);
            profile = Some(kz);
        }
    }

    let (indication, sub_indication, reason) = verdict.conclude();
    SignatureValidation {
        index,
        indication,
        sub_indication,
        reason,
        signer: profile,
        certificate_path,
        revocation,
        claimed_signing_time: signer.signing_time.as_ref().map(|t| t.time.to_string()),
        signature_timestamps,
        validation_time: rfc3339(time),
        validation_time_source: time_source,
        checks,
    }
}

/// Validates a time-stamp token whose CMS checks are in `token`: then its TSA certificate's
/// path at genTime for the time-stamping purpose (critical EKU id-kp-timeStamping only),
/// and the revocation of that path.
pub(crate) fn validate_timestamp(
    token: &TimestampReport,
    ctx: &Context<'_>,
) -> TimestampValidation {
    let mut checks = Vec::new();
    let mut verdict = Verdict::default();
    for check in &token.checks {
        verdict.record(&mut checks, from_cms(check));
    }
    if let Some(signer) = &token.signer {
        for check in &signer.checks {
            verdict.record(&mut checks, from_cms(check));
        }
    }
    let gen_time = token.gen_time().map(|g| g.to_system_time());
    let mut tsa_path = Vec::new();
    let time = ctx.policy.time.or(gen_time).unwrap_or_else(SystemTime::now);
    match token.tsa_certificate().map(CertificateInfo::for_paths) {
        None => verdict.record(
            &mut checks,
            CheckRecord::indeterminate(
                "TsaCertificate",
                "the TSA certificate is not in the token",
                Some(SubIndication::NoSigningCertificateFound),
            ),
        ),
        Some(Err(e)) => verdict.record(
            &mut checks,
            CheckRecord::failed(
                "TsaCertificate",
                e.to_string(),
                Some(SubIndication::FormatFailure),
            ),
        ),
        Some(Ok(tsa)) => {
            if let Some(path) = validate_path(
                &tsa,
                Purpose::TimeStamping,
                time,
                true,
                ctx,
                &mut checks,
                &mut verdict,
            ) {
                tsa_path = summarise(&path);
                check_revocation(&path, time, ctx, &mut checks, &mut verdict);
            }
        }
    }
    let (indication, sub_indication, reason) = verdict.conclude();
    TimestampValidation {
        indication,
        sub_indication,
        reason,
        gen_time: gen_time.map(rfc3339),
        policy: token.token.as_ref().map(|t| t.policy.to_string()),
        tsa_path,
        checks,
    }
}

pub(super) fn validate_path(
    leaf: &ParsedCertificate,
    purpose: Purpose,
    time: SystemTime,
    proven_time: bool,
    ctx: &Context<'_>,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Option<ValidatedPath> {
    let Ok(at) = DateTime::from_system_time(time) else {
        verdict.record(
            checks,
            CheckRecord::indeterminate("CertificatePath", "validation time out of range", None),
        );
        return None;
    };
    let mut inputs = PathInputs::new(leaf, &ctx.policy.anchors, at);
    inputs.intermediates = ctx.candidates;
    inputs.purpose = purpose;
    inputs.verification_cache = Some(ctx.policy.verification_cache.clone());
    match inputs.validate() {
        Ok(path) => {
            let detail = format!(
                "{} certificate(s) up to the trust anchor {} at {at}",
                path.certificates().len(),
                path.anchor().certificate().subject_text()
            );
            verdict.record(checks, CheckRecord::passed("CertificatePath", detail));
            Some(path)
        }
        // Expired at the validation time. A signature time-stamp only bounds the signature's
        // creation from above, so it cannot show the signature was made after expiry either:
        // the signature may have been made while the certificate was valid, and the result
        // is undecided, not failed (ETSI EN 319 102-1 §5.2.6 and §5.5.4: OUT_OF_BOUNDS_NO_POE;
        // TOTAL-FAILED/EXPIRED would need proof that it was made after notAfter).
        Err(e @ PathError::Expired { .. }) => {
            let why = if proven_time {
                "the time-stamp proves only that the signature existed after expiry"
            } else {
                "no time-stamp proves the signature was made before"
            };
            verdict.record(
                checks,
                CheckRecord::indeterminate(
                    "CertificatePath",
                    format!("{e}; {why}"),
                    Some(SubIndication::OutOfBoundsNoPoe),
                ),
            );
            None
        }
        Err(e) => {
            verdict.record(
                checks,
                CheckRecord::from_indication(
                    "CertificatePath",
                    e.indication(),
                    e.to_string(),
                    e.sub_indication(),
                ),
            );
            None
        }
    }
}

pub(super) fn summarise(path: &ValidatedPath) -> Vec<CertificateSummary> {
    let mut out: Vec<_> = path
        .certificates()
        .iter()
        .map(|c| CertificateSummary::of(c, false))
        .collect();
    out.push(CertificateSummary::of(path.anchor().certificate(), true));
    out
}

/// Checks every certificate of `path` but the anchor against its issuer.
pub(super) fn check_revocation(
    path: &ValidatedPath,
    time: SystemTime,
    ctx: &Context<'_>,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Vec<CertificateRevocation> {
    let Some(options) = &ctx.policy.revocation else {
        checks.push(CheckRecord::not_applicable(
            "Revocation",
            "revocation checking was turned off by the caller",
        ));
        return Vec::new();
    };
    let certs = path.certificates();
    let mut out = Vec::new();
    for (i, cert) in certs.iter().enumerate() {
        let issuer = certs.get(i + 1).unwrap_or(path.anchor().certificate());
        let status = revocation::check_with_cache(
            cert.certificate(),
            issuer.certificate(),
            time,
            ctx.revocation,
            options,
            &ctx.policy.verification_cache,
        );
        let subject = cert.subject_text().to_owned();
        let record = match &status {
            RevocationStatus::Good { .. } => {
                CheckRecord::passed("Revocation", format!("{subject}: not revoked"))
            }
            // The signer's certificate revoked at the validation time: nothing proves the
            // signature was made before the revocation, nor after it (which only a content
            // time-stamp later than the revocation could), so the result is undecided
            // (ETSI EN 319 102-1 §5.2.6.4 and §5.5.4: REVOKED_NO_POE).
            RevocationStatus::Revoked { at, .. } if i == 0 => CheckRecord::indeterminate(
                "Revocation",
                format!("{subject}: revoked at {at}; nothing proves the signature was made before"),
                Some(SubIndication::RevokedNoPoe),
            ),
            // A revoked CA: what it certified before the revocation may still stand, so
            // without a proof of existence the result is undecided (ETSI EN 319 102-1
            // §5.2.6.4; REVOKED_CA_NO_POE is an INDETERMINATE sub-indication, Table 5).
            RevocationStatus::Revoked { at, .. } => CheckRecord::indeterminate(
                "Revocation",
                format!("{subject}: revoked at {at}"),
                Some(SubIndication::RevokedCaNoPoe),
            ),
            RevocationStatus::Indeterminate { reason, .. } => CheckRecord::indeterminate(
                "Revocation",
                format!("{subject}: status unknown ({reason:?})"),
                status.etsi_sub_indication().map(etsi),
            ),
        };
        verdict.record(checks, record);
        out.push(CertificateRevocation { subject, status });
    }
    out
}

pub(super) fn check_profile(
    profile: &KzProfile,
    policy: &ValidationPolicy,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) {
    for finding in profile.findings() {
        checks.push(CheckRecord::not_applicable(
            "KazakhProfile",
            finding.to_string(),
        ));
    }
    let expectations = [
        (
            "ExpectedIin",
            policy.expect_iin.as_deref(),
            kz::expect_iin as fn(_, _) -> _,
        ),
        ("ExpectedBin", policy.expect_bin.as_deref(), kz::expect_bin),
    ];
    for (name, expected, check) in expectations {
        let Some(expected) = expected else { continue };
        let record = match check(profile, expected) {
            Ok(()) => CheckRecord::passed(name, format!("the certificate names {expected}")),
            Err(e) => CheckRecord::failed(
                name,
                e.to_string(),
                Some(SubIndication::SigConstraintsFailure),
            ),
        };
        verdict.record(checks, record);
    }
}

fn etsi(sub: EtsiSubIndication) -> SubIndication {
    match sub {
        EtsiSubIndication::TryLater => SubIndication::TryLater,
        EtsiSubIndication::RevocationOutOfBoundsNoPoe => SubIndication::RevocationOutOfBoundsNoPoe,
        EtsiSubIndication::CryptoConstraintsFailure => SubIndication::CryptoConstraintsFailure,
    }
}

/// A CMS check as a report line.
fn from_cms(check: &Check) -> CheckRecord {
    let name = cms_name(check.name);
    match &check.outcome {
        Outcome::Passed { detail } => CheckRecord::passed(name, detail.clone()),
        Outcome::NotApplicable { reason } => CheckRecord::not_applicable(name, reason.clone()),
        Outcome::Failed(failure) => {
            let mut detail = failure.reason.clone();
            if failure.unsupported_algorithm {
                detail = format!("unsupported algorithm: {detail}");
            }
            CheckRecord::from_indication(name, failure.indication, detail, failure.sub_indication)
        }
    }
}

fn cms_name(name: CheckName) -> String {
    name.to_string()
}

/// RFC 3339 in UTC, whole seconds.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    DateTime::from_system_time(time)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{time:?}"))
}
