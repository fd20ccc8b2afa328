//! `verifier::cms::timestamp` against tokens made by `openssl ts -reply`, with `ESSCertID`
//! (section `tsa_v1`) and `ESSCertIDv2` (`tsa_v2`), and against the tamperings a token
//! verifier must catch: a token for other data, a wrong nonce or policy, injected
//! certificates, a missing ESS reference, a second signer, a broken signature.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod cms_common;

use cms_common::{
    DATA, DEFAULT_POLICY, OTHER_POLICY, add_certificates, econtent, flip, modify, modify_signers,
    pki,
};
use const_oid::ObjectIdentifier;
use der::Encode as _;
use der::asn1::OctetString;
use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_response, verify_token};
use verifier::cms::{CheckName, CmsError, TimestampReport};
use verifier::crypto::DigestAlgorithm;
use verifier::report::{Indication, SubIndication};
use verifier::tsp::{
    PkiFailureInfo, PkiFreeText, PkiStatus, PkiStatusInfo, TimeStampReq, TimeStampResp, TspError,
};

fn policy(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

fn with_data(data: &[u8]) -> TimestampExpectations<'_> {
    TimestampExpectations {
        imprint: Some(Imprint::Data(data)),
        ..TimestampExpectations::default()
    }
}

#[track_caller]
fn assert_passed(report: &TimestampReport) {
    assert_eq!(
        report.conclusion.indication,
        Indication::TotalPassed,
        "{report:#?}"
    );
}

#[track_caller]
fn assert_fails(
    report: &TimestampReport,
    indication: Indication,
    sub: SubIndication,
    by: CheckName,
) {
    let c = &report.conclusion;
    assert_eq!(
        (c.indication, c.sub_indication, c.decided_by),
        (indication, Some(sub), Some(by)),
        "{report:#?}"
    );
}

#[test]
fn response_with_nonce_and_policy_ess_v1() {
    let (req, resp) = pki().ts_exchange(DATA, &["-sha256", "-cert"], "tsa_v1");
    let req = TimeStampReq::parse(&req).unwrap();
    let nonce = req.nonce.as_ref().unwrap();
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Data(DATA)),
        nonce: Some(nonce),
        policy: Some(policy(DEFAULT_POLICY)),
        ..TimestampExpectations::default()
    };
    let report = verify_response(&resp, &expected).unwrap();
    assert_passed(&report);
    assert_eq!(report.status.unwrap().to_string(), "granted");
    for name in [
        CheckName::ResponseStatus,
        CheckName::TokenStructure,
        CheckName::MessageImprint,
        CheckName::ImprintAlgorithm,
        CheckName::Nonce,
        CheckName::Policy,
    ] {
        assert!(report.check(name).unwrap().is_passed(), "{name}");
    }
    let signer = report.signer.as_ref().unwrap();
    let ess = signer
        .check(CheckName::SigningCertificateReference)
        .unwrap();
    assert!(ess.is_passed());
    assert!(
        format!("{ess:?}").contains("signing-certificate (SHA-1)"),
        "{ess:?}"
    );

    let token = report.token.as_ref().unwrap();
    assert_eq!(token.accuracy_micros, Some(1_500_100));
    assert!(token.ordering);
    assert!(token.tsa.as_deref().unwrap().contains("CN=tsa"));
    assert!(!token.imprint_weak);
    assert_eq!(token.nonce.as_deref(), Some(nonce.as_bytes()));
    // The TSA certificate is the caller's to validate (with its critical timeStamping EKU).
    assert_eq!(
        report.tsa_certificate().unwrap().der(),
        pki().cert_der("tsa")
    );
    // `certs = ca.pem` in the TSA configuration: the CA travels with the token.
    assert_eq!(report.certificates.len(), 2);

    // The same token, bare.
    let bare = cms_common::token_of_response(&resp);
    let report = verify_token(&bare, &expected).unwrap();
    assert_passed(&report);
    assert!(report.status.is_none());
}

#[test]
fn ess_v2_token() {
    let token = pki().ts_token(DATA, "tsa_v2");
    let report = verify_token(&token, &with_data(DATA)).unwrap();
    assert_passed(&report);
    let ess = report
        .signer
        .as_ref()
        .unwrap()
        .check(CheckName::SigningCertificateReference)
        .unwrap();
    assert!(
        format!("{ess:?}").contains("signing-certificate-v2 (SHA-256)"),
        "{ess:?}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["conclusion"]["indication"], "TOTAL-PASSED");
    assert_eq!(json["token"]["policy"], DEFAULT_POLICY);
}

#[test]
fn token_for_other_data() {
    let token = pki().ts_token(b"some other protocol", "tsa_v2");
    let report = verify_token(&token, &with_data(DATA)).unwrap();
    assert_fails(
        &report,
        Indication::TotalFailed,
        SubIndication::HashFailure,
        CheckName::MessageImprint,
    );
    assert!(
        report
            .conclusion
            .reason
            .as_deref()
            .unwrap()
            .starts_with("token for other data")
    );
    // The token itself is sound.
    assert!(report.signer.as_ref().unwrap().conclusion.is_passed());
}

#[test]
fn imprint_given_as_a_digest() {
    let token = pki().ts_token(DATA, "tsa_v1");
    let sha256 = DigestAlgorithm::Sha256.digest(DATA);
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Digest {
            algorithm: DigestAlgorithm::Sha256,
            value: &sha256,
        }),
        ..TimestampExpectations::default()
    };
    assert_passed(&verify_token(&token, &expected).unwrap());

    let sha384 = DigestAlgorithm::Sha384.digest(DATA);
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Digest {
            algorithm: DigestAlgorithm::Sha384,
            value: &sha384,
        }),
        ..TimestampExpectations::default()
    };
    assert_fails(
        &verify_token(&token, &expected).unwrap(),
        Indication::Indeterminate,
        SubIndication::SignedDataNotFound,
        CheckName::MessageImprint,
    );
}

#[test]
fn sha1_imprint_is_compared_and_reported_weak() {
    let (_, resp) = pki().ts_exchange(DATA, &["-sha1", "-cert"], "tsa_v1");
    let report = verify_response(&resp, &with_data(DATA)).unwrap();
    assert!(report.check(CheckName::MessageImprint).unwrap().is_passed());
    assert!(report.token.as_ref().unwrap().imprint_weak);
    assert_fails(
        &report,
        Indication::Indeterminate,
        SubIndication::CryptoConstraintsFailure,
        CheckName::ImprintAlgorithm,
    );

    let report = verify_response(&resp, &with_data(b"other")).unwrap();
    assert_fails(
        &report,
        Indication::TotalFailed,
        SubIndication::HashFailure,
        CheckName::MessageImprint,
    );
}

#[test]
fn nonce_and_policy_must_match() {
    let (_, resp) = pki().ts_exchange(
        DATA,
        &["-sha256", "-cert", "-tspolicy", OTHER_POLICY],
        "tsa_v1",
    );
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Data(DATA)),
        policy: Some(policy(DEFAULT_POLICY)),
        ..TimestampExpectations::default()
    };
    let report = verify_response(&resp, &expected).unwrap();
    assert_fails(
        &report,
        Indication::Indeterminate,
        SubIndication::SigConstraintsFailure,
        CheckName::Policy,
    );

    let other_nonce = der::asn1::Int::new(&[0x42; 8]).unwrap();
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Data(DATA)),
        nonce: Some(&other_nonce),
        ..TimestampExpectations::default()
    };
    let report = verify_response(&resp, &expected).unwrap();
    assert_fails(
        &report,
        Indication::Indeterminate,
        SubIndication::SigConstraintsFailure,
        CheckName::Nonce,
    );

    // A token without a nonce, when one was asked for.
    let (_, resp) = pki().ts_exchange(DATA, &["-sha256", "-cert", "-no_nonce"], "tsa_v1");
    let report = verify_response(&resp, &expected).unwrap();
    assert_fails(
        &report,
        Indication::Indeterminate,
        SubIndication::SigConstraintsFailure,
        CheckName::Nonce,
    );
}

#[test]
fn injected_certificates_do_not_change_the_signer() {
    for section in ["tsa_v1", "tsa_v2"] {
        let token = pki().ts_token(DATA, section);
        let injected = modify(&token, |sd| {
            add_certificates(sd, &[pki().cert("tsa_impostor"), pki().cert("ec")]);
        });
        let report = verify_token(&injected, &with_data(DATA)).unwrap();
        assert_passed(&report);
        assert_eq!(report.certificates.len(), 4);
        assert_eq!(
            report.tsa_certificate().unwrap().der(),
            pki().cert_der("tsa")
        );

        // With the real TSA certificate gone, the ESS reference exposes the impostor.
        let swapped = modify(&token, |sd| {
            cms_common::set_certificates(sd, &[pki().cert("tsa_impostor"), pki().cert("ca")]);
        });
        let report = verify_token(&swapped, &with_data(DATA)).unwrap();
        assert_fails(
            &report,
            Indication::Indeterminate,
            SubIndication::NoSigningCertificateFound,
            CheckName::SigningCertificateReference,
        );
    }
}

#[test]
fn token_without_ess_reference() {
    // The TSTInfo of a real token, signed again by the TSA key with `openssl cms`, which adds
    // no signing-certificate attribute without `-cades`.
    let dir = pki();
    let tst_info = econtent(&dir.ts_token(DATA, "tsa_v2"));
    let token = dir.cms_sign(
        &tst_info,
        &["tsa"],
        &["-nodetach", "-econtent_type", "1.2.840.113549.1.9.16.1.4"],
    );
    let report = verify_token(&token, &with_data(DATA)).unwrap();
    assert_fails(
        &report,
        Indication::TotalFailed,
        SubIndication::FormatFailure,
        CheckName::SigningCertificateReference,
    );
    let signer = report.signer.as_ref().unwrap();
    assert!(signer.check(CheckName::SignatureValue).unwrap().is_passed());

    // With `-cades` the same re-signed token is acceptable.
    let token = dir.cms_sign(
        &tst_info,
        &["tsa"],
        &[
            "-nodetach",
            "-cades",
            "-econtent_type",
            "1.2.840.113549.1.9.16.1.4",
        ],
    );
    assert_passed(&verify_token(&token, &with_data(DATA)).unwrap());

    // Two signers: not a time-stamp token.
    let token = dir.cms_sign(
        &tst_info,
        &["tsa", "ec"],
        &[
            "-nodetach",
            "-cades",
            "-econtent_type",
            "1.2.840.113549.1.9.16.1.4",
        ],
    );
    let report = verify_token(&token, &with_data(DATA)).unwrap();
    assert_fails(
        &report,
        Indication::TotalFailed,
        SubIndication::FormatFailure,
        CheckName::TokenStructure,
    );
    assert!(report.signer.is_none());

    // A signature over id-data is not a token either.
    let token = dir.cms_sign(&tst_info, &["tsa"], &["-nodetach", "-cades"]);
    assert_fails(
        &verify_token(&token, &with_data(DATA)).unwrap(),
        Indication::TotalFailed,
        SubIndication::FormatFailure,
        CheckName::TokenStructure,
    );
}

#[test]
fn broken_token_signature() {
    let token = pki().ts_token(DATA, "tsa_v1");
    let tampered = modify(&token, |sd| {
        modify_signers(sd, |signers| {
            let mut sig = signers[0].signature.as_bytes().to_vec();
            flip(&mut sig, 12);
            signers[0].signature = OctetString::new(sig).unwrap();
        });
    });
    assert_fails(
        &verify_token(&tampered, &with_data(DATA)).unwrap(),
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        CheckName::SignatureValue,
    );
}

#[test]
fn refused_response_is_an_error() {
    let refused = TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: PkiFreeText::new(vec!["bad algorithm".into()]),
            fail_info: Some(PkiFailureInfo::BAD_ALG),
        },
        time_stamp_token: None,
    }
    .to_der()
    .unwrap();
    assert!(matches!(
        verify_response(&refused, &with_data(DATA)),
        Err(CmsError::Tsp(TspError::NotGranted {
            status: PkiStatus::Rejection,
            ..
        }))
    ));
    assert!(matches!(
        verify_token(b"\x30\x03\x02\x01\x00", &with_data(DATA)),
        Err(CmsError::Malformed { .. })
    ));
}
