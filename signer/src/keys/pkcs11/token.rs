//! The module, token, session and objects behind a [`Pkcs11Key`](super::Pkcs11Key), and the
//! mapping of PKCS#11 return values to [`KeyError`].

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;
use der::Decode as _;
use der::asn1::{OctetStringRef, UintRef};
use rsa::pkcs1::RsaPublicKey;
use sha2::Digest as _;
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use crate::keys::{KeyAlgorithm, KeyError};

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1`, a.k.a. P-256 and prime256v1 (RFC 5480 §2.1.1.1).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `rsaEncryption` (RFC 8017 Appendix C).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// The RSA moduli Dälel signs with (ARCHITECTURE.md, Algorithms).
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// The DER `DigestInfo` of a SHA-256 digest up to the digest itself (RFC 8017 §9.2 note 1):
/// `CKM_RSA_PKCS` pads what it is given, so the caller supplies the `DigestInfo`.
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The modules loaded in this process, by canonical path. A module is initialised once and
/// never finalised: a second `C_Initialize` of the same library would fail, and finalising
/// would close every other key's sessions on it.
static MODULES: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());

/// The module at `path`, loaded and initialised on first use.
pub(super) fn module(path: &Path, name: &str) -> Result<Pkcs11, KeyError> {
    let canonical = path.canonicalize().map_err(|e| KeyError::NotFound {
        what: format!("PKCS#11 module {}", path.display()),
        reason: e.to_string(),
    })?;
    // Poisoning cannot leave the list half-changed: the only change is one push.
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, context)) = modules.iter().find(|(p, _)| *p == canonical) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&canonical).map_err(|e| token_error(name, &e))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Already initialised by other code in this process that loaded the same library
        // (the dynamic loader hands out one copy): usable as it is.
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(token_error(name, &e)),
    }
    modules.push((canonical, context.clone()));
    Ok(context)
}

/// Everything needed to reach the key again.
pub(super) struct Target {
    pub(super) module: PathBuf,
    pub(super) context: Pkcs11,
    pub(super) token: TokenSelector,
    pub(super) key_label: Option<String>,
    pub(super) key_id: Option<Vec<u8>>,
    pub(super) pin: RawAuthPin,
}

/// Which token: by label, by position, or both.
#[derive(Debug)]
pub(super) struct TokenSelector {
    pub(super) label: Option<String>,
    pub(super) slot: Option<usize>,
}

/// A logged-in session and the private key's handle in it.
pub(super) struct Connection {
    session: Session,
    key: ObjectHandle,
}

/// What the token says about the private key.
pub(super) struct TokenKey {
    /// `CKA_ID`; empty if the object has none.
    pub(super) id: Vec<u8>,
    pub(super) algorithm: KeyAlgorithm,
    /// The public half, if the token shows it.
    public: Option<PublicKey>,
}

/// A public key as the token gives it; integers big-endian without leading zeros.
enum PublicKey {
    /// The SEC 1 point (uncompressed: `04 || x || y`).
    Ec(Vec<u8>),
    Rsa {
        modulus: Vec<u8>,
        /// Not every token shows it; the modulus alone identifies the key.
        exponent: Option<Vec<u8>>,
    },
}

impl Target {
    /// Finds the token, opens a session, logs in and finds the key.
    pub(super) fn connect(&self, name: &str) -> Result<(Connection, TokenKey), KeyError> {
        let failed = |e: Error| token_error(name, &e);
        let slot = self.slot(name)?;
        let info = self.context.get_token_info(slot).map_err(failed)?;
        if info.user_pin_locked() {
            return Err(KeyError::PinLocked {
                key: name.to_owned(),
            });
        }
        // Read-only suffices for signing, and cannot change anything on the token.
        let session = self.context.open_ro_session(slot).map_err(failed)?;
        match session.login_with_raw(UserType::User, &self.pin) {
            // Login is per token and application: another key's session may have done it.
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(failed(e)),
        }
        let key = self.find_key(&session, name)?;
        let facts = read_key(&session, key, name)?;
        Ok((Connection { session, key }, facts))
    }

    fn slot(&self, name: &str) -> Result<Slot, KeyError> {
        let failed = |e: Error| token_error(name, &e);
        let slots = self.context.get_slots_with_token().map_err(failed)?;
        let label_of = |slot: Slot| {
            self.context
                .get_token_info(slot)
                .map(|info| info.label().trim_end().to_owned())
                .map_err(failed)
        };
        if let Some(index) = self.token.slot {
            let slot = *slots.get(index).ok_or_else(|| KeyError::NotFound {
                what: format!("token in slot {index}"),
                reason: format!(
                    "module {} has {} slots with a token",
                    self.module.display(),
                    slots.len()
                ),
            })?;
            if let Some(label) = &self.token.label {
                let found = label_of(slot)?;
                if found != *label {
                    return Err(KeyError::NotFound {
                        what: format!("token {label:?}"),
                        reason: format!("slot {index} holds token {found:?}"),
                    });
                }
            }
            return Ok(slot);
        }
        let label = self.token.label.as_deref().unwrap_or_default();
        let mut seen = Vec::new();
        for slot in slots {
            let found = label_of(slot)?;
            if found == label {
                return Ok(slot);
            }
            seen.push(found);
        }
        Err(KeyError::NotFound {
            what: format!("token {label:?}"),
            reason: format!("module {} has tokens {seen:?}", self.module.display()),
        })
    }

    fn find_key(&self, session: &Session, name: &str) -> Result<ObjectHandle, KeyError> {
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        let mut described = Vec::new();
        if let Some(label) = &self.key_label {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
            described.push(format!("label {label:?}"));
        }
        if let Some(id) = &self.key_id {
            template.push(Attribute::Id(id.clone()));
            described.push(format!("id {}", hex::encode(id)));
        }
        let what = format!("private key of {name} ({})", described.join(", "));
        let found = session
            .find_objects(&template)
            .map_err(|e| token_error(name, &e))?;
        match found.as_slice() {
            [key] => Ok(*key),
            [] => Err(KeyError::NotFound {
                what,
                reason: "the token has no such private key object".to_owned(),
            }),
            many => Err(KeyError::Format {
                what,
                reason: format!("{} private key objects match; give key_id", many.len()),
            }),
        }
    }
}

impl Connection {
    /// Signs `digest` on the token; ECDSA's `r || s` is returned as DER `Ecdsa-Sig-Value`.
    pub(super) fn sign(
        &self,
        algorithm: KeyAlgorithm,
        digest: &[u8; 32],
        name: &str,
    ) -> Result<Vec<u8>, SignError> {
        match algorithm {
            KeyAlgorithm::EcdsaP256Sha256 => {
                let raw = self
                    .session
                    .sign(&Mechanism::Ecdsa, self.key, digest)
                    .map_err(SignError::Module)?;
                let signature = p256::ecdsa::Signature::from_slice(&raw).map_err(|_| {
                    SignError::Output(KeyError::Sign {
                        key: name.to_owned(),
                        reason: format!(
                            "the token returned {} bytes, not a P-256 r || s",
                            raw.len()
                        ),
                    })
                })?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            KeyAlgorithm::RsaPkcs1v15Sha256 => {
                let mut digest_info = SHA256_DIGEST_INFO_PREFIX.to_vec();
                digest_info.extend_from_slice(digest);
                self.session
                    .sign(&Mechanism::RsaPkcs, self.key, &digest_info)
                    .map_err(SignError::Module)
            }
        }
    }

    /// The certificate object on the token with `CKA_ID` `id`.
    pub(super) fn certificate(&self, id: &[u8], name: &str) -> Result<Certificate, KeyError> {
        let not_found = || KeyError::NotFound {
            what: format!("certificate of {name}"),
            reason: format!(
                "the token has no certificate object with the key's CKA_ID ({}); \
                 name a certificate file",
                hex::encode(id)
            ),
        };
        if id.is_empty() {
            return Err(not_found());
        }
        let failed = |e: Error| token_error(name, &e);
        let template = [
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Id(id.to_vec()),
        ];
        let objects = self.session.find_objects(&template).map_err(failed)?;
        let object = *objects.first().ok_or_else(not_found)?;
        let value = self
            .session
            .get_attributes(object, &[AttributeType::Value])
            .map_err(failed)?
            .into_iter()
            .find_map(|attribute| match attribute {
                Attribute::Value(value) => Some(value),
                _ => None,
            })
            .ok_or_else(not_found)?;
        Certificate::from_der(&value).map_err(|e| KeyError::Format {
            what: format!("certificate object of {name} on the token"),
            reason: e.to_string(),
        })
    }

    /// Checks that `leaf` certifies the token's key: by comparing public keys, or, where the
    /// token shows none, by verifying a test signature with the certificate's key.
    pub(super) fn check_certified(
        &self,
        key: &TokenKey,
        leaf: &Certificate,
        name: &str,
    ) -> Result<(), KeyError> {
        let spki = leaf.tbs_certificate().subject_public_key_info();
        let certified = match &key.public {
            Some(public) => public.is_in(spki),
            None => self.proves(key.algorithm, spki, name)?,
        };
        if certified {
            Ok(())
        } else {
            Err(KeyError::CertificateMismatch {
                key: name.to_owned(),
            })
        }
    }

    fn proves(
        &self,
        algorithm: KeyAlgorithm,
        spki: &SubjectPublicKeyInfoOwned,
        name: &str,
    ) -> Result<bool, KeyError> {
        let digest: [u8; 32] = sha2::Sha256::digest(b"Dalel: is this the certified key?").into();
        let signature = self
            .sign(algorithm, &digest, name)
            .map_err(|e| e.into_key_error(name))?;
        let Ok(scheme) =
            verifier::crypto::SignatureAlgorithm::from_identifier(&algorithm.signature_algorithm())
        else {
            return Ok(false);
        };
        Ok(verifier::crypto::verify_prehashed(spki, &scheme, &digest, &signature).is_ok())
    }
}

impl PublicKey {
    /// Whether `spki` holds this key.
    fn is_in(&self, spki: &SubjectPublicKeyInfoOwned) -> bool {
        let bits = spki.subject_public_key.raw_bytes();
        match self {
            Self::Ec(point) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                spki.algorithm.oid == ID_EC_PUBLIC_KEY
                    && curve == Some(SECP256R1)
                    && bits == point.as_slice()
            }
            Self::Rsa { modulus, exponent } => {
                spki.algorithm.oid == RSA_ENCRYPTION
                    && RsaPublicKey::<UintRef<'_>>::from_der(bits).is_ok_and(|certified| {
                        unsigned(certified.modulus.as_bytes()) == modulus.as_slice()
                            && exponent.as_ref().is_none_or(|e| {
                                unsigned(certified.public_exponent.as_bytes()) == e.as_slice()
                            })
                    })
            }
        }
    }
}

/// The key attributes Dälel reads, from the private key object and, for what it lacks,
/// from the public key object with the same `CKA_ID`.
#[derive(Default)]
struct Facts {
    key_type: Option<KeyType>,
    id: Option<Vec<u8>>,
    sign: Option<bool>,
    always_authenticate: Option<bool>,
    ec_params: Option<Vec<u8>>,
    ec_point: Option<Vec<u8>>,
    modulus: Option<Vec<u8>>,
    exponent: Option<Vec<u8>>,
}

impl Facts {
    /// Takes the attributes not known yet.
    fn absorb(&mut self, attributes: Vec<Attribute>) {
        for attribute in attributes {
            match attribute {
                Attribute::KeyType(t) => _ = self.key_type.get_or_insert(t),
                Attribute::Id(v) => _ = self.id.get_or_insert(v),
                Attribute::Sign(b) => _ = self.sign.get_or_insert(b),
                Attribute::AlwaysAuthenticate(b) => _ = self.always_authenticate.get_or_insert(b),
                Attribute::EcParams(v) => _ = self.ec_params.get_or_insert(v),
                Attribute::EcPoint(v) => _ = self.ec_point.get_or_insert(v),
                Attribute::Modulus(v) => _ = self.modulus.get_or_insert(v),
                Attribute::PublicExponent(v) => _ = self.exponent.get_or_insert(v),
                _ => {}
            }
        }
    }
}

/// Reads the key's type and public half and checks that Dälel can sign with it.
fn read_key(session: &Session, key: ObjectHandle, name: &str) -> Result<TokenKey, KeyError> {
    let failed = |e: Error| token_error(name, &e);
    let unsupported = |reason: String| KeyError::Unsupported {
        key: name.to_owned(),
        reason,
    };
    let public_parts = [
        AttributeType::EcParams,
        AttributeType::EcPoint,
        AttributeType::Modulus,
        AttributeType::PublicExponent,
    ];
    let mut wanted = vec![
        AttributeType::KeyType,
        AttributeType::Id,
        AttributeType::Sign,
        AttributeType::AlwaysAuthenticate,
    ];
    wanted.extend(public_parts);
    let mut facts = Facts::default();
    facts.absorb(session.get_attributes(key, &wanted).map_err(failed)?);
    if facts.sign == Some(false) {
        return Err(unsupported(
            "the token does not let it sign (CKA_SIGN)".to_owned(),
        ));
    }
    if facts.always_authenticate == Some(true) {
        return Err(unsupported(
            "it needs the PIN again for every signature (CKA_ALWAYS_AUTHENTICATE)".to_owned(),
        ));
    }
    let id = facts.id.clone().unwrap_or_default();
    let lacks_public = facts.ec_point.is_none() || facts.exponent.is_none();
    if lacks_public && !id.is_empty() {
        let template = [
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Id(id.clone()),
        ];
        if let Some(public) = session.find_objects(&template).map_err(failed)?.first() {
            facts.absorb(
                session
                    .get_attributes(*public, &public_parts)
                    .map_err(failed)?,
            );
        }
    }
    let (algorithm, public) = match facts.key_type {
        Some(KeyType::EC) => {
            let params = facts.ec_params.as_deref().unwrap_or_default();
            match ObjectIdentifier::from_der(params) {
                Ok(SECP256R1) => {}
                Ok(curve) => return Err(unsupported(format!("an EC key on curve {curve}"))),
                Err(_) => return Err(unsupported("an EC key on an unnamed curve".to_owned())),
            }
            let point = facts.ec_point.as_deref().map(ec_point);
            (KeyAlgorithm::EcdsaP256Sha256, point.map(PublicKey::Ec))
        }
        Some(KeyType::RSA) => {
            let modulus = unsigned(facts.modulus.as_deref().unwrap_or_default()).to_vec();
            let bits =
                modulus.len() * 8 - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
            if !RSA_BITS.contains(&bits) {
                return Err(unsupported(format!(
                    "RSA-{bits} (2048 to 4096 bits are used)"
                )));
            }
            let exponent = facts.exponent.as_deref().map(|e| unsigned(e).to_vec());
            let public = PublicKey::Rsa { modulus, exponent };
            (KeyAlgorithm::RsaPkcs1v15Sha256, Some(public))
        }
        Some(other) => return Err(unsupported(format!("a {other} key"))),
        None => return Err(unsupported("a key of no CKA_KEY_TYPE".to_owned())),
    };
    Ok(TokenKey {
        id,
        algorithm,
        public,
    })
}

/// The SEC 1 point in a `CKA_EC_POINT`: a DER OCTET STRING around it (PKCS#11 v2.40 §2.3.3),
/// or, from some modules, the bare uncompressed point.
fn ec_point(value: &[u8]) -> Vec<u8> {
    if value.len() == 65 && value[0] == 0x04 {
        return value.to_vec();
    }
    <&OctetStringRef>::from_der(value).map_or_else(|_| value.to_vec(), |o| o.as_bytes().to_vec())
}

/// A big-endian unsigned integer without its leading zero bytes.
fn unsigned(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// Why a signature was not made.
pub(super) enum SignError {
    /// The module failed the call.
    Module(Error),
    /// The module's output is not a signature.
    Output(KeyError),
}

impl SignError {
    pub(super) fn into_key_error(self, name: &str) -> KeyError {
        match self {
            Self::Module(e) => token_error(name, &e),
            Self::Output(e) => e,
        }
    }
}

/// Maps a module failure to a [`KeyError`]: the PIN's refusal and lock to their own
/// variants, every other return value by its `CKR_` name and the function that returned it.
pub(super) fn token_error(name: &str, error: &Error) -> KeyError {
    let key = name.to_owned();
    match error {
        Error::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _) => {
            KeyError::WrongSecret { what: "PIN", key }
        }
        Error::Pkcs11(RvError::PinLocked, _) => KeyError::PinLocked { key },
        Error::Pkcs11(rv, function) => KeyError::Device {
            key,
            reason: format!("{} from C_{function:?}", ckr_name(*rv)),
        },
        other => KeyError::Device {
            key,
            reason: other.to_string(),
        },
    }
}

/// The specification's name of a return value, e.g. `CKR_PIN_INCORRECT`: cryptoki names its
/// variants after them in camel case.
fn ckr_name(rv: RvError) -> String {
    match rv {
        RvError::VendorDefined(code) => format!("CKR_VENDOR_DEFINED+{code:#x}"),
        RvError::UnknownErrorCode(code) => format!("CKR {code:#x}"),
        known => {
            let mut name = String::from("CKR");
            for c in format!("{known:?}").chars() {
                if c.is_ascii_uppercase() {
                    name.push('_');
                }
                name.push(c.to_ascii_uppercase());
            }
            name
        }
    }
}

#[cfg(test)]
mod tests {
    use cryptoki::context::Function;

    use super::*;

    #[test]
    fn return_values_are_named_as_in_the_specification() {
        assert_eq!(ckr_name(RvError::PinIncorrect), "CKR_PIN_INCORRECT");
        assert_eq!(ckr_name(RvError::DeviceRemoved), "CKR_DEVICE_REMOVED");
        assert_eq!(
            ckr_name(RvError::CryptokiAlreadyInitialized),
            "CKR_CRYPTOKI_ALREADY_INITIALIZED"
        );
        assert_eq!(ckr_name(RvError::UnknownErrorCode(0x1234)), "CKR 0x1234");
    }

    #[test]
    fn pin_refusal_and_lock_have_their_own_variants() {
        let pin = Error::Pkcs11(RvError::PinIncorrect, Function::Login);
        assert!(matches!(
            token_error("k", &pin),
            KeyError::WrongSecret { what: "PIN", .. }
        ));
        let locked = Error::Pkcs11(RvError::PinLocked, Function::Login);
        assert!(matches!(
            token_error("k", &locked),
            KeyError::PinLocked { .. }
        ));
        let removed = Error::Pkcs11(RvError::DeviceRemoved, Function::Sign);
        match token_error("k", &removed) {
            KeyError::Device { reason, .. } => {
                assert_eq!(reason, "CKR_DEVICE_REMOVED from C_Sign");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ec_points_are_read_wrapped_or_bare() {
        let mut bare = vec![0x04];
        bare.extend([0x3f; 64]);
        assert_eq!(ec_point(&bare), bare);
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend(&bare);
        assert_eq!(ec_point(&wrapped), bare);
    }

    #[test]
    fn leading_zeros_are_not_part_of_an_integer() {
        assert_eq!(unsigned(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(unsigned(&[0]), &[] as &[u8]);
    }
}
