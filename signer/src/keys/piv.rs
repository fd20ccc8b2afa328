//! PIV token keys: a private key in a slot of a PIV card (SP 800-73-4) reached through PC/SC,
//! named `piv:<reader>/<slot>` (`piv:Virtual PCD 00 00/9c`; the reader may be a part of its
//! name that only one reader has).
//!
//! Security properties:
//! - The PIN is given for one use of the key (an HTTP request, a CLI run), held in memory
//!   that is wiped on drop, and never stored, logged, formatted or put in an error.
//! - Each signature is made in one PC/SC transaction: SELECT, VERIFY PIN, GENERAL
//!   AUTHENTICATE, so no other client can slip a command between the PIN and the signature
//!   (slot 9C wants the PIN before every signature, SP 800-73-4 Part 1 §3.2.2).
//! - A wrong PIN is not tried again by the same key, so a retried request cannot walk the
//!   card's counter down to lockout.
//! - Every signature is verified with the certificate's key before it is returned: a card
//!   that signs with another key than its certificate's, or answers garbage, is caught here.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use der::{Decode as _, Encode as _};
use devices::pcsc_transport::{PcscContext, PcscTransport};
use devices::piv::{self, Pin, PivCard, PivError, Slot};
use verifier::crypto::{
    DigestAlgorithm, KeyKind, NamedCurve, PublicKey, SignatureAlgorithm, SignatureScheme,
};
use x509_cert::Certificate;

use super::{KeyAlgorithm, KeyError, SignatureKey};

/// The prefix of a PIV key reference.
pub const PIV_PREFIX: &str = "piv:";

/// Where a PIV key is: a reader and a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivKeyRef {
    /// The reader's name, or a part of it that only one reader has.
    pub reader: String,
    /// The key slot.
    pub slot: Slot,
}

impl FromStr for PivKeyRef {
    type Err = KeyError;

    /// Parses `piv:<reader>/<slot>`, the slot as `9a`, `9c`, `9d` or `9e`.
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let bad = |reason: &str| KeyError::Format {
            what: format!("PIV key reference {s:?}"),
            reason: reason.to_owned(),
        };
        let rest = s
            .strip_prefix(PIV_PREFIX)
            .ok_or_else(|| bad("must start with piv:"))?;
        let (reader, slot) = rest
            .rsplit_once('/')
            .ok_or_else(|| bad("must be piv:<reader>/<slot>, e.g. piv:Virtual PCD 00 00/9c"))?;
        if reader.is_empty() {
            return Err(bad("the reader is empty"));
        }
        let slot = Slot::parse(slot).ok_or_else(|| bad("the slot must be 9a, 9c, 9d or 9e"))?;
        Ok(Self {
            reader: reader.to_owned(),
            slot,
        })
    }
}

impl fmt::Display for PivKeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PIV_PREFIX}{}/{}", self.reader, self.slot)
    }
}

/// A key on a PIV card, open for signing with one PIN.
pub struct PivKey {
    name: String,
    slot: Slot,
    algorithm: KeyAlgorithm,
    card_algorithm: piv::KeyAlgorithm,
    chain: Vec<Certificate>,
    public_key: PublicKey,
    state: Mutex<State>,
}

struct State {
    card: PivCard<PcscTransport>,
    /// `None` once the card refused it.
    pin: Option<Pin>,
}

impl fmt::Debug for PivKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PivKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl PivKey {
    /// Connects to the card in `reference.reader`, selects the PIV application and reads
    /// the slot's certificate; the PIN is kept for this key's signatures. Nothing is sent to
    /// the card with the PIN until the first signature.
    ///
    /// # Errors
    /// [`KeyError::NotFound`] (no such reader, no card, no certificate in the slot),
    /// [`KeyError::Unsupported`] (not P-256 or RSA-2048), [`KeyError::Device`].
    pub fn open(reference: &PivKeyRef, pin: Pin) -> Result<Self, KeyError> {
        let name = reference.to_string();
        let context = PcscContext::establish().map_err(|e| device_error(&name, &e.into()))?;
        let transport = context
            .connect(&reference.reader)
            .map_err(|e| device_error(&name, &e.into()))?;
        let mut card = PivCard::open(transport).map_err(|e| device_error(&name, &e))?;
        let der = card
            .read_certificate(reference.slot)
            .map_err(|e| device_error(&name, &e))?;
        let certificate = Certificate::from_der(&der).map_err(|e| KeyError::Format {
            what: format!("certificate of {name}"),
            reason: e.to_string(),
        })?;
        let spki = certificate
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| KeyError::Format {
                what: format!("certificate of {name}"),
                reason: e.to_string(),
            })?;
        let public_key = PublicKey::from_spki_der(&spki).map_err(|e| KeyError::Unsupported {
            key: name.clone(),
            reason: e.to_string(),
        })?;
        let (algorithm, card_algorithm) = match public_key.kind() {
            KeyKind::Ec(NamedCurve::P256) => {
                (KeyAlgorithm::EcdsaP256Sha256, piv::KeyAlgorithm::EccP256)
            }
            KeyKind::Rsa { bits: 2048 } => {
                (KeyAlgorithm::RsaPkcs1v15Sha256, piv::KeyAlgorithm::Rsa2048)
            }
            other => {
                return Err(KeyError::Unsupported {
                    key: name,
                    reason: format!("{other:?}; a PIV key must be ECC P-256 or RSA-2048"),
                });
            }
        };
        Ok(Self {
            name,
            slot: reference.slot,
            algorithm,
            card_algorithm,
            chain: vec![certificate],
            public_key,
            state: Mutex::new(State {
                card,
                pin: Some(pin),
            }),
        })
    }

    fn verify(&self, digest: &[u8; 32], signature: &[u8]) -> Result<(), KeyError> {
        let scheme = match self.algorithm {
            KeyAlgorithm::EcdsaP256Sha256 => SignatureScheme::Ecdsa,
            KeyAlgorithm::RsaPkcs1v15Sha256 => SignatureScheme::RsaPkcs1v15,
        };
        let algorithm = SignatureAlgorithm::new(scheme, DigestAlgorithm::Sha256).map_err(|e| {
            KeyError::Sign {
                key: self.name.clone(),
                reason: e.to_string(),
            }
        })?;
        self.public_key
            .verify_prehashed(&algorithm, digest, signature)
            .map_err(|_| KeyError::Sign {
                key: self.name.clone(),
                reason: "the card's signature does not verify with the slot's certificate".into(),
            })
    }
}

impl SignatureKey for PivKey {
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
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { card, pin } = &mut *state;
        let Some(current) = pin.as_ref() else {
            return Err(KeyError::WrongSecret {
                what: "PIN",
                key: self.name.clone(),
            });
        };
        let signature = match card.sign_with_pin(self.slot, self.card_algorithm, current, digest) {
            Ok(signature) => signature,
            Err(e) => {
                if matches!(e, PivError::PinIncorrect { .. } | PivError::PinBlocked) {
                    *pin = None;
                }
                return Err(device_error(&self.name, &e));
            }
        };
        drop(state);
        self.verify(digest, &signature)?;
        Ok(signature)
    }
}

/// The key error for a driver error: PIN refusals and absences keep their meaning.
fn device_error(name: &str, error: &PivError) -> KeyError {
    match error {
        PivError::PinIncorrect { tries_left } => KeyError::PinIncorrect {
            key: name.to_owned(),
            tries_left: *tries_left,
        },
        PivError::PinBlocked => KeyError::PinLocked {
            key: name.to_owned(),
        },
        PivError::PinFormat { .. } => KeyError::NoSecret {
            what: "PIN",
            reason: error.to_string(),
        },
        PivError::ReaderNotFound
        | PivError::NoCard
        | PivError::NoCertificate(_)
        | PivError::NoKeyInSlot(_)
        | PivError::NotPiv { .. } => KeyError::NotFound {
            what: name.to_owned(),
            reason: error.to_string(),
        },
        PivError::Transport(devices::transport::TransportError::AmbiguousReader { .. }) => {
            KeyError::NotFound {
                what: name.to_owned(),
                reason: error.to_string(),
            }
        }
        _ => KeyError::Device {
            key: name.to_owned(),
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn references_parse() {
        let r: PivKeyRef = "piv:Virtual PCD 00 00/9c".parse().unwrap();
        assert_eq!(r.reader, "Virtual PCD 00 00");
        assert_eq!(r.slot, Slot::Signature);
        assert_eq!(r.to_string(), "piv:Virtual PCD 00 00/9c");
        let r: PivKeyRef = "piv:a/b/9A".parse().unwrap();
        assert_eq!((r.reader.as_str(), r.slot), ("a/b", Slot::Authentication));
        for bad in [
            "piv:",
            "piv:/9c",
            "piv:reader",
            "piv:reader/9b",
            "pkcs11:x/9c",
        ] {
            assert!(bad.parse::<PivKeyRef>().is_err(), "{bad}");
        }
    }
}
