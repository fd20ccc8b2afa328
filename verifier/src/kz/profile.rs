//! Reading a certificate as the NCA profile describes it.

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Decode;
use serde::Serialize;
use x509_cert::{
    Certificate,
    certificate::TbsCertificate,
    ext::pkix::{CertificatePolicies, ExtendedKeyUsage, KeyUsage},
};

use super::{
    Finding, IdKind, IdentificationNumber, KeyUsageBit, NcaPolicy, NcaRole, Purpose, SubjectFacts,
    oid, purpose, ser,
};

/// What a certificate says about its holder under the Kazakh (NCA) profile: names, IIN and
/// BIN, roles, policies and purpose, with [`Finding`]s for everything that did not fit.
///
/// Building a profile never fails: it reads what it can and records the rest as findings.
/// It checks nothing cryptographic and nothing about validity; path validation and revocation
/// are separate steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KzProfile {
    subject: SubjectFacts,
    iin: Option<IdentificationNumber>,
    bin: Option<IdentificationNumber>,
    roles: Vec<NcaRole>,
    policies: Vec<NcaPolicy>,
    #[serde(serialize_with = "ser::oids")]
    other_policies: Vec<ObjectIdentifier>,
    key_usage: Option<Vec<KeyUsageBit>>,
    #[serde(serialize_with = "ser::oids")]
    extended_key_usage: Vec<ObjectIdentifier>,
    purpose: Option<Purpose>,
    findings: Vec<Finding>,
}

impl KzProfile {
    /// Reads the profile of `certificate`.
    pub fn from_certificate(certificate: &Certificate) -> Self {
        let tbs = certificate.tbs_certificate();
        let mut findings = Vec::new();

        let subject = SubjectFacts::read(tbs.subject(), &mut findings);
        let iin = subject
            .serial_number()
            .and_then(|value| read_iin(value, &mut findings));
        let bin = read_bin(subject.organizational_units(), &mut findings);

        let key_usage = extension::<KeyUsage>(tbs, "keyUsage", &mut findings)
            .map(|key_usage| KeyUsageBit::all_in(&key_usage));
        let extended_key_usage =
            extension::<ExtendedKeyUsage>(tbs, "extendedKeyUsage", &mut findings)
                .map(|eku| eku.0)
                .unwrap_or_default();
        let roles = read_roles(&extended_key_usage, &mut findings);
        let (policies, other_policies) =
            extension::<CertificatePolicies>(tbs, "certificatePolicies", &mut findings)
                .map(|policies| read_policies(&policies, &mut findings))
                .unwrap_or_default();
        let purpose = purpose::classify(key_usage.as_deref(), &extended_key_usage);

        Self {
            subject,
            iin,
            bin,
            roles,
            policies,
            other_policies,
            key_usage,
            extended_key_usage,
            purpose,
            findings,
        }
    }

    /// The subject's name attributes.
    pub fn subject(&self) -> &SubjectFacts {
        &self.subject
    }

    /// The holder's IIN, from `SERIALNUMBER=IIN…`, if well formed. Its check digit may still
    /// be wrong: see [`IdentificationNumber::check_digit_valid`] and the findings.
    pub fn iin(&self) -> Option<&IdentificationNumber> {
        self.iin.as_ref()
    }

    /// The organisation's BIN, from `OU=BIN…`, if well formed. Its check digit may still be
    /// wrong: see [`IdentificationNumber::check_digit_valid`] and the findings.
    pub fn bin(&self) -> Option<&IdentificationNumber> {
        self.bin.as_ref()
    }

    /// The NCA roles in the extended key usage, in the certificate's order.
    pub fn roles(&self) -> &[NcaRole] {
        &self.roles
    }

    /// Whether the extended key usage carries `role`.
    pub fn has_role(&self, role: NcaRole) -> bool {
        self.roles.contains(&role)
    }

    /// The NCA certificate policies, in the certificate's order.
    pub fn policies(&self) -> &[NcaPolicy] {
        &self.policies
    }

    /// Certificate policies outside Kazakhstan's arc (such as `anyPolicy`).
    pub fn other_policies(&self) -> &[ObjectIdentifier] {
        &self.other_policies
    }

    /// The key usage bits set, or `None` when the certificate has no (readable) key usage
    /// extension.
    pub fn key_usage(&self) -> Option<&[KeyUsageBit]> {
        self.key_usage.as_deref()
    }

    /// Every extended key usage identifier, standard and NCA alike, in the certificate's
    /// order.
    pub fn extended_key_usage(&self) -> &[ObjectIdentifier] {
        &self.extended_key_usage
    }

    /// Signing or authentication, or `None` when the key usage marks neither (CA and
    /// time-stamping certificates, for instance).
    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }

    /// Everything noticed while reading, in the order met.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

/// The single instance of extension `T`, recording a defect or a repeat in `findings`.
fn extension<'a, T>(
    tbs: &'a TbsCertificate,
    name: &'static str,
    findings: &mut Vec<Finding>,
) -> Option<T>
where
    T: Decode<'a, Error = der::Error> + AssociatedOid,
{
    let mut instances = tbs.filter_extensions::<T>();
    let first = instances.next()?;
    if instances.next().is_some() {
        findings.push(Finding::RepeatedExtension { extension: name });
    }
    match first {
        Ok((_critical, value)) => Some(value),
        Err(e) => {
            findings.push(Finding::MalformedExtension {
                extension: name,
                reason: e.to_string(),
            });
            None
        }
    }
}

/// The IIN in a `SERIALNUMBER` value, with findings for a malformed value or a failed check
/// digit.
fn read_iin(value: &str, findings: &mut Vec<Finding>) -> Option<IdentificationNumber> {
    match IdentificationNumber::parse_prefixed(IdKind::Iin, value) {
        Ok(iin) => {
            note_check_digit(&iin, findings);
            Some(iin)
        }
        Err(defect) => {
            findings.push(Finding::MalformedNumber {
                number: IdKind::Iin,
                attribute: "SERIALNUMBER",
                value: value.to_owned(),
                defect,
            });
            None
        }
    }
}

/// The BIN among the `OU` values: the first well-formed one. Every other `OU` value is a
/// finding, as the NCA profile uses `OU` for the BIN alone.
fn read_bin(units: &[String], findings: &mut Vec<Finding>) -> Option<IdentificationNumber> {
    let mut bin: Option<IdentificationNumber> = None;
    for value in units {
        match IdentificationNumber::parse_prefixed(IdKind::Bin, value) {
            Ok(other) => match &bin {
                None => {
                    note_check_digit(&other, findings);
                    bin = Some(other);
                }
                Some(kept) if *kept == other => {}
                Some(kept) => findings.push(Finding::ConflictingNumbers {
                    number: IdKind::Bin,
                    kept: kept.as_str().to_owned(),
                    other: other.as_str().to_owned(),
                }),
            },
            Err(defect) => findings.push(Finding::MalformedNumber {
                number: IdKind::Bin,
                attribute: "OU",
                value: value.clone(),
                defect,
            }),
        }
    }
    bin
}

fn note_check_digit(number: &IdentificationNumber, findings: &mut Vec<Finding>) {
    if !number.check_digit_valid() {
        findings.push(Finding::CheckDigitInvalid {
            number: number.kind(),
            value: number.as_str().to_owned(),
            expected: number.expected_check_digit(),
            actual: number.actual_check_digit(),
        });
    }
}

/// The NCA roles among the extended key usages; other identifiers under `1.2.398` are
/// findings, standard ones (`emailProtection`, `clientAuth`) are left alone.
fn read_roles(eku: &[ObjectIdentifier], findings: &mut Vec<Finding>) -> Vec<NcaRole> {
    let mut roles = Vec::new();
    for oid in eku {
        match NcaRole::from_oid(oid) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None if oid.starts_with(oid::KAZAKHSTAN) => {
                findings.push(Finding::UnknownNcaRole { oid: *oid });
            }
            None => {}
        }
    }
    roles
}

/// The NCA policies and the other policies; unknown identifiers under `1.2.398` are findings.
fn read_policies(
    policies: &CertificatePolicies,
    findings: &mut Vec<Finding>,
) -> (Vec<NcaPolicy>, Vec<ObjectIdentifier>) {
    let mut nca = Vec::new();
    let mut other = Vec::new();
    for information in &policies.0 {
        let oid = information.policy_identifier;
        match NcaPolicy::from_oid(&oid) {
            Some(policy) if !nca.contains(&policy) => nca.push(policy),
            Some(_) => {}
            None if oid.starts_with(oid::KAZAKHSTAN) => {
                findings.push(Finding::UnknownNcaPolicy { oid });
            }
            None => other.push(oid),
        }
    }
    (nca, other)
}
