//! Hostile and broken cards: random and truncated answers to every operation must give an
//! error or a checked result, never a panic, a hang or unbounded memory.

use proptest::prelude::*;

use super::*;
use crate::piv::wire::object;
use crate::piv::{
    KeyAlgorithm, ManagementAlgorithm, ManagementKey, Pin, PivCard, PivError, Puk, Slot,
};
use crate::tlv;

/// Answers from a list, then reports the card removed.
struct Chaos {
    answers: VecDeque<Vec<u8>>,
    sent: usize,
}

impl Transport for Chaos {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        self.answers.pop_front().ok_or(TransportError::CardRemoved)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        body(self);
        Ok(())
    }
}

/// One driver operation against a chaotic card.
type Op<'a> = Box<dyn Fn(&mut PivCard<Chaos>) -> Result<(), PivError> + 'a>;

/// Runs every operation of the driver against `answers`; the answers restart for each.
fn run_all(answers: &[Vec<u8>]) {
    let pin = Pin::new(b"123456").unwrap();
    let puk = Puk::new(b"12345678").unwrap();
    let mgmt = [
        ManagementKey::default_tdes(),
        ManagementKey::new(ManagementAlgorithm::Aes256, &[7; 32]).unwrap(),
    ];
    let digest = [0x5A; 32];
    let ops: Vec<Op<'_>> = vec![
        Box::new(|c| c.select()),
        Box::new(|c| c.version().map(drop)),
        Box::new(|c| c.serial().map(drop)),
        Box::new(|c| c.verify_pin(&pin)),
        Box::new(|c| c.pin_status().map(drop)),
        Box::new(|c| c.change_pin(&pin, &pin)),
        Box::new(|c| c.unblock_pin(&puk, &pin)),
        Box::new(|c| c.read_certificate(Slot::Signature).map(drop)),
        Box::new(|c| c.get_data(object::CHUID).map(drop)),
        Box::new(|c| c.put_data(object::PRINTED_INFO, &[0; 700])),
        Box::new(|c| c.put_certificate(Slot::Authentication, &tlv::encode(0x30, &[1; 300]))),
        Box::new(|c| {
            c.sign_digest(Slot::Authentication, KeyAlgorithm::EccP256, &digest)
                .map(drop)
        }),
        Box::new(|c| {
            c.sign_digest(Slot::Signature, KeyAlgorithm::Rsa2048, &digest)
                .map(drop)
        }),
        Box::new(|c| {
            c.sign_with_pin(Slot::Signature, KeyAlgorithm::EccP256, &pin, &digest)
                .map(drop)
        }),
        Box::new(|c| c.authenticate_management_key(&mgmt[0])),
        Box::new(|c| c.authenticate_management_key(&mgmt[1])),
        Box::new(|c| {
            c.generate_key(Slot::KeyManagement, KeyAlgorithm::EccP256)
                .map(|k| drop(k.to_spki_der()))
        }),
        Box::new(|c| {
            c.generate_key(Slot::KeyManagement, KeyAlgorithm::Rsa2048)
                .map(|k| drop(k.to_spki_der()))
        }),
    ];
    for extended in [false, true] {
        for op in &ops {
            let mut card = PivCard::new(Chaos {
                answers: answers.iter().cloned().collect(),
                sent: 0,
            });
            card.set_extended_length(extended);
            let _ = op(&mut card);
            assert!(
                card.transport().sent <= answers.len() + 1,
                "kept talking to a removed card"
            );
        }
    }
}

/// Status words that steer the driver down its interesting paths.
fn status_word() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(0x9000u16),
        (0u16..=0xFF).prop_map(|n| 0x6100 | n),
        (0u16..=0xFF).prop_map(|n| 0x6C00 | n),
        (0u16..=0x0F).prop_map(|n| 0x63C0 | n),
        Just(0x6983),
        Just(0x6982),
        Just(0x6A82),
        Just(0x6A88),
        Just(0x6884),
        Just(0x6D00),
        any::<u16>(),
    ]
}

/// Data that is sometimes a plausible TLV for the operation at hand.
fn data() -> impl Strategy<Value = Vec<u8>> {
    let tag = prop_oneof![
        Just(0x53u16),
        Just(0x7C),
        Just(0x7F49),
        Just(0x70),
        Just(0x80),
        Just(0x82),
        Just(0x86),
        Just(0x30)
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (tag.clone(), prop::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(t, v)| tlv::encode(t, &v)),
        (tag.clone(), tag, prop::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(outer, inner, v)| tlv::encode(outer, &tlv::encode(inner, &v))),
    ]
}

fn answer() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..4),
        8 => (data(), status_word()).prop_map(|(d, sw)| resp(&d, sw)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_answers_never_panic(answers in prop::collection::vec(answer(), 0..6)) {
        run_all(&answers);
    }
}

/// Valid answers cut at every length: each prefix must be an error (or, where the prefix is
/// itself valid, a result), never a panic.
#[test]
fn truncated_answers_never_panic() {
    let cert = tlv::encode(0x30, &[0x11; 40]);
    let mut object = tlv::encode(0x70, &cert);
    tlv::write(&mut object, 0x71, &[0]);
    let point = [&[0x04][..], &[0x33; 64][..]].concat();
    let sig = [
        &h("30 44 02 20")[..],
        &[0x11; 32][..],
        &h("02 20")[..],
        &[0x22; 32][..],
    ]
    .concat();
    let valid = [
        tlv::encode(0x53, &object),
        tlv::encode(0x7C, &tlv::encode(0x82, &sig)),
        tlv::encode(0x7C, &tlv::encode(0x80, &[9; 8])),
        tlv::encode(0x7F49, &tlv::encode(0x86, &point)),
        h("05 04 03"),
    ];
    for answer in &valid {
        let full = resp(answer, 0x9000);
        for cut in 0..full.len() {
            run_all(&[full[..cut].to_vec()]);
            run_all(&[resp(&answer[..cut.min(answer.len())], 0x9000)]);
        }
    }
}

#[test]
fn an_endless_stream_of_61_xx_is_bounded() {
    // Each GET RESPONSE brings one byte and announces 255 more: the size cap ends it.
    struct Endless(usize);
    impl Transport for Endless {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.0 += 1;
            Ok(resp(&[0xAA], 0x61FF))
        }
        fn transaction(
            &mut self,
            body: &mut dyn FnMut(&mut dyn Transport),
        ) -> Result<(), TransportError> {
            body(self);
            Ok(())
        }
    }
    let mut card = PivCard::new(Endless(0));
    assert!(matches!(
        card.get_data(object::CHUID),
        Err(PivError::ResponseTooLarge { .. })
    ));
    assert!(card.transport().0 <= crate::piv::MAX_RESPONSE_LEN + 2);
}
