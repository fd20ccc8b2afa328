//! The development PKI's certificates and CRL: a root, the station seal, and the time-stamp
//! authority, all P-256 (ARCHITECTURE.md: ECDSA P-256/SHA-256 for Dälel's own keys).

use std::str::FromStr as _;
use std::time::{Duration, SystemTime};

use der::DateTime;
use der::asn1::Uint;
use p256::ecdsa::{DerSignature, SigningKey};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use verifier::tsp::ID_KP_TIME_STAMPING;
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::DevPkiError;

/// Subjects (RFC 4514; commas inside a value escaped). Every common name says the certificate
/// is not for evidence, and stays within `ub-common-name` (64, RFC 5280 Appendix A.1).
pub(crate) const ROOT_SUBJECT: &str =
    r"CN=Dälel development root — DEVELOPMENT\, NOT FOR EVIDENCE,O=Dälel";
pub(crate) const SEAL_SUBJECT: &str =
    r"CN=Dälel station seal — DEVELOPMENT\, NOT FOR EVIDENCE,O=Dälel";
pub(crate) const TSA_SUBJECT: &str =
    r"CN=Dälel time-stamp authority — DEVELOPMENT\, NOT FOR EVIDENCE,O=Dälel";

/// Validity: the root outlives what it issues, so the end entities' paths stay valid to the end.
const ROOT_YEARS: u64 = 20;
const LEAF_YEARS: u64 = 10;
/// How long a CRL from [`crl`] speaks for: a restart of the service issues a new one.
pub const CRL_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

const YEAR: u64 = 365 * 24 * 3600 + 6 * 3600;

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Root,
    Seal,
    Tsa,
}

struct Profile {
    role: Role,
    subject: Name,
    issuer: Name,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut extensions = Vec::with_capacity(5);
        // RFC 5280 §4.2.1.9: critical in CA certificates; present (cA false) in the others
        // so that no verifier takes them for a CA.
        let basic = BasicConstraints {
            ca: self.role == Role::Root,
            path_len_constraint: (self.role == Role::Root).then_some(0),
        };
        extensions.push((true, &basic).to_extension(subject, &extensions)?);
        // KeyUsage is critical through its `Criticality` (RFC 5280 §4.2.1.3: SHOULD be).
        let usages = match self.role {
            Role::Root => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            // Signing of documents: digitalSignature + nonRepudiation (contentCommitment).
            Role::Seal => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            Role::Tsa => KeyUsages::DigitalSignature.into(),
        };
        extensions.push(KeyUsage(usages).to_extension(subject, &extensions)?);
        if self.role == Role::Tsa {
            // RFC 3161 §2.3: exactly one KeyPurposeId, id-kp-timeStamping, critical.
            let eku = ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]);
            extensions.push((true, &eku).to_extension(subject, &extensions)?);
        }
        // Key identifiers (RFC 5280 §4.2.1.1–2, method 1) let path builders match by key.
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let issuer_ski = SubjectKeyIdentifier::try_from(issuer_spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(issuer_ski.0),
            ..Default::default()
        };
        extensions.push(ski.to_extension(subject, &extensions)?);
        extensions.push(aki.to_extension(subject, &extensions)?);
        Ok(extensions)
    }
}

/// A random positive serial number of 16 bytes (RFC 5280 §4.1.2.2: at most 20 octets).
fn random_serial() -> Result<SerialNumber, DevPkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DevPkiError::Random(e.to_string()))?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(DevPkiError::encode("serial number"))
}

fn time(at: SystemTime) -> Result<Time, DevPkiError> {
    // `Time::from` picks UTCTime through 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5).
    DateTime::from_system_time(at)
        .map(Time::from)
        .map_err(DevPkiError::encode("time"))
}

/// Issues the certificate of `role` for `key`, signed by `issuer_key` (the root's own key for
/// the root) and valid from `now`.
pub(crate) fn certificate(
    role: Role,
    key: &SigningKey,
    issuer: Option<(&Certificate, &SigningKey)>,
    now: SystemTime,
) -> Result<Certificate, DevPkiError> {
    let subject = match role {
        Role::Root => ROOT_SUBJECT,
        Role::Seal => SEAL_SUBJECT,
        Role::Tsa => TSA_SUBJECT,
    };
    let subject = Name::from_str(subject).map_err(DevPkiError::encode("subject name"))?;
    let (issuer_name, signer) = match issuer {
        Some((cert, key)) => (cert.tbs_certificate().subject().clone(), key),
        None => (subject.clone(), key),
    };
    let years = if role == Role::Root {
        ROOT_YEARS
    } else {
        LEAF_YEARS
    };
    // A minute's grace before now, for clocks of verifiers slightly behind ours.
    let not_before = now - Duration::from_secs(60);
    let validity = Validity::new(
        time(not_before)?,
        time(now + Duration::from_secs(years * YEAR))?,
    );
    let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key())
        .map_err(|e| DevPkiError::Build(e.to_string()))?;
    let profile = Profile {
        role,
        subject,
        issuer: issuer_name,
    };
    CertificateBuilder::new(profile, random_serial()?, validity, spki)
        .and_then(|builder| builder.build::<_, DerSignature>(signer))
        .map_err(|e| DevPkiError::Build(e.to_string()))
}

/// A CRL by the root revoking nothing, from `now` for [`CRL_VALIDITY`], numbered by `now` in
/// seconds so that later CRLs have larger numbers (RFC 5280 §5.2.3).
pub(crate) fn crl(
    root: &Certificate,
    root_key: &SigningKey,
    now: SystemTime,
) -> Result<CertificateList, DevPkiError> {
    let seconds = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| DevPkiError::Build("the clock is before 1970".to_owned()))?
        .as_secs();
    let number = Uint::new(&seconds.to_be_bytes()).map_err(DevPkiError::encode("CRL number"))?;
    CrlBuilder::new_with_this_update(root, CrlNumber(number), time(now)?)
        .map_err(DevPkiError::encode("CRL"))?
        .with_next_update(Some(time(now + CRL_VALIDITY)?))
        .build::<_, DerSignature>(root_key)
        .map_err(|e| DevPkiError::Build(e.to_string()))
}
