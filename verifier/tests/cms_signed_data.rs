//! `verifier::cms` against CMS `SignedData` made by `openssl cms -sign`: ECDSA P-256 and
//! RSA-2048, attached and detached, with and without signed attributes, several signers, and
//! the tamperings each check exists to catch.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod cms_common;

use cms_common::{DATA, flip, modify, modify_signed_attr, modify_signers, pki, set_certificates};
use der::Any;
use der::asn1::OctetString;
use verifier::cms::{
    CertificateSource, CheckName, CmsError, ContentDigest, ContentSource, DetachedContent, Outcome,
    SignedDataReport, SignedMessage, SignerId, SignerReport, TimeEncoding, VerifyOptions,
};
use verifier::crypto::DigestAlgorithm;
use verifier::report::{Indication, SubIndication};

fn verify(der: &[u8], detached: Option<DetachedContent<'_>>) -> SignedDataReport {
    let message = SignedMessage::parse(der).unwrap();
    message.verify(&VerifyOptions {
        detached_content: detached,
        ..VerifyOptions::default()
    })
}

fn only_signer(report: &SignedDataReport) -> &SignerReport {
    assert_eq!(report.signers.len(), 1, "{report:#?}");
    &report.signers[0]
}

#[track_caller]
fn assert_passed(signer: &SignerReport) {
    assert_eq!(
        signer.conclusion.indication,
        Indication::TotalPassed,
        "{:#?}",
        signer.checks
    );
}

#[track_caller]
fn assert_fails(signer: &SignerReport, indication: Indication, sub: SubIndication, by: CheckName) {
    let c = &signer.conclusion;
    assert_eq!(
        (c.indication, c.sub_indication, c.decided_by),
        (indication, Some(sub), Some(by)),
        "{:#?}",
        signer.checks
    );
}

fn outcome(signer: &SignerReport, name: CheckName) -> &Outcome {
    &signer.check(name).unwrap().outcome
}

#[test]
fn ecdsa_attached_with_signed_attributes() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach", "-md", "sha256"]);
    let report = verify(&der, None);
    assert_eq!(report.content_type.to_string(), "1.2.840.113549.1.7.1");
    assert_eq!(
        report.content,
        ContentSource::Encapsulated {
            length: DATA.len(),
            detached_content_ignored: false
        }
    );
    let signer = only_signer(&report);
    assert_passed(signer);
    let cert = signer.signer_certificate.as_ref().unwrap();
    assert_eq!(cert.der(), pki().cert_der("ec"));
    assert_eq!(cert.source(), CertificateSource::SignedData);
    assert!(matches!(
        signer.signer_identifier,
        Some(SignerId::IssuerAndSerialNumber { ref serial_number, .. }) if serial_number == &[0x10, 0x01]
    ));
    assert_eq!(signer.signing_time.unwrap().encoding, TimeEncoding::UtcTime);
    for name in [
        CheckName::SignerInfoFormat,
        CheckName::ContentType,
        CheckName::SigningTime,
        CheckName::SignerCertificate,
        CheckName::MessageDigest,
        CheckName::SignatureValue,
        CheckName::DigestAlgorithm,
    ] {
        assert!(signer.check(name).unwrap().is_passed(), "{name}");
    }
    assert!(matches!(
        outcome(signer, CheckName::SigningCertificateReference),
        Outcome::NotApplicable { .. }
    ));
    // The embedded certificate is returned for path validation.
    assert_eq!(report.certificates.len(), 1);
}

#[test]
fn rsa_detached_with_content_digests_or_nothing() {
    let der = pki().cms_sign(DATA, &["rsa"], &["-md", "sha256"]);
    let signer = verify(&der, Some(DetachedContent::Bytes(DATA)));
    assert_passed(only_signer(&signer));
    assert_eq!(
        signer.content,
        ContentSource::DetachedBytes { length: DATA.len() }
    );

    // A precomputed digest, as for files too large to hold in memory.
    let digests = [ContentDigest {
        algorithm: DigestAlgorithm::Sha256,
        value: DigestAlgorithm::Sha256.digest(DATA),
    }];
    assert_passed(only_signer(&verify(
        &der,
        Some(DetachedContent::Digests(&digests)),
    )));

    // A digest under another algorithm cannot be compared.
    let other = [ContentDigest {
        algorithm: DigestAlgorithm::Sha384,
        value: DigestAlgorithm::Sha384.digest(DATA),
    }];
    let report = verify(&der, Some(DetachedContent::Digests(&other)));
    assert_fails(
        only_signer(&report),
        Indication::Indeterminate,
        SubIndication::SignedDataNotFound,
        CheckName::MessageDigest,
    );

    // No content at all.
    let report = verify(&der, None);
    assert_eq!(report.content, ContentSource::Missing);
    assert_fails(
        only_signer(&report),
        Indication::Indeterminate,
        SubIndication::SignedDataNotFound,
        CheckName::MessageDigest,
    );
}

#[test]
fn without_signed_attributes_the_signature_covers_the_content() {
    for signer in ["ec", "rsa"] {
        for attached in [true, false] {
            let mut args = vec!["-noattr", "-md", "sha256"];
            if attached {
                args.push("-nodetach");
            }
            let der = pki().cms_sign(DATA, &[signer], &args);
            let detached = (!attached).then_some(DetachedContent::Bytes(DATA));
            let report = verify(&der, detached);
            let s = only_signer(&report);
            assert_passed(s);
            assert!(matches!(
                outcome(s, CheckName::MessageDigest),
                Outcome::NotApplicable { .. }
            ));
            assert!(s.signing_time.is_none());

            // The same through a precomputed digest (verify_prehashed).
            let digests = [ContentDigest {
                algorithm: DigestAlgorithm::Sha256,
                value: DigestAlgorithm::Sha256.digest(DATA),
            }];
            if !attached {
                assert_passed(only_signer(&verify(
                    &der,
                    Some(DetachedContent::Digests(&digests)),
                )));
            }

            // Other content: the signature itself fails, there being no message-digest.
            let report = if attached {
                verify(
                    &modify(&der, |sd| {
                        sd.encap_content_info.econtent = Some(
                            Any::encode_from(&OctetString::new(b"other".to_vec()).unwrap())
                                .unwrap(),
                        );
                    }),
                    None,
                )
            } else {
                verify(&der, Some(DetachedContent::Bytes(b"other")))
            };
            assert_fails(
                only_signer(&report),
                Indication::TotalFailed,
                SubIndication::SigCryptoFailure,
                CheckName::SignatureValue,
            );
        }
    }
}

#[test]
fn several_signers_are_verified_independently() {
    let der = pki().cms_sign(DATA, &["ec", "rsa"], &["-nodetach", "-md", "sha256"]);
    let report = verify(&der, None);
    assert_eq!(report.signers.len(), 2);
    for s in &report.signers {
        assert_passed(s);
    }
    let subjects: Vec<_> = report
        .signers
        .iter()
        .map(|s| s.signer_certificate.as_ref().unwrap().subject().to_owned())
        .collect();
    assert!(subjects.iter().any(|s| s.contains("CN=ec")), "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.contains("CN=rsa")),
        "{subjects:?}"
    );

    // Break the first signer's signature: the second still passes.
    let tampered = modify(&der, |sd| {
        modify_signers(sd, |signers| {
            let mut sig = signers[0].signature.as_bytes().to_vec();
            flip(&mut sig, 10);
            signers[0].signature = OctetString::new(sig).unwrap();
        });
    });
    let report = verify(&tampered, None);
    let failed: Vec<_> = report
        .signers
        .iter()
        .filter(|s| !s.conclusion.is_passed())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_fails(
        failed[0],
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        CheckName::SignatureValue,
    );
}

#[test]
fn pem_armour_and_subject_key_identifier() {
    let dir = pki();
    let input = dir.fresh("bin");
    dir.write(&input, DATA);
    let pem = dir.run(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-keyid",
        "-in",
        &input,
        "-signer",
        "ec.pem",
        "-inkey",
        "ec.key",
        "-outform",
        "PEM",
    ]);
    assert!(pem.starts_with(b"-----BEGIN CMS-----"));
    let report = verify(&pem, None);
    let s = only_signer(&report);
    assert_passed(s);
    assert!(matches!(
        s.signer_identifier,
        Some(SignerId::SubjectKeyIdentifier { .. })
    ));

    // RFC 7468 §9 also names PKCS7.
    let text = String::from_utf8(pem)
        .unwrap()
        .replace("CMS-----", "PKCS7-----");
    assert_passed(only_signer(&verify(text.as_bytes(), None)));

    let wrong = text.replace("PKCS7-----", "CERTIFICATE-----");
    assert!(matches!(
        SignedMessage::parse(wrong.as_bytes()),
        Err(CmsError::PemLabel { .. })
    ));
}

#[test]
fn certificates_supplied_by_the_caller() {
    let der = pki().cms_sign(DATA, &["rsa"], &["-nodetach", "-nocerts"]);
    let message = SignedMessage::parse(&der).unwrap();
    let report = message.verify(&VerifyOptions::default());
    assert_fails(
        only_signer(&report),
        Indication::Indeterminate,
        SubIndication::NoSigningCertificateFound,
        CheckName::SignerCertificate,
    );

    let extra = [pki().cert("ec"), pki().cert("rsa")];
    let report = message.verify(&VerifyOptions {
        extra_certificates: &extra,
        ..VerifyOptions::default()
    });
    let s = only_signer(&report);
    assert_passed(s);
    assert_eq!(
        s.signer_certificate.as_ref().unwrap().source(),
        CertificateSource::CallerSupplied
    );
}

#[test]
fn tampered_content_is_a_hash_failure() {
    let attached = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);
    let tampered = modify(&attached, |sd| {
        let mut content = DATA.to_vec();
        content[0] ^= 0x20;
        sd.encap_content_info.econtent =
            Some(Any::encode_from(&OctetString::new(content).unwrap()).unwrap());
    });
    assert_fails(
        only_signer(&verify(&tampered, None)),
        Indication::TotalFailed,
        SubIndication::HashFailure,
        CheckName::MessageDigest,
    );

    let detached = pki().cms_sign(DATA, &["rsa"], &[]);
    assert_fails(
        only_signer(&verify(
            &detached,
            Some(DetachedContent::Bytes(b"protocol No. 43")),
        )),
        Indication::TotalFailed,
        SubIndication::HashFailure,
        CheckName::MessageDigest,
    );
}

#[test]
fn tampered_signed_attributes() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);

    // A byte of the message-digest attribute: our digest no longer matches it.
    let tampered = modify(&der, |sd| {
        modify_signers(sd, |signers| {
            modify_signed_attr(&mut signers[0], "1.2.840.113549.1.9.4", |value| {
                let last = value.len() - 1;
                flip(value, last);
            });
        });
    });
    assert_fails(
        only_signer(&verify(&tampered, None)),
        Indication::TotalFailed,
        SubIndication::HashFailure,
        CheckName::MessageDigest,
    );

    // A digit of the signing time: still a valid time, but no longer the signed one.
    let tampered = modify(&der, |sd| {
        modify_signers(sd, |signers| {
            modify_signed_attr(&mut signers[0], "1.2.840.113549.1.9.5", |value| {
                // UTCTime YYMMDDHHMMSSZ: the tens of seconds digit, 0-5, becomes another.
                let i = value.len() - 3;
                value[i] = if value[i] == b'0' { b'1' } else { b'0' };
            });
        });
    });
    let report = verify(&tampered, None);
    let s = only_signer(&report);
    assert!(s.check(CheckName::SigningTime).unwrap().is_passed());
    assert_fails(
        s,
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        CheckName::SignatureValue,
    );
}

#[test]
fn flipped_signature_bits() {
    for signer in ["ec", "rsa"] {
        let der = pki().cms_sign(DATA, &[signer], &["-nodetach"]);
        let tampered = modify(&der, |sd| {
            modify_signers(sd, |signers| {
                let mut sig = signers[0].signature.as_bytes().to_vec();
                let last = sig.len() - 1;
                flip(&mut sig, last);
                signers[0].signature = OctetString::new(sig).unwrap();
            });
        });
        assert_fails(
            only_signer(&verify(&tampered, None)),
            Indication::TotalFailed,
            SubIndication::SigCryptoFailure,
            CheckName::SignatureValue,
        );
    }
}

#[test]
fn substituted_certificates() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);

    // Another certificate with the same issuer and serial number, other key, no ESS reference:
    // it is found, reported, and its key does not verify.
    let swapped = modify(&der, |sd| {
        set_certificates(sd, &[pki().cert("ec_impostor")])
    });
    let report = verify(&swapped, None);
    let s = only_signer(&report);
    assert_fails(
        s,
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        CheckName::SignatureValue,
    );
    assert_eq!(
        s.signer_certificate.as_ref().unwrap().der(),
        pki().cert_der("ec_impostor")
    );

    // Another signer's certificate only: nothing matches the signer identifier.
    let other = modify(&der, |sd| set_certificates(sd, &[pki().cert("rsa")]));
    let report = verify(&other, None);
    let s = only_signer(&report);
    assert_fails(
        s,
        Indication::Indeterminate,
        SubIndication::NoSigningCertificateFound,
        CheckName::SignerCertificate,
    );
    assert!(s.signer_certificate.is_none());

    // The impostor injected next to the real certificate cannot displace it.
    let both = modify(&der, |sd| {
        set_certificates(sd, &[pki().cert("ec_impostor"), pki().cert("ec")]);
    });
    let report = verify(&both, None);
    let s = only_signer(&report);
    assert_passed(s);
    assert_eq!(
        s.signer_certificate.as_ref().unwrap().der(),
        pki().cert_der("ec")
    );
}

#[test]
fn content_type_must_match() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);
    let tampered = modify(&der, |sd| {
        sd.encap_content_info.econtent_type =
            const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
    });
    assert_fails(
        only_signer(&verify(&tampered, None)),
        Indication::TotalFailed,
        SubIndication::FormatFailure,
        CheckName::ContentType,
    );
}

#[test]
fn certificates_only_message_with_a_crl() {
    let dir = pki();
    let crl = dir.fresh("crl");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/nca/crl/nca_rsa_test.crl"
        ),
        dir.dir().join(&crl),
    )
    .unwrap();
    let pem = dir.run(&[
        "crl2pkcs7",
        "-inform",
        "DER",
        "-in",
        &crl,
        "-certfile",
        "ca.pem",
    ]);
    assert!(pem.starts_with(b"-----BEGIN PKCS7-----"));
    let message = SignedMessage::parse(&pem).unwrap();
    assert_eq!(message.signer_count(), 0);
    let report = message.verify(&VerifyOptions::default());
    assert!(report.signers.is_empty());
    assert_eq!(report.certificates.len(), 1);
    assert_eq!(report.revocation.crls.len(), 1);
    assert_eq!(report.revocation.crls[0].0, dir.read(&crl));
    assert!(report.unreadable.is_empty());
}

#[test]
fn report_serialises_to_json() {
    let der = pki().cms_sign(DATA, &["ec"], &["-nodetach"]);
    let report = verify(&der, None);
    let json = serde_json::to_value(&report).unwrap();
    let signer = &json["signers"][0];
    assert_eq!(signer["conclusion"]["indication"], "TOTAL-PASSED");
    assert_eq!(signer["checks"][0]["name"], "signer_info_format");
    assert_eq!(signer["checks"][0]["status"], "passed");
    assert_eq!(signer["signer_certificate"]["serial_number"], "1001");
    assert_eq!(
        signer["signer_identifier"]["kind"],
        "issuer_and_serial_number"
    );
    assert_eq!(json["content_type"], "1.2.840.113549.1.7.1");
}

/// The position of `needle` in `haystack`, which must hold it exactly once.
fn find_once(haystack: &[u8], needle: &[u8]) -> usize {
    let at: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter_map(|(i, w)| (w == needle).then_some(i))
        .collect();
    assert_eq!(at.len(), 1, "expected exactly one occurrence");
    at[0]
}

/// The children of the DER element `der` (tag and length skipped).
fn children(der: &[u8]) -> Vec<Vec<u8>> {
    use der::{Decode as _, Encode as _};
    let outer = der::AnyRef::from_der(der).unwrap();
    let mut reader = der::SliceReader::new(outer.value()).unwrap();
    let mut out = Vec::new();
    while !der::Reader::is_finished(&reader) {
        out.push(der::AnyRef::decode(&mut reader).unwrap().to_der().unwrap());
    }
    out
}

#[test]
fn signed_attributes_are_verified_as_the_signer_ordered_them() {
    use der::Encode as _;
    // RSA: its signature keeps its length when made again, so the bytes can be spliced.
    let der = pki().cms_sign(DATA, &["rsa"], &["-nodetach"]);
    let signer = cms_common::first_signer(&der);
    let mut sorted = signer.signed_attrs.as_ref().unwrap().to_der().unwrap();
    sorted[0] = 0xa0; // as it sits in the SignerInfo: [0] IMPLICIT
    let mut attributes = children(&sorted);
    assert!(attributes.len() >= 3);
    attributes.reverse(); // no longer in DER order
    let mut unsorted = sorted[..sorted.len() - attributes.concat().len()].to_vec();
    unsorted.extend(attributes.concat());
    assert_eq!(unsorted.len(), sorted.len());
    assert_ne!(unsorted, sorted);

    // Sign the unsorted SET exactly as written (RFC 5652 §5.4: retagged as a SET).
    let mut to_sign = unsorted.clone();
    to_sign[0] = 0x31;
    pki().write("unsorted-attrs.der", &to_sign);
    let signature = pki().run(&["dgst", "-sha256", "-sign", "rsa.key", "unsorted-attrs.der"]);
    let old_signature = signer.signature.as_bytes();
    assert_eq!(signature.len(), old_signature.len());

    let mut spliced = der.clone();
    let at = find_once(&spliced, &sorted);
    spliced[at..at + sorted.len()].copy_from_slice(&unsorted);
    let at = find_once(&spliced, old_signature);
    spliced[at..at + signature.len()].copy_from_slice(&signature);
    assert_passed(only_signer(&verify(&spliced, None)));

    // The same unsorted attributes under the signature of the sorted ones: that signature
    // does not cover these bytes.
    let mut reordered_only = der.clone();
    let at = find_once(&reordered_only, &sorted);
    reordered_only[at..at + sorted.len()].copy_from_slice(&unsorted);
    assert_fails(
        only_signer(&verify(&reordered_only, None)),
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        CheckName::SignatureValue,
    );
}
