//! The verification cache (`verifier::cache`): a remembered success stands only for the very
//! same verification. With a cache full of good signatures, a certificate or CRL whose
//! signature was altered is still refused exactly as without a cache, and whole reports are
//! the same with the cache on, off, cold or warm.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::time::SystemTime;

use der::{DateTime, Encode as _};
use revocation_common::{Ca, Profile, openssl};
use verifier::cache::VerificationCache;
use verifier::path::{ParsedCertificate, PathError, PathInputs, TrustAnchor};
use verifier::report::Indication;
use verifier::revocation::{
    RevocationOptions, RevocationSources, RevocationStatus, SourceOrigin, SourceProblem, check,
    check_with_cache,
};
use verifier::validation::{ValidationPolicy, validate_cms};

const KU: &str = "keyCertSign,cRLSign";

/// `der` with the last byte of its signature changed: for these ECDSA objects, the last byte
/// of `s`, so the DER stays well-formed and only the signature is wrong.
fn altered(der: &[u8]) -> Vec<u8> {
    let mut out = der.to_vec();
    if let Some(last) = out.last_mut() {
        *last ^= 0x01;
    }
    out
}

fn crl_sources(crl: &[u8]) -> RevocationSources {
    let mut sources = RevocationSources::new();
    assert_eq!(sources.add_crls(crl, SourceOrigin::Supplied), 1);
    sources
}

#[test]
fn an_altered_certificate_signature_is_refused_with_a_warm_cache() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Cache Root", KU);
    let leaf = ca.issue(
        "leaf",
        &Profile {
            key_usage: Some("critical,digitalSignature,nonRepudiation"),
            ..Profile::default()
        },
    );
    let leaf_der = leaf.cert.to_der().unwrap();
    let good = ParsedCertificate::from_der(&leaf_der).unwrap();
    let bad = ParsedCertificate::from_der(&altered(&leaf_der)).unwrap();
    let anchors = [TrustAnchor::from_der(&ca.cert.to_der().unwrap()).unwrap()];
    let at = DateTime::from_system_time(SystemTime::now()).unwrap();
    let cache = VerificationCache::new();

    let validate = |cert: &ParsedCertificate, cache: Option<&VerificationCache>| {
        let mut inputs = PathInputs::new(cert, &anchors, at);
        inputs.verification_cache = cache.cloned();
        inputs.validate()
    };
    assert!(validate(&good, Some(&cache)).is_ok());
    assert_eq!(cache.len(), 1, "the leaf's signature is remembered");
    // Warm: the same answer, and nothing new to remember.
    assert!(validate(&good, Some(&cache)).is_ok());
    assert_eq!(cache.len(), 1);

    let uncached = validate(&bad, None).unwrap_err();
    assert!(
        matches!(uncached, PathError::BadSignature { .. }),
        "{uncached}"
    );
    assert_eq!(validate(&bad, Some(&cache)).unwrap_err(), uncached);
    assert_eq!(cache.len(), 1, "failures are not remembered");
    // And the good one still passes after the failure.
    assert!(validate(&good, Some(&cache)).is_ok());
}

#[test]
fn an_altered_crl_signature_is_refused_with_a_warm_cache() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Cache Root", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let crl = ca.crl(24);
    let options = RevocationOptions::default();
    let now = SystemTime::now();
    let cache = VerificationCache::new();

    let good = crl_sources(&crl);
    let status = check_with_cache(&leaf.cert, &ca.cert, now, &good, &options, &cache);
    assert!(
        matches!(status, RevocationStatus::Good { .. }),
        "{status:#?}"
    );
    assert_eq!(cache.len(), 1, "the CRL's signature is remembered");
    assert_eq!(
        check_with_cache(&leaf.cert, &ca.cert, now, &good, &options, &cache),
        status
    );
    assert_eq!(check(&leaf.cert, &ca.cert, now, &good, &options), status);

    let bad = crl_sources(&altered(&crl));
    let uncached = check(&leaf.cert, &ca.cert, now, &bad, &options);
    let RevocationStatus::Indeterminate { rejected, .. } = &uncached else {
        panic!("expected indeterminate, got {uncached:#?}");
    };
    assert!(
        matches!(rejected[0].problem, SourceProblem::SignatureInvalid { .. }),
        "{rejected:#?}"
    );
    assert_eq!(
        check_with_cache(&leaf.cert, &ca.cert, now, &bad, &options, &cache),
        uncached
    );
    assert_eq!(cache.len(), 1);
}

#[test]
fn reports_are_the_same_with_the_cache_on_off_cold_or_warm() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Cache Root", KU);
    let signer = ca.issue(
        "signer",
        &Profile {
            key_usage: Some("critical,digitalSignature,nonRepudiation"),
            ..Profile::default()
        },
    );
    let document = dir.path().join("document.txt");
    std::fs::write(&document, "A document signed once, validated many times\n").unwrap();
    let signature = dir.path().join("document.p7s");
    openssl(
        dir.path(),
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
            signature.to_str().unwrap(),
        ],
    );
    let document = std::fs::read(&document).unwrap();
    let cms = std::fs::read(&signature).unwrap();

    let policy = ValidationPolicy {
        anchors: vec![TrustAnchor::from_der(&ca.cert.to_der().unwrap()).unwrap()],
        time: Some(SystemTime::now()),
        revocation: Some(RevocationOptions::default()),
        revocation_sources: crl_sources(&ca.crl(24)),
        ..ValidationPolicy::default()
    };
    let off = ValidationPolicy {
        verification_cache: VerificationCache::with_capacity(0),
        ..policy.clone()
    };
    let report = |policy: &ValidationPolicy| {
        serde_json::to_value(validate_cms(&cms, Some(&document), policy).unwrap()).unwrap()
    };

    let cold = report(&policy);
    assert_eq!(cold["indication"], "TOTAL-PASSED", "{cold:#}");
    // The certificate's and the CRL's signatures; never the document's own.
    assert_eq!(policy.verification_cache.len(), 2);
    let warm = report(&policy);
    // A clone (as the HTTP service makes per request) shares the cache.
    let clone = report(&policy.clone());
    assert_eq!(policy.verification_cache.len(), 2);
    let uncached = report(&off);
    assert!(off.verification_cache.is_empty());
    assert_eq!(warm, cold);
    assert_eq!(clone, cold);
    assert_eq!(uncached, cold);

    // A changed document still fails with everything else remembered.
    let mut changed = document.clone();
    changed[0] ^= 0x20;
    let failed = validate_cms(&cms, Some(&changed), &policy).unwrap();
    assert_eq!(failed.indication, Indication::TotalFailed);
}
