//! VERIFY, PIN status, CHANGE REFERENCE DATA, RESET RETRY COUNTER.

use super::*;
use crate::piv::{Pin, PinStatus, PivCard, PivError, Puk};

const VERIFY_123456: &str = "00 20 00 80 08 31 32 33 34 35 36 FF FF";

fn pin() -> Pin {
    Pin::new(b"123456").unwrap()
}

#[test]
fn correct_pin() {
    let mut s = Script::new().expect_hex(VERIFY_123456, "", 0x9000);
    PivCard::new(&mut s).verify_pin(&pin()).unwrap();
    s.done();
}

#[test]
fn eight_digit_pin_is_not_padded() {
    let mut s = Script::new().expect_hex("00 20 00 80 08 31 32 33 34 35 36 37 38", "", 0x9000);
    PivCard::new(&mut s)
        .verify_pin(&Pin::new(b"12345678").unwrap())
        .unwrap();
}

#[test]
fn wrong_pin_reports_tries_left() {
    let mut s = Script::new().expect_hex(VERIFY_123456, "", 0x63C2);
    assert_eq!(
        PivCard::new(&mut s).verify_pin(&pin()),
        Err(PivError::PinIncorrect { tries_left: 2 })
    );
}

#[test]
fn blocked_pin() {
    let mut s = Script::new()
        .expect_hex(VERIFY_123456, "", 0x6983)
        .expect_hex(VERIFY_123456, "", 0x63C0);
    let mut card = PivCard::new(&mut s);
    assert_eq!(card.verify_pin(&pin()), Err(PivError::PinBlocked));
    assert_eq!(card.verify_pin(&pin()), Err(PivError::PinBlocked));
}

#[test]
fn other_status_words_are_not_pin_errors() {
    let mut s = Script::new().expect_hex(VERIFY_123456, "", 0x6A88);
    let err = PivCard::new(&mut s).verify_pin(&pin()).unwrap_err();
    assert!(
        matches!(
            err,
            PivError::UnexpectedStatus {
                command: "VERIFY",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn pin_status_uses_an_empty_verify() {
    let mut s = Script::new()
        .expect_hex("00 20 00 80", "", 0x63C3)
        .expect_hex("00 20 00 80", "", 0x9000)
        .expect_hex("00 20 00 80", "", 0x6983)
        .expect_hex("00 20 00 80", "", 0x63C1)
        .expect_hex("00 20 00 80", "", 0x9000);
    let mut card = PivCard::new(&mut s);
    assert_eq!(
        card.pin_status().unwrap(),
        PinStatus::NotVerified { tries_left: 3 }
    );
    assert_eq!(card.pin_status().unwrap(), PinStatus::Verified);
    assert_eq!(card.pin_status().unwrap(), PinStatus::Blocked);
    assert_eq!(card.pin_tries_left().unwrap(), Some(1));
    assert_eq!(card.pin_tries_left().unwrap(), None);
    s.done();
}

#[test]
fn change_pin_and_puk() {
    let mut s = Script::new()
        .expect_hex(
            "00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 30 FF",
            "",
            0x9000,
        )
        .expect_hex(
            "00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 30 FF",
            "",
            0x63C1,
        )
        .expect_hex(
            "00 24 00 81 10 31 32 33 34 35 36 37 38 38 37 36 35 34 33 32 31",
            "",
            0x6983,
        );
    let mut card = PivCard::new(&mut s);
    let new = Pin::new(b"6543210").unwrap();
    card.change_pin(&pin(), &new).unwrap();
    assert_eq!(
        card.change_pin(&pin(), &new),
        Err(PivError::PinIncorrect { tries_left: 1 })
    );
    let puk = Puk::new(b"12345678").unwrap();
    assert_eq!(
        card.change_puk(&puk, &Puk::new(b"87654321").unwrap()),
        Err(PivError::PukBlocked)
    );
    s.done();
}

#[test]
fn unblock_reports_puk_tries() {
    let cmd = "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF";
    let mut s = Script::new()
        .expect_hex(cmd, "", 0x63C1)
        .expect_hex(cmd, "", 0x9000);
    let mut card = PivCard::new(&mut s);
    let puk = Puk::new(b"12345678").unwrap();
    assert_eq!(
        card.unblock_pin(&puk, &pin()),
        Err(PivError::PukIncorrect { tries_left: 1 })
    );
    card.unblock_pin(&puk, &pin()).unwrap();
}

#[test]
fn removal_during_verify() {
    let mut s = Script::new().fail(TransportError::CardRemoved);
    assert_eq!(
        PivCard::new(&mut s).verify_pin(&pin()),
        Err(PivError::CardRemoved)
    );
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let p = Pin::new(b"918273").unwrap();
    let mut s = Script::new().expect_hex("00 20 00 80 08 39 31 38 32 37 33 FF FF", "", 0x63C1);
    let err = PivCard::new(&mut s).verify_pin(&p).unwrap_err();
    for text in [format!("{p:?}"), format!("{err:?}"), err.to_string()] {
        assert!(
            !text.contains("918273") && !text.contains("39 31"),
            "{text}"
        );
    }
}
