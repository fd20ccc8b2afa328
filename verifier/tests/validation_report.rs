//! The whole validation (`verifier::validation` and `dalel-verify FILE`) on signatures and
//! time-stamps made by OpenSSL with a PKI run by `openssl ca`: CMS checks, path, revocation,
//! the Kazakh profile and the caller's expectations, each deciding the report.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use revocation_common::{Ca, Issued, Profile, openssl};
use serde_json::Value;

/// A CA, a signer with an NCA-shaped subject, a document and its detached signature.
struct Fixture {
    _dir: tempfile::TempDir,
    ca: Ca,
    signer: Issued,
    document: PathBuf,
    signature: PathBuf,
}

const IIN: &str = "900101300126";
const BIN: &str = "070240001235";

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test Root", "keyCertSign,cRLSign");
    let signer = ca.issue(
        "signer",
        &Profile {
            key_usage: Some("critical,digitalSignature,nonRepudiation"),
            eku: Some("emailProtection,1.2.398.3.3.4.1.2,1.2.398.3.3.4.1.2.1"),
            subject: Some(format!(
                "/CN=AKHMETOV ASAN/serialNumber=IIN{IIN}/O=TEST LLP/OU=BIN{BIN}/C=KZ"
            )),
            ..Profile::default()
        },
    );
    let document = dir.path().join("protocol.txt");
    std::fs::write(&document, "Interrogation protocol No. 1\n").unwrap();
    let signature = dir.path().join("protocol.p7s");
    sign(&signer, &document, &signature);
    Fixture {
        _dir: dir,
        ca,
        signer,
        document,
        signature,
    }
}

fn sign(signer: &Issued, document: &Path, out: &Path) {
    let dir = document.parent().unwrap();
    openssl(
        dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-outform",
            "DER",
            "-in",
            document.to_str().unwrap(),
            "-signer",
            signer.cert_path.to_str().unwrap(),
            "-inkey",
            signer.key_path.to_str().unwrap(),
            "-out",
            out.to_str().unwrap(),
        ],
    );
}

impl Fixture {
    fn crl(&self) -> PathBuf {
        let path = self.ca.dir.join("current.crl");
        std::fs::write(&path, self.ca.crl(24)).unwrap();
        path
    }

    fn verify(&self, extra: &[&str]) -> (i32, Value) {
        let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
            .arg(&self.signature)
            .arg("--data")
            .arg(&self.document)
            .arg("--trust")
            .arg(&self.ca.cert_path)
            .arg("--json")
            .args(extra)
            .output()
            .unwrap();
        let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().unwrap(), json)
    }
}

fn signature(report: &Value) -> &Value {
    &report["signatures"][0]
}

#[test]
fn a_valid_signature_passes_and_names_its_signer() {
    let f = fixture();
    let crl = f.crl();
    let (code, report) = f.verify(&["--crl", crl.to_str().unwrap(), "--expect-iin", IIN]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["indication"], "TOTAL-PASSED");
    let s = signature(&report);
    assert_eq!(s["signer"]["iin"]["value"], IIN, "{s:#}");
    assert_eq!(s["signer"]["iin"]["check_digit_valid"], true);
    assert_eq!(s["signer"]["bin"]["value"], BIN);
    assert_eq!(s["signer"]["purpose"], "signing");
    assert_eq!(
        s["signer"]["roles"],
        serde_json::json!(["organization", "first_head"])
    );
    assert_eq!(s["certificate_path"].as_array().unwrap().len(), 2);
    assert_eq!(s["revocation"][0]["status"]["status"], "good");
    assert_eq!(s["validation_time_source"], "current-time");
    let checks: Vec<&str> = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    for needed in [
        "MessageDigest",
        "SignatureValue",
        "CertificatePath",
        "Revocation",
        "ExpectedIin",
    ] {
        assert!(checks.contains(&needed), "{needed} missing from {checks:?}");
    }
}

#[test]
fn each_problem_decides_with_its_sub_indication() {
    let f = fixture();
    let crl = f.crl();
    let crl = crl.to_str().unwrap();

    // Without revocation information: undecided, never "valid".
    let (code, report) = f.verify(&[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["sub_indication"], "TRY_LATER");
    // Revocation checking turned off by the caller: passes, and the report says so.
    let (code, report) = f.verify(&["--no-revocation"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["trust"]["revocation_checked"], false);

    // Another IIN expected: failed, both numbers named.
    let (code, report) = f.verify(&["--crl", crl, "--expect-iin", "850101300603"]);
    assert_eq!(code, 1);
    let reason = signature(&report)["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains("850101300603") && reason.contains(IIN),
        "{reason}"
    );

    // Content changed.
    std::fs::write(&f.document, "Interrogation protocol No. 2\n").unwrap();
    let (code, report) = f.verify(&["--crl", crl]);
    assert_eq!(code, 1);
    assert_eq!(report["sub_indication"], "HASH_FAILURE");
    std::fs::write(&f.document, "Interrogation protocol No. 1\n").unwrap();

    // Nothing trusted: no chain.
    let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .arg(&f.signature)
        .arg("--data")
        .arg(&f.document)
        .args(["--json", "--crl", crl])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND");

    // Revoked signer.
    f.ca.revoke(&f.signer, "keyCompromise");
    let crl = f.crl();
    let (code, report) = f.verify(&["--crl", crl.to_str().unwrap()]);
    // Nothing proves the signature was made before the revocation (ETSI EN 319 102-1).
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["sub_indication"], "REVOKED_NO_POE");
}

#[test]
fn an_authentication_certificate_cannot_sign() {
    let f = fixture();
    let auth = f.ca.issue(
        "auth",
        &Profile {
            key_usage: Some("critical,digitalSignature,keyEncipherment"),
            eku: Some("clientAuth"),
            subject: Some(format!("/CN=AKHMETOV ASAN/serialNumber=IIN{IIN}")),
            ..Profile::default()
        },
    );
    sign(&auth, &f.document, &f.signature);
    let crl = f.crl();
    let (code, report) = f.verify(&["--crl", crl.to_str().unwrap()]);
    assert_ne!(code, 0, "{report:#}");
    let reason = signature(&report)["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("authentication certificate"), "{reason}");
}

#[test]
fn text_report_and_usage_errors() {
    let f = fixture();
    let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .arg(&f.signature)
        .arg("--data")
        .arg(&f.document)
        .arg("--trust")
        .arg(&f.ca.cert_path)
        .arg("--no-revocation")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("TOTAL-PASSED"), "{text}");
    assert!(text.contains(&format!("IIN {IIN}")), "{text}");
    assert!(text.contains("revocation was NOT checked"), "{text}");

    for args in [
        vec!["/nonexistent.p7s"],
        vec![f.signature.to_str().unwrap(), "--trust", "/nonexistent.pem"],
        vec![f.signature.to_str().unwrap(), "--at", "yesterday"],
        vec![f.signature.to_str().unwrap(), "--bogus"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }

    // Not a signature at all.
    let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .arg(&f.document)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn nca_time_stamp_is_indeterminate_for_gost() {
    let token = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/nca/tsp/tsp_token.bin"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .args([token, "--json", "--no-revocation"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["input"]["kind"], "timestamp-token");
    assert_eq!(report["indication"], "INDETERMINATE");
    let text = report.to_string();
    assert!(text.contains("unsupported algorithm"), "{text}");
    assert!(!text.contains("TOTAL-FAILED"), "{text}");
}
