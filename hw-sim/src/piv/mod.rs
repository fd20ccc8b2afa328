//! The virtual PIV card: the NIST SP 800-73-4 card commands plus the Yubico extensions that
//! yubico-piv-tool and OpenSC send, decoded and encoded with the driver's own wire types
//! ([`devices::apdu`], [`devices::tlv`], [`devices::piv::wire`]).
//!
//! [`PivCard`] turns command APDUs into response APDUs and knows nothing of transports; the
//! [`vpcd`](crate::vpcd) module plugs it into pcscd. Transport-level behaviour lives here:
//! command chaining (ISO/IEC 7816-4 §5.3.3), `61 xx` and GET RESPONSE for answers longer than
//! Ne (§5.3.4, §7.6.1), and extended lengths.
//!
//! What the card holds persists in a state directory (see [`PivCard::open`]); what a session
//! holds (the selected application, PIN and management-key status, a half-received chain, an
//! unread answer) is lost on reset, power-off and removal, as on a real card.

mod auth;
mod crypto;
mod data;
mod keys;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use devices::apdu::{CLA_CHAINING, Command, Response, StatusWord};
use devices::piv::wire::{AID, KeyAlgorithm, Slot, ins};

pub use state::{CardConfig, DEFAULT_MANAGEMENT_KEY, DEFAULT_PIN, DEFAULT_PUK, ManagementKey};

use crate::Error;
use crypto::PrivateKey;
use state::{CardState, Store};

/// Yubico instructions beyond those of [`ins`].
mod yubico_ins {
    /// SET MANAGEMENT KEY.
    pub(super) const SET_MANAGEMENT_KEY: u8 = 0xFF;
    /// IMPORT KEY.
    pub(super) const IMPORT_KEY: u8 = 0xFE;
    /// SET PIN RETRIES.
    pub(super) const SET_PIN_RETRIES: u8 = 0xFA;
    /// RESET (only with PIN and PUK blocked).
    pub(super) const RESET: u8 = 0xFB;
}

/// The answer-to-reset: T=1 only, and historical bytes that name no real product, so that
/// middleware treats the card as a generic PIV card rather than as a YubiKey.
///
/// `3B` direct convention; `8C` TD1 follows, 12 historical bytes; `81` TD2 follows, T=1;
/// `31` TA3 and TB3 follow, T=1; `FE` IFSC 254; `15` BWI/CWI. Historical bytes (ISO/IEC
/// 7816-4 §8.1.1): category `80` (compact-TLV follows), card capabilities `73 C0 21 C0`
/// (selection by full and partial DF name; data coding byte `21`; command chaining and
/// extended lengths), card issuer's data `56 "DALEL1"`. Then TCK.
pub const ATR: [u8; 19] = {
    let mut atr = [
        0x3B, 0x8C, 0x81, 0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x56, b'D', b'A', b'L',
        b'E', b'L', b'1', 0,
    ];
    // TCK: the XOR of T0 through the last historical byte is zero (ISO/IEC 7816-3 §8.2.5).
    let mut tck = 0;
    let mut i = 1;
    while i < atr.len() - 1 {
        tck ^= atr[i];
        i += 1;
    }
    atr[atr.len() - 1] = tck;
    atr
};

/// Longest command a chain may build up.
const MAX_CHAIN: usize = 16 * 1024;
/// Largest data field of one answer: what a vpcd frame (two length bytes) carries with SW.
const MAX_ANSWER: usize = 65_533;
/// Ne when a short command carries no Le: a card answers up to 256 bytes and `61 xx` beyond
/// (yubico-piv-tool sends case 3 commands that still expect an answer).
const DEFAULT_NE: usize = 256;

/// What a session holds; all of it is lost on reset.
#[derive(Default)]
struct Session {
    selected: bool,
    pin_verified: bool,
    /// A VERIFY that no "PIN always" operation has used yet.
    pin_always: bool,
    mgmt_authenticated: bool,
    mgmt_pending: Option<auth::Pending>,
    /// INS, P1, P2 and data of a command chain still being received.
    chain: Option<(u8, u8, u8, Vec<u8>)>,
    /// The rest of an answer, for GET RESPONSE.
    unread: Vec<u8>,
}

/// A virtual PIV card. See the [module documentation](self).
pub struct PivCard {
    store: Store,
    state: CardState,
    keys: BTreeMap<Slot, PrivateKey>,
    session: Session,
    /// The last failure to persist state (the card answered `65 81`).
    storage_error: Option<String>,
}

impl fmt::Debug for PivCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PivCard")
            .field("store", &self.store)
            .field("state", &self.state)
            .field("selected", &self.session.selected)
            .field("pin_verified", &self.session.pin_verified)
            .field("mgmt_authenticated", &self.session.mgmt_authenticated)
            .finish_non_exhaustive()
    }
}

impl PivCard {
    /// The card whose state lives in `dir`. A directory without state gets a fresh card made
    /// from `config` (and the default CHUID and CCC); otherwise `config` is ignored and the
    /// stored PIN, counters, keys and objects are used. Every change is written to disk
    /// before the answer to its command is returned.
    ///
    /// Two cards must not share one directory at the same time.
    pub fn open(dir: &Path, config: &CardConfig) -> Result<PivCard, Error> {
        let (store, state) = Store::open(dir, config)?;
        PivCard::with_state(store, state)
    }

    /// A card that forgets everything when dropped.
    pub fn in_memory(config: &CardConfig) -> Result<PivCard, Error> {
        PivCard::with_state(Store::in_memory(), CardState::new(config)?)
    }

    fn with_state(store: Store, state: CardState) -> Result<PivCard, Error> {
        let mut keys = BTreeMap::new();
        for (name, stored) in &state.keys {
            let slot = Slot::parse(name)
                .ok_or_else(|| Error::Crypto(format!("stored key for unknown slot {name}")))?;
            let algorithm = KeyAlgorithm::from_id(stored.algorithm).ok_or_else(|| {
                Error::Crypto(format!("slot {name}: algorithm {:02X}", stored.algorithm))
            })?;
            keys.insert(slot, PrivateKey::from_pkcs8(algorithm, &stored.pkcs8)?);
        }
        Ok(PivCard {
            store,
            state,
            keys,
            session: Session::default(),
            storage_error: None,
        })
    }

    /// Power-off, reset or removal: the session state goes, the stored state stays.
    pub fn reset(&mut self) {
        self.session = Session::default();
    }

    /// Processes one command APDU given as bytes; a malformed one gets `67 00`.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let response = match Command::parse(apdu) {
            Ok(cmd) => self.process(&cmd),
            Err(_) => Response::status(StatusWord::WRONG_LENGTH),
        };
        response.to_bytes()
    }

    /// Processes one command APDU.
    pub fn process(&mut self, cmd: &Command) -> Response {
        // Interindustry class only (ISO/IEC 7816-4 §5.4.1): no secure messaging, no logical
        // channels; the chaining bit is handled below.
        if cmd.cla & !CLA_CHAINING != 0 {
            return Response::status(StatusWord::CLA_NOT_SUPPORTED);
        }
        if cmd.ins == ins::GET_RESPONSE && !cmd.is_chained() {
            if self.session.unread.is_empty() {
                return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
            }
            let rest = std::mem::take(&mut self.session.unread);
            return self.limit(Response::ok(rest), cmd.le);
        }
        // Any other command drops an answer that was not fetched.
        self.session.unread.clear();
        let header = (cmd.ins, cmd.p1, cmd.p2);
        let pending = match self.session.chain.take() {
            // A command with another header abandons the chain (ISO/IEC 7816-4 §5.3.3).
            Some((i, p1, p2, data)) if (i, p1, p2) == header => Some(data),
            _ => None,
        };
        if cmd.is_chained() {
            let mut data = pending.unwrap_or_default();
            data.extend_from_slice(&cmd.data);
            if data.len() > MAX_CHAIN {
                return Response::status(StatusWord::WRONG_LENGTH);
            }
            self.session.chain = Some((cmd.ins, cmd.p1, cmd.p2, data));
            return Response::ok(Vec::new());
        }
        let response = match pending {
            Some(mut data) => {
                data.extend_from_slice(&cmd.data);
                if data.len() > MAX_CHAIN {
                    return Response::status(StatusWord::WRONG_LENGTH);
                }
                let whole = Command {
                    cla: cmd.cla,
                    ins: cmd.ins,
                    p1: cmd.p1,
                    p2: cmd.p2,
                    data,
                    le: cmd.le,
                };
                self.dispatch(&whole)
            }
            None => self.dispatch(cmd),
        };
        self.limit(response, cmd.le)
    }

    /// Cuts an answer to Ne bytes, keeping the rest for GET RESPONSE behind `61 xx`.
    fn limit(&mut self, mut response: Response, le: Option<usize>) -> Response {
        let ne = le.unwrap_or(DEFAULT_NE).min(MAX_ANSWER);
        if response.data.len() > ne {
            self.session.unread = response.data.split_off(ne);
            response.sw = StatusWord::more_data(self.session.unread.len());
        }
        response
    }

    /// Whether `apdu` completes a private-key operation (GENERAL AUTHENTICATE with a slot
    /// key): the point where a "remove on sign" fault pulls the card.
    pub fn is_private_key_operation(apdu: &[u8]) -> bool {
        matches!(apdu, [cla, ins::GENERAL_AUTHENTICATE, _, p2, ..]
            if cla & CLA_CHAINING == 0 && Slot::from_key_ref(*p2).is_some())
    }

    fn dispatch(&mut self, cmd: &Command) -> Response {
        if cmd.ins == ins::SELECT {
            return self.select(cmd);
        }
        // Until the PIV application is selected there is nothing to answer its commands.
        if !self.session.selected {
            return Response::status(StatusWord::INS_NOT_SUPPORTED);
        }
        match cmd.ins {
            ins::VERIFY => self.verify(cmd),
            ins::CHANGE_REFERENCE => self.change_reference(cmd),
            ins::RESET_RETRY => self.reset_retry(cmd),
            ins::GENERAL_AUTHENTICATE => self.general_authenticate(cmd),
            ins::GENERATE_ASYMMETRIC => self.generate(cmd),
            ins::GET_DATA => self.get_data(cmd),
            ins::PUT_DATA => self.put_data(cmd),
            ins::GET_VERSION => Response::ok(self.state.version.to_vec()),
            ins::GET_SERIAL => Response::ok(self.state.serial.to_be_bytes().to_vec()),
            ins::GET_METADATA => self.metadata(cmd),
            yubico_ins::SET_MANAGEMENT_KEY => self.set_management_key(cmd),
            yubico_ins::IMPORT_KEY => self.import_key(cmd),
            yubico_ins::SET_PIN_RETRIES => self.set_pin_retries(cmd),
            yubico_ins::RESET => self.factory_reset(),
            _ => Response::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// SELECT by DF name (SP 800-73-4 Part 2 §3.1.1): the full AID or a prefix of at least
    /// the RID (ISO/IEC 7816-4 §5.3.1.1, partial DF name). Selecting the PIV application
    /// resets its security status; a failed SELECT leaves the session as it was.
    fn select(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0x04 {
            return Response::status(StatusWord::NOT_FOUND);
        }
        if cmd.data.len() < 5 || !AID.starts_with(&cmd.data) {
            return Response::status(StatusWord::NOT_FOUND);
        }
        self.session = Session {
            selected: true,
            ..Session::default()
        };
        // P2 `0C`: no response data wanted.
        if cmd.p2 & 0x0C == 0x0C {
            return Response::ok(Vec::new());
        }
        Response::ok(data::application_property_template())
    }

    /// Writes the state; on failure remembers why and returns `65 81`.
    fn save_or_fail(&mut self) -> Result<(), StatusWord> {
        self.store.save(&self.state).map_err(|e| {
            self.storage_error = Some(e.to_string());
            StatusWord::MEMORY_FAILURE
        })
    }

    /// The last failure to write the state directory, if any, cleared by the call.
    pub fn take_storage_error(&mut self) -> Option<String> {
        self.storage_error.take()
    }

    /// PIN retries left.
    pub fn pin_tries_left(&self) -> u8 {
        self.state.pin.tries_left
    }

    /// PUK retries left.
    pub fn puk_tries_left(&self) -> u8 {
        self.state.puk.tries_left
    }

    /// The serial number.
    pub fn serial(&self) -> u32 {
        self.state.serial
    }

    /// The algorithm of the key in `slot`, if it holds one.
    pub fn key_algorithm(&self, slot: Slot) -> Option<KeyAlgorithm> {
        self.keys.get(&slot).map(PrivateKey::algorithm)
    }

    /// The `SubjectPublicKeyInfo` DER of the key in `slot`, to check its signatures with.
    pub fn public_key_der(&self, slot: Slot) -> Option<Vec<u8>> {
        self.keys.get(&slot).and_then(|k| k.public_key_der().ok())
    }

    /// Test setup without APDUs: puts a PKCS#8 key into `slot` with the slot's default PIN
    /// policy, as if imported, and persists it.
    pub fn install_key(
        &mut self,
        slot: Slot,
        algorithm: KeyAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<(), Error> {
        let key = PrivateKey::from_pkcs8(algorithm, pkcs8_der)?;
        self.install(
            slot,
            key,
            keys::default_pin_policy(slot),
            keys::ORIGIN_IMPORTED,
        )
    }

    /// Test setup without APDUs: generates a key in `slot` and returns its
    /// `SubjectPublicKeyInfo` DER.
    pub fn generate_key(&mut self, slot: Slot, algorithm: KeyAlgorithm) -> Result<Vec<u8>, Error> {
        let key = PrivateKey::generate(algorithm)?;
        let public = key.public_key_der()?;
        self.install(
            slot,
            key,
            keys::default_pin_policy(slot),
            keys::ORIGIN_GENERATED,
        )?;
        Ok(public)
    }

    fn install(
        &mut self,
        slot: Slot,
        key: PrivateKey,
        pin_policy: u8,
        origin: u8,
    ) -> Result<(), Error> {
        let pkcs8 = key.to_pkcs8()?;
        let stored = state::StoredKey {
            algorithm: key.algorithm().id(),
            pin_policy,
            origin,
            pkcs8,
        };
        self.state.keys.insert(slot.to_string(), stored);
        self.keys.insert(slot, key);
        self.store.save(&self.state)
    }

    /// Test setup without APDUs: stores a data object (the value inside its `53` wrapper),
    /// e.g. a certificate object `70{cert} 71{00} FE{}` under [`Slot::certificate_object`].
    pub fn put_object(&mut self, id: u32, value: &[u8]) -> Result<(), Error> {
        self.state
            .objects
            .insert(data::object_key(id), state::Hex(value.to_vec()));
        self.store.save(&self.state)
    }
}
