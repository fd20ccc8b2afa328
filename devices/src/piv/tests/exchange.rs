//! APDU exchange: SELECT, GET RESPONSE assembly, chaining, extended length, 6C retry, limits,
//! transport errors.

use super::*;
use crate::apdu::StatusWord;
use crate::piv::wire::object;
use crate::piv::{MAX_RESPONSE_LEN, PivCard, PivError, Version};

#[test]
fn select_sends_the_truncated_aid() {
    let mut s = Script::new().expect_hex(SELECT, SELECT_ANSWER, 0x9000);
    PivCard::open(&mut s).unwrap();
    s.done();
}

#[test]
fn select_on_a_card_without_piv() {
    let mut s = Script::new().expect_hex(SELECT, "", 0x6A82);
    assert_eq!(
        PivCard::new(&mut s).select(),
        Err(PivError::NotPiv {
            sw: StatusWord::NOT_FOUND
        })
    );
}

#[test]
fn get_response_assembles_long_answers() {
    let value: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
    let mut object = crate::tlv::encode(0x53, &value);
    let whole = object.clone();
    // T=0 style: the first answer carries 256 bytes and 61 00, then 256 more, then the rest.
    let first: Vec<u8> = object.drain(..256).collect();
    let second: Vec<u8> = object.drain(..256).collect();
    let rest = object;
    assert_eq!(rest.len(), whole.len() - 512);
    let mut s = Script::new()
        .expect(h("00 CB 3F FF 05 5C 03 5F C1 02 00"), resp(&first, 0x6100))
        .expect(
            h("00 C0 00 00 00"),
            resp(&second, 0x61_00 | rest.len() as u16),
        )
        .expect(
            h(&format!("00 C0 00 00 {:02X}", rest.len())),
            resp(&rest, 0x9000),
        );
    let got = PivCard::new(&mut s).get_data(object::CHUID).unwrap();
    assert_eq!(got, value);
    s.done();
}

#[test]
fn chaining_splits_a_3k_put_data() {
    let value: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let mut data = h("5C 03 5F C1 09 53 82 0B B8");
    data.extend_from_slice(&value);
    assert_eq!(data.len(), 3009);
    let chunks: Vec<&[u8]> = data.chunks(255).collect();
    assert_eq!(chunks.len(), 12);
    let mut s = Script::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        let mut apdu = vec![
            if last { 0x00 } else { 0x10 },
            0xDB,
            0x3F,
            0xFF,
            chunk.len() as u8,
        ];
        apdu.extend_from_slice(chunk);
        s = s.expect(apdu, h("90 00"));
    }
    PivCard::new(&mut s)
        .put_data(object::PRINTED_INFO, &value)
        .unwrap();
    s.done();
    // Twelve APDUs, none longer than a short APDU allows.
    assert!(s.log.iter().all(|(apdu, _)| apdu.len() <= 5 + 255));
}

#[test]
fn extended_length_sends_one_apdu() {
    let value = vec![0xAB; 3000];
    let mut expected = h("00 DB 3F FF 00 0B C1 5C 03 5F C1 09 53 82 0B B8");
    expected.extend_from_slice(&value);
    let mut s = Script::new().expect(expected, h("90 00"));
    let mut card = PivCard::new(&mut s);
    card.set_extended_length(true);
    card.put_data(object::PRINTED_INFO, &value).unwrap();
    s.done();
}

#[test]
fn extended_length_asks_for_everything_at_once() {
    let mut s = Script::new().expect_hex(
        "00 CB 3F FF 00 00 05 5C 03 5F C1 02 00 00",
        "53 01 AA",
        0x9000,
    );
    let mut card = PivCard::new(&mut s);
    card.set_extended_length(true);
    assert_eq!(card.get_data(object::CHUID).unwrap(), [0xAA]);
}

#[test]
fn refused_chaining_is_unsupported() {
    let mut s = Script::new().reply(|apdu| {
        assert_eq!(apdu[0], 0x10);
        Ok(h("68 84"))
    });
    let err = PivCard::new(&mut s)
        .put_data(object::PRINTED_INFO, &[0; 600])
        .unwrap_err();
    assert!(matches!(err, PivError::Unsupported(_)), "{err:?}");
}

#[test]
fn wrong_le_is_retried_with_the_exact_length() {
    let mut s = Script::new()
        .expect_hex("00 FD 00 00 00", "", 0x6C03)
        .expect_hex("00 FD 00 00 03", "05 04 03", 0x9000);
    let v = PivCard::new(&mut s).version().unwrap();
    assert_eq!(
        v,
        Some(Version {
            major: 5,
            minor: 4,
            patch: 3
        })
    );
    assert_eq!(v.unwrap().to_string(), "5.4.3");
    s.done();
}

#[test]
fn a_second_6c_is_malformed() {
    let mut s = Script::new()
        .expect_hex("00 FD 00 00 00", "", 0x6C03)
        .expect_hex("00 FD 00 00 03", "", 0x6C03);
    let err = PivCard::new(&mut s).version().unwrap_err();
    assert!(matches!(err, PivError::MalformedResponse { .. }), "{err:?}");
}

#[test]
fn yubico_extensions_are_optional() {
    let mut s = Script::new()
        .expect_hex("00 FD 00 00 00", "", 0x6D00)
        .expect_hex("00 F8 00 00 00", "", 0x6D00)
        .expect_hex("00 F8 00 00 00", "00 BC 61 4E", 0x9000)
        .expect_hex("00 F8 00 00 00", "01 02", 0x9000);
    let mut card = PivCard::new(&mut s);
    assert_eq!(card.version().unwrap(), None);
    assert_eq!(card.serial().unwrap(), None);
    assert_eq!(card.serial().unwrap(), Some(12_345_678));
    assert!(matches!(
        card.serial(),
        Err(PivError::MalformedResponse { .. })
    ));
}

#[test]
fn endless_get_response_hits_the_cap() {
    let mut rounds = 0usize;
    let mut s = Script::new().reply(|_| Ok(resp(&[0x53], 0x6100)));
    for _ in 0..(MAX_RESPONSE_LEN / 256 + 2) {
        s = s.reply(move |_| Ok(resp(&[0xEE; 256], 0x6100)));
        rounds += 1;
    }
    let err = PivCard::new(&mut s).get_data(object::CHUID).unwrap_err();
    assert_eq!(
        err,
        PivError::ResponseTooLarge {
            command: "GET DATA",
            limit: MAX_RESPONSE_LEN
        }
    );
    // Stopped at the cap, not at the end of the script.
    assert!(s.log.len() <= rounds);
}

#[test]
fn one_oversized_answer_hits_the_cap() {
    let mut s = Script::new().reply(|_| Ok(resp(&vec![0; MAX_RESPONSE_LEN + 1], 0x9000)));
    let err = PivCard::new(&mut s).get_data(object::CHUID).unwrap_err();
    assert!(matches!(err, PivError::ResponseTooLarge { .. }), "{err:?}");
}

#[test]
fn get_response_without_progress_is_malformed() {
    let mut s = Script::new()
        .expect_hex("00 FD 00 00 00", "", 0x6110)
        .expect_hex("00 C0 00 00 10", "", 0x6110);
    let err = PivCard::new(&mut s).version().unwrap_err();
    assert!(matches!(err, PivError::MalformedResponse { .. }), "{err:?}");
}

#[test]
fn answers_shorter_than_a_status_word_are_malformed() {
    let mut s = Script::new().reply(|_| Ok(vec![0x90]));
    let err = PivCard::new(&mut s).select().unwrap_err();
    assert!(
        matches!(
            err,
            PivError::MalformedResponse {
                command: "SELECT",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn removal_mid_operation_is_card_removed() {
    // The card goes away between two parts of a long answer.
    let mut s = Script::new()
        .expect_hex("00 CB 3F FF 05 5C 03 5F C1 02 00", "53 82 01 00", 0x6100)
        .fail(TransportError::CardRemoved);
    assert_eq!(
        PivCard::new(&mut s).get_data(object::CHUID),
        Err(PivError::CardRemoved)
    );
    // ... and in the middle of a chain.
    let data = vec![0; 400];
    let mut first = h("10 DB 3F FF FF 5C 03 5F C1 09 53 82 01 90");
    first.extend_from_slice(&data[..255 - 9]);
    let mut s = Script::new()
        .expect(first, h("90 00"))
        .fail(TransportError::CardRemoved);
    assert_eq!(
        PivCard::new(&mut s).put_data(object::PRINTED_INFO, &data),
        Err(PivError::CardRemoved)
    );
    s.done();
}

#[test]
fn transport_errors_keep_their_meaning() {
    for (e, want) in [
        (TransportError::NoCard, PivError::NoCard),
        (TransportError::CardReset, PivError::CardReset),
        (TransportError::ReaderGone, PivError::ReaderNotFound),
        (TransportError::Timeout, PivError::Timeout),
        (
            TransportError::Busy,
            PivError::Transport(TransportError::Busy),
        ),
    ] {
        let mut s = Script::new().fail(e);
        assert_eq!(PivCard::new(&mut s).select(), Err(want));
    }
}
