//! Card management key authentication: mutual challenge-response with GENERAL AUTHENTICATE
//! on key reference `9B` (SP 800-73-4 Part 2 §3.2.4 and Appendix A; SP 800-78-4 for the
//! algorithms).
//!
//! 1. host → card `7C { 80 00 }`: "give me a witness";
//! 2. card → host `7C { 80 E(K, W) }`: the witness W, encrypted;
//! 3. host → card `7C { 80 W, 81 C }`: W decrypted (proves the host holds K) and a fresh random
//!    challenge C;
//! 4. card → host `7C { 82 E(K, C) }`: proves the card holds K.
//!
//! The host accepts only if the card's answer in step 4 is exactly E(K, C): a card that does
//! not know the key is refused even if it pretends to accept ours.

use aes::{Aes128, Aes192, Aes256};
use des::TdesEde3;
use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroizing;

use crate::apdu::{Command, StatusWord};
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, sw_error};
use crate::piv::secret::{ManagementAlgorithm, ManagementKey};
use crate::piv::sign::dynamic_auth_value;
use crate::piv::wire::{ins, key_ref, tag};
use crate::tlv;
use crate::transport::Transport;

const CMD: &str = "GENERAL AUTHENTICATE (management key)";

/// The management key's block cipher, keyed (each wipes its key schedule on drop).
pub(crate) enum ManagementCipher {
    Tdes(TdesEde3),
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

impl ManagementCipher {
    pub(crate) fn new(key: &ManagementKey) -> Result<ManagementCipher, PivError> {
        let bad = || PivError::ManagementKeyFormat {
            expected: key.algorithm().key_len(),
        };
        let k = key.bytes();
        Ok(match key.algorithm() {
            ManagementAlgorithm::Tdes => {
                ManagementCipher::Tdes(TdesEde3::new_from_slice(k).map_err(|_| bad())?)
            }
            ManagementAlgorithm::Aes128 => {
                ManagementCipher::Aes128(Aes128::new_from_slice(k).map_err(|_| bad())?)
            }
            ManagementAlgorithm::Aes192 => {
                ManagementCipher::Aes192(Aes192::new_from_slice(k).map_err(|_| bad())?)
            }
            ManagementAlgorithm::Aes256 => {
                ManagementCipher::Aes256(Aes256::new_from_slice(k).map_err(|_| bad())?)
            }
        })
    }

    /// Encrypts one block in place; `None` if `block` is not exactly one block long.
    pub(crate) fn encrypt(&self, block: &mut [u8]) -> Option<()> {
        match self {
            ManagementCipher::Tdes(c) => {
                c.encrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes128(c) => {
                c.encrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes192(c) => {
                c.encrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes256(c) => {
                c.encrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
        }
        Some(())
    }

    /// Decrypts one block in place; `None` if `block` is not exactly one block long.
    pub(crate) fn decrypt(&self, block: &mut [u8]) -> Option<()> {
        match self {
            ManagementCipher::Tdes(c) => {
                c.decrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes128(c) => {
                c.decrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes192(c) => {
                c.decrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
            ManagementCipher::Aes256(c) => {
                c.decrypt_block(<&mut Array<u8, _>>::try_from(block).ok()?)
            }
        }
        Some(())
    }
}

/// Compares without an early exit (the values are not secret here, but there is no reason to
/// leak where they differ).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<T: Transport> PivCard<T> {
    /// Authenticates the host to the card with the management key and the card to the host
    /// (mutual authentication, see the module documentation), enabling key generation and
    /// PUT DATA until the application is deselected or the card reset.
    ///
    /// Security property: fails closed. Any answer other than the exact encryption of our
    /// fresh random challenge is [`PivError::CardAuthenticationFailed`]; a card that refuses
    /// our proof gives [`PivError::ManagementKeyRejected`]. The key never leaves the host.
    pub fn authenticate_management_key(&mut self, key: &ManagementKey) -> Result<(), PivError> {
        let algorithm = key.algorithm();
        let block = algorithm.block_len();
        let cipher = ManagementCipher::new(key)?;
        let malformed = |what| PivError::MalformedResponse { command: CMD, what };
        let command = |data: &[u8]| {
            Command::new(
                0x00,
                ins::GENERAL_AUTHENTICATE,
                algorithm.id(),
                key_ref::MANAGEMENT,
            )
            .with_data(tlv::encode(tag::DYNAMIC_AUTH, data))
            .with_le(256)
        };

        // Steps 1-2: ask for the witness.
        let r = self.exchange(CMD, command(&tlv::encode(tag::WITNESS, &[])))?;
        if !r.sw.is_success() {
            return Err(sw_error(CMD, r.sw));
        }
        let mut witness = Zeroizing::new(dynamic_auth_value(CMD, &r.data, tag::WITNESS)?.to_vec());
        cipher
            .decrypt(&mut witness)
            .ok_or(malformed("witness is not one cipher block"))?;

        // Step 3: prove we hold the key, and challenge the card.
        let mut challenge = vec![0u8; block];
        getrandom::fill(&mut challenge).map_err(|_| PivError::Random)?;
        let mut step3 = Zeroizing::new(tlv::encode(tag::WITNESS, &witness));
        tlv::write(&mut step3, tag::CHALLENGE, &challenge);
        let r = self.exchange(CMD, command(&step3))?;
        match r.sw {
            StatusWord::SUCCESS => {}
            // The card did not accept our decryption of its witness: wrong key.
            StatusWord::SECURITY_NOT_SATISFIED | StatusWord::INCORRECT_DATA => {
                return Err(PivError::ManagementKeyRejected);
            }
            sw => return Err(sw_error(CMD, sw)),
        }

        // Step 4: the card must have encrypted our challenge with the same key.
        let answer = dynamic_auth_value(CMD, &r.data, tag::RESPONSE)?;
        let mut expected = challenge;
        cipher
            .encrypt(&mut expected)
            .ok_or(malformed("challenge is not one cipher block"))?;
        if !same(answer, &expected) {
            return Err(PivError::CardAuthenticationFailed);
        }
        Ok(())
    }
}
