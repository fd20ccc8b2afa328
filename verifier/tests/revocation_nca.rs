//! The National Certification Centre's test CRLs and OCSP responses (see
//! `shared/vectors/nca/README.md`): the RSA ones verify, the GOST ones parse and come out
//! INDETERMINATE with "unsupported algorithm".

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::fs;

use revocation_common::{nca, nca_cert, utc};
use verifier::revocation::ocsp::CertStatus;
use verifier::revocation::{
    Crl, Evidence, OcspResponseStatus, ParsedOcspResponse, ProblemClass, ResponderKind,
    RevocationReason, RevocationSources, RevocationStatus, SourceOrigin, SourceProblem, check,
};

fn crl(path: &str) -> Crl {
    Crl::from_der(&fs::read(nca(path)).unwrap()).unwrap()
}

fn ocsp(path: &str) -> ParsedOcspResponse {
    ParsedOcspResponse::parse(&fs::read(nca(path)).unwrap()).unwrap()
}

fn sources(kind: &str, path: &str) -> RevocationSources {
    let bytes = fs::read(nca(path)).unwrap();
    let mut sources = RevocationSources::new();
    let added = match kind {
        "crl" => sources.add_crls(&bytes, SourceOrigin::Supplied),
        _ => sources.add_ocsp_responses(&bytes, SourceOrigin::Supplied),
    };
    assert_eq!(added, 1);
    sources
}

fn unsupported(status: &RevocationStatus) {
    let RevocationStatus::Indeterminate { rejected, .. } = status else {
        panic!("expected indeterminate, got {status:#?}");
    };
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    let SourceProblem::UnsupportedAlgorithm { detail } = &rejected[0].problem else {
        panic!("{rejected:#?}");
    };
    assert!(detail.contains("GOST"), "{detail}");
    assert_eq!(
        rejected[0].problem.class(),
        ProblemClass::UnsupportedAlgorithm
    );
    assert_eq!(
        status.etsi_sub_indication(),
        None,
        "INDETERMINATE, unsupported algorithm"
    );
}

#[test]
fn rsa_crl_verifies_and_the_individual_is_not_revoked() {
    let ca = nca_cert("ca/nca_rsa_test.crt");
    let individual = nca_cert("certs/individual_valid_sign_2004_rsa.cer");
    let list = crl("crl/nca_rsa_test.crl");
    assert_eq!(list.number().as_deref(), Some("9"));
    assert!(!list.is_delta());
    assert!(!list.is_empty());
    assert_eq!(list.this_update().to_string(), "2022-03-29T04:18:29Z");
    assert_eq!(
        list.next_update().map(|t| t.to_string()).as_deref(),
        Some("2022-09-25T04:18:29Z")
    );
    assert_eq!(
        list.verify_signature(&ca).unwrap().to_string(),
        "sha256WithRSAEncryption"
    );

    let status = check(
        &individual,
        &ca,
        utc(2022, 6, 1, 0, 0, 0),
        &sources("crl", "crl/nca_rsa_test.crl"),
        &Default::default(),
    );
    let RevocationStatus::Good {
        evidence: Evidence::Crl(evidence),
        revoked_after_time: None,
        rejected,
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert!(rejected.is_empty());
    assert_eq!(evidence.number.as_deref(), Some("9"));
    assert!(evidence.issuer.contains("RSA TEST"), "{}", evidence.issuer);

    // After nextUpdate the CRL is stale.
    let late = check(
        &individual,
        &ca,
        utc(2022, 10, 1, 0, 0, 0),
        &sources("crl", "crl/nca_rsa_test.crl"),
        &Default::default(),
    );
    assert!(matches!(
        late.rejected()[0].problem,
        SourceProblem::Stale { .. }
    ));
}

#[test]
fn rsa_crl_entries_carry_reasons() {
    let list = crl("crl/nca_rsa_test.crl");
    let serial = |hex: &str| {
        x509_cert::serial_number::SerialNumber::new(&hex::decode(hex).unwrap()).unwrap()
    };
    let hold = list
        .entry(&serial("474C38696D8677A2C8B6E40345A8B04168C0905C"))
        .unwrap()
        .unwrap();
    assert_eq!(hold.reason, Some(RevocationReason::CertificateHold));
    assert_eq!(hold.revocation_date.to_string(), "2021-04-01T06:56:52Z");
    let compromised = list
        .entry(&serial("4B779CB5647C4DA7B07327C503EAB1656D716ED8"))
        .unwrap()
        .unwrap();
    assert_eq!(compromised.reason, Some(RevocationReason::KeyCompromise));
    let no_reason = list
        .entry(&serial("1F6DE34F4F4BB353DD57EF15E4E6DDB8363F6D00"))
        .unwrap()
        .unwrap();
    assert_eq!(no_reason.reason, None);
}

#[test]
fn gost_crls_parse_but_their_signatures_are_unsupported() {
    let gost = crl("crl/nca_gost_test.crl");
    assert_eq!(gost.number().as_deref(), Some("7"));
    let err = gost
        .verify_signature(&nca_cert("ca/nca_gost_test.crt"))
        .unwrap_err();
    assert!(
        matches!(err, SourceProblem::UnsupportedAlgorithm { .. }),
        "{err}"
    );

    let gost2022 = crl("crl/nca_gost2022_test.crl");
    assert_eq!(gost2022.number().as_deref(), Some("4"));
    let err = gost2022
        .verify_signature(&nca_cert("ca/nca_gost2015_test.cer"))
        .unwrap_err();
    assert!(
        matches!(err, SourceProblem::UnsupportedAlgorithm { .. }),
        "{err}"
    );

    // Through the full check: INDETERMINATE, never revoked or invalid.
    let status = check(
        &nca_cert("certs/ceo_valid_sign_2004_gost.cer"),
        &nca_cert("ca/nca_gost_test.crt"),
        utc(2022, 6, 1, 0, 0, 0),
        &sources("crl", "crl/nca_gost_test.crl"),
        &Default::default(),
    );
    unsupported(&status);
}

#[test]
fn rsa_ocsp_response_is_good_and_verifies_through_its_delegated_responder() {
    let response = ocsp("ocsp/ocsp_response_individual_sign_2004.bin");
    assert_eq!(response.status(), OcspResponseStatus::Successful);
    assert_eq!(
        response.produced_at().unwrap().to_string(),
        "2022-09-02T16:53:59Z"
    );
    let basic = response.basic().unwrap();
    assert_eq!(
        basic.signature_algorithm.oid,
        const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
    );
    let single = &basic.tbs_response_data.responses[0];
    assert!(matches!(single.cert_status, CertStatus::Good(_)));

    // The responder certificate is included and issued by the NCA RSA test CA.
    let ca = nca_cert("ca/nca_rsa_test.crt");
    let ResponderKind::Delegated {
        subject, nocheck, ..
    } = response.verify_signature(&ca).unwrap()
    else {
        panic!("expected a delegated responder");
    };
    assert!(subject.contains("IIN123456789011"), "{subject}");
    assert!(
        nocheck,
        "the responder certificate carries id-pkix-ocsp-nocheck"
    );

    // It is about another certificate of that CA than the individual's in the vectors.
    let status = check(
        &nca_cert("certs/individual_valid_sign_2004_rsa.cer"),
        &ca,
        utc(2022, 9, 2, 17, 0, 0),
        &sources("ocsp", "ocsp/ocsp_response_individual_sign_2004.bin"),
        &Default::default(),
    );
    let RevocationStatus::Indeterminate { rejected, .. } = &status else {
        panic!("{status:#?}");
    };
    assert_eq!(rejected[0].problem, SourceProblem::OtherCertificate);
}

#[test]
fn gost_ocsp_responses_are_revoked_but_unsupported() {
    let cases = [
        (
            "ocsp/ocsp_response_ceo_sign_2004_revoked.bin",
            "ca/nca_gost_test.crt",
            "2022-01-18T06:30:55Z",
            RevocationReason::Superseded,
        ),
        (
            "ocsp/ocsp_response_ceo_2015_revoked.bin",
            "ca/nca_gost2015_test.cer",
            "2022-07-27T10:25:30Z",
            RevocationReason::CertificateHold,
        ),
        (
            "ocsp/ocsp_response_individual_2015.bin",
            "ca/nca_gost2015_test.cer",
            "1970-01-01T00:00:00Z",
            RevocationReason::CertificateHold,
        ),
    ];
    for (path, issuer, time, reason) in cases {
        let response = ocsp(path);
        assert_eq!(response.status(), OcspResponseStatus::Successful, "{path}");
        let single = &response.basic().unwrap().tbs_response_data.responses[0];
        let CertStatus::Revoked(info) = single.cert_status else {
            panic!("{path}: {:?}", single.cert_status);
        };
        assert_eq!(
            info.revocation_time.to_date_time().to_string(),
            time,
            "{path}"
        );
        assert_eq!(
            info.revocation_reason.map(RevocationReason::from),
            Some(reason)
        );
        let err = response.verify_signature(&nca_cert(issuer)).unwrap_err();
        assert!(
            matches!(err, SourceProblem::UnsupportedAlgorithm { .. }),
            "{path}: {err}"
        );
    }

    // Through the full check, for the CEO's GOST certificate and its CA.
    let status = check(
        &nca_cert("certs/ceo_valid_sign_2004_gost.cer"),
        &nca_cert("ca/nca_gost_test.crt"),
        utc(2022, 9, 2, 17, 0, 0),
        &sources("ocsp", "ocsp/ocsp_response_ceo_sign_2004_revoked.bin"),
        &Default::default(),
    );
    unsupported(&status);
}
