//! Signatures of the National Certification Centre's test PKI (`shared/vectors/nca`) through
//! `verifier::crypto`: the RSA-4096 CA's signatures verify, GOST ones are unsupported.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use std::path::{Path, PathBuf};

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode as _, Encode as _, Reader as _, SliceReader};
use verifier::crypto::{
    AlgorithmError, KeyKind, PublicKey, SignatureAlgorithm, SignatureError, verify_signature,
};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

fn nca(relative: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/nca"
    ))
    .join(relative)
}

/// The DER of a PEM or DER file.
fn der(relative: &str) -> Vec<u8> {
    let path = nca(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if bytes.starts_with(b"-----BEGIN") {
        der::pem::decode_vec(&bytes).unwrap().1
    } else {
        bytes
    }
}

fn certificate(relative: &str) -> (Certificate, Vec<u8>) {
    let der = der(relative);
    (Certificate::from_der(&der).unwrap(), der)
}

/// The first element of the outer SEQUENCE (`tbsCertificate`, `tbsCertList`), as its DER —
/// the bytes the signature covers.
fn signed_part(der: &[u8]) -> Vec<u8> {
    let outer = AnyRef::from_der(der).unwrap();
    let mut reader = SliceReader::new(outer.value()).unwrap();
    let tbs: AnyRef<'_> = reader.decode().unwrap();
    tbs.to_der().unwrap()
}

#[test]
fn rsa_ca_key_is_rsa_4096() {
    let (ca, _) = certificate("ca/nca_rsa_test.crt");
    let key = PublicKey::from_spki(ca.tbs_certificate().subject_public_key_info()).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 4096 });
}

#[test]
fn individual_certificates_verify_under_the_rsa_ca() {
    let (ca, _) = certificate("ca/nca_rsa_test.crt");
    let ca_key = ca.tbs_certificate().subject_public_key_info();
    for file in [
        "certs/individual_valid_sign_2004_rsa.cer",
        "certs/individual_valid_sign_2004_rsa_auth.cer",
    ] {
        let (cert, der) = certificate(file);
        let algorithm = SignatureAlgorithm::from_identifier(cert.signature_algorithm()).unwrap();
        assert_eq!(algorithm, SignatureAlgorithm::RSA_PKCS1_SHA256);
        let tbs = signed_part(&der);
        assert_eq!(tbs, cert.tbs_certificate().to_der().unwrap());
        let signature = cert.signature().as_bytes().unwrap();
        assert_eq!(
            verify_signature(ca_key, &algorithm, &tbs, signature),
            Ok(()),
            "{file}"
        );

        // A flipped bit anywhere breaks it.
        let mut tampered = tbs.clone();
        tampered[tbs.len() / 2] ^= 0x01;
        assert_eq!(
            verify_signature(ca_key, &algorithm, &tampered, signature),
            Err(SignatureError::Invalid)
        );
        let mut bad_signature = signature.to_vec();
        bad_signature[0] ^= 0x80;
        assert_eq!(
            verify_signature(ca_key, &algorithm, &tbs, &bad_signature),
            Err(SignatureError::Invalid)
        );

        // The individual's own key is RSA-2048 and did not make the signature.
        let own = cert.tbs_certificate().subject_public_key_info();
        assert_eq!(
            PublicKey::from_spki(own).unwrap().kind(),
            KeyKind::Rsa { bits: 2048 }
        );
        assert_eq!(
            verify_signature(own, &algorithm, &tbs, signature),
            Err(SignatureError::Invalid)
        );
    }
}

#[test]
fn rsa_crl_verifies_under_the_rsa_ca() {
    let (ca, _) = certificate("ca/nca_rsa_test.crt");
    let der = der("crl/nca_rsa_test.crl");
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    let algorithm = SignatureAlgorithm::from_identifier(&crl.signature_algorithm).unwrap();
    let key = PublicKey::from_spki(ca.tbs_certificate().subject_public_key_info()).unwrap();
    assert_eq!(
        key.verify(
            &algorithm,
            &signed_part(&der),
            crl.signature.as_bytes().unwrap()
        ),
        Ok(())
    );
}

fn assert_unsupported_algorithm(file: &str, oid: &str) {
    let (cert, _) = certificate(file);
    let expected = ObjectIdentifier::new_unwrap(oid);
    let err = SignatureAlgorithm::from_identifier(cert.signature_algorithm()).unwrap_err();
    match &err {
        AlgorithmError::Unsupported { oid, name } => {
            assert_eq!(*oid, expected, "{file}");
            assert!(name.contains("GOST"), "{file}: {name}");
        }
        other => panic!("{file}: expected Unsupported, got {other:?}"),
    }
    assert!(err.to_string().contains(&expected.to_string()), "{err}");
}

#[test]
fn gost_signatures_are_unsupported() {
    assert_unsupported_algorithm("ca/nca_gost_test.crt", "1.2.398.3.10.1.1.1.2");
    assert_unsupported_algorithm("ca/nca_gost2015_test.cer", "1.2.398.3.10.1.1.2.3.2");
    assert_unsupported_algorithm("certs/ceo_valid_sign_2004_gost.cer", "1.2.398.3.10.1.1.1.2");
}

#[test]
fn gost_keys_are_unsupported() {
    for (file, oid) in [
        ("ca/nca_gost_test.crt", "1.2.398.3.10.1.1.1.1"),
        ("ca/nca_gost2015_test.cer", "1.2.398.3.10.1.1.2.2"),
    ] {
        let (ca, _) = certificate(file);
        let spki = ca.tbs_certificate().subject_public_key_info();
        let expected = ObjectIdentifier::new_unwrap(oid);
        assert!(
            matches!(
                PublicKey::from_spki(spki),
                Err(SignatureError::Unsupported { oid, .. }) if oid == expected
            ),
            "{file}"
        );
        // Whatever algorithm is claimed, a GOST key yields "unsupported", never "invalid".
        let (cert, der) = certificate("certs/ceo_valid_sign_2004_gost.cer");
        let outcome = verify_signature(
            spki,
            &SignatureAlgorithm::RSA_PKCS1_SHA256,
            &signed_part(&der),
            cert.signature().raw_bytes(),
        );
        assert!(
            matches!(outcome, Err(SignatureError::Unsupported { .. })),
            "{outcome:?}"
        );
    }
}
