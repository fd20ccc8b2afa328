//! OpenSC (0.23 on Debian 12): opensc-tool and pkcs11-tool with opensc-pkcs11.so, signatures
//! checked by OpenSSL.

use std::fs;

use devices::piv::wire::{KeyAlgorithm, Slot};
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;

use crate::common::{Rig, openssl};

#[test]
fn opensc_recognises_a_generic_piv_card() {
    let rig = Rig::start();
    let run = rig.run("opensc-tool", &["-a"]);
    assert!(run.ok(), "{}", run.text());
    assert!(
        run.stdout.contains("3b:8c:81:31:fe:15"),
        "our ATR: {}",
        run.stdout
    );
    let run = rig.run("opensc-tool", &["-n"]);
    assert!(
        run.stdout.contains("Personal Identity Verification Card"),
        "{}",
        run.text()
    );
}

#[test]
fn pkcs11_tool_lists_objects_and_signs_ecdsa_and_rsa() {
    let rig = Rig::start();
    rig.key_with_certificate(Slot::Signature, KeyAlgorithm::EccP256, "ec");
    rig.key_with_certificate(Slot::Authentication, KeyAlgorithm::Rsa2048, "rsa");

    let run = rig.pkcs11(&["-L"]);
    assert!(run.ok(), "-L: {}", run.text());
    assert!(
        run.stdout.contains("Virtual PCD 00 00") && run.stdout.contains("token initialized"),
        "{}",
        run.stdout
    );
    let run = rig.pkcs11(&["-O"]);
    assert!(run.ok(), "-O: {}", run.text());
    for needle in [
        "Certificate for Digital Signature",
        "DN: CN=ec",
        "SIGN pubkey",
        "EC_POINT 256 bits",
        "PIV AUTH pubkey",
        "RSA 2048 bits",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {}", run.stdout);
    }
    let run = rig.pkcs11(&["--login", "--pin", "123456", "-O"]);
    assert!(
        run.stdout.contains("Private Key Object; EC") && run.stdout.contains("SIGN key"),
        "{}",
        run.text()
    );

    fs::write(rig.path("msg"), b"a document to sign").unwrap();
    openssl(
        rig.dir.path(),
        &["dgst", "-sha256", "-binary", "-out", "msg.sha256", "msg"],
    );
    // ECDSA over the hash, DER-encoded by pkcs11-tool; 9C asks for the PIN again
    // (CKA_ALWAYS_AUTHENTICATE), which pkcs11-tool gives.
    let run = rig.pkcs11(&[
        "--login",
        "--pin",
        "123456",
        "--sign",
        "-m",
        "ECDSA",
        "--id",
        "02",
        "-i",
        "msg.sha256",
        "-o",
        "ec.sig",
        "--signature-format",
        "openssl",
    ]);
    assert!(run.ok(), "ECDSA sign: {}", run.text());
    let run = openssl(
        rig.dir.path(),
        &[
            "dgst",
            "-sha256",
            "-verify",
            "ec.pem",
            "-signature",
            "ec.sig",
            "msg",
        ],
    );
    assert!(run.stdout.contains("Verified OK"), "{}", run.text());
    // The raw r||s form, converted to DER and checked here.
    let run = rig.pkcs11(&[
        "--login",
        "--pin",
        "123456",
        "--sign",
        "-m",
        "ECDSA",
        "--id",
        "02",
        "-i",
        "msg.sha256",
        "-o",
        "ec.raw",
    ]);
    assert!(run.ok(), "ECDSA sign (raw): {}", run.text());
    let raw = fs::read(rig.path("ec.raw")).unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&raw).unwrap();
    let der = signature.to_der();
    fs::write(rig.path("ec-raw.der"), der.as_bytes()).unwrap();
    openssl(
        rig.dir.path(),
        &[
            "dgst",
            "-sha256",
            "-verify",
            "ec.pem",
            "-signature",
            "ec-raw.der",
            "msg",
        ],
    );
    let spki = rig
        .card
        .with_card(|c| c.public_key_der(Slot::Signature))
        .unwrap();
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    key.verify(b"a document to sign", &signature).unwrap();

    // RSA PKCS#1 v1.5: OpenSC pads, the card does the raw private operation.
    let run = rig.pkcs11(&[
        "--login",
        "--pin",
        "123456",
        "--sign",
        "-m",
        "SHA256-RSA-PKCS",
        "--id",
        "01",
        "-i",
        "msg",
        "-o",
        "rsa.sig",
    ]);
    assert!(run.ok(), "RSA sign: {}", run.text());
    let run = openssl(
        rig.dir.path(),
        &[
            "dgst",
            "-sha256",
            "-verify",
            "rsa.pem",
            "-signature",
            "rsa.sig",
            "msg",
        ],
    );
    assert!(run.stdout.contains("Verified OK"), "{}", run.text());

    // A wrong PIN through PKCS#11 counts down on the card.
    let run = rig.pkcs11(&["--login", "--pin", "999999", "-O"]);
    assert!(!run.ok(), "{}", run.text());
    assert_eq!(rig.card.with_card(|c| c.pin_tries_left()), 2);
}
