//! The local authority's self-issued TSA certificate.

use std::{str::FromStr, time::SystemTime};

use der::DateTime;
use p256::ecdsa::{DerSignature, SigningKey};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use verifier::tsp::ID_KP_TIME_STAMPING;
use x509_cert::{
    Certificate,
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    ext::{
        Extension, ToExtension,
        pkix::{
            AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
        },
    },
    name::Name,
    serial_number::SerialNumber,
    time::{Time, Validity},
};

use super::TimestampError;

/// The subject (and issuer) of the certificate, in RFC 4514 form: the comma inside the common
/// name is escaped. The common name is 64 characters, the `ub-common-name` limit of RFC 5280
/// Appendix A.1.
pub(crate) const SUBJECT: &str =
    r"CN=Dälel local time-stamp authority — DEVELOPMENT\, NOT FOR EVIDENCE,O=Dälel";

/// How long the certificate is valid, in calendar years from its creation.
const VALIDITY_YEARS: u16 = 10;

/// The extensions of a TSA certificate
/// ([RFC 3161 §2.3](https://www.rfc-editor.org/rfc/rfc3161#section-2.3)): a critical
/// extended key usage holding only `id-kp-timeStamping`, a critical key usage of
/// `digitalSignature`, and key identifiers. There is no basic constraints extension: the
/// certificate is an end entity that only its own operator trusts.
struct TsaProfile {
    subject: Name,
}

impl BuilderProfile for TsaProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        // Self-issued.
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut extensions = Vec::with_capacity(4);

        // RFC 3161 §2.3: "The corresponding certificate MUST contain only one instance of the
        // extended key usage field extension ... with KeyPurposeID having value:
        // id-kp-timeStamping. This extension MUST be critical."
        let eku = ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]);
        extensions.push((true, &eku).to_extension(subject, &extensions)?);

        // `KeyUsage` is critical by its `Criticality` impl (RFC 5280 §4.2.1.3: SHOULD be).
        let key_usage = KeyUsage(KeyUsages::DigitalSignature.into());
        extensions.push(key_usage.to_extension(subject, &extensions)?);

        // Key identifiers (RFC 5280 §4.2.1.2 method 1), the authority's being its own, let
        // path builders match tokens to this certificate by key.
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(ski.0.clone()),
            ..Default::default()
        };
        extensions.push(ski.to_extension(subject, &extensions)?);
        extensions.push(aki.to_extension(subject, &extensions)?);
        Ok(extensions)
    }
}

/// The same instant `years` calendar years later; 29 February becomes 28 February in a
/// common year.
fn add_years(start: DateTime, years: u16) -> Result<DateTime, TimestampError> {
    let year = start.year() + years;
    let shifted = |day| {
        DateTime::new(
            year,
            start.month(),
            day,
            start.hour(),
            start.minutes(),
            start.seconds(),
        )
    };
    shifted(start.day())
        .or_else(|_| shifted(start.day() - 1))
        .map_err(TimestampError::Clock)
}

/// A random serial number of exactly 16 bytes. RFC 5280 §4.1.2.2 wants it positive: the top
/// bit is cleared; the next bit is set so that the encoding keeps all 16 bytes.
fn random_serial() -> Result<SerialNumber, TimestampError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(TimestampError::Random)?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(TimestampError::encode("serial number"))
}

/// Issues the self-signed TSA certificate for `key`, valid from `now` for ten years.
pub(crate) fn issue(key: &SigningKey, now: SystemTime) -> Result<Certificate, TimestampError> {
    let subject = Name::from_str(SUBJECT).map_err(TimestampError::encode("subject name"))?;
    let not_before = DateTime::from_system_time(now).map_err(TimestampError::Clock)?;
    let not_after = add_years(not_before, VALIDITY_YEARS)?;
    // `Time::from` picks UTCTime through 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5).
    let validity = Validity::new(Time::from(not_before), Time::from(not_after));
    let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key())
        .map_err(|e| TimestampError::BuildCertificate(e.into()))?;

    CertificateBuilder::new(TsaProfile { subject }, random_serial()?, validity, spki)
        .and_then(|builder| builder.build::<_, DerSignature>(key))
        .map_err(TimestampError::BuildCertificate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_fits_ub_common_name() {
        let name = Name::from_str(SUBJECT).unwrap();
        let cn = name.common_name().unwrap().unwrap();
        let cn = cn.value();
        assert_eq!(
            cn,
            "Dälel local time-stamp authority — DEVELOPMENT, NOT FOR EVIDENCE"
        );
        assert!(cn.chars().count() <= 64);
        assert_eq!(name.organization().unwrap().unwrap().value(), "Dälel");
    }

    #[test]
    fn ten_years_later() {
        let start = DateTime::new(2026, 3, 1, 10, 20, 30).unwrap();
        assert_eq!(
            add_years(start, 10).unwrap(),
            DateTime::new(2036, 3, 1, 10, 20, 30).unwrap()
        );
        let leap = DateTime::new(2028, 2, 29, 0, 0, 0).unwrap();
        assert_eq!(
            add_years(leap, 10).unwrap(),
            DateTime::new(2038, 2, 28, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn serial_is_positive_and_sixteen_bytes() {
        for _ in 0..32 {
            let serial = random_serial().unwrap();
            assert_eq!(serial.as_bytes().len(), 16);
            assert_eq!(serial.as_bytes()[0] & 0xc0, 0x40);
        }
    }
}
