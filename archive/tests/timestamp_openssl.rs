//! Tokens of the local time-stamp authority, checked by the real OpenSSL verifier.
//!
//! Each test writes the token DER and the TSA certificate (PEM, the CA file: the certificate
//! is self-issued, so it is its own trust anchor) to a temporary directory and runs
//!
//! ```text
//! openssl ts -verify -digest <hex> -in token.der -token_in -CAfile tsa.pem
//! ```

use std::{
    fs,
    path::Path,
    process::{Command, Output},
};

use archive::timestamp::{CERTIFICATE_FILE, DEVELOPMENT_POLICY, LocalAuthority, TimestampSource};
use cms::{content_info::ContentInfo, signed_data::SignedData};
use const_oid::ObjectIdentifier;
use der::{Decode, asn1::OctetString};
use sha2::{Digest, Sha256};
use verifier::tsp::{ID_CT_TST_INFO, TstInfo};

const DATA: &[u8] = b"checkpoint 42 of the D\xc3\xa4lel archive\n";

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("/usr/bin/openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes `token` and the authority's certificate (from [`TimestampSource::certificates`],
/// converted to PEM by OpenSSL) to `dir`.
fn write_fixtures(dir: &Path, authority: &impl TimestampSource, token: &[u8]) {
    fs::write(dir.join("token.der"), token).expect("write token");
    let certs = authority.certificates();
    assert_eq!(
        certs.len(),
        1,
        "a self-issued TSA certificate needs no chain"
    );
    fs::write(dir.join("tsa.der"), &certs[0]).expect("write certificate");
    let out = openssl(
        dir,
        &[
            "x509", "-inform", "DER", "-in", "tsa.der", "-out", "tsa.pem",
        ],
    );
    assert!(out.status.success(), "{out:?}");
}

fn verify(dir: &Path, digest_hex: &str) -> Output {
    openssl(
        dir,
        &[
            "ts",
            "-verify",
            "-digest",
            digest_hex,
            "-in",
            "token.der",
            "-token_in",
            "-CAfile",
            "tsa.pem",
        ],
    )
}

fn token_text(dir: &Path) -> String {
    let out = openssl(
        dir,
        &["ts", "-reply", "-in", "token.der", "-token_in", "-text"],
    );
    assert!(out.status.success(), "{out:?}");
    stdout(&out)
}

/// The `TSTInfo` inside a DER token, decoded with the verifier's types.
fn tst_info(token: &[u8]) -> TstInfo {
    let content_info = ContentInfo::from_der(token).expect("ContentInfo");
    let signed_data: SignedData = content_info.content.decode_as().expect("SignedData");
    let encap = signed_data.encap_content_info;
    assert_eq!(encap.econtent_type, ID_CT_TST_INFO);
    let octets: OctetString = encap
        .econtent
        .expect("eContent")
        .decode_as()
        .expect("eContent OCTET STRING");
    TstInfo::parse(octets.as_bytes()).expect("TSTInfo")
}

#[test]
fn openssl_verifies_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(&tmp.path().join("tsa")).unwrap();
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let token = authority.timestamp(&digest).unwrap();
    write_fixtures(tmp.path(), &authority, &token);

    let out = verify(tmp.path(), &hex::encode(digest));
    let text = stdout(&out);
    println!("openssl ts -verify: {}", text.trim());
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Verification: OK"), "{text}");

    // The data itself, hashed by OpenSSL, verifies too.
    fs::write(tmp.path().join("data"), DATA).unwrap();
    let out = openssl(
        tmp.path(),
        &[
            "ts",
            "-verify",
            "-data",
            "data",
            "-in",
            "token.der",
            "-token_in",
            "-CAfile",
            "tsa.pem",
        ],
    );
    assert!(stdout(&out).contains("Verification: OK"), "{out:?}");

    // The certificate file in the authority's directory is the same certificate.
    let out = openssl(
        tmp.path(),
        &[
            "ts",
            "-verify",
            "-digest",
            &hex::encode(digest),
            "-in",
            "token.der",
            "-token_in",
            "-CAfile",
            &format!("tsa/{CERTIFICATE_FILE}"),
        ],
    );
    assert!(stdout(&out).contains("Verification: OK"), "{out:?}");
}

#[test]
fn openssl_rejects_a_tampered_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(&tmp.path().join("tsa")).unwrap();
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let token = authority.timestamp(&digest).unwrap();
    write_fixtures(tmp.path(), &authority, &token);

    let mut tampered = digest;
    tampered[31] ^= 1;
    let out = verify(tmp.path(), &hex::encode(tampered));
    assert!(!out.status.success(), "{out:?}");
    assert!(!stdout(&out).contains("Verification: OK"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("message imprint mismatch"),
        "{out:?}"
    );
}

#[test]
fn openssl_rejects_a_token_against_another_authority() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(&tmp.path().join("tsa")).unwrap();
    let other = LocalAuthority::generate(&tmp.path().join("other")).unwrap();
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let token = authority.timestamp(&digest).unwrap();
    // The right token, the wrong trust anchor.
    write_fixtures(tmp.path(), &other, &token);
    let out = verify(tmp.path(), &hex::encode(digest));
    assert!(!out.status.success(), "{out:?}");
}

#[test]
fn openssl_shows_policy_accuracy_and_nonce() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(&tmp.path().join("tsa")).unwrap();
    let digest: [u8; 32] = Sha256::digest(DATA).into();

    let token = authority.timestamp(&digest).unwrap();
    write_fixtures(tmp.path(), &authority, &token);
    let text = token_text(tmp.path());
    assert!(text.contains("Version: 1"), "{text}");
    assert!(
        text.contains(&format!("Policy OID: {DEVELOPMENT_POLICY}")),
        "{text}"
    );
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    assert!(text.contains("Serial number: 0x01"), "{text}");
    assert!(
        text.contains("Accuracy: 0x01 seconds, unspecified millis, unspecified micros"),
        "{text}"
    );
    assert!(text.contains("Ordering: no"), "{text}");
    assert!(text.contains("Nonce: unspecified"), "{text}");
    assert!(text.contains("TSA: unspecified"), "{text}");

    // With a nonce, and under a configured policy.
    let policy = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.2");
    let authority = authority.with_policy(policy);
    let token = authority
        .timestamp_with_nonce(&digest, 0x0123_4567_89ab_cdef)
        .unwrap();
    write_fixtures(tmp.path(), &authority, &token);
    let text = token_text(tmp.path());
    assert!(text.contains(&format!("Policy OID: {policy}")), "{text}");
    assert!(text.contains("Nonce: 0x0123456789ABCDEF"), "{text}");
    assert!(text.contains("Serial number: 0x02"), "{text}");
    let out = verify(tmp.path(), &hex::encode(digest));
    assert!(stdout(&out).contains("Verification: OK"), "{out:?}");
}

#[test]
fn openssl_verifies_without_signing_time() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(&tmp.path().join("tsa"))
        .unwrap()
        .with_signing_time(false);
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let token = authority.timestamp(&digest).unwrap();
    write_fixtures(tmp.path(), &authority, &token);
    let out = verify(tmp.path(), &hex::encode(digest));
    assert!(stdout(&out).contains("Verification: OK"), "{out:?}");
}

#[test]
fn serial_numbers_increase_across_tokens_and_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tsa");
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let serial = |token: &[u8]| -> u64 {
        let tst = tst_info(token);
        let bytes = tst.serial_number.as_bytes();
        assert!(bytes.len() <= 8);
        bytes.iter().fold(0, |n, &b| (n << 8) | u64::from(b))
    };

    let authority = LocalAuthority::generate(&dir).unwrap();
    let first: Vec<u64> = (0..3)
        .map(|_| serial(&authority.timestamp(&digest).unwrap()))
        .collect();
    assert_eq!(first, [1, 2, 3]);
    drop(authority);

    let authority = LocalAuthority::open(&dir).unwrap();
    let after_reopen: Vec<u64> = (0..3)
        .map(|_| serial(&authority.timestamp(&digest).unwrap()))
        .collect();
    assert_eq!(after_reopen, [4, 5, 6]);

    // The last token still verifies after the reopen.
    let token = authority.timestamp(&digest).unwrap();
    assert_eq!(serial(&token), 7);
    write_fixtures(tmp.path(), &authority, &token);
    let out = verify(tmp.path(), &hex::encode(digest));
    assert!(stdout(&out).contains("Verification: OK"), "{out:?}");
}
