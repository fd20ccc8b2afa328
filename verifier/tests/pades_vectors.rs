//! PAdES validation of the signed PDFs of `shared/vectors/pdf` (from pyHanko's test suite),
//! each against the verdicts pyHanko's tests assert (`expected.json`): per signature, the
//! overall verdict, the coverage and, where pinned, the modification level.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use der::DateTime;
use serde_json::Value;
use verifier::pades::{Coverage, ModificationLevel, PdfValidationReport, validate_pdf};
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::report::Indication;
use verifier::validation::{CheckStatus, ValidationPolicy};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/pdf")
}

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// An RFC 3339 time with an offset, as UTC.
fn time(text: &str) -> std::time::SystemTime {
    if let Ok(t) = DateTime::from_str(text) {
        return t.to_system_time();
    }
    // "2020-11-01T01:00:00+01:00": shift by the offset.
    let (local, offset) = text.split_at(19);
    let base = DateTime::from_str(&format!("{local}Z"))
        .unwrap()
        .to_system_time();
    let sign = if offset.starts_with('-') { -1i64 } else { 1 };
    let hours: i64 = offset[1..3].parse().unwrap();
    let minutes: i64 = offset[4..6].parse().unwrap();
    let shift = std::time::Duration::from_secs(u64::try_from((hours * 60 + minutes) * 60).unwrap());
    if sign > 0 { base - shift } else { base + shift }
}

fn policy(entry: &Value) -> ValidationPolicy {
    let mut policy = ValidationPolicy::default();
    for root in entry["trust_roots"].as_array().unwrap() {
        let pem = std::fs::read(dir().join(root.as_str().unwrap())).unwrap();
        policy.anchors.extend(
            parse_certificates(&pem)
                .unwrap()
                .into_iter()
                .map(TrustAnchor::from_certificate),
        );
    }
    policy.time = entry["validation_time"]
        .as_str()
        .or_else(|| entry["signatures"][0]["signing_time"].as_str())
        .map(time);
    // None of the expected verdicts needs revocation data (README of the vectors).
    policy.revocation = None;
    policy
}

fn indication(expected: &str) -> Indication {
    match expected {
        "valid" => Indication::TotalPassed,
        "invalid" => Indication::TotalFailed,
        "indeterminate" => Indication::Indeterminate,
        other => panic!("unknown verdict {other}"),
    }
}

fn coverage(expected: &str) -> Coverage {
    match expected {
        "ENTIRE_FILE" => Coverage::EntireFile,
        "ENTIRE_REVISION" => Coverage::EntireRevision,
        "CONTIGUOUS_BLOCK_FROM_START" => Coverage::ContiguousBlockFromStart,
        _ => Coverage::Unclear,
    }
}

fn level(expected: &str) -> ModificationLevel {
    match expected {
        "NONE" => ModificationLevel::None,
        "LTA_UPDATES" => ModificationLevel::ValidationData,
        "FORM_FILLING" => ModificationLevel::FormFilling,
        "ANNOTATIONS" => ModificationLevel::Annotations,
        _ => ModificationLevel::Other,
    }
}

fn validate(entry: &Value) -> PdfValidationReport {
    let bytes = std::fs::read(dir().join(entry["file"].as_str().unwrap())).unwrap();
    validate_pdf(&bytes, &policy(entry)).unwrap()
}

#[test]
fn every_vector_gets_its_expected_verdict() {
    let mut failures = Vec::new();
    for entry in expected() {
        let file = entry["file"].as_str().unwrap();
        let report = validate(&entry);
        let wanted = entry["signatures"].as_array().unwrap();
        if report.signatures.len() != wanted.len() {
            failures.push(format!(
                "{file}: {} signatures, expected {}",
                report.signatures.len(),
                wanted.len()
            ));
            continue;
        }
        for (got, want) in report.signatures.iter().zip(wanted) {
            let mut problems = Vec::new();
            if got.field != want["field"].as_str().unwrap() {
                problems.push(format!("field {:?}", got.field));
            }
            let verdict = indication(want["expected_overall"].as_str().unwrap());
            if got.indication != verdict {
                problems.push(format!(
                    "{} ({})",
                    got.indication,
                    got.reason.clone().unwrap_or_default()
                ));
            }
            let cov = coverage(want["coverage"].as_str().unwrap());
            if got.coverage != cov {
                problems.push(format!("coverage {:?}", got.coverage));
            }
            if let Some(l) = want["modification_level"].as_str() {
                let l = level(l);
                // pyHanko counts invisible signatures as form filling; we tell them apart.
                let got_level = match got.modifications.level {
                    ModificationLevel::SignatureAdditions => ModificationLevel::FormFilling,
                    other => other,
                };
                if got_level != l {
                    problems.push(format!(
                        "modification level {:?} (want {l:?})",
                        got.modifications.level
                    ));
                }
            }
            // `intact`: the message digest (or the document time-stamp's imprint) matches the
            // signed byte ranges; `trusted_with`: the signer's path reaches the anchor.
            let checks: Vec<&verifier::validation::CheckRecord> = got
                .cms
                .iter()
                .flat_map(|c| &c.checks)
                .chain(got.timestamp.iter().flat_map(|t| &t.checks))
                .collect();
            let passed = |name: &str| {
                checks
                    .iter()
                    .any(|c| c.check == name && c.status == CheckStatus::Passed)
            };
            // Without signed attributes, the signature value is over the content's digest.
            let status = |name: &str| checks.iter().find(|c| c.check == name).map(|c| c.status);
            let intact = passed("MessageDigest")
                || passed("MessageImprint")
                || (status("MessageDigest") == Some(CheckStatus::NotApplicable)
                    && passed("SignatureValue"));
            // What we cannot compute (SHAKE256 for Ed448) is undecided, never failed.
            let unsupported = checks.iter().any(|c| {
                c.check == "MessageDigest"
                    && c.status == CheckStatus::Indeterminate
                    && c.detail.contains("unsupported")
            });
            if want["intact"] == Value::Bool(true) && !intact && !unsupported {
                problems.push("not intact".to_owned());
            }
            if want["trusted_with"].is_string() && !passed("CertificatePath") {
                problems.push("not trusted".to_owned());
            }
            eprintln!(
                "{file} {}: {} {:?} {:?} {:?}{}",
                got.field,
                got.indication,
                got.coverage,
                got.modifications.level,
                got.level,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!("  <-- {problems:?}")
                }
            );
            if !problems.is_empty() {
                failures.push(format!("{file} {}: {}", got.field, problems.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `dalel-verify` reads a PDF while hashing it ([`HashedPdf`]) and takes the signatures'
/// digests from that pass: every vector gets the same findings as from the bytes alone.
#[test]
fn reading_while_hashing_gives_the_same_findings() {
    use sha2::{Digest as _, Sha256};
    use verifier::pades::{HashedPdf, validate_hashed_pdf};
    use verifier::pdf::Limits;

    for entry in expected() {
        let path = dir().join(entry["file"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let policy = policy(&entry);
        let plain = validate_pdf(&bytes, &policy).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let hashed = HashedPdf::read(&mut file, bytes.len() as u64, u64::MAX).unwrap();
        let report = validate_hashed_pdf(&hashed, &policy, Limits::default()).unwrap();
        assert_eq!(report.input.sha256, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(report.input.sha256, plain.input.sha256);
        assert_eq!(report.signatures.len(), plain.signatures.len(), "{path:?}");
        for (a, b) in report.signatures.iter().zip(&plain.signatures) {
            assert_eq!(a.indication, b.indication, "{path:?} {}", a.field);
            assert_eq!(
                serde_json::to_value(&a.checks).unwrap(),
                serde_json::to_value(&b.checks).unwrap(),
                "{path:?} {}",
                a.field
            );
        }
    }
}
