//! The PIV driver (`devices::piv`) against the virtual card over pcscd + vpcd: PINs, keys,
//! signatures, certificates, a card pulled mid-signature, and garbage answers.

use devices::piv::{KeyAlgorithm, ManagementKey, PinStatus, PivError, Puk, Slot};
use hw_sim::{Faults, Garbage};
use sha2::{Digest as _, Sha256};
use tests::piv_rig::{Rig, child_env};
use verifier::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm, SignatureScheme};

use super::{PIN, open_card, pin};

#[test]
fn wrong_pins_count_down_to_lockout_and_the_puk_unblocks() {
    let Some(reader) = child_env() else {
        let rig = Rig::start();
        rig.run_child("piv::driver::wrong_pins_count_down_to_lockout_and_the_puk_unblocks");
        // The card's own counter agrees with what the driver was told.
        assert_eq!(rig.card.with_card(|c| c.pin_tries_left()), 3);
        return;
    };
    let mut card = open_card(&reader);
    assert_eq!(
        card.pin_status().unwrap(),
        PinStatus::NotVerified { tries_left: 3 }
    );
    card.verify_pin(&pin(PIN)).unwrap();
    assert_eq!(card.pin_status().unwrap(), PinStatus::Verified);
    for left in [2, 1] {
        assert_eq!(
            card.verify_pin(&pin("000000")),
            Err(PivError::PinIncorrect { tries_left: left })
        );
    }
    assert_eq!(card.verify_pin(&pin("000000")), Err(PivError::PinBlocked));
    // Blocked: even the right PIN is refused, and the error says so.
    assert_eq!(card.verify_pin(&pin(PIN)), Err(PivError::PinBlocked));
    assert_eq!(card.pin_status().unwrap(), PinStatus::Blocked);
    assert_eq!(
        card.unblock_pin(&Puk::new(b"00000000").unwrap(), &pin("654321")),
        Err(PivError::PukIncorrect { tries_left: 2 })
    );
    card.unblock_pin(&Puk::new(b"12345678").unwrap(), &pin(PIN))
        .unwrap();
    card.verify_pin(&pin(PIN)).unwrap();
}

#[test]
fn keys_generated_on_the_card_sign_p256_and_rsa_and_certificates_read_back() {
    let Some(reader) = child_env() else {
        let rig = Rig::start();
        rig.run_child(
            "piv::driver::keys_generated_on_the_card_sign_p256_and_rsa_and_certificates_read_back",
        );
        assert!(
            rig.card
                .with_card(|c| c.key_algorithm(Slot::Signature))
                .is_some()
        );
        return;
    };
    let mut card = open_card(&reader);
    card.authenticate_management_key(&ManagementKey::default_tdes())
        .unwrap();
    let p256 = card
        .generate_key(Slot::Signature, KeyAlgorithm::EccP256)
        .unwrap();
    let rsa = card
        .generate_key(Slot::KeyManagement, KeyAlgorithm::Rsa2048)
        .unwrap();
    let digest: [u8; 32] = Sha256::digest(b"protocol of interrogation").into();

    let signature = card
        .sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin(PIN), &digest)
        .unwrap();
    verify(
        &p256.to_spki_der(),
        SignatureScheme::Ecdsa,
        &digest,
        &signature,
    );
    // 9C wants the PIN before every signature: the last one used it up.
    assert!(matches!(
        card.sign_digest(Slot::Signature, KeyAlgorithm::EccP256, &digest),
        Err(PivError::NotAuthenticated { .. })
    ));

    // 9D keeps the PIN for the session; RSA PKCS#1 v1.5 is padded on the host.
    card.verify_pin(&pin(PIN)).unwrap();
    let signature = card
        .sign_digest(Slot::KeyManagement, KeyAlgorithm::Rsa2048, &digest)
        .unwrap();
    assert_eq!(signature.len(), 256);
    verify(
        &rsa.to_spki_der(),
        SignatureScheme::RsaPkcs1v15,
        &digest,
        &signature,
    );
    let again = card
        .sign_digest(Slot::KeyManagement, KeyAlgorithm::Rsa2048, &digest)
        .unwrap();
    assert_eq!(again, signature, "PKCS#1 v1.5 is deterministic");

    // A certificate longer than one short APDU goes in by chaining and comes back whole.
    let pem =
        std::fs::read("../../shared/vectors/nca/certs/individual_valid_sign_2004_rsa.cer").unwrap();
    let cert = verifier::path::parse_certificates(&pem).unwrap()[0]
        .der()
        .to_vec();
    assert!(cert.len() > 255);
    card.authenticate_management_key(&ManagementKey::default_tdes())
        .unwrap();
    card.put_certificate(Slot::Signature, &cert).unwrap();
    assert_eq!(card.read_certificate(Slot::Signature).unwrap(), cert);
    assert_eq!(
        card.read_certificate(Slot::CardAuthentication),
        Err(PivError::NoCertificate(Slot::CardAuthentication))
    );
    // No key in 9E.
    assert_eq!(
        card.sign_digest(Slot::CardAuthentication, KeyAlgorithm::EccP256, &digest),
        Err(PivError::NoKeyInSlot(Slot::CardAuthentication))
    );
}

#[test]
fn a_card_pulled_during_a_signature_is_reported_as_removed() {
    let Some(reader) = child_env() else {
        let rig = Rig::start();
        rig.card
            .with_card(|c| c.generate_key(Slot::Signature, KeyAlgorithm::EccP256))
            .unwrap();
        rig.card.set_faults(Faults {
            remove_on_sign: true,
            ..Faults::default()
        });
        rig.run_child("piv::driver::a_card_pulled_during_a_signature_is_reported_as_removed");
        assert!(!rig.card.is_connected());
        return;
    };
    let mut card = open_card(&reader);
    let result = card.sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin(PIN), &[7; 32]);
    assert!(
        matches!(result, Err(PivError::CardRemoved | PivError::NoCard)),
        "{result:?}"
    );
}

#[test]
fn garbled_answers_are_malformed_responses() {
    let Some(reader) = child_env() else {
        let rig = Rig::start();
        for kind in [Garbage::Random, Garbage::Truncated] {
            rig.card.set_faults(Faults {
                garbage: 1,
                garbage_kind: kind,
                ..Faults::default()
            });
            rig.run_child("piv::driver::garbled_answers_are_malformed_responses");
        }
        return;
    };
    let transport = devices::pcsc_transport::PcscContext::establish()
        .unwrap()
        .connect(&reader)
        .unwrap();
    // SELECT is the first command: it gets the garbage.
    let result = devices::piv::PivCard::open(transport);
    assert!(
        matches!(result, Err(PivError::MalformedResponse { .. })),
        "{result:?}"
    );
}

/// Verifies a signature over `digest` with the SPKI `public`.
fn verify(public: &[u8], scheme: SignatureScheme, digest: &[u8; 32], signature: &[u8]) {
    let key = PublicKey::from_spki_der(public).unwrap();
    let algorithm = SignatureAlgorithm::new(scheme, DigestAlgorithm::Sha256).unwrap();
    key.verify_prehashed(&algorithm, digest, signature).unwrap();
}

#[test]
fn the_watcher_sees_the_card_pulled_and_put_back() {
    let Some(reader) = child_env() else {
        let rig = Rig::start();
        std::thread::scope(|s| {
            s.spawn(|| {
                // The child sets its watcher up first.
                std::thread::sleep(std::time::Duration::from_millis(1500));
                rig.card.remove();
                std::thread::sleep(std::time::Duration::from_millis(1500));
                rig.card.insert();
            });
            rig.run_child("piv::driver::the_watcher_sees_the_card_pulled_and_put_back");
        });
        return;
    };
    let context = devices::pcsc_transport::PcscContext::establish().unwrap();
    let mut watcher = context.watcher().unwrap();
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline && seen.len() < 2 {
        for event in watcher
            .wait_for_change(std::time::Duration::from_secs(1))
            .unwrap()
        {
            match event {
                devices::pcsc_transport::ReaderEvent::Removed { reader: r } if r == reader => {
                    seen.push("removed");
                }
                devices::pcsc_transport::ReaderEvent::Inserted { reader: r, atr }
                    if r == reader =>
                {
                    assert!(!atr.is_empty());
                    seen.push("inserted");
                }
                _ => {}
            }
        }
    }
    assert_eq!(seen, ["removed", "inserted"]);
}
