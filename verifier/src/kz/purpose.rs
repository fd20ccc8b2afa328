//! Signing or authentication: which of a holder's two NCA certificates this is.
//!
//! The NCA issues each holder a pair of keys: one for the electronic digital signature and
//! one for authentication (logging in). They are told apart by key usage, as the rules for
//! checking a certificate's area of use put it (quoted by validators built on Kalkan):
//! "Значения «Цифровая подпись» и «Неотрекаемость», содержащиеся в поле «использование
//! ключа», означают что, это регистрационное свидетельство используется для ЭЦП. Значения
//! «Цифровая подпись» и «Шифрование ключей» … означают что, это регистрационное свидетельство
//! используется для аутентификации". NCANode classifies the same way (`SIGN` for
//! digitalSignature + nonRepudiation, checked first; `AUTH` for digitalSignature +
//! keyEncipherment), and the test certificates agree: the signing certificate carries
//! digitalSignature + nonRepudiation with `emailProtection`, the authentication one
//! digitalSignature + keyEncipherment with `clientAuth`.
//!
//! `nonRepudiation` is the name X.509 and the NCA use; RFC 5280 §4.2.1.3 renamed the same
//! bit `contentCommitment`.

use core::fmt;

use const_oid::ObjectIdentifier;
use serde::Serialize;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::{KzProfile, oid};

/// What an NCA end-entity certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Signing documents (ЭЦП): key usage digitalSignature and nonRepudiation.
    Signing,
    /// Authentication: digitalSignature without nonRepudiation (the NCA adds
    /// keyEncipherment), or no key usage at all and `clientAuth` in the extended key usage.
    Authentication,
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signing => "signing",
            Self::Authentication => "authentication",
        })
    }
}

/// A bit of the key usage extension, named as in
/// [RFC 5280 §4.2.1.3](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3), except that
/// bit 1 keeps its X.509 name `nonRepudiation`, which NCA documents use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum KeyUsageBit {
    /// Bit 0.
    #[serde(rename = "digitalSignature")]
    DigitalSignature,
    /// Bit 1 (`contentCommitment` in RFC 5280).
    #[serde(rename = "nonRepudiation")]
    NonRepudiation,
    /// Bit 2.
    #[serde(rename = "keyEncipherment")]
    KeyEncipherment,
    /// Bit 3.
    #[serde(rename = "dataEncipherment")]
    DataEncipherment,
    /// Bit 4.
    #[serde(rename = "keyAgreement")]
    KeyAgreement,
    /// Bit 5.
    #[serde(rename = "keyCertSign")]
    KeyCertSign,
    /// Bit 6.
    #[serde(rename = "cRLSign")]
    CrlSign,
    /// Bit 7.
    #[serde(rename = "encipherOnly")]
    EncipherOnly,
    /// Bit 8.
    #[serde(rename = "decipherOnly")]
    DecipherOnly,
}

/// Each bit with the flag `x509-cert` decodes it to, in bit order.
const BITS: [(KeyUsageBit, KeyUsages); 9] = [
    (KeyUsageBit::DigitalSignature, KeyUsages::DigitalSignature),
    (KeyUsageBit::NonRepudiation, KeyUsages::NonRepudiation),
    (KeyUsageBit::KeyEncipherment, KeyUsages::KeyEncipherment),
    (KeyUsageBit::DataEncipherment, KeyUsages::DataEncipherment),
    (KeyUsageBit::KeyAgreement, KeyUsages::KeyAgreement),
    (KeyUsageBit::KeyCertSign, KeyUsages::KeyCertSign),
    (KeyUsageBit::CrlSign, KeyUsages::CRLSign),
    (KeyUsageBit::EncipherOnly, KeyUsages::EncipherOnly),
    (KeyUsageBit::DecipherOnly, KeyUsages::DecipherOnly),
];

impl KeyUsageBit {
    /// The bit's ASN.1 name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::NonRepudiation => "nonRepudiation",
            Self::KeyEncipherment => "keyEncipherment",
            Self::DataEncipherment => "dataEncipherment",
            Self::KeyAgreement => "keyAgreement",
            Self::KeyCertSign => "keyCertSign",
            Self::CrlSign => "cRLSign",
            Self::EncipherOnly => "encipherOnly",
            Self::DecipherOnly => "decipherOnly",
        }
    }

    /// The bits set in `key_usage`, in bit order.
    pub(crate) fn all_in(key_usage: &KeyUsage) -> Vec<Self> {
        BITS.iter()
            .filter(|(_, flag)| key_usage.0.contains(*flag))
            .map(|(bit, _)| *bit)
            .collect()
    }
}

impl fmt::Display for KeyUsageBit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The purpose a key usage (`None`: extension absent) and an extended key usage give.
pub(crate) fn classify(
    key_usage: Option<&[KeyUsageBit]>,
    extended_key_usage: &[ObjectIdentifier],
) -> Option<Purpose> {
    match key_usage {
        Some(bits) => {
            let has = |bit| bits.contains(&bit);
            match (
                has(KeyUsageBit::DigitalSignature),
                has(KeyUsageBit::NonRepudiation),
            ) {
                (true, true) => Some(Purpose::Signing),
                (true, false) => Some(Purpose::Authentication),
                // nonRepudiation alone, or neither (a CA's keyCertSign/cRLSign): neither of
                // the NCA's two end-entity kinds.
                (false, _) => None,
            }
        }
        // No key usage extension puts no limit on the key (RFC 5280 §4.2.1.3), and asserts
        // no commitment either: only `clientAuth` says what it is for.
        None => extended_key_usage
            .contains(&oid::ID_KP_CLIENT_AUTH)
            .then_some(Purpose::Authentication),
    }
}

/// Why a certificate may not be used for the purpose asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PurposeError {
    /// Signing was asked of an authentication certificate.
    #[error(
        "refused for signing: this is an authentication certificate (key usage: {}); \
         an NCA signing certificate has both digitalSignature and nonRepudiation",
        describe(.key_usage.as_deref())
    )]
    AuthenticationCertificate {
        /// The certificate's key usage bits; `None` when it has no key usage extension.
        key_usage: Option<Vec<KeyUsageBit>>,
    },
    /// Authentication was asked of a signing certificate.
    #[error(
        "refused for authentication: this is a signing certificate (key usage: {}); \
         the NCA issues a separate certificate for authentication",
        describe(.key_usage.as_deref())
    )]
    SigningCertificate {
        /// The certificate's key usage bits.
        key_usage: Option<Vec<KeyUsageBit>>,
    },
    /// The certificate is neither a signing nor an authentication certificate.
    #[error(
        "refused for {wanted}: the certificate's key usage ({}) makes it neither a signing \
         nor an authentication certificate",
        describe(.key_usage.as_deref())
    )]
    Undetermined {
        /// The purpose asked.
        wanted: Purpose,
        /// The certificate's key usage bits; `None` when it has no key usage extension.
        key_usage: Option<Vec<KeyUsageBit>>,
    },
}

/// Key usage bits for a message: `digitalSignature, keyEncipherment`.
fn describe(bits: Option<&[KeyUsageBit]>) -> String {
    match bits {
        None => "no key usage extension".to_owned(),
        Some([]) => "no bits set".to_owned(),
        Some(bits) => bits
            .iter()
            .map(|bit| bit.name())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Accepts `profile`'s certificate for `wanted`, or says in one sentence why not.
///
/// # Errors
/// [`PurposeError::AuthenticationCertificate`] when signing is asked of an authentication
/// certificate, [`PurposeError::SigningCertificate`] for the converse, and
/// [`PurposeError::Undetermined`] when the key usage fits neither.
pub fn check_purpose(profile: &KzProfile, wanted: Purpose) -> Result<(), PurposeError> {
    let key_usage = profile.key_usage().map(<[KeyUsageBit]>::to_vec);
    match (wanted, profile.purpose()) {
        (Purpose::Signing, Some(Purpose::Signing))
        | (Purpose::Authentication, Some(Purpose::Authentication)) => Ok(()),
        (Purpose::Signing, Some(Purpose::Authentication)) => {
            Err(PurposeError::AuthenticationCertificate { key_usage })
        }
        (Purpose::Authentication, Some(Purpose::Signing)) => {
            Err(PurposeError::SigningCertificate { key_usage })
        }
        (wanted, None) => Err(PurposeError::Undetermined { wanted, key_usage }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyUsageBit::*;

    const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");

    #[test]
    fn classification() {
        let email = [EMAIL_PROTECTION];
        let client = [oid::ID_KP_CLIENT_AUTH];
        assert_eq!(
            classify(Some(&[DigitalSignature, NonRepudiation]), &email),
            Some(Purpose::Signing)
        );
        // Signing wins even next to clientAuth, as NCANode checks it first.
        assert_eq!(
            classify(Some(&[DigitalSignature, NonRepudiation]), &client),
            Some(Purpose::Signing)
        );
        assert_eq!(
            classify(Some(&[DigitalSignature, KeyEncipherment]), &client),
            Some(Purpose::Authentication)
        );
        assert_eq!(
            classify(Some(&[DigitalSignature]), &[]),
            Some(Purpose::Authentication)
        );
        assert_eq!(classify(None, &client), Some(Purpose::Authentication));
        assert_eq!(classify(None, &email), None);
        assert_eq!(classify(Some(&[NonRepudiation]), &email), None);
        assert_eq!(classify(Some(&[KeyCertSign, CrlSign]), &[]), None);
        assert_eq!(classify(Some(&[KeyEncipherment]), &client), None);
    }

    #[test]
    fn bits_from_x509_cert() {
        let ku = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
        assert_eq!(KeyUsageBit::all_in(&ku), [DigitalSignature, NonRepudiation]);
        let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        assert_eq!(KeyUsageBit::all_in(&ku), [KeyCertSign, CrlSign]);
    }

    #[test]
    fn messages() {
        let e = PurposeError::AuthenticationCertificate {
            key_usage: Some(vec![DigitalSignature, KeyEncipherment]),
        };
        assert_eq!(
            e.to_string(),
            "refused for signing: this is an authentication certificate (key usage: \
             digitalSignature, keyEncipherment); an NCA signing certificate has both \
             digitalSignature and nonRepudiation"
        );
        let e = PurposeError::Undetermined {
            wanted: Purpose::Signing,
            key_usage: None,
        };
        assert_eq!(
            e.to_string(),
            "refused for signing: the certificate's key usage (no key usage extension) makes \
             it neither a signing nor an authentication certificate"
        );
        assert_eq!(
            serde_json::to_value(&PurposeError::SigningCertificate {
                key_usage: Some(vec![DigitalSignature, NonRepudiation])
            })
            .unwrap(),
            serde_json::json!({
                "kind": "signing_certificate",
                "key_usage": ["digitalSignature", "nonRepudiation"]
            })
        );
    }
}
