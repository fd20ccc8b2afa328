//! NCA policy identifiers: certificate policies (RFC 5280 §4.2.1.4) and time-stamp policies
//! (the `policy` of an RFC 3161 `TSTInfo`).
//!
//! Sources for the meanings (the NCA's register at `root.gov.kz/oid/` could not be retrieved
//! here):
//!
//! * `1.2.398.3.3.1.1` and `1.2.398.3.3.2.1` … `1.2.398.3.3.2.4`: the Russian titles listed
//!   in `ru.ussgroup.security.trusty.TrustyUtils` and in a Kalkan-based Java `PkiValidator`
//!   that cites the NCA rules and `root.gov.kz/oid/` ("Для НУЦ определены четыре номера");
//!   that validator also notes a test certificate carrying the parent arc `1.2.398.3.3.2`
//!   itself ("Политики применения регистрационных свидетельств"), as
//!   `ca/nca_gost2015_test.cer` does.
//! * `1.2.398.3.3.2.6.1` … `1.2.398.3.3.2.6.4`: Kalkan's `KNCAObjectIdentifiers`
//!   (`tsa_gost_policy`, `tsa_rsa_policy`, `tsa_gostgt_policy`, `tsa_gost2015_policy`) as
//!   NCANode's documentation and the configuration of a Go Kalkan TSP client list them, the
//!   latter with the signature algorithm of each.

use core::fmt;

use const_oid::ObjectIdentifier;
use serde::Serialize;

use super::oid::literal;

/// A policy identifier assigned by the NCA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NcaPolicy {
    /// `1.2.398.3.3.1.1`: the regulations (Регламент) of the National Certification Centre,
    /// carried by the NCA's intermediate CA certificates.
    NcaRegulations,
    /// `1.2.398.3.3.2`: the certificate policies of the NCA as a whole (the parent arc of
    /// the four below), carried by the 2022 GOST test CA.
    CertificatePolicies,
    /// `1.2.398.3.3.2.1`: policy for digital-signature certificates of legal entities.
    LegalEntitySigning,
    /// `1.2.398.3.3.2.2`: policy for authentication certificates of legal entities.
    LegalEntityAuthentication,
    /// `1.2.398.3.3.2.3`: policy for digital-signature certificates of individuals.
    IndividualSigning,
    /// `1.2.398.3.3.2.4`: policy for authentication certificates of individuals.
    IndividualAuthentication,
    /// `1.2.398.3.3.2.6.1`: time-stamp policy, token signed with GOST 34.310-2004
    /// (`1.2.398.3.10.1.1.1.2`).
    TimeStampGost2004,
    /// `1.2.398.3.3.2.6.2`: time-stamp policy, token signed with RSA and SHA-256.
    TimeStampRsa,
    /// `1.2.398.3.3.2.6.3`: time-stamp policy, token signed with GOST 34.310-2004 under
    /// the identifier `1.3.6.1.4.1.6801.1.2.2` ("GOST GT").
    TimeStampGostGt,
    /// `1.2.398.3.3.2.6.4`: time-stamp policy, token signed with GOST 34.10-2015, 512 bits
    /// (`1.2.398.3.10.1.1.2.3.2`).
    TimeStampGost2015,
}

/// Every policy, in the order of its identifier.
const ALL: [NcaPolicy; 10] = [
    NcaPolicy::NcaRegulations,
    NcaPolicy::CertificatePolicies,
    NcaPolicy::LegalEntitySigning,
    NcaPolicy::LegalEntityAuthentication,
    NcaPolicy::IndividualSigning,
    NcaPolicy::IndividualAuthentication,
    NcaPolicy::TimeStampGost2004,
    NcaPolicy::TimeStampRsa,
    NcaPolicy::TimeStampGostGt,
    NcaPolicy::TimeStampGost2015,
];

impl NcaPolicy {
    /// The policy `oid` stands for, if it is one of the NCA's.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        ALL.into_iter().find(|policy| policy.oid() == *oid)
    }

    /// The identifier of this policy.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::NcaRegulations => literal!("1.2.398.3.3.1.1"),
            Self::CertificatePolicies => literal!("1.2.398.3.3.2"),
            Self::LegalEntitySigning => literal!("1.2.398.3.3.2.1"),
            Self::LegalEntityAuthentication => literal!("1.2.398.3.3.2.2"),
            Self::IndividualSigning => literal!("1.2.398.3.3.2.3"),
            Self::IndividualAuthentication => literal!("1.2.398.3.3.2.4"),
            Self::TimeStampGost2004 => literal!("1.2.398.3.3.2.6.1"),
            Self::TimeStampRsa => literal!("1.2.398.3.3.2.6.2"),
            Self::TimeStampGostGt => literal!("1.2.398.3.3.2.6.3"),
            Self::TimeStampGost2015 => literal!("1.2.398.3.3.2.6.4"),
        }
    }

    /// The policy's title as its source writes it: Russian for the certificate policies,
    /// Kalkan's constant name for the time-stamp policies.
    pub fn published_name(self) -> &'static str {
        match self {
            Self::NcaRegulations => {
                "Регламент Национального удостоверяющего центра Республики Казахстан"
            }
            Self::CertificatePolicies => "Политики применения регистрационных свидетельств",
            Self::LegalEntitySigning => {
                "Политика применения регистрационных свидетельств электронной цифровой \
                 подписи юридических лиц Республики Казахстан"
            }
            Self::LegalEntityAuthentication => {
                "Политика применения регистрационных свидетельств аутентификации \
                 юридических лиц Республики Казахстан"
            }
            Self::IndividualSigning => {
                "Политика применения регистрационных свидетельств электронной цифровой \
                 подписи физических лиц Республики Казахстан"
            }
            Self::IndividualAuthentication => {
                "Политика применения регистрационных свидетельств аутентификации \
                 физических лиц Республики Казахстан"
            }
            Self::TimeStampGost2004 => "tsa_gost_policy",
            Self::TimeStampRsa => "tsa_rsa_policy",
            Self::TimeStampGostGt => "tsa_gostgt_policy",
            Self::TimeStampGost2015 => "tsa_gost2015_policy",
        }
    }

    /// A short English description, for reports.
    pub fn description(self) -> &'static str {
        match self {
            Self::NcaRegulations => "regulations of the National Certification Centre",
            Self::CertificatePolicies => "NCA certificate policies",
            Self::LegalEntitySigning => "signing certificate of a legal entity",
            Self::LegalEntityAuthentication => "authentication certificate of a legal entity",
            Self::IndividualSigning => "signing certificate of an individual",
            Self::IndividualAuthentication => "authentication certificate of an individual",
            Self::TimeStampGost2004 => "time-stamp signed with GOST 34.310-2004",
            Self::TimeStampRsa => "time-stamp signed with RSA/SHA-256",
            Self::TimeStampGostGt => "time-stamp signed with GOST 34.310-2004 (GT identifier)",
            Self::TimeStampGost2015 => "time-stamp signed with GOST 34.10-2015 (512 bits)",
        }
    }
}

impl fmt::Display for NcaPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_round_trips() {
        for policy in ALL {
            let oid = policy.oid();
            assert_eq!(NcaPolicy::from_oid(&oid), Some(policy));
            assert!(oid.starts_with(super::super::oid::KAZAKHSTAN));
            assert_eq!(ALL.iter().filter(|p| p.oid() == oid).count(), 1);
        }
    }

    #[test]
    fn meanings() {
        let policy = |s| NcaPolicy::from_oid(&ObjectIdentifier::new_unwrap(s));
        assert_eq!(
            policy("1.2.398.3.3.2.1"),
            Some(NcaPolicy::LegalEntitySigning)
        );
        assert_eq!(
            policy("1.2.398.3.3.2.3"),
            Some(NcaPolicy::IndividualSigning)
        );
        assert_eq!(
            policy("1.2.398.3.3.2.4"),
            Some(NcaPolicy::IndividualAuthentication)
        );
        assert_eq!(
            policy("1.2.398.3.3.2.6.1"),
            Some(NcaPolicy::TimeStampGost2004)
        );
        assert_eq!(policy("1.2.398.3.3.2.5"), None);
        assert_eq!(policy("2.5.29.32.0"), None);
    }
}
