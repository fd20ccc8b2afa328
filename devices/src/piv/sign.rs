//! Signing with a slot's private key: GENERAL AUTHENTICATE with a dynamic authentication
//! template (SP 800-73-4 Part 2 §3.2.4, Appendix A for examples).

use sha2::{Digest, Sha256};

use crate::apdu::{Command, StatusWord};
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, sw_error};
use crate::piv::secret::Pin;
use crate::piv::wire::{KeyAlgorithm, Slot, ins, tag};
use crate::tlv;
use crate::transport::Transport;

const CMD: &str = "GENERAL AUTHENTICATE (sign)";

/// RSA-2048 modulus length in bytes.
const RSA_2048_LEN: usize = 256;

/// DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) }` up to
/// the digest (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The order n of the P-256 group (SEC 2 §2.4.2, FIPS 186-4 D.1.2.3).
const P256_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// EMSA-PKCS1-v1_5 encoding of a SHA-256 digest for a 2048-bit key (RFC 8017 §9.2):
/// `00 01 FF…FF 00 ‖ DigestInfo`. PIV cards do raw RSA (Part 2 §3.2.4: the challenge is the
/// already padded block), so the padding is the host's job.
pub(crate) fn pkcs1_v15_sha256(digest: &[u8; 32]) -> [u8; RSA_2048_LEN] {
    let mut block = [0xFF; RSA_2048_LEN];
    let t_len = SHA256_DIGEST_INFO_PREFIX.len() + digest.len();
    let sep = RSA_2048_LEN - t_len - 1;
    block[0] = 0x00;
    block[1] = 0x01;
    block[sep] = 0x00;
    block[sep + 1..sep + 1 + SHA256_DIGEST_INFO_PREFIX.len()]
        .copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    block[RSA_2048_LEN - digest.len()..].copy_from_slice(digest);
    block
}

impl<T: Transport> PivCard<T> {
    /// Signs a SHA-256 `digest` with the key in `slot`.
    ///
    /// - P-256 (algorithm `11`): sends `7C { 82 00, 81 digest }`; returns the card's DER
    ///   `ECDSA-Sig-Value`, checked to be strict DER with 0 < r, s < n.
    /// - RSA-2048 (algorithm `07`): sends `7C { 82 00, 81 EMSA-PKCS1-v1_5 block }` built on
    ///   the host; returns the 256-byte signature.
    ///
    /// The signature is not verified against the public key here: callers that hold the
    /// certificate should (a faulty card could return a wrong signature of the right shape).
    ///
    /// Errors: [`PivError::NotAuthenticated`] when the PIN is needed (slot 9C needs it before
    /// every signature: see [`PivCard::sign_with_pin`]), [`PivError::NoKeyInSlot`],
    /// [`PivError::MalformedResponse`].
    pub fn sign_digest(
        &mut self,
        slot: Slot,
        algorithm: KeyAlgorithm,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, PivError> {
        let padded;
        let challenge: &[u8] = match algorithm {
            KeyAlgorithm::EccP256 => digest,
            KeyAlgorithm::Rsa2048 => {
                padded = pkcs1_v15_sha256(digest);
                &padded
            }
        };
        let mut template = tlv::encode(tag::RESPONSE, &[]);
        tlv::write(&mut template, tag::CHALLENGE, challenge);
        let cmd = Command::new(
            0x00,
            ins::GENERAL_AUTHENTICATE,
            algorithm.id(),
            slot.key_ref(),
        )
        .with_data(tlv::encode(tag::DYNAMIC_AUTH, &template))
        .with_le(256);
        let r = self.exchange(CMD, cmd)?;
        match r.sw {
            StatusWord::SUCCESS => {}
            StatusWord::REFERENCE_NOT_FOUND => return Err(PivError::NoKeyInSlot(slot)),
            sw => return Err(sw_error(CMD, sw)),
        }
        let signature = dynamic_auth_value(CMD, &r.data, tag::RESPONSE)?;
        let malformed = |what| PivError::MalformedResponse { command: CMD, what };
        match algorithm {
            KeyAlgorithm::EccP256 => check_ecdsa_p256_der(signature).map_err(malformed)?,
            KeyAlgorithm::Rsa2048 if signature.len() != RSA_2048_LEN => {
                return Err(malformed("RSA-2048 signature is not 256 bytes"));
            }
            KeyAlgorithm::Rsa2048 => {}
        }
        Ok(signature.to_vec())
    }

    /// Hashes `message` with SHA-256 and signs the digest ([`PivCard::sign_digest`]).
    pub fn sign_message(
        &mut self,
        slot: Slot,
        algorithm: KeyAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, PivError> {
        let digest: [u8; 32] = Sha256::digest(message).into();
        self.sign_digest(slot, algorithm, &digest)
    }

    /// SELECT, VERIFY `pin`, then sign `digest`, all in one transaction.
    ///
    /// Security property: the card is held exclusively from SELECT to the signature, so the
    /// PIN goes to the PIV application (not to one another client selected) and no other
    /// client's command can use the verified PIN before our signature does. The digital
    /// signature key (9C) has the "PIN Always" access rule (SP 800-73-4 Part 1, key access
    /// rules): the card wants the PIN right before each signature, which is what this does.
    /// Use it for 9C; it works for the other slots too (their PIN stays verified afterwards
    /// until the card is reset or the application deselected).
    pub fn sign_with_pin(
        &mut self,
        slot: Slot,
        algorithm: KeyAlgorithm,
        pin: &Pin,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, PivError> {
        self.transaction(|card| {
            card.select()?;
            card.verify_pin(pin)?;
            card.sign_digest(slot, algorithm, digest)
        })
    }
}

/// The value of the object tagged `inner` inside the `7C` dynamic authentication template
/// that makes up `data`, which must hold nothing else.
pub(crate) fn dynamic_auth_value<'a>(
    command: &'static str,
    data: &'a [u8],
    inner: u16,
) -> Result<&'a [u8], PivError> {
    let malformed = |what| PivError::MalformedResponse { command, what };
    let (template, rest) = tlv::parse_one(data).map_err(|_| malformed("not a BER-TLV template"))?;
    if template.tag != tag::DYNAMIC_AUTH || !rest.is_empty() {
        return Err(malformed(
            "answer is not one dynamic authentication template (7C)",
        ));
    }
    tlv::find(template.value, inner)
        .map_err(|_| malformed("dynamic authentication template is not BER-TLV"))?
        .ok_or(malformed("expected object missing from the 7C template"))
}

/// Checks that `sig` is `SEQUENCE { INTEGER r, INTEGER s }` in strict DER (minimal lengths,
/// minimal positive integers; X.690 §8.3, §10.1) with 0 < r, s < n of P-256.
pub(crate) fn check_ecdsa_p256_der(sig: &[u8]) -> Result<(), &'static str> {
    const NOT_DER: &str = "ECDSA signature is not DER SEQUENCE { INTEGER, INTEGER }";
    let (seq, rest) = tlv::parse_one(sig).map_err(|_| NOT_DER)?;
    if seq.tag != 0x30 || !rest.is_empty() || tlv::encode(0x30, seq.value) != sig {
        return Err(NOT_DER);
    }
    let (r, rest) = tlv::parse_one(seq.value).map_err(|_| NOT_DER)?;
    let (s, rest) = tlv::parse_one(rest).map_err(|_| NOT_DER)?;
    if r.tag != 0x02 || s.tag != 0x02 || !rest.is_empty() {
        return Err(NOT_DER);
    }
    let mut canonical = tlv::encode(0x02, r.value);
    tlv::write(&mut canonical, 0x02, s.value);
    if canonical != seq.value {
        return Err(NOT_DER);
    }
    for int in [r.value, s.value] {
        let magnitude = match int {
            [] => return Err(NOT_DER),
            [0x00, next, ..] if next & 0x80 != 0 => &int[1..],
            [0x00, _, ..] => return Err("ECDSA integer not minimally encoded"),
            [first, ..] if first & 0x80 != 0 => return Err("ECDSA integer is negative"),
            _ => int,
        };
        if magnitude.len() > P256_ORDER.len() || magnitude.iter().all(|b| *b == 0) {
            return Err("ECDSA integer out of range");
        }
        let mut padded = [0u8; 32];
        padded[32 - magnitude.len()..].copy_from_slice(magnitude);
        if padded >= P256_ORDER {
            return Err("ECDSA integer out of range");
        }
    }
    Ok(())
}
