//! Verifying one signed document (speed target, from the verifier's issue: a detached CMS
//! over 1 KiB, ECDSA P-256, a 3-certificate path, a time-stamp and revocation data, on one
//! core, at no less than 0.25x the ECDSA P-256 verify rate `openssl speed -seconds 3
//! ecdsap256` reports in the same run). `bench/verifier` runs this bench and OpenSSL pinned
//! to the same core and prints the ratio.
//!
//! The fixture (see `common`) is a root CA, an intermediate CA, a signer and a TSA issued by
//! the intermediate, a CRL from each CA, a 1 KiB document, its detached CMS by `openssl cms
//! -sign` (with the intermediate certificate) and an `openssl ts` token over the CMS
//! signature value. One iteration is one document; throughput is in documents per second.
//!
//! - `verify_cms/document`: the target's measure. OpenSSL cannot embed the token as an
//!   unsigned attribute, so it is `validate_cms(cms, Some(document))` with both CRLs supplied
//!   as revocation sources, plus `validate_timestamp(token, Some(signature value))` with the
//!   same policy; both reports are asserted TOTAL-PASSED once before measuring. The policy's
//!   verification cache is shared across iterations, as it is across requests in `dalel
//!   serve`, so the certificates' and CRLs' signatures are verified once, and the signer's
//!   and TSA's signatures every time.
//! - `verify_cms/document_cold`: for information, the same with the verification cache off
//!   (every certificate and CRL signature verified each time).
//! - `verify_cms/document_embedded`: for information, the same evidence as one CAdES object:
//!   the token put in as the `signature-time-stamp` attribute and both CRLs in
//!   `SignedData.crls` (with the `cms` crate), validated by one `validate_cms` call with no
//!   supplied sources.
//! - `verify_cms/validate_cms`, `verify_cms/validate_timestamp`: the two halves of `document`.
//! - `verify_cms/crypto_floor`: the two ECDSA P-256 verifications no verifier of such a
//!   document can skip once the certificate paths are cached: the signer's signature over its
//!   signed attributes and the TSA's over its own, through `verifier::crypto` with keys read
//!   beforehand.
//! - `p256_verify/prehashed`: one ECDSA P-256 verification of a precomputed SHA-256 digest
//!   (what `openssl speed ecdsap256` counts), to compare the implementations' rates directly.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use der::Encode as _;
use verifier::cache::VerificationCache;
use verifier::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm};
use verifier::report::Indication;
use verifier::validation::{ValidationPolicy, ValidationReport, validate_cms, validate_timestamp};

use common::{Fixture, first_signer};

/// One signature to check: the key (already read), the algorithm, the signed attributes'
/// DER, and the signature value.
struct Signature {
    key: PublicKey,
    algorithm: SignatureAlgorithm,
    message: Vec<u8>,
    value: Vec<u8>,
}

impl Signature {
    /// The signature of the first signer of the CMS `der`, made with `signer`'s key.
    fn of(der: &[u8], signer: &verifier::path::ParsedCertificate) -> Self {
        let info = first_signer(der);
        let spki = signer
            .certificate()
            .tbs_certificate()
            .subject_public_key_info();
        Self {
            key: PublicKey::from_spki(spki).expect("a supported key"),
            algorithm: SignatureAlgorithm::from_cms_signer_info(
                &info.signature_algorithm,
                &info.digest_alg,
            )
            .expect("a supported algorithm"),
            // RFC 5652 §5.4: the signature is over the DER of the SET OF attributes.
            message: info
                .signed_attrs
                .as_ref()
                .expect("signed attributes")
                .to_der()
                .expect("encodable attributes"),
            value: info.signature.as_bytes().to_vec(),
        }
    }

    fn verify(&self) -> bool {
        self.key
            .verify(&self.algorithm, &self.message, &self.value)
            .is_ok()
    }
}

fn passed(what: &str, report: &ValidationReport) {
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{what} is not TOTAL-PASSED: {}",
        serde_json::to_string_pretty(report).unwrap_or_default()
    );
}

/// Validates the document as the target counts it; `true` when both reports pass.
fn document(f: &Fixture, policy: &ValidationPolicy) -> bool {
    let cms = validate_cms(&f.cms, Some(&f.document), policy).expect("a CMS");
    let ts = validate_timestamp(&f.token, Some(&f.signature_value), policy).expect("a token");
    cms.indication == Indication::TotalPassed && ts.indication == Indication::TotalPassed
}

fn verify_cms(c: &mut Criterion) {
    let f = Fixture::new();
    let supplied = f.policy(true);
    let bare = f.policy(false);
    let cold = ValidationPolicy {
        verification_cache: VerificationCache::with_capacity(0),
        ..f.policy(true)
    };
    let embedded = f.cms_with_embedded_token_and_crls();

    // Once, before measuring: everything measured passes, and passes for the right reasons.
    let cms = validate_cms(&f.cms, Some(&f.document), &supplied).expect("a CMS");
    passed("validate_cms", &cms);
    let s = &cms.signatures[0];
    assert_eq!(s.certificate_path.len(), 3, "leaf, intermediate, root");
    assert_eq!(s.revocation.len(), 2, "leaf and intermediate checked");
    let ts = validate_timestamp(&f.token, Some(&f.signature_value), &supplied).expect("a token");
    passed("validate_timestamp", &ts);
    let tsv = ts.timestamp.as_ref().expect("a time-stamp validation");
    assert_eq!(tsv.tsa_path.len(), 3, "TSA, intermediate, root");
    let revocation_checks = tsv.checks.iter().filter(|c| c.check == "Revocation");
    assert_eq!(revocation_checks.count(), 2, "TSA and intermediate checked");
    let one = validate_cms(&embedded, Some(&f.document), &bare).expect("a CMS");
    passed("validate_cms with the embedded token and CRLs", &one);
    let s = &one.signatures[0];
    assert_eq!(s.validation_time_source, "signature-time-stamp");
    assert_eq!(s.signature_timestamps.len(), 1);
    assert_eq!(s.revocation.len(), 2);
    let signer = Signature::of(&f.cms, &f.signer);
    let tsa = Signature::of(&f.token, &f.tsa);
    assert!(
        signer.verify() && tsa.verify(),
        "the floor's signatures verify"
    );
    println!(
        "verify_cms: document {} B, CMS {} B ({} B with token and CRLs), token {} B, CRLs {} + {} B",
        f.document.len(),
        f.cms.len(),
        embedded.len(),
        f.token.len(),
        f.crls[0].len(),
        f.crls[1].len()
    );

    let mut group = c.benchmark_group("verify_cms");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(1));
    group.bench_function("document", |b| {
        b.iter(|| assert!(document(black_box(&f), black_box(&supplied))));
    });
    group.bench_function("document_cold", |b| {
        b.iter(|| assert!(document(black_box(&f), black_box(&cold))));
    });
    group.bench_function("document_embedded", |b| {
        b.iter(|| {
            let report = validate_cms(black_box(&embedded), Some(&f.document), black_box(&bare))
                .expect("a CMS");
            assert_eq!(report.indication, Indication::TotalPassed);
        });
    });
    group.bench_function("validate_cms", |b| {
        b.iter(|| {
            let report = validate_cms(black_box(&f.cms), Some(&f.document), black_box(&supplied))
                .expect("a CMS");
            assert_eq!(report.indication, Indication::TotalPassed);
        });
    });
    group.bench_function("validate_timestamp", |b| {
        b.iter(|| {
            let report = validate_timestamp(
                black_box(&f.token),
                Some(&f.signature_value),
                black_box(&supplied),
            )
            .expect("a token");
            assert_eq!(report.indication, Indication::TotalPassed);
        });
    });
    group.bench_function("crypto_floor", |b| {
        b.iter(|| assert!(black_box(&signer).verify() && black_box(&tsa).verify()));
    });
    group.finish();

    let mut group = c.benchmark_group("p256_verify");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1));
    let digest = DigestAlgorithm::Sha256.digest(&signer.message);
    group.bench_function("prehashed", |b| {
        b.iter(|| {
            assert!(
                signer
                    .key
                    .verify_prehashed(&signer.algorithm, black_box(&digest), &signer.value)
                    .is_ok()
            );
        });
    });
    group.finish();
}

criterion_group!(benches, verify_cms);
criterion_main!(benches);
