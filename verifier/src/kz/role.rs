//! Holder roles: the NCA's key-purpose identifiers in the extended key usage extension.
//!
//! The NCA marks who holds a key, and in what capacity, by adding its own `KeyPurposeId`s
//! to the extended key usage (RFC 5280 §4.2.1.12 allows any OID there) next to the standard
//! `emailProtection` or `clientAuth`. The identifiers hang under `1.2.398.3.3.4`.
//!
//! Sources for the meanings. The NCA keeps its register at `root.gov.kz/oid/`, which could
//! not be retrieved here; these are the wordings that software built on the NCA's Kalkan
//! library quotes:
//!
//! * `1.2.398.3.3.4.1.1` … `1.2.398.3.3.4.1.2.5`, with the Russian wordings below:
//!   `gokalkan` (github.com/gokalkan/gokalkan, the Go binding of Kalkan), whose role table
//!   refers to the rules of order No. 383/НҚ of 13 October 2020 (adilet.zan.kz `V2000021440`);
//!   the same seven identifiers and wordings appear in a KalkanCrypt mobile client, and as
//!   `INDIVIDUAL` … `EMPLOYEE` in NCANode's `kz.ncanode.dto.certificate.CertificateKeyUser`.
//! * `1.2.398.3.3.4.2` … `1.2.398.3.3.4.2.3` (powers of NCA staff): `gokalkan`.
//! * `1.2.398.3.3.4.3` … `1.2.398.3.3.4.3.2.1`: NCANode's enum names only (`IDENTIFICATION`,
//!   `IDENTIFICATION_CON`, `IDENTIFICATION_REMOTE`, `IDENTIFICATION_REMOTE_DIGITAL_ID`); no
//!   published wording was found, so the descriptions stay as close to those names as they
//!   can.
//! * `1.2.398.3.3.4.1.1.1`, `1.2.398.3.3.4.1.2.6` (information systems of an individual or of
//!   a legal entity) and `1.2.398.5.19.1.2.2.1` ("Treasury – Client"): a later port of
//!   NCANode's `CertificateKeyUser`, which cites the certificate templates of order
//!   No. 522/НҚ, and a JavaScript NCALayer client that names the first two in Russian.

use core::fmt;

use const_oid::ObjectIdentifier;
use serde::Serialize;

use super::oid::literal;

/// A holder role the NCA records in a certificate's extended key usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NcaRole {
    /// `1.2.398.3.3.4.1.1`: an individual (физическое лицо).
    Individual,
    /// `1.2.398.3.3.4.1.1.1`: an information system of an individual.
    IndividualInformationSystem,
    /// `1.2.398.3.3.4.1.2`: a legal entity (юридическое лицо); present in every certificate
    /// issued to a person acting for an organisation, together with one of the roles below.
    Organization,
    /// `1.2.398.3.3.4.1.2.1`: the first head (CEO) of the legal entity, who has the right to
    /// sign.
    FirstHead,
    /// `1.2.398.3.3.4.1.2.2`: a person granted the right to sign.
    SigningAuthority,
    /// `1.2.398.3.3.4.1.2.3`: a person granted the right to sign financial documents.
    FinancialSigningAuthority,
    /// `1.2.398.3.3.4.1.2.4`: an HR employee entitled to confirm the entity's employees'
    /// applications for certificates.
    HumanResources,
    /// `1.2.398.3.3.4.1.2.5`: an employee of the organisation.
    Employee,
    /// `1.2.398.3.3.4.1.2.6`: an information system of a legal entity.
    OrganizationInformationSystem,
    /// `1.2.398.3.3.4.2`: powers in the NCA's own information system.
    NcaPrivileges,
    /// `1.2.398.3.3.4.2.1`: NCA administrator.
    NcaAdministrator,
    /// `1.2.398.3.3.4.2.2`: NCA manager.
    NcaManager,
    /// `1.2.398.3.3.4.2.3`: NCA operator.
    NcaOperator,
    /// `1.2.398.3.3.4.3`: identification of the holder (NCANode: `IDENTIFICATION`).
    Identification,
    /// `1.2.398.3.3.4.3.1`: identification, NCANode's `IDENTIFICATION_CON`.
    IdentificationCon,
    /// `1.2.398.3.3.4.3.2`: remote identification of the holder.
    IdentificationRemote,
    /// `1.2.398.3.3.4.3.2.1`: remote identification through a digital ID.
    IdentificationRemoteDigitalId,
    /// `1.2.398.5.19.1.2.2.1`: participant of the "Treasury – Client" system
    /// (Казначейство – Клиент).
    TreasuryClient,
}

/// Every role, in the order of its identifier.
const ALL: [NcaRole; 18] = [
    NcaRole::Individual,
    NcaRole::IndividualInformationSystem,
    NcaRole::Organization,
    NcaRole::FirstHead,
    NcaRole::SigningAuthority,
    NcaRole::FinancialSigningAuthority,
    NcaRole::HumanResources,
    NcaRole::Employee,
    NcaRole::OrganizationInformationSystem,
    NcaRole::NcaPrivileges,
    NcaRole::NcaAdministrator,
    NcaRole::NcaManager,
    NcaRole::NcaOperator,
    NcaRole::Identification,
    NcaRole::IdentificationCon,
    NcaRole::IdentificationRemote,
    NcaRole::IdentificationRemoteDigitalId,
    NcaRole::TreasuryClient,
];

impl NcaRole {
    /// The role an extended key usage identifier stands for, if it is one of the NCA's.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        ALL.into_iter().find(|role| role.oid() == *oid)
    }

    /// The identifier of this role.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Individual => literal!("1.2.398.3.3.4.1.1"),
            Self::IndividualInformationSystem => literal!("1.2.398.3.3.4.1.1.1"),
            Self::Organization => literal!("1.2.398.3.3.4.1.2"),
            Self::FirstHead => literal!("1.2.398.3.3.4.1.2.1"),
            Self::SigningAuthority => literal!("1.2.398.3.3.4.1.2.2"),
            Self::FinancialSigningAuthority => literal!("1.2.398.3.3.4.1.2.3"),
            Self::HumanResources => literal!("1.2.398.3.3.4.1.2.4"),
            Self::Employee => literal!("1.2.398.3.3.4.1.2.5"),
            Self::OrganizationInformationSystem => literal!("1.2.398.3.3.4.1.2.6"),
            Self::NcaPrivileges => literal!("1.2.398.3.3.4.2"),
            Self::NcaAdministrator => literal!("1.2.398.3.3.4.2.1"),
            Self::NcaManager => literal!("1.2.398.3.3.4.2.2"),
            Self::NcaOperator => literal!("1.2.398.3.3.4.2.3"),
            Self::Identification => literal!("1.2.398.3.3.4.3"),
            Self::IdentificationCon => literal!("1.2.398.3.3.4.3.1"),
            Self::IdentificationRemote => literal!("1.2.398.3.3.4.3.2"),
            Self::IdentificationRemoteDigitalId => literal!("1.2.398.3.3.4.3.2.1"),
            Self::TreasuryClient => literal!("1.2.398.5.19.1.2.2.1"),
        }
    }

    /// The role's name as its source writes it: the Russian wording where one was found,
    /// otherwise NCANode's enum name.
    pub fn published_name(self) -> &'static str {
        match self {
            Self::Individual => "Физическое лицо",
            Self::IndividualInformationSystem => "Информационная система физического лица",
            Self::Organization => "Юридическое лицо",
            Self::FirstHead => "Первый руководитель юридического лица, имеющий право подписи",
            Self::SigningAuthority => "Лицо, наделенное правом подписи",
            Self::FinancialSigningAuthority => {
                "Лицо, наделенное правом подписи финансовых документов"
            }
            Self::HumanResources => {
                "Сотрудник отдела кадров, наделенный правом подтверждать заявки на выпуск \
                 регистрационных свидетельств поданные от сотрудников юридического лица"
            }
            Self::Employee => "Сотрудник организации",
            Self::OrganizationInformationSystem => "Информационная система юридического лица",
            Self::NcaPrivileges => "Полномочия в информационной системе НУЦ РК",
            Self::NcaAdministrator => "Администратор НУЦ РК",
            Self::NcaManager => "Менеджер НУЦ РК",
            Self::NcaOperator => "Оператор НУЦ РК",
            Self::Identification => "IDENTIFICATION",
            Self::IdentificationCon => "IDENTIFICATION_CON",
            Self::IdentificationRemote => "IDENTIFICATION_REMOTE",
            Self::IdentificationRemoteDigitalId => "IDENTIFICATION_REMOTE_DIGITAL_ID",
            Self::TreasuryClient => "участник цифровой системы «Казначейство – Клиент»",
        }
    }

    /// A short English description, for reports.
    pub fn description(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::IndividualInformationSystem => "information system of an individual",
            Self::Organization => "legal entity",
            Self::FirstHead => "first head of the legal entity, with the right to sign",
            Self::SigningAuthority => "person with the right to sign",
            Self::FinancialSigningAuthority => "person with the right to sign financial documents",
            Self::HumanResources => "HR employee who confirms employees' certificate applications",
            Self::Employee => "employee of the organisation",
            Self::OrganizationInformationSystem => "information system of a legal entity",
            Self::NcaPrivileges => "powers in the NCA information system",
            Self::NcaAdministrator => "NCA administrator",
            Self::NcaManager => "NCA manager",
            Self::NcaOperator => "NCA operator",
            Self::Identification => "identification (meaning not published)",
            Self::IdentificationCon => "identification, CON (meaning not published)",
            Self::IdentificationRemote => "remote identification (meaning not published)",
            Self::IdentificationRemoteDigitalId => {
                "remote identification by digital ID (meaning not published)"
            }
            Self::TreasuryClient => "participant of the Treasury – Client system",
        }
    }
}

impl fmt::Display for NcaRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips() {
        for role in ALL {
            let oid = role.oid();
            assert_eq!(NcaRole::from_oid(&oid), Some(role));
            assert!(!role.published_name().is_empty());
            assert!(oid.starts_with(super::super::oid::KAZAKHSTAN));
            assert_eq!(
                ALL.iter().filter(|r| r.oid() == oid).count(),
                1,
                "{oid} twice"
            );
        }
    }

    #[test]
    fn meanings() {
        let role = |s| NcaRole::from_oid(&ObjectIdentifier::new_unwrap(s));
        assert_eq!(role("1.2.398.3.3.4.1.1"), Some(NcaRole::Individual));
        assert_eq!(role("1.2.398.3.3.4.1.2"), Some(NcaRole::Organization));
        assert_eq!(role("1.2.398.3.3.4.1.2.1"), Some(NcaRole::FirstHead));
        assert_eq!(role("1.2.398.3.3.4.1.2.2"), Some(NcaRole::SigningAuthority));
        assert_eq!(
            role("1.2.398.3.3.4.1.2.3"),
            Some(NcaRole::FinancialSigningAuthority)
        );
        assert_eq!(role("1.2.398.3.3.4.1.2.4"), Some(NcaRole::HumanResources));
        assert_eq!(role("1.2.398.3.3.4.1.2.5"), Some(NcaRole::Employee));
        assert_eq!(role("1.2.398.3.3.4.1.2.99"), None);
        assert_eq!(role("1.3.6.1.5.5.7.3.4"), None);
        assert_eq!(
            NcaRole::FirstHead.published_name(),
            "Первый руководитель юридического лица, имеющий право подписи"
        );
    }

    #[test]
    fn serialises_as_snake_case() {
        assert_eq!(
            serde_json::to_string(&NcaRole::FirstHead).unwrap(),
            "\"first_head\""
        );
    }
}
