//! Management-key mutual authentication (3DES and AES), checked against the ciphers directly.

use std::cell::RefCell;
use std::rc::Rc;

use aes::Aes128;
use des::TdesEde3;
use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use super::*;
use crate::piv::{ManagementAlgorithm, ManagementKey, PivCard, PivError};
use crate::tlv;

const DEFAULT_KEY: &str = "010203040506070801020304050607080102030405060708";

/// One block cipher as the test card sees it.
trait TestCipher: 'static {
    fn enc(&self, block: &[u8]) -> Vec<u8>;
    fn dec(&self, block: &[u8]) -> Vec<u8>;
}

impl TestCipher for TdesEde3 {
    fn enc(&self, block: &[u8]) -> Vec<u8> {
        let mut b = Array::try_from(block).unwrap();
        self.encrypt_block(&mut b);
        b.to_vec()
    }
    fn dec(&self, block: &[u8]) -> Vec<u8> {
        let mut b = Array::try_from(block).unwrap();
        self.decrypt_block(&mut b);
        b.to_vec()
    }
}

impl TestCipher for Aes128 {
    fn enc(&self, block: &[u8]) -> Vec<u8> {
        let mut b = Array::try_from(block).unwrap();
        self.encrypt_block(&mut b);
        b.to_vec()
    }
    fn dec(&self, block: &[u8]) -> Vec<u8> {
        let mut b = Array::try_from(block).unwrap();
        self.decrypt_block(&mut b);
        b.to_vec()
    }
}

/// How the scripted card behaves in step 4.
#[derive(Clone, Copy, PartialEq)]
enum Card {
    Honest,
    /// Answers with a wrong response to our challenge (an impostor that accepts any key).
    WrongResponse,
}

/// Scripts the two GENERAL AUTHENTICATE exchanges of a card holding `cipher`'s key.
fn script(
    alg: u8,
    cipher: impl TestCipher,
    witness: Vec<u8>,
    card: Card,
) -> (Script, Rc<RefCell<Vec<u8>>>) {
    let n = witness.len();
    let cipher = Rc::new(cipher);
    let seen_challenge = Rc::new(RefCell::new(Vec::new()));
    let c1 = cipher.clone();
    let w1 = witness.clone();
    let step1 = format!("00 87 {alg:02X} 9B 04 7C 02 80 00 00");
    let seen = seen_challenge.clone();
    let s = Script::new()
        .expect(
            h(&step1),
            resp(&tlv::encode(0x7C, &tlv::encode(0x80, &c1.enc(&w1))), 0x9000),
        )
        .reply(move |apdu| {
            // 00 87 alg 9B Lc 7C L 80 n W 81 n C 00
            let inner = 2 * (2 + n);
            let header = [
                0x00,
                0x87,
                alg,
                0x9B,
                (inner + 2) as u8,
                0x7C,
                inner as u8,
                0x80,
                n as u8,
            ];
            assert_eq!(hex(&apdu[..9]), hex(&header));
            // The card checks our decryption of its witness, as a real one does.
            let witness_ok = apdu[9..9 + n] == witness[..];
            assert_eq!(apdu[9 + n..11 + n], [0x81, n as u8]);
            assert_eq!(apdu.len(), 11 + 2 * n + 1);
            assert_eq!(apdu[apdu.len() - 1], 0x00);
            let challenge = &apdu[11 + n..11 + 2 * n];
            *seen.borrow_mut() = challenge.to_vec();
            if !witness_ok {
                return Ok(h("69 82"));
            }
            let mut answer = cipher.enc(challenge);
            if card == Card::WrongResponse {
                answer[0] ^= 1;
            }
            Ok(resp(
                &tlv::encode(0x7C, &tlv::encode(0x82, &answer)),
                0x9000,
            ))
        });
    (s, seen_challenge)
}

fn tdes_default() -> TdesEde3 {
    TdesEde3::new_from_slice(&h(DEFAULT_KEY)).unwrap()
}

#[test]
fn tdes_default_key_mutual_authentication() {
    let (mut s, challenge) = script(0x03, tdes_default(), h("0011223344556677"), Card::Honest);
    PivCard::new(&mut s)
        .authenticate_management_key(&ManagementKey::default_tdes())
        .unwrap();
    s.done();
    // Our challenge is fresh randomness, not a constant.
    let first = challenge.borrow().clone();
    let (mut s, challenge) = script(0x03, tdes_default(), h("0011223344556677"), Card::Honest);
    PivCard::new(&mut s)
        .authenticate_management_key(&ManagementKey::default_tdes())
        .unwrap();
    assert_ne!(first, *challenge.borrow());
}

#[test]
fn tdes_known_answer() {
    // The cipher the driver uses agrees with the one the test card uses on a fixed block, and
    // 3DES with K1 = K2 = K3 is single DES (FIPS 46-3 compatibility), a cheap sanity check.
    let single =
        TdesEde3::new_from_slice(&h("133457799BBCDFF1133457799BBCDFF1133457799BBCDFF1")).unwrap();
    // FIPS 46 worked example (Grabbe): DES(133457799BBCDFF1, 0123456789ABCDEF) = 85E813540F0AB405.
    assert_eq!(
        hex(&single.enc(&h("0123456789ABCDEF"))),
        "85 E8 13 54 0F 0A B4 05"
    );
    assert_eq!(
        hex(&single.dec(&h("85E813540F0AB405"))),
        "01 23 45 67 89 AB CD EF"
    );
}

#[test]
fn aes128_mutual_authentication() {
    let key = h("000102030405060708090A0B0C0D0E0F");
    let cipher = Aes128::new_from_slice(&key).unwrap();
    let (mut s, _) = script(
        0x08,
        cipher,
        h("F0E0D0C0B0A090807060504030201000"),
        Card::Honest,
    );
    let mk = ManagementKey::new(ManagementAlgorithm::Aes128, &key).unwrap();
    PivCard::new(&mut s)
        .authenticate_management_key(&mk)
        .unwrap();
    s.done();
}

#[test]
fn impostor_card_fails_closed() {
    let (mut s, _) = script(
        0x03,
        tdes_default(),
        h("0011223344556677"),
        Card::WrongResponse,
    );
    assert_eq!(
        PivCard::new(&mut s).authenticate_management_key(&ManagementKey::default_tdes()),
        Err(PivError::CardAuthenticationFailed)
    );
}

#[test]
fn wrong_key_is_rejected_by_the_card() {
    // The card holds another key: our decryption of its witness is wrong and it says 69 82.
    let other = TdesEde3::new_from_slice(&[0x5A; 24]).unwrap();
    let (mut s, _) = script(0x03, other, h("0011223344556677"), Card::Honest);
    let err = PivCard::new(&mut s).authenticate_management_key(&ManagementKey::default_tdes());
    assert_eq!(err, Err(PivError::ManagementKeyRejected));
}

#[test]
fn malformed_witnesses() {
    for answer in [
        resp(&tlv::encode(0x7C, &tlv::encode(0x80, &[0; 16])), 0x9000), // AES-sized for 3DES
        resp(&tlv::encode(0x7C, &tlv::encode(0x81, &[0; 8])), 0x9000),  // wrong tag
        resp(&tlv::encode(0x80, &[0; 8]), 0x9000),                      // no template
        resp(&[], 0x9000),
    ] {
        let mut s = Script::new().expect(h("00 87 03 9B 04 7C 02 80 00 00"), answer);
        let err = PivCard::new(&mut s)
            .authenticate_management_key(&ManagementKey::default_tdes())
            .unwrap_err();
        assert!(matches!(err, PivError::MalformedResponse { .. }), "{err:?}");
    }
}

#[test]
fn wrong_algorithm_is_a_status_error() {
    let mut s = Script::new().expect_hex("00 87 03 9B 04 7C 02 80 00 00", "", 0x6A86);
    let err = PivCard::new(&mut s)
        .authenticate_management_key(&ManagementKey::default_tdes())
        .unwrap_err();
    assert!(matches!(err, PivError::UnexpectedStatus { .. }), "{err:?}");
}

#[test]
fn card_answer_of_wrong_length_fails_closed() {
    let mut s = Script::new()
        .reply(|_| {
            Ok(resp(
                &tlv::encode(0x7C, &tlv::encode(0x80, &[0; 8])),
                0x9000,
            ))
        })
        .reply(|_| {
            Ok(resp(
                &tlv::encode(0x7C, &tlv::encode(0x82, &[0; 7])),
                0x9000,
            ))
        });
    let err = PivCard::new(&mut s).authenticate_management_key(&ManagementKey::default_tdes());
    assert_eq!(err, Err(PivError::CardAuthenticationFailed));
}
