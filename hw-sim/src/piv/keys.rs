//! Slot keys: GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4 Part 2 §3.3.2), GENERAL AUTHENTICATE
//! with a private key (§3.2.4), and the Yubico IMPORT KEY and GET METADATA commands.

use devices::apdu::{Command, Response, StatusWord};
use devices::piv::wire::{KeyAlgorithm, Slot, alg, key_ref, tag};
use devices::tlv;

use super::PivCard;
use super::auth::dynamic_auth_items;
use super::crypto::{OpError, PrivateKey};

/// Yubico PIN policies (the `AA` tag of GENERATE and IMPORT KEY).
pub(super) mod pin_policy {
    /// No PIN needed.
    pub(crate) const NEVER: u8 = 1;
    /// The PIN once per session.
    pub(crate) const ONCE: u8 = 2;
    /// The PIN immediately before every use.
    pub(crate) const ALWAYS: u8 = 3;
}
/// Yubico touch policy "never": this card has no button.
const TOUCH_NEVER: u8 = 1;
/// Yubico key origins (GET METADATA tag `03`).
pub(super) const ORIGIN_GENERATED: u8 = 1;
pub(super) const ORIGIN_IMPORTED: u8 = 2;
/// Yubico PIN and touch policy tags.
const TAG_PIN_POLICY: u16 = 0xAA;
const TAG_TOUCH_POLICY: u16 = 0xAB;

/// A slot's PIN policy when the host names none: the access rules of SP 800-73-4 Part 1
/// §3.1: PIV Authentication and Key Management after the PIN, Digital Signature only right
/// after a VERIFY ("PIN always", §3.1.2), Card Authentication without a PIN.
pub(super) fn default_pin_policy(slot: Slot) -> u8 {
    match slot {
        Slot::Authentication | Slot::KeyManagement => pin_policy::ONCE,
        Slot::Signature => pin_policy::ALWAYS,
        Slot::CardAuthentication => pin_policy::NEVER,
    }
}

/// Whether an `AB` touch policy is one this buttonless card can honour (default or never).
fn touch_ok(value: Option<&[u8]>) -> bool {
    matches!(value, None | Some([0 | TOUCH_NEVER]))
}

/// The PIN policy requested by an `AA` tag (0 or absent: the slot's default).
fn requested_policy(slot: Slot, value: Option<&[u8]>) -> Option<u8> {
    match value {
        None | Some([0]) => Some(default_pin_policy(slot)),
        Some([p @ (pin_policy::NEVER | pin_policy::ONCE | pin_policy::ALWAYS)]) => Some(*p),
        Some(_) => None,
    }
}

impl PivCard {
    /// Puts `key` into `slot` and persists it; `65 81` if that fails.
    fn store_key(
        &mut self,
        slot: Slot,
        key: PrivateKey,
        policy: u8,
        origin: u8,
    ) -> Result<(), StatusWord> {
        self.install(slot, key, policy, origin).map_err(|e| {
            self.storage_error = Some(e.to_string());
            StatusWord::MEMORY_FAILURE
        })
    }

    /// GENERATE ASYMMETRIC KEY PAIR: needs the management key; data `AC{80 alg [AA policy]
    /// [AB touch]}`; answers the public key template `7F49`.
    pub(super) fn generate(&mut self, cmd: &Command) -> Response {
        let Some(slot) = Slot::from_key_ref(cmd.p2).filter(|_| cmd.p1 == 0) else {
            return Response::status(StatusWord::INCORRECT_P1P2);
        };
        if !self.session.mgmt_authenticated {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let Some(template) = super::data::single_tag(&cmd.data, tag::GENERATE_TEMPLATE) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        let find = |t| tlv::find(template, t).ok().flatten();
        let algorithm = match find(tag::ALGORITHM) {
            Some([id]) => KeyAlgorithm::from_id(*id),
            _ => None,
        };
        let (Some(algorithm), Some(policy), true) = (
            algorithm,
            requested_policy(slot, find(TAG_PIN_POLICY)),
            touch_ok(find(TAG_TOUCH_POLICY)),
        ) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        let Ok(key) = PrivateKey::generate(algorithm) else {
            return Response::status(StatusWord::UNKNOWN);
        };
        let public = tlv::encode(tag::PUBLIC_KEY, &key.public_template_contents());
        match self.store_key(slot, key, policy, ORIGIN_GENERATED) {
            Ok(()) => Response::ok(public),
            Err(sw) => Response::status(sw),
        }
    }

    /// Yubico IMPORT KEY (`FE`, P1 algorithm, P2 slot): P-256 as `06` private scalar, RSA as
    /// `01` p, `02` q (the CRT values `03`-`05` are recomputed), each optionally followed by
    /// `AA` PIN policy and `AB` touch policy.
    pub(super) fn import_key(&mut self, cmd: &Command) -> Response {
        let Some(slot) = Slot::from_key_ref(cmd.p2) else {
            return Response::status(StatusWord::INCORRECT_P1P2);
        };
        if !self.session.mgmt_authenticated {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let find = |t| tlv::find(&cmd.data, t).ok().flatten();
        let key = match cmd.p1 {
            alg::ECC_P256 => find(0x06).map(PrivateKey::p256_from_scalar),
            alg::RSA_2048 => find(0x01)
                .zip(find(0x02))
                .map(|(p, q)| PrivateKey::rsa_from_primes(p, q)),
            _ => return Response::status(StatusWord::INCORRECT_P1P2),
        };
        let (Some(Ok(key)), Some(policy), true) = (
            key,
            requested_policy(slot, find(TAG_PIN_POLICY)),
            touch_ok(find(TAG_TOUCH_POLICY)),
        ) else {
            return Response::status(StatusWord::INCORRECT_DATA);
        };
        match self.store_key(slot, key, policy, ORIGIN_IMPORTED) {
            Ok(()) => Response::ok(Vec::new()),
            Err(sw) => Response::status(sw),
        }
    }

    /// GENERAL AUTHENTICATE: the management key (`9B`) or a private-key operation with a slot
    /// key: `7C{82 00, 81 data}` signs (or, for RSA, decrypts: the same raw operation),
    /// `7C{82 00, 85 point}` is ECDH. The answer is `7C{82 result}`.
    pub(super) fn general_authenticate(&mut self, cmd: &Command) -> Response {
        if cmd.p2 == key_ref::MANAGEMENT {
            return self.management_authenticate(cmd);
        }
        let Some(slot) = Slot::from_key_ref(cmd.p2) else {
            return Response::status(StatusWord::REFERENCE_NOT_FOUND);
        };
        let Some(key) = self.keys.get(&slot) else {
            return Response::status(StatusWord::REFERENCE_NOT_FOUND);
        };
        if key.algorithm().id() != cmd.p1 {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        let items = match dynamic_auth_items(&cmd.data) {
            Some(items) if items.response == Some(&[]) => items,
            _ => return Response::status(StatusWord::INCORRECT_DATA),
        };
        let policy = self
            .state
            .keys
            .get(&slot.to_string())
            .map_or(default_pin_policy(slot), |k| k.pin_policy);
        let allowed = match policy {
            pin_policy::NEVER => true,
            pin_policy::ALWAYS => self.session.pin_always,
            _ => self.session.pin_verified,
        };
        if !allowed {
            return Response::status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        if policy == pin_policy::ALWAYS {
            // One VERIFY, one use (SP 800-73-4 Part 1 §3.1.2).
            self.session.pin_always = false;
        }
        let result = match (items.challenge, items.exponentiation) {
            (Some(data), None) => key.sign(data),
            (None, Some(point)) => key.ecdh(point),
            _ => return Response::status(StatusWord::INCORRECT_DATA),
        };
        match result {
            Ok(out) => Response::ok(tlv::encode(
                tag::DYNAMIC_AUTH,
                &tlv::encode(tag::RESPONSE, &out),
            )),
            Err(OpError::BadInput) => Response::status(StatusWord::INCORRECT_DATA),
            Err(OpError::Failed) => Response::status(StatusWord::UNKNOWN),
        }
    }

    /// Yubico GET METADATA (`F7`, P2 key reference): algorithm (`01`), policies (`02`),
    /// origin (`03`), public key (`04`), default flag (`05`), retries (`06`).
    pub(super) fn metadata(&mut self, cmd: &Command) -> Response {
        let mut out = Vec::new();
        match cmd.p2 {
            key_ref::PIN | key_ref::PUK => {
                let (reference, default) = if cmd.p2 == key_ref::PIN {
                    (&self.state.pin, super::state::DEFAULT_PIN)
                } else {
                    (&self.state.puk, super::state::DEFAULT_PUK)
                };
                tlv::write(&mut out, 0x01, &[0xFF]);
                tlv::write(&mut out, 0x05, &[u8::from(reference.value == default)]);
                tlv::write(&mut out, 0x06, &[reference.max_tries, reference.tries_left]);
            }
            key_ref::MANAGEMENT => {
                let key = &self.state.management_key;
                tlv::write(&mut out, 0x01, &[key.algorithm()]);
                tlv::write(&mut out, 0x02, &[0, TOUCH_NEVER]);
                tlv::write(&mut out, 0x05, &[u8::from(key.is_default())]);
            }
            other => {
                let Some(slot) = Slot::from_key_ref(other) else {
                    return Response::status(StatusWord::REFERENCE_NOT_FOUND);
                };
                let (Some(key), Some(stored)) =
                    (self.keys.get(&slot), self.state.keys.get(&slot.to_string()))
                else {
                    return Response::status(StatusWord::REFERENCE_NOT_FOUND);
                };
                tlv::write(&mut out, 0x01, &[key.algorithm().id()]);
                tlv::write(&mut out, 0x02, &[stored.pin_policy, TOUCH_NEVER]);
                tlv::write(&mut out, 0x03, &[stored.origin]);
                tlv::write(&mut out, 0x04, &key.public_template_contents());
            }
        }
        Response::ok(out)
    }
}
