//! The RFC 6960 types round-trip byte for byte: the NCA's responses, requests and responses
//! made by `openssl ocsp`, and values built here; and OpenSSL reads the requests we build.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::fs;

use der::asn1::{GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use revocation_common::{Ca, Profile, nca, nca_cert, openssl};
use verifier::crypto::DigestAlgorithm;
use verifier::revocation::ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspNonce, OcspRequest, OcspResponse,
    OcspResponseStatus, OcspVersion, ResponderId, ResponseData, RevokedInfo, SingleResponse,
};
use verifier::revocation::{
    Crl, DecodeError, EtsiSubIndication, ParsedOcspResponse, RevocationStatus, SourceOrigin,
    SourceProblem, check_ocsp_response,
};
use x509_cert::ext::pkix::CrlReason;

const KU: &str = "keyCertSign,cRLSign";

fn round_trip<'a, T: Decode<'a> + Encode + std::fmt::Debug>(der: &'a [u8]) -> T
where
    T::Error: std::fmt::Debug,
{
    let value = T::from_der(der).unwrap();
    assert_eq!(value.to_der().unwrap(), der, "{value:?}");
    value
}

#[test]
fn nca_responses_round_trip() {
    for name in [
        "ocsp_response_individual_sign_2004.bin",
        "ocsp_response_ceo_sign_2004_revoked.bin",
        "ocsp_response_ceo_2015_revoked.bin",
        "ocsp_response_individual_2015.bin",
    ] {
        let der = fs::read(nca(&format!("ocsp/{name}"))).unwrap();
        let response: OcspResponse = round_trip(&der);
        let bytes = response.response_bytes.unwrap();
        let basic: BasicOcspResponse = round_trip(bytes.response.as_bytes());
        let data = &basic.tbs_response_data;
        assert_eq!(data.version, None);
        assert!(matches!(data.responder_id, ResponderId::ByName(_)));
        assert_eq!(data.responses.len(), 1);
        assert_eq!(basic.certs.as_ref().map(Vec::len), Some(1));
        // The NCA responder echoes an 8-byte nonce.
        let nonce = OcspNonce::find(data.response_extensions.as_deref())
            .unwrap()
            .unwrap();
        assert_eq!(nonce.as_bytes().len(), 8, "{name}");
    }
}

#[test]
fn openssl_requests_and_responses_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let good = ca.issue("good", &Profile::default());
    let held = ca.issue("held", &Profile::default());
    ca.hold(&held);
    let unknown = ca.issue_unrecorded("unknown", "4242", &Profile::default());
    let d = &ca.dir;

    for (leaf, options, key_id) in [
        (&good, &[][..], false),
        (&held, &["-no_nonce"][..], true),
        (&unknown, &["-sha256"][..], false),
    ] {
        let path = leaf.cert_path.to_str().unwrap();
        // Options first: OpenSSL wants the digest before -cert.
        let mut args = vec!["ocsp"];
        args.extend_from_slice(options);
        args.extend(["-issuer", "ca.crt", "-cert", path, "-reqout", "req.der"]);
        openssl(d, &args);
        let req_der = fs::read(d.join("req.der")).unwrap();
        let request: OcspRequest = round_trip(&req_der);
        assert_eq!(OcspRequest::parse(&req_der).unwrap(), request);
        let nonce = request.nonce().unwrap();
        assert_eq!(nonce.is_some(), !options.contains(&"-no_nonce"));

        // Our CertID equals OpenSSL's.
        let digest = if options.contains(&"-sha256") {
            DigestAlgorithm::Sha256
        } else {
            DigestAlgorithm::Sha1
        };
        let ours = CertId::for_certificate(&leaf.cert, &ca.cert, digest).unwrap();
        assert_eq!(request.tbs_request.request_list[0].req_cert, ours);

        let mut args = vec![
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "ca.crt",
            "-rkey",
            "ca.key",
            "-CA",
            "ca.crt",
            "-reqin",
            "req.der",
            "-respout",
            "resp.der",
            "-nmin",
            "5",
        ];
        if key_id {
            args.push("-resp_key_id");
        }
        openssl(d, &args);
        let resp_der = fs::read(d.join("resp.der")).unwrap();
        let response: OcspResponse = round_trip(&resp_der);
        let basic: BasicOcspResponse = round_trip(
            response
                .response_bytes
                .as_ref()
                .unwrap()
                .response
                .as_bytes(),
        );
        let single = &basic.tbs_response_data.responses[0];
        assert_eq!(single.cert_id, ours);
        assert!(single.next_update.is_some());
        match leaf.name.as_str() {
            "good" => assert!(matches!(single.cert_status, CertStatus::Good(_))),
            "held" => assert!(matches!(
                single.cert_status,
                CertStatus::Revoked(RevokedInfo {
                    revocation_reason: Some(CrlReason::CertificateHold),
                    ..
                })
            )),
            _ => assert!(matches!(single.cert_status, CertStatus::Unknown(_))),
        }
        assert_eq!(
            matches!(basic.tbs_response_data.responder_id, ResponderId::ByKey(_)),
            key_id
        );
        let parsed = ParsedOcspResponse::parse(&resp_der).unwrap();
        assert!(parsed.verify_signature(&ca.cert).is_ok());
    }
}

#[test]
fn openssl_reads_our_requests() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let nonce = OcspNonce::random().unwrap();
    let id = CertId::for_certificate(&leaf.cert, &ca.cert, DigestAlgorithm::Sha1).unwrap();
    let der = OcspRequest::single(id, Some(&nonce)).to_der().unwrap();
    fs::write(ca.dir.join("ours.der"), &der).unwrap();
    let text = String::from_utf8(openssl(
        &ca.dir,
        &["ocsp", "-reqin", "ours.der", "-req_text", "-noverify"],
    ))
    .unwrap();
    assert!(text.contains("Hash Algorithm: sha1"), "{text}");
    assert!(text.contains("Serial Number: 1000"), "{text}");
    assert!(
        text.contains(&hex::encode_upper(nonce.extension_value())),
        "{text}"
    );
    // And OpenSSL's responder answers them, echoing the nonce.
    openssl(
        &ca.dir,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "ca.crt",
            "-rkey",
            "ca.key",
            "-CA",
            "ca.crt",
            "-reqin",
            "ours.der",
            "-respout",
            "resp.der",
        ],
    );
    let resp = fs::read(ca.dir.join("resp.der")).unwrap();
    let status = check_ocsp_response(
        &resp,
        Some(&nonce),
        SourceOrigin::Supplied,
        &leaf.cert,
        &ca.cert,
        std::time::SystemTime::now(),
        &Default::default(),
    );
    assert!(status.is_good(), "{status:#?}");
}

fn sample_single(status: CertStatus) -> SingleResponse {
    let cert = nca_cert("certs/individual_valid_sign_2004_rsa.cer");
    let ca = nca_cert("ca/nca_rsa_test.crt");
    SingleResponse {
        cert_id: CertId::for_certificate(&cert, &ca, DigestAlgorithm::Sha256).unwrap(),
        cert_status: status,
        this_update: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            1_650_000_000,
        ))
        .unwrap(),
        next_update: Some(
            GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(1_650_086_400))
                .unwrap(),
        ),
        single_extensions: None,
    }
}

#[test]
fn built_values_round_trip() {
    let revoked = CertStatus::Revoked(RevokedInfo {
        revocation_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            1_600_000_000,
        ))
        .unwrap(),
        revocation_reason: Some(CrlReason::KeyCompromise),
    });
    let data = ResponseData {
        version: None,
        responder_id: ResponderId::ByKey(OctetString::new([7u8; 20]).unwrap()),
        produced_at: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            1_650_000_001,
        ))
        .unwrap(),
        responses: vec![
            sample_single(CertStatus::Good(Null)),
            sample_single(revoked),
            sample_single(CertStatus::Unknown(Null)),
        ],
        response_extensions: Some(vec![OcspNonce::new(&[1; 32]).unwrap().to_extension()]),
    };
    let der = data.to_der().unwrap();
    let back: ResponseData = round_trip(&der);
    assert_eq!(back, data);

    // CertStatus tags: [0] IMPLICIT NULL, [1] IMPLICIT SEQUENCE, [2] IMPLICIT NULL.
    assert_eq!(CertStatus::Good(Null).to_der().unwrap(), [0x80, 0x00]);
    assert_eq!(CertStatus::Unknown(Null).to_der().unwrap(), [0x82, 0x00]);
    assert_eq!(revoked.to_der().unwrap()[0], 0xa1);
    // ResponderID: [1] and [2], explicitly tagged.
    let by_key = ResponderId::ByKey(OctetString::new([0xab]).unwrap());
    assert_eq!(by_key.to_der().unwrap(), [0xa2, 0x03, 0x04, 0x01, 0xab]);
}

#[test]
fn explicit_default_version_is_not_der() {
    let cert = nca_cert("certs/individual_valid_sign_2004_rsa.cer");
    let ca = nca_cert("ca/nca_rsa_test.crt");
    let id = CertId::for_certificate(&cert, &ca, DigestAlgorithm::Sha1).unwrap();
    let mut request = OcspRequest::single(id, None);
    request.tbs_request.version = Some(OcspVersion::V1);
    let der = request.to_der().unwrap();
    assert!(
        OcspRequest::from_der(&der).is_ok(),
        "the derive alone accepts it"
    );
    assert!(matches!(
        OcspRequest::parse(&der),
        Err(DecodeError::ExplicitDefaultVersion {
            structure: "TBSRequest"
        })
    ));
}

#[test]
fn unsuccessful_responses_carry_no_bytes_and_mean_try_later() {
    let try_later = OcspResponse {
        response_status: OcspResponseStatus::TryLater,
        response_bytes: None,
    };
    let der = try_later.to_der().unwrap();
    assert_eq!(der, [0x30, 0x03, 0x0a, 0x01, 0x03]);
    let parsed = ParsedOcspResponse::parse(&der).unwrap();
    assert_eq!(parsed.status(), OcspResponseStatus::TryLater);

    let status = check_ocsp_response(
        &der,
        None,
        SourceOrigin::Supplied,
        &nca_cert("certs/individual_valid_sign_2004_rsa.cer"),
        &nca_cert("ca/nca_rsa_test.crt"),
        std::time::SystemTime::now(),
        &Default::default(),
    );
    let RevocationStatus::Indeterminate { rejected, .. } = &status else {
        panic!("{status:#?}");
    };
    assert_eq!(
        rejected[0].problem,
        SourceProblem::OcspNotSuccessful {
            status: OcspResponseStatus::TryLater
        }
    );
    assert_eq!(
        status.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );

    // `successful` without responseBytes, and an unused status value, are refused.
    assert!(matches!(
        ParsedOcspResponse::parse(&[0x30, 0x03, 0x0a, 0x01, 0x00]),
        Err(DecodeError::ResponseBytesPresence { present: false, .. })
    ));
    assert!(ParsedOcspResponse::parse(&[0x30, 0x03, 0x0a, 0x01, 0x04]).is_err());
}

#[test]
fn openssl_crls_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    ca.revoke(&leaf, "keyCompromise");
    for der in [ca.crl(24), ca.delta_crl(24, 1)] {
        let crl = Crl::from_der(&der).unwrap();
        assert_eq!(crl.certificate_list().to_der().unwrap(), der);
        assert_eq!(crl.len(), 1);
    }
    let nca_der = fs::read(nca("crl/nca_rsa_test.crl")).unwrap();
    let nca_crl = Crl::from_der(&nca_der).unwrap();
    assert_eq!(nca_crl.certificate_list().to_der().unwrap(), nca_der);
}
