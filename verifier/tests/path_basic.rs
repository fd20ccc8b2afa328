//! Path building and the basic checks of RFC 5280 §6.1 on PKIs made by `openssl ca`:
//! signatures, validity, chaining to a configured anchor, basic constraints, path length,
//! key usage of CAs, and critical extensions.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use common::pki::{CertSpec, KeyAlg, NOW, Pki};
use common::{anchor, parsed, time, validate};
use verifier::crypto::KeyKind;
use verifier::path::{
    ConstraintViolation, NoChainReason, ParsedCertificate, PathError, PathInputs, TrustAnchor,
};
use verifier::report::{Indication, SubIndication};

#[test]
fn three_level_paths_validate_p256_and_rsa() {
    let pki = Pki::new();
    for alg in [KeyAlg::P256, KeyAlg::Rsa2048] {
        let h = pki.hierarchy(alg);
        let path = validate(&h.leaf, &[&h.intermediate], &[&h.root], NOW).unwrap();
        let subjects: Vec<String> = path
            .certificates()
            .iter()
            .map(|c| c.subject().to_string())
            .collect();
        assert_eq!(
            subjects,
            [
                "CN=Test Leaf,O=Dalel tests,C=KZ",
                "CN=Test Intermediate,O=Dalel tests,C=KZ"
            ]
        );
        assert_eq!(
            path.anchor().subject().to_string(),
            "CN=Test Root,O=Dalel tests,C=KZ"
        );
        assert_eq!(path.end_entity().der(), h.leaf.der.as_slice());
        let expected = match alg {
            KeyAlg::P256 => "ECDSA P-256",
            KeyAlg::Rsa2048 => "RSA-2048",
        };
        assert_eq!(path.public_key().unwrap().kind().to_string(), expected);
        // No certificate asserts a policy and none is required: valid, for no policy.
        assert!(path.policies().authorities_constrained().is_empty());
        assert!(!path.policies().explicit_policy_required());
    }
}

#[test]
fn intermediates_in_any_order_with_noise() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let other = pki.hierarchy(KeyAlg::P256);
    let path = validate(
        &h.leaf,
        &[
            &other.leaf,
            &other.intermediate,
            &h.root,
            &h.intermediate,
            &h.intermediate,
        ],
        &[&other.root, &h.root],
        NOW,
    )
    .unwrap();
    assert_eq!(path.certificates().len(), 2);
}

#[test]
fn expired_and_not_yet_valid_leaf_and_intermediate() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let expired_leaf = pki.issue(
        CertSpec::leaf("/CN=Expired Leaf").validity("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
        &h.intermediate,
    );
    let future_leaf = pki.issue(
        CertSpec::leaf("/CN=Future Leaf").validity("2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
        &h.intermediate,
    );
    let err = validate(&expired_leaf, &[&h.intermediate], &[&h.root], NOW).unwrap_err();
    let PathError::Expired {
        cert,
        not_before,
        not_after,
        at,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((cert.position(), cert.subject()), (0, "CN=Expired Leaf"));
    assert_eq!(not_before.to_string(), "2020-01-01T00:00:00Z");
    assert_eq!(not_after.to_string(), "2021-01-01T00:00:00Z");
    assert_eq!(*at, time(NOW));
    assert_eq!(err.indication(), Indication::TotalFailed);
    assert_eq!(err.sub_indication(), Some(SubIndication::Expired));
    assert_eq!(err.rule(), "RFC 5280 §6.1.3(a)(2)");

    let err = validate(&future_leaf, &[&h.intermediate], &[&h.root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::NotYetValid { cert, .. } if cert.position() == 0),
        "{err}"
    );
    assert_eq!(err.sub_indication(), Some(SubIndication::NotYetValid));

    // The validity period is inclusive at both ends (RFC 5280 §4.1.2.5).
    validate(
        &expired_leaf,
        &[&h.intermediate],
        &[&h.root],
        "2021-01-01T00:00:00Z",
    )
    .unwrap();
    validate(
        &future_leaf,
        &[&h.intermediate],
        &[&h.root],
        "2030-01-01T00:00:00Z",
    )
    .unwrap();

    let expired_ca = pki.issue(
        CertSpec::ca("/CN=Expired CA").validity("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
        &h.root,
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Under Expired CA"), &expired_ca);
    let err = validate(&leaf, &[&expired_ca], &[&h.root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::Expired { cert, .. } if cert.position() == 1 && cert.subject() == "CN=Expired CA"),
        "{err}"
    );
    let future_ca = pki.issue(
        CertSpec::ca("/CN=Future CA").validity("2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
        &h.root,
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Under Future CA"), &future_ca);
    let err = validate(&leaf, &[&future_ca], &[&h.root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::NotYetValid { cert, .. } if cert.position() == 1),
        "{err}"
    );
}

#[test]
fn anchor_validity_is_not_checked() {
    // RFC 5280 §6.1.1(d): the anchor is a name and a key, not a path certificate.
    let pki = Pki::new();
    let root = pki.self_signed(
        CertSpec::ca("/CN=Old Root").validity("2000-01-01T00:00:00Z", "2001-01-01T00:00:00Z"),
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &root);
    validate(&leaf, &[], &[&root], NOW).unwrap();
}

#[test]
fn signature_by_another_key_with_the_same_issuer_name() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let impostor = pki.self_signed(CertSpec::ca(&h.intermediate.subject));
    let forged = pki.issue(CertSpec::leaf("/CN=Forged"), &impostor);
    let err = validate(&forged, &[&h.intermediate], &[&h.root], NOW).unwrap_err();
    let PathError::BadSignature { cert, issuer, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!((cert.position(), cert.subject()), (0, "CN=Forged"));
    assert_eq!(issuer, "CN=Test Intermediate,O=Dalel tests,C=KZ");
    assert_eq!(err.indication(), Indication::TotalFailed);
    assert_eq!(err.sub_indication(), Some(SubIndication::SigCryptoFailure));

    // The same with an RSA impostor: the key cannot even make such a signature.
    let rsa_impostor = pki.self_signed(CertSpec::ca(&h.intermediate.subject).alg(KeyAlg::Rsa2048));
    let forged = pki.issue(CertSpec::leaf("/CN=Forged RSA"), &rsa_impostor);
    let err = validate(&forged, &[&h.intermediate], &[&h.root], NOW).unwrap_err();
    assert!(matches!(err, PathError::BadSignature { .. }), "{err}");

    // An intermediate signed by an impostor root is caught one level up.
    let fake_root = pki.self_signed(CertSpec::ca(&h.root.subject));
    let fake_ca = pki.issue(CertSpec::ca("/CN=Fake CA"), &fake_root);
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &fake_ca);
    let err = validate(&leaf, &[&fake_ca], &[&h.root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::BadSignature { cert, .. } if cert.position() == 1),
        "{err}"
    );
}

#[test]
fn no_path_to_a_configured_anchor() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let other_root = pki.self_signed(CertSpec::ca("/CN=Other Root"));

    // Missing intermediate.
    let err = validate(&h.leaf, &[], &[&h.root], NOW).unwrap_err();
    let PathError::NoChain {
        cert,
        issuer,
        reason,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(cert.position(), 0);
    assert_eq!(issuer, "CN=Test Intermediate,O=Dalel tests,C=KZ");
    assert_eq!(*reason, NoChainReason::IssuerNotFound);
    assert_eq!(err.indication(), Indication::Indeterminate);
    assert_eq!(
        err.sub_indication(),
        Some(SubIndication::NoCertificateChainFound)
    );

    // Another root as anchor, with this PKI's root in the input: the input root is
    // self-signed but not trusted.
    let err = validate(&h.leaf, &[&h.intermediate, &h.root], &[&other_root], NOW).unwrap_err();
    let PathError::NoChain { cert, reason, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (cert.position(), cert.subject()),
        (2, "CN=Test Root,O=Dalel tests,C=KZ")
    );
    assert_eq!(*reason, NoChainReason::SelfIssuedNotTrusted);

    // No anchors at all.
    let err = validate(&h.leaf, &[&h.intermediate, &h.root], &[], NOW).unwrap_err();
    assert!(matches!(err, PathError::NoChain { .. }), "{err}");
}

#[test]
fn self_signed_leaf_in_the_input_is_not_trusted() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let selfie = pki.self_signed(CertSpec::leaf("/CN=Self Signed"));
    let err = validate(&selfie, &[&selfie], &[&h.root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::NoChain { cert, reason: NoChainReason::SelfIssuedNotTrusted, .. } if cert.position() == 0),
        "{err}"
    );
    // Configured as an anchor, it is trusted: a path of one certificate, issued by the
    // anchor's key.
    let path = validate(&selfie, &[], &[&selfie], NOW).unwrap();
    assert_eq!(path.certificates().len(), 1);

    // A self-signed certificate with the name of a configured root but its own key.
    let impostor = pki.self_signed(CertSpec::leaf(&h.root.subject));
    let err = validate(&impostor, &[], &[&h.root], NOW).unwrap_err();
    assert!(matches!(err, PathError::BadSignature { .. }), "{err}");
}

#[test]
fn intermediate_must_be_a_ca_with_key_cert_sign() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let cases = [
        (
            CertSpec::ca("/CN=Not CA").ext("basicConstraints = critical,CA:FALSE"),
            ConstraintViolation::NotCa,
        ),
        (
            CertSpec::ca("/CN=No BC").without("basicConstraints"),
            ConstraintViolation::NotCa,
        ),
        (
            CertSpec::ca("/CN=No keyCertSign").ext("keyUsage = critical,cRLSign,digitalSignature"),
            ConstraintViolation::KeyCertSignMissing,
        ),
        (
            CertSpec::bare("/CN=Version 1"),
            ConstraintViolation::LegacyCa { version: 1 },
        ),
    ];
    for (spec, expected) in cases {
        let ca = pki.issue(spec, &root);
        // Without authorityKeyIdentifier: the version 1 CA has no key identifier to copy.
        let leaf = pki.issue(
            CertSpec::leaf("/CN=Leaf").without("authorityKeyIdentifier"),
            &ca,
        );
        let err = validate(&leaf, &[&ca], &[&root], NOW).unwrap_err();
        let PathError::Constraint { cert, violation } = &err else {
            panic!("{err}")
        };
        assert_eq!(cert.position(), 1, "{err}");
        assert_eq!(*violation, expected, "{err}");
        assert_eq!(
            err.sub_indication(),
            Some(SubIndication::ChainConstraintsFailure)
        );
        assert_eq!(err.indication(), Indication::Indeterminate);
    }
    // A CA without a key usage extension is not restricted (RFC 5280 §6.1.4(n)).
    let ca = pki.issue(CertSpec::ca("/CN=No KU").without("keyUsage"), &root);
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &ca);
    validate(&leaf, &[&ca], &[&root], NOW).unwrap();
}

#[test]
fn path_length_constraint() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ca0 = pki.issue(
        CertSpec::ca("/CN=CA pathLen 0").ext("basicConstraints = critical,CA:TRUE,pathlen:0"),
        &root,
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Direct Leaf"), &ca0);
    validate(&leaf, &[&ca0], &[&root], NOW).unwrap();

    let sub = pki.issue(CertSpec::ca("/CN=Sub CA"), &ca0);
    let deep = pki.issue(CertSpec::leaf("/CN=Deep Leaf"), &sub);
    let err = validate(&deep, &[&sub, &ca0], &[&root], NOW).unwrap_err();
    let PathError::Constraint { cert, violation } = &err else {
        panic!("{err}")
    };
    assert_eq!(cert.subject(), "CN=Sub CA");
    assert_eq!(
        *violation,
        ConstraintViolation::PathLength {
            constrained_by: 2,
            path_len_constraint: 0
        }
    );
    assert_eq!(err.rule(), "RFC 5280 §6.1.4(l)");
}

#[test]
fn unknown_critical_extensions_are_refused_and_named() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let leaf = pki.issue(
        CertSpec::leaf("/CN=Leaf").ext("1.2.3.4.5.6 = critical,DER:05:00"),
        &root,
    );
    let err = validate(&leaf, &[], &[&root], NOW).unwrap_err();
    let PathError::Constraint { cert, violation } = &err else {
        panic!("{err}")
    };
    assert_eq!(cert.position(), 0);
    assert_eq!(
        violation.to_string(),
        "has a critical extension 1.2.3.4.5.6 this verifier does not process"
    );
    // Not critical: ignored.
    let leaf = pki.issue(
        CertSpec::leaf("/CN=Leaf").ext("1.2.3.4.5.6 = DER:05:00"),
        &root,
    );
    validate(&leaf, &[], &[&root], NOW).unwrap();
    // In an intermediate.
    let ca = pki.issue(
        CertSpec::ca("/CN=CA").ext("1.2.3.4.5.7 = critical,DER:05:00"),
        &root,
    );
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &ca);
    let err = validate(&leaf, &[&ca], &[&root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::Constraint { cert, violation: ConstraintViolation::UnknownCriticalExtension { .. } } if cert.position() == 1),
        "{err}"
    );
}

#[test]
fn renewed_intermediate_the_valid_one_is_chosen() {
    // Two certificates for the same CA name and key: one expired, one current.
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let old = pki.issue(
        CertSpec::ca("/CN=CA").validity("2015-01-01T00:00:00Z", "2019-01-01T00:00:00Z"),
        &root,
    );
    let renewed = pki.issue(CertSpec::ca("/CN=CA").key_of(&old), &root);
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &renewed);
    let path = validate(&leaf, &[&old, &renewed], &[&root], NOW).unwrap();
    assert_eq!(path.certificates()[1].der(), renewed.der.as_slice());
    // With only the expired one, the expiry is the failure reported.
    let err = validate(&leaf, &[&old], &[&root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::Expired { cert, .. } if cert.position() == 1),
        "{err}"
    );
}

#[test]
fn cross_certificates_loops_and_depth() {
    let pki = Pki::new();
    // Two CAs that certify each other, and a leaf under one: without an anchor the search
    // ends (no loop), and with either as anchor it finds the path.
    let a = pki.self_signed(CertSpec::ca("/CN=CA A"));
    let b = pki.self_signed(CertSpec::ca("/CN=CA B"));
    let a_by_b = pki.issue(CertSpec::ca("/CN=CA A").key_of(&a), &b);
    let b_by_a = pki.issue(CertSpec::ca("/CN=CA B").key_of(&b), &a);
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &a);
    let unrelated = pki.self_signed(CertSpec::ca("/CN=Unrelated"));
    let err = validate(&leaf, &[&a_by_b, &b_by_a, &a, &b], &[&unrelated], NOW).unwrap_err();
    assert!(matches!(err, PathError::NoChain { .. }), "{err}");
    let path = validate(&leaf, &[&a_by_b, &b_by_a], &[&b], NOW).unwrap();
    assert_eq!(path.certificates().len(), 2);
    assert_eq!(path.anchor().subject().to_string(), "CN=CA B");

    // A chain of 12 CAs is refused at the default limit of 10, with the limit named.
    let root = pki.self_signed(CertSpec::ca("/CN=Deep Root"));
    let mut cas = Vec::new();
    let mut issuer = root.clone();
    for k in 0..11 {
        let ca = pki.issue(CertSpec::ca(&format!("/CN=Level {k}")), &issuer);
        cas.push(ca.clone());
        issuer = ca;
    }
    let leaf = pki.issue(CertSpec::leaf("/CN=Deep Leaf"), &issuer);
    let refs: Vec<_> = cas.iter().collect();
    let err = validate(&leaf, &refs, &[&root], NOW).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::NoChain {
                reason: NoChainReason::DepthLimit { limit: 10 },
                ..
            }
        ),
        "{err}"
    );
    let leaf_cert = parsed(&leaf);
    let anchors = [anchor(&root)];
    let intermediates: Vec<ParsedCertificate> = cas.iter().map(parsed).collect();
    let mut inputs = PathInputs::new(&leaf_cert, &anchors, time(NOW));
    inputs.intermediates = &intermediates;
    inputs.max_path_length = 12;
    assert_eq!(inputs.validate().unwrap().certificates().len(), 12);
}

#[test]
fn errors_name_certificate_and_rule() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let err = validate(
        &h.leaf,
        &[&h.intermediate],
        &[&h.root],
        "2045-01-01T00:00:00Z",
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("certificate #1"), "{message}");
    assert!(message.contains("CN=Test Intermediate"), "{message}");
    assert!(message.contains("RFC 5280 §6.1.3(a)(2)"), "{message}");
    assert_eq!(err.kind(), "expired");
    // Public-key accessors of the anchor.
    let a: TrustAnchor = anchor(&h.root);
    assert!(matches!(
        verifier::crypto::PublicKey::from_spki(a.public_key_info())
            .unwrap()
            .kind(),
        KeyKind::Ec(_)
    ));
}

#[test]
fn search_is_bounded() {
    // Twelve self-signed CAs sharing one name, each a candidate issuer of every other: the
    // orderings up to the depth limit run to millions. The search gives up, and says so.
    let pki = Pki::new();
    let cas: Vec<_> = (0..12)
        .map(|_| pki.self_signed(CertSpec::ca("/CN=Same Name")))
        .collect();
    let leaf = pki.issue(CertSpec::leaf("/CN=Leaf"), &cas[0]);
    let unrelated = pki.self_signed(CertSpec::ca("/CN=Unrelated"));
    let refs: Vec<_> = cas.iter().collect();
    let started = std::time::Instant::now();
    let err = validate(&leaf, &refs, &[&unrelated], NOW).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::NoChain {
                reason: NoChainReason::SearchLimit,
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 10);
    // With one of them trusted, the path is found at once.
    let path = validate(&leaf, &refs, &[&cas[0]], NOW).unwrap();
    assert_eq!(path.certificates().len(), 1);
}
