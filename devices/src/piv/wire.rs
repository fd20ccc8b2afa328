//! NIST SP 800-73-4 PIV wire constants shared by the driver and the virtual card: the
//! application identifier, instructions, key references, algorithm identifiers and data-object
//! tags. Part 1 §2-3 defines the data model, Part 2 §3 the card commands; the Yubico
//! extensions (GET VERSION, GET SERIAL) are what real tools such as `yubico-piv-tool` ask for.

/// PIV application identifier with version (Part 1 §2.2); SELECT may send the 9-byte PIX-less
/// prefix [`AID_PREFIX`].
pub const AID: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];
/// The RID + PIX prefix that a SELECT by truncated AID carries.
pub const AID_PREFIX: [u8; 9] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00];

/// Instruction bytes (Part 2 §3, ISO/IEC 7816-4).
pub mod ins {
    /// SELECT (P1=04: by DF name).
    pub const SELECT: u8 = 0xA4;
    /// VERIFY (PIN, P2 = key reference; empty data: ask for the retry counter).
    pub const VERIFY: u8 = 0x20;
    /// CHANGE REFERENCE DATA (PIN or PUK change).
    pub const CHANGE_REFERENCE: u8 = 0x24;
    /// RESET RETRY COUNTER (unblock the PIN with the PUK).
    pub const RESET_RETRY: u8 = 0x2C;
    /// GENERAL AUTHENTICATE (sign, key agreement, management-key challenge-response).
    pub const GENERAL_AUTHENTICATE: u8 = 0x87;
    /// GET DATA (P1-P2 = 3F FF, data = 5C tag list).
    pub const GET_DATA: u8 = 0xCB;
    /// PUT DATA (P1-P2 = 3F FF, data = 5C tag + 53 object).
    pub const PUT_DATA: u8 = 0xDB;
    /// GENERATE ASYMMETRIC KEY PAIR (P2 = slot).
    pub const GENERATE_ASYMMETRIC: u8 = 0x47;
    /// GET RESPONSE (ISO/IEC 7816-4 §7.6.1), after `61 xx`.
    pub const GET_RESPONSE: u8 = 0xC0;
    /// Yubico extension: firmware version, three bytes.
    pub const GET_VERSION: u8 = 0xFD;
    /// Yubico extension: serial number, four bytes big-endian.
    pub const GET_SERIAL: u8 = 0xF8;
    /// Yubico extension: key metadata (an unsupporting card answers `6D 00`).
    pub const GET_METADATA: u8 = 0xF7;
}

/// Key references (Part 1 §5.1, Table 4).
pub mod key_ref {
    /// The PIV card application PIN.
    pub const PIN: u8 = 0x80;
    /// The PIN unblocking key.
    pub const PUK: u8 = 0x81;
    /// The global PIN (not supported by the virtual card).
    pub const GLOBAL_PIN: u8 = 0x00;
    /// The card management key (slot 9B).
    pub const MANAGEMENT: u8 = 0x9B;
}

/// Cryptographic algorithm identifiers (SP 800-78-4 Table 6-2, Yubico's AES codes).
pub mod alg {
    /// Three-key Triple DES (the default management key).
    pub const TDES: u8 = 0x03;
    /// RSA 1024.
    pub const RSA_1024: u8 = 0x06;
    /// RSA 2048.
    pub const RSA_2048: u8 = 0x07;
    /// AES-128.
    pub const AES_128: u8 = 0x08;
    /// AES-192.
    pub const AES_192: u8 = 0x0A;
    /// AES-256.
    pub const AES_256: u8 = 0x0C;
    /// ECC P-256.
    pub const ECC_P256: u8 = 0x11;
    /// ECC P-384.
    pub const ECC_P384: u8 = 0x14;
}

/// Data-object and template tags (Part 1 Table 3, Part 2 §3).
pub mod tag {
    /// Tag list in GET DATA / PUT DATA.
    pub const TAG_LIST: u16 = 0x5C;
    /// Data-object wrapper in GET DATA responses and PUT DATA commands.
    pub const DATA: u16 = 0x53;
    /// Certificate inside a certificate object.
    pub const CERTIFICATE: u16 = 0x70;
    /// CertInfo (compression flag; 00 = uncompressed).
    pub const CERT_INFO: u16 = 0x71;
    /// Error detection code (empty).
    pub const ERROR_DETECTION: u16 = 0xFE;
    /// Dynamic authentication template of GENERAL AUTHENTICATE.
    pub const DYNAMIC_AUTH: u16 = 0x7C;
    /// Witness (management-key mutual authentication).
    pub const WITNESS: u16 = 0x80;
    /// Challenge (the digest info or hash to sign, or a management-key challenge).
    pub const CHALLENGE: u16 = 0x81;
    /// Response (the signature, or an empty request for one).
    pub const RESPONSE: u16 = 0x82;
    /// Exponentiation (ECDH peer point).
    pub const EXPONENTIATION: u16 = 0x85;
    /// Control reference template of GENERATE ASYMMETRIC KEY PAIR.
    pub const GENERATE_TEMPLATE: u16 = 0xAC;
    /// Algorithm reference inside the generate template.
    pub const ALGORITHM: u16 = 0x80;
    /// Public-key template in the GENERATE response.
    pub const PUBLIC_KEY: u16 = 0x7F49;
    /// RSA modulus inside the public-key template.
    pub const RSA_MODULUS: u16 = 0x81;
    /// RSA public exponent inside the public-key template.
    pub const RSA_EXPONENT: u16 = 0x82;
    /// EC point (uncompressed, `04 || X || Y`) inside the public-key template.
    pub const EC_POINT: u16 = 0x86;
    /// Application property template answered to SELECT.
    pub const APPLICATION_PROPERTY: u16 = 0x61;
    /// Application identifier inside the property template.
    pub const AID: u16 = 0x4F;
    /// Coexistent tag allocation authority template.
    pub const ALLOCATION_AUTHORITY: u16 = 0x79;
}

/// Data-object identifiers (the three-byte values carried in a `5C` tag list; Part 1 Table 3).
pub mod object {
    /// Card Capability Container.
    pub const CCC: u32 = 0x5F_C107;
    /// Card Holder Unique Identifier.
    pub const CHUID: u32 = 0x5F_C102;
    /// X.509 certificate for PIV Authentication (slot 9A).
    pub const CERT_AUTHENTICATION: u32 = 0x5F_C105;
    /// X.509 certificate for Digital Signature (slot 9C).
    pub const CERT_SIGNATURE: u32 = 0x5F_C10A;
    /// X.509 certificate for Key Management (slot 9D).
    pub const CERT_KEY_MANAGEMENT: u32 = 0x5F_C10B;
    /// X.509 certificate for Card Authentication (slot 9E).
    pub const CERT_CARD_AUTHENTICATION: u32 = 0x5F_C101;
    /// Printed information.
    pub const PRINTED_INFO: u32 = 0x5F_C109;
    /// Key history object.
    pub const KEY_HISTORY: u32 = 0x5F_C10C;
    /// Discovery object (one-byte tag list `5C 01 7E`).
    pub const DISCOVERY: u32 = 0x7E;
}

/// A key slot of the PIV application (Part 1 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// 9A: PIV Authentication (used for EDS login).
    Authentication,
    /// 9C: Digital Signature (PIN verified before each use).
    Signature,
    /// 9D: Key Management.
    KeyManagement,
    /// 9E: Card Authentication (no PIN).
    CardAuthentication,
}

impl Slot {
    /// All slots that hold an asymmetric key and certificate.
    pub const ALL: [Slot; 4] = [
        Slot::Authentication,
        Slot::Signature,
        Slot::KeyManagement,
        Slot::CardAuthentication,
    ];

    /// The key reference byte (P2 of GENERAL AUTHENTICATE and GENERATE).
    pub fn key_ref(self) -> u8 {
        match self {
            Slot::Authentication => 0x9A,
            Slot::Signature => 0x9C,
            Slot::KeyManagement => 0x9D,
            Slot::CardAuthentication => 0x9E,
        }
    }

    /// The slot with key reference `b`.
    pub fn from_key_ref(b: u8) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.key_ref() == b)
    }

    /// The certificate data object of this slot.
    pub fn certificate_object(self) -> u32 {
        match self {
            Slot::Authentication => object::CERT_AUTHENTICATION,
            Slot::Signature => object::CERT_SIGNATURE,
            Slot::KeyManagement => object::CERT_KEY_MANAGEMENT,
            Slot::CardAuthentication => object::CERT_CARD_AUTHENTICATION,
        }
    }

    /// Parses `9a`, `9c`, `9d`, `9e` (as in `piv:<reader>/9c`).
    pub fn parse(s: &str) -> Option<Slot> {
        u8::from_str_radix(s, 16).ok().and_then(Slot::from_key_ref)
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02x}", self.key_ref())
    }
}

/// An asymmetric algorithm a slot can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECC P-256 (algorithm `11`).
    EccP256,
    /// RSA 2048 (algorithm `07`).
    Rsa2048,
}

impl KeyAlgorithm {
    /// The algorithm identifier byte.
    pub fn id(self) -> u8 {
        match self {
            KeyAlgorithm::EccP256 => alg::ECC_P256,
            KeyAlgorithm::Rsa2048 => alg::RSA_2048,
        }
    }

    /// The algorithm with identifier `b`, if supported.
    pub fn from_id(b: u8) -> Option<KeyAlgorithm> {
        match b {
            alg::ECC_P256 => Some(KeyAlgorithm::EccP256),
            alg::RSA_2048 => Some(KeyAlgorithm::Rsa2048),
            _ => None,
        }
    }
}

/// The three-byte encoding of a data-object identifier inside a `5C` tag list (one byte for the
/// discovery object).
pub fn object_id_bytes(id: u32) -> Vec<u8> {
    if id <= 0xFF {
        vec![id as u8]
    } else {
        id.to_be_bytes()[1..].to_vec()
    }
}

/// Encodes a PIN for VERIFY: the ASCII digits padded with `FF` to eight bytes (Part 2 §3.2.1).
/// Returns `None` for a PIN that is not 6-8 bytes.
pub fn pad_pin(pin: &[u8]) -> Option<[u8; 8]> {
    if !(6..=8).contains(&pin.len()) {
        return None;
    }
    let mut out = [0xFF; 8];
    out[..pin.len()].copy_from_slice(pin);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn slots_and_pins() {
        assert_eq!(Slot::parse("9c"), Some(Slot::Signature));
        assert_eq!(Slot::parse("9C"), Some(Slot::Signature));
        assert_eq!(Slot::parse("9b"), None);
        assert_eq!(Slot::Signature.to_string(), "9c");
        assert_eq!(object_id_bytes(object::CERT_SIGNATURE), [0x5F, 0xC1, 0x0A]);
        assert_eq!(object_id_bytes(object::DISCOVERY), [0x7E]);
        assert_eq!(
            pad_pin(b"123456").unwrap(),
            [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF]
        );
        assert!(pad_pin(b"12345").is_none());
        assert!(pad_pin(b"123456789").is_none());
    }
}
