//! The result of a successful validation (RFC 5280 §6.1.6).

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;

use super::anchor::TrustAnchor;
use super::certificate::ParsedCertificate;
use crate::crypto::{PublicKey, SignatureError};

/// The certificate policies a validated path is good for (RFC 5280 §6.1.5(g)).
///
/// Both sets name policies in the trust anchor's domain (before any policy mapping) and hold
/// anyPolicy when every policy is acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidPolicies {
    pub(crate) authorities_constrained: BTreeSet<ObjectIdentifier>,
    pub(crate) user_constrained: BTreeSet<ObjectIdentifier>,
    pub(crate) explicit_policy_required: bool,
}

impl ValidPolicies {
    /// The policies the CAs of the path allow, whatever the caller asked.
    #[must_use]
    pub fn authorities_constrained(&self) -> &BTreeSet<ObjectIdentifier> {
        &self.authorities_constrained
    }

    /// The authorities-constrained policies that are also in the caller's
    /// user-initial-policy-set. Empty when none is; the path is then valid only because no
    /// explicit policy was required.
    #[must_use]
    pub fn user_constrained(&self) -> &BTreeSet<ObjectIdentifier> {
        &self.user_constrained
    }

    /// Whether an explicit policy was required by the end (`explicit_policy` reached 0).
    #[must_use]
    pub fn explicit_policy_required(&self) -> bool {
        self.explicit_policy_required
    }
}

/// A certification path that validated: its certificates, the anchor it ends at, its valid
/// policies and the end-entity key.
#[derive(Debug, Clone)]
pub struct ValidatedPath {
    pub(crate) certificates: Vec<ParsedCertificate>,
    pub(crate) anchor: TrustAnchor,
    pub(crate) policies: ValidPolicies,
}

impl ValidatedPath {
    /// The certificates from the end entity (first) to the one the anchor issued (last). The
    /// anchor is not among them.
    #[must_use]
    pub fn certificates(&self) -> &[ParsedCertificate] {
        &self.certificates
    }

    /// The end-entity certificate.
    #[must_use]
    pub fn end_entity(&self) -> &ParsedCertificate {
        // Never empty: validation builds it with the end entity first, or fails.
        &self.certificates[0]
    }

    /// The trust anchor the path ends at.
    #[must_use]
    pub fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }

    /// The policies the path is valid for.
    #[must_use]
    pub fn policies(&self) -> &ValidPolicies {
        &self.policies
    }

    /// The end entity's `SubjectPublicKeyInfo` (`working_public_key` and its algorithm,
    /// RFC 5280 §6.1.6).
    #[must_use]
    pub fn working_public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        self.end_entity()
            .certificate()
            .tbs_certificate()
            .subject_public_key_info()
    }

    /// The end entity's key, ready to verify signatures.
    ///
    /// # Errors
    /// As [`PublicKey::from_spki`]: a path can validate while its end-entity key is one this
    /// verifier cannot use (a GOST key under an RSA CA, say).
    pub fn public_key(&self) -> Result<PublicKey, SignatureError> {
        PublicKey::from_spki(self.working_public_key_info())
    }
}
