//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3(b)-(c), §6.1.4(g)): permitted and excluded
//! subtrees of directoryName, rfc822Name (in subjectAltName and in the subject's
//! emailAddress), dNSName, URI and iPAddress, set by an intermediate CA.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use common::pki::{CertSpec, Issued, NOW, Pki};
use common::validate;
use verifier::path::{ConstraintViolation, PathError};
use verifier::report::SubIndication;

/// A root and, under it, a CA with the given nameConstraints value (and extra sections).
fn constrained(pki: &Pki, constraints: &str, sections: &[&str]) -> (Issued, Issued) {
    let root = pki.self_signed(CertSpec::ca("/C=KZ/CN=Root"));
    let mut spec = CertSpec::ca("/C=KZ/O=Dalel tests/CN=Constrained CA")
        .ext(&format!("nameConstraints = critical,{constraints}"));
    for section in sections {
        spec = spec.section(section);
    }
    let ca = pki.issue(spec, &root);
    (root, ca)
}

fn leaf(pki: &Pki, ca: &Issued, subject: &str, san: Option<&str>) -> Issued {
    let mut spec = CertSpec::leaf(subject);
    if let Some(san) = san {
        spec = spec.ext(&format!("subjectAltName = {san}"));
    }
    pki.issue(spec, ca)
}

/// The name constraint violation of the end-entity certificate under `ca`.
fn violation(leaf: &Issued, ca: &Issued, root: &Issued) -> ConstraintViolation {
    match validate(leaf, &[ca], &[root], NOW) {
        Err(err @ PathError::Constraint { .. }) => {
            assert_eq!(
                err.sub_indication(),
                Some(SubIndication::ChainConstraintsFailure)
            );
            let PathError::Constraint { cert, violation } = err else {
                unreachable!()
            };
            assert_eq!(cert.position(), 0);
            violation
        }
        other => panic!("expected a constraint violation, got {other:?}"),
    }
}

#[test]
fn directory_name_permitted() {
    let pki = Pki::new();
    // The constraint in upper case: names compare case-insensitively (RFC 5280 §7.1).
    let (root, ca) = constrained(
        &pki,
        "permitted;dirName:nc_dir",
        &["[nc_dir]\nC = KZ\nO = DALEL TESTS"],
    );
    let inside = leaf(&pki, &ca, "/C=KZ/O=Dalel tests/CN=Inside", None);
    validate(&inside, &[&ca], &[&root], NOW).unwrap();
    let outside = leaf(&pki, &ca, "/C=KZ/O=Elsewhere/CN=Outside", None);
    let v = violation(&outside, &ca, &root);
    assert_eq!(
        v,
        ConstraintViolation::NameNotPermitted {
            name: "DirName:CN=Outside,O=Elsewhere,C=KZ".to_owned(),
            constrained_by: 1,
        }
    );
    assert_eq!(v.rule(), "RFC 5280 §6.1.3(b)");
}

#[test]
fn directory_name_excluded() {
    let pki = Pki::new();
    let (root, ca) = constrained(
        &pki,
        "excluded;dirName:ex_dir",
        &["[ex_dir]\nC = KZ\nO = Dalel tests\nOU = Banned"],
    );
    let fine = leaf(&pki, &ca, "/C=KZ/O=Dalel tests/OU=Allowed/CN=Fine", None);
    validate(&fine, &[&ca], &[&root], NOW).unwrap();
    let banned = leaf(&pki, &ca, "/C=KZ/O=Dalel tests/OU=Banned/CN=No", None);
    let v = violation(&banned, &ca, &root);
    assert!(
        matches!(&v, ConstraintViolation::NameExcluded { subtree, constrained_by: 1, .. } if subtree == "DirName:OU=Banned,O=Dalel tests,C=KZ"),
        "{v:?}"
    );
    assert_eq!(v.rule(), "RFC 5280 §6.1.3(c)");
}

#[test]
fn rfc822_in_alt_names_and_in_the_subject() {
    let pki = Pki::new();
    let (root, ca) = constrained(&pki, "permitted;email:.police.kz", &[]);
    let ok = leaf(&pki, &ca, "/CN=Ok", Some("email:ivan@almaty.police.kz"));
    validate(&ok, &[&ca], &[&root], NOW).unwrap();
    let bad = leaf(&pki, &ca, "/CN=Bad", Some("email:ivan@example.com"));
    assert_eq!(
        violation(&bad, &ca, &root),
        ConstraintViolation::NameNotPermitted {
            name: "email:ivan@example.com".to_owned(),
            constrained_by: 1
        }
    );
    // No subjectAltName: the emailAddress attribute of the subject is constrained instead.
    let in_dn = leaf(&pki, &ca, "/CN=In DN/emailAddress=ivan@example.com", None);
    assert!(
        matches!(violation(&in_dn, &ca, &root), ConstraintViolation::NameNotPermitted { name, .. } if name == "email:ivan@example.com")
    );
    let in_dn_ok = leaf(
        &pki,
        &ca,
        "/CN=In DN/emailAddress=ivan@astana.police.kz",
        None,
    );
    validate(&in_dn_ok, &[&ca], &[&root], NOW).unwrap();
}

#[test]
fn dns_permitted_and_excluded() {
    let pki = Pki::new();
    let (root, ca) = constrained(
        &pki,
        "permitted;DNS:dalel.kz,excluded;DNS:bad.dalel.kz",
        &[],
    );
    let ok = leaf(&pki, &ca, "/CN=Ok", Some("DNS:www.dalel.kz,DNS:dalel.kz"));
    validate(&ok, &[&ca], &[&root], NOW).unwrap();
    let excluded = leaf(&pki, &ca, "/CN=Excluded", Some("DNS:x.bad.dalel.kz"));
    assert!(matches!(
        violation(&excluded, &ca, &root),
        ConstraintViolation::NameExcluded { name, subtree, .. }
            if name == "DNS:x.bad.dalel.kz" && subtree == "DNS:bad.dalel.kz"
    ));
    let outside = leaf(&pki, &ca, "/CN=Outside", Some("DNS:notdalel.kz"));
    assert!(matches!(
        violation(&outside, &ca, &root),
        ConstraintViolation::NameNotPermitted { name, .. } if name == "DNS:notdalel.kz"
    ));
    // A name form the CA did not constrain stays free.
    let email = leaf(&pki, &ca, "/CN=Mail", Some("email:anyone@example.com"));
    validate(&email, &[&ca], &[&root], NOW).unwrap();
}

#[test]
fn ip_and_uri() {
    let pki = Pki::new();
    let (root, ca) = constrained(
        &pki,
        "permitted;IP:10.0.0.0/255.0.0.0,permitted;URI:.dalel.kz",
        &[],
    );
    let ok = leaf(
        &pki,
        &ca,
        "/CN=Ok",
        Some("IP:10.1.2.3,URI:https://www.dalel.kz/receipts"),
    );
    validate(&ok, &[&ca], &[&root], NOW).unwrap();
    let bad_ip = leaf(&pki, &ca, "/CN=Bad IP", Some("IP:192.168.1.1"));
    assert!(matches!(
        violation(&bad_ip, &ca, &root),
        ConstraintViolation::NameNotPermitted { name, .. } if name == "IP:192.168.1.1"
    ));
    let bad_uri = leaf(&pki, &ca, "/CN=Bad URI", Some("URI:https://evil.example/"));
    assert!(matches!(
        violation(&bad_uri, &ca, &root),
        ConstraintViolation::NameNotPermitted { name, .. } if name == "URI:https://evil.example/"
    ));
}

#[test]
fn constraints_bind_intermediates_below_too() {
    let pki = Pki::new();
    let (root, ca) = constrained(
        &pki,
        "permitted;dirName:nc_dir",
        &["[nc_dir]\nC = KZ\nO = Dalel tests"],
    );
    let sub = pki.issue(CertSpec::ca("/C=KZ/O=Other/CN=Sub CA"), &ca);
    let leaf = pki.issue(CertSpec::leaf("/C=KZ/O=Dalel tests/CN=Leaf"), &sub);
    let err = validate(&leaf, &[&sub, &ca], &[&root], NOW).unwrap_err();
    assert!(
        matches!(&err, PathError::Constraint { cert, violation: ConstraintViolation::NameNotPermitted { constrained_by: 2, .. } } if cert.position() == 1),
        "{err}"
    );
}

#[test]
fn trust_anchor_constraints_are_not_applied() {
    // RFC 5280 §6.1.1(d): the anchor is a name and a key; its certificate's extensions are
    // not path inputs.
    let pki = Pki::new();
    let root = pki.self_signed(
        CertSpec::ca("/C=KZ/CN=Root")
            .ext("nameConstraints = critical,excluded;dirName:ex_dir")
            .section("[ex_dir]\nC = KZ"),
    );
    let leaf = pki.issue(CertSpec::leaf("/C=KZ/CN=Leaf"), &root);
    validate(&leaf, &[], &[&root], NOW).unwrap();
}
