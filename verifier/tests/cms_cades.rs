//! CAdES attributes through `verifier::cms`: the ESS signing-certificate-v2 binding
//! (`openssl cms -sign -cades`), countersignatures (RFC 5652 §11.4), signature time-stamps
//! (CAdES-T, from `openssl ts`) and validation data (CAdES-LT), the unsigned attributes being
//! added with the `cms` crate's encoder.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod cms_common;

use cms::signed_data::SignerInfo;
use cms_common::{
    DATA, add_certificates, add_unsigned, attribute, first_signer, modify, modify_signers, pki,
    set_certificates, signature_value,
};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Sequence};
use verifier::cms::cades::RevocationValues;
use verifier::cms::{CheckName, SignedDataReport, SignedMessage, SignerReport, VerifyOptions};
use verifier::report::{Indication, SubIndication};
use verifier::tsp::SigningCertificateV2;
use x509_cert::attr::Attribute;
use x509_cert::serial_number::SerialNumber;

const COUNTERSIGNATURE: &str = "1.2.840.113549.1.9.6";
const SIGNATURE_TIME_STAMP: &str = "1.2.840.113549.1.9.16.2.14";
const CERT_VALUES: &str = "1.2.840.113549.1.9.16.2.23";
const REVOCATION_VALUES: &str = "1.2.840.113549.1.9.16.2.24";

fn verify(der: &[u8]) -> SignedDataReport {
    SignedMessage::parse(der)
        .unwrap()
        .verify(&VerifyOptions::default())
}

fn only_signer(report: &SignedDataReport) -> &SignerReport {
    assert_eq!(report.signers.len(), 1);
    &report.signers[0]
}

#[track_caller]
fn assert_conclusion(
    signer: &SignerReport,
    indication: Indication,
    sub: Option<SubIndication>,
    by: Option<CheckName>,
) {
    let c = &signer.conclusion;
    assert_eq!(
        (c.indication, c.sub_indication, c.decided_by),
        (indication, sub, by),
        "{:#?}",
        signer.checks
    );
}

fn passed(signer: &SignerReport) {
    assert_conclusion(signer, Indication::TotalPassed, None, None);
}

/// Adds `attr` to the unsigned attributes of the (only) signer of `der`.
fn with_unsigned(der: &[u8], attr: Attribute) -> Vec<u8> {
    modify(der, |sd| {
        modify_signers(sd, |s| add_unsigned(&mut s[0], attr))
    })
}

#[test]
fn signing_certificate_v2_binds_the_certificate() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach", "-cades"]);
    let report = verify(&der);
    let s = only_signer(&report);
    passed(s);
    let ess = s.check(CheckName::SigningCertificateReference).unwrap();
    assert!(ess.is_passed());
    assert!(format!("{ess:?}").contains("signing-certificate-v2 (SHA-256)"));

    // Substituted: same issuer and serial number, other key. The ESS reference decides
    // (ETSI EN 319 102-1 §5.2.3.4), before the signature.
    let swapped = modify(&der, |sd| {
        set_certificates(sd, &[pki().cert("ec_impostor")])
    });
    let report = verify(&swapped);
    let s = only_signer(&report);
    assert_conclusion(
        s,
        Indication::Indeterminate,
        Some(SubIndication::NoSigningCertificateFound),
        Some(CheckName::SigningCertificateReference),
    );
    assert_eq!(
        s.check(CheckName::SignatureValue)
            .unwrap()
            .failure()
            .unwrap()
            .sub_indication,
        Some(SubIndication::SigCryptoFailure)
    );

    // Injected beside the real one: the reference picks the real one.
    let both = modify(&der, |sd| {
        add_certificates(sd, &[pki().cert("ec_impostor")])
    });
    let report = verify(&both);
    let s = only_signer(&report);
    passed(s);
    assert_eq!(
        s.signer_certificate.as_ref().unwrap().der(),
        pki().cert_der("ec")
    );

    // A tampered reference no longer names the certificate: its hash, or its issuerSerial.
    let tamper_ess = |f: &dyn Fn(&mut SigningCertificateV2)| {
        modify(&der, |sd| {
            modify_signers(sd, |s| {
                cms_common::modify_signed_attr(&mut s[0], "1.2.840.113549.1.9.16.2.47", |v| {
                    let mut value = SigningCertificateV2::from_der(v).unwrap();
                    f(&mut value);
                    *v = value.to_der().unwrap();
                });
            });
        })
    };
    let other_hash = tamper_ess(&|v| {
        let mut hash = v.certs[0].cert_hash.as_bytes().to_vec();
        cms_common::flip(&mut hash, 0);
        v.certs[0].cert_hash = OctetString::new(hash).unwrap();
    });
    let other_serial = tamper_ess(&|v| {
        let issuer_serial = v.certs[0].issuer_serial.as_mut().unwrap();
        issuer_serial.serial_number = SerialNumber::new(&[0x10, 0x02]).unwrap();
    });
    for (tampered, words) in [(other_hash, "hash"), (other_serial, "issuerSerial")] {
        let report = verify(&tampered);
        let s = only_signer(&report);
        assert_conclusion(
            s,
            Indication::Indeterminate,
            Some(SubIndication::NoSigningCertificateFound),
            Some(CheckName::SigningCertificateReference),
        );
        assert!(s.conclusion.reason.as_deref().unwrap().contains(words));
        // The signed attributes changed, so the signature fails as well.
        assert!(!s.check(CheckName::SignatureValue).unwrap().is_passed());
    }
}

#[test]
fn signature_time_stamp() {
    let der = pki().cms_sign(DATA, &["rsa"], &["-nodetach", "-cades"]);
    let token = pki().ts_token(&signature_value(&der), "tsa_v2");
    let stamped = with_unsigned(&der, attribute(SIGNATURE_TIME_STAMP, &token));
    let report = verify(&stamped);
    let s = only_signer(&report);
    passed(s);
    assert_eq!(s.signature_timestamps.len(), 1);
    let ts = &s.signature_timestamps[0];
    assert_eq!(ts.conclusion.indication, Indication::TotalPassed, "{ts:#?}");
    assert!(ts.check(CheckName::MessageImprint).unwrap().is_passed());
    assert_eq!(ts.tsa_certificate().unwrap().der(), pki().cert_der("tsa"));
    assert!(ts.gen_time().is_some());

    // A token over something else: the time-stamp fails, the signature does not.
    let token = pki().ts_token(DATA, "tsa_v1");
    let stamped = with_unsigned(&der, attribute(SIGNATURE_TIME_STAMP, &token));
    let report = verify(&stamped);
    let s = only_signer(&report);
    passed(s);
    let ts = &s.signature_timestamps[0];
    assert_eq!(
        (ts.conclusion.indication, ts.conclusion.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::HashFailure))
    );

    // Not a token at all.
    let junk = OctetString::new(b"junk".to_vec())
        .unwrap()
        .to_der()
        .unwrap();
    let report = verify(&with_unsigned(&der, attribute(SIGNATURE_TIME_STAMP, &junk)));
    let ts = &only_signer(&report).signature_timestamps[0];
    assert_eq!(ts.conclusion.decided_by, Some(CheckName::TokenStructure));
    passed(only_signer(&report));
}

/// A countersignature of `signed` made by `openssl cms -sign` over its signature value.
fn countersignature(signature: &[u8], signer: &str, extra: &[&str]) -> SignerInfo {
    first_signer(&pki().cms_sign(signature, &[signer], extra))
}

#[test]
fn countersignatures() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);
    let sig = signature_value(&der);

    // Without signed attributes: over the signature value itself.
    let counter = countersignature(&sig, "rsa", &["-noattr"]);
    let signed = with_unsigned(
        &der,
        attribute(COUNTERSIGNATURE, &counter.to_der().unwrap()),
    );
    let signed = modify(&signed, |sd| add_certificates(sd, &[pki().cert("rsa")]));
    let report = verify(&signed);
    let s = only_signer(&report);
    passed(s);
    assert_eq!(s.countersignatures.len(), 1);
    let c = &s.countersignatures[0];
    passed(c);
    assert_eq!(
        c.signer_certificate.as_ref().unwrap().der(),
        pki().cert_der("rsa")
    );

    // Over other bytes.
    let counter = countersignature(b"not the signature", "rsa", &["-noattr"]);
    let signed = with_unsigned(
        &der,
        attribute(COUNTERSIGNATURE, &counter.to_der().unwrap()),
    );
    let signed = modify(&signed, |sd| add_certificates(sd, &[pki().cert("rsa")]));
    let report = verify(&signed);
    passed(only_signer(&report));
    assert_conclusion(
        &only_signer(&report).countersignatures[0],
        Indication::TotalFailed,
        Some(SubIndication::SigCryptoFailure),
        Some(CheckName::SignatureValue),
    );

    // With signed attributes, OpenSSL adds a content-type, which §11.4 forbids here.
    let counter = countersignature(&sig, "ec", &[]);
    let signed = with_unsigned(
        &der,
        attribute(COUNTERSIGNATURE, &counter.to_der().unwrap()),
    );
    let report = verify(&signed);
    let c = &only_signer(&report).countersignatures[0];
    assert_conclusion(
        c,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        Some(CheckName::ContentType),
    );
    // Its message digest over the signature value is right all the same.
    assert!(c.check(CheckName::MessageDigest).unwrap().is_passed());
}

#[test]
fn deep_countersignature_nesting_is_bounded() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach", "-noattr"]);
    // A chain of countersignatures, each over the previous one's signature.
    let mut chain = vec![first_signer(&der)];
    for _ in 0..6 {
        let previous = chain.last().unwrap().signature.as_bytes().to_vec();
        chain.push(countersignature(&previous, "ec", &["-noattr"]));
    }
    // Nest them: the last inside the one before, and so on up to the signer.
    let mut inner = chain.pop().unwrap();
    while let Some(mut outer) = chain.pop() {
        add_unsigned(
            &mut outer,
            attribute(COUNTERSIGNATURE, &inner.to_der().unwrap()),
        );
        inner = outer;
    }
    let nested = modify(&der, |sd| modify_signers(sd, |s| s[0] = inner));
    let report = verify(&nested);
    let mut level = only_signer(&report);
    passed(level);
    let mut depth = 0;
    while let Some(next) = level.countersignatures.first() {
        passed(next);
        level = next;
        depth += 1;
    }
    assert_eq!(depth, verifier::cms::MAX_DEPTH);
    let nesting = &level.unsigned_attributes[0];
    assert_eq!(nesting.name, CheckName::Nesting);
}

/// `OCSPResponse` (RFC 6960 §4.2.1), to take the `BasicOCSPResponse` out of one.
#[derive(Sequence)]
struct OcspResponse {
    status: Any,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    bytes: Option<ResponseBytes>,
}

#[derive(Sequence)]
struct ResponseBytes {
    kind: ObjectIdentifier,
    response: OctetString,
}

#[test]
fn validation_data_is_extracted() {
    let nca = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/nca/");
    let crl = std::fs::read(format!("{nca}crl/nca_rsa_test.crl")).unwrap();
    let ocsp = std::fs::read(format!("{nca}ocsp/ocsp_response_individual_sign_2004.bin")).unwrap();
    let basic = OcspResponse::from_der(&ocsp)
        .unwrap()
        .bytes
        .unwrap()
        .response
        .as_bytes()
        .to_vec();

    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach", "-cades"]);
    let cert_values: Vec<Any> = ["ca", "ec"]
        .iter()
        .map(|n| Any::from_der(&pki().cert_der(n)).unwrap())
        .collect();
    let revocation_values = RevocationValues {
        crl_vals: Some(vec![Any::from_der(&crl).unwrap()]),
        ocsp_vals: Some(vec![Any::from_der(&basic).unwrap()]),
        other_rev_vals: None,
    };
    let lt = with_unsigned(&der, attribute(CERT_VALUES, &cert_values.to_der().unwrap()));
    let lt = with_unsigned(
        &lt,
        attribute(REVOCATION_VALUES, &revocation_values.to_der().unwrap()),
    );
    let report = verify(&lt);
    let s = only_signer(&report);
    passed(s);
    assert_eq!(s.certificate_values.len(), 2);
    assert_eq!(s.certificate_values[0].der(), pki().cert_der("ca"));
    assert_eq!(s.revocation_values.crls[0].0, crl);
    assert_eq!(s.revocation_values.basic_ocsp_responses[0].0, basic);
    assert!(s.unsigned_attributes.iter().all(|c| c.is_passed()));

    // Unreadable validation data is reported but never held against the signature.
    let junk = OctetString::new(b"junk".to_vec())
        .unwrap()
        .to_der()
        .unwrap();
    let bad = with_unsigned(&der, attribute(REVOCATION_VALUES, &junk));
    let report = verify(&bad);
    let s = only_signer(&report);
    passed(s);
    assert_eq!(
        s.unsigned_attributes[0].failure().unwrap().sub_indication,
        Some(SubIndication::FormatFailure)
    );
}
