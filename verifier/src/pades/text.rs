//! The readable form of a [`PdfValidationReport`].

use std::fmt::Write as _;

use super::report::{PdfSignature, PdfValidationReport, Severity};
use crate::validation::text::{
    checks_text, indication, signature_details, sub, timestamp_text, trust_text,
};

/// The report as text for people: the verdict first, then each signature (what it covers,
/// its checks, its signer, what changed after it), the revisions and the anomalies.
pub fn render_pdf_text(report: &PdfValidationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}",
        indication(report.indication),
        sub(report.sub_indication)
    );
    if let Some(reason) = &report.reason {
        let _ = writeln!(out, "reason: {reason}");
    }
    let _ = writeln!(
        out,
        "input: PDF {} ({} bytes, SHA-256 {}), {} revision(s), {} signature(s)",
        report.input.pdf_version,
        report.input.size,
        report.input.sha256,
        report.revisions.len(),
        report.signatures.len()
    );
    trust_text(&mut out, &report.trust);
    for signature in &report.signatures {
        signature_text(&mut out, signature);
    }
    let _ = writeln!(out, "\nrevisions:");
    for r in &report.revisions {
        let signed = if r.signed_by.is_empty() {
            String::new()
        } else {
            format!(", signed by {}", r.signed_by.join(", "))
        };
        let _ = writeln!(
            out,
            "  {}: bytes {}..{} ({:?} xref), {} added, {} replaced, {} freed{signed}",
            r.index + 1,
            r.start,
            r.end,
            r.xref_kind,
            r.added,
            r.replaced,
            r.freed
        );
    }
    if !report.anomalies.is_empty() {
        let _ = writeln!(out, "\nanomalies:");
        for a in &report.anomalies {
            let mark = match a.severity {
                Severity::Fatal => "FATAL",
                Severity::Warning => "warn ",
            };
            let _ = writeln!(out, "  [{mark}] {}", a.message);
        }
    }
    out
}

fn signature_text(out: &mut String, s: &PdfSignature) {
    let kind = match s.kind {
        super::report::SignatureKind::Signature => "signature",
        super::report::SignatureKind::DocumentTimeStamp => "document time-stamp",
    };
    let _ = writeln!(
        out,
        "\n{kind} {} (field {:?}, {}): {}{}",
        s.index + 1,
        s.field,
        s.object,
        indication(s.indication),
        sub(s.sub_indication)
    );
    if let Some(reason) = &s.reason {
        let _ = writeln!(out, "  reason: {reason}");
    }
    if let Some(sub_filter) = &s.sub_filter {
        let _ = writeln!(out, "  sub-filter: {sub_filter}");
    }
    if let Some(level) = s.level {
        let level = serde_json::to_value(level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "  PAdES level (structure): {level}");
    }
    if let Some(p) = s.certification {
        let _ = writeln!(out, "  certification signature, DocMDP permissions {p}");
    }
    if !s.locked_fields.is_empty() {
        let _ = writeln!(out, "  locks fields: {}", s.locked_fields.join(", "));
    }
    if let Some(time) = &s.claimed_signing_time {
        let _ = writeln!(out, "  /M (claimed): {time}");
    }
    for (label, value) in [
        ("/Reason", &s.stated_reason),
        ("/Location", &s.stated_location),
        ("/Name", &s.stated_name),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "  {label}: {value}");
        }
    }
    checks_text(out, &s.checks, "  ");
    if let Some(cms) = &s.cms {
        let _ = writeln!(
            out,
            "  CMS: {}{}",
            indication(cms.indication),
            sub(cms.sub_indication)
        );
        signature_details(out, cms, "    ");
    }
    if let Some(ts) = &s.timestamp {
        let _ = writeln!(out, "  time-stamp token:");
        timestamp_text(out, ts, "    ");
    }
    let m = &s.modifications;
    let _ = writeln!(
        out,
        "  after signing: {} (permitted: {})",
        m.level.describe(),
        m.permitted.describe()
    );
    for r in &m.revisions {
        let _ = writeln!(out, "    revision {}: {}", r.revision + 1, r.explanation);
        for o in &r.objects {
            let allowed = o
                .allowed_as
                .map_or_else(|| "NOT explained".to_owned(), |l| l.describe().to_owned());
            let _ = writeln!(
                out,
                "      {} {:?}: {} [{allowed}]",
                o.object, o.change, o.what
            );
        }
    }
}
