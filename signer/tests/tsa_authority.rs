//! The RFC 3161 authority (`signer::tsa::Authority`) against real peers: queries made and
//! replies verified by the OpenSSL CLI (`openssl ts`), tokens validated by Dälel's verifier,
//! and its guarantees — refusal codes, unique serials across restarts and threads, monotonic
//! `genTime` under a clock stepped back, a fit certificate.

#![allow(clippy::unwrap_used)]

mod tsa_common;

use std::collections::HashSet;
use std::fs;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use der::Encode as _;
use der::asn1::{Int, OctetString};
use sha2::{Digest as _, Sha256};
use signer::tsa::{
    Authority, AuthoritySettings, CertificateProblem, ImprintAlgorithm, RequestError, Timestamper,
    TsaError,
};
use spki::AlgorithmIdentifierOwned;
use tsa_common::{
    GOOD_EXTENSIONS, KeyType, ManualClock, OTHER_POLICY, POLICY, Pki, Reply, openssl,
};
use verifier::report::Indication;
use verifier::tsp::{
    DefaultFalse, MessageImprint, PkiFailureInfo, PkiStatus, TimeStampReq, TspVersion,
};
use verifier::validation::validate_timestamp;
use x509_cert::ext::Extension;

fn open(pki: &Pki, state: &std::path::Path) -> Authority {
    Authority::open(state, pki.key(), AuthoritySettings::new(POLICY)).unwrap()
}

/// Asks `authority` with the query OpenSSL makes from `args`, writes the reply, and returns
/// it decoded.
fn openssl_round_trip(pki: &Pki, authority: &Authority, args: &[&str]) -> Reply {
    let d = pki.dir.path();
    fs::write(d.join("data.txt"), b"the document to time-stamp").unwrap();
    let mut query = vec!["ts", "-query", "-data", "data.txt", "-out", "q.tsq"];
    query.extend_from_slice(args);
    openssl(d, &query);
    let reply = authority.respond(&fs::read(d.join("q.tsq")).unwrap());
    fs::write(d.join("reply.tsr"), &reply).unwrap();
    Reply::parse(&reply)
}

fn request(imprint: MessageImprint) -> TimeStampReq {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint,
        req_policy: None,
        nonce: None,
        cert_req: DefaultFalse::from(true),
        extensions: None,
    }
}

fn digest(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[test]
fn openssl_verifies_sha2_tokens_with_and_without_nonce() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    for hash in ["-sha256", "-sha384", "-sha512"] {
        for nonce in [true, false] {
            let mut args = vec![hash, "-cert"];
            if !nonce {
                args.push("-no_nonce");
            }
            let reply = openssl_round_trip(&pki, &authority, &args);
            assert_eq!(
                reply.status(),
                PkiStatus::Granted,
                "{hash}: {}",
                reply.text()
            );
            let info = reply.info();
            assert_eq!(info.policy, POLICY);
            assert_eq!(info.nonce.is_some(), nonce, "{hash}");
            assert!(info.accuracy.is_some());
            assert!(reply.signed_data.as_ref().unwrap().certificates.is_some());
            openssl(
                pki.dir.path(),
                &[
                    "ts",
                    "-verify",
                    "-data",
                    "data.txt",
                    "-in",
                    "reply.tsr",
                    "-CAfile",
                    "root.pem",
                ],
            );
            // The query's nonce is echoed: OpenSSL checks it against the query too.
            openssl(
                pki.dir.path(),
                &[
                    "ts",
                    "-verify",
                    "-queryfile",
                    "q.tsq",
                    "-in",
                    "reply.tsr",
                    "-CAfile",
                    "root.pem",
                ],
            );
        }
    }
}

#[test]
fn without_cert_req_the_token_carries_no_certificate() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    let reply = openssl_round_trip(&pki, &authority, &["-sha256"]);
    assert_eq!(reply.status(), PkiStatus::Granted);
    assert!(reply.signed_data.as_ref().unwrap().certificates.is_none());
    openssl(
        pki.dir.path(),
        &[
            "ts",
            "-verify",
            "-data",
            "data.txt",
            "-in",
            "reply.tsr",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "tsa.pem",
        ],
    );
}

#[test]
fn the_tsa_name_option_names_the_certificate_subject() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let settings = AuthoritySettings {
        include_tsa_name: true,
        accuracy: Duration::from_millis(1500),
        ..AuthoritySettings::new(POLICY)
    };
    let authority = Authority::open(state.path(), pki.key(), settings).unwrap();
    let reply = openssl_round_trip(&pki, &authority, &["-sha256", "-cert"]);
    assert!(reply.info().tsa.is_some());
    let text = openssl(
        pki.dir.path(),
        &["ts", "-reply", "-in", "reply.tsr", "-text"],
    );
    assert!(
        text.contains("TSA: DirName:") && text.contains("Dalel Test TSA"),
        "{text}"
    );
    assert!(
        text.contains("Accuracy: 0x01 seconds, 0x01F4 millis"),
        "{text}"
    );
    openssl(
        pki.dir.path(),
        &[
            "ts",
            "-verify",
            "-data",
            "data.txt",
            "-in",
            "reply.tsr",
            "-CAfile",
            "root.pem",
        ],
    );
}

#[test]
fn sha1_query_is_refused_with_bad_alg() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    let reply = openssl_round_trip(&pki, &authority, &["-sha1", "-cert"]);
    assert_eq!(reply.status(), PkiStatus::Rejection);
    assert_eq!(reply.fail_info(), Some(PkiFailureInfo::BAD_ALG));
    assert!(reply.response.time_stamp_token.is_none());
    let text = openssl(
        pki.dir.path(),
        &["ts", "-reply", "-in", "reply.tsr", "-text"],
    );
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("unrecognized or unsupported algorithm identifier"),
        "{text}"
    );
}

#[test]
fn rsa_2048_key_issues_tokens_openssl_verifies() {
    let pki = Pki::new(KeyType::Rsa2048, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    let reply = openssl_round_trip(&pki, &authority, &["-sha256", "-cert"]);
    assert_eq!(reply.status(), PkiStatus::Granted, "{}", reply.text());
    openssl(
        pki.dir.path(),
        &[
            "ts",
            "-verify",
            "-data",
            "data.txt",
            "-in",
            "reply.tsr",
            "-CAfile",
            "root.pem",
        ],
    );
}

#[test]
fn our_verifier_passes_the_tokens() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    let data = b"verified by our own verifier";
    let token = authority.timestamp(&digest(data)).unwrap();
    let report = validate_timestamp(&token, Some(data), &pki.trust()).unwrap();
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{:#?}",
        report.timestamp
    );
    // A SHA-512 imprint through timestamp_digest, with a nonce.
    let digest512 = sha2::Sha512::digest(data);
    let nonce = Int::new(&[0x01, 0x02, 0x03]).unwrap();
    let token = authority
        .timestamp_digest(ImprintAlgorithm::Sha512, &digest512, Some(&nonce))
        .unwrap();
    let report = validate_timestamp(&token, Some(data), &pki.trust()).unwrap();
    assert_eq!(report.indication, Indication::TotalPassed);
    assert_eq!(tsa_common::token_parts(&token).0.nonce, Some(nonce));
    // The whole response validates too.
    let reply = authority.respond(
        &request(MessageImprint::sha256(&digest(data)).unwrap())
            .to_der()
            .unwrap(),
    );
    let report = validate_timestamp(&reply, Some(data), &pki.trust()).unwrap();
    assert_eq!(report.indication, Indication::TotalPassed);
    // A digest of the wrong length is refused before anything is issued.
    assert!(matches!(
        authority.timestamp_digest(ImprintAlgorithm::Sha384, &[0; 32], None),
        Err(TsaError::Request(RequestError::ImprintLength {
            expected: 48,
            actual: 32,
            ..
        }))
    ));
}

#[test]
fn refusals_carry_the_rfc_3161_failure_codes() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = open(&pki, state.path());
    let imprint = MessageImprint::sha256(&digest(b"x")).unwrap();
    let ask = |req: &TimeStampReq| Reply::parse(&authority.respond(&req.to_der().unwrap()));

    // Another policy: unacceptedPolicy; ours: granted.
    let mut req = request(imprint.clone());
    req.req_policy = Some(OTHER_POLICY);
    let reply = ask(&req);
    assert_eq!(reply.status(), PkiStatus::Rejection);
    assert_eq!(reply.fail_info(), Some(PkiFailureInfo::UNACCEPTED_POLICY));
    assert!(
        reply.text().contains(&OTHER_POLICY.to_string()),
        "{}",
        reply.text()
    );
    req.req_policy = Some(POLICY);
    assert_eq!(ask(&req).status(), PkiStatus::Granted);

    // Garbage, and a request with trailing bytes: badDataFormat.
    for garbage in [&b"not a request"[..], &[0x30, 0x00], &[]] {
        let reply = Reply::parse(&authority.respond(garbage));
        assert_eq!(reply.fail_info(), Some(PkiFailureInfo::BAD_DATA_FORMAT));
    }
    let mut trailing = request(imprint.clone()).to_der().unwrap();
    trailing.push(0);
    let reply = Reply::parse(&authority.respond(&trailing));
    assert_eq!(reply.fail_info(), Some(PkiFailureInfo::BAD_DATA_FORMAT));

    // A SHA-256 imprint of 20 bytes: badDataFormat.
    let mut short = imprint.clone();
    short.hashed_message = OctetString::new(vec![1; 20]).unwrap();
    let reply = ask(&request(short));
    assert_eq!(reply.fail_info(), Some(PkiFailureInfo::BAD_DATA_FORMAT));
    assert!(reply.text().contains("20 bytes"), "{}", reply.text());

    // MD5 and SHA-224: badAlg.
    for oid in ["1.2.840.113549.2.5", "2.16.840.1.101.3.4.2.4"] {
        let other = MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: oid.parse().unwrap(),
                parameters: None,
            },
            hashed_message: OctetString::new(vec![1; 28]).unwrap(),
        };
        assert_eq!(
            ask(&request(other)).fail_info(),
            Some(PkiFailureInfo::BAD_ALG)
        );
    }
    // SHA-256 with NULL parameters is accepted, and echoed as sent.
    let mut with_null = imprint.clone();
    with_null.hash_algorithm.parameters = Some(der::asn1::Null.into());
    let reply = ask(&request(with_null.clone()));
    assert_eq!(reply.status(), PkiStatus::Granted);
    assert_eq!(reply.info().message_imprint, with_null);

    // Any extension: unacceptedExtension.
    let mut req = request(imprint);
    req.extensions = Some(vec![Extension {
        extn_id: "1.3.6.1.4.1.99999.9".parse().unwrap(),
        critical: false,
        extn_value: OctetString::new(vec![5, 0]).unwrap(),
    }]);
    let reply = ask(&req);
    assert_eq!(
        reply.fail_info(),
        Some(PkiFailureInfo::UNACCEPTED_EXTENSION)
    );
}

fn serial_of(reply: &[u8]) -> Vec<u8> {
    Reply::parse(reply).info().serial_number.as_bytes().to_vec()
}

fn query() -> Vec<u8> {
    request(MessageImprint::sha256(&digest(b"serials")).unwrap())
        .to_der()
        .unwrap()
}

#[test]
fn serials_never_repeat_across_restarts() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let mut seen = HashSet::new();
    let mut issued = 0;
    for _ in 0..5 {
        let authority = open(&pki, state.path());
        for _ in 0..300 {
            assert!(seen.insert(serial_of(&authority.respond(&query()))));
            issued += 1;
        }
    }
    assert_eq!(seen.len(), issued);
}

#[test]
fn after_a_crash_reserved_serials_are_skipped_and_the_time_lease_waited_out() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let start = SystemTime::now();
    let clock = ManualClock::new(start);
    let open_at = |clock: &Arc<ManualClock>| {
        Authority::open_with_clock(
            state.path(),
            pki.key(),
            AuthoritySettings::new(POLICY),
            clock.clone(),
        )
        .unwrap()
    };
    let authority = open_at(&clock);
    let mut seen = HashSet::new();
    for _ in 0..10 {
        assert!(seen.insert(serial_of(&authority.respond(&query()))));
    }
    // What a crash leaves: the marks as written before the first token, not the exact ones
    // an orderly drop writes.
    let durable = fs::read(state.path().join("state")).unwrap();
    drop(authority);
    fs::write(state.path().join("state"), durable).unwrap();

    let authority = open_at(&clock);
    let reply = Reply::parse(&authority.respond(&query()));
    assert_eq!(
        reply.status(),
        PkiStatus::Rejection,
        "inside the time lease"
    );
    assert!(reply.text().contains("clock is behind"), "{}", reply.text());
    clock.advance(signer::tsa::authority::TIME_LEASE);
    for _ in 0..10 {
        assert!(seen.insert(serial_of(&authority.respond(&query()))));
    }
}

#[test]
fn a_state_directory_in_use_is_refused() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let first = open(&pki, state.path());
    let second = Authority::open(state.path(), pki.key(), AuthoritySettings::new(POLICY));
    assert!(matches!(second, Err(TsaError::InUse { .. })), "{second:?}");
    drop(first);
    open(&pki, state.path());
}

#[test]
fn a_clock_stepped_back_is_refused_until_it_catches_up() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let start = SystemTime::now();
    let clock = ManualClock::new(start);
    let authority = Authority::open_with_clock(
        state.path(),
        pki.key(),
        AuthoritySettings::new(POLICY),
        clock.clone(),
    )
    .unwrap();
    let first = Reply::parse(&authority.respond(&query()));
    let first_time = first.info().gen_time;

    clock.set(start - Duration::from_secs(5));
    let refused = Reply::parse(&authority.respond(&query()));
    assert_eq!(refused.status(), PkiStatus::Rejection);
    let fail = refused.fail_info().unwrap();
    assert!(fail.contains(PkiFailureInfo::SYSTEM_FAILURE), "{fail:?}");
    assert!(
        fail.contains(PkiFailureInfo::TIME_NOT_AVAILABLE),
        "{fail:?}"
    );
    assert!(
        refused
            .text()
            .contains("the clock is behind the last issued time"),
        "{}",
        refused.text()
    );
    match authority.timestamp(&[0; 32]) {
        Err(TsaError::ClockBehind { behind, .. }) => assert_eq!(behind, Duration::from_secs(5)),
        other => panic!("expected ClockBehind, got {other:?}"),
    }

    // Caught up to the very millisecond: issued again, never earlier.
    clock.set(start);
    let again = Reply::parse(&authority.respond(&query()));
    assert_eq!(again.status(), PkiStatus::Granted);
    assert!(again.info().gen_time >= first_time);
    clock.advance(Duration::from_millis(1500));
    let later = Reply::parse(&authority.respond(&query()));
    assert!(later.info().gen_time > again.info().gen_time);

    // The mark survives an orderly restart too.
    drop(authority);
    clock.set(start);
    let reopened = Authority::open_with_clock(
        state.path(),
        pki.key(),
        AuthoritySettings::new(POLICY),
        clock.clone(),
    )
    .unwrap();
    let refused = Reply::parse(&reopened.respond(&query()));
    assert_eq!(refused.status(), PkiStatus::Rejection);
    clock.set(start + Duration::from_millis(1500));
    assert_eq!(
        Reply::parse(&reopened.respond(&query())).status(),
        PkiStatus::Granted
    );
}

#[test]
fn concurrent_requests_get_distinct_serials_in_time_order() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = Arc::new(open(&pki, state.path()));
    let per_thread = 40;
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let authority = Arc::clone(&authority);
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|_| {
                        let reply = Reply::parse(&authority.respond(&query()));
                        let info = reply.info();
                        (info.serial_number.as_bytes().to_vec(), info.gen_time)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(all.len(), 64 * per_thread);
    let distinct: HashSet<_> = all.iter().map(|(serial, _)| serial.clone()).collect();
    assert_eq!(distinct.len(), all.len());
    // Serials of one directory share their length and grow with genTime.
    all.sort();
    assert!(all.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn unfit_certificates_are_refused_at_open() {
    for (extensions, expected) in [
        (
            "extendedKeyUsage = timeStamping\nkeyUsage = critical,digitalSignature\n",
            CertificateProblem::ExtendedKeyUsageNotCritical,
        ),
        (
            "keyUsage = critical,digitalSignature\n",
            CertificateProblem::NoExtendedKeyUsage,
        ),
        (
            "extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,keyEncipherment\n",
            CertificateProblem::NoDigitalSignature,
        ),
        (
            "extendedKeyUsage = critical,timeStamping\n",
            CertificateProblem::NoKeyUsage,
        ),
    ] {
        let pki = Pki::new(KeyType::P256, extensions);
        let state = tempfile::tempdir().unwrap();
        match Authority::open(state.path(), pki.key(), AuthoritySettings::new(POLICY)) {
            Err(TsaError::Certificate { problem, .. }) => assert_eq!(problem, expected),
            other => panic!("{extensions}: expected {expected:?}, got {other:?}"),
        }
    }
    let pki = Pki::new(
        KeyType::P256,
        "extendedKeyUsage = critical,timeStamping,serverAuth\nkeyUsage = digitalSignature\n",
    );
    let state = tempfile::tempdir().unwrap();
    let error =
        Authority::open(state.path(), pki.key(), AuthoritySettings::new(POLICY)).unwrap_err();
    assert!(
        matches!(
            &error,
            TsaError::Certificate {
                problem: CertificateProblem::ExtendedKeyUsageNotTimeStamping(_),
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("not id-kp-timeStamping alone"),
        "{error}"
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(SystemTime::now() + Duration::from_secs(40 * 86_400));
    let error = Authority::open_with_clock(
        state.path(),
        pki.key(),
        AuthoritySettings::new(POLICY),
        clock,
    )
    .unwrap_err();
    assert!(error.to_string().contains("expired at"), "{error}");
}

/// A rough throughput figure: `cargo test --release -p signer --test tsa_authority --
/// --ignored --nocapture respond_throughput`.
#[test]
#[ignore = "a measurement, not a check"]
fn respond_throughput() {
    let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let state = tempfile::tempdir().unwrap();
    let authority = Arc::new(open(&pki, state.path()));
    let query = query();
    for threads in [1, 2] {
        let per_thread = 5000;
        let started = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let authority = Arc::clone(&authority);
                let query = query.clone();
                std::thread::spawn(move || {
                    for _ in 0..per_thread {
                        std::hint::black_box(authority.respond(&query));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let elapsed = started.elapsed();
        println!(
            "respond: {threads} thread(s): {:.0} tokens/s",
            f64::from(threads * per_thread) / elapsed.as_secs_f64()
        );
    }
}
