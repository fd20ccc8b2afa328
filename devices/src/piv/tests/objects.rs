//! GET DATA / PUT DATA and certificate objects.

use super::*;
use crate::piv::wire::object;
use crate::piv::{PivCard, PivError, Slot};
use crate::tlv;

/// A stand-in certificate: a DER SEQUENCE of `len` content bytes.
fn fake_cert(len: usize) -> Vec<u8> {
    tlv::encode(0x30, &vec![0x5A; len])
}

fn cert_object(cert: &[u8], info: &[u8]) -> Vec<u8> {
    let mut v = tlv::encode(0x70, cert);
    tlv::write(&mut v, 0x71, info);
    tlv::write(&mut v, 0xFE, &[]);
    tlv::encode(0x53, &v)
}

const GET_9C: &str = "00 CB 3F FF 05 5C 03 5F C1 0A 00";

fn read_9c(answer: Vec<u8>) -> Result<Vec<u8>, PivError> {
    let mut s = Script::new().expect(h(GET_9C), resp(&answer, 0x9000));
    PivCard::new(&mut s).read_certificate(Slot::Signature)
}

#[test]
fn reads_an_uncompressed_certificate() {
    let cert = fake_cert(200);
    assert_eq!(read_9c(cert_object(&cert, &[0])).unwrap(), cert);
}

#[test]
fn reads_a_long_certificate_through_get_response() {
    let cert = fake_cert(1500);
    let object = cert_object(&cert, &[0]);
    // The card hands out at most 256 bytes per answer and announces the rest with 61 xx.
    let mut s = Script::new();
    let mut at = 0;
    let mut command = h(GET_9C);
    loop {
        let n = (object.len() - at).min(256);
        let left = object.len() - at - n;
        let sw = if left == 0 {
            0x9000
        } else {
            0x6100 | (left.min(256) % 256) as u16
        };
        s = s.expect(command, resp(&object[at..at + n], sw));
        at += n;
        if left == 0 {
            break;
        }
        command = h(&format!("00 C0 00 00 {:02X}", left.min(256) % 256));
    }
    assert_eq!(
        PivCard::new(&mut s)
            .read_certificate(Slot::Signature)
            .unwrap(),
        cert
    );
    s.done();
}

#[test]
fn compressed_certificates_are_unsupported() {
    let err = read_9c(cert_object(&fake_cert(10), &[1])).unwrap_err();
    assert!(matches!(err, PivError::Unsupported(_)), "{err:?}");
}

#[test]
fn missing_certificate() {
    let mut s = Script::new().expect_hex(GET_9C, "", 0x6A82);
    assert_eq!(
        PivCard::new(&mut s).read_certificate(Slot::Signature),
        Err(PivError::NoCertificate(Slot::Signature))
    );
    let mut s = Script::new().expect_hex("00 CB 3F FF 03 5C 01 7E 00", "", 0x6A82);
    assert_eq!(
        PivCard::new(&mut s).get_data(object::DISCOVERY),
        Err(PivError::NotFound(0x7E))
    );
}

#[test]
fn malformed_certificate_objects() {
    let cert = fake_cert(20);
    let mut trailing = cert_object(&cert, &[0]);
    trailing.push(0);
    let mut two_certs = tlv::encode(0x70, &cert);
    tlv::write(&mut two_certs, 0x70, &cert);
    let mut unknown = tlv::encode(0x70, &cert);
    tlv::write(&mut unknown, 0x99, &[]);
    let cases = [
        (
            "not wrapped in 53",
            tlv::encode(0x54, &tlv::encode(0x70, &cert)),
        ),
        ("trailing bytes", trailing),
        ("truncated", cert_object(&cert, &[0])[..30].to_vec()),
        ("empty", Vec::new()),
        ("no 70", tlv::encode(0x53, &tlv::encode(0x71, &[0]))),
        ("70 not DER", cert_object(&[0x04, 0x01, 0x00], &[0])),
        ("70 empty", cert_object(&[], &[0])),
        (
            "cert with trailing bytes",
            cert_object(&[&cert[..], &[0]].concat(), &[0]),
        ),
        ("unknown CertInfo", cert_object(&cert, &[2])),
        ("two certificates", tlv::encode(0x53, &two_certs)),
        ("unknown tag", tlv::encode(0x53, &unknown)),
    ];
    for (name, answer) in cases {
        let err = read_9c(answer).unwrap_err();
        assert!(
            matches!(
                err,
                PivError::MalformedResponse {
                    command: "GET DATA",
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn put_certificate_encoding() {
    let cert = fake_cert(10);
    let mut s = Script::new().expect_hex(
        "00 DB 3F FF 1A 5C 03 5F C1 05 53 13 70 0C 30 0A 5A 5A 5A 5A 5A 5A 5A 5A 5A 5A 71 01 00 FE 00",
        "",
        0x9000,
    );
    PivCard::new(&mut s)
        .put_certificate(Slot::Authentication, &cert)
        .unwrap();
    s.done();
}

#[test]
fn put_certificate_rejects_non_der_without_sending() {
    let mut s = Script::new();
    let err = PivCard::new(&mut s)
        .put_certificate(Slot::Signature, b"-----BEGIN CERTIFICATE-----")
        .unwrap_err();
    assert!(matches!(err, PivError::InvalidInput(_)), "{err:?}");
    assert!(s.log.is_empty());
}

#[test]
fn put_data_needs_the_management_key() {
    let mut s = Script::new().expect_hex("00 DB 3F FF 08 5C 03 5F C1 09 53 01 00", "", 0x6982);
    assert_eq!(
        PivCard::new(&mut s).put_data(object::PRINTED_INFO, &[0]),
        Err(PivError::NotAuthenticated {
            command: "PUT DATA"
        })
    );
}
