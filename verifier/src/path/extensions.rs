//! The certificate extensions path validation processes (RFC 5280 §4.2.1), decoded once per
//! certificate, and the critical ones it does not process.

use const_oid::ObjectIdentifier;
use der::{Decode, Sequence};
use x509_cert::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, CertificatePolicies, ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage,
    NameConstraints, PolicyConstraints, PolicyMappings, SubjectAltName, SubjectKeyIdentifier,
};

use super::error::Malformation;
use super::oid;

/// `BasicConstraints` (RFC 5280 §4.2.1.9) with `pathLenConstraint` as wide as a `u32`:
/// `x509-cert`'s type stops at 255, which the ASN.1 `INTEGER (0..MAX)` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Sequence)]
struct BasicConstraintsSyntax {
    #[asn1(default = "Default::default")]
    ca: bool,
    path_len_constraint: Option<u32>,
}

/// What `basicConstraints` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicConstraints {
    /// Whether the subject is a CA.
    pub(crate) ca: bool,
    /// The most non-self-issued intermediates that may follow.
    pub(crate) path_len: Option<u32>,
}

/// What `extKeyUsage` says, and whether it is critical (RFC 3161 §2.3 demands it is, for a
/// time-stamping authority).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExtendedKeyUsageExt {
    pub(crate) critical: bool,
    pub(crate) purposes: Vec<ObjectIdentifier>,
}

/// The extensions of one certificate that path validation reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extensions {
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) extended_key_usage: Option<ExtendedKeyUsageExt>,
    /// The policy identifiers of `certificatePolicies`, each once, in order.
    pub(crate) policies: Option<Vec<ObjectIdentifier>>,
    /// `(issuerDomainPolicy, subjectDomainPolicy)` pairs.
    pub(crate) policy_mappings: Option<Vec<(ObjectIdentifier, ObjectIdentifier)>>,
    pub(crate) policy_constraints: Option<PolicyConstraints>,
    pub(crate) inhibit_any_policy: Option<u32>,
    pub(crate) name_constraints: Option<NameConstraints>,
    pub(crate) subject_alt_name: Option<Vec<GeneralName>>,
    pub(crate) subject_key_id: Option<Vec<u8>>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    /// Critical extensions not listed above, in order (RFC 5280 §4.2: "A certificate-using
    /// system MUST reject the certificate if it encounters a critical extension it does not
    /// recognize").
    pub(crate) unprocessed_critical: Vec<ObjectIdentifier>,
}

impl Extensions {
    /// Decodes the extensions of `tbs`.
    ///
    /// # Errors
    /// [`Malformation::DuplicateExtension`] for an extension present twice (RFC 5280 §4.2),
    /// [`Malformation::Extension`] for one of the extensions above that does not decode.
    pub(crate) fn decode(tbs: &TbsCertificate) -> Result<Self, Malformation> {
        let mut out = Self::default();
        let list: &[Extension] = tbs.extensions().map_or(&[], Vec::as_slice);
        for (index, extension) in list.iter().enumerate() {
            let oid = extension.extn_id;
            if list[..index].iter().any(|earlier| earlier.extn_id == oid) {
                return Err(Malformation::DuplicateExtension { oid });
            }
            out.decode_one(extension)?;
        }
        Ok(out)
    }

    fn decode_one(&mut self, extension: &Extension) -> Result<(), Malformation> {
        match extension.extn_id {
            oid::BASIC_CONSTRAINTS => {
                let bc: BasicConstraintsSyntax = value(extension, "basicConstraints")?;
                self.basic_constraints = Some(BasicConstraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                });
            }
            oid::KEY_USAGE => self.key_usage = Some(value(extension, "keyUsage")?),
            oid::EXT_KEY_USAGE => {
                let eku: ExtendedKeyUsage = value(extension, "extKeyUsage")?;
                self.extended_key_usage = Some(ExtendedKeyUsageExt {
                    critical: extension.critical,
                    purposes: eku.0,
                });
            }
            oid::CERTIFICATE_POLICIES => {
                // Qualifiers are read only as far as `PolicyQualifierInfo` (an OID and any
                // value): they change nothing in §6.1 and this verifier does not display them.
                let policies: CertificatePolicies = value(extension, "certificatePolicies")?;
                let mut ids: Vec<ObjectIdentifier> = Vec::with_capacity(policies.0.len());
                for info in policies.0 {
                    if !ids.contains(&info.policy_identifier) {
                        ids.push(info.policy_identifier);
                    }
                }
                self.policies = Some(ids);
            }
            oid::POLICY_MAPPINGS => {
                let mappings: PolicyMappings = value(extension, "policyMappings")?;
                self.policy_mappings = Some(
                    mappings
                        .0
                        .into_iter()
                        .map(|m| (m.issuer_domain_policy, m.subject_domain_policy))
                        .collect(),
                );
            }
            oid::POLICY_CONSTRAINTS => {
                self.policy_constraints = Some(value(extension, "policyConstraints")?);
            }
            oid::INHIBIT_ANY_POLICY => {
                let skip: InhibitAnyPolicy = value(extension, "inhibitAnyPolicy")?;
                self.inhibit_any_policy = Some(skip.0);
            }
            oid::NAME_CONSTRAINTS => {
                self.name_constraints = Some(value(extension, "nameConstraints")?);
            }
            oid::SUBJECT_ALT_NAME => {
                let san: SubjectAltName = value(extension, "subjectAltName")?;
                self.subject_alt_name = Some(san.0);
            }
            oid::SUBJECT_KEY_IDENTIFIER => {
                let ski: SubjectKeyIdentifier = value(extension, "subjectKeyIdentifier")?;
                self.subject_key_id = Some(ski.0.as_bytes().to_vec());
            }
            oid::AUTHORITY_KEY_IDENTIFIER => {
                let aki: AuthorityKeyIdentifier = value(extension, "authorityKeyIdentifier")?;
                self.authority_key_id = aki.key_identifier.map(|id| id.as_bytes().to_vec());
            }
            other if extension.critical => self.unprocessed_critical.push(other),
            _ => {}
        }
        Ok(())
    }
}

fn value<'a, T>(extension: &'a Extension, name: &'static str) -> Result<T, Malformation>
where
    T: Decode<'a, Error = der::Error>,
{
    T::from_der(extension.extn_value.as_bytes()).map_err(|e| Malformation::Extension {
        oid: extension.extn_id,
        name,
        reason: e.to_string(),
    })
}
