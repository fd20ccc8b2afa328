//! PKCS#11 keys: a private key on a token reached through its vendor's module (an HSM, a
//! national ID token's driver, SoftHSM2), signing with the raw mechanisms (`CKM_ECDSA`,
//! `CKM_RSA_PKCS`) so that the digest is computed once, by Dälel.
//!
//! Security properties:
//! - The PIN comes from a [`SecretSource`], is held in memory that is wiped on drop, and is
//!   never logged, formatted or put in an error.
//! - A PIN the token refused is not tried again by the same key: after a lost session each
//!   signature request would otherwise spend one of the token's PIN tries until it locks.
//! - A key is used only with a certificate that certifies it: the token's public key
//!   (`CKA_EC_POINT`, or modulus and exponent) is compared with the certificate's when the
//!   key is opened and again whenever the session is re-established; where a token shows no
//!   public key, a test signature is verified with the certificate's key instead.
//! - One module is loaded and initialised once per process, whatever the number of keys on
//!   it (a second `C_Initialize` fails with `CKR_CRYPTOKI_ALREADY_INITIALIZED`).

mod token;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use cryptoki::error::RvError;
use cryptoki::types::RawAuthPin;
use serde::{Deserialize, Deserializer, Serialize};
use x509_cert::Certificate;

use self::token::{Connection, SignError, Target, TokenSelector};
use super::secret::SecretSource;
use super::{KeyAlgorithm, KeyError, SignatureKey, read_certificate_chain};

/// How to reach a key on a PKCS#11 token, as written in the configuration:
///
/// ```toml
/// module = "/usr/lib/softhsm/libsofthsm2.so"
/// token_label = "dalel"
/// key_label = "seal"
/// pin = { file = "/etc/dalel/seal.pin" }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Config {
    /// The module: the vendor's PKCS#11 shared library.
    pub module: PathBuf,
    /// The token's label, as `pkcs11-tool --list-slots` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    /// The token's position among the module's slots that hold a token, counting from 0
    /// (as `pkcs11-tool --slot-index`); with `token_label` too, that token must have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<usize>,
    /// The private key object's `CKA_LABEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_label: Option<String>,
    /// The private key object's `CKA_ID`, in hex (`"01"`, `"a1:b2"`).
    #[serde(
        default,
        deserialize_with = "key_id",
        serialize_with = "key_id_hex",
        skip_serializing_if = "Option::is_none"
    )]
    pub key_id: Option<Vec<u8>>,
    /// Where the user PIN comes from.
    pub pin: SecretSource,
    /// A PEM file with the key's certificate, then optionally its issuers. Without it, the
    /// certificate object on the token with the key's `CKA_ID` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// A PEM file with the issuers of the key's certificate, appended to the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<PathBuf>,
}

/// A private key on a PKCS#11 token, with its certificate chain.
///
/// Signing takes the token session's lock: one signature at a time per key.
pub struct Pkcs11Key {
    name: String,
    algorithm: KeyAlgorithm,
    chain: Vec<Certificate>,
    target: Target,
    state: Mutex<State>,
}

/// The key's session, re-established when the token closes it.
struct State {
    connection: Option<Connection>,
    /// The token refused the PIN: it is not offered again.
    pin_refused: bool,
}

impl Pkcs11Key {
    /// Loads the module, finds the token, logs in as the user, finds the private key,
    /// reads the certificate chain and checks that the certificate is the key's.
    ///
    /// The key must be ECDSA P-256 or RSA of 2048 to 4096 bits, allowed to sign
    /// (`CKA_SIGN`), and usable for many signatures after one login (no
    /// `CKA_ALWAYS_AUTHENTICATE`).
    ///
    /// # Errors
    /// [`KeyError::Format`] for an incomplete configuration, those of
    /// [`SecretSource::read`], [`KeyError::NotFound`] for a missing module, token, key or
    /// certificate, [`KeyError::WrongSecret`] or [`KeyError::PinLocked`] when the token
    /// refuses the PIN, [`KeyError::Unsupported`] for another kind of key,
    /// [`KeyError::CertificateMismatch`], and [`KeyError::Device`] naming the module's
    /// `CKR_…` return value for anything else.
    pub fn open(name: impl Into<String>, config: &Pkcs11Config) -> Result<Self, KeyError> {
        let name = name.into();
        let incomplete = |reason: &str| KeyError::Format {
            what: format!("PKCS#11 configuration of {name}"),
            reason: reason.to_owned(),
        };
        if config.token_label.is_none() && config.slot.is_none() {
            return Err(incomplete("give token_label or slot"));
        }
        if config.key_label.is_none() && config.key_id.is_none() {
            return Err(incomplete("give key_label or key_id"));
        }
        let pin = config.pin.read("PIN")?;
        let pin = RawAuthPin::new(Box::new(pin.expose().to_vec()));
        let target = Target {
            context: token::module(&config.module, &name)?,
            module: config.module.clone(),
            token: TokenSelector {
                label: config.token_label.clone(),
                slot: config.slot,
            },
            key_label: config.key_label.clone(),
            key_id: config.key_id.clone(),
            pin,
        };
        let (connection, key) = target.connect(&name)?;
        let mut chain = match &config.certificate {
            Some(path) => read_certificate_chain(path)?,
            None => vec![connection.certificate(&key.id, &name)?],
        };
        if let Some(path) = &config.chain {
            chain.extend(read_certificate_chain(path)?);
        }
        // Not empty: read_certificate_chain refuses an empty file.
        let Some(leaf) = chain.first() else {
            return Err(incomplete("no certificate"));
        };
        connection.check_certified(&key, leaf, &name)?;
        Ok(Self {
            algorithm: key.algorithm,
            name,
            chain,
            target,
            state: Mutex::new(State {
                connection: Some(connection),
                pin_refused: false,
            }),
        })
    }

    /// A new session, logged in, with the key found again and checked against the
    /// certificate (the token in the slot may have been swapped).
    fn reconnect<'s>(&self, state: &'s mut State) -> Result<&'s Connection, KeyError> {
        if state.pin_refused {
            return Err(KeyError::WrongSecret {
                what: "PIN",
                key: self.name.clone(),
            });
        }
        let (connection, key) = match self.target.connect(&self.name) {
            Ok(found) => found,
            Err(e) => {
                if matches!(e, KeyError::WrongSecret { .. } | KeyError::PinLocked { .. }) {
                    state.pin_refused = true;
                }
                return Err(e);
            }
        };
        let leaf = self
            .chain
            .first()
            .ok_or_else(|| KeyError::CertificateMismatch {
                key: self.name.clone(),
            })?;
        if key.algorithm != self.algorithm {
            return Err(KeyError::CertificateMismatch {
                key: self.name.clone(),
            });
        }
        connection.check_certified(&key, leaf, &self.name)?;
        Ok(state.connection.insert(connection))
    }
}

impl SignatureKey for Pkcs11Key {
    fn name(&self) -> &str {
        &self.name
    }

    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn certificate_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        // A panic while signing leaves nothing half-done here that a retry would trip on.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(connection) = &state.connection {
            match connection.sign(self.algorithm, digest, &self.name) {
                Err(SignError::Module(cryptoki::error::Error::Pkcs11(rv, _)))
                    if session_lost(rv) =>
                {
                    // Logged out, closed, or the token was pulled: once more, from scratch.
                    state.connection = None;
                }
                other => return other.map_err(|e| e.into_key_error(&self.name)),
            }
        }
        let connection = self.reconnect(&mut state)?;
        connection
            .sign(self.algorithm, digest, &self.name)
            .map_err(|e| e.into_key_error(&self.name))
    }
}

/// Whether a failed call means the session is gone and a new one may succeed.
fn session_lost(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::UserNotLoggedIn
            | RvError::DeviceRemoved
            | RvError::TokenNotPresent
            | RvError::KeyHandleInvalid
            | RvError::ObjectHandleInvalid
    )
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("module", &self.target.module)
            .field("token", &self.target.token)
            .finish_non_exhaustive()
    }
}

fn key_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_key_id(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<_>`
fn key_id_hex<S: serde::Serializer>(
    id: &Option<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serializer.serialize_str(&hex::encode(id)),
        None => serializer.serialize_none(),
    }
}

/// A `CKA_ID` written in hex, optionally with colons between bytes.
fn parse_key_id(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    let id = hex::decode(&digits).map_err(|e| format!("key_id {text:?} is not hex: {e}"))?;
    if id.is_empty() {
        return Err("key_id is empty".to_owned());
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_hex_with_optional_colons() {
        assert_eq!(parse_key_id("01"), Ok(vec![1]));
        assert_eq!(parse_key_id("a1:B2"), Ok(vec![0xa1, 0xb2]));
        assert!(parse_key_id("").is_err());
        assert!(parse_key_id("0g").is_err());
        assert!(parse_key_id("123").is_err());
    }

    #[test]
    fn lost_sessions_are_retried_and_pin_failures_are_not() {
        assert!(session_lost(RvError::SessionHandleInvalid));
        assert!(session_lost(RvError::UserNotLoggedIn));
        assert!(session_lost(RvError::DeviceRemoved));
        assert!(!session_lost(RvError::PinIncorrect));
        assert!(!session_lost(RvError::PinLocked));
        assert!(!session_lost(RvError::FunctionFailed));
    }
}
