//! yubico-piv-tool (2.2.0 on Debian 12) against the virtual card.

use std::fs;

use devices::piv::wire::Slot;

use crate::common::{Rig, issue_certificate, openssl};

/// The public key of `pem_name` as DER.
fn public_der(rig: &Rig, pem_name: &str) -> Vec<u8> {
    let der = format!("{pem_name}.der");
    openssl(
        rig.dir.path(),
        &[
            "pkey", "-pubin", "-in", pem_name, "-outform", "DER", "-out", &der,
        ],
    );
    fs::read(rig.path(&der)).unwrap()
}

/// generate → certificate (OpenSSL, see `issue_certificate`) → import-certificate →
/// read-certificate → test-signature, which has the card sign and checks the signature with
/// OpenSSL against the certificate's key.
fn generate_import_and_sign(rig: &Rig, slot: &str, algorithm: &str, verified: &str) {
    let public = format!("{slot}.pem");
    let cert = format!("{slot}-cert.pem");
    let run = rig.yubico(&["-a", "generate", "-s", slot, "-A", algorithm, "-o", &public]);
    assert!(run.ok(), "generate: {}", run.text());
    assert!(
        run.text()
            .contains("Successfully generated a new private key")
    );
    let card_key = rig
        .card
        .with_card(|c| c.public_key_der(Slot::parse(slot).unwrap()))
        .unwrap();
    assert_eq!(
        public_der(rig, &public),
        card_key,
        "the tool got the card's public key"
    );

    issue_certificate(
        rig.dir.path(),
        &public,
        &format!("/CN=yubico-{slot}"),
        &cert,
    );
    let run = rig.yubico(&["-a", "import-certificate", "-s", slot, "-i", &cert]);
    assert!(run.ok(), "import-certificate: {}", run.text());
    let read = format!("{slot}-read.pem");
    let run = rig.yubico(&["-a", "read-certificate", "-s", slot, "-o", &read]);
    assert!(run.ok(), "read-certificate: {}", run.text());
    let der = |name: &str| {
        let out = format!("{name}.der");
        openssl(
            rig.dir.path(),
            &["x509", "-in", name, "-outform", "DER", "-out", &out],
        );
        fs::read(rig.path(&out)).unwrap()
    };
    assert_eq!(
        der(&read),
        der(&cert),
        "the certificate read back is the one imported"
    );

    let run = rig.yubico(&[
        "-a",
        "verify-pin",
        "-P",
        "123456",
        "-a",
        "test-signature",
        "-s",
        slot,
        "-i",
        &cert,
    ]);
    assert!(run.ok(), "test-signature: {}", run.text());
    assert!(run.text().contains(verified), "{}", run.text());

    let run = rig.yubico(&["-a", "status"]);
    assert!(run.ok(), "status: {}", run.text());
    assert!(
        run.stdout.contains(&format!("Slot {slot}:")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("CN=yubico-{slot}")),
        "{}",
        run.stdout
    );
}

#[test]
fn yubico_piv_tool_ecc_p256_in_9c() {
    let rig = Rig::start();
    generate_import_and_sign(&rig, "9c", "ECCP256", "Successful ECDSA verification");
    // 9C wants the PIN immediately before each signature: without verify-pin it refuses.
    let run = rig.yubico(&["-a", "test-signature", "-s", "9c", "-i", "9c-cert.pem"]);
    assert!(!run.ok(), "signed without the PIN: {}", run.text());
}

#[test]
fn yubico_piv_tool_rsa_2048_in_9a() {
    let rig = Rig::start();
    generate_import_and_sign(&rig, "9a", "RSA2048", "Successful RSA verification");
}

#[test]
fn yubico_piv_tool_wrong_pin_counts_down_blocks_and_puk_unblocks() {
    let rig = Rig::start();
    let run = rig.yubico(&["-a", "verify-pin", "-P", "000000"]);
    assert!(!run.ok());
    assert!(run.text().contains("2 tries left"), "{}", run.text());
    let run = rig.yubico(&["-a", "status"]);
    assert!(run.stdout.contains("PIN tries left:\t2"), "{}", run.stdout);
    let run = rig.yubico(&["-a", "verify-pin", "-P", "000000"]);
    assert!(run.text().contains("1 tries left"), "{}", run.text());
    let run = rig.yubico(&["-a", "verify-pin", "-P", "000000"]);
    assert!(run.text().contains("Pin code blocked"), "{}", run.text());
    assert_eq!(rig.card.with_card(|c| c.pin_tries_left()), 0);
    // Blocked: even the right PIN fails.
    let run = rig.yubico(&["-a", "verify-pin", "-P", "123456"]);
    assert!(
        !run.ok() && run.text().contains("blocked"),
        "{}",
        run.text()
    );
    let run = rig.yubico(&["-a", "status"]);
    assert!(run.stdout.contains("PIN tries left:\t0"), "{}", run.stdout);

    let run = rig.yubico(&["-a", "unblock-pin", "-P", "12345678", "-N", "654321"]);
    assert!(run.ok(), "unblock-pin: {}", run.text());
    let run = rig.yubico(&["-a", "verify-pin", "-P", "654321"]);
    assert!(run.ok(), "verify-pin: {}", run.text());
    let run = rig.yubico(&["-a", "change-pin", "-P", "654321", "-N", "13572468"]);
    assert!(run.ok(), "change-pin: {}", run.text());
    let run = rig.yubico(&["-a", "change-puk", "-P", "12345678", "-N", "87654321"]);
    assert!(run.ok(), "change-puk: {}", run.text());
    assert_eq!(
        rig.card
            .with_card(|c| (c.pin_tries_left(), c.puk_tries_left())),
        (3, 3)
    );
}

#[test]
fn yubico_piv_tool_management_key() {
    let rig = Rig::start();
    let wrong = "--key=0102030405060708010203040506070801020304050607FF";
    let run = rig.yubico(&[wrong, "-a", "generate", "-s", "9d", "-A", "ECCP256"]);
    assert!(
        !run.ok() && run.text().contains("Failed authentication"),
        "{}",
        run.text()
    );
    let new = "112233445566778811223344556677881122334455667788";
    let run = rig.yubico(&["-a", "set-mgm-key", "-n", new]);
    assert!(run.ok(), "set-mgm-key: {}", run.text());
    let run = rig.yubico(&["-a", "generate", "-s", "9d", "-A", "ECCP256"]);
    assert!(!run.ok(), "the default key still works: {}", run.text());
    let run = rig.yubico(&[
        &format!("--key={new}"),
        "-a",
        "generate",
        "-s",
        "9d",
        "-A",
        "ECCP256",
    ]);
    assert!(run.ok(), "generate with the new key: {}", run.text());
    // set-chuid and set-ccc write objects with PUT DATA.
    let run = rig.yubico(&[&format!("--key={new}"), "-a", "set-chuid", "-a", "set-ccc"]);
    assert!(run.ok(), "set-chuid, set-ccc: {}", run.text());
}
