//! On-card key generation (GENERATE ASYMMETRIC KEY PAIR, SP 800-73-4 Part 2 §3.3.2) and the
//! public key it returns.

use crate::apdu::Command;
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, check_sw};
use crate::piv::wire::{KeyAlgorithm, Slot, ins, tag};
use crate::tlv;
use crate::transport::Transport;

const CMD: &str = "GENERATE ASYMMETRIC KEY PAIR";

/// DER of the `id-ecPublicKey` OID, 1.2.840.10045.2.1 (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: [u8; 9] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// DER of the `secp256r1` OID, 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1).
const OID_SECP256R1: [u8; 10] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// DER of `rsaEncryption`, 1.2.840.113549.1.1.1, followed by the NULL parameters
/// (RFC 3279 §2.3.1).
const OID_RSA_ENCRYPTION_NULL: [u8; 13] = [
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// A public key generated on the card.
///
/// Only its shape is checked (an uncompressed point of the right length, a 2048-bit modulus,
/// an odd exponent > 1); whether the point is on the curve is for the consumer of the SPKI to
/// check, as for any public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// A P-256 public key.
    EccP256 {
        /// The uncompressed point `04 ‖ X ‖ Y` (65 bytes, SEC 1 §2.3.3).
        point: Vec<u8>,
    },
    /// An RSA-2048 public key.
    Rsa2048 {
        /// The modulus n, big-endian, 256 bytes without leading zeros.
        modulus: Vec<u8>,
        /// The public exponent e, big-endian, without leading zeros.
        exponent: Vec<u8>,
    },
}

impl PublicKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            PublicKey::EccP256 { .. } => KeyAlgorithm::EccP256,
            PublicKey::Rsa2048 { .. } => KeyAlgorithm::Rsa2048,
        }
    }

    /// The DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7): `id-ecPublicKey` with named curve
    /// `secp256r1` (RFC 5480), or `rsaEncryption` with `RSAPublicKey` (RFC 8017 A.1.1).
    pub fn to_spki_der(&self) -> Vec<u8> {
        let (algorithm, key) = match self {
            PublicKey::EccP256 { point } => (
                [&OID_EC_PUBLIC_KEY[..], &OID_SECP256R1[..]].concat(),
                point.clone(),
            ),
            PublicKey::Rsa2048 { modulus, exponent } => {
                let mut ints = der_unsigned(modulus);
                ints.extend_from_slice(&der_unsigned(exponent));
                (OID_RSA_ENCRYPTION_NULL.to_vec(), tlv::encode(0x30, &ints))
            }
        };
        let mut bits = vec![0x00]; // no unused bits
        bits.extend_from_slice(&key);
        let mut spki = tlv::encode(0x30, &algorithm);
        tlv::write(&mut spki, 0x03, &bits);
        tlv::encode(0x30, &spki)
    }
}

/// DER INTEGER of a non-negative big-endian magnitude (X.690 §8.3: minimal, with a `00` in
/// front when the top bit is set).
fn der_unsigned(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len());
    let mut value = Vec::with_capacity(magnitude.len() + 1);
    match magnitude.get(start) {
        None => value.push(0),
        Some(first) => {
            if first & 0x80 != 0 {
                value.push(0);
            }
            value.extend_from_slice(&magnitude[start..]);
        }
    }
    tlv::encode(0x02, &value)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Parses the `7F49` public-key template of the GENERATE answer (Part 2 §3.3.2).
pub(crate) fn parse_public_key(
    algorithm: KeyAlgorithm,
    data: &[u8],
) -> Result<PublicKey, PivError> {
    let malformed = |what| PivError::MalformedResponse { command: CMD, what };
    let (template, rest) = tlv::parse_one(data).map_err(|_| malformed("not a BER-TLV object"))?;
    if template.tag != tag::PUBLIC_KEY || !rest.is_empty() {
        return Err(malformed("answer is not one public-key template (7F49)"));
    }
    let field = |t| {
        tlv::find(template.value, t)
            .map_err(|_| malformed("public-key template is not BER-TLV"))?
            .ok_or(malformed("public-key template lacks a field"))
    };
    match algorithm {
        KeyAlgorithm::EccP256 => {
            let point = field(tag::EC_POINT)?;
            if point.len() != 65 || point[0] != 0x04 {
                return Err(malformed("EC point is not an uncompressed P-256 point"));
            }
            Ok(PublicKey::EccP256 {
                point: point.to_vec(),
            })
        }
        KeyAlgorithm::Rsa2048 => {
            let modulus = strip_zeros(field(tag::RSA_MODULUS)?);
            let exponent = strip_zeros(field(tag::RSA_EXPONENT)?);
            if modulus.len() != 256 || modulus[0] & 0x80 == 0 {
                return Err(malformed("RSA modulus is not 2048 bits"));
            }
            match exponent {
                [.., last] if exponent.len() <= 8 && last & 1 == 1 && exponent != [1] => {}
                _ => {
                    return Err(malformed(
                        "RSA exponent is not an odd number > 1 of at most 64 bits",
                    ));
                }
            }
            Ok(PublicKey::Rsa2048 {
                modulus: modulus.to_vec(),
                exponent: exponent.to_vec(),
            })
        }
    }
}

impl<T: Transport> PivCard<T> {
    /// Generates a new key pair of `algorithm` in `slot` (replacing any key there) and returns
    /// its public key. The private key never leaves the card.
    ///
    /// Needs the management key ([`PivCard::authenticate_management_key`]), else
    /// [`PivError::NotAuthenticated`]. The old certificate in the slot no longer matches: write
    /// a new one with [`PivCard::put_certificate`].
    pub fn generate_key(
        &mut self,
        slot: Slot,
        algorithm: KeyAlgorithm,
    ) -> Result<PublicKey, PivError> {
        // Control reference template AC { 80 algorithm } (Part 2 §3.3.2).
        let template = tlv::encode(
            tag::GENERATE_TEMPLATE,
            &tlv::encode(tag::ALGORITHM, &[algorithm.id()]),
        );
        let cmd = Command::new(0x00, ins::GENERATE_ASYMMETRIC, 0x00, slot.key_ref())
            .with_data(template)
            .with_le(256);
        let r = self.exchange(CMD, cmd)?;
        check_sw(CMD, r.sw)?;
        parse_public_key(algorithm, &r.data)
    }
}
