//! Secrets handed to the card: PIN, PUK and management key.
//!
//! Each is wiped from memory when dropped (`zeroize`), prints as `<redacted>` in `Debug`, and
//! has no `Display`, so it cannot end up in a log line or an error message by accident.

use std::fmt;

use zeroize::Zeroizing;

use crate::piv::error::PivError;
use crate::piv::wire::alg;

/// Encodes a PIN or PUK for the card: 6-8 bytes padded with `FF` to 8 (SP 800-73-4 Part 2
/// §3.2.1, VERIFY data field).
/// (Same rule as [`pad_pin`](crate::piv::wire::pad_pin), but padded in place inside the wiping wrapper, so that no
/// unwiped copy is left on the stack.)
fn padded(value: &[u8]) -> Result<Zeroizing<[u8; 8]>, PivError> {
    if !(6..=8).contains(&value.len()) {
        return Err(PivError::PinFormat { len: value.len() });
    }
    let mut out = Zeroizing::new([0xFF; 8]);
    out[..value.len()].copy_from_slice(value);
    Ok(out)
}

/// The PIV application PIN (key reference `80`).
///
/// 6 to 8 bytes, checked on construction. SP 800-73-4 Part 2 §2.4.3 allows only the digits
/// 0-9; cards in the field (YubiKey) accept any byte, so only the length is enforced here.
/// Wiped from memory on drop; never printed.
#[derive(Clone)]
pub struct Pin(Zeroizing<[u8; 8]>);

impl Pin {
    /// A PIN from what the user typed. Fails with [`PivError::PinFormat`] unless it is 6 to
    /// 8 bytes long. The caller's copy is not wiped: pass a buffer you will zeroize.
    pub fn new(pin: &[u8]) -> Result<Pin, PivError> {
        padded(pin).map(Pin)
    }

    /// The 8-byte, `FF`-padded form sent in VERIFY.
    pub(crate) fn padded(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// The PIN unblocking key (key reference `81`).
///
/// A type of its own so that `unblock_pin(puk, new_pin)` cannot be called with the two
/// swapped. Same length rule, wiping and redaction as [`Pin`].
#[derive(Clone)]
pub struct Puk(Zeroizing<[u8; 8]>);

impl Puk {
    /// A PUK from what the user typed (6 to 8 bytes).
    pub fn new(puk: &[u8]) -> Result<Puk, PivError> {
        padded(puk).map(Puk)
    }

    /// The 8-byte, `FF`-padded form.
    pub(crate) fn padded(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Debug for Puk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Puk(<redacted>)")
    }
}

/// The block cipher of the card management key (SP 800-78-4 Table 6-2; AES codes as YubiKey
/// and SP 800-78-4 assign them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManagementAlgorithm {
    /// Three-key Triple DES, 24-byte key (algorithm `03`).
    Tdes,
    /// AES-128 (algorithm `08`).
    Aes128,
    /// AES-192 (algorithm `0A`).
    Aes192,
    /// AES-256 (algorithm `0C`).
    Aes256,
}

impl ManagementAlgorithm {
    /// The algorithm identifier (P1 of GENERAL AUTHENTICATE).
    pub fn id(self) -> u8 {
        match self {
            ManagementAlgorithm::Tdes => alg::TDES,
            ManagementAlgorithm::Aes128 => alg::AES_128,
            ManagementAlgorithm::Aes192 => alg::AES_192,
            ManagementAlgorithm::Aes256 => alg::AES_256,
        }
    }

    /// The key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ManagementAlgorithm::Tdes | ManagementAlgorithm::Aes192 => 24,
            ManagementAlgorithm::Aes128 => 16,
            ManagementAlgorithm::Aes256 => 32,
        }
    }

    /// The cipher block length: the length of the witness and challenge.
    pub fn block_len(self) -> usize {
        match self {
            ManagementAlgorithm::Tdes => 8,
            _ => 16,
        }
    }
}

/// The factory-default 3DES management key of PIV cards and YubiKeys
/// (`010203040506070801020304050607080102030405060708`).
const DEFAULT_TDES: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];

/// The card management key (key reference `9B`), which authorises key generation and writes
/// of data objects.
///
/// Wiped from memory on drop; `Debug` shows the algorithm only.
#[derive(Clone)]
pub struct ManagementKey {
    algorithm: ManagementAlgorithm,
    key: Zeroizing<Vec<u8>>,
}

impl ManagementKey {
    /// A key of `algorithm` from its raw bytes; fails with
    /// [`PivError::ManagementKeyFormat`] if the length does not fit the algorithm.
    pub fn new(algorithm: ManagementAlgorithm, key: &[u8]) -> Result<ManagementKey, PivError> {
        if key.len() != algorithm.key_len() {
            return Err(PivError::ManagementKeyFormat {
                expected: algorithm.key_len(),
            });
        }
        Ok(ManagementKey {
            algorithm,
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// A key of `algorithm` written in hexadecimal (as `yubico-piv-tool` takes it).
    pub fn from_hex(algorithm: ManagementAlgorithm, hex: &str) -> Result<ManagementKey, PivError> {
        let bad = PivError::ManagementKeyFormat {
            expected: algorithm.key_len(),
        };
        let hex = hex.trim().as_bytes();
        if hex.len() != 2 * algorithm.key_len() {
            return Err(bad);
        }
        let mut key = Zeroizing::new(Vec::with_capacity(algorithm.key_len()));
        for pair in hex.chunks_exact(2) {
            let hi = (pair[0] as char).to_digit(16);
            let lo = (pair[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(hi), Some(lo)) => key.push((hi * 16 + lo) as u8),
                _ => return Err(bad),
            }
        }
        Ok(ManagementKey { algorithm, key })
    }

    /// The publicly known factory default 3DES key. A card still using it can be
    /// re-provisioned by anyone holding it: change it before deployment.
    pub fn default_tdes() -> ManagementKey {
        ManagementKey {
            algorithm: ManagementAlgorithm::Tdes,
            key: Zeroizing::new(DEFAULT_TDES.to_vec()),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> ManagementAlgorithm {
        self.algorithm
    }

    /// The raw key, for the cipher only.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagementKey")
            .field("algorithm", &self.algorithm)
            .field("key", &format_args!("<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_length_checked_and_redacted() {
        assert_eq!(Pin::new(b"123456").unwrap().padded(), b"123456\xFF\xFF");
        assert_eq!(
            Pin::new(b"12345").unwrap_err(),
            PivError::PinFormat { len: 5 }
        );
        assert!(Puk::new(b"123456789").is_err());
        assert_eq!(
            format!("{:?}", Pin::new(b"123456").unwrap()),
            "Pin(<redacted>)"
        );
        assert_eq!(
            format!("{:?}", Puk::new(b"12345678").unwrap()),
            "Puk(<redacted>)"
        );
    }

    #[test]
    fn management_keys() {
        let k = ManagementKey::from_hex(
            ManagementAlgorithm::Tdes,
            "010203040506070801020304050607080102030405060708",
        )
        .unwrap();
        assert_eq!(k.bytes(), ManagementKey::default_tdes().bytes());
        let dbg = format!("{k:?}");
        assert!(!dbg.contains("01") && dbg.contains("Tdes"), "{dbg}");
        assert!(ManagementKey::from_hex(ManagementAlgorithm::Aes128, "0102").is_err());
        assert!(ManagementKey::from_hex(ManagementAlgorithm::Tdes, &"zz".repeat(24)).is_err());
        assert!(ManagementKey::new(ManagementAlgorithm::Aes256, &[0; 32]).is_ok());
        assert!(ManagementKey::new(ManagementAlgorithm::Aes192, &[0; 16]).is_err());
        assert_eq!(ManagementAlgorithm::Aes192.id(), 0x0A);
    }
}
