//! GENERAL AUTHENTICATE signatures: request encoding, PKCS#1 v1.5 block, answer checks,
//! PIN-in-transaction.

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey};

use super::*;
use crate::piv::sign::{check_ecdsa_p256_der, pkcs1_v15_sha256};
use crate::piv::{KeyAlgorithm, Pin, PivCard, PivError, Slot};
use crate::tlv;

fn digest() -> [u8; 32] {
    std::array::from_fn(|i| i as u8 + 0xA0)
}

fn ec_request(slot: u8) -> Vec<u8> {
    [
        &h(&format!("00 87 11 {slot:02X} 26 7C 24 82 00 81 20"))[..],
        &digest()[..],
        &[0x00][..],
    ]
    .concat()
}

fn ec_answer(der: &[u8]) -> Vec<u8> {
    resp(&tlv::encode(0x7C, &tlv::encode(0x82, der)), 0x9000)
}

/// A DER ECDSA signature with 32-byte r and s whose top bits are clear.
fn plain_der() -> Vec<u8> {
    [
        &h("30 44 02 20")[..],
        &[0x11; 32][..],
        &h("02 20")[..],
        &[0x22; 32][..],
    ]
    .concat()
}

#[test]
fn p256_request_and_answer() {
    let der = plain_der();
    let mut s = Script::new().expect(ec_request(0x9A), ec_answer(&der));
    let sig = PivCard::new(&mut s)
        .sign_digest(Slot::Authentication, KeyAlgorithm::EccP256, &digest())
        .unwrap();
    assert_eq!(sig, der);
    s.done();
}

#[test]
fn p256_signature_from_rustcrypto_is_accepted_and_verifies() {
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    for i in 0..20u8 {
        let mut d = digest();
        d[0] = i;
        let der: DerSignature = key.sign_prehash(&d).unwrap();
        assert_eq!(
            check_ecdsa_p256_der(der.as_bytes()),
            Ok(()),
            "{}",
            hex(der.as_bytes())
        );
        let sig = Signature::from_der(der.as_bytes()).unwrap();
        key.verifying_key().verify_prehash(&d, &sig).unwrap();
    }
}

#[test]
fn malformed_ecdsa_signatures_are_rejected() {
    let n = h(
        "FF FF FF FF 00 00 00 00 FF FF FF FF FF FF FF FF BC E6 FA AD A7 17 9E 84 F3 B9 CA C2 FC 63 25 51",
    );
    let int = |v: &[u8]| tlv::encode(0x02, v);
    let seq = |r: &[u8], s: &[u8]| tlv::encode(0x30, &[int(r), int(s)].concat());
    let good = [0x11u8; 32];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("zero r", seq(&[0], &good)),
        ("r = n", seq(&[&[0][..], &n[..]].concat(), &good)),
        ("negative r", seq(&[0x80; 32], &good)),
        (
            "non-minimal r",
            seq(&[&[0, 0x11][..], &good[..]].concat(), &good),
        ),
        ("empty s", seq(&good, &[])),
        ("33-byte magnitude", seq(&[0x01; 33], &good)),
        ("trailing byte", [&seq(&good, &good)[..], &[0][..]].concat()),
        (
            "non-minimal length",
            [&h("30 81 44")[..], &plain_der()[2..]].concat(),
        ),
        (
            "SET instead of SEQUENCE",
            [&[0x31][..], &plain_der()[1..]].concat(),
        ),
        (
            "three integers",
            tlv::encode(0x30, &[int(&good), int(&good), int(&good)].concat()),
        ),
        ("raw r||s", [good, good].concat()),
    ];
    for (name, der) in cases {
        assert!(check_ecdsa_p256_der(&der).is_err(), "{name} accepted");
        let mut s = Script::new().expect(ec_request(0x9A), ec_answer(&der));
        let err = PivCard::new(&mut s)
            .sign_digest(Slot::Authentication, KeyAlgorithm::EccP256, &digest())
            .unwrap_err();
        assert!(
            matches!(err, PivError::MalformedResponse { .. }),
            "{name}: {err:?}"
        );
    }
    // Not wrapped in 7C / 82.
    let mut s = Script::new().expect(
        ec_request(0x9A),
        resp(&tlv::encode(0x82, &plain_der()), 0x9000),
    );
    let err = PivCard::new(&mut s)
        .sign_digest(Slot::Authentication, KeyAlgorithm::EccP256, &digest())
        .unwrap_err();
    assert!(matches!(err, PivError::MalformedResponse { .. }), "{err:?}");
}

#[test]
fn pkcs1_block_layout() {
    let d = digest();
    let block = pkcs1_v15_sha256(&d);
    // RFC 8017 §9.2: EM = 0x00 || 0x01 || PS || 0x00 || T, PS of FF, T = DigestInfo (note 1).
    let t = [
        &h("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20")[..],
        &d[..],
    ]
    .concat();
    let expected = [
        &[0x00, 0x01][..],
        &[0xFF; 256 - 3 - 51][..],
        &[0x00][..],
        &t[..],
    ]
    .concat();
    assert_eq!(block.to_vec(), expected);
    assert_eq!(block.len(), 256);
}

#[test]
fn rsa_request_is_chained_and_answer_assembled() {
    let block = pkcs1_v15_sha256(&digest());
    let data = [&h("7C 82 01 06 82 00 81 82 01 00")[..], &block[..]].concat();
    assert_eq!(data.len(), 266);
    let signature: Vec<u8> = (0..256u32).map(|i| (i * 13 + 1) as u8).collect();
    let answer = tlv::encode(0x7C, &tlv::encode(0x82, &signature));
    assert_eq!(answer.len(), 264);
    let mut s = Script::new()
        .expect(
            [&h("10 87 07 9C FF")[..], &data[..255]].concat(),
            h("90 00"),
        )
        .expect(
            [&h("00 87 07 9C 0B")[..], &data[255..], &[0x00][..]].concat(),
            resp(&answer[..256], 0x6108),
        )
        .expect(h("00 C0 00 00 08"), resp(&answer[256..], 0x9000));
    let sig = PivCard::new(&mut s)
        .sign_digest(Slot::Signature, KeyAlgorithm::Rsa2048, &digest())
        .unwrap();
    assert_eq!(sig, signature);
    s.done();
}

#[test]
fn rsa_signature_of_wrong_length() {
    let mut s = Script::new().reply(|_| Ok(h("90 00"))).reply(|_| {
        Ok(resp(
            &tlv::encode(0x7C, &tlv::encode(0x82, &[1; 255])),
            0x9000,
        ))
    });
    let err = PivCard::new(&mut s)
        .sign_digest(Slot::Signature, KeyAlgorithm::Rsa2048, &digest())
        .unwrap_err();
    assert!(matches!(err, PivError::MalformedResponse { .. }), "{err:?}");
}

#[test]
fn sign_status_words() {
    let mut s = Script::new()
        .expect(ec_request(0x9C), h("69 82"))
        .expect(ec_request(0x9D), h("6A 88"))
        .expect(ec_request(0x9E), h("6A 80"));
    let mut card = PivCard::new(&mut s);
    let d = digest();
    assert_eq!(
        card.sign_digest(Slot::Signature, KeyAlgorithm::EccP256, &d),
        Err(PivError::NotAuthenticated {
            command: "GENERAL AUTHENTICATE (sign)"
        })
    );
    assert_eq!(
        card.sign_digest(Slot::KeyManagement, KeyAlgorithm::EccP256, &d),
        Err(PivError::NoKeyInSlot(Slot::KeyManagement))
    );
    let err = card
        .sign_digest(Slot::CardAuthentication, KeyAlgorithm::EccP256, &d)
        .unwrap_err();
    assert!(matches!(err, PivError::UnexpectedStatus { .. }), "{err:?}");
}

#[test]
fn sign_message_hashes_with_sha256() {
    // SHA-256("abc"), FIPS 180-2 Appendix B.1.
    let abc = h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    let request = [
        &h("00 87 11 9A 26 7C 24 82 00 81 20")[..],
        &abc[..],
        &[0x00][..],
    ]
    .concat();
    let mut s = Script::new().expect(request, ec_answer(&plain_der()));
    PivCard::new(&mut s)
        .sign_message(Slot::Authentication, KeyAlgorithm::EccP256, b"abc")
        .unwrap();
    s.done();
}

#[test]
fn sign_with_pin_holds_one_transaction() {
    let mut s = Script::new()
        .expect_hex(SELECT, SELECT_ANSWER, 0x9000)
        .expect_hex("00 20 00 80 08 31 32 33 34 35 36 FF FF", "", 0x9000)
        .expect(ec_request(0x9C), ec_answer(&plain_der()));
    let pin = Pin::new(b"123456").unwrap();
    let sig = PivCard::new(&mut s)
        .sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &digest())
        .unwrap();
    assert_eq!(sig, plain_der());
    s.done();
    assert_eq!(s.transactions, 1);
    assert_eq!(s.log.len(), 3);
    assert!(
        s.log.iter().all(|(_, in_tx)| *in_tx),
        "an APDU went outside the transaction"
    );
}

#[test]
fn sign_with_wrong_pin_sends_no_signature_request() {
    let mut s = Script::new()
        .expect_hex(SELECT, SELECT_ANSWER, 0x9000)
        .expect_hex("00 20 00 80 08 31 32 33 34 35 36 FF FF", "", 0x63C1);
    let pin = Pin::new(b"123456").unwrap();
    let err = PivCard::new(&mut s)
        .sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &digest())
        .unwrap_err();
    assert_eq!(err, PivError::PinIncorrect { tries_left: 1 });
    s.done();
}

#[test]
fn removal_between_verify_and_sign() {
    let mut s = Script::new()
        .expect_hex(SELECT, SELECT_ANSWER, 0x9000)
        .expect_hex("00 20 00 80 08 31 32 33 34 35 36 FF FF", "", 0x9000)
        .fail(TransportError::CardRemoved);
    let pin = Pin::new(b"123456").unwrap();
    let err = PivCard::new(&mut s)
        .sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &digest())
        .unwrap_err();
    assert_eq!(err, PivError::CardRemoved);
}

/// A transport whose transaction cannot begin: the body must not run.
struct Locked;

impl Transport for Locked {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        panic!("sent an APDU without the transaction");
    }

    fn transaction(&mut self, _: &mut dyn FnMut(&mut dyn Transport)) -> Result<(), TransportError> {
        Err(TransportError::Busy)
    }
}

#[test]
fn no_pin_is_sent_without_the_transaction() {
    let pin = Pin::new(b"123456").unwrap();
    let err = PivCard::new(Locked)
        .sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &digest())
        .unwrap_err();
    assert_eq!(err, PivError::Transport(TransportError::Busy));
}
