//! `dalel-verify FILE.pdf`: the PDF report, its exit statuses and its JSON form.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn vector(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vectors/pdf")
        .join(name)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn exit_statuses_follow_the_verdict() {
    let root = vector("trust/testing-ca-root.pem");
    let root = root.to_str().unwrap();
    let trusted = [
        "--trust",
        root,
        "--at",
        "2020-11-01T00:00:00Z",
        "--no-revocation",
    ];
    let valid = vector("certified-with-indirect-refs-in-dir.pdf");
    let (code, out, _) = run(&[&trusted[..], &[valid.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("TOTAL-PASSED\n"), "{out}");
    assert!(
        out.contains("certification signature, DocMDP permissions"),
        "{out}"
    );

    let invalid = vector("coverage-anomalies/tail-uncovered.pdf");
    let (code, out, _) = run(&[&trusted[..], &[invalid.to_str().unwrap()]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[FAIL] Coverage"), "{out}");

    let untrusted = vector("sig-with-ski-sid.pdf");
    let (code, out, _) = run(&["--no-revocation", untrusted.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("INDETERMINATE"), "{out}");
}

#[test]
fn json_report() {
    let file = vector("pades-lta-dss-indirect-arrs-test.pdf");
    let root = vector("trust/testing-ca-root.pem");
    let (code, out, _) = run(&[
        "--json",
        "--trust",
        root.to_str().unwrap(),
        "--at",
        "2020-11-01T00:00:00Z",
        "--no-revocation",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema"], "dalel-pdf-validation-report/1");
    assert_eq!(json["signatures"][0]["level"], "B-LTA");
    assert_eq!(json["signatures"][1]["kind"], "document-time-stamp");
    assert_eq!(json["signatures"][1]["sub_filter"], "ETSI.RFC3161");
}

#[test]
fn malformed_pdf_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pdf");
    std::fs::write(&junk, b"%PDF-1.7\nnot really a PDF").unwrap();
    let (code, out, _) = run(&[junk.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the PDF cannot be read: no startxref"),
        "{out}"
    );

    let valid = vector("certified-with-indirect-refs-in-dir.pdf");
    let (code, _, err) = run(&["--data", junk.to_str().unwrap(), valid.to_str().unwrap()]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--data does not apply to a PDF"), "{err}");
}

#[test]
fn a_cms_signature_over_a_pdf_stays_a_cms_signature() {
    // `openssl cms -sign -nodetach` over a PDF: the PDF is inside the SignedData, but the
    // input is a CMS signature, and gets the CMS report.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf_fixtures/minimal.pdf");
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .current_dir(d)
            .args(args)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "k.pem",
        "-subj",
        "/CN=x",
        "-days",
        "2",
        "-out",
        "c.pem",
    ]);
    openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-binary",
        "-in",
        pdf.to_str().unwrap(),
        "-signer",
        "c.pem",
        "-inkey",
        "k.pem",
        "-outform",
        "DER",
        "-out",
        "s.p7m",
    ]);
    let (_, out, _) = run(&["--no-revocation", d.join("s.p7m").to_str().unwrap()]);
    assert!(out.contains("input: cms"), "{out}");
}
