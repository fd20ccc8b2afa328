//! The Kazakh certificate profile against the NCA's real test certificates and against
//! certificates built here to be malformed.
//!
//! The facts asserted for the NCA files are those of `shared/vectors/nca/README.md`, which
//! were read off the files with OpenSSL; every certificate under `certs/` and `ca/` is
//! covered, and a new file there fails [`every_vector_is_covered`] until it is added.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use std::{
    fs,
    path::{Path, PathBuf},
};

use cms::{cert::CertificateChoices, content_info::ContentInfo, signed_data::SignedData};
use const_oid::ObjectIdentifier;
use der::{
    DateTime, Decode, DecodePem, Encode, Tag,
    asn1::{Any, OctetString, SetOfVec},
    flagset::FlagSet,
};
use p256::ecdsa::{DerSignature, SigningKey};
use proptest::prelude::*;
use serde_json::json;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use verifier::kz::{
    ExpectationError, Finding, IdKind, KeyUsageBit, KzProfile, NcaPolicy, NcaRole, NumberDefect,
    Purpose, PurposeError, check_purpose, expect_bin, expect_iin,
};
use x509_cert::{
    Certificate,
    attr::AttributeTypeAndValue,
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    ext::{
        Extension, ToExtension,
        pkix::{
            CertificatePolicies, ExtendedKeyUsage, KeyUsage, KeyUsages,
            certpolicy::PolicyInformation,
        },
    },
    name::{Name, RdnSequence, RelativeDistinguishedName},
    serial_number::SerialNumber,
    time::{Time, Validity},
};

// ---------------------------------------------------------------------------------------
// The NCA vectors
// ---------------------------------------------------------------------------------------

const NCA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/nca");

const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// How a vector file is encoded.
#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Pem,
    Der,
}

/// Reads a certificate file, telling PEM from DER by the PEM armour.
fn load(relative: &str) -> (Certificate, Encoding) {
    let path = Path::new(NCA_DIR).join(relative);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if bytes.starts_with(b"-----BEGIN") {
        let cert = Certificate::from_pem(&bytes).expect("PEM certificate");
        (cert, Encoding::Pem)
    } else {
        let cert = Certificate::from_der(&bytes).expect("DER certificate");
        (cert, Encoding::Der)
    }
}

fn profile(relative: &str) -> KzProfile {
    KzProfile::from_certificate(&load(relative).0)
}

fn oids(profile: &KzProfile) -> Vec<String> {
    profile
        .extended_key_usage()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn check_digit_finding(number: IdKind, value: &str, expected: u8, actual: u8) -> Finding {
    Finding::CheckDigitInvalid {
        number,
        value: value.to_owned(),
        expected: Some(expected),
        actual,
    }
}

/// Every file the tests below read, with its encoding.
const VECTORS: &[(&str, Encoding)] = &[
    ("certs/individual_valid_sign_2004_rsa.cer", Encoding::Pem),
    (
        "certs/individual_valid_sign_2004_rsa_auth.cer",
        Encoding::Pem,
    ),
    ("certs/ceo_valid_sign_2004_gost.cer", Encoding::Pem),
    ("ca/nca_rsa_test.crt", Encoding::Pem),
    ("ca/nca_gost_test.crt", Encoding::Pem),
    ("ca/nca_gost2015_test.cer", Encoding::Der),
];

#[test]
fn vectors_directory_is_the_shared_one() {
    // CARGO_MANIFEST_DIR is <repo>/verifier; the shared tree sits next to the repository.
    let dir = fs::canonicalize(NCA_DIR).expect("shared/vectors/nca exists");
    assert!(dir.ends_with("shared/vectors/nca"), "{}", dir.display());
    assert!(dir.join("README.md").is_file());
}

#[test]
fn every_vector_is_covered() {
    let mut on_disk: Vec<PathBuf> = ["certs", "ca"]
        .iter()
        .flat_map(|sub| fs::read_dir(Path::new(NCA_DIR).join(sub)).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    on_disk.sort();
    let mut covered: Vec<PathBuf> = VECTORS
        .iter()
        .map(|(relative, _)| Path::new(NCA_DIR).join(relative))
        .collect();
    covered.sort();
    assert_eq!(on_disk, covered);
}

#[test]
fn encodings_are_detected() {
    for (relative, encoding) in VECTORS {
        let (cert, found) = load(relative);
        assert_eq!(found, *encoding, "{relative}");
        // Whichever the armour, the same DER comes out.
        let der = cert.to_der().unwrap();
        assert_eq!(Certificate::from_der(&der).unwrap(), cert);
    }
}

#[test]
fn individual_signing_certificate() {
    let p = profile("certs/individual_valid_sign_2004_rsa.cer");
    let s = p.subject();
    assert_eq!(s.common_name(), Some("ТЕСТОВ ТЕСТ"));
    assert_eq!(s.surname(), Some("ТЕСТОВ"));
    // NCA's givenName is the patronymic.
    assert_eq!(s.given_name(), Some("ТЕСТОВИЧ"));
    assert_eq!(s.country(), Some("KZ"));
    assert_eq!(s.serial_number(), Some("IIN123456789011"));
    assert_eq!(s.organization(), None);
    assert_eq!(s.email(), None);
    assert!(s.organizational_units().is_empty());

    let iin = p.iin().expect("IIN");
    assert_eq!(iin.as_str(), "123456789011");
    assert_eq!(iin.kind(), IdKind::Iin);
    assert!(!iin.check_digit_valid());
    assert_eq!(iin.expected_check_digit(), Some(3));
    assert_eq!(p.bin(), None);

    assert_eq!(p.roles(), [NcaRole::Individual]);
    assert_eq!(p.policies(), [NcaPolicy::IndividualSigning]);
    assert!(p.other_policies().is_empty());
    assert_eq!(
        p.key_usage(),
        Some(&[KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation][..])
    );
    assert_eq!(oids(&p), [EMAIL_PROTECTION, "1.2.398.3.3.4.1.1"]);
    assert_eq!(p.purpose(), Some(Purpose::Signing));

    // The failed check digit is reported, and is the only remark.
    assert_eq!(
        p.findings(),
        [check_digit_finding(IdKind::Iin, "123456789011", 3, 1)]
    );
    assert_eq!(
        p.findings()[0].to_string(),
        "IIN 123456789011 fails the check-digit rule: it ends in 1, the rule gives 3"
    );

    assert_eq!(check_purpose(&p, Purpose::Signing), Ok(()));
    assert!(matches!(
        check_purpose(&p, Purpose::Authentication),
        Err(PurposeError::SigningCertificate { .. })
    ));
}

#[test]
fn individual_authentication_certificate_is_refused_for_signing() {
    let p = profile("certs/individual_valid_sign_2004_rsa_auth.cer");
    assert_eq!(p.subject().common_name(), Some("ТЕСТОВ ТЕСТ"));
    assert_eq!(p.iin().map(|n| n.as_str()), Some("123456789011"));
    assert_eq!(p.roles(), [NcaRole::Individual]);
    assert_eq!(p.policies(), [NcaPolicy::IndividualAuthentication]);
    assert_eq!(
        p.key_usage(),
        Some(&[KeyUsageBit::DigitalSignature, KeyUsageBit::KeyEncipherment][..])
    );
    assert_eq!(oids(&p), [CLIENT_AUTH, "1.2.398.3.3.4.1.1"]);
    assert_eq!(p.purpose(), Some(Purpose::Authentication));

    let refusal = check_purpose(&p, Purpose::Signing).unwrap_err();
    assert_eq!(
        refusal,
        PurposeError::AuthenticationCertificate {
            key_usage: Some(vec![
                KeyUsageBit::DigitalSignature,
                KeyUsageBit::KeyEncipherment
            ])
        }
    );
    assert_eq!(
        refusal.to_string(),
        "refused for signing: this is an authentication certificate (key usage: \
         digitalSignature, keyEncipherment); an NCA signing certificate has both \
         digitalSignature and nonRepudiation"
    );
    assert_eq!(check_purpose(&p, Purpose::Authentication), Ok(()));
}

#[test]
fn ceo_signing_certificate() {
    let p = profile("certs/ceo_valid_sign_2004_gost.cer");
    let s = p.subject();
    assert_eq!(s.common_name(), Some("ТЕСТОВ ТЕСТ"));
    assert_eq!(s.organization(), Some("АО \"ТЕСТ\""));
    assert_eq!(s.organizational_units(), ["BIN123456789021"]);
    assert_eq!(p.iin().map(|n| n.as_str()), Some("123456789011"));

    let bin = p.bin().expect("BIN");
    assert_eq!(bin.as_str(), "123456789021");
    assert_eq!(bin.kind(), IdKind::Bin);
    // The test BIN fails the rule too: 379 mod 11 = 5 on the second pass; it ends in 1.
    assert!(!bin.check_digit_valid());
    assert_eq!(bin.expected_check_digit(), Some(5));

    assert_eq!(p.roles(), [NcaRole::Organization, NcaRole::FirstHead]);
    assert!(p.has_role(NcaRole::FirstHead));
    assert!(!p.has_role(NcaRole::Individual));
    assert_eq!(p.policies(), [NcaPolicy::LegalEntitySigning]);
    assert_eq!(
        oids(&p),
        [EMAIL_PROTECTION, "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"]
    );
    assert_eq!(p.purpose(), Some(Purpose::Signing));
    assert_eq!(check_purpose(&p, Purpose::Signing), Ok(()));
    assert_eq!(
        p.findings(),
        [
            check_digit_finding(IdKind::Iin, "123456789011", 3, 1),
            check_digit_finding(IdKind::Bin, "123456789021", 5, 1),
        ]
    );
}

#[test]
fn expectations_against_the_test_certificates() {
    let ceo = profile("certs/ceo_valid_sign_2004_gost.cer");
    assert_eq!(expect_iin(&ceo, "123456789011"), Ok(()));
    assert_eq!(expect_bin(&ceo, "123456789021"), Ok(()));

    let mismatch = expect_iin(&ceo, "900101300126").unwrap_err();
    assert_eq!(
        mismatch,
        ExpectationError::Mismatch {
            number: IdKind::Iin,
            expected: "900101300126".to_owned(),
            found: "123456789011".to_owned(),
        }
    );
    let message = mismatch.to_string();
    assert!(
        message.contains("900101300126") && message.contains("123456789011"),
        "{message}"
    );

    let message = expect_bin(&ceo, "070240001235").unwrap_err().to_string();
    assert!(
        message.contains("070240001235") && message.contains("123456789021"),
        "{message}"
    );

    let individual = profile("certs/individual_valid_sign_2004_rsa.cer");
    assert_eq!(
        expect_bin(&individual, "123456789021"),
        Err(ExpectationError::Absent {
            number: IdKind::Bin,
            expected: "123456789021".to_owned()
        })
    );
}

#[test]
fn ca_certificates() {
    for (relative, common_name, policy) in [
        (
            "ca/nca_rsa_test.crt",
            "ҰКО 3.0 (RSA TEST)",
            NcaPolicy::NcaRegulations,
        ),
        (
            "ca/nca_gost_test.crt",
            "ҰКО 3.0 (GOST TEST)",
            NcaPolicy::NcaRegulations,
        ),
        (
            "ca/nca_gost2015_test.cer",
            "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022",
            NcaPolicy::CertificatePolicies,
        ),
    ] {
        let p = profile(relative);
        assert_eq!(p.subject().common_name(), Some(common_name), "{relative}");
        assert_eq!(p.subject().country(), Some("KZ"), "{relative}");
        assert_eq!(p.iin(), None, "{relative}");
        assert_eq!(p.bin(), None, "{relative}");
        assert!(p.roles().is_empty(), "{relative}");
        assert_eq!(p.policies(), [policy], "{relative}");
        assert_eq!(
            p.key_usage(),
            Some(&[KeyUsageBit::KeyCertSign, KeyUsageBit::CrlSign][..]),
            "{relative}"
        );
        assert_eq!(p.purpose(), None, "{relative}");
        assert_eq!(p.findings(), [], "{relative}");
        assert!(matches!(
            check_purpose(&p, Purpose::Signing),
            Err(PurposeError::Undetermined {
                wanted: Purpose::Signing,
                ..
            })
        ));
        assert!(matches!(
            expect_iin(&p, "123456789011"),
            Err(ExpectationError::Absent { .. })
        ));
    }
}

#[test]
fn time_stamping_certificate_in_the_token() {
    // The TSA certificate of the NCA test TSP reply "carries IIN/BIN" (README).
    let bytes = fs::read(Path::new(NCA_DIR).join("tsp/tsp_token.bin")).unwrap();
    let content_info = ContentInfo::from_der(&bytes).unwrap();
    let signed_data: SignedData = content_info.content.decode_as().unwrap();
    let certificates = signed_data.certificates.expect("certificates");
    let [CertificateChoices::Certificate(cert)] = certificates.0.as_slice() else {
        panic!("one certificate expected");
    };
    let p = KzProfile::from_certificate(cert);
    assert_eq!(p.subject().common_name(), Some("СЕРВИС МЕТКИ ВРЕМЕНИ"));
    assert_eq!(p.subject().organization(), Some("АО \"ТЕСТ\""));
    assert_eq!(p.iin().map(|n| n.as_str()), Some("123456789011"));
    assert_eq!(p.bin().map(|n| n.as_str()), Some("123456789021"));
    assert_eq!(oids(&p), [TIME_STAMPING]);
    assert_eq!(p.key_usage(), None);
    assert!(p.roles().is_empty());
    assert_eq!(p.purpose(), None);
}

#[test]
fn profile_serialises_for_the_report() {
    let value = serde_json::to_value(profile("certs/ceo_valid_sign_2004_gost.cer")).unwrap();
    assert_eq!(
        value["subject"],
        json!({
            "common_name": "ТЕСТОВ ТЕСТ",
            "surname": "ТЕСТОВ",
            "given_name": "ТЕСТОВИЧ",
            "organization": "АО \"ТЕСТ\"",
            "country": "KZ",
            "email": null,
            "serial_number": "IIN123456789011",
            "organizational_units": ["BIN123456789021"],
        })
    );
    assert_eq!(
        value["iin"],
        json!({
            "kind": "IIN",
            "value": "123456789011",
            "check_digit_valid": false,
            "expected_check_digit": 3,
        })
    );
    assert_eq!(value["bin"]["check_digit_valid"], json!(false));
    assert_eq!(value["roles"], json!(["organization", "first_head"]));
    assert_eq!(value["policies"], json!(["legal_entity_signing"]));
    assert_eq!(
        value["key_usage"],
        json!(["digitalSignature", "nonRepudiation"])
    );
    assert_eq!(
        value["extended_key_usage"],
        json!([EMAIL_PROTECTION, "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"])
    );
    assert_eq!(value["purpose"], json!("signing"));
    assert_eq!(
        value["findings"][1],
        json!({
            "kind": "check_digit_invalid",
            "number": "BIN",
            "value": "123456789021",
            "expected": 5,
            "actual": 1,
        })
    );
}

// ---------------------------------------------------------------------------------------
// Certificates built here
// ---------------------------------------------------------------------------------------

/// A self-issued certificate profile with a fixed subject and fixed extensions.
struct Fixed {
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Fixed {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// A subject name, one attribute per RDN, each value with the string type given.
fn subject(attributes: &[(&str, Tag, &[u8])]) -> Name {
    let mut rdns = RdnSequence::default();
    for &(oid, tag, bytes) in attributes {
        let atv = AttributeTypeAndValue {
            oid: ObjectIdentifier::new(oid).unwrap(),
            value: Any::new(tag, bytes).unwrap(),
        };
        let set = SetOfVec::try_from(vec![atv]).unwrap();
        rdns.push(RelativeDistinguishedName::from(set));
    }
    Name::from_der(&rdns.to_der().unwrap()).unwrap()
}

fn ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Extensions: key usage (if any), extended key usage (if any), certificate policies (if any).
fn extensions(
    subject: &Name,
    key_usage: Option<FlagSet<KeyUsages>>,
    eku: &[&str],
    policies: &[&str],
) -> Vec<Extension> {
    let mut out = Vec::new();
    if let Some(bits) = key_usage {
        out.push(KeyUsage(bits).to_extension(subject, &out).unwrap());
    }
    if !eku.is_empty() {
        let eku = ExtendedKeyUsage(
            eku.iter()
                .map(|s| ObjectIdentifier::new(s).unwrap())
                .collect(),
        );
        out.push(eku.to_extension(subject, &out).unwrap());
    }
    if !policies.is_empty() {
        let policies = CertificatePolicies(
            policies
                .iter()
                .map(|s| PolicyInformation {
                    policy_identifier: ObjectIdentifier::new(s).unwrap(),
                    policy_qualifiers: None,
                })
                .collect(),
        );
        out.push(policies.to_extension(subject, &out).unwrap());
    }
    out
}

/// Issues and re-decodes a certificate, as a verifier would receive it.
fn issue(subject: Name, extensions: Vec<Extension>) -> Certificate {
    let key = SigningKey::from_slice(&[0x2a; 32]).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).unwrap();
    // 2022-01-01 … 2023-01-01, the era of the NCA test vectors.
    let time = |year| Time::from(DateTime::new(year, 1, 1, 0, 0, 0).unwrap());
    let validity = Validity::new(time(2022), time(2023));
    let cert = CertificateBuilder::new(
        Fixed {
            subject,
            extensions,
        },
        SerialNumber::from(7u32),
        validity,
        spki,
    )
    .unwrap()
    .build::<_, DerSignature>(&key)
    .unwrap();
    Certificate::from_der(&cert.to_der().unwrap()).unwrap()
}

#[test]
fn valid_numbers_built_by_the_rule_leave_no_finding() {
    // 900101300126: first pass 72 → 6. 160140039015: first pass 153 → 10, second 192 → 5.
    let name = subject(&[
        ("2.5.4.3", Tag::BmpString, &ucs2("ӘБІЛҚАЙЫРОВ ҒАЛЫМ")),
        ("2.5.4.4", Tag::Utf8String, "ӘБІЛҚАЙЫРОВ".as_bytes()),
        ("2.5.4.42", Tag::Utf8String, "ҰЛЫҚБЕКҰЛЫ".as_bytes()),
        ("2.5.4.5", Tag::PrintableString, b"IIN900101300126"),
        ("2.5.4.6", Tag::PrintableString, b"KZ"),
        ("2.5.4.10", Tag::Utf8String, "ЖШС «ҚҰРЫЛЫС ҮЙ»".as_bytes()),
        ("2.5.4.11", Tag::Utf8String, b"BIN160140039015"),
        ("1.2.840.113549.1.9.1", Tag::Ia5String, b"galym@example.kz"),
    ]);
    let ext = extensions(
        &name,
        Some(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        &[EMAIL_PROTECTION, "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.3"],
        &["1.2.398.3.3.2.1"],
    );
    let p = KzProfile::from_certificate(&issue(name, ext));
    assert_eq!(p.findings(), []);
    assert_eq!(p.subject().common_name(), Some("ӘБІЛҚАЙЫРОВ ҒАЛЫМ"));
    assert_eq!(p.subject().given_name(), Some("ҰЛЫҚБЕКҰЛЫ"));
    assert_eq!(p.subject().organization(), Some("ЖШС «ҚҰРЫЛЫС ҮЙ»"));
    assert_eq!(p.subject().email(), Some("galym@example.kz"));
    assert!(p.iin().unwrap().check_digit_valid());
    assert!(p.bin().unwrap().check_digit_valid());
    assert_eq!(
        p.roles(),
        [NcaRole::Organization, NcaRole::FinancialSigningAuthority]
    );
    assert_eq!(expect_iin(&p, "900101300126"), Ok(()));
    assert_eq!(expect_bin(&p, "160140039015"), Ok(()));
}

#[test]
fn malformed_subject_values_are_findings() {
    let name = subject(&[
        ("2.5.4.3", Tag::Utf8String, "СЫНАҚ".as_bytes()),
        ("2.5.4.5", Tag::PrintableString, b"IIN12345"),
        ("2.5.4.11", Tag::Utf8String, b"BIN12345678902X"),
        ("2.5.4.11", Tag::Utf8String, "Кадрлар бөлімі".as_bytes()),
        ("2.5.4.4", Tag::BmpString, b"\x04"),
    ]);
    let p = KzProfile::from_certificate(&issue(name, Vec::new()));
    assert_eq!(p.iin(), None);
    assert_eq!(p.bin(), None);
    assert_eq!(p.subject().common_name(), Some("СЫНАҚ"));
    let findings = p.findings();
    assert_eq!(findings.len(), 4, "{findings:?}");
    assert!(matches!(
        &findings[0],
        Finding::UndecodableAttribute {
            attribute: "SURNAME",
            ..
        }
    ));
    assert_eq!(
        findings[1],
        Finding::MalformedNumber {
            number: IdKind::Iin,
            attribute: "SERIALNUMBER",
            value: "IIN12345".to_owned(),
            defect: NumberDefect::WrongLength { length: 5 },
        }
    );
    assert_eq!(
        findings[1].to_string(),
        "SERIALNUMBER \"IIN12345\" is not an IIN: it has 5 digits instead of 12"
    );
    assert_eq!(
        findings[2].to_string(),
        "OU \"BIN12345678902X\" is not a BIN: it has 'X' at position 12 where a digit belongs"
    );
    assert_eq!(
        findings[3].to_string(),
        "OU \"Кадрлар бөлімі\" is not a BIN: it does not start with \"BIN\""
    );
    assert!(matches!(
        expect_iin(&p, "123456789011"),
        Err(ExpectationError::Absent { .. })
    ));
}

#[test]
fn serial_number_without_prefix() {
    let name = subject(&[("2.5.4.5", Tag::PrintableString, b"123456789011")]);
    let p = KzProfile::from_certificate(&issue(name, Vec::new()));
    assert_eq!(p.iin(), None);
    assert_eq!(
        p.findings(),
        [Finding::MalformedNumber {
            number: IdKind::Iin,
            attribute: "SERIALNUMBER",
            value: "123456789011".to_owned(),
            defect: NumberDefect::MissingPrefix { prefix: "IIN" },
        }]
    );
}

#[test]
fn two_different_bins() {
    let name = subject(&[
        ("2.5.4.11", Tag::Utf8String, b"BIN160140039015"),
        ("2.5.4.11", Tag::Utf8String, b"BIN070240001235"),
        ("2.5.4.11", Tag::Utf8String, b"BIN160140039015"),
    ]);
    let p = KzProfile::from_certificate(&issue(name, Vec::new()));
    assert_eq!(p.bin().map(|n| n.as_str()), Some("160140039015"));
    assert_eq!(
        p.findings(),
        [Finding::ConflictingNumbers {
            number: IdKind::Bin,
            kept: "160140039015".to_owned(),
            other: "070240001235".to_owned(),
        }]
    );
}

#[test]
fn other_roles_and_unknown_nca_identifiers() {
    let name = subject(&[("2.5.4.5", Tag::PrintableString, b"IIN900101300126")]);
    let ext = extensions(
        &name,
        Some(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        &[
            EMAIL_PROTECTION,
            "1.2.398.3.3.4.1.2",
            "1.2.398.3.3.4.1.2.2",
            "1.2.398.3.3.4.1.2.4",
            "1.2.398.3.3.4.1.2.5",
            "1.2.398.3.3.4.1.2.99",
            "1.2.398.42",
        ],
        &["1.2.398.3.3.2.1", "1.2.398.3.3.2.99", "2.5.29.32.0"],
    );
    let p = KzProfile::from_certificate(&issue(name, ext));
    assert_eq!(
        p.roles(),
        [
            NcaRole::Organization,
            NcaRole::SigningAuthority,
            NcaRole::HumanResources,
            NcaRole::Employee,
        ]
    );
    assert_eq!(p.policies(), [NcaPolicy::LegalEntitySigning]);
    assert_eq!(
        p.other_policies(),
        [ObjectIdentifier::new_unwrap("2.5.29.32.0")]
    );
    let messages: Vec<String> = p.findings().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "unknown NCA role OID 1.2.398.3.3.4.1.2.99",
            "unknown NCA role OID 1.2.398.42",
            "unknown NCA policy OID 1.2.398.3.3.2.99",
        ]
    );
}

#[test]
fn purposes_of_built_certificates() {
    let name = subject(&[("2.5.4.3", Tag::Utf8String, b"x")]);
    let purpose = |key_usage, eku: &[&str]| {
        let ext = extensions(&name, key_usage, eku, &[]);
        KzProfile::from_certificate(&issue(name.clone(), ext)).purpose()
    };
    // No key usage extension, clientAuth only: authentication.
    assert_eq!(purpose(None, &[CLIENT_AUTH]), Some(Purpose::Authentication));
    // digitalSignature alone, without nonRepudiation: authentication.
    assert_eq!(
        purpose(Some(KeyUsages::DigitalSignature.into()), &[]),
        Some(Purpose::Authentication)
    );
    // nonRepudiation without digitalSignature: neither.
    assert_eq!(purpose(Some(KeyUsages::NonRepudiation.into()), &[]), None);
    // Nothing at all: neither.
    assert_eq!(purpose(None, &[]), None);
}

#[test]
fn malformed_and_repeated_extensions_are_findings() {
    let name = subject(&[("2.5.4.3", Tag::Utf8String, b"x")]);
    let mut ext = extensions(
        &name,
        Some(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        &[],
        &[],
    );
    ext.push(ext[0].clone());
    ext.push(Extension {
        extn_id: ObjectIdentifier::new_unwrap("2.5.29.37"),
        critical: false,
        extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
    });
    let p = KzProfile::from_certificate(&issue(name, ext));
    assert_eq!(p.purpose(), Some(Purpose::Signing));
    assert_eq!(
        p.findings()[0],
        Finding::RepeatedExtension {
            extension: "keyUsage"
        }
    );
    assert!(matches!(
        p.findings()[1],
        Finding::MalformedExtension {
            extension: "extendedKeyUsage",
            ..
        }
    ));
}

/// Any string type a name may use, and a few it may not.
fn value_tag() -> impl Strategy<Value = Tag> {
    prop::sample::select(vec![
        Tag::Utf8String,
        Tag::PrintableString,
        Tag::BmpString,
        Tag::Ia5String,
        Tag::TeletexString,
        Tag::OctetString,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary SERIALNUMBER and OU values, as text or as raw bytes under any string tag,
    /// never make the profile (or its report) panic, and a value that is not
    /// `IIN<12 digits>` never yields an IIN.
    #[test]
    fn arbitrary_serial_number_and_ou_never_panic(
        serial in "(IIN)?.{0,20}",
        unit in "(BIN)?.{0,20}",
        tag in value_tag(),
        raw in prop::collection::vec(any::<u8>(), 0..24),
    ) {
        let name = subject(&[
            ("2.5.4.5", Tag::Utf8String, serial.as_bytes()),
            ("2.5.4.11", Tag::Utf8String, unit.as_bytes()),
            ("2.5.4.11", tag, &raw),
            ("2.5.4.5", tag, &raw),
        ]);
        let p = KzProfile::from_certificate(&issue(name, Vec::new()));
        let report = serde_json::to_string(&p).unwrap();
        prop_assert!(!report.is_empty());
        for finding in p.findings() {
            prop_assert!(!finding.to_string().is_empty());
        }
        let well_formed = serial
            .strip_prefix("IIN")
            .is_some_and(|d| d.len() == 12 && d.bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(p.iin().is_some(), well_formed);
        if let Some(iin) = p.iin() {
            prop_assert_eq!(format!("IIN{iin}"), serial.as_str());
        }
        let _ = check_purpose(&p, Purpose::Signing);
        let _ = expect_iin(&p, &serial);
        let _ = expect_bin(&p, &unit);
    }
}
