//! The readable form of a [`ValidationReport`].

use std::fmt::Write as _;

use super::report::{
    CertificateSummary, CheckRecord, CheckStatus, SignatureValidation, TimestampValidation,
    TrustSummary, ValidationReport,
};
use crate::report::{Indication, SubIndication};

/// The report as text for people: the verdict first, then each signature's signer, path,
/// revocation, time-stamps and every check.
pub fn render_text(report: &ValidationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}",
        indication(report.indication),
        sub(report.sub_indication)
    );
    let _ = writeln!(
        out,
        "input: {} ({} bytes, SHA-256 {})",
        report.input.kind, report.input.size, report.input.sha256
    );
    trust_text(&mut out, &report.trust);
    for signature in &report.signatures {
        signature_text(&mut out, signature);
    }
    if let Some(ts) = &report.timestamp {
        let _ = writeln!(out, "\ntime-stamp:");
        timestamp_text(&mut out, ts, "  ");
    }
    out
}

/// What the report trusted, and whether revocation was checked.
pub(crate) fn trust_text(out: &mut String, trust: &TrustSummary) {
    if trust.anchors.is_empty() {
        let _ = writeln!(out, "trusted: nothing (no trust anchor configured)");
    }
    for anchor in &trust.anchors {
        let _ = writeln!(out, "trusted: {anchor}");
    }
    if let Some(note) = &trust.note {
        let _ = writeln!(out, "note: {note}");
    }
    if !trust.revocation_checked {
        let _ = writeln!(out, "note: revocation was NOT checked");
    }
}

fn signature_text(out: &mut String, s: &SignatureValidation) {
    let _ = writeln!(
        out,
        "\nsignature {}: {}{}",
        s.index + 1,
        indication(s.indication),
        sub(s.sub_indication)
    );
    signature_details(out, s, "  ");
}

/// A signature's reason, signer, times, path, revocation, time-stamps and checks, each line
/// indented by `indent`.
pub(crate) fn signature_details(out: &mut String, s: &SignatureValidation, indent: &str) {
    if let Some(reason) = &s.reason {
        let _ = writeln!(out, "{indent}reason: {reason}");
    }
    if let Some(signer) = &s.signer {
        let subject = signer.subject();
        let name = subject.common_name().unwrap_or("(no common name)");
        let _ = write!(out, "{indent}signer: {name}");
        if let Some(iin) = signer.iin() {
            let _ = write!(out, ", IIN {}", iin.as_str());
        }
        if let Some(bin) = signer.bin() {
            let _ = write!(out, ", BIN {}", bin.as_str());
        }
        let _ = writeln!(out);
        for role in signer.roles() {
            let _ = writeln!(out, "{indent}role: {}", role.description());
        }
    }
    if let Some(time) = &s.claimed_signing_time {
        let _ = writeln!(out, "{indent}claimed signing time: {time} (not proven)");
    }
    let _ = writeln!(
        out,
        "{indent}validated at: {} ({})",
        s.validation_time, s.validation_time_source
    );
    path_text(out, &s.certificate_path, indent);
    for revocation in &s.revocation {
        let status = serde_json::to_value(&revocation.status)
            .ok()
            .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}revocation: {}: {status}", revocation.subject);
    }
    let deeper = format!("{indent}  ");
    for (i, ts) in s.signature_timestamps.iter().enumerate() {
        let _ = writeln!(out, "{indent}signature time-stamp {}:", i + 1);
        timestamp_text(out, ts, &deeper);
    }
    checks_text(out, &s.checks, indent);
}

pub(crate) fn timestamp_text(out: &mut String, ts: &TimestampValidation, indent: &str) {
    let _ = writeln!(
        out,
        "{indent}{}{}",
        indication(ts.indication),
        sub(ts.sub_indication)
    );
    if let Some(reason) = &ts.reason {
        let _ = writeln!(out, "{indent}reason: {reason}");
    }
    if let Some(time) = &ts.gen_time {
        let _ = writeln!(out, "{indent}time: {time}");
    }
    if let Some(policy) = &ts.policy {
        let _ = writeln!(out, "{indent}policy: {policy}");
    }
    path_text(out, &ts.tsa_path, indent);
    checks_text(out, &ts.checks, indent);
}

fn path_text(out: &mut String, path: &[CertificateSummary], indent: &str) {
    for (i, cert) in path.iter().enumerate() {
        let anchor = if cert.trust_anchor {
            " [trust anchor]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{indent}path {i}: {}{anchor}\n{indent}        serial {}, valid {} .. {}",
            cert.subject, cert.serial, cert.not_before, cert.not_after
        );
    }
}

pub(crate) fn checks_text(out: &mut String, checks: &[CheckRecord], indent: &str) {
    for check in checks {
        let mark = match check.status {
            CheckStatus::Passed => "ok  ",
            CheckStatus::Failed => "FAIL",
            CheckStatus::Indeterminate => "??  ",
            CheckStatus::NotApplicable => "--  ",
        };
        let _ = writeln!(
            out,
            "{indent}[{mark}] {}: {}{}",
            check.check,
            check.detail,
            sub(check.sub_indication)
        );
    }
}

pub(crate) fn indication(indication: Indication) -> String {
    serde_json::to_value(indication)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{indication:?}"))
}

pub(crate) fn sub(sub: Option<SubIndication>) -> String {
    sub.and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(|s| format!(" / {s}")))
        .unwrap_or_default()
}
