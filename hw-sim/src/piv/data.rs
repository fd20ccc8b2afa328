//! SELECT's application property template and the data objects: GET DATA, PUT DATA and the
//! defaults a fresh card carries (SP 800-73-4 Part 1 §3, Part 2 §3.1).

use devices::apdu::{Command, Response, StatusWord};
use devices::piv::wire::{AID, alg, object, tag};
use devices::tlv;

use super::PivCard;
use super::state::{CardState, Hex};

/// The NIST RID, the `4F` of the coexistent tag allocation authority (Part 2 Table 3).
const NIST_RID: [u8; 5] = [0xA0, 0x00, 0x00, 0x03, 0x08];
/// Largest object PUT DATA accepts (a YubiKey 5 holds about 3 kB per object).
const MAX_OBJECT: usize = 3072;
/// Objects readable only after the PIN (Part 1 Table 2: printed information, fingerprints,
/// facial image, iris images).
const PIN_PROTECTED: [u32; 4] = [object::PRINTED_INFO, 0x5F_C103, 0x5F_C108, 0x5F_C121];
/// The Biometric Information Templates group template, a two-byte tag list entry.
const BIT_GROUP: u32 = 0x7F61;
/// Discovery object PIN usage policy (Part 1 §3.3.2): only the PIV Card Application PIN
/// satisfies the access rules (`40`), no global PIN (`00`).
const PIN_USAGE_POLICY: [u8; 2] = [0x40, 0x00];

/// The application property template answered to SELECT (Part 2 §3.1.1, Table 3).
pub(super) fn application_property_template() -> Vec<u8> {
    let mut inner = tlv::encode(tag::AID, &AID[5..]);
    tlv::write(
        &mut inner,
        tag::ALLOCATION_AUTHORITY,
        &tlv::encode(tag::AID, &NIST_RID),
    );
    // Cryptographic algorithms supported: `80` per algorithm, closed by `06 00`.
    let mut algorithms = Vec::new();
    for id in [
        alg::TDES,
        alg::AES_128,
        alg::AES_192,
        alg::AES_256,
        alg::RSA_2048,
        alg::ECC_P256,
    ] {
        tlv::write(&mut algorithms, 0x80, &[id]);
    }
    tlv::write(&mut algorithms, 0x06, &[]);
    tlv::write(&mut inner, 0xAC, &algorithms);
    tlv::encode(tag::APPLICATION_PROPERTY, &inner)
}

/// The discovery object (Part 1 §3.3.2): the AID and the PIN usage policy.
fn discovery_object() -> Vec<u8> {
    let mut inner = tlv::encode(tag::AID, &AID);
    tlv::write(&mut inner, 0x5F2F, &PIN_USAGE_POLICY);
    tlv::encode(0x7E, &inner)
}

/// Stores a CHUID and a CCC derived from the serial number, so that middleware that insists
/// on them (OpenSC derives the token serial from the CHUID GUID) finds them.
pub(super) fn add_default_objects(state: &mut CardState) {
    let serial = state.serial.to_be_bytes();
    // CHUID (Part 1 §3.1.2, Table 9): FASC-N, GUID, expiration date, an empty issuer
    // signature and error detection code. The FASC-N is the all-nines "non-federal issuer"
    // value of the Technical Implementation Guidance, as YubiKeys carry.
    let fascn = [
        0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68, 0x58, 0x21,
        0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
    ];
    let mut guid = *b"DALEL-VPIV\0\0\0\0\0\0";
    guid[12..].copy_from_slice(&serial);
    let mut chuid = tlv::encode(0x30, &fascn);
    tlv::write(&mut chuid, 0x34, &guid);
    tlv::write(&mut chuid, 0x35, b"20991231");
    tlv::write(&mut chuid, 0x3E, &[]);
    tlv::write(&mut chuid, 0xFE, &[]);
    // CCC (Part 1 §3.1.1, Table 8): card identifier (GSC-RID A000000116, manufacturer FF,
    // card type 02 = Java Card, 14-byte card id), container and grammar versions 2.1, no
    // PKCS#15, data model 10, and the remaining optional fields empty.
    let mut card_id = vec![0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02];
    card_id.extend_from_slice(b"DALEL-VPIV");
    card_id.extend_from_slice(&serial);
    let mut ccc = tlv::encode(0xF0, &card_id);
    for (t, v) in [
        (0xF1, &[0x21][..]),
        (0xF2, &[0x21]),
        (0xF3, &[]),
        (0xF4, &[0x00]),
    ] {
        tlv::write(&mut ccc, t, v);
    }
    for (t, v) in [
        (0xF5, &[0x10][..]),
        (0xF6, &[]),
        (0xF7, &[]),
        (0xFA, &[]),
        (0xFB, &[]),
    ] {
        tlv::write(&mut ccc, t, v);
    }
    for t in [0xFC, 0xFD, 0xFE] {
        tlv::write(&mut ccc, t, &[]);
    }
    state.objects.insert(object_key(object::CHUID), Hex(chuid));
    state.objects.insert(object_key(object::CCC), Hex(ccc));
}

/// The state-file key of an object identifier.
pub(super) fn object_key(id: u32) -> String {
    format!("{id:06x}")
}

/// The object identifier of a `5C` tag list entry of one to three bytes.
fn object_id(tag_list: &[u8]) -> Option<u32> {
    if tag_list.is_empty() || tag_list.len() > 3 {
        return None;
    }
    Some(
        tag_list
            .iter()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)),
    )
}

impl PivCard {
    /// GET DATA (Part 2 §3.1.2): P1-P2 `3F FF`, data `5C` with the object identifier.
    pub(super) fn get_data(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        let Some(id) = single_tag(&cmd.data, tag::TAG_LIST).and_then(object_id) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        if id == object::DISCOVERY {
            return Response::ok(discovery_object());
        }
        if id == BIT_GROUP {
            return Response::status(StatusWord::NOT_FOUND);
        }
        if PIN_PROTECTED.contains(&id) && !self.session.pin_verified {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        match self.state.objects.get(&object_key(id)) {
            Some(Hex(value)) => Response::ok(tlv::encode(tag::DATA, value)),
            None => Response::status(StatusWord::NOT_FOUND),
        }
    }

    /// PUT DATA (Part 2 §3.3.2): needs the management key; `5C` identifier then `53` value.
    /// An empty value deletes the object, as yubico-piv-tool's delete-certificate expects.
    pub(super) fn put_data(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        if !self.session.mgmt_authenticated {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let Ok((list, rest)) = tlv::parse_one(&cmd.data) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        let Ok((value, after)) = tlv::parse_one(rest) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        let id = match object_id(list.value) {
            Some(id) if list.tag == tag::TAG_LIST && value.tag == tag::DATA && after.is_empty() => {
                id
            }
            _ => return Response::status(StatusWord::INCORRECT_DATA),
        };
        // The discovery object and the BIT group are fixed on this card.
        if id == object::DISCOVERY || id == BIT_GROUP {
            return Response::status(StatusWord::INCORRECT_DATA);
        }
        if value.value.len() > MAX_OBJECT {
            return Response::status(StatusWord::NOT_ENOUGH_MEMORY);
        }
        let key = object_key(id);
        if value.value.is_empty() {
            self.state.objects.remove(&key);
        } else {
            self.state.objects.insert(key, Hex(value.value.to_vec()));
        }
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }
}

/// The value of `data` if it is exactly one object tagged `want`.
pub(super) fn single_tag(data: &[u8], want: u16) -> Option<&[u8]> {
    match tlv::parse_one(data) {
        Ok((t, [])) if t.tag == want => Some(t.value),
        _ => None,
    }
}
