//! Certificate policy processing (RFC 5280 §6.1.3(d)-(f), §6.1.4(a)-(b),(h)-(j), §6.1.5):
//! requireExplicitPolicy, policy mapping and inhibitPolicyMapping, inhibitAnyPolicy, and the
//! user-initial-policy-set, on chains made by `openssl ca`.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use std::collections::BTreeSet;

use common::pki::{CertSpec, Issued, NOW, Pki};
use common::{anchor, parsed, time};
use const_oid::ObjectIdentifier;
use verifier::path::{
    ANY_POLICY, ConstraintViolation, ParsedCertificate, PathError, PathInputs, PolicyInputs,
    TrustAnchor, ValidatedPath,
};

const P4: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.4");
const P5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.5");
const P9: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.9");

fn set(oids: &[ObjectIdentifier]) -> BTreeSet<ObjectIdentifier> {
    oids.iter().copied().collect()
}

fn explicit(user: &[ObjectIdentifier]) -> PolicyInputs {
    let mut policy = PolicyInputs {
        initial_explicit_policy: true,
        ..PolicyInputs::default()
    };
    if !user.is_empty() {
        policy.user_initial_policy_set = set(user);
    }
    policy
}

/// Validates `leaf` with `cas` (nearest first) under `root`.
fn run(
    leaf: &Issued,
    cas: &[&Issued],
    root: &Issued,
    policy: PolicyInputs,
) -> Result<ValidatedPath, PathError> {
    let leaf = parsed(leaf);
    let intermediates: Vec<ParsedCertificate> = cas.iter().map(|c| parsed(c)).collect();
    let anchors: Vec<TrustAnchor> = vec![anchor(root)];
    let mut inputs = PathInputs::new(&leaf, &anchors, time(NOW));
    inputs.intermediates = &intermediates;
    inputs.policy = policy;
    inputs.validate()
}

fn constraint(result: Result<ValidatedPath, PathError>) -> (usize, ConstraintViolation) {
    match result {
        Err(PathError::Constraint { cert, violation }) => (cert.position(), violation),
        other => panic!("expected a constraint violation, got {other:?}"),
    }
}

#[test]
fn require_explicit_policy_without_a_matching_policy() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ca = pki.issue(
        CertSpec::ca("/CN=CA")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyConstraints = critical,requireExplicitPolicy:0"),
        &root,
    );
    let other_policy = pki.issue(
        CertSpec::leaf("/CN=Other policy").ext("certificatePolicies = 1.2.3.5"),
        &ca,
    );
    let (position, violation) =
        constraint(run(&other_policy, &[&ca], &root, PolicyInputs::default()));
    assert_eq!(position, 0);
    assert_eq!(
        violation,
        ConstraintViolation::ExplicitPolicy {
            required_by: Some(1)
        }
    );
    assert_eq!(violation.rule(), "RFC 5280 §6.1.3(f), §6.1.5");

    let no_policy = pki.issue(CertSpec::leaf("/CN=No policy"), &ca);
    let (_, violation) = constraint(run(&no_policy, &[&ca], &root, PolicyInputs::default()));
    assert!(matches!(
        violation,
        ConstraintViolation::ExplicitPolicy { .. }
    ));

    let matching = pki.issue(
        CertSpec::leaf("/CN=Matching").ext("certificatePolicies = 1.2.3.4"),
        &ca,
    );
    let path = run(&matching, &[&ca], &root, PolicyInputs::default()).unwrap();
    assert_eq!(path.policies().authorities_constrained(), &set(&[P4]));
    assert_eq!(path.policies().user_constrained(), &set(&[P4]));
    assert!(path.policies().explicit_policy_required());
}

#[test]
fn policy_mapping_and_its_inhibition() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    // The CA asserts 1.2.3.4 in its issuer's domain and maps it to 1.2.3.5 for its subjects.
    let ca = pki.issue(
        CertSpec::ca("/CN=Mapping CA")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyMappings = critical,1.2.3.4:1.2.3.5"),
        &root,
    );
    let leaf = pki.issue(
        CertSpec::leaf("/CN=Leaf").ext("certificatePolicies = 1.2.3.5"),
        &ca,
    );
    let path = run(&leaf, &[&ca], &root, explicit(&[P4])).unwrap();
    assert_eq!(path.policies().authorities_constrained(), &set(&[P4]));
    assert_eq!(path.policies().user_constrained(), &set(&[P4]));

    // Named in the anchor's domain: the subject-domain policy is not acceptable as such.
    let (position, violation) = constraint(run(&leaf, &[&ca], &root, explicit(&[P5])));
    assert_eq!(position, 0);
    assert_eq!(
        violation,
        ConstraintViolation::UserPolicy {
            user_initial_policy_set: vec![P5],
            authorities_constrained: vec![P4],
        }
    );
    assert_eq!(violation.rule(), "RFC 5280 §6.1.5(g)");

    // initial-policy-mapping-inhibit deletes the mapped policy.
    let mut inhibit = explicit(&[]);
    inhibit.initial_policy_mapping_inhibit = true;
    let (position, violation) = constraint(run(&leaf, &[&ca], &root, inhibit.clone()));
    assert_eq!(position, 0);
    assert_eq!(
        violation,
        ConstraintViolation::ExplicitPolicy { required_by: None }
    );
    inhibit.initial_explicit_policy = false;
    let path = run(&leaf, &[&ca], &root, inhibit).unwrap();
    assert!(path.policies().authorities_constrained().is_empty());

    // inhibitPolicyMapping:0 in a CA above does the same.
    let top = pki.issue(
        CertSpec::ca("/CN=Top CA")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyConstraints = critical,inhibitPolicyMapping:0"),
        &root,
    );
    let mapping_below = pki.issue(
        CertSpec::ca("/CN=Mapping CA 2")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyMappings = critical,1.2.3.4:1.2.3.5"),
        &top,
    );
    let leaf2 = pki.issue(
        CertSpec::leaf("/CN=Leaf 2").ext("certificatePolicies = 1.2.3.5"),
        &mapping_below,
    );
    run(
        &leaf2,
        &[&mapping_below, &top],
        &root,
        PolicyInputs::default(),
    )
    .unwrap();
    let (position, _) = constraint(run(&leaf2, &[&mapping_below, &top], &root, explicit(&[])));
    assert_eq!(position, 0);
}

#[test]
fn mapping_any_policy_is_refused() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ca = pki.issue(
        CertSpec::ca("/CN=Bad Mapping CA")
            .ext("certificatePolicies = 2.5.29.32.0")
            .ext("policyMappings = critical,2.5.29.32.0:1.2.3.5"),
        &root,
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &ca);
    let (position, violation) = constraint(run(&leaf, &[&ca], &root, PolicyInputs::default()));
    assert_eq!(
        (position, violation),
        (1, ConstraintViolation::AnyPolicyMapping)
    );
}

#[test]
fn inhibit_any_policy() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let open_ca = pki.issue(
        CertSpec::ca("/CN=Any CA").ext("certificatePolicies = 2.5.29.32.0"),
        &root,
    );
    let inhibiting_ca = pki.issue(
        CertSpec::ca("/CN=Inhibiting CA")
            .ext("certificatePolicies = 2.5.29.32.0")
            .ext("inhibitAnyPolicy = critical,0"),
        &root,
    );
    let any_leaf = |ca: &Issued| {
        pki.issue(
            CertSpec::leaf("/CN=Any Leaf").ext("certificatePolicies = 2.5.29.32.0"),
            ca,
        )
    };

    let path = run(&any_leaf(&open_ca), &[&open_ca], &root, explicit(&[])).unwrap();
    assert_eq!(
        path.policies().authorities_constrained(),
        &set(&[ANY_POLICY])
    );

    // inhibitAnyPolicy 0: the leaf's anyPolicy no longer counts.
    let leaf = any_leaf(&inhibiting_ca);
    let (position, violation) = constraint(run(&leaf, &[&inhibiting_ca], &root, explicit(&[])));
    assert_eq!(position, 0);
    assert!(matches!(
        violation,
        ConstraintViolation::ExplicitPolicy { required_by: None }
    ));
    let path = run(&leaf, &[&inhibiting_ca], &root, PolicyInputs::default()).unwrap();
    assert!(path.policies().authorities_constrained().is_empty());

    // initial-any-policy-inhibit: the CA's anyPolicy does not carry 1.2.3.4 down.
    let specific = pki.issue(
        CertSpec::leaf("/CN=Specific Leaf").ext("certificatePolicies = 1.2.3.4"),
        &open_ca,
    );
    let path = run(&specific, &[&open_ca], &root, explicit(&[])).unwrap();
    assert_eq!(path.policies().authorities_constrained(), &set(&[P4]));
    let mut inhibit = explicit(&[]);
    inhibit.initial_any_policy_inhibit = true;
    let (position, _) = constraint(run(&specific, &[&open_ca], &root, inhibit));
    assert_eq!(
        position, 1,
        "refused at the CA, whose only policy is anyPolicy"
    );
}

#[test]
fn user_initial_policy_set_mismatch() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ca = pki.issue(
        CertSpec::ca("/CN=CA").ext("certificatePolicies = 1.2.3.4"),
        &root,
    );
    let leaf = pki.issue(
        CertSpec::leaf("/CN=Leaf").ext("certificatePolicies = 1.2.3.4"),
        &ca,
    );
    let (position, violation) = constraint(run(&leaf, &[&ca], &root, explicit(&[P9])));
    assert_eq!(position, 0);
    assert!(
        matches!(violation, ConstraintViolation::UserPolicy { .. }),
        "{violation}"
    );

    // Without initial-explicit-policy the path is valid, for none of the caller's policies.
    let lenient = PolicyInputs {
        user_initial_policy_set: set(&[P9]),
        ..PolicyInputs::default()
    };
    let path = run(&leaf, &[&ca], &root, lenient).unwrap();
    assert_eq!(path.policies().authorities_constrained(), &set(&[P4]));
    assert!(path.policies().user_constrained().is_empty());
    assert!(!path.policies().explicit_policy_required());

    // Both policies asked, one valid.
    let path = run(&leaf, &[&ca], &root, explicit(&[P4, P9])).unwrap();
    assert_eq!(path.policies().user_constrained(), &set(&[P4]));
}

#[test]
fn explicit_policy_required_only_at_the_end() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    // requireExplicitPolicy:1 lets one more certificate (the leaf) pass §6.1.3(f); the last
    // decrement (§6.1.5(a)) then demands a valid policy for the whole path.
    let ca = pki.issue(
        CertSpec::ca("/CN=CA")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyConstraints = critical,requireExplicitPolicy:1"),
        &root,
    );
    let no_policy = pki.issue(CertSpec::leaf("/CN=No policy"), &ca);
    let (position, violation) = constraint(run(&no_policy, &[&ca], &root, PolicyInputs::default()));
    assert_eq!(position, 0);
    assert_eq!(
        violation,
        ConstraintViolation::ExplicitPolicy {
            required_by: Some(1)
        }
    );
    let with_policy = pki.issue(
        CertSpec::leaf("/CN=With policy").ext("certificatePolicies = 1.2.3.4"),
        &ca,
    );
    let path = run(&with_policy, &[&ca], &root, PolicyInputs::default()).unwrap();
    assert!(path.policies().explicit_policy_required());

    // The end entity's own requireExplicitPolicy:0 (§6.1.5(b)).
    let plain_ca = pki.issue(CertSpec::ca("/CN=Plain CA"), &root);
    let demanding = pki.issue(
        CertSpec::leaf("/CN=Demanding").ext("policyConstraints = critical,requireExplicitPolicy:0"),
        &plain_ca,
    );
    let (position, violation) = constraint(run(
        &demanding,
        &[&plain_ca],
        &root,
        PolicyInputs::default(),
    ));
    assert_eq!(position, 0);
    assert_eq!(
        violation,
        ConstraintViolation::ExplicitPolicy {
            required_by: Some(0)
        }
    );
}
