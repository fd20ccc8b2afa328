//! CMS / CAdES signing against real peers: what `signer::cades` makes must verify with
//! `openssl cms -verify` and validate TOTAL-PASSED with our verifier, at B-B, B-T and B-LT,
//! ECDSA and RSA, attached and detached, and after adding a signer.
#![allow(clippy::unwrap_used)]

mod cades_support;

use cms::content_info::{CmsVersion, ContentInfo};
use der::{Any, Decode as _, Encode as _, Tag, TagNumber, Tagged as _};
use sha2::{Digest as _, Sha256};
use signer::cades::{
    self, CadesError, CmsRequest, Content, Level, LevelServices, RevocationValues,
    SuppliedRevocation,
};
use signer::keys::SignatureKey;
use signer::tsa::Timestamper;
use verifier::cms::SignedMessage;
use verifier::cms::oid::ID_RI_OCSP_RESPONSE;
use verifier::cms::syntax::SignedDataSyntax;
use verifier::report::Indication;

use cades_support::{
    BrokenTsa, Revocation, TestTsa, assert_passes, now, openssl, openssl_verify, pki, validate,
};

const DATA: &[u8] = b"Bir kelisim: the parties agree.\r\n\x00\xff binary too";

fn syntax(der: &[u8]) -> SignedDataSyntax {
    ContentInfo::from_der(der)
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn sign(
    key: &dyn SignatureKey,
    content: Content<'_>,
    detached: bool,
    level: Level,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, CadesError> {
    let request = CmsRequest {
        content,
        detached,
        level,
        signing_time: now(),
    };
    cades::sign_cms(&request, key, services)
}

/// B-B and B-T with `key`, attached or detached: OpenSSL verifies, ours passes with the
/// CRLs supplied, and a B-T report shows a passed signature time-stamp that dates it.
fn check_b_b_and_b_t(key_name: &str, detached: bool) {
    let key = pki().key(key_name);
    let tsa = TestTsa::new(pki());
    let services = LevelServices {
        timestamper: Some(&tsa),
        ..LevelServices::default()
    };
    for level in [Level::BB, Level::BT] {
        let der = sign(&key, Content::Data(DATA), detached, level, &services).unwrap();
        let content = detached.then_some(DATA);
        let verified = openssl_verify(&der, content).unwrap_or_else(|e| panic!("{level}: {e}"));
        assert_eq!(verified, DATA, "{level}");
        assert_eq!(
            syntax(&der).encap_content_info.econtent.is_none(),
            detached,
            "{level}"
        );
        assert_eq!(syntax(&der).version, CmsVersion::V1);

        let report = validate(&der, content, Revocation::SuppliedCrls);
        assert_passes(&report);
        let signature = &report.signatures[0];
        assert!(signature.claimed_signing_time.is_some());
        if level == Level::BT {
            assert_eq!(signature.signature_timestamps.len(), 1);
            assert_eq!(
                signature.signature_timestamps[0].indication,
                Indication::TotalPassed
            );
            assert_eq!(signature.validation_time_source, "signature-time-stamp");
        } else {
            assert!(signature.signature_timestamps.is_empty());
        }
    }
}

#[test]
fn ecdsa_attached_b_b_and_b_t_verify() {
    check_b_b_and_b_t("ec", false);
}

#[test]
fn ecdsa_detached_b_b_and_b_t_verify() {
    check_b_b_and_b_t("ec", true);
}

#[test]
fn rsa_attached_b_b_and_b_t_verify() {
    check_b_b_and_b_t("rsa", false);
}

#[test]
fn rsa_detached_b_b_and_b_t_verify() {
    check_b_b_and_b_t("rsa", true);
}

#[test]
fn digest_only_signs_detached() {
    let key = pki().key("ec");
    let digest: [u8; 32] = Sha256::digest(DATA).into();
    let services = LevelServices::default();
    let der = sign(&key, Content::Sha256(digest), true, Level::BB, &services).unwrap();
    openssl_verify(&der, Some(DATA)).unwrap();
    assert_passes(&validate(&der, Some(DATA), Revocation::SuppliedCrls));

    let attached = sign(&key, Content::Sha256(digest), false, Level::BB, &services);
    assert!(matches!(attached, Err(CadesError::AttachedDigest)));
}

#[test]
fn wrong_detached_content_fails() {
    let key = pki().key("rsa");
    let der = sign(
        &key,
        Content::Data(DATA),
        true,
        Level::BB,
        &LevelServices::default(),
    )
    .unwrap();
    assert!(openssl_verify(&der, Some(b"other content")).is_err());
    let report = validate(&der, Some(b"other content"), Revocation::Off);
    assert_eq!(report.indication, Indication::TotalFailed);
}

/// B-LT over the PKI's CRLs: validates with revocation checking on and no source but what
/// the signature embeds, where the same signature at B-T does not.
#[test]
fn b_lt_validates_from_embedded_values_only() {
    let tmp = tempfile::tempdir().unwrap();
    pki().write(tmp.path(), &["root.crl", "inter.crl"]);
    let crls = [tmp.path().join("root.crl"), tmp.path().join("inter.crl")];
    let revocation = SuppliedRevocation::from_files(&crls, &[] as &[&str]).unwrap();
    let tsa = TestTsa::new(pki());
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: Some(&revocation),
        extra_certificates: &[],
    };
    for key_name in ["ec", "rsa"] {
        let key = pki().key(key_name);
        let der = sign(&key, Content::Data(DATA), false, Level::BLT, &services).unwrap();
        openssl_verify(&der, None).unwrap();
        let report = validate(&der, None, Revocation::EmbeddedOnly);
        assert_passes(&report);
        assert_eq!(report.signatures[0].signature_timestamps.len(), 1);
        assert_eq!(
            report.signatures[0].signature_timestamps[0].indication,
            Indication::TotalPassed
        );

        let sd = syntax(&der);
        assert_eq!(sd.version, CmsVersion::V1, "CRLs only");
        assert_eq!(sd.crls.as_ref().unwrap().len(), 2);
        // Signer, intermediate, root and the TSA, each once.
        assert_eq!(sd.certificates.as_ref().unwrap().len(), 4);

        let b_t = sign(&key, Content::Data(DATA), false, Level::BT, &services).unwrap();
        let report = validate(&b_t, None, Revocation::EmbeddedOnly);
        assert_eq!(report.indication, Indication::Indeterminate);
    }
}

/// B-LT with an OCSP response: embedded as RFC 5940 §3 says (`other` [1] with
/// `id-ri-ocsp-response` and the whole `OCSPResponse`), SignedData version 5, accepted by
/// OpenSSL and by our verifier from what is embedded.
#[test]
fn b_lt_embeds_ocsp_responses_per_rfc_5940() {
    let pki = pki();
    let mut revocation = SuppliedRevocation::new();
    revocation
        .add_crl(pki.file("root.crl").to_vec(), "root.crl")
        .unwrap();
    let ocsp = pki.file("ec.ocsp").to_vec();
    revocation
        .add_ocsp_response(ocsp.clone(), "ec.ocsp")
        .unwrap();
    let tsa = TestTsa::new(pki);
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: Some(&revocation),
        extra_certificates: &[],
    };
    let der = sign(
        &pki.key("ec"),
        Content::Data(DATA),
        true,
        Level::BLT,
        &services,
    )
    .unwrap();

    let sd = syntax(&der);
    assert_eq!(
        sd.version,
        CmsVersion::V5,
        "RFC 5652 §5.1: other revocation info"
    );
    let other = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(1),
    };
    let choice = sd
        .crls
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.tag() == other)
        .expect("an `other` RevocationInfoChoice");
    let mut expected = ID_RI_OCSP_RESPONSE.to_der().unwrap();
    expected.extend_from_slice(&ocsp);
    assert_eq!(choice.value(), expected.as_slice());
    let message = SignedMessage::parse(&der).unwrap();
    assert_eq!(message.revocation_data().ocsp_responses[0].0, ocsp);

    openssl_verify(&der, Some(DATA)).unwrap();
    assert_passes(&validate(&der, Some(DATA), Revocation::EmbeddedOnly));
}

#[test]
fn b_lt_refuses_what_cannot_be_proven() {
    let pki = pki();
    let tsa = TestTsa::new(pki);
    let mut all = SuppliedRevocation::new();
    all.add_crl(pki.file("root.crl").to_vec(), "root").unwrap();
    all.add_crl(pki.file("inter.crl").to_vec(), "inter")
        .unwrap();
    let mut root_only = SuppliedRevocation::new();
    root_only
        .add_crl(pki.file("root.crl").to_vec(), "root")
        .unwrap();
    fn with<'a>(
        tsa: &'a TestTsa,
        revocation: Option<&'a dyn RevocationValues>,
    ) -> LevelServices<'a> {
        LevelServices {
            timestamper: Some(tsa),
            revocation,
            extra_certificates: &[],
        }
    }
    let b_lt = |key: &str, services: &LevelServices<'_>| {
        sign(
            &pki.key(key),
            Content::Data(DATA),
            false,
            Level::BLT,
            services,
        )
    };

    let revoked = b_lt("revoked", &with(&tsa, Some(&all)));
    assert!(
        matches!(&revoked, Err(CadesError::Revoked { subject }) if subject.contains("Revoked Signer")),
        "{revoked:?}"
    );
    let missing = b_lt("ec", &with(&tsa, Some(&root_only)));
    assert!(
        matches!(&missing, Err(CadesError::RevocationMissing { subject, .. }) if subject.contains("EC Signer")),
        "{missing:?}"
    );
    assert!(matches!(
        b_lt("ec", &with(&tsa, None)),
        Err(CadesError::NoRevocationSource)
    ));
    assert!(matches!(
        SuppliedRevocation::new().add_crl(b"not a CRL".to_vec(), "junk"),
        Err(CadesError::RevocationSource { .. })
    ));
}

#[test]
fn b_t_needs_a_working_authority() {
    let key = pki().key("ec");
    let none = sign(
        &key,
        Content::Data(DATA),
        false,
        Level::BT,
        &LevelServices::default(),
    );
    assert!(matches!(none, Err(CadesError::NoTimestamper(Level::BT))));
    let broken: &dyn Timestamper = &BrokenTsa;
    let services = LevelServices {
        timestamper: Some(broken),
        ..LevelServices::default()
    };
    let failed = sign(&key, Content::Data(DATA), false, Level::BT, &services);
    assert!(matches!(failed, Err(CadesError::Timestamp(_))));
}

/// The DER of each signer info.
fn signer_infos(der: &[u8]) -> Vec<Vec<u8>> {
    syntax(der)
        .signer_infos
        .iter()
        .map(|s| s.to_der().unwrap())
        .collect()
}

/// An OpenSSL-made attached CMS, plus a B-T signer of ours: OpenSSL verifies both signers,
/// ours passes both, and OpenSSL's signer info is byte for byte what it was.
#[test]
fn add_signer_to_an_openssl_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki().write(dir, &["other.pem", "other.key", "inter.pem"]);
    std::fs::write(dir.join("data"), DATA).unwrap();
    openssl(
        dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "data",
            "-signer",
            "other.pem",
            "-inkey",
            "other.key",
            "-certfile",
            "inter.pem",
            "-outform",
            "DER",
            "-out",
            "openssl.p7s",
        ],
    );
    let existing = std::fs::read(dir.join("openssl.p7s")).unwrap();
    openssl_verify(&existing, None).unwrap();

    let tsa = TestTsa::new(pki());
    let services = LevelServices {
        timestamper: Some(&tsa),
        ..LevelServices::default()
    };
    let both = cades::add_signer(
        &existing,
        None,
        &pki().key("rsa"),
        Level::BT,
        now(),
        &services,
    )
    .unwrap();

    assert_eq!(openssl_verify(&both, None).unwrap(), DATA);
    let report = validate(&both, None, Revocation::SuppliedCrls);
    assert_eq!(report.signatures.len(), 2);
    assert_passes(&report);
    let after = signer_infos(&both);
    for before in signer_infos(&existing) {
        assert!(after.contains(&before), "OpenSSL's signer info was changed");
    }
    // SHA-256 was already listed by OpenSSL; the intermediate was already embedded.
    let sd = syntax(&both);
    assert_eq!(sd.digest_algorithms.len(), 1);
    let certs: Vec<Any> = sd.certificates.unwrap().into_vec();
    let mut unique = certs.clone();
    unique.dedup();
    assert_eq!(unique.len(), certs.len());
}

/// Our detached B-B signature plus a second signer of ours at B-T: both verify with
/// OpenSSL and ours, and nothing is embedded twice.
#[test]
fn add_signer_to_our_detached_signature() {
    let services = LevelServices::default();
    let first = sign(
        &pki().key("ec"),
        Content::Data(DATA),
        true,
        Level::BB,
        &services,
    )
    .unwrap();
    let tsa = TestTsa::new(pki());
    let services = LevelServices {
        timestamper: Some(&tsa),
        ..LevelServices::default()
    };
    let both = cades::add_signer(
        &first,
        Some(DATA),
        &pki().key("rsa"),
        Level::BT,
        now(),
        &services,
    )
    .unwrap();
    openssl_verify(&both, Some(DATA)).unwrap();
    let report = validate(&both, Some(DATA), Revocation::SuppliedCrls);
    assert_eq!(report.signatures.len(), 2);
    assert_passes(&report);
    assert!(signer_infos(&both).contains(&signer_infos(&first)[0]));
    let sd = syntax(&both);
    assert_eq!(sd.version, CmsVersion::V1);
    assert_eq!(sd.digest_algorithms.len(), 1);
    // Two signers, the intermediate and the root.
    assert_eq!(sd.certificates.as_ref().unwrap().len(), 4);
    assert!(openssl_verify(&both, Some(b"other content")).is_err());
}

#[test]
fn add_signer_refuses_to_sign_other_content() {
    let key = pki().key("ec");
    let services = LevelServices::default();
    let detached = sign(&key, Content::Data(DATA), true, Level::BB, &services).unwrap();
    let attached = sign(&key, Content::Data(DATA), false, Level::BB, &services).unwrap();
    let add = |existing: &[u8], content: Option<&[u8]>| {
        cades::add_signer(existing, content, &key, Level::BB, now(), &services)
    };
    assert!(matches!(
        add(&detached, None),
        Err(CadesError::ContentMissing)
    ));
    assert!(matches!(
        add(&detached, Some(b"other")),
        Err(CadesError::ContentMismatch { signer: 0 })
    ));
    assert!(matches!(
        add(&attached, Some(b"other")),
        Err(CadesError::ContentConflict)
    ));
    assert!(add(&attached, Some(DATA)).is_ok());
    assert!(matches!(
        add(b"\x30\x03\x02\x01\x01", None),
        Err(CadesError::Malformed { .. })
    ));
}

/// Serves `files` over HTTP/1.1 on `listener`, one connection at a time, for as long as the
/// test binary runs.
fn serve(listener: std::net::TcpListener, files: Vec<(String, Vec<u8>)>) {
    use std::io::{BufRead as _, BufReader, Write as _};
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or_default();
            let found = files.iter().find(|(name, _)| path == format!("/{name}"));
            let (status, body) = match found {
                Some((_, body)) => ("200 OK", body.as_slice()),
                None => ("404 Not Found", &b""[..]),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
}

/// B-LT with values fetched from the CRL distribution points the certificates name (a
/// local HTTP server): validates from what is embedded. Certificates naming no location
/// cannot be proven.
#[test]
fn b_lt_fetches_crls_from_distribution_points() {
    use signer::cades::FetchingRevocation;
    use verifier::revocation::NetworkOptions;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fetched_pki = cades_support::Pki::generate(Some(&base));
    let files = ["root.crl", "inter.crl"]
        .map(|name| (name.to_owned(), fetched_pki.file(name).to_vec()))
        .to_vec();
    serve(listener, files);

    let revocation = FetchingRevocation::new(NetworkOptions::default());
    let tsa = TestTsa::new(&fetched_pki);
    let services = LevelServices {
        timestamper: Some(&tsa),
        revocation: Some(&revocation),
        extra_certificates: &[],
    };
    let der = sign(
        &fetched_pki.key("ec"),
        Content::Data(DATA),
        false,
        Level::BLT,
        &services,
    )
    .unwrap();
    assert_eq!(syntax(&der).crls.as_ref().unwrap().len(), 2);
    let policy = cades_support::policy(&fetched_pki, Revocation::EmbeddedOnly);
    assert_passes(&verifier::validation::validate_cms(&der, None, &policy).unwrap());

    let nowhere = revocation.values_for(&[pki().cert("ec"), pki().cert("inter")]);
    assert!(
        matches!(&nowhere, Err(CadesError::RevocationMissing { reason, .. }) if reason.contains("names no http:")),
        "{nowhere:?}"
    );
}
