//! GENERATE ASYMMETRIC KEY PAIR and SubjectPublicKeyInfo encoding.

use p256::pkcs8::DecodePublicKey;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;

use super::*;
use crate::piv::{KeyAlgorithm, PivCard, PivError, PublicKey, Slot};
use crate::tlv;

fn p256_point() -> Vec<u8> {
    let key = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap();
    key.verifying_key().to_sec1_bytes().to_vec()
}

#[test]
fn generate_p256() {
    let point = p256_point();
    assert_eq!(point.len(), 65);
    let answer = tlv::encode(0x7F49, &tlv::encode(0x86, &point));
    let mut s = Script::new().expect(h("00 47 00 9A 05 AC 03 80 01 11 00"), resp(&answer, 0x9000));
    let key = PivCard::new(&mut s)
        .generate_key(Slot::Authentication, KeyAlgorithm::EccP256)
        .unwrap();
    assert_eq!(
        key,
        PublicKey::EccP256 {
            point: point.clone()
        }
    );
    assert_eq!(key.algorithm(), KeyAlgorithm::EccP256);
    // The SPKI decodes as the same P-256 key with RustCrypto.
    let parsed = p256::PublicKey::from_public_key_der(&key.to_spki_der()).unwrap();
    assert_eq!(parsed.to_sec1_bytes().to_vec(), point);
}

#[test]
fn generate_rsa2048_through_get_response() {
    let mut n = vec![0xC3; 256];
    n[255] = 0x01;
    // Cards may send the modulus with a leading zero byte.
    let mut fields = tlv::encode(0x81, &[&[0][..], &n[..]].concat());
    tlv::write(&mut fields, 0x82, &[0x01, 0x00, 0x01]);
    let answer = tlv::encode(0x7F49, &fields);
    let mut s = Script::new()
        .expect(
            h("00 47 00 9C 05 AC 03 80 01 07 00"),
            resp(&answer[..200], 0x6100 | (answer.len() - 200) as u16),
        )
        .expect(
            h(&format!("00 C0 00 00 {:02X}", answer.len() - 200)),
            resp(&answer[200..], 0x9000),
        );
    let key = PivCard::new(&mut s)
        .generate_key(Slot::Signature, KeyAlgorithm::Rsa2048)
        .unwrap();
    assert_eq!(
        key,
        PublicKey::Rsa2048 {
            modulus: n.clone(),
            exponent: vec![1, 0, 1]
        }
    );
    let der = key.to_spki_der();
    let spki = SubjectPublicKeyInfoRef::try_from(&der[..]).unwrap();
    assert_eq!(spki.algorithm.oid.to_string(), "1.2.840.113549.1.1.1");
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1);
    // the modulus has its top bit set, so DER prefixes a zero byte.
    let rsa_key = spki.subject_public_key.as_bytes().unwrap();
    let expected = [
        &h("30 82 01 0A 02 82 01 01 00")[..],
        &n[..],
        &h("02 03 01 00 01")[..],
    ]
    .concat();
    assert_eq!(hex(rsa_key), hex(&expected));
}

#[test]
fn generate_needs_the_management_key() {
    let mut s = Script::new().expect_hex("00 47 00 9D 05 AC 03 80 01 11 00", "", 0x6982);
    let err = PivCard::new(&mut s)
        .generate_key(Slot::KeyManagement, KeyAlgorithm::EccP256)
        .unwrap_err();
    assert!(matches!(err, PivError::NotAuthenticated { .. }), "{err:?}");
}

#[test]
fn malformed_public_keys() {
    let point = p256_point();
    let ec = |v: &[u8]| tlv::encode(0x7F49, &tlv::encode(0x86, v));
    let rsa = |n: &[u8], e: &[u8]| {
        let mut f = tlv::encode(0x81, n);
        tlv::write(&mut f, 0x82, e);
        tlv::encode(0x7F49, &f)
    };
    let mut compressed = point[..33].to_vec();
    compressed[0] = 0x02;
    let good_n = vec![0xC3; 256];
    let cases = [
        (KeyAlgorithm::EccP256, ec(&point[..64]), "short point"),
        (KeyAlgorithm::EccP256, ec(&compressed), "compressed point"),
        (
            KeyAlgorithm::EccP256,
            tlv::encode(0x7F49, &tlv::encode(0x81, &point)),
            "no 86",
        ),
        (
            KeyAlgorithm::EccP256,
            tlv::encode(0x7F48, &tlv::encode(0x86, &point)),
            "wrong template",
        ),
        (
            KeyAlgorithm::EccP256,
            [ec(&point), vec![0]].concat(),
            "trailing byte",
        ),
        (
            KeyAlgorithm::Rsa2048,
            rsa(&[0x43; 256], &[1, 0, 1]),
            "2047-bit modulus",
        ),
        (
            KeyAlgorithm::Rsa2048,
            rsa(&good_n[..255], &[1, 0, 1]),
            "short modulus",
        ),
        (
            KeyAlgorithm::Rsa2048,
            rsa(&good_n, &[1, 0, 0]),
            "even exponent",
        ),
        (KeyAlgorithm::Rsa2048, rsa(&good_n, &[1]), "exponent 1"),
        (KeyAlgorithm::Rsa2048, rsa(&good_n, &[]), "no exponent"),
        (KeyAlgorithm::Rsa2048, ec(&point), "EC answer for RSA"),
    ];
    for (alg, answer, name) in cases {
        let mut s = Script::new().reply(move |_| Ok(resp(&answer, 0x9000)));
        let err = PivCard::new(&mut s)
            .generate_key(Slot::Authentication, alg)
            .unwrap_err();
        assert!(
            matches!(err, PivError::MalformedResponse { .. }),
            "{name}: {err:?}"
        );
    }
}
