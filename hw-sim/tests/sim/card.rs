//! The card logic, APDU in and APDU out, without pcscd.

use devices::apdu::{Command, Response, StatusWord};
use devices::piv::wire::{AID, AID_PREFIX, KeyAlgorithm, Slot, alg, ins, key_ref, object, pad_pin};
use devices::tlv;
use hw_sim::piv::DEFAULT_MANAGEMENT_KEY;
use hw_sim::{CardConfig, PivCard};
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::pkcs8::DecodePublicKey as _;
use sha2::Digest as _;

fn card() -> PivCard {
    let mut card = PivCard::in_memory(&CardConfig::default()).unwrap();
    select(&mut card);
    card
}

fn select(card: &mut PivCard) {
    let r = card.process(&Command::new(0, ins::SELECT, 4, 0).with_data(AID_PREFIX.to_vec()));
    assert_eq!(r.sw, StatusWord::SUCCESS);
}

fn verify(card: &mut PivCard, pin: &[u8]) -> StatusWord {
    let cmd = Command::new(0, ins::VERIFY, 0, key_ref::PIN).with_data(pad_pin(pin).unwrap());
    card.process(&cmd).sw
}

fn tdes(key: &[u8], block: &[u8], encrypt: bool) -> Vec<u8> {
    use des::cipher::{Array, BlockCipherDecrypt as _, BlockCipherEncrypt as _, KeyInit as _};
    let cipher = des::TdesEde3::new_from_slice(key).unwrap();
    let mut b = Array::try_from(block).unwrap();
    if encrypt {
        cipher.encrypt_block(&mut b)
    } else {
        cipher.decrypt_block(&mut b)
    }
    b.to_vec()
}

fn general_authenticate(card: &mut PivCard, p1: u8, p2: u8, items: &[(u16, &[u8])]) -> Response {
    let mut inner = Vec::new();
    for (t, v) in items {
        tlv::write(&mut inner, *t, v);
    }
    let cmd = Command::new(0, ins::GENERAL_AUTHENTICATE, p1, p2)
        .with_data(tlv::encode(0x7C, &inner))
        .with_le(256);
    card.process(&cmd)
}

/// The mutual authentication of yubico-piv-tool: witness, then witness + challenge.
fn authenticate(card: &mut PivCard, key: &[u8]) -> StatusWord {
    let r = general_authenticate(card, alg::TDES, key_ref::MANAGEMENT, &[(0x80, &[])]);
    assert_eq!(r.sw, StatusWord::SUCCESS);
    let inner = tlv::find(&r.data, 0x7C).unwrap().unwrap();
    let sealed = tlv::find(inner, 0x80).unwrap().unwrap();
    let witness = tdes(key, sealed, false);
    let challenge = [7u8; 8];
    let r = general_authenticate(
        card,
        alg::TDES,
        key_ref::MANAGEMENT,
        &[(0x80, &witness), (0x81, &challenge)],
    );
    if r.sw.is_success() {
        let inner = tlv::find(&r.data, 0x7C).unwrap().unwrap();
        let answer = tlv::find(inner, 0x82).unwrap().unwrap();
        assert_eq!(
            answer,
            tdes(key, &challenge, true),
            "the card proves it knows the key"
        );
    }
    r.sw
}

fn sign(card: &mut PivCard, slot: Slot, algorithm: u8, data: &[u8]) -> Response {
    general_authenticate(
        card,
        algorithm,
        slot.key_ref(),
        &[(0x82, &[]), (0x81, data)],
    )
}

fn verify_ecdsa(card: &PivCard, slot: Slot, hash: &[u8], response: &Response) {
    assert_eq!(response.sw, StatusWord::SUCCESS);
    let inner = tlv::find(&response.data, 0x7C).unwrap().unwrap();
    let der = tlv::find(inner, 0x82).unwrap().unwrap();
    let spki = card.public_key_der(slot).unwrap();
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    let sig = p256::ecdsa::DerSignature::try_from(der).unwrap();
    let sig = p256::ecdsa::Signature::from_der(sig.as_bytes()).unwrap();
    key.verify_prehash(hash, &sig)
        .expect("ECDSA signature verifies");
}

#[test]
fn select_by_full_or_truncated_aid_only() {
    let mut card = PivCard::in_memory(&CardConfig::default()).unwrap();
    // Nothing answers PIV commands before SELECT.
    let r = card.process(&Command::new(0, ins::GET_VERSION, 0, 0));
    assert_eq!(r.sw, StatusWord::INS_NOT_SUPPORTED);
    let r = card.process(&Command::new(0, ins::SELECT, 4, 0).with_data(vec![0xA0, 0, 0, 3, 9]));
    assert_eq!(r.sw, StatusWord::NOT_FOUND);
    for aid in [&AID[..5], &AID_PREFIX[..], &AID[..]] {
        let r = card.process(&Command::new(0, ins::SELECT, 4, 0).with_data(aid.to_vec()));
        assert_eq!(r.sw, StatusWord::SUCCESS);
        let template = tlv::find(&r.data, 0x61).unwrap().unwrap();
        assert_eq!(tlv::find(template, 0x4F).unwrap().unwrap(), &AID[5..]);
        let authority = tlv::find(template, 0x79).unwrap().unwrap();
        assert_eq!(tlv::find(authority, 0x4F).unwrap().unwrap(), &AID[..5]);
    }
    let r = card.process(&Command::new(0, ins::GET_SERIAL, 0, 0));
    assert_eq!(r.data, 10_000_001u32.to_be_bytes());
    let r = card.process(&Command::new(0, ins::GET_VERSION, 0, 0));
    assert_eq!(r.data, [5, 4, 3]);
}

#[test]
fn pin_counts_down_to_lockout_and_puk_unblocks() {
    let mut card = card();
    let status = Command::new(0, ins::VERIFY, 0, key_ref::PIN);
    assert_eq!(card.process(&status).sw, StatusWord(0x63C3));
    assert_eq!(verify(&mut card, b"000000"), StatusWord(0x63C2));
    assert_eq!(verify(&mut card, b"000000"), StatusWord(0x63C1));
    // A right PIN restores the counter.
    assert_eq!(verify(&mut card, b"123456"), StatusWord::SUCCESS);
    assert_eq!(card.process(&status).sw, StatusWord::SUCCESS);
    assert_eq!(card.pin_tries_left(), 3);
    for left in [2, 1, 0] {
        assert_eq!(
            verify(&mut card, b"654321"),
            StatusWord::verify_failed(left)
        );
    }
    assert_eq!(verify(&mut card, b"123456"), StatusWord::AUTH_BLOCKED);
    assert_eq!(card.process(&status).sw, StatusWord::AUTH_BLOCKED);
    // RESET RETRY COUNTER: a wrong PUK counts down the PUK, the right one sets a new PIN.
    let reset = |puk: &[u8], pin: &[u8]| {
        let mut data = pad_pin(puk).unwrap().to_vec();
        data.extend_from_slice(&pad_pin(pin).unwrap());
        Command::new(0, ins::RESET_RETRY, 0, key_ref::PIN).with_data(data)
    };
    assert_eq!(
        card.process(&reset(b"87654321", b"111111")).sw,
        StatusWord(0x63C2)
    );
    assert_eq!(card.puk_tries_left(), 2);
    assert_eq!(
        card.process(&reset(b"12345678", b"111111")).sw,
        StatusWord::SUCCESS
    );
    assert_eq!((card.pin_tries_left(), card.puk_tries_left()), (3, 3));
    assert_eq!(verify(&mut card, b"123456"), StatusWord(0x63C2));
    assert_eq!(verify(&mut card, b"111111"), StatusWord::SUCCESS);
    // P1 FF resets the security status.
    assert_eq!(
        card.process(&Command::new(0, ins::VERIFY, 0xFF, key_ref::PIN))
            .sw,
        StatusWord::SUCCESS
    );
    assert_eq!(card.process(&status).sw, StatusWord(0x63C3));
}

#[test]
fn change_pin_and_puk() {
    let mut card = card();
    let change = |p2: u8, old: &[u8], new: &[u8]| {
        let mut data = pad_pin(old).unwrap().to_vec();
        data.extend_from_slice(&pad_pin(new).unwrap());
        Command::new(0, ins::CHANGE_REFERENCE, 0, p2).with_data(data)
    };
    assert_eq!(
        card.process(&change(key_ref::PIN, b"000000", b"24682468"))
            .sw,
        StatusWord(0x63C2)
    );
    assert_eq!(
        card.process(&change(key_ref::PIN, b"123456", b"24682468"))
            .sw,
        StatusWord::SUCCESS
    );
    assert_eq!(verify(&mut card, b"24682468"), StatusWord::SUCCESS);
    assert_eq!(
        card.process(&change(key_ref::PUK, b"12345678", b"87654321"))
            .sw,
        StatusWord::SUCCESS
    );
    // A new value must be 6-8 bytes.
    let mut data = pad_pin(b"24682468").unwrap().to_vec();
    data.extend_from_slice(&[0x31, 0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    let short = Command::new(0, ins::CHANGE_REFERENCE, 0, key_ref::PIN).with_data(data);
    assert_eq!(card.process(&short).sw, StatusWord::INCORRECT_DATA);
}

#[test]
fn management_key_mutual_and_external_authentication() {
    let mut card = card();
    let generate = Command::new(0, ins::GENERATE_ASYMMETRIC, 0, 0x9C)
        .with_data(tlv::encode(0xAC, &tlv::encode(0x80, &[alg::ECC_P256])));
    assert_eq!(
        card.process(&generate).sw,
        StatusWord::SECURITY_NOT_SATISFIED
    );
    assert_eq!(
        authenticate(&mut card, &[9u8; 24]),
        StatusWord::SECURITY_NOT_SATISFIED
    );
    assert_eq!(
        card.process(&generate).sw,
        StatusWord::SECURITY_NOT_SATISFIED
    );
    // A second step without a first is out of order.
    let r = general_authenticate(
        &mut card,
        alg::TDES,
        0x9B,
        &[(0x80, &[0; 8]), (0x81, &[0; 8])],
    );
    assert_eq!(r.sw, StatusWord::CONDITIONS_NOT_SATISFIED);
    assert_eq!(
        authenticate(&mut card, &DEFAULT_MANAGEMENT_KEY),
        StatusWord::SUCCESS
    );
    assert_eq!(card.process(&generate).sw, StatusWord::SUCCESS);
    // SELECT clears it.
    select(&mut card);
    assert_eq!(
        card.process(&generate).sw,
        StatusWord::SECURITY_NOT_SATISFIED
    );
    // External authentication: the card's challenge, encrypted by the host.
    let r = general_authenticate(&mut card, alg::TDES, 0x9B, &[(0x81, &[])]);
    let challenge = tlv::find(tlv::find(&r.data, 0x7C).unwrap().unwrap(), 0x81)
        .unwrap()
        .unwrap();
    let answer = tdes(&DEFAULT_MANAGEMENT_KEY, challenge, true);
    let r = general_authenticate(&mut card, alg::TDES, 0x9B, &[(0x82, &answer)]);
    assert_eq!(r.sw, StatusWord::SUCCESS);
    assert_eq!(card.process(&generate).sw, StatusWord::SUCCESS);
    // The wrong algorithm in P1.
    let r = general_authenticate(&mut card, alg::AES_128, 0x9B, &[(0x80, &[])]);
    assert_eq!(r.sw, StatusWord::INCORRECT_P1P2);
}

#[test]
fn aes_management_key_after_set_management_key() {
    use aes::cipher::{Array, BlockCipherDecrypt as _, BlockCipherEncrypt as _, KeyInit as _};
    let mut card = card();
    assert_eq!(
        authenticate(&mut card, &DEFAULT_MANAGEMENT_KEY),
        StatusWord::SUCCESS
    );
    let key = [0x42u8; 16];
    let mut data = vec![alg::AES_128, key_ref::MANAGEMENT, 16];
    data.extend_from_slice(&key);
    let set = Command::new(0, 0xFF, 0xFF, 0xFF).with_data(data);
    assert_eq!(card.process(&set).sw, StatusWord::SUCCESS);
    let metadata = card.process(&Command::new(0, ins::GET_METADATA, 0, key_ref::MANAGEMENT));
    assert_eq!(
        tlv::find(&metadata.data, 0x01).unwrap(),
        Some(&[alg::AES_128][..])
    );
    assert_eq!(
        tlv::find(&metadata.data, 0x05).unwrap(),
        Some(&[0][..]),
        "not the default"
    );
    select(&mut card);
    // Mutual authentication with 16-byte blocks.
    let cipher = aes::Aes128::new_from_slice(&key).unwrap();
    let r = general_authenticate(&mut card, alg::AES_128, 0x9B, &[(0x80, &[])]);
    let sealed = tlv::find(tlv::find(&r.data, 0x7C).unwrap().unwrap(), 0x80)
        .unwrap()
        .unwrap();
    let mut witness = Array::try_from(sealed).unwrap();
    cipher.decrypt_block(&mut witness);
    let challenge = [9u8; 16];
    let r = general_authenticate(
        &mut card,
        alg::AES_128,
        0x9B,
        &[(0x80, &witness[..]), (0x81, &challenge), (0x82, &[])],
    );
    assert_eq!(r.sw, StatusWord::SUCCESS);
    let mut expected = Array::from(challenge);
    cipher.encrypt_block(&mut expected);
    let answer = tlv::find(tlv::find(&r.data, 0x7C).unwrap().unwrap(), 0x82)
        .unwrap()
        .unwrap();
    assert_eq!(answer, &expected[..]);
    // The old 3DES algorithm is refused now.
    let r = general_authenticate(&mut card, alg::TDES, 0x9B, &[(0x80, &[])]);
    assert_eq!(r.sw, StatusWord::INCORRECT_P1P2);
}

#[test]
fn pin_policies_per_slot() {
    let mut card = card();
    for slot in Slot::ALL {
        card.generate_key(slot, KeyAlgorithm::EccP256).unwrap();
    }
    let hash = sha2::Sha256::digest(b"document");
    // Without a VERIFY only 9E signs.
    for slot in [Slot::Authentication, Slot::Signature, Slot::KeyManagement] {
        assert_eq!(
            sign(&mut card, slot, alg::ECC_P256, &hash).sw,
            StatusWord::SECURITY_NOT_SATISFIED
        );
    }
    let r = sign(&mut card, Slot::CardAuthentication, alg::ECC_P256, &hash);
    verify_ecdsa(&card, Slot::CardAuthentication, &hash, &r);
    assert_eq!(verify(&mut card, b"123456"), StatusWord::SUCCESS);
    // 9C: one VERIFY, one signature (SP 800-73-4 Part 1 §3.1.2).
    let r = sign(&mut card, Slot::Signature, alg::ECC_P256, &hash);
    verify_ecdsa(&card, Slot::Signature, &hash, &r);
    assert_eq!(
        sign(&mut card, Slot::Signature, alg::ECC_P256, &hash).sw,
        StatusWord::SECURITY_NOT_SATISFIED
    );
    // 9A and 9D: the PIN once per session.
    for _ in 0..2 {
        let r = sign(&mut card, Slot::Authentication, alg::ECC_P256, &hash);
        verify_ecdsa(&card, Slot::Authentication, &hash, &r);
        assert!(
            sign(&mut card, Slot::KeyManagement, alg::ECC_P256, &hash)
                .sw
                .is_success()
        );
    }
    assert_eq!(verify(&mut card, b"123456"), StatusWord::SUCCESS);
    assert!(
        sign(&mut card, Slot::Signature, alg::ECC_P256, &hash)
            .sw
            .is_success()
    );
    // A reset (power cycle) loses the PIN status.
    card.reset();
    select(&mut card);
    assert_eq!(
        sign(&mut card, Slot::Authentication, alg::ECC_P256, &hash).sw,
        StatusWord::SECURITY_NOT_SATISFIED
    );
    // A longer hash is truncated to 256 bits, as ECDSA's bits2int does.
    let long = sha2::Sha512::digest(b"document");
    let r = sign(&mut card, Slot::CardAuthentication, alg::ECC_P256, &long);
    verify_ecdsa(&card, Slot::CardAuthentication, &long[..32], &r);
}

#[test]
fn empty_slot_and_wrong_algorithm() {
    let mut card = card();
    assert_eq!(verify(&mut card, b"123456"), StatusWord::SUCCESS);
    assert_eq!(
        sign(&mut card, Slot::Authentication, alg::ECC_P256, &[1; 32]).sw,
        StatusWord::REFERENCE_NOT_FOUND
    );
    card.generate_key(Slot::Authentication, KeyAlgorithm::EccP256)
        .unwrap();
    assert_eq!(
        sign(&mut card, Slot::Authentication, alg::RSA_2048, &[1; 32]).sw,
        StatusWord::INCORRECT_P1P2
    );
    let metadata = card.process(&Command::new(0, ins::GET_METADATA, 0, 0x9D));
    assert_eq!(metadata.sw, StatusWord::REFERENCE_NOT_FOUND);
    let metadata = card.process(&Command::new(0, ins::GET_METADATA, 0, 0x9A));
    assert_eq!(
        tlv::find(&metadata.data, 0x01).unwrap(),
        Some(&[alg::ECC_P256][..])
    );
    let metadata = card.process(&Command::new(0, ins::GET_METADATA, 0, key_ref::PIN));
    assert_eq!(tlv::find(&metadata.data, 0x06).unwrap(), Some(&[3, 3][..]));
}

#[test]
fn rsa_generate_answers_with_get_response_or_extended_length() {
    let mut card = card();
    assert_eq!(
        authenticate(&mut card, &DEFAULT_MANAGEMENT_KEY),
        StatusWord::SUCCESS
    );
    let data = tlv::encode(0xAC, &tlv::encode(0x80, &[alg::RSA_2048]));
    // Short APDU: 256 bytes, then 61 xx and GET RESPONSE for the rest.
    let r = card.process(
        &Command::new(0, ins::GENERATE_ASYMMETRIC, 0, 0x9A)
            .with_data(data.clone())
            .with_le(256),
    );
    assert_eq!(r.data.len(), 256);
    let rest = r.sw.bytes_remaining().expect("61 xx");
    let more = card.process(&Command::new(0, ins::GET_RESPONSE, 0, 0).with_le(256));
    assert_eq!((more.sw, more.data.len()), (StatusWord::SUCCESS, rest));
    let template = [r.data, more.data].concat();
    let public = tlv::find(&template, 0x7F49).unwrap().unwrap();
    let modulus = tlv::find(public, 0x81).unwrap().unwrap();
    assert_eq!(modulus.len(), 256);
    assert_eq!(tlv::find(public, 0x82).unwrap().unwrap(), [1, 0, 1]);
    // Extended APDU with a large Ne: one answer.
    let r = card.process(
        &Command::new(0, ins::GENERATE_ASYMMETRIC, 0, 0x9E)
            .with_data(data)
            .with_le(65_536),
    );
    assert_eq!(r.sw, StatusWord::SUCCESS);
    assert!(r.data.len() > 256);

    // The raw RSA operation on a block the host padded (EMSA-PKCS1-v1_5, RFC 8017 §9.2).
    let hash = sha2::Sha256::digest(b"document");
    let prefix = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let mut block = vec![0x00, 0x01];
    block.resize(256 - prefix.len() - hash.len() - 1, 0xFF);
    block.push(0);
    block.extend_from_slice(&prefix);
    block.extend_from_slice(&hash);
    let r = sign(&mut card, Slot::CardAuthentication, alg::RSA_2048, &block);
    assert_eq!(
        r.sw.bytes_remaining(),
        Some(8),
        "7C 82 01 04 82 82 01 00 + 256 bytes"
    );
    let more = card.process(&Command::new(0, ins::GET_RESPONSE, 0, 0));
    let whole = [r.data, more.data].concat();
    let signature = tlv::find(tlv::find(&whole, 0x7C).unwrap().unwrap(), 0x82)
        .unwrap()
        .unwrap();
    use rsa::pkcs8::DecodePublicKey as _;
    let key = rsa::RsaPublicKey::from_public_key_der(
        &card.public_key_der(Slot::CardAuthentication).unwrap(),
    )
    .unwrap();
    key.verify(
        rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha256>(),
        &hash,
        signature,
    )
    .expect("RSA signature verifies");
    // A block of the wrong size is refused.
    assert_eq!(
        sign(
            &mut card,
            Slot::CardAuthentication,
            alg::RSA_2048,
            &[1; 255]
        )
        .sw,
        StatusWord::INCORRECT_DATA
    );
}

#[test]
fn chained_put_data_and_long_get_data() {
    let mut card = card();
    assert_eq!(
        authenticate(&mut card, &DEFAULT_MANAGEMENT_KEY),
        StatusWord::SUCCESS
    );
    let cert: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
    let mut value = tlv::encode(0x70, &cert);
    tlv::write(&mut value, 0x71, &[0]);
    tlv::write(&mut value, 0xFE, &[]);
    let mut data = tlv::encode(0x5C, &[0x5F, 0xC1, 0x0A]);
    tlv::write(&mut data, 0x53, &value);
    let chunks: Vec<&[u8]> = data.chunks(255).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let cla = if i + 1 < chunks.len() { 0x10 } else { 0 };
        let r =
            card.process(&Command::new(cla, ins::PUT_DATA, 0x3F, 0xFF).with_data(chunk.to_vec()));
        assert_eq!(r.sw, StatusWord::SUCCESS, "chunk {i}");
    }
    let get = Command::new(0, ins::GET_DATA, 0x3F, 0xFF).with_data(vec![0x5C, 3, 0x5F, 0xC1, 0x0A]);
    let mut r = card.process(&get.clone().with_le(256));
    let mut whole = Vec::new();
    while let Some(n) = r.sw.bytes_remaining() {
        assert_eq!(r.data.len(), 256);
        whole.extend_from_slice(&r.data);
        r = card.process(&Command::new(0, ins::GET_RESPONSE, 0, 0).with_le(n));
    }
    assert_eq!(r.sw, StatusWord::SUCCESS);
    whole.extend_from_slice(&r.data);
    assert_eq!(tlv::find(&whole, 0x53).unwrap().unwrap(), value);
    // A chain is abandoned by a command with another header.
    let r = card.process(&Command::new(0x10, ins::PUT_DATA, 0x3F, 0xFF).with_data(vec![0x5C]));
    assert!(r.sw.is_success());
    let r = card.process(&get.clone().with_le(65_536));
    assert_eq!(r.sw, StatusWord::SUCCESS, "one extended answer");
    // An empty value deletes the object.
    let mut delete = tlv::encode(0x5C, &[0x5F, 0xC1, 0x0A]);
    tlv::write(&mut delete, 0x53, &[]);
    assert!(
        card.process(&Command::new(0, ins::PUT_DATA, 0x3F, 0xFF).with_data(delete))
            .sw
            .is_success()
    );
    assert_eq!(card.process(&get).sw, StatusWord::NOT_FOUND);
    // Defaults: CHUID, CCC, discovery object.
    for id in [object::CHUID, object::CCC, object::DISCOVERY] {
        let get = Command::new(0, ins::GET_DATA, 0x3F, 0xFF)
            .with_data(tlv::encode(0x5C, &devices::piv::wire::object_id_bytes(id)));
        assert!(card.process(&get).sw.is_success(), "object {id:06X}");
    }
}

#[test]
fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card");
    let config = CardConfig {
        pin_tries: 5,
        ..CardConfig::default()
    };
    let public = {
        let mut card = PivCard::open(&state, &config).unwrap();
        select(&mut card);
        assert_eq!(verify(&mut card, b"999999"), StatusWord(0x63C4));
        card.put_object(object::CERT_SIGNATURE, &[0x70, 1, 0xAA, 0x71, 1, 0])
            .unwrap();
        card.generate_key(Slot::Signature, KeyAlgorithm::EccP256)
            .unwrap()
    };
    assert!(state.join("card.json").exists());
    assert!(!state.join("card.json.tmp").exists());
    // A different config for an existing directory is ignored: the card is the stored one.
    let mut card = PivCard::open(&state, &CardConfig::default()).unwrap();
    assert_eq!(card.pin_tries_left(), 4);
    assert_eq!(card.public_key_der(Slot::Signature).unwrap(), public);
    select(&mut card);
    assert_eq!(verify(&mut card, b"999999"), StatusWord(0x63C3));
    drop(card);
    let mut card = PivCard::open(&state, &config).unwrap();
    select(&mut card);
    let get = Command::new(0, ins::GET_DATA, 0x3F, 0xFF).with_data(vec![0x5C, 3, 0x5F, 0xC1, 0x0A]);
    assert_eq!(
        card.process(&get).data,
        [0x53, 6, 0x70, 1, 0xAA, 0x71, 1, 0]
    );
    assert_eq!(verify(&mut card, b"123456"), StatusWord::SUCCESS);
    drop(card);
    assert_eq!(PivCard::open(&state, &config).unwrap().pin_tries_left(), 5);
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let mut card = card();
    card.generate_key(Slot::Signature, KeyAlgorithm::EccP256)
        .unwrap();
    let cmd = Command::new(0, ins::VERIFY, 0, key_ref::PIN).with_data(pad_pin(b"123456").unwrap());
    let shown = format!("{card:?} {:?} {:?}", CardConfig::default(), cmd);
    for secret in ["123456", "12345678", "0102030405060708", "31323334"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
