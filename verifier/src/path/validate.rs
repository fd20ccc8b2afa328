//! Basic path validation (RFC 5280 §6.1.2-§6.1.5) of one candidate path: the state
//! variables, the processing of each certificate from the anchor down, and the wrap-up.

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use der::DateTime;
use x509_cert::certificate::Version;

use super::certificate::ParsedCertificate;
use super::constraints::NameConstraintsState;
use super::error::{CertRef, ConstraintViolation, NoChainReason, PathError};
use super::extensions::Extensions;
use super::inputs::PathInputs;
use super::name::names_match;
use super::oid::ANY_POLICY;
use super::policy::{PolicyGraph, user_constrained};
use super::purpose;
use super::signature::{Pool, SignatureCache, Signer};
use super::validated::{ValidPolicies, ValidatedPath};

/// A candidate path: pool indices from the end entity (first) up, and the anchor's index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'p> {
    pub(crate) certs: &'p [usize],
    pub(crate) anchor: usize,
}

/// The state variables of RFC 5280 §6.1.2 that outlive one certificate.
struct State {
    /// (a) `valid_policy_tree`, as a graph; `None` is NULL.
    graph: Option<PolicyGraph>,
    /// (b)-(c) `permitted_subtrees`, `excluded_subtrees`.
    names: NameConstraintsState,
    /// (d) `explicit_policy`, and the position of the CA whose requireExplicitPolicy set it
    /// (`None`: the initial value).
    explicit_policy: usize,
    explicit_policy_by: Option<usize>,
    /// (e) `inhibit_anyPolicy`.
    inhibit_any_policy: usize,
    /// (f) `policy_mapping`.
    policy_mapping: usize,
    /// (g)-(j) the working key and name: whose key signs the next certificate.
    working_issuer: Signer,
    /// (k) `max_path_length`, and the CA whose pathLenConstraint set it.
    max_path_length: usize,
    max_path_length_by: Option<(usize, u32)>,
}

/// One certificate under processing: where it stands and what it is.
struct Step<'a> {
    cert: &'a ParsedCertificate,
    ext: &'a Extensions,
    id: usize,
    position: usize,
    self_issued: bool,
}

impl Step<'_> {
    fn at(&self) -> CertRef {
        self.cert.at(self.position)
    }

    fn violation(&self, violation: ConstraintViolation) -> PathError {
        PathError::Constraint {
            cert: self.at(),
            violation,
        }
    }
}

/// The initial value of a counter: 0 when the caller sets the inhibiting input, n+1 otherwise
/// (RFC 5280 §6.1.2(d)-(f)).
fn initial(set: bool, n: usize) -> usize {
    if set { 0 } else { n + 1 }
}

/// Validates one candidate path, from the anchor down (RFC 5280 §6.1).
pub(crate) fn validate(
    pool: &Pool<'_>,
    candidate: Candidate<'_>,
    inputs: &PathInputs<'_>,
    signatures: &mut SignatureCache,
) -> Result<ValidatedPath, PathError> {
    let n = candidate.certs.len();
    let policy = &inputs.policy;
    let mut state = State {
        graph: Some(PolicyGraph::new()),
        names: NameConstraintsState::default(),
        explicit_policy: initial(policy.initial_explicit_policy, n),
        explicit_policy_by: None,
        inhibit_any_policy: initial(policy.initial_any_policy_inhibit, n),
        policy_mapping: initial(policy.initial_policy_mapping_inhibit, n),
        working_issuer: Signer::Anchor(candidate.anchor),
        max_path_length: n,
        max_path_length_by: None,
    };

    for i in 1..=n {
        // Certificate i of RFC 5280 counts from the anchor; positions count from the leaf.
        let position = n - i;
        let Some((id, cert)) = candidate
            .certs
            .get(position)
            .and_then(|&id| pool.certs.get(id).map(|cert| (id, *cert)))
        else {
            return Err(no_chain(pool, candidate));
        };
        let context = Context {
            pool,
            inputs,
            signatures: &mut *signatures,
        };
        process(context, &mut state, cert, id, position, i == n)?;
    }
    wrap_up(pool, candidate, inputs, state)
}

/// What the processing of every certificate consults.
struct Context<'c, 'a> {
    pool: &'c Pool<'a>,
    inputs: &'c PathInputs<'a>,
    signatures: &'c mut SignatureCache,
}

/// §6.1.3 for certificate i, and §6.1.4 unless it is the last.
fn process(
    context: Context<'_, '_>,
    state: &mut State,
    cert: &ParsedCertificate,
    id: usize,
    position: usize,
    last: bool,
) -> Result<(), PathError> {
    let Context {
        pool,
        inputs,
        signatures,
    } = context;
    // (a)(1): the signature, by the working public key.
    signatures
        .check(pool, state.working_issuer, id)
        .map_err(|failure| {
            failure.into_error(cert.at(position), pool.signer_name(state.working_issuer))
        })?;
    // (a)(2): validity at the validation time.
    check_validity(cert, position, inputs.time)?;
    // (a)(3), revocation, is left to the revocation checks that consume the validated path.
    // (a)(4): path building chains only certificates whose issuer is the working issuer
    // name; checked again here so that this function alone upholds §6.1.
    let issuer_name_matches = match state.working_issuer {
        Signer::Anchor(index) => pool
            .anchors
            .get(index)
            .is_some_and(|anchor| names_match(cert.issuer(), anchor.subject())),
        Signer::Cert(index) => pool
            .certs
            .get(index)
            .is_some_and(|issuer| names_match(cert.issuer(), issuer.subject())),
    };
    if !issuer_name_matches {
        return Err(PathError::NoChain {
            cert: cert.at(position),
            issuer: cert.issuer_text().to_owned(),
            reason: NoChainReason::IssuerNotFound,
        });
    }
    let ext = cert
        .extensions()
        .map_err(|malformation| PathError::Malformed {
            cert: cert.at(position),
            malformation: malformation.clone(),
        })?;
    let step = Step {
        cert,
        ext,
        id,
        position,
        self_issued: cert.is_self_issued(),
    };

    // (b)-(c): name constraints, for every certificate but self-issued intermediates.
    if !step.self_issued || last {
        state
            .names
            .check(cert.subject(), ext.subject_alt_name.as_deref())
            .map_err(|v| step.violation(v))?;
    }

    // (d)-(e): policies.
    let any_policy_allowed = state.inhibit_any_policy > 0 || (!last && step.self_issued);
    state.graph = state
        .graph
        .take()
        .and_then(|graph| graph.process_certificate(ext.policies.as_deref(), any_policy_allowed));
    // (f)
    if state.explicit_policy == 0 && state.graph.is_none() {
        return Err(step.violation(ConstraintViolation::ExplicitPolicy {
            required_by: state.explicit_policy_by,
        }));
    }

    if last {
        return Ok(());
    }
    prepare_next(state, &step)
}

fn check_validity(
    cert: &ParsedCertificate,
    position: usize,
    at: DateTime,
) -> Result<(), PathError> {
    let validity = cert.certificate().tbs_certificate().validity();
    let not_before = validity.not_before.to_date_time();
    let not_after = validity.not_after.to_date_time();
    // RFC 5280 §4.1.2.5: "from notBefore through notAfter, inclusive".
    if at < not_before {
        return Err(PathError::NotYetValid {
            cert: cert.at(position),
            not_before,
            not_after,
            at,
        });
    }
    if at > not_after {
        return Err(PathError::Expired {
            cert: cert.at(position),
            not_before,
            not_after,
            at,
        });
    }
    Ok(())
}

/// §6.1.4: preparation for certificate i+1, with certificate i an intermediate CA.
fn prepare_next(state: &mut State, step: &Step<'_>) -> Result<(), PathError> {
    let ext = step.ext;
    // (a)-(b): policy mappings.
    if let Some(mappings) = &ext.policy_mappings {
        if mappings
            .iter()
            .any(|(from, to)| *from == ANY_POLICY || *to == ANY_POLICY)
        {
            return Err(step.violation(ConstraintViolation::AnyPolicyMapping));
        }
        let allowed = state.policy_mapping > 0;
        state.graph = state
            .graph
            .take()
            .and_then(|graph| graph.apply_mappings(mappings, allowed));
    }
    // (c)-(f): the certificate's key and name sign and name the next one.
    state.working_issuer = Signer::Cert(step.id);
    // (g): name constraints.
    if let Some(constraints) = &ext.name_constraints {
        state
            .names
            .add(constraints, step.position)
            .map_err(|malformation| PathError::Malformed {
                cert: step.at(),
                malformation,
            })?;
    }
    // (h): counters fall by one at each certificate that is not self-issued.
    if !step.self_issued {
        for counter in [
            &mut state.explicit_policy,
            &mut state.policy_mapping,
            &mut state.inhibit_any_policy,
        ] {
            *counter = counter.saturating_sub(1);
        }
    }
    // (i): policyConstraints can only lower them.
    if let Some(constraints) = &ext.policy_constraints {
        if let Some(skip) = constraints.require_explicit_policy
            && (skip as usize) < state.explicit_policy
        {
            state.explicit_policy = skip as usize;
            state.explicit_policy_by = Some(step.position);
        }
        if let Some(skip) = constraints.inhibit_policy_mapping {
            state.policy_mapping = state.policy_mapping.min(skip as usize);
        }
    }
    // (j): inhibitAnyPolicy likewise.
    if let Some(skip) = ext.inhibit_any_policy {
        state.inhibit_any_policy = state.inhibit_any_policy.min(skip as usize);
    }
    // (k): a CA, by a version 3 basicConstraints.
    let version = step.cert.certificate().tbs_certificate().version();
    if version != Version::V3 {
        let version = if version == Version::V1 { 1 } else { 2 };
        return Err(step.violation(ConstraintViolation::LegacyCa { version }));
    }
    if !ext.basic_constraints.is_some_and(|bc| bc.ca) {
        return Err(step.violation(ConstraintViolation::NotCa));
    }
    // (l): room for one more CA below, unless self-issued.
    if !step.self_issued {
        if state.max_path_length == 0 {
            let (constrained_by, path_len_constraint) =
                state.max_path_length_by.unwrap_or((step.position, 0));
            return Err(step.violation(ConstraintViolation::PathLength {
                constrained_by,
                path_len_constraint,
            }));
        }
        state.max_path_length -= 1;
    }
    // (m): pathLenConstraint can only lower it.
    if let Some(len) = ext.basic_constraints.and_then(|bc| bc.path_len)
        && (len as usize) < state.max_path_length
    {
        state.max_path_length = len as usize;
        state.max_path_length_by = Some((step.position, len));
    }
    // (n): a CA key signs certificates only with keyCertSign, when key usage is present.
    if ext.key_usage.is_some_and(|ku| !ku.key_cert_sign()) {
        return Err(step.violation(ConstraintViolation::KeyCertSignMissing));
    }
    // (o): critical extensions not processed.
    unprocessed_critical(step)
}

fn unprocessed_critical(step: &Step<'_>) -> Result<(), PathError> {
    match step.ext.unprocessed_critical.first() {
        Some(&oid) => Err(step.violation(ConstraintViolation::UnknownCriticalExtension { oid })),
        None => Ok(()),
    }
}

/// §6.1.5, then the purpose of the end-entity certificate.
fn wrap_up(
    pool: &Pool<'_>,
    candidate: Candidate<'_>,
    inputs: &PathInputs<'_>,
    mut state: State,
) -> Result<ValidatedPath, PathError> {
    let (Some(&id), Some(anchor)) = (candidate.certs.first(), pool.anchors.get(candidate.anchor))
    else {
        return Err(no_chain(pool, candidate));
    };
    let Some(cert) = pool.certs.get(id).copied() else {
        return Err(no_chain(pool, candidate));
    };
    let ext = cert
        .extensions()
        .map_err(|malformation| PathError::Malformed {
            cert: cert.at(0),
            malformation: malformation.clone(),
        })?;
    let step = Step {
        cert,
        ext,
        id,
        position: 0,
        self_issued: cert.is_self_issued(),
    };
    // (a)
    state.explicit_policy = state.explicit_policy.saturating_sub(1);
    // (b)
    if ext
        .policy_constraints
        .as_ref()
        .and_then(|pc| pc.require_explicit_policy)
        == Some(0)
    {
        state.explicit_policy = 0;
        state.explicit_policy_by = Some(0);
    }
    // (c)-(e): the working key is the end entity's; see `ValidatedPath::public_key`.
    // (f)
    unprocessed_critical(&step)?;
    // (g)
    let authorities = state
        .graph
        .as_ref()
        .map(PolicyGraph::authorities_constrained)
        .unwrap_or_default();
    let user = user_constrained(&authorities, &inputs.policy.user_initial_policy_set);
    if state.explicit_policy == 0 && user.is_empty() {
        let violation = if state.graph.is_none() {
            ConstraintViolation::ExplicitPolicy {
                required_by: state.explicit_policy_by,
            }
        } else {
            ConstraintViolation::UserPolicy {
                user_initial_policy_set: sorted(&inputs.policy.user_initial_policy_set),
                authorities_constrained: sorted(&authorities),
            }
        };
        return Err(step.violation(violation));
    }

    purpose::check(&inputs.purpose, ext).map_err(|violation| PathError::WrongPurpose {
        cert: step.at(),
        purpose: inputs.purpose.name(),
        kind: purpose::kind(ext),
        key_usage: ext.key_usage.as_ref().map(purpose::key_usage_names),
        extended_key_usage: ext.extended_key_usage.as_ref().map(|eku| {
            eku.purposes
                .iter()
                .map(super::oid::key_purpose_name)
                .collect()
        }),
        violation,
    })?;

    let certificates: Vec<ParsedCertificate> = candidate
        .certs
        .iter()
        .filter_map(|&id| pool.certs.get(id).map(|cert| (*cert).clone()))
        .collect();
    // `ValidatedPath` relies on holding every certificate, the end entity first.
    if certificates.len() != candidate.certs.len() {
        return Err(no_chain(pool, candidate));
    }
    Ok(ValidatedPath {
        certificates,
        anchor: anchor.clone(),
        policies: ValidPolicies {
            authorities_constrained: authorities,
            user_constrained: user,
            explicit_policy_required: state.explicit_policy == 0,
        },
    })
}

fn sorted(set: &BTreeSet<ObjectIdentifier>) -> Vec<ObjectIdentifier> {
    set.iter().copied().collect()
}

/// A candidate that does not hold together (an index out of range): reported as no chain.
fn no_chain(pool: &Pool<'_>, candidate: Candidate<'_>) -> PathError {
    let leaf = pool.certs.first().copied();
    PathError::NoChain {
        cert: leaf.map_or_else(
            || CertRef::new(0, String::new(), String::new()),
            |cert| cert.at(0),
        ),
        issuer: pool.signer_name(Signer::Anchor(candidate.anchor)),
        reason: NoChainReason::IssuerNotFound,
    }
}
