//! The National Certification Centre's test time-stamp (`shared/vectors/nca/tsp`) through
//! `verifier::cms::timestamp`: read, granted, policy 1.2.398.3.3.2.6.1, a SHA-1 imprint
//! reported weak, genTime 2022-09-18 13:20:14Z, and a GOST signature that comes out
//! INDETERMINATE as an unsupported algorithm, never valid or invalid.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_response, verify_token};
use verifier::cms::{CheckName, TimestampReport};
use verifier::crypto::DigestAlgorithm;
use verifier::report::{Indication, SubIndication};

fn vector(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/nca/tsp/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

#[track_caller]
fn assert_nca_facts(report: &TimestampReport) {
    let token = report.token.as_ref().unwrap();
    assert_eq!(token.policy.to_string(), "1.2.398.3.3.2.6.1");
    assert_eq!(
        report.gen_time().unwrap().to_string(),
        "2022-09-18T13:20:14Z"
    );
    assert_eq!(token.imprint_algorithm.name.as_deref(), Some("SHA-1"));
    assert!(token.imprint_weak);
    assert_eq!(token.imprint.len(), 20);

    // GOST: the TSTInfo's digest and the signature cannot be checked here.
    let c = &report.conclusion;
    assert_eq!(c.indication, Indication::Indeterminate, "{report:#?}");
    assert_eq!(c.sub_indication, None);
    assert!(c.unsupported_algorithm);
    assert!(
        c.reason
            .as_deref()
            .unwrap()
            .starts_with("unsupported algorithm"),
        "{c:?}"
    );
    let signer = report.signer.as_ref().unwrap();
    for name in [CheckName::MessageDigest, CheckName::SignatureValue] {
        let failure = signer.check(name).unwrap().failure().unwrap();
        assert!(failure.is_unsupported_algorithm(), "{name}: {failure}");
    }
    // What can be checked without GOST passes: the structure, the content type, and the
    // ESS signing-certificate (v1, SHA-1) binding to the TSA certificate.
    assert!(report.check(CheckName::TokenStructure).unwrap().is_passed());
    for name in [
        CheckName::SignerInfoFormat,
        CheckName::ContentType,
        CheckName::SignerCertificate,
        CheckName::SigningCertificateReference,
    ] {
        assert!(
            signer.check(name).unwrap().is_passed(),
            "{name}: {signer:#?}"
        );
    }
    let tsa = report.tsa_certificate().unwrap();
    assert!(
        tsa.subject().contains("IIN123456789011"),
        "{}",
        tsa.subject()
    );
}

#[test]
fn response_is_granted_and_indeterminate() {
    let report = verify_response(
        &vector("tsp_response.bin"),
        &TimestampExpectations::default(),
    )
    .unwrap();
    assert_eq!(report.status.unwrap().to_string(), "granted");
    assert!(report.check(CheckName::ResponseStatus).unwrap().is_passed());
    assert_nca_facts(&report);
    // Without the data, the imprint cannot be compared.
    let imprint = report
        .check(CheckName::MessageImprint)
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(
        imprint.sub_indication,
        Some(SubIndication::SignedDataNotFound)
    );
}

#[test]
fn bare_token_with_its_sha1_imprint_compared() {
    let der = vector("tsp_token.bin");
    let first = verify_token(&der, &TimestampExpectations::default()).unwrap();
    let imprint = first.token.as_ref().unwrap().imprint.clone();

    // The SHA-1 value is still compared, and the weakness reported separately.
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Digest {
            algorithm: DigestAlgorithm::Sha1,
            value: &imprint,
        }),
        policy: Some(const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.3.2.6.1")),
        ..TimestampExpectations::default()
    };
    let report = verify_token(&der, &expected).unwrap();
    assert!(report.status.is_none());
    assert_nca_facts(&report);
    assert!(report.check(CheckName::MessageImprint).unwrap().is_passed());
    assert!(report.check(CheckName::Policy).unwrap().is_passed());
    let weak = report
        .check(CheckName::ImprintAlgorithm)
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(
        weak.sub_indication,
        Some(SubIndication::CryptoConstraintsFailure)
    );

    let mut other = imprint.clone();
    other[0] ^= 1;
    let report = verify_token(
        &der,
        &TimestampExpectations {
            imprint: Some(Imprint::Digest {
                algorithm: DigestAlgorithm::Sha1,
                value: &other,
            }),
            ..TimestampExpectations::default()
        },
    )
    .unwrap();
    let failure = report
        .check(CheckName::MessageImprint)
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(failure.sub_indication, Some(SubIndication::HashFailure));
    assert!(failure.reason.starts_with("token for other data"));
}
