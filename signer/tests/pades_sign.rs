//! PAdES signing against real peers: PDFs signed by `signer::pades` (one, two and three
//! signers; B-B to B-LTA; visible and invisible; certifying) validate in poppler's `pdfsig`
//! and in `pyhanko sign validate` with intact, whole-revision coverage.
#![allow(clippy::unwrap_used)]

mod cades_support;
// The test documents, shared with the end-to-end tests.
#[path = "../../tests/src/pdf.rs"]
#[allow(dead_code, unreachable_pub)]
mod pdf;

use pdf::{minimal_pdf, pdf_with_boxes};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use cades_support::{TestTsa, pki};
use signer::cades::{LevelServices, SuppliedRevocation};
use signer::keys::SignatureKey;
use signer::pades::appearance::FontFile;
use signer::pades::{Certification, PadesLevel, PdfSignRequest, Placement, Signed, sign_pdf};

fn request(level: PadesLevel, placement: Placement) -> PdfSignRequest {
    PdfSignRequest {
        level,
        placement,
        field_name: None,
        lines: vec![
            "Әбілқасым Ұлықбек".into(),
            "тергеуші".into(),
            "ЖСН 900101300123".into(),
        ],
        handwriting: None,
        certify: None,
        reason: Some("Жауап алу хаттамасы".into()),
        location: Some("Астана".into()),
        signing_time: SystemTime::now(),
    }
}

/// `minimal_pdf` signed invisibly at `level` by `key` and written to `dir/<level>.pdf`.
fn sign_invisible(
    level: PadesLevel,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    dir: &Path,
) -> (PathBuf, Vec<u8>, Signed) {
    let mut pdf = minimal_pdf();
    let signed = sign_pdf(
        &mut pdf,
        &request(level, Placement::Invisible),
        key,
        services,
        None,
    )
    .unwrap();
    let path = dir.join(format!("{level}.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    (path, pdf, signed)
}

fn font() -> FontFile {
    FontFile::load("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").unwrap()
}

fn pyhanko() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/pyhanko");
    assert!(path.exists(), "pyHanko is missing: run scripts/setup");
    path
}

/// `pdfsig` output; asserts every signature is valid and covers its whole revision.
fn pdfsig(path: &Path, signatures: usize) -> String {
    let out = Command::new("pdfsig").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        signatures,
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Our own verifier: every signature TOTAL-PASSED with the PKI's root trusted (revocation
/// from the PKI's CRLs, or from the document's DSS).
fn ours_validate(pdf: &[u8], signatures: usize) {
    let policy = cades_support::policy(pki(), cades_support::Revocation::SuppliedCrls);
    let report = verifier::pades::validate_pdf(pdf, &policy).unwrap();
    let text = verifier::pades::render_pdf_text(&report);
    assert_eq!(report.signatures.len(), signatures, "{text}");
    assert_eq!(
        report.indication,
        verifier::report::Indication::TotalPassed,
        "{text}"
    );
}

/// `pyhanko sign <command> [options] --pretty-print --trust-replace --trust ROOT FILE`,
/// with the PKI's root written into `dir`: whether it succeeded, and all it printed.
/// What B-LT and B-LTA need, written into `dir`: the test PKI's CRLs, the OCSP responses
/// named in `ocsp` as revocation values, and a time-stamp authority.
fn long_term_inputs(dir: &Path, ocsp: &[&str]) -> (SuppliedRevocation, TestTsa) {
    let mut files = vec!["root.crl", "inter.crl"];
    files.extend_from_slice(ocsp);
    pki().write(dir, &files);
    let crls = [dir.join("root.crl"), dir.join("inter.crl")];
    let responses: Vec<_> = ocsp.iter().map(|name| dir.join(name)).collect();
    let revocation = SuppliedRevocation::from_files(&crls, &responses).unwrap();
    (revocation, TestTsa::new(pki()))
}

fn run_pyhanko(command: &str, options: &[&str], path: &Path, dir: &Path) -> (bool, String) {
    let root = dir.join("root.pem");
    std::fs::write(&root, pki().file("root.pem")).unwrap();
    let out = Command::new(pyhanko())
        .args(["sign", command])
        .args(options)
        .args(["--pretty-print", "--trust-replace", "--trust"])
        .arg(&root)
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `pyhanko sign validate` of the file's signatures, with the PKI's root trusted: each
/// field named must be reported valid, trusted and intact.
fn pyhanko_validate(path: &Path, dir: &Path, fields: &[&str]) {
    let (ok, text) = run_pyhanko("validate", &["--no-revocation-check"], path, dir);
    assert!(ok, "pyhanko: {text}");
    for field in fields {
        assert!(text.contains(field), "{field}: {text}");
    }
    assert!(
        text.matches("The signature is judged VALID").count() >= fields.len(),
        "{text}"
    );
    assert!(
        !text.contains("INVALID") && !text.contains("may be illegitimate"),
        "{text}"
    );
}

/// `pyhanko sign adesverify`: pyHanko's long-term validation (ETSI EN 319 102-1 §5.6.3
/// over PAdES; it replaced `sign validate --ltv-profile`), with the PKI's root the only
/// anchor and revocation information required for every certificate. The PKI's
/// certificates name no CRL distribution point or OCSP responder, so the only revocation
/// data pyHanko can find is what the PDF embeds (its DSS): nothing is fetched. Returns
/// whether pyHanko accepted every signature, and what it printed (its log included).
fn pyhanko_ltv(path: &Path, dir: &Path) -> (bool, String) {
    run_pyhanko("adesverify", &[], path, dir)
}

/// [`pyhanko_ltv`] must judge the signature in `field` valid and trusted, its signature
/// time-stamp sound and trusted, all from the DSS; at B-LTA the document time-stamp must
/// give proof of existence (pyHanko logs when it has none, or when it does not validate).
fn pyhanko_ltv_validate(path: &Path, dir: &Path, field: &str, level: PadesLevel) {
    let (ok, text) = pyhanko_ltv(path, dir);
    assert!(ok, "pyhanko adesverify: {text}");
    for line in [
        field,
        "The signer's certificate is trusted.",
        "The timestamp token is cryptographically sound.",
        "The TSA certificate is trusted.",
        "The signature is judged VALID.",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    assert!(
        !text.contains("INVALID") && !text.contains("untrusted"),
        "{text}"
    );
    let no_poe = "No document timestamps after signature";
    let bad_poe = "Document timestamp chain failed to validate";
    if level == PadesLevel::BLTA {
        assert!(!text.contains(no_poe) && !text.contains(bad_poe), "{text}");
    } else {
        assert!(text.contains(no_poe), "{text}");
    }
}

/// The Python behind [`pyhanko_ades_indication`] (pyHanko's public `ades` API).
const ADES_INDICATION: &str = r#"
import asyncio, sys
from datetime import datetime, timedelta, timezone
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule, PdfSignatureValidationSpec, RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec, SignatureValidationSpec)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

pdf, root, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
trust = SimpleTrustManager.build(trust_roots=[load_cert_from_pemder(root)])
spec = PdfSignatureValidationSpec(SignatureValidationSpec(
    cert_validation_policy=CertValidationPolicySpec(
        trust_manager=trust, revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
    revinfo_gathering_policy=RevocationInfoGatheringSpec(
        RevinfoOnlineFetchingRule.LOCAL_ONLY,
        certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH)))
with open(pdf, "rb") as f:
    sig = PdfFileReader(f).embedded_regular_signatures[0]
    if days:
        at = datetime.now(timezone.utc) + timedelta(days=days)
        result = asyncio.run(ades.simulate_future_ades_lta_validation(sig, spec, at))
    else:
        result = asyncio.run(ades.ades_lta_validation(sig, spec))
print(f"{result.ades_subindic.status.name}/{result.ades_subindic.name}")
print(f"evidence record: {result.oldest_evidence_record_timestamp is not None}")
"#;

/// The AdES indication pyHanko's library gives the first signature of `path` (its CLI
/// prints only the bottom line), with revocation information required, nothing fetched,
/// and the validation `days_ahead` of now (pyHanko's simulation of a future validation,
/// as if the document time-stamps were renewed in time): `PASSED/OK`, or
/// `INDETERMINATE/…` or `FAILED/…`; then whether a document time-stamp served as the
/// evidence record.
fn pyhanko_ades_indication(path: &Path, dir: &Path, days_ahead: u32) -> String {
    let root = dir.join("root.pem");
    std::fs::write(&root, pki().file("root.pem")).unwrap();
    let python = pyhanko().with_file_name("python");
    let out = Command::new(python)
        .args(["-c", ADES_INDICATION])
        .arg(path)
        .arg(&root)
        .arg(days_ahead.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn one_signer_b_b_visible_validates_in_pdfsig_and_pyhanko() {
    let dir = tempfile::tempdir().unwrap();
    let mut pdf = minimal_pdf();
    let key = pki().key("ec");
    let signed = sign_pdf(
        &mut pdf,
        &request(
            PadesLevel::BB,
            Placement::Rect {
                page: 1,
                rect: [72.0, 72.0, 272.0, 152.0],
            },
        ),
        &key,
        &LevelServices::default(),
        Some(&font()),
    )
    .unwrap();
    assert_eq!(signed.byte_range[0], 0);
    assert_eq!(signed.byte_range[2] + signed.byte_range[3], pdf.len());
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, &pdf).unwrap();
    pdfsig(&path, 1);
    pyhanko_validate(&path, dir.path(), &[&signed.field]);
    ours_validate(&pdf, 1);
}

#[test]
fn three_successive_signers_the_first_certifying_all_validate() {
    let dir = tempfile::tempdir().unwrap();
    // The protocol comes with its signature boxes; each signer takes the next free one.
    let mut pdf = pdf_with_boxes(3);
    let tsa = TestTsa::new(pki());
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: None,
        extra_certificates: &[],
    };
    let mut fields = Vec::new();
    for (i, key) in ["ec", "rsa", "ec"].iter().enumerate() {
        let mut req = request(
            if i == 1 {
                PadesLevel::BT
            } else {
                PadesLevel::BB
            },
            Placement::NextFree,
        );
        if i == 0 {
            req.certify = Some(Certification::FormFillingAndSigning);
        }
        let signed = sign_pdf(&mut pdf, &req, &pki().key(key), &services, Some(&font())).unwrap();
        fields.push(signed.field);
    }
    let path = dir.path().join("signed3.pdf");
    std::fs::write(&path, &pdf).unwrap();
    pdfsig(&path, 3);
    assert_eq!(fields, ["Box1", "Box2", "Box3"]);
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    pyhanko_validate(&path, dir.path(), &names);
    ours_validate(&pdf, 3);
    // A fourth signer finds no free box.
    let error = sign_pdf(
        &mut pdf,
        &request(PadesLevel::BB, Placement::NextFree),
        &pki().key("ec"),
        &services,
        Some(&font()),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("no free signature box"),
        "{error}"
    );
}

#[test]
fn two_signers_adding_their_own_fields_validate() {
    let dir = tempfile::tempdir().unwrap();
    let mut pdf = minimal_pdf();
    let mut fields = Vec::new();
    for (i, key) in ["rsa", "ec"].iter().enumerate() {
        let x = 72.0 + 200.0 * i as f32;
        let req = request(
            PadesLevel::BB,
            Placement::Rect {
                page: 1,
                rect: [x, 72.0, x + 180.0, 142.0],
            },
        );
        fields.push(
            sign_pdf(
                &mut pdf,
                &req,
                &pki().key(key),
                &LevelServices::default(),
                Some(&font()),
            )
            .unwrap()
            .field,
        );
    }
    let path = dir.path().join("signed2.pdf");
    std::fs::write(&path, &pdf).unwrap();
    pdfsig(&path, 2);
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    pyhanko_validate(&path, dir.path(), &names);
    ours_validate(&pdf, 2);
}

#[test]
fn b_lt_and_b_lta_validate_in_pyhanko() {
    let dir = tempfile::tempdir().unwrap();
    let (revocation, tsa) = long_term_inputs(dir.path(), &[]);
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: Some(&revocation),
        extra_certificates: &[],
    };
    for level in [PadesLevel::BLT, PadesLevel::BLTA] {
        let (path, pdf, signed) = sign_invisible(level, &pki().key("rsa"), &services, dir.path());
        assert_eq!(signed.updates, if level == PadesLevel::BLT { 2 } else { 3 });
        // pdfsig lists the document time-stamp but cannot validate one.
        pdfsig(&path, 1);
        pyhanko_validate(&path, dir.path(), &[&signed.field]);
        ours_validate(&pdf, if level == PadesLevel::BLT { 1 } else { 2 });
        // Long-term validation from the DSS alone, revocation information required.
        pyhanko_ltv_validate(&path, dir.path(), &signed.field, level);
        if level == PadesLevel::BLTA {
            // The document time-stamp, validated, is the evidence record (ETSI EN 319
            // 102-1 §5.6.3): the signature PASSES the AdES long-term validation.
            let indication = pyhanko_ades_indication(&path, dir.path(), 0);
            assert_eq!(indication, "PASSED/OK\nevidence record: True\n");
        }
    }
    // Without the DSS (B-B, B-T) the same validation finds no revocation information: the
    // checks above hold because of what B-LT adds.
    for level in [PadesLevel::BB, PadesLevel::BT] {
        let (path, ..) = sign_invisible(level, &pki().key("rsa"), &services, dir.path());
        let (ok, text) = pyhanko_ltv(&path, dir.path());
        assert!(!ok, "{level}: {text}");
        for line in [
            "no revocation information could be found",
            "The signer's certificate is untrusted.",
            "The signature is judged INVALID.",
        ] {
            assert!(text.contains(line), "{level}: {line}: {text}");
        }
    }
}

#[test]
fn b_lta_outlives_its_revocation_data_in_pyhanko() {
    // pyHanko simulates a validation 20 days from now: after the CRLs' (7 days) and the OCSP
    // response's (1 day) next update, before the certificates expire (30 days). Only proof
    // of existence from the document time-stamp can then show the revocation data was
    // current when the signature was made. The EC signer's status is in an OCSP response:
    // pyHanko 0.38's past validation finds no CRL for a certificate issued by an
    // intermediate CA (`REVOCATION_OUT_OF_BOUNDS_NO_POE` with the RSA signer's CRL).
    let dir = tempfile::tempdir().unwrap();
    let (revocation, tsa) = long_term_inputs(dir.path(), &["ec.ocsp"]);
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: Some(&revocation),
        extra_certificates: &[],
    };
    for level in [PadesLevel::BLT, PadesLevel::BLTA] {
        let (path, ..) = sign_invisible(level, &pki().key("ec"), &services, dir.path());
        let indication = pyhanko_ades_indication(&path, dir.path(), 20);
        if level == PadesLevel::BLTA {
            assert_eq!(indication, "PASSED/OK\nevidence record: True\n");
        } else {
            // Without a document time-stamp, stale revocation data proves nothing.
            assert!(!indication.starts_with("PASSED"), "{indication}");
        }
    }
}

#[test]
fn a_document_certified_with_no_changes_refuses_another_signature() {
    // An invisible B-B signature by the PKI's key `key`.
    let sign_bb = |pdf: &mut Vec<u8>, req: &PdfSignRequest, key: &str| {
        sign_pdf(pdf, req, &pki().key(key), &LevelServices::default(), None)
    };
    let plain = request(PadesLevel::BB, Placement::Invisible);
    let mut pdf = minimal_pdf();
    let mut req = request(PadesLevel::BB, Placement::Invisible);
    req.certify = Some(Certification::NoChanges);
    sign_bb(&mut pdf, &req, "ec").unwrap();
    let before = pdf.clone();
    let error = sign_bb(&mut pdf, &plain, "rsa").unwrap_err();
    assert!(
        matches!(error, signer::pades::PadesError::Locked(_)),
        "{error}"
    );
    assert_eq!(
        pdf, before,
        "a refused signature leaves the document as it was"
    );
    // Garbage is refused with a clear error, and never panics.
    let mut garbage = b"%PDF-1.7\nnot really".to_vec();
    let error = sign_bb(&mut garbage, &plain, "ec").unwrap_err();
    assert!(error.to_string().contains("not a usable PDF"), "{error}");
}
