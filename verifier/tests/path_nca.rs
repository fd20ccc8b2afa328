//! Paths in the National Certification Centre's test PKI (`shared/vectors/nca`): the RSA
//! signing certificate validates under "ҰКО 3.0 (RSA TEST)" while it is valid, is EXPIRED
//! after, the authentication certificate is refused for signing, and GOST certificates are
//! INDETERMINATE ("unsupported algorithm"), never invalid.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use std::collections::BTreeSet;

use common::{nca_cert, time};
use const_oid::ObjectIdentifier;
use verifier::path::{
    CertificateKind, ConstraintViolation, NoChainReason, PathError, PathInputs, PolicyInputs,
    Purpose, TrustAnchor, ValidatedPath,
};
use verifier::report::Indication;

const SIGN: &str = "certs/individual_valid_sign_2004_rsa.cer";
const AUTH: &str = "certs/individual_valid_sign_2004_rsa_auth.cer";
const GOST_SIGN: &str = "certs/ceo_valid_sign_2004_gost.cer";
const RSA_CA: &str = "ca/nca_rsa_test.crt";
const GOST_CA: &str = "ca/nca_gost_test.crt";
const GOST_2015_CA: &str = "ca/nca_gost2015_test.cer";

const INDIVIDUAL_SIGNING_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.2.3");

fn run(
    leaf: &str,
    intermediates: &[&str],
    anchors: &[&str],
    at: &str,
    purpose: Purpose,
    policy: PolicyInputs,
) -> Result<ValidatedPath, PathError> {
    let leaf = nca_cert(leaf);
    let intermediates: Vec<_> = intermediates.iter().map(|f| nca_cert(f)).collect();
    let anchors: Vec<TrustAnchor> = anchors
        .iter()
        .map(|f| TrustAnchor::from_certificate(nca_cert(f)))
        .collect();
    let mut inputs = PathInputs::new(&leaf, &anchors, time(at));
    inputs.intermediates = &intermediates;
    inputs.purpose = purpose;
    inputs.policy = policy;
    inputs.validate()
}

fn signing(leaf: &str, anchors: &[&str], at: &str) -> Result<ValidatedPath, PathError> {
    run(
        leaf,
        &[],
        anchors,
        at,
        Purpose::document_signing(),
        PolicyInputs::default(),
    )
}

#[test]
fn rsa_signing_certificate_validates_in_2022() {
    let path = signing(SIGN, &[RSA_CA], "2022-06-01T00:00:00Z").unwrap();
    assert_eq!(path.certificates().len(), 1);
    assert_eq!(
        path.anchor().subject().to_string(),
        "CN=ҰКО 3.0 (RSA TEST),C=KZ"
    );
    assert!(
        path.end_entity()
            .subject()
            .to_string()
            .contains("SERIALNUMBER=IIN123456789011")
    );
    assert_eq!(path.public_key().unwrap().kind().to_string(), "RSA-2048");
    let expected: BTreeSet<ObjectIdentifier> = [INDIVIDUAL_SIGNING_POLICY].into();
    assert_eq!(path.policies().authorities_constrained(), &expected);

    // With the NCA policy required explicitly, and with another one.
    let mut policy = PolicyInputs {
        initial_explicit_policy: true,
        user_initial_policy_set: expected.clone(),
        ..PolicyInputs::default()
    };
    let at = "2022-06-01T00:00:00Z";
    run(
        SIGN,
        &[],
        &[RSA_CA],
        at,
        Purpose::document_signing(),
        policy.clone(),
    )
    .unwrap();
    policy.user_initial_policy_set = [ObjectIdentifier::new_unwrap("1.2.398.3.3.2.4")].into();
    let err = run(
        SIGN,
        &[],
        &[RSA_CA],
        at,
        Purpose::document_signing(),
        policy,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Constraint {
                violation: ConstraintViolation::UserPolicy { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rsa_signing_certificate_expired_in_2024_and_not_yet_valid_in_2021() {
    let err = signing(SIGN, &[RSA_CA], "2024-06-01T00:00:00Z").unwrap_err();
    let PathError::Expired {
        cert, not_after, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(cert.position(), 0);
    assert_eq!(not_after.to_string(), "2023-01-18T04:38:50Z");
    assert_eq!(err.indication(), Indication::TotalFailed);
    let err = signing(SIGN, &[RSA_CA], "2021-06-01T00:00:00Z").unwrap_err();
    assert!(matches!(err, PathError::NotYetValid { .. }), "{err}");
}

#[test]
fn authentication_certificate_fails_the_signing_purpose() {
    let err = signing(AUTH, &[RSA_CA], "2022-06-01T00:00:00Z").unwrap_err();
    let message = err.to_string();
    let PathError::WrongPurpose { kind, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*kind, CertificateKind::Authentication);
    assert!(
        message.contains("is an authentication certificate"),
        "{message}"
    );
    assert!(
        message.contains("may not be used for document signing"),
        "{message}"
    );
    run(
        AUTH,
        &[],
        &[RSA_CA],
        "2022-06-01T00:00:00Z",
        Purpose::ClientAuth,
        PolicyInputs::default(),
    )
    .unwrap();
}

#[test]
fn gost_certificates_are_indeterminate_never_invalid() {
    for at in [
        "2022-06-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
        "2010-01-01T00:00:00Z",
    ] {
        let err = signing(GOST_SIGN, &[GOST_CA], at).unwrap_err();
        let PathError::UnsupportedAlgorithm { cert, reason } = &err else {
            panic!("{err}")
        };
        assert_eq!(cert.position(), 0);
        assert!(reason.contains("1.2.398.3.10.1.1.1.2"), "{reason}");
        assert_eq!(err.indication(), Indication::Indeterminate);
        assert_eq!(err.sub_indication(), None);
    }
    // Against the RSA anchor, or with the GOST CA only as an intermediate: no chain, also
    // INDETERMINATE.
    for (intermediates, anchors) in [(&[][..], &[RSA_CA][..]), (&[GOST_CA][..], &[RSA_CA][..])] {
        let err = run(
            GOST_SIGN,
            intermediates,
            anchors,
            "2022-06-01T00:00:00Z",
            Purpose::document_signing(),
            PolicyInputs::default(),
        )
        .unwrap_err();
        assert!(matches!(err, PathError::NoChain { .. }), "{err}");
        assert_eq!(err.indication(), Indication::Indeterminate);
    }
    // The GOST CAs themselves, issued by roots that are not here.
    for ca in [GOST_CA, GOST_2015_CA] {
        let err = run(
            ca,
            &[],
            &[ca],
            "2022-08-01T00:00:00Z",
            Purpose::Any,
            PolicyInputs::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                PathError::NoChain {
                    reason: NoChainReason::IssuerNotFound,
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn rsa_leaf_does_not_chain_to_the_gost_ca() {
    let err = signing(SIGN, &[GOST_CA, GOST_2015_CA], "2022-06-01T00:00:00Z").unwrap_err();
    let PathError::NoChain { issuer, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(issuer, "CN=ҰКО 3.0 (RSA TEST),C=KZ");
}
