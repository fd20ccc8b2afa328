//! CRL checks against a PKI run by `openssl ca`: complete and delta CRLs, holds, staleness,
//! wrong signers and issuers, and fetching from a distribution point on loopback.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::net::TcpListener;

use revocation_common::http::HttpServer;
use revocation_common::{Ca, Profile, hours_from_now, networked, now, url};
use verifier::revocation::{
    EtsiSubIndication, Evidence, IndeterminateReason, NotConsultedReason, RevocationOptions,
    RevocationReason, RevocationSources, RevocationStatus, SourceOrigin, SourceProblem, check,
};

const KU: &str = "keyCertSign,cRLSign";

fn sources(crls: &[&[u8]]) -> RevocationSources {
    let mut sources = RevocationSources::new();
    for crl in crls {
        assert_eq!(sources.add_crls(crl, SourceOrigin::Supplied), 1);
    }
    sources
}

fn only_problem(status: &RevocationStatus) -> &SourceProblem {
    let RevocationStatus::Indeterminate { rejected, .. } = status else {
        panic!("expected indeterminate, got {status:#?}");
    };
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    &rejected[0].problem
}

#[test]
fn good_and_revoked_with_reason_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let good = ca.issue("good", &Profile::default());
    let bad = ca.issue("bad", &Profile::default());
    ca.revoke(&bad, "keyCompromise");
    let crl = ca.crl(24);
    let sources = sources(&[&crl]);
    let options = RevocationOptions::default();

    let status = check(&good.cert, &ca.cert, now(), &sources, &options);
    let RevocationStatus::Good {
        evidence: Evidence::Crl(evidence),
        revoked_after_time: None,
        rejected,
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert!(rejected.is_empty());
    assert_eq!(evidence.issuer, "CN=Test CA");
    assert_eq!(evidence.number.as_deref(), Some("1"));
    assert_eq!(evidence.signature_algorithm, "ecdsa-with-SHA256");
    assert!(evidence.next_update.is_some());
    assert_eq!(status.etsi_sub_indication(), None);

    let status = check(&bad.cert, &ca.cert, now(), &sources, &options);
    let RevocationStatus::Revoked {
        at,
        reason: Some(RevocationReason::KeyCompromise),
        on_hold: false,
        ..
    } = &status
    else {
        panic!("{status:#?}");
    };
    let age = now().duration_since(at.to_system_time()).unwrap();
    assert!(
        age.as_secs() < 600,
        "revocation date is when openssl revoked it"
    );

    // The report form.
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["status"], "revoked");
    assert_eq!(json["reason"], "keyCompromise");
    assert_eq!(json["evidence"]["kind"], "crl");
    assert_eq!(json["evidence"]["origin"]["from"], "supplied");
}

#[test]
fn pem_crls_are_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let der = ca.crl(24);
    let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &der).unwrap();
    let mut sources = RevocationSources::new();
    let text = format!("a CRL:\n{pem}");
    assert_eq!(sources.add_crls(text.as_bytes(), SourceOrigin::Embedded), 1);
    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources,
        &RevocationOptions::default(),
    );
    assert!(status.is_good(), "{status:#?}");
}

#[test]
fn revocation_after_the_validation_time_is_good_at_that_time() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    ca.revoke(&leaf, "superseded");
    let crl = ca.crl(24);
    let sources = sources(&[&crl]);
    let earlier = hours_from_now(-1);

    // The CRL was issued after that time: not usable unless later information is accepted.
    let strict = check(
        &leaf.cert,
        &ca.cert,
        earlier,
        &sources,
        &RevocationOptions::default(),
    );
    assert!(matches!(
        only_problem(&strict),
        SourceProblem::IssuedAfterTime { .. }
    ));
    assert_eq!(
        strict.etsi_sub_indication(),
        Some(EtsiSubIndication::RevocationOutOfBoundsNoPoe)
    );

    let options = RevocationOptions {
        accept_issued_after_time: true,
        ..Default::default()
    };
    let status = check(&leaf.cert, &ca.cert, earlier, &sources, &options);
    let RevocationStatus::Good {
        revoked_after_time: Some(later),
        ..
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert_eq!(later.reason, Some(RevocationReason::Superseded));
    assert!(later.at.to_system_time() > earlier);
}

#[test]
fn stale_crl_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let crl = ca.crl(1);
    let sources = sources(&[&crl]);
    let status = check(
        &leaf.cert,
        &ca.cert,
        hours_from_now(2),
        &sources,
        &RevocationOptions::default(),
    );
    assert!(matches!(only_problem(&status), SourceProblem::Stale { .. }));
    assert!(matches!(
        status,
        RevocationStatus::Indeterminate {
            reason: IndeterminateReason::NoUsableSource,
            ..
        }
    ));
    assert_eq!(
        status.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );
}

#[test]
fn crl_signed_by_another_key_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    // Same name, different key.
    let impostor = Ca::new(dir.path(), "impostor", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let crl = impostor.crl(24);
    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&crl]),
        &Default::default(),
    );
    assert!(
        matches!(
            only_problem(&status),
            SourceProblem::SignatureInvalid { .. }
        ),
        "{status:#?}"
    );
}

#[test]
fn crl_of_another_issuer_is_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let other = Ca::new(dir.path(), "other", "Other CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let crl = other.crl(24);
    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&crl]),
        &Default::default(),
    );
    let SourceProblem::OtherIssuer { detail } = only_problem(&status) else {
        panic!("{status:#?}");
    };
    assert!(detail.contains("CN=Other CA"), "{detail}");
    assert_eq!(
        status.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );
}

#[test]
fn issuer_without_crl_sign_cannot_sign_crls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", "keyCertSign");
    let leaf = ca.issue("leaf", &Profile::default());
    let crl = ca.crl(24);
    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&crl]),
        &Default::default(),
    );
    assert_eq!(only_problem(&status), &SourceProblem::IssuerNotCrlSigner);
}

#[test]
fn delta_crl_revokes_on_top_of_its_base() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let base = ca.crl(24); // number 1, leaf not listed
    ca.revoke(&leaf, "cessationOfOperation");
    let delta = ca.delta_crl(24, 1); // number 2, base 1

    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&base, &delta]),
        &Default::default(),
    );
    let RevocationStatus::Revoked {
        reason: Some(RevocationReason::CessationOfOperation),
        evidence: Evidence::Crl(evidence),
        rejected,
        ..
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert!(rejected.is_empty(), "{rejected:#?}");
    assert_eq!(evidence.number.as_deref(), Some("1"));
    let delta_evidence = evidence.delta.as_ref().unwrap();
    assert_eq!(delta_evidence.number.as_deref(), Some("2"));

    // The base alone does not know; the delta alone cannot be used.
    let base_only = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&base]),
        &Default::default(),
    );
    assert!(base_only.is_good());
    let delta_only = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&delta]),
        &Default::default(),
    );
    assert_eq!(
        only_problem(&delta_only),
        &SourceProblem::DeltaWithoutBase {
            base_number: "1".into()
        }
    );
}

#[test]
fn delta_crl_refreshes_a_stale_base() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let base = ca.crl(1); // stale in two hours
    let delta = ca.delta_crl(24, 1);
    let later = hours_from_now(2);
    let status = check(
        &leaf.cert,
        &ca.cert,
        later,
        &sources(&[&base, &delta]),
        &Default::default(),
    );
    assert!(status.is_good(), "{status:#?}");
    assert!(status.rejected().is_empty());
}

#[test]
fn hold_is_revoked_and_remove_from_crl_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    ca.hold(&leaf);
    let base = ca.crl(24); // number 1: on hold
    let held = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&base]),
        &Default::default(),
    );
    let RevocationStatus::Revoked {
        reason: Some(RevocationReason::CertificateHold),
        on_hold: true,
        ..
    } = &held
    else {
        panic!("{held:#?}");
    };

    ca.lift_holds();
    let delta = ca.delta_crl(24, 1); // number 2: removeFromCRL
    let crl = verifier::revocation::Crl::from_der(&delta).unwrap();
    let entry = crl
        .entry(leaf.cert.tbs_certificate().serial_number())
        .unwrap()
        .unwrap();
    assert_eq!(entry.reason, Some(RevocationReason::RemoveFromCrl));

    let lifted = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &sources(&[&base, &delta]),
        &Default::default(),
    );
    let RevocationStatus::Good {
        evidence: Evidence::Crl(evidence),
        ..
    } = &lifted
    else {
        panic!("{lifted:#?}");
    };
    assert!(evidence.delta.is_some());
}

#[test]
fn crl_fetched_from_the_distribution_point() {
    let dir = tempfile::tempdir().unwrap();
    let server = HttpServer::start();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let profile = Profile {
        crl_url: Some(url(server.port, "ca.crl")),
        ..Default::default()
    };
    let leaf = ca.issue("leaf", &profile);
    ca.revoke(&leaf, "affiliationChanged");
    server.set_body(ca.crl(24));

    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &RevocationSources::new(),
        &networked(),
    );
    let RevocationStatus::Revoked {
        reason: Some(RevocationReason::AffiliationChanged),
        evidence: Evidence::Crl(evidence),
        ..
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert_eq!(
        evidence.origin,
        SourceOrigin::Fetched {
            uri: url(server.port, "ca.crl")
        }
    );
    assert_eq!(server.requests(), 1);
}

#[test]
fn network_disallowed_makes_no_connection() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let profile = Profile {
        ocsp_url: Some(url(port, "")),
        crl_url: Some(url(port, "ca.crl")),
        ..Default::default()
    };
    let leaf = ca.issue("leaf", &profile);

    let status = check(
        &leaf.cert,
        &ca.cert,
        now(),
        &RevocationSources::new(),
        &RevocationOptions::default(),
    );
    let RevocationStatus::Indeterminate {
        reason: IndeterminateReason::NoSource,
        rejected,
        not_consulted,
    } = &status
    else {
        panic!("{status:#?}");
    };
    assert!(rejected.is_empty());
    assert_eq!(not_consulted.len(), 2);
    assert!(
        not_consulted
            .iter()
            .all(|n| n.why == NotConsultedReason::NetworkNotAllowed)
    );
    assert_eq!(
        status.etsi_sub_indication(),
        Some(EtsiSubIndication::TryLater)
    );
    let err = listener.accept().unwrap_err();
    assert_eq!(
        err.kind(),
        std::io::ErrorKind::WouldBlock,
        "no connection was made"
    );
}

#[test]
fn garbage_sources_are_reported_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "ca", "Test CA", KU);
    let leaf = ca.issue("leaf", &Profile::default());
    let mut sources = RevocationSources::new();
    sources.add_crls(b"\x30\x03\x02\x01\x01", SourceOrigin::Embedded);
    sources.add_ocsp_responses(b"not an OCSP response", SourceOrigin::Embedded);
    let status = check(&leaf.cert, &ca.cert, now(), &sources, &Default::default());
    let RevocationStatus::Indeterminate { rejected, .. } = &status else {
        panic!("{status:#?}");
    };
    assert_eq!(rejected.len(), 2);
    assert!(
        rejected
            .iter()
            .all(|r| matches!(r.problem, SourceProblem::Malformed { .. }))
    );
}
