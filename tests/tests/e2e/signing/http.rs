//! `POST /v1/sign/cms`: every level and form verified by OpenSSL and by us, the errors, and
//! parallel signing.

use std::collections::HashSet;
use std::path::Path;

use tests::DalelServer;
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::report::Indication;
use verifier::revocation::{RevocationOptions, SourceOrigin};
use verifier::validation::{ValidationPolicy, validate_cms};

use super::*;

#[test]
fn signed_over_http_verifies_in_openssl_and_ours() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let url = server.url("");
    let bearer = server.bearer();
    let scratch = server.scratch();
    let root = pki(&server.data_dir(), "root.pem");
    let crl = pki(&server.data_dir(), "root.crl");
    let root_text = std::fs::read_to_string(&root).unwrap();
    assert!(
        root_text.contains("-----BEGIN CERTIFICATE-----"),
        "{root_text}"
    );
    let data = document(1, 5000);
    let data_file = scratch.join("doc");
    std::fs::write(&data_file, &data).unwrap();

    let mut signatures = Vec::new();
    for detached in [true, false] {
        for level in ["B-B", "B-T", "B-LT"] {
            let what = format!("detached={detached} level={level}");
            let answer = sign(
                &agent,
                &url,
                Some(&bearer),
                &format!("detached={detached}&level={level}&key=seal"),
                &data,
            );
            assert_eq!(
                answer.status,
                200,
                "{what}: {}",
                String::from_utf8_lossy(&answer.body)
            );
            let expected = if detached {
                DETACHED_TYPE
            } else {
                ATTACHED_TYPE
            };
            assert_eq!(answer.content_type, expected, "{what}");
            assert_eq!(answer.body[0], 0x30, "{what}: DER SEQUENCE");
            let signature = scratch.join(format!("sig-{detached}-{level}.der"));
            std::fs::write(&signature, &answer.body).unwrap();

            // OpenSSL: the signature, the chain to the development root, the content.
            let content = detached.then_some(data_file.as_path());
            let extracted = openssl_cms_verify(&signature, content, &root, scratch);
            if !detached {
                assert_eq!(extracted, data, "{what}: the attached content");
            }

            // dalel-verify: B-LT carries its revocation values and passes offline with the
            // root alone; B-B and B-T carry none, so the root's CRL is handed in (without it
            // the revocation status is unknown: INDETERMINATE, exit 2).
            if level == "B-LT" {
                let (code, text) = dalel_verify(&signature, content, &root, &[]);
                assert_eq!(code, 0, "{what}:\n{text}");
                assert!(text.contains("TOTAL-PASSED"), "{what}:\n{text}");
            } else {
                let (code, text) = dalel_verify(&signature, content, &root, &[]);
                assert_eq!(code, 2, "{what}:\n{text}");
                let (code, text) =
                    dalel_verify(&signature, content, &root, &[Path::new("--crl"), &crl]);
                assert_eq!(code, 0, "{what}:\n{text}");
            }
            signatures.push(answer.body);
        }
    }
    // Every signature differs (fresh signing time, randomised ECDSA, levels, content).
    let distinct: HashSet<&Vec<u8>> = signatures.iter().collect();
    assert_eq!(distinct.len(), signatures.len());

    // POST /v1/verify: the detached B-LT one passes under the embedded default trust.
    let (content_type, body) = multipart(&[("signature", &signatures[2]), ("data", &data)]);
    let answer = Answer::of(
        agent
            .post(&server.url("/v1/verify"))
            .header("Authorization", &bearer)
            .header("Content-Type", &content_type)
            .send(&body[..])
            .unwrap(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let report: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(report["indication"], "TOTAL-PASSED", "{report:#}");
    assert_eq!(report["input"]["kind"], "cms", "{report:#}");
    assert_eq!(report["input"]["detached_content"], true, "{report:#}");
    assert!(
        report["trust"]["note"]
            .as_str()
            .unwrap()
            .contains("NOT FOR EVIDENCE"),
        "{report:#}"
    );
    let signature = &report["signatures"][0];
    assert_eq!(signature["indication"], "TOTAL-PASSED", "{report:#}");
    assert_eq!(
        signature["signature_timestamps"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert_eq!(
        signature["signature_timestamps"][0]["indication"], "TOTAL-PASSED",
        "{report:#}"
    );
    // The same signature over other content fails.
    let (content_type, body) =
        multipart(&[("signature", &signatures[2]), ("data", b"other content")]);
    let report: serde_json::Value = agent
        .post(&server.url("/v1/verify"))
        .header("Authorization", &bearer)
        .header("Content-Type", &content_type)
        .send(&body[..])
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(report["indication"], "TOTAL-FAILED", "{report:#}");

    // The digest form: a detached signature over a SHA-256 the client computed.
    let digest = sha256_hex(&data_file);
    let answer = Answer::of(
        agent
            .post(&server.url("/v1/sign/cms"))
            .header("Authorization", &bearer)
            .send_json(serde_json::json!({"sha256": digest, "level": "B-T", "key": "seal"}))
            .unwrap(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type, DETACHED_TYPE);
    let signature = scratch.join("sig-digest.der");
    std::fs::write(&signature, &answer.body).unwrap();
    openssl_cms_verify(&signature, Some(&data_file), &root, scratch);
    let (code, text) = dalel_verify(
        &signature,
        Some(&data_file),
        &root,
        &[Path::new("--crl"), &crl],
    );
    assert_eq!(code, 0, "{text}");
}

#[test]
fn sign_errors() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[signing]\nmax_body_bytes = 1000\n").unwrap();
    let server = DalelServer::start(&["--config", config.path().to_str().unwrap()]);
    let agent = agent();
    let url = server.url("");
    let bearer = server.bearer();

    // No token, a wrong token.
    let answer = sign(&agent, &url, None, "", b"data");
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), "unauthorized");
    let answer = sign(&agent, &url, Some("Bearer not-a-token"), "", b"data");
    assert_eq!(answer.status, 401);
    // The refused body is never read, so the server closes the connection and says so: the
    // next request must not go down it (it would meet "peer disconnected").
    assert_eq!(answer.connection, "close");

    // An unknown key, in either form.
    let answer = sign(&agent, &url, Some(&bearer), "key=nope", b"data");
    assert_eq!(answer.status, 404);
    assert_eq!(answer.error(), "unknown_key");
    let answer = Answer::of(
        agent
            .post(&server.url("/v1/sign/cms"))
            .header("Authorization", &bearer)
            .send_json(serde_json::json!({"sha256": "ab".repeat(32), "key": "nope"}))
            .unwrap(),
    );
    assert_eq!(answer.status, 404);
    assert_eq!(answer.error(), "unknown_key");

    // Bad parameters.
    for query in [
        "level=B-LTA",
        "level=b-x",
        "detached=maybe",
        "colour=red",
        "level=B-B&level=B-T",
    ] {
        let answer = sign(&agent, &url, Some(&bearer), query, b"data");
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(answer.error(), "bad_request", "{query}");
    }
    for json in [
        serde_json::json!({"sha256": "ab".repeat(32), "level": "B-LTA"}),
        serde_json::json!({"sha256": "ab".repeat(31)}),
        serde_json::json!({"sha256": "zz".repeat(32)}),
        serde_json::json!({"digest": "ab".repeat(32)}),
    ] {
        let answer = Answer::of(
            agent
                .post(&server.url("/v1/sign/cms"))
                .header("Authorization", &bearer)
                .send_json(&json)
                .unwrap(),
        );
        assert_eq!(answer.status, 400, "{json}");
        assert_eq!(answer.error(), "bad_request", "{json}");
    }

    // The body limit of [signing] max_body_bytes: at the limit signed, one byte over refused,
    // with a declared length and streamed without one.
    let answer = sign(&agent, &url, Some(&bearer), "", &[7; 1000]);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let answer = sign(&agent, &url, Some(&bearer), "", &[7; 1001]);
    assert_eq!(answer.status, 413);
    assert_eq!(answer.error(), "too_large");
    let big = [7u8; 5000];
    let answer = Answer::of(
        agent
            .post(&server.url("/v1/sign/cms?detached=true"))
            .header("Authorization", &bearer)
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(&mut &big[..]))
            .unwrap(),
    );
    assert_eq!(answer.status, 413);
    assert_eq!(answer.error(), "too_large");

    // Without a time-stamp authority, B-T and B-LT are unavailable; B-B still works.
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[tsa]\nenabled = false\n").unwrap();
    let server = DalelServer::start(&["--config", config.path().to_str().unwrap()]);
    let url = server.url("");
    let bearer = server.bearer();
    for level in ["B-T", "B-LT"] {
        let answer = sign(
            &agent,
            &url,
            Some(&bearer),
            &format!("level={level}"),
            b"data",
        );
        assert_eq!(answer.status, 501, "{level}");
        assert_eq!(answer.error(), "level_unavailable", "{level}");
    }
    let answer = sign(&agent, &url, Some(&bearer), "level=B-B", b"data");
    assert_eq!(answer.status, 200);
}

#[test]
fn sixty_four_parallel_signatures_are_valid_and_distinct() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let url = server.url("");
    let bearer = server.bearer();
    let documents: Vec<Vec<u8>> = (0..64).map(|i| document(i, 2000 + i)).collect();

    let signatures: Vec<Answer> = std::thread::scope(|scope| {
        let handles: Vec<_> = documents
            .iter()
            .map(|data| {
                let (agent, url, bearer) = (agent.clone(), url.as_str(), bearer.as_str());
                scope
                    .spawn(move || sign(&agent, url, Some(bearer), "detached=true&level=B-B", data))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    for (i, answer) in signatures.iter().enumerate() {
        assert_eq!(
            answer.status,
            200,
            "{i}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.content_type, DETACHED_TYPE, "{i}");
    }
    let distinct: HashSet<&[u8]> = signatures.iter().map(|a| a.body.as_slice()).collect();
    assert_eq!(distinct.len(), 64, "every signature is distinct");

    // Each validates, with revocation checked against the root's CRL, over its own document
    // and not over its neighbour's.
    let root = std::fs::read(pki(&server.data_dir(), "root.pem")).unwrap();
    let crl = std::fs::read(pki(&server.data_dir(), "root.crl")).unwrap();
    let mut policy = ValidationPolicy {
        anchors: parse_certificates(&root)
            .unwrap()
            .into_iter()
            .map(TrustAnchor::from_certificate)
            .collect(),
        revocation: Some(RevocationOptions::default()),
        ..ValidationPolicy::default()
    };
    assert_eq!(policy.anchors.len(), 1);
    assert_eq!(
        policy
            .revocation_sources
            .add_crls(&crl, SourceOrigin::Supplied),
        1
    );
    for (i, (answer, data)) in signatures.iter().zip(&documents).enumerate() {
        let report = validate_cms(&answer.body, Some(data), &policy).unwrap();
        assert_eq!(
            report.indication,
            Indication::TotalPassed,
            "{i}: {:#}",
            serde_json::to_value(&report).unwrap()
        );
        assert!(report.trust.revocation_checked);
        let other = &documents[(i + 1) % documents.len()];
        let report = validate_cms(&answer.body, Some(other), &policy).unwrap();
        assert_eq!(report.indication, Indication::TotalFailed, "{i}");
    }
}
