//! What the end-entity certificate must be good for: key usage (RFC 5280 §4.2.1.3) and
//! extended key usage (RFC 5280 §4.2.1.12, RFC 3161 §2.3) against the caller's purpose.

use core::fmt;

use const_oid::ObjectIdentifier;
use x509_cert::ext::pkix::KeyUsage;

use super::extensions::Extensions;
use super::oid::{
    ADOBE_AUTHENTIC_DOCUMENTS_TRUST, ANY_EXTENDED_KEY_USAGE, ID_KP_CLIENT_AUTH,
    ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_SERVER_AUTH, ID_KP_TIME_STAMPING,
    MS_DOCUMENT_SIGNING, key_purpose_name,
};

/// What the caller will use the end-entity certificate's key for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// Signing documents (CMS/CAdES, PAdES): see [`SigningRequirements`].
    DocumentSigning(SigningRequirements),
    /// Signing RFC 3161 time-stamp tokens: "The corresponding certificate MUST contain only
    /// one instance of the extended key usage field extension as defined in \[RFC2459\]
    /// Section 4.2.1.13 with KeyPurposeID having value: id-kp-timeStamping. This extension
    /// MUST be critical" (RFC 3161 §2.3). Key usage, if present, must allow
    /// digitalSignature or nonRepudiation.
    TimeStamping,
    /// Authenticating a client (logging in with a challenge signed on a token): key usage, if
    /// present, must allow digitalSignature; extended key usage, if present, must contain
    /// clientAuth or anyExtendedKeyUsage.
    ClientAuth,
    /// No requirement on the end-entity certificate's usage.
    Any,
}

impl Purpose {
    /// Document signing with the default [`SigningRequirements`].
    #[must_use]
    pub fn document_signing() -> Self {
        Self::DocumentSigning(SigningRequirements::default())
    }

    /// The purpose as a report names it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::DocumentSigning(_) => "document signing",
            Self::TimeStamping => "time-stamping",
            Self::ClientAuth => "client authentication",
            Self::Any => "any purpose",
        }
    }
}

/// Which key usage bits document signing demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningKeyUsage {
    /// `digitalSignature`.
    DigitalSignature,
    /// `nonRepudiation` (`contentCommitment` in RFC 5280 §4.2.1.3): the default, since it is
    /// what tells a signing certificate from an authentication one, at the NCA as in
    /// ETSI EN 319 412-2 §4.3.2.
    NonRepudiation,
    /// Either of the two.
    Either,
    /// Both.
    Both,
}

impl SigningKeyUsage {
    fn satisfied_by(self, key_usage: &KeyUsage) -> bool {
        let (ds, nr) = (key_usage.digital_signature(), key_usage.non_repudiation());
        match self {
            Self::DigitalSignature => ds,
            Self::NonRepudiation => nr,
            Self::Either => ds || nr,
            Self::Both => ds && nr,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::NonRepudiation => "nonRepudiation",
            Self::Either => "digitalSignature or nonRepudiation",
            Self::Both => "digitalSignature and nonRepudiation",
        }
    }
}

/// What document signing demands of the end-entity certificate.
///
/// The default: key usage absent or with `nonRepudiation`; extended key usage absent, or
/// containing anyExtendedKeyUsage, emailProtection (what NCA signing certificates carry),
/// id-kp-documentSigning (RFC 9336), Microsoft's document signing or Adobe's Authentic
/// Documents Trust.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningRequirements {
    /// The key usage bits demanded when the extension is present. Without the extension the
    /// key is not restricted (RFC 5280 §4.2.1.3).
    pub key_usage: SigningKeyUsage,
    /// Whether a certificate without extended key usage is accepted.
    pub allow_absent_eku: bool,
    /// Whether anyExtendedKeyUsage is accepted.
    pub allow_any_eku: bool,
    /// The key purposes accepted, any one of which suffices.
    pub accepted_ekus: Vec<ObjectIdentifier>,
}

impl Default for SigningRequirements {
    fn default() -> Self {
        Self {
            key_usage: SigningKeyUsage::NonRepudiation,
            allow_absent_eku: true,
            allow_any_eku: true,
            accepted_ekus: vec![
                ID_KP_EMAIL_PROTECTION,
                ID_KP_DOCUMENT_SIGNING,
                MS_DOCUMENT_SIGNING,
                ADOBE_AUTHENTIC_DOCUMENTS_TRUST,
            ],
        }
    }
}

/// What an end-entity certificate looks like it is for, as a refusal names it ("an
/// authentication certificate used for signing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateKind {
    /// A signing certificate: key usage with nonRepudiation.
    Signing,
    /// An authentication certificate: digitalSignature without nonRepudiation, or a TLS
    /// purpose in the extended key usage.
    Authentication,
    /// A time-stamping authority's certificate.
    TimeStamping,
    /// A CA certificate.
    Ca,
    /// A key-management certificate: encipherment or agreement, no signatures.
    Encryption,
    /// None of the above.
    Other,
}

impl fmt::Display for CertificateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signing => "a signing certificate",
            Self::Authentication => "an authentication certificate",
            Self::TimeStamping => "a time-stamping certificate",
            Self::Ca => "a CA certificate",
            Self::Encryption => "an encryption certificate",
            Self::Other => "a certificate",
        })
    }
}

/// The requirement of the purpose an end-entity certificate fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PurposeViolation {
    /// The key usage extension lacks the bits the purpose needs.
    #[error("key usage lacks {required}")]
    KeyUsage {
        /// The bits needed.
        required: &'static str,
    },
    /// The extended key usage extension has none of the purposes accepted.
    #[error("extended key usage has none of {}", .accepted.join(", "))]
    ExtendedKeyUsage {
        /// The purposes accepted.
        accepted: Vec<String>,
    },
    /// Time-stamping needs an extended key usage extension.
    #[error("a time-stamping certificate must have an extended key usage extension")]
    TimeStampingEkuAbsent,
    /// Time-stamping needs the extended key usage extension to be critical.
    #[error("the extended key usage extension must be critical")]
    TimeStampingEkuNotCritical,
    /// Time-stamping needs exactly one key purpose, id-kp-timeStamping.
    #[error("the extended key usage must be exactly timeStamping")]
    TimeStampingEkuNotExclusive,
}

impl PurposeViolation {
    /// The rule broken.
    #[must_use]
    pub fn rule(&self) -> &'static str {
        match self {
            Self::KeyUsage { .. } => "RFC 5280 §4.2.1.3",
            Self::ExtendedKeyUsage { .. } => "RFC 5280 §4.2.1.12",
            Self::TimeStampingEkuAbsent
            | Self::TimeStampingEkuNotCritical
            | Self::TimeStampingEkuNotExclusive => "RFC 3161 §2.3",
        }
    }
}

/// Checks the end-entity certificate's extensions against `purpose`.
pub(crate) fn check(purpose: &Purpose, ext: &Extensions) -> Result<(), PurposeViolation> {
    let key_usage = ext.key_usage.as_ref();
    let eku = ext.extended_key_usage.as_ref();
    match purpose {
        Purpose::Any => Ok(()),
        Purpose::DocumentSigning(req) => {
            if let Some(ku) = key_usage
                && !req.key_usage.satisfied_by(ku)
            {
                return Err(PurposeViolation::KeyUsage {
                    required: req.key_usage.describe(),
                });
            }
            let accepted = match eku {
                None => req.allow_absent_eku,
                Some(eku) => eku.purposes.iter().any(|p| {
                    (req.allow_any_eku && *p == ANY_EXTENDED_KEY_USAGE)
                        || req.accepted_ekus.contains(p)
                }),
            };
            if accepted {
                Ok(())
            } else {
                let mut names: Vec<String> =
                    req.accepted_ekus.iter().map(key_purpose_name).collect();
                if req.allow_any_eku {
                    names.push(key_purpose_name(&ANY_EXTENDED_KEY_USAGE));
                }
                Err(PurposeViolation::ExtendedKeyUsage { accepted: names })
            }
        }
        Purpose::TimeStamping => {
            let Some(eku) = eku else {
                return Err(PurposeViolation::TimeStampingEkuAbsent);
            };
            if eku.purposes.as_slice() != [ID_KP_TIME_STAMPING] {
                return Err(PurposeViolation::TimeStampingEkuNotExclusive);
            }
            if !eku.critical {
                return Err(PurposeViolation::TimeStampingEkuNotCritical);
            }
            match key_usage {
                Some(ku) if !SigningKeyUsage::Either.satisfied_by(ku) => {
                    Err(PurposeViolation::KeyUsage {
                        required: SigningKeyUsage::Either.describe(),
                    })
                }
                _ => Ok(()),
            }
        }
        Purpose::ClientAuth => {
            if let Some(ku) = key_usage
                && !ku.digital_signature()
            {
                return Err(PurposeViolation::KeyUsage {
                    required: "digitalSignature",
                });
            }
            match eku {
                Some(eku)
                    if !eku
                        .purposes
                        .iter()
                        .any(|p| *p == ID_KP_CLIENT_AUTH || *p == ANY_EXTENDED_KEY_USAGE) =>
                {
                    Err(PurposeViolation::ExtendedKeyUsage {
                        accepted: vec![
                            key_purpose_name(&ID_KP_CLIENT_AUTH),
                            key_purpose_name(&ANY_EXTENDED_KEY_USAGE),
                        ],
                    })
                }
                _ => Ok(()),
            }
        }
    }
}

/// What a certificate looks like it is for, judged from its extensions.
pub(crate) fn kind(ext: &Extensions) -> CertificateKind {
    let purposes: &[ObjectIdentifier] = ext
        .extended_key_usage
        .as_ref()
        .map_or(&[], |eku| eku.purposes.as_slice());
    if ext.basic_constraints.is_some_and(|bc| bc.ca) {
        return CertificateKind::Ca;
    }
    if purposes.contains(&ID_KP_TIME_STAMPING) {
        return CertificateKind::TimeStamping;
    }
    let tls = purposes.contains(&ID_KP_CLIENT_AUTH) || purposes.contains(&ID_KP_SERVER_AUTH);
    match &ext.key_usage {
        Some(ku) if ku.non_repudiation() => CertificateKind::Signing,
        Some(ku) if ku.digital_signature() => CertificateKind::Authentication,
        Some(ku) if ku.key_encipherment() || ku.key_agreement() || ku.data_encipherment() => {
            CertificateKind::Encryption
        }
        _ if tls => CertificateKind::Authentication,
        _ => CertificateKind::Other,
    }
}

/// The names of the key usage bits set, in bit order (bit 1 under its X.509 name
/// nonRepudiation, as the NCA names it).
pub(crate) fn key_usage_names(key_usage: &KeyUsage) -> Vec<String> {
    let bits = [
        (key_usage.digital_signature(), "digitalSignature"),
        (key_usage.non_repudiation(), "nonRepudiation"),
        (key_usage.key_encipherment(), "keyEncipherment"),
        (key_usage.data_encipherment(), "dataEncipherment"),
        (key_usage.key_agreement(), "keyAgreement"),
        (key_usage.key_cert_sign(), "keyCertSign"),
        (key_usage.crl_sign(), "cRLSign"),
        (key_usage.encipher_only(), "encipherOnly"),
        (key_usage.decipher_only(), "decipherOnly"),
    ];
    bits.iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| (*name).to_owned())
        .collect()
}
