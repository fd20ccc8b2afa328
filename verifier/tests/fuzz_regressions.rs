//! Replays the fuzz corpus that is committed, on stable Rust and without libFuzzer: every
//! seed (`verifier/fuzz/seeds/<target>/`) and every minimised reproducer of a past finding
//! (`verifier/fuzz/regressions/<target>/`) goes through the very function its fuzz target
//! calls (`verifier/fuzz/src/lib.rs`, included below). A panic in any of them fails the test
//! and names the file.
//!
//! To add a reproducer: `cargo fuzz tmin <target> <crash file>` (see
//! `verifier/fuzz/README.md`), then copy the minimised file into `regressions/<target>/`.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_entry;

use fuzz_entry::TARGETS;

/// `verifier/fuzz`.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files directly in `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every file of `seeds/<target>` and `regressions/<target>` through the target's entry
/// point; returns how many ran.
fn replay(target: &str) -> usize {
    let entry = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, entry)| *entry)
        .unwrap();
    let mut inputs = Vec::new();
    for kind in ["seeds", "regressions"] {
        inputs.extend(files(&fuzz_dir().join(kind).join(target)));
    }
    let mut failures = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).unwrap();
        if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz target {target} panicked on {} of {} inputs:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
    inputs.len()
}

/// Every target has seeds, and every seed or regression directory belongs to a target, so
/// that no reproducer is filed where nothing replays it.
#[test]
fn corpus_directories_match_targets() {
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            if entry.path().is_dir() {
                let name = entry.file_name().into_string().unwrap();
                assert!(
                    TARGETS.iter().any(|(target, _)| *target == name),
                    "{kind}/{name} is not a fuzz target"
                );
            }
        }
    }
    for (target, _) in TARGETS {
        assert!(
            !files(&fuzz_dir().join("seeds").join(target)).is_empty(),
            "no seeds for {target}"
        );
    }
}

#[test]
fn cms_signed_data() {
    assert!(replay("cms_signed_data") > 0);
}

#[test]
fn timestamp_token() {
    assert!(replay("timestamp_token") > 0);
}

#[test]
fn tsp_structures() {
    assert!(replay("tsp_structures") > 0);
}

#[test]
fn certificate() {
    assert!(replay("certificate") > 0);
}

#[test]
fn revocation() {
    assert!(replay("revocation") > 0);
}

#[test]
fn signed_note() {
    assert!(replay("signed_note") > 0);
}

#[test]
fn pades_verify() {
    assert!(replay("pades_verify") > 0);
}

/// The PDF seeds reach the signature checks: pyHanko's two signatures verify up to the
/// trust decision, the coverage anomalies fail on their byte ranges.
#[test]
fn pdf_seeds_reach_validation() {
    use verifier::pades::validate_pdf;
    use verifier::report::Indication;
    use verifier::validation::ValidationPolicy;

    let seed =
        |name: &str| std::fs::read(fuzz_dir().join("seeds/pades_verify").join(name)).unwrap();
    let policy = ValidationPolicy {
        revocation: None,
        ..ValidationPolicy::default()
    };
    let report = validate_pdf(&seed("pyhanko_signed_twice"), &policy).unwrap();
    assert_eq!(report.signatures.len(), 2);
    for signature in &report.signatures {
        let cms = signature.cms.as_ref().unwrap();
        assert!(
            cms.checks.iter().any(|c| c.check == "MessageDigest"
                && c.status == verifier::validation::CheckStatus::Passed)
        );
        assert_eq!(signature.indication, Indication::Indeterminate);
    }
    let report = validate_pdf(&seed("one_byterange"), &policy).unwrap();
    assert_eq!(report.indication, Indication::TotalFailed);
}

/// The seeds reach past parsing: the generated ones verify (signatures, time-stamp imprint,
/// receipt proof, revocation status, certification path), so mutations of them exercise the
/// verification code rather than only the decoders.
#[test]
fn seeds_verify() {
    use std::time::SystemTime;

    use der::{DateTime, Decode as _};
    use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_response};
    use verifier::cms::{Conclusion, DetachedContent, SignedMessage, VerifyOptions};
    use verifier::path::{ParsedCertificate, PathInputs, TrustAnchor};
    use verifier::revocation::{RevocationOptions, RevocationSources, SourceOrigin, check};
    use x509_cert::Certificate;

    let seed = std::fs::read(fuzz_dir().join("seeds/cms_signed_data/detached_ec")).unwrap();
    let (message, content) = fuzz_entry::split(&seed);
    let report = SignedMessage::parse(message)
        .unwrap()
        .verify(&VerifyOptions {
            detached_content: Some(DetachedContent::Bytes(content)),
            extra_certificates: &[],
        });
    assert_eq!(report.signers.len(), 1);
    assert_eq!(report.signers[0].conclusion, Conclusion::passed());

    let seed = std::fs::read(fuzz_dir().join("seeds/signed_note/receipt_3")).unwrap();
    let key = std::fs::read_to_string(fuzz_dir().join("fixtures/note_key.pub.pem")).unwrap();
    let verifier =
        verifier::note::EcdsaP256NoteVerifier::from_public_key_pem("fuzz.example/log", &key)
            .unwrap();
    let receipt = verifier::receipt::verify_receipt(&seed, &verifier).unwrap();
    assert_eq!(receipt.index(), 3);

    let seed = std::fs::read(fuzz_dir().join("seeds/timestamp_token/response_v1_sha256")).unwrap();
    let (response, data) = fuzz_entry::split(&seed);
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Data(data)),
        ..TimestampExpectations::default()
    };
    let report = verify_response(response, &expected).unwrap();
    assert_eq!(report.conclusion, Conclusion::passed());

    let fixture = |name: &str| std::fs::read(fuzz_dir().join("fixtures").join(name)).unwrap();
    let cert = |name: &str| Certificate::from_der(&fixture(name)).unwrap();
    let parsed = |name: &str| ParsedCertificate::from_der(&fixture(name)).unwrap();
    let at = DateTime::new(2026, 12, 1, 0, 0, 0).unwrap();
    let time = SystemTime::UNIX_EPOCH + at.unix_duration();
    let (ca, ec, rsa) = (
        cert("fuzz_ca.der"),
        cert("fuzz_ec.der"),
        cert("fuzz_rsa.der"),
    );

    let mut sources = RevocationSources::new();
    sources.add_crls(&fixture("fuzz_ca.crl"), SourceOrigin::Supplied);
    let options = RevocationOptions::default();
    assert!(check(&rsa, &ca, time, &sources, &options).is_revoked());
    assert!(check(&ec, &ca, time, &sources, &options).is_good());
    let ocsp = std::fs::read(fuzz_dir().join("seeds/revocation/ocsp_good_by_ca")).unwrap();
    let mut sources = RevocationSources::new();
    sources.add_ocsp_responses(&ocsp, SourceOrigin::Supplied);
    assert!(check(&ec, &ca, time, &sources, &options).is_good());

    let anchors = [TrustAnchor::from_certificate(parsed("fuzz_ca.der"))];
    let leaf = parsed("fuzz_ec.der");
    PathInputs::new(&leaf, &anchors, at).validate().unwrap();
    let anchors = [TrustAnchor::from_certificate(parsed("nca_rsa_ca.der"))];
    let leaf = parsed("nca_individual_rsa.der");
    let at = DateTime::new(2022, 6, 1, 0, 0, 0).unwrap();
    PathInputs::new(&leaf, &anchors, at).validate().unwrap();
}
