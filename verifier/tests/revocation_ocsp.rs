//! OCSP checks against a real `openssl ocsp` responder on loopback: the CA as responder (by
//! name and by key hash), a delegated responder, unauthorised responders, nonces, CertID
//! mismatches, and an unreachable responder.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::path::Path;

use der::Encode as _;
use revocation_common::{
    Ca, Issued, Profile, Responder, free_port, networked, now, url, with_responder,
};
use verifier::crypto::DigestAlgorithm;
use verifier::revocation::ocsp::{CertId, OcspNonce, OcspRequest};
use verifier::revocation::{
    EtsiSubIndication, Evidence, IndeterminateReason, NonceCheck, ResponderKind, RevocationReason,
    RevocationSources, RevocationStatus, SourceKind, SourceOrigin, SourceProblem, check,
    check_ocsp_response, fetch_ocsp,
};

const KU: &str = "keyCertSign,cRLSign";

/// A CA whose leaves name the responder port in their AIA, with `good`, `revoked`
/// (keyCompromise) and `unknown` (not in the database) leaves and a delegated responder
/// certificate `ocsp` (EKU OCSPSigning).
struct Pki {
    _dir: tempfile::TempDir,
    ca: Ca,
    good: Issued,
    revoked: Issued,
    unknown: Issued,
    ocsp: Issued,
}

fn pki(port: u16) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = Profile {
        ocsp_url: Some(url(port, "")),
        ..Default::default()
    };
    let good = ca.issue("good", &leaf);
    let revoked = ca.issue("revoked", &leaf);
    ca.revoke(&revoked, "keyCompromise");
    let unknown = ca.issue_unrecorded("unknown", "7777", &leaf);
    let ocsp = ca.issue(
        "ocsp",
        &Profile {
            eku: Some("OCSPSigning"),
            ..Default::default()
        },
    );
    Pki {
        _dir: dir,
        ca,
        good,
        revoked,
        unknown,
        ocsp,
    }
}

/// Starts the fixture with a responder signing with `signer` (a path pair chosen from the
/// fixture by `pick`).
fn serve(pick: fn(&Pki) -> (&Path, &Path), extra: &'static [&'static str]) -> (Pki, Responder) {
    with_responder(|port| {
        let pki = pki(port);
        let ca_dir = pki.ca.dir.clone();
        let (cert, key) = pick(&pki);
        let (cert, key) = (cert.to_owned(), key.to_owned());
        let start = Box::new(move |port| Responder::start(&ca_dir, (&cert, &key), port, extra));
        (pki, start as Box<dyn Fn(u16) -> Option<Responder>>)
    })
}

fn ca_signer(pki: &Pki) -> (&Path, &Path) {
    (&pki.ca.cert_path, &pki.ca.key_path)
}

fn delegated_signer(pki: &Pki) -> (&Path, &Path) {
    (&pki.ocsp.cert_path, &pki.ocsp.key_path)
}

fn status_of(pki: &Pki, leaf: &Issued) -> RevocationStatus {
    check(
        &leaf.cert,
        &pki.ca.cert,
        now(),
        &RevocationSources::new(),
        &networked(),
    )
}

fn ocsp_evidence(status: &RevocationStatus) -> &verifier::revocation::OcspEvidence {
    match status {
        RevocationStatus::Good {
            evidence: Evidence::Ocsp(e),
            ..
        }
        | RevocationStatus::Revoked {
            evidence: Evidence::Ocsp(e),
            ..
        } => e,
        other => panic!("expected an OCSP decision, got {other:#?}"),
    }
}

fn only_problem(status: &RevocationStatus) -> &SourceProblem {
    let RevocationStatus::Indeterminate { rejected, .. } = status else {
        panic!("expected indeterminate, got {status:#?}");
    };
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    assert_eq!(rejected[0].kind, SourceKind::Ocsp);
    &rejected[0].problem
}

#[test]
fn ca_as_responder_good_revoked_unknown() {
    let (pki, responder) = serve(ca_signer, &[]);

    let good = status_of(&pki, &pki.good);
    assert!(good.is_good(), "{good:#?}");
    let evidence = ocsp_evidence(&good);
    assert_eq!(evidence.signer, ResponderKind::Issuer);
    assert_eq!(evidence.responder, "CN=Test CA");
    assert_eq!(evidence.nonce, NonceCheck::Matched);
    assert_eq!(evidence.signature_algorithm, "ecdsa-with-SHA256");
    assert!(evidence.next_update.is_some(), "-nmin 60");
    assert_eq!(
        evidence.origin,
        SourceOrigin::Fetched {
            uri: responder.url()
        }
    );

    let revoked = status_of(&pki, &pki.revoked);
    let RevocationStatus::Revoked {
        reason: Some(RevocationReason::KeyCompromise),
        on_hold: false,
        at,
        ..
    } = &revoked
    else {
        panic!("{revoked:#?}");
    };
    assert!(now().duration_since(at.to_system_time()).unwrap().as_secs() < 600);

    let unknown = status_of(&pki, &pki.unknown);
    assert!(
        matches!(
            unknown,
            RevocationStatus::Indeterminate {
                reason: IndeterminateReason::StatusUnknown { .. },
                ..
            }
        ),
        "{unknown:#?}"
    );
    assert_eq!(
        unknown.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );
}

#[test]
fn ca_as_responder_by_key_hash() {
    let (pki, _responder) = serve(ca_signer, &["-resp_key_id"]);
    let good = status_of(&pki, &pki.good);
    let evidence = ocsp_evidence(&good);
    assert_eq!(evidence.signer, ResponderKind::Issuer);
    assert!(
        evidence.responder.starts_with("keyHash:"),
        "{}",
        evidence.responder
    );
}

#[test]
fn delegated_responder_good_and_revoked() {
    let (pki, _responder) = serve(delegated_signer, &[]);
    let good = status_of(&pki, &pki.good);
    assert!(good.is_good(), "{good:#?}");
    let ResponderKind::Delegated {
        subject, nocheck, ..
    } = &ocsp_evidence(&good).signer
    else {
        panic!("{good:#?}");
    };
    assert_eq!(subject, "CN=ocsp");
    assert!(!nocheck);
    let revoked = status_of(&pki, &pki.revoked);
    assert!(revoked.is_revoked(), "{revoked:#?}");

    let json = serde_json::to_value(&good).unwrap();
    assert_eq!(json["evidence"]["kind"], "ocsp");
    assert_eq!(json["evidence"]["signer"]["by"], "delegated");
    assert_eq!(json["evidence"]["nonce"], "matched");
}

#[test]
fn responder_certificate_of_another_ca_is_unauthorised() {
    let (pki, _responder) = with_responder(|port| {
        let pki = pki(port);
        let other = Ca::new(pki.ca.dir.parent().unwrap(), "other", "Other CA", KU);
        let foreign = other.issue(
            "foreign-ocsp",
            &Profile {
                eku: Some("OCSPSigning"),
                ..Default::default()
            },
        );
        let ca_dir = pki.ca.dir.clone();
        let start = Box::new(move |port| {
            Responder::start(&ca_dir, (&foreign.cert_path, &foreign.key_path), port, &[])
        });
        (pki, start as Box<dyn Fn(u16) -> Option<Responder>>)
    });
    let status = status_of(&pki, &pki.good);
    let SourceProblem::UnauthorisedResponder { detail } = only_problem(&status) else {
        panic!("{status:#?}");
    };
    assert!(detail.contains("Other CA"), "{detail}");
}

#[test]
fn responder_without_ocsp_signing_is_unauthorised() {
    let (pki, _responder) = with_responder(|port| {
        let pki = pki(port);
        let plain = pki.ca.issue(
            "plain",
            &Profile {
                eku: Some("clientAuth"),
                ..Default::default()
            },
        );
        let ca_dir = pki.ca.dir.clone();
        let start = Box::new(move |port| {
            Responder::start(&ca_dir, (&plain.cert_path, &plain.key_path), port, &[])
        });
        (pki, start as Box<dyn Fn(u16) -> Option<Responder>>)
    });
    let status = status_of(&pki, &pki.revoked);
    let SourceProblem::UnauthorisedResponder { detail } = only_problem(&status) else {
        panic!("{status:#?}");
    };
    assert!(detail.contains("OCSPSigning"), "{detail}");
}

/// Sends our own request with `nonce` and returns the raw response.
fn exchange(pki: &Pki, responder: &Responder, leaf: &Issued, nonce: Option<&OcspNonce>) -> Vec<u8> {
    let id = CertId::for_certificate(&leaf.cert, &pki.ca.cert, DigestAlgorithm::Sha256).unwrap();
    let request = OcspRequest::single(id, nonce).to_der().unwrap();
    let options = networked().network.unwrap();
    fetch_ocsp(&responder.url(), &request, &options).unwrap()
}

#[test]
fn nonce_must_match_when_echoed() {
    let (pki, responder) = serve(ca_signer, &[]);
    let sent = OcspNonce::random().unwrap();
    let der = exchange(&pki, &responder, &pki.good, Some(&sent));
    let check_with = |nonce: Option<&OcspNonce>| {
        check_ocsp_response(
            &der,
            nonce,
            SourceOrigin::Supplied,
            &pki.good.cert,
            &pki.ca.cert,
            now(),
            &Default::default(),
        )
    };

    let matched = check_with(Some(&sent));
    assert_eq!(ocsp_evidence(&matched).nonce, NonceCheck::Matched);
    let not_sent = check_with(None);
    assert_eq!(ocsp_evidence(&not_sent).nonce, NonceCheck::NotSent);

    let other = OcspNonce::random().unwrap();
    let mismatch = check_with(Some(&other));
    assert_eq!(only_problem(&mismatch), &SourceProblem::NonceMismatch);

    // Without a nonce in the request, the responder sends none: nothing to compare.
    let der = exchange(&pki, &responder, &pki.good, None);
    let status = check_ocsp_response(
        &der,
        Some(&sent),
        SourceOrigin::Supplied,
        &pki.good.cert,
        &pki.ca.cert,
        now(),
        &Default::default(),
    );
    assert_eq!(ocsp_evidence(&status).nonce, NonceCheck::NotEchoed);
}

#[test]
fn response_for_another_certificate_does_not_decide() {
    let (pki, responder) = serve(ca_signer, &[]);
    // A SHA-256 CertID this time; SHA-1 ones are covered by the networked checks.
    let der = exchange(&pki, &responder, &pki.revoked, None);
    let mut sources = RevocationSources::new();
    sources.add_ocsp_responses(&der, SourceOrigin::Embedded);
    let options = Default::default();

    let status = check(&pki.good.cert, &pki.ca.cert, now(), &sources, &options);
    assert_eq!(only_problem(&status), &SourceProblem::OtherCertificate);

    // The same response does decide for the certificate it is about.
    let status = check(&pki.revoked.cert, &pki.ca.cert, now(), &sources, &options);
    assert!(status.is_revoked(), "{status:#?}");
}

#[test]
fn responder_down_is_try_later() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let port = free_port();
    let leaf = ca.issue(
        "leaf",
        &Profile {
            ocsp_url: Some(url(port, "")),
            crl_url: Some(url(port, "ca.crl")),
            ..Default::default()
        },
    );
    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &RevocationSources::new(),
        &networked(),
    );
    let RevocationStatus::Indeterminate {
        reason: IndeterminateReason::NoUsableSource,
        rejected,
        ..
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert_eq!(
        rejected.len(),
        2,
        "the responder and the distribution point"
    );
    assert!(
        rejected
            .iter()
            .all(|r| matches!(r.problem, SourceProblem::Unreachable { .. }))
    );
    assert_eq!(
        status.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );
}

#[test]
fn supplied_response_from_the_past_speaks_for_a_later_time_only_within_its_validity() {
    let (pki, responder) = serve(ca_signer, &[]);
    let der = exchange(&pki, &responder, &pki.good, None);
    drop(responder);
    let mut sources = RevocationSources::new();
    sources.add_ocsp_responses(&der, SourceOrigin::Supplied);
    // -nmin 60: nextUpdate is an hour away.
    let soon = now() + std::time::Duration::from_secs(1800);
    let later = now() + std::time::Duration::from_secs(3 * 3600);
    let options = Default::default();
    assert!(check(&pki.good.cert, &pki.ca.cert, soon, &sources, &options).is_good());
    let stale = check(&pki.good.cert, &pki.ca.cert, later, &sources, &options);
    assert!(matches!(only_problem(&stale), SourceProblem::Stale { .. }));
}
