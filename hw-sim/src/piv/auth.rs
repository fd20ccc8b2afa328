//! Authentication: VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER for the PIN and PUK
//! (SP 800-73-4 Part 2 §3.2.1-3.2.3), management-key challenge-response (§3.2.4 with key
//! reference 9B, Part 2 Appendix A.1), and the Yubico management commands (SET MANAGEMENT KEY,
//! SET PIN RETRIES, RESET).

use devices::apdu::{Command, Response, StatusWord};
use devices::piv::wire::{key_ref, tag};
use devices::tlv;

use super::PivCard;
use super::crypto::{block_len, ct_eq, mgmt_encrypt, random};
use super::state::{CardConfig, CardState, DEFAULT_PIN, DEFAULT_PUK, ManagementKey, key_len};

/// Length of a PIN or PUK field: the value padded with `FF` (Part 2 §2.4.3).
const PADDED: usize = 8;

/// A management-key exchange waiting for its second step.
#[derive(Clone)]
pub(super) enum Pending {
    /// Mutual authentication: the card sent `enc(witness)` and expects the witness back.
    Witness(Vec<u8>),
    /// External authentication: the card sent a challenge and expects `enc(challenge)`.
    Challenge(Vec<u8>),
}

/// Which reference value a command checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Pin,
    Puk,
}

fn padded(value: &[u8]) -> [u8; PADDED] {
    let mut out = [0xFF; PADDED];
    let n = value.len().min(PADDED);
    out[..n].copy_from_slice(&value[..n]);
    out
}

/// The value inside an `FF`-padded field, if it is a valid 6-8 byte PIN or PUK.
fn unpadded(field: &[u8]) -> Option<&[u8]> {
    let len = field.iter().position(|b| *b == 0xFF).unwrap_or(field.len());
    let (value, padding) = field.split_at(len);
    (field.len() == PADDED && (6..=8).contains(&len) && padding.iter().all(|b| *b == 0xFF))
        .then_some(value)
}

impl PivCard {
    fn reference(&mut self, which: Which) -> &mut super::state::Reference {
        match which {
            Which::Pin => &mut self.state.pin,
            Which::Puk => &mut self.state.puk,
        }
    }

    /// Checks `field` against the PIN or PUK. A failure decrements the counter and writes it
    /// to disk before the answer goes out, so pulling the card cannot undo it; a success
    /// restores the counter. Blocked: `69 83`; wrong: `63 Cx`.
    fn check(&mut self, which: Which, field: &[u8]) -> Result<(), StatusWord> {
        let reference = self.reference(which);
        if reference.tries_left == 0 {
            return Err(StatusWord::AUTH_BLOCKED);
        }
        if ct_eq(&padded(&reference.value), field) {
            if reference.tries_left != reference.max_tries {
                reference.tries_left = reference.max_tries;
                self.save_or_fail()?;
            }
            return Ok(());
        }
        reference.tries_left -= 1;
        let left = reference.tries_left;
        if which == Which::Pin {
            // A failed VERIFY resets the PIN's security status (Part 2 §3.2.1).
            self.session.pin_verified = false;
            self.session.pin_always = false;
        }
        self.save_or_fail()?;
        Err(StatusWord::verify_failed(left))
    }

    /// VERIFY (Part 2 §3.2.1), PIN only. P1 `FF` with no data resets the security status;
    /// no data asks for the status: `90 00` if verified, else `63 Cx`.
    pub(super) fn verify(&mut self, cmd: &Command) -> Response {
        match (cmd.p1, cmd.p2) {
            (0xFF, key_ref::PIN) if cmd.data.is_empty() => {
                self.session.pin_verified = false;
                self.session.pin_always = false;
                return Response::ok(Vec::new());
            }
            (0x00, key_ref::PIN) => {}
            (0x00 | 0xFF, _) => return Response::status(StatusWord::REFERENCE_NOT_FOUND),
            _ => return Response::status(StatusWord::INCORRECT_P1P2),
        }
        if cmd.data.is_empty() {
            let left = self.state.pin.tries_left;
            return Response::status(if left == 0 {
                StatusWord::AUTH_BLOCKED
            } else if self.session.pin_verified {
                StatusWord::SUCCESS
            } else {
                StatusWord::verify_failed(left)
            });
        }
        if cmd.data.len() != PADDED {
            return Response::status(StatusWord::INCORRECT_DATA);
        }
        match self.check(Which::Pin, &cmd.data) {
            Ok(()) => {
                self.session.pin_verified = true;
                self.session.pin_always = true;
                Response::ok(Vec::new())
            }
            Err(sw) => Response::status(sw),
        }
    }

    /// CHANGE REFERENCE DATA (Part 2 §3.2.2) of the PIN (`80`) or PUK (`81`): old value then
    /// new value, both padded to eight bytes.
    pub(super) fn change_reference(&mut self, cmd: &Command) -> Response {
        let which = match (cmd.p1, cmd.p2) {
            (0x00, key_ref::PIN) => Which::Pin,
            (0x00, key_ref::PUK) => Which::Puk,
            (0x00, _) => return Response::status(StatusWord::REFERENCE_NOT_FOUND),
            _ => return Response::status(StatusWord::INCORRECT_P1P2),
        };
        if cmd.data.len() != 2 * PADDED {
            return Response::status(StatusWord::INCORRECT_DATA);
        }
        let (old, new) = cmd.data.split_at(PADDED);
        let Some(new) = unpadded(new) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        if let Err(sw) = self.check(which, old) {
            return Response::status(sw);
        }
        self.reference(which).value = new.to_vec();
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }

    /// RESET RETRY COUNTER (Part 2 §3.2.3): the PUK then a new PIN; unblocks the PIN.
    pub(super) fn reset_retry(&mut self, cmd: &Command) -> Response {
        match (cmd.p1, cmd.p2) {
            (0x00, key_ref::PIN) => {}
            (0x00, _) => return Response::status(StatusWord::REFERENCE_NOT_FOUND),
            _ => return Response::status(StatusWord::INCORRECT_P1P2),
        }
        if cmd.data.len() != 2 * PADDED {
            return Response::status(StatusWord::INCORRECT_DATA);
        }
        let (puk, new) = cmd.data.split_at(PADDED);
        let Some(new) = unpadded(new) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        if let Err(sw) = self.check(Which::Puk, puk) {
            return Response::status(sw);
        }
        self.state.pin.value = new.to_vec();
        self.state.pin.tries_left = self.state.pin.max_tries;
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }

    /// GENERAL AUTHENTICATE with the management key (Part 2 Appendix A.1), in both forms that
    /// middleware uses:
    ///
    /// - mutual: `7C{80 00}` → `7C{80 enc(W)}`; `7C{80 W, 81 C [, 82 00]}` → `7C{82 enc(C)}`
    ///   (yubico-piv-tool, OpenSC's mutual authentication);
    /// - external: `7C{81 00}` → `7C{81 C}`; `7C{82 enc(C)}` → `90 00` (OpenSC's piv-tool).
    ///
    /// The pending witness or challenge is single-use: a failed or out-of-order second step
    /// has to start over.
    pub(super) fn management_authenticate(&mut self, cmd: &Command) -> Response {
        let key = self.state.management_key.clone();
        if cmd.p1 != key.algorithm() {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        let Some(items) = dynamic_auth_items(&cmd.data) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        let n = block_len(key.algorithm());
        let encrypt = |block: &[u8]| mgmt_encrypt(key.algorithm(), key.key(), block);
        let pending = self.session.mgmt_pending.take();
        self.session.mgmt_authenticated = false;
        let answer =
            |t: u16, v: &[u8]| Response::ok(tlv::encode(tag::DYNAMIC_AUTH, &tlv::encode(t, v)));
        match (items.witness, items.challenge, items.response) {
            (Some([]), None, None) => {
                let Ok(witness) = random(n) else {
                    return Response::status(StatusWord::UNKNOWN);
                };
                let Some(sealed) = encrypt(&witness) else {
                    return Response::status(StatusWord::UNKNOWN);
                };
                self.session.mgmt_pending = Some(Pending::Witness(witness));
                answer(tag::WITNESS, &sealed)
            }
            (Some(witness), Some(challenge), None | Some([])) => {
                let Some(Pending::Witness(expected)) = pending else {
                    return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
                };
                if challenge.len() != n || !ct_eq(witness, &expected) {
                    return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
                }
                let Some(sealed) = encrypt(challenge) else {
                    return Response::status(StatusWord::UNKNOWN);
                };
                self.session.mgmt_authenticated = true;
                answer(tag::RESPONSE, &sealed)
            }
            (None, Some([]), None) => {
                let Ok(challenge) = random(n) else {
                    return Response::status(StatusWord::UNKNOWN);
                };
                let response = answer(tag::CHALLENGE, &challenge);
                self.session.mgmt_pending = Some(Pending::Challenge(challenge));
                response
            }
            (None, None, Some(sealed)) => {
                let Some(Pending::Challenge(challenge)) = pending else {
                    return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
                };
                match encrypt(&challenge) {
                    Some(expected) if ct_eq(sealed, &expected) => {
                        self.session.mgmt_authenticated = true;
                        Response::ok(Vec::new())
                    }
                    _ => Response::status(StatusWord::SECURITY_NOT_SATISFIED),
                }
            }
            _ => Response::status(StatusWord::INCORRECT_DATA),
        }
    }

    /// Yubico SET MANAGEMENT KEY (`FF`, P1 `FF`, P2 `FF` or `FE` for touch): data
    /// `alg 9B len key`. Needs the current management key.
    pub(super) fn set_management_key(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0xFF || !matches!(cmd.p2, 0xFF | 0xFE) {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        if !self.session.mgmt_authenticated {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let new = match cmd.data.as_slice() {
            [algorithm, key_ref::MANAGEMENT, len, key @ ..]
                if usize::from(*len) == key.len() && key_len(*algorithm) == Some(key.len()) =>
            {
                ManagementKey::new(*algorithm, key)
            }
            _ => None,
        };
        let Some(new) = new else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        self.state.management_key = new;
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }

    /// Yubico SET PIN RETRIES (`FA`, P1 PIN tries, P2 PUK tries): needs the management key
    /// and the PIN; sets both references back to their defaults, as a YubiKey does.
    pub(super) fn set_pin_retries(&mut self, cmd: &Command) -> Response {
        if !self.session.mgmt_authenticated || !self.session.pin_verified {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        if !(1..=15).contains(&cmd.p1) || !(1..=15).contains(&cmd.p2) {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        for (reference, value, tries) in [
            (&mut self.state.pin, DEFAULT_PIN, cmd.p1),
            (&mut self.state.puk, DEFAULT_PUK, cmd.p2),
        ] {
            reference.value = value.to_vec();
            reference.max_tries = tries;
            reference.tries_left = tries;
        }
        self.session.pin_verified = false;
        self.session.pin_always = false;
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }

    /// Yubico RESET (`FB`): allowed only once both PIN and PUK are blocked; wipes keys and
    /// objects and restores the default PIN, PUK and management key (the serial stays).
    pub(super) fn factory_reset(&mut self) -> Response {
        if self.state.pin.tries_left != 0 || self.state.puk.tries_left != 0 {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let config = CardConfig {
            serial: self.state.serial,
            version: self.state.version,
            ..CardConfig::default()
        };
        let Ok(fresh) = CardState::new(&config) else {
            return Response::status(StatusWord::UNKNOWN);
        };
        self.state = fresh;
        self.keys.clear();
        self.session = super::Session {
            selected: true,
            ..super::Session::default()
        };
        self.save_or_fail()
            .map_or_else(Response::status, |()| Response::ok(Vec::new()))
    }
}

/// The items of a dynamic authentication template (Part 2 Table 7).
#[derive(Default)]
pub(super) struct AuthItems<'a> {
    pub(super) witness: Option<&'a [u8]>,
    pub(super) challenge: Option<&'a [u8]>,
    pub(super) response: Option<&'a [u8]>,
    pub(super) exponentiation: Option<&'a [u8]>,
}

/// Parses `7C { 80 | 81 | 82 | 85 ... }`; `None` if malformed or if a tag repeats.
pub(super) fn dynamic_auth_items(data: &[u8]) -> Option<AuthItems<'_>> {
    let inner = super::data::single_tag(data, tag::DYNAMIC_AUTH)?;
    let mut items = AuthItems::default();
    for item in tlv::iter(inner) {
        let item = item.ok()?;
        let slot = match item.tag {
            tag::WITNESS => &mut items.witness,
            tag::CHALLENGE => &mut items.challenge,
            tag::RESPONSE => &mut items.response,
            tag::EXPONENTIATION => &mut items.exponentiation,
            _ => return None,
        };
        if slot.replace(item.value).is_some() {
            return None;
        }
    }
    Some(items)
}
