//! The end-entity certificate's purpose: document signing (key usage and extended key usage
//! as configured), time-stamping (RFC 3161 §2.3: a critical extended key usage of exactly
//! id-kp-timeStamping) and client authentication.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use common::pki::{CertSpec, Issued, NOW, Pki};
use common::{anchor, parsed, time};
use verifier::path::{
    CertificateKind, ID_KP_CODE_SIGNING, PathError, PathInputs, Purpose, PurposeViolation,
    SigningKeyUsage, SigningRequirements, ValidatedPath,
};
use verifier::report::{Indication, SubIndication};

fn run(leaf: &Issued, root: &Issued, purpose: Purpose) -> Result<ValidatedPath, PathError> {
    let leaf = parsed(leaf);
    let anchors = [anchor(root)];
    let mut inputs = PathInputs::new(&leaf, &anchors, time(NOW));
    inputs.purpose = purpose;
    inputs.validate()
}

fn wrong_purpose(
    result: Result<ValidatedPath, PathError>,
) -> (CertificateKind, PurposeViolation, String) {
    match result {
        Err(err @ PathError::WrongPurpose { .. }) => {
            assert_eq!(err.indication(), Indication::Indeterminate);
            assert_eq!(
                err.sub_indication(),
                Some(SubIndication::ChainConstraintsFailure)
            );
            let message = err.to_string();
            let PathError::WrongPurpose {
                cert,
                kind,
                violation,
                ..
            } = err
            else {
                unreachable!()
            };
            assert_eq!(cert.position(), 0);
            (kind, violation, message)
        }
        other => panic!("expected a wrong purpose, got {other:?}"),
    }
}

fn tsa(pki: &Pki, root: &Issued, eku: &str) -> Issued {
    pki.issue(
        CertSpec::leaf("/CN=TSA")
            .ext("keyUsage = critical,digitalSignature")
            .ext(&format!("extendedKeyUsage = {eku}")),
        root,
    )
}

#[test]
fn time_stamping_needs_exactly_one_critical_time_stamping_purpose() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let good = tsa(&pki, &root, "critical,timeStamping");
    run(&good, &root, Purpose::TimeStamping).unwrap();

    let (kind, violation, _) = wrong_purpose(run(
        &tsa(&pki, &root, "timeStamping"),
        &root,
        Purpose::TimeStamping,
    ));
    assert_eq!(kind, CertificateKind::TimeStamping);
    assert_eq!(violation, PurposeViolation::TimeStampingEkuNotCritical);
    assert_eq!(violation.rule(), "RFC 3161 §2.3");

    let extra = tsa(&pki, &root, "critical,timeStamping,emailProtection");
    let (_, violation, _) = wrong_purpose(run(&extra, &root, Purpose::TimeStamping));
    assert_eq!(violation, PurposeViolation::TimeStampingEkuNotExclusive);

    let none = pki.issue(
        CertSpec::leaf("/CN=No EKU").without("extendedKeyUsage"),
        &root,
    );
    let (_, violation, _) = wrong_purpose(run(&none, &root, Purpose::TimeStamping));
    assert_eq!(violation, PurposeViolation::TimeStampingEkuAbsent);

    // A time-stamping certificate is no document-signing certificate.
    let (kind, _, message) = wrong_purpose(run(&good, &root, Purpose::document_signing()));
    assert_eq!(kind, CertificateKind::TimeStamping);
    assert!(message.contains("a time-stamping certificate"), "{message}");
}

#[test]
fn authentication_certificate_used_for_signing() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let auth = pki.issue(
        CertSpec::leaf("/CN=Auth")
            .ext("keyUsage = critical,digitalSignature,keyEncipherment")
            .ext("extendedKeyUsage = clientAuth"),
        &root,
    );
    let (kind, violation, message) = wrong_purpose(run(&auth, &root, Purpose::document_signing()));
    assert_eq!(kind, CertificateKind::Authentication);
    assert_eq!(
        violation,
        PurposeViolation::KeyUsage {
            required: "nonRepudiation"
        }
    );
    assert!(
        message.contains("is an authentication certificate (key usage: digitalSignature, keyEncipherment; extended key usage: clientAuth) and may not be used for document signing: key usage lacks nonRepudiation [RFC 5280 §4.2.1.3]"),
        "{message}"
    );
    run(&auth, &root, Purpose::ClientAuth).unwrap();
    run(&auth, &root, Purpose::Any).unwrap();

    // Even accepting digitalSignature, clientAuth is not a signing purpose.
    let mut requirements = SigningRequirements::default();
    requirements.key_usage = SigningKeyUsage::DigitalSignature;
    let (_, violation, _) =
        wrong_purpose(run(&auth, &root, Purpose::DocumentSigning(requirements)));
    assert!(
        matches!(violation, PurposeViolation::ExtendedKeyUsage { .. }),
        "{violation}"
    );
}

#[test]
fn signing_certificate_is_not_for_client_authentication() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let signing = pki.issue(CertSpec::leaf("/CN=Signer"), &root);
    run(&signing, &root, Purpose::document_signing()).unwrap();
    let (kind, violation, _) = wrong_purpose(run(&signing, &root, Purpose::ClientAuth));
    assert_eq!(kind, CertificateKind::Signing);
    assert!(
        matches!(violation, PurposeViolation::ExtendedKeyUsage { .. }),
        "{violation}"
    );
}

#[test]
fn signing_requirements_are_configurable() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ds_only = pki.issue(
        CertSpec::leaf("/CN=DS only").ext("keyUsage = critical,digitalSignature"),
        &root,
    );
    wrong_purpose(run(&ds_only, &root, Purpose::document_signing()));
    for key_usage in [SigningKeyUsage::DigitalSignature, SigningKeyUsage::Either] {
        let mut req = SigningRequirements::default();
        req.key_usage = key_usage;
        run(&ds_only, &root, Purpose::DocumentSigning(req)).unwrap();
    }
    let mut both = SigningRequirements::default();
    both.key_usage = SigningKeyUsage::Both;
    run(
        &pki.issue(CertSpec::leaf("/CN=Both"), &root),
        &root,
        Purpose::DocumentSigning(both.clone()),
    )
    .unwrap();
    let nr_only = pki.issue(
        CertSpec::leaf("/CN=NR only").ext("keyUsage = critical,nonRepudiation"),
        &root,
    );
    wrong_purpose(run(&nr_only, &root, Purpose::DocumentSigning(both)));

    // Extended key usage: anyExtendedKeyUsage accepted unless refused; codeSigning only
    // when listed; absent accepted unless refused.
    let any_eku = pki.issue(
        CertSpec::leaf("/CN=Any EKU").ext("extendedKeyUsage = anyExtendedKeyUsage"),
        &root,
    );
    run(&any_eku, &root, Purpose::document_signing()).unwrap();
    let mut no_any = SigningRequirements::default();
    no_any.allow_any_eku = false;
    wrong_purpose(run(&any_eku, &root, Purpose::DocumentSigning(no_any)));

    let code = pki.issue(
        CertSpec::leaf("/CN=Code").ext("extendedKeyUsage = codeSigning"),
        &root,
    );
    let (_, violation, _) = wrong_purpose(run(&code, &root, Purpose::document_signing()));
    assert_eq!(violation.rule(), "RFC 5280 §4.2.1.12");
    let mut with_code = SigningRequirements::default();
    with_code.accepted_ekus.push(ID_KP_CODE_SIGNING);
    run(&code, &root, Purpose::DocumentSigning(with_code)).unwrap();

    let no_eku = pki.issue(
        CertSpec::leaf("/CN=No EKU").without("extendedKeyUsage"),
        &root,
    );
    run(&no_eku, &root, Purpose::document_signing()).unwrap();
    let mut eku_required = SigningRequirements::default();
    eku_required.allow_absent_eku = false;
    wrong_purpose(run(&no_eku, &root, Purpose::DocumentSigning(eku_required)));
}
