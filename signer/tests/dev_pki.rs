//! The embedded default's development PKI: created whole on first start, reopened unchanged,
//! its certificates fit their purposes in our verifier and in OpenSSL, and its CRL is fresh.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::SystemTime;

use der::{DateTime, Decode as _, Encode as _};
use sha2::{Digest as _, Sha256};
use signer::dev_pki::{self, DevPki};
use signer::keys::SignatureKey as _;
use verifier::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm};
use verifier::path::{ParsedCertificate, PathInputs, Purpose, TrustAnchor};
use x509_cert::crl::CertificateList;

fn openssl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn created_once_reopened_unchanged_and_fit_for_purpose() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("pki");
    // A half-built directory from a crash is discarded.
    std::fs::create_dir_all(data.path().join(".pki.creating")).unwrap();
    let pki = DevPki::open_or_create(&dir).unwrap();
    assert!(!data.path().join(".pki.creating").exists());
    let again = DevPki::open_or_create(&dir).unwrap();
    assert_eq!(pki.root(), again.root());
    assert_eq!(
        pki.seal().certificate_chain(),
        again.seal().certificate_chain()
    );

    // Private: the directory and every file in it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&dir) & 0o077, 0);
        for name in [dev_pki::PASSPHRASE, "root.key", "seal.key", "tsa.key"] {
            assert_eq!(mode(&dir.join(name)) & 0o077, 0, "{name}");
        }
    }

    // Every common name says what these are.
    for cert in [
        pki.root(),
        &pki.seal().certificate_chain()[0],
        &pki.tsa().certificate_chain()[0],
    ] {
        let subject = cert.tbs_certificate().subject().to_string();
        assert!(subject.contains("NOT FOR EVIDENCE"), "{subject}");
    }

    // Our verifier: the seal signs documents, the TSA time-stamps, both chain to the root.
    let anchors = [TrustAnchor::from_der(&pki.root().to_der().unwrap()).unwrap()];
    let now = DateTime::from_system_time(SystemTime::now()).unwrap();
    for (key, purpose) in [
        (pki.seal(), Purpose::document_signing()),
        (pki.tsa(), Purpose::TimeStamping),
    ] {
        let leaf =
            ParsedCertificate::from_der(&key.certificate_chain()[0].to_der().unwrap()).unwrap();
        let mut inputs = PathInputs::new(&leaf, &anchors, now);
        inputs.purpose = purpose;
        inputs.validate().unwrap();
        // And the key signs what its certificate certifies.
        let digest: [u8; 32] = Sha256::digest(b"protocol").into();
        let signature = key.sign_digest(&digest).unwrap();
        let spki = leaf
            .certificate()
            .tbs_certificate()
            .subject_public_key_info();
        let algorithm =
            SignatureAlgorithm::from_identifier(&key.algorithm().signature_algorithm()).unwrap();
        PublicKey::from_spki(spki)
            .unwrap()
            .verify_prehashed(&algorithm, &digest, &signature)
            .unwrap();
        assert_eq!(algorithm.digest(), DigestAlgorithm::Sha256);
    }

    // OpenSSL agrees on the chains and their purposes, and on the CRL's signature.
    openssl(
        &dir,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-purpose",
            "smimesign",
            "seal.pem",
        ],
    );
    openssl(
        &dir,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-purpose",
            "timestampsign",
            "tsa.pem",
        ],
    );
    let crl_text = openssl(
        &dir,
        &[
            "crl", "-inform", "DER", "-in", "root.crl", "-CAfile", "root.pem", "-noout", "-text",
        ],
    );
    assert!(crl_text.contains("Next Update"), "{crl_text}");

    // Each start issues a fresh CRL with a larger number.
    let crl = |p: &DevPki| {
        CertificateList::<x509_cert::certificate::Rfc5280>::from_der(
            &std::fs::read(p.crl_path()).unwrap(),
        )
        .unwrap()
    };
    let first = crl(&again);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let third = DevPki::open_or_create(&dir).unwrap();
    let later = crl(&third);
    assert!(
        later.tbs_cert_list.this_update.to_unix_duration()
            > first.tbs_cert_list.this_update.to_unix_duration()
    );
}

#[test]
fn a_damaged_pki_is_an_error_not_a_new_one() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("pki");
    DevPki::open_or_create(&dir).unwrap();
    std::fs::write(dir.join(dev_pki::PASSPHRASE), "not the passphrase").unwrap();
    let error = DevPki::open_or_create(&dir).unwrap_err().to_string();
    assert!(error.contains("refused"), "{error}");
    assert!(!error.contains("not the passphrase"), "{error}");
}

#[test]
fn the_authority_alone_opens_the_same_key_and_leaves_the_crl_alone() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("pki");
    // On a fresh data directory it creates the whole PKI, as the full open would.
    let (tsa, state) = DevPki::open_tsa(&dir).unwrap();
    assert_eq!(state, dir.join(dev_pki::TSA_STATE));
    let pki = DevPki::open_or_create(&dir).unwrap();
    assert_eq!(tsa.certificate_chain(), pki.tsa().certificate_chain());
    // And it is the private key of that certificate.
    let digest: [u8; 32] = Sha256::digest(b"checkpoint").into();
    let signature = tsa.sign_digest(&digest).unwrap();
    let algorithm =
        SignatureAlgorithm::from_identifier(&tsa.algorithm().signature_algorithm()).unwrap();
    let spki = pki.tsa().certificate_chain()[0]
        .tbs_certificate()
        .subject_public_key_info()
        .clone();
    PublicKey::from_spki(&spki)
        .unwrap()
        .verify_prehashed(&algorithm, &digest, &signature)
        .unwrap();

    let crl = dir.join(dev_pki::ROOT_CRL);
    let issued = std::fs::read(&crl).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    DevPki::open_tsa(&dir).unwrap();
    assert_eq!(std::fs::read(&crl).unwrap(), issued, "no new CRL is issued");
}
