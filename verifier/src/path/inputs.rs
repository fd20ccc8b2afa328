//! What path validation is given (RFC 5280 §6.1.1), besides the path it builds itself.

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use der::DateTime;

use super::anchor::TrustAnchor;
use super::certificate::ParsedCertificate;
use super::error::PathError;
use super::oid::ANY_POLICY;
use super::purpose::Purpose;
use super::validated::ValidatedPath;
use crate::cache::VerificationCache;

/// The longest path accepted by default, trust anchor excluded.
pub const DEFAULT_MAX_PATH_LENGTH: usize = 10;

/// The policy inputs of RFC 5280 §6.1.1(c) and (e)-(g).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInputs {
    /// `user-initial-policy-set`: the policies the caller accepts; `{anyPolicy}` (the default)
    /// accepts any.
    pub user_initial_policy_set: BTreeSet<ObjectIdentifier>,
    /// `initial-explicit-policy`: demand that the path be valid for at least one policy of
    /// the set above.
    pub initial_explicit_policy: bool,
    /// `initial-policy-mapping-inhibit`: refuse policy mapping.
    pub initial_policy_mapping_inhibit: bool,
    /// `initial-any-policy-inhibit`: do not let anyPolicy in a certificate stand for the
    /// policies expected of it.
    pub initial_any_policy_inhibit: bool,
}

impl Default for PolicyInputs {
    fn default() -> Self {
        Self {
            user_initial_policy_set: BTreeSet::from([ANY_POLICY]),
            initial_explicit_policy: false,
            initial_policy_mapping_inhibit: false,
            initial_any_policy_inhibit: false,
        }
    }
}

/// Everything path validation needs: the certificate, where to look for its issuers, what to
/// trust, when, and for what.
///
/// Build one with [`new`](Self::new) and set the other fields as needed, then call
/// [`validate`](Self::validate).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PathInputs<'a> {
    /// The end-entity certificate.
    pub end_entity: &'a ParsedCertificate,
    /// Candidate intermediate certificates, from the signed object or supplied separately,
    /// in any order. None of them is trusted for being here.
    pub intermediates: &'a [ParsedCertificate],
    /// The trust anchors a path must end at.
    pub anchors: &'a [TrustAnchor],
    /// The time at which every certificate must be valid (RFC 5280 §6.1.1(b)).
    pub time: DateTime,
    /// What the end-entity certificate will be used for.
    pub purpose: Purpose,
    /// The policy inputs.
    pub policy: PolicyInputs,
    /// The most certificates a path may hold, trust anchor excluded.
    pub max_path_length: usize,
    /// Where certificate signatures that verified are remembered across validations (see
    /// [`crate::cache`]); `None` (the default) checks every signature.
    pub verification_cache: Option<VerificationCache>,
}

impl<'a> PathInputs<'a> {
    /// Inputs for `end_entity` at `time` against `anchors`: no intermediates, purpose
    /// [`Purpose::document_signing`], default [`PolicyInputs`], and paths of at most
    /// [`DEFAULT_MAX_PATH_LENGTH`] certificates.
    #[must_use]
    pub fn new(
        end_entity: &'a ParsedCertificate,
        anchors: &'a [TrustAnchor],
        time: DateTime,
    ) -> Self {
        Self {
            end_entity,
            intermediates: &[],
            anchors,
            time,
            purpose: Purpose::document_signing(),
            policy: PolicyInputs::default(),
            max_path_length: DEFAULT_MAX_PATH_LENGTH,
            verification_cache: None,
        }
    }

    /// Builds paths from the end-entity certificate to the anchors and returns the first that
    /// validates.
    ///
    /// # Errors
    /// The most informative [`PathError`] among the candidate paths tried:
    /// [`PathError::NoChain`] if none reaches an anchor.
    pub fn validate(&self) -> Result<ValidatedPath, PathError> {
        super::build::build_and_validate(self)
    }
}
