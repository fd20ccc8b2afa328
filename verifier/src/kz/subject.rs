//! The certificate holder's name attributes, as the NCA fills them in: see [`SubjectFacts`].

use serde::Serialize;
use x509_cert::{attr::AttributeTypeAndValue, name::Name};

use super::{Finding, oid, strings};

/// The subject attributes the profile reads, as text.
///
/// What the NCA test certificates (`shared/vectors/nca/certs/`) show, in DER order:
///
/// ```text
/// CN=ТЕСТОВ ТЕСТ              surname and first name
/// SURNAME=ТЕСТОВ
/// SERIALNUMBER=IIN123456789011
/// C=KZ
/// O=АО "ТЕСТ"                 legal-entity certificates only
/// OU=BIN123456789021          legal-entity certificates only
/// GIVENNAME=ТЕСТОВИЧ          the patronymic (отчество)
/// ```
///
/// So in NCA certificates `givenName` carries the **patronymic**; the first name appears
/// only inside `CN`. Each attribute is reported as written; names are not split or
/// reordered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SubjectFacts {
    common_name: Option<String>,
    surname: Option<String>,
    given_name: Option<String>,
    organization: Option<String>,
    country: Option<String>,
    email: Option<String>,
    serial_number: Option<String>,
    organizational_units: Vec<String>,
}

impl SubjectFacts {
    /// `CN` (2.5.4.3): in NCA personal certificates, surname and first name.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// `SURNAME` (2.5.4.4).
    pub fn surname(&self) -> Option<&str> {
        self.surname.as_deref()
    }

    /// `GIVENNAME` (2.5.4.42). In NCA certificates this is the patronymic (отчество), not
    /// the first name; see [`SubjectFacts`].
    pub fn given_name(&self) -> Option<&str> {
        self.given_name.as_deref()
    }

    /// `O` (2.5.4.10): the legal entity's name, in certificates issued for one.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// `C` (2.5.4.6).
    pub fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }

    /// PKCS #9 `emailAddress` (1.2.840.113549.1.9.1), when the holder gave one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// `SERIALNUMBER` (2.5.4.5) as written, e.g. `IIN123456789011`.
    pub fn serial_number(&self) -> Option<&str> {
        self.serial_number.as_deref()
    }

    /// Every readable `OU` (2.5.4.11) value as written, e.g. `BIN123456789021`.
    pub fn organizational_units(&self) -> &[String] {
        &self.organizational_units
    }

    /// Reads the attributes of `name`, noting in `findings` any value that cannot be read
    /// and any single-valued attribute that repeats.
    pub(crate) fn read(name: &Name, findings: &mut Vec<Finding>) -> Self {
        let mut facts = Self::default();
        for atv in name.iter() {
            let Some((attribute, slot)) = facts.slot(atv) else {
                continue;
            };
            let value = match strings::decode(&atv.value) {
                Ok(value) => value,
                Err(e) => {
                    findings.push(Finding::UndecodableAttribute {
                        attribute,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            match slot {
                Slot::Many(values) => values.push(value),
                Slot::One(Some(_)) => {
                    findings.push(Finding::RepeatedAttribute { attribute, value });
                }
                Slot::One(empty) => *empty = Some(value),
            }
        }
        facts
    }

    /// Where the value of `atv` goes, with the attribute's short name, or `None` for an
    /// attribute the profile does not read.
    fn slot(&mut self, atv: &AttributeTypeAndValue) -> Option<(&'static str, Slot<'_>)> {
        let slot = match atv.oid {
            oid::COMMON_NAME => ("CN", Slot::One(&mut self.common_name)),
            oid::SURNAME => ("SURNAME", Slot::One(&mut self.surname)),
            oid::GIVEN_NAME => ("GIVENNAME", Slot::One(&mut self.given_name)),
            oid::ORGANIZATION_NAME => ("O", Slot::One(&mut self.organization)),
            oid::COUNTRY_NAME => ("C", Slot::One(&mut self.country)),
            oid::EMAIL_ADDRESS => ("E", Slot::One(&mut self.email)),
            oid::SERIAL_NUMBER => ("SERIALNUMBER", Slot::One(&mut self.serial_number)),
            oid::ORGANIZATIONAL_UNIT_NAME => ("OU", Slot::Many(&mut self.organizational_units)),
            _ => return None,
        };
        Some(slot)
    }
}

/// A field of [`SubjectFacts`] to fill.
enum Slot<'a> {
    One(&'a mut Option<String>),
    Many(&'a mut Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{
        Decode, Encode, Tag,
        asn1::{Any, SetOfVec},
    };
    use proptest::prelude::*;
    use x509_cert::name::{RdnSequence, RelativeDistinguishedName};

    /// A name with one attribute per RDN, in order.
    fn name(attributes: &[(const_oid::ObjectIdentifier, Tag, &[u8])]) -> Name {
        let mut rdns = RdnSequence::default();
        for &(oid, tag, bytes) in attributes {
            let atv = AttributeTypeAndValue {
                oid,
                value: Any::new(tag, bytes).unwrap(),
            };
            let set = SetOfVec::try_from(vec![atv]).unwrap();
            rdns.push(RelativeDistinguishedName::from(set));
        }
        Name::from_der(&rdns.to_der().unwrap()).unwrap()
    }

    #[test]
    fn reads_every_string_type() {
        let bmp: Vec<u8> = "ҚАЗАҚСТАН ҰЛТТЫҚ"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let name = name(&[
            (oid::COMMON_NAME, Tag::BmpString, &bmp),
            (oid::SURNAME, Tag::Utf8String, "ӘБІЛҚАЙЫР".as_bytes()),
            (oid::SERIAL_NUMBER, Tag::PrintableString, b"IIN900101300126"),
            (oid::EMAIL_ADDRESS, Tag::Ia5String, b"holder@example.kz"),
            (oid::COUNTRY_NAME, Tag::PrintableString, b"KZ"),
            (oid::GIVEN_NAME, Tag::TeletexString, b"Ivanovich"),
        ]);
        let mut findings = Vec::new();
        let facts = SubjectFacts::read(&name, &mut findings);
        assert_eq!(findings, []);
        assert_eq!(facts.common_name(), Some("ҚАЗАҚСТАН ҰЛТТЫҚ"));
        assert_eq!(facts.surname(), Some("ӘБІЛҚАЙЫР"));
        assert_eq!(facts.serial_number(), Some("IIN900101300126"));
        assert_eq!(facts.email(), Some("holder@example.kz"));
        assert_eq!(facts.country(), Some("KZ"));
        assert_eq!(facts.given_name(), Some("Ivanovich"));
        assert_eq!(facts.organization(), None);
    }

    #[test]
    fn repeats_and_undecodable_values_are_findings() {
        let name = name(&[
            (oid::COMMON_NAME, Tag::Utf8String, "Бірінші".as_bytes()),
            (oid::COMMON_NAME, Tag::Utf8String, "Екінші".as_bytes()),
            (oid::SURNAME, Tag::Utf8String, b"\xff\xfe"),
            (
                oid::ORGANIZATIONAL_UNIT_NAME,
                Tag::Utf8String,
                b"BIN123456789021",
            ),
            (
                oid::ORGANIZATIONAL_UNIT_NAME,
                Tag::Utf8String,
                "Бөлім".as_bytes(),
            ),
            (oid::ORGANIZATION_NAME, Tag::Integer, b"\x01"),
        ]);
        let mut findings = Vec::new();
        let facts = SubjectFacts::read(&name, &mut findings);
        assert_eq!(facts.common_name(), Some("Бірінші"));
        assert_eq!(facts.surname(), None);
        assert_eq!(facts.organization(), None);
        assert_eq!(facts.organizational_units(), ["BIN123456789021", "Бөлім"]);
        assert_eq!(findings.len(), 3, "{findings:?}");
        assert_eq!(
            findings[0],
            Finding::RepeatedAttribute {
                attribute: "CN",
                value: "Екінші".to_owned()
            }
        );
        assert!(matches!(
            findings[1],
            Finding::UndecodableAttribute {
                attribute: "SURNAME",
                ..
            }
        ));
        assert_eq!(
            findings[2].to_string(),
            "the subject's O cannot be read: INTEGER is not a string type used in names"
        );
    }

    /// The string types a name may carry, and a few that it may not.
    fn any_tag() -> impl Strategy<Value = Tag> {
        prop::sample::select(vec![
            Tag::Utf8String,
            Tag::PrintableString,
            Tag::BmpString,
            Tag::Ia5String,
            Tag::TeletexString,
            Tag::OctetString,
            Tag::Null,
        ])
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(
            tag in any_tag(),
            bytes in prop::collection::vec(any::<u8>(), 0..40),
            text in ".{0,40}",
        ) {
            for oid in [oid::SERIAL_NUMBER, oid::ORGANIZATIONAL_UNIT_NAME, oid::COMMON_NAME] {
                let name = name(&[
                    (oid, tag, bytes.as_slice()),
                    (oid, Tag::Utf8String, text.as_bytes()),
                ]);
                let mut findings = Vec::new();
                let facts = SubjectFacts::read(&name, &mut findings);
                for finding in &findings {
                    let _ = finding.to_string();
                }
                let _ = serde_json::to_string(&facts);
            }
        }
    }
}
