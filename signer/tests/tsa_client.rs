//! The time-stamp client (`signer::tsa::TsaClient`) against real HTTP upstreams on loopback:
//! the `POST /v1/tsp` handler serving an authority, upstreams that lie (another imprint,
//! another nonce, an untrusted TSA), fail (closed port, 503) or never answer; and the
//! handler's own HTTP contract.

#![allow(clippy::unwrap_used)]

mod tsa_common;

use std::fs;
use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use der::asn1::Int;
use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256};
use signer::http::tsp::{self, TspState};
use signer::tsa::{
    Authority, AuthoritySettings, Timestamper, TsaClient, TsaError, TsaSource, Upstream,
    UpstreamError,
};
use tsa_common::{GOOD_EXTENSIONS, KeyType, OTHER_POLICY, POLICY, Pki, openssl, token_parts};
use verifier::tsp::{PkiFailureInfo, TimeStampReq};
use verifier::validation::ValidationPolicy;

/// A router on a loopback port, served by its own runtime until dropped.
struct Server {
    url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    fn start(router: Router) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{address}/v1/tsp"),
            runtime: Some(runtime),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// An authority of its own PKI under `policy`, with its state in a temporary directory.
struct Tsa {
    pki: Pki,
    _state: tempfile::TempDir,
    authority: Arc<Authority>,
}

impl Tsa {
    fn new(policy: const_oid::ObjectIdentifier) -> Self {
        let pki = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
        let state = tempfile::tempdir().unwrap();
        let authority =
            Authority::open(state.path(), pki.key(), AuthoritySettings::new(policy)).unwrap();
        Self {
            pki,
            _state: state,
            authority: Arc::new(authority),
        }
    }

    /// `POST /v1/tsp` served by this authority.
    fn serve(&self) -> Server {
        let state = TspState {
            authority: Arc::clone(&self.authority),
        };
        Server::start(
            Router::new()
                .route("/v1/tsp", post(tsp::tsp))
                .with_state(state),
        )
    }
}

/// An upstream that alters each request before its authority answers it, so that the
/// token answers another question than the client's.
#[derive(Clone)]
struct Tampering {
    authority: Arc<Authority>,
    tamper: Tamper,
}

type Tamper = fn(&mut TimeStampReq);

async fn tampering(State(state): State<Tampering>, body: Bytes) -> Response {
    let mut request = TimeStampReq::from_der(&body).unwrap();
    (state.tamper)(&mut request);
    let reply = state.authority.respond(&request.to_der().unwrap());
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        reply,
    )
        .into_response()
}

fn upstream(url: &str) -> Upstream {
    Upstream {
        timeout: Duration::from_secs(5),
        retries: 0,
        retry_delay: Duration::from_millis(10),
        ..Upstream::new(url)
    }
}

fn digest(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The policy of a DER token: which authority issued it in these tests.
fn policy_of(token: &[u8]) -> const_oid::ObjectIdentifier {
    token_parts(token).0.policy
}

/// The single upstream failure of an error from a client with one upstream and no fallback.
fn upstream_error(error: TsaError) -> UpstreamError {
    match error {
        TsaError::AllSourcesFailed(mut failures) if failures.len() == 1 => {
            match failures.remove(0).error {
                TsaError::Upstream { error, .. } => error,
                other => panic!("not an upstream failure: {other}"),
            }
        }
        other => panic!("expected one failed source, got {other}"),
    }
}

#[test]
fn a_verified_upstream_token_is_used_first() {
    let upstream_tsa = Tsa::new(POLICY);
    let server = upstream_tsa.serve();
    let local = Tsa::new(OTHER_POLICY);
    let client = TsaClient::new(
        vec![
            TsaSource::Upstream(upstream(&server.url)),
            TsaSource::Local(Arc::clone(&local.authority)),
        ],
        upstream_tsa.pki.trust(),
    );
    let data = b"signature value";
    let token = client.timestamp(&digest(data)).unwrap();
    assert_eq!(policy_of(&token), POLICY, "from the upstream");
    let (info, signed_data) = token_parts(&token);
    assert_eq!(info.message_imprint.hashed_message.as_bytes(), digest(data));
    assert!(info.nonce.is_some(), "the client sends a nonce");
    assert!(
        signed_data.certificates.is_some(),
        "the client asks for the certificate"
    );
    let report =
        verifier::validation::validate_timestamp(&token, Some(data), &upstream_tsa.pki.trust())
            .unwrap();
    assert_eq!(report.indication, verifier::report::Indication::TotalPassed);

    // A policy asked for and granted is required of the token.
    let mut with_policy = upstream(&server.url);
    with_policy.policy = Some(POLICY);
    let client = TsaClient::new(
        vec![TsaSource::Upstream(with_policy)],
        upstream_tsa.pki.trust(),
    );
    assert_eq!(policy_of(&client.timestamp(&digest(data)).unwrap()), POLICY);
}

#[test]
fn an_upstream_that_is_down_falls_back_to_the_local_authority() {
    let closed = StdListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/tsp", closed.local_addr().unwrap());
    drop(closed);
    let local = Tsa::new(OTHER_POLICY);
    let trust = local.pki.trust();
    let mut down = upstream(&url);
    down.retries = 2;
    let client = TsaClient::new(
        vec![
            TsaSource::Upstream(down.clone()),
            TsaSource::Local(Arc::clone(&local.authority)),
        ],
        trust.clone(),
    );
    let token = client.timestamp(&digest(b"x")).unwrap();
    assert_eq!(policy_of(&token), OTHER_POLICY, "from the local authority");

    let alone = TsaClient::new(vec![TsaSource::Upstream(down)], trust);
    let error = alone.timestamp(&digest(b"x")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(matches!(upstream_error(error), UpstreamError::Transport(_)));
    let none = TsaClient::new(Vec::new(), ValidationPolicy::default());
    assert!(matches!(
        none.timestamp(&digest(b"x")),
        Err(TsaError::NoSources)
    ));
}

#[test]
fn tokens_for_another_imprint_or_nonce_are_rejected_and_the_fallback_used() {
    let upstream_tsa = Tsa::new(POLICY);
    let local = Tsa::new(OTHER_POLICY);
    let tampers: [(Tamper, &str); 3] = [
        (
            |r| {
                let mut bytes = r.message_imprint.hashed_message.as_bytes().to_vec();
                bytes[0] ^= 1;
                r.message_imprint.hashed_message = der::asn1::OctetString::new(bytes).unwrap();
            },
            "MessageImprint",
        ),
        (|r| r.nonce = Some(Int::new(&[0x42]).unwrap()), "Nonce"),
        (|r| r.nonce = None, "Nonce"),
    ];
    for (tamper, check) in tampers {
        let state = Tampering {
            authority: Arc::clone(&upstream_tsa.authority),
            tamper,
        };
        let server = Server::start(
            Router::new()
                .route("/v1/tsp", post(tampering))
                .with_state(state),
        );
        let client = TsaClient::new(
            vec![TsaSource::Upstream(upstream(&server.url))],
            upstream_tsa.pki.trust(),
        );
        match upstream_error(client.timestamp(&digest(b"asked")).unwrap_err()) {
            UpstreamError::Rejected(reason) => assert!(reason.contains(check), "{reason}"),
            other => panic!("expected a rejected token, got {other}"),
        }
        let client = TsaClient::new(
            vec![
                TsaSource::Upstream(upstream(&server.url)),
                TsaSource::Local(Arc::clone(&local.authority)),
            ],
            upstream_tsa.pki.trust(),
        );
        assert_eq!(
            policy_of(&client.timestamp(&digest(b"asked")).unwrap()),
            OTHER_POLICY
        );
    }
}

#[test]
fn a_token_from_an_untrusted_authority_is_rejected() {
    let upstream_tsa = Tsa::new(POLICY);
    let server = upstream_tsa.serve();
    let stranger = Pki::new(KeyType::P256, GOOD_EXTENSIONS);
    let client = TsaClient::new(
        vec![TsaSource::Upstream(upstream(&server.url))],
        stranger.trust(),
    );
    match upstream_error(client.timestamp(&digest(b"x")).unwrap_err()) {
        UpstreamError::Rejected(reason) => {
            assert!(reason.contains("CertificatePath"), "{reason}");
        }
        other => panic!("expected a rejected token, got {other}"),
    }
    let local = Tsa::new(OTHER_POLICY);
    let client = TsaClient::new(
        vec![
            TsaSource::Upstream(upstream(&server.url)),
            TsaSource::Local(Arc::clone(&local.authority)),
        ],
        stranger.trust(),
    );
    assert_eq!(
        policy_of(&client.timestamp(&digest(b"x")).unwrap()),
        OTHER_POLICY
    );
}

#[test]
fn an_upstream_refusal_is_reported_with_its_failure_code() {
    let upstream_tsa = Tsa::new(POLICY);
    let server = upstream_tsa.serve();
    let mut other_policy = upstream(&server.url);
    other_policy.policy = Some(OTHER_POLICY);
    let client = TsaClient::new(
        vec![TsaSource::Upstream(other_policy)],
        upstream_tsa.pki.trust(),
    );
    let error = client.timestamp(&digest(b"x")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("unacceptedPolicy"), "{message}");
    match upstream_error(error) {
        UpstreamError::NotGranted { fail_info, .. } => {
            assert_eq!(fail_info, Some(PkiFailureInfo::UNACCEPTED_POLICY));
        }
        other => panic!("expected a refusal, got {other}"),
    }
}

#[test]
fn timeouts_are_honoured_and_retried() {
    // A listener that never accepts: the kernel completes the handshake and takes the
    // request, and no answer ever comes.
    let silent = StdListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/tsp", silent.local_addr().unwrap());
    let local = Tsa::new(OTHER_POLICY);
    let slow = Upstream {
        timeout: Duration::from_millis(300),
        retries: 1,
        retry_delay: Duration::from_millis(50),
        ..Upstream::new(&url)
    };
    let client = TsaClient::new(
        vec![
            TsaSource::Upstream(slow.clone()),
            TsaSource::Local(Arc::clone(&local.authority)),
        ],
        local.pki.trust(),
    );
    let started = Instant::now();
    let token = client.timestamp(&digest(b"x")).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(policy_of(&token), OTHER_POLICY);
    // Two attempts of 300 ms and a pause of 50 ms, then the fallback.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

    let alone = TsaClient::new(vec![TsaSource::Upstream(slow)], local.pki.trust());
    assert!(matches!(
        upstream_error(alone.timestamp(&digest(b"x")).unwrap_err()),
        UpstreamError::Timeout(t) if t == Duration::from_millis(300)
    ));
    drop(silent);
}

/// Fails its first request with 503, then serves.
#[derive(Clone)]
struct FlakyOnce {
    authority: Arc<Authority>,
    calls: Arc<AtomicU32>,
}

async fn flaky_once(State(state): State<FlakyOnce>, body: Bytes) -> Response {
    if state.calls.fetch_add(1, Ordering::SeqCst) == 0 {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let reply = state.authority.respond(&body);
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        reply,
    )
        .into_response()
}

#[test]
fn a_503_is_retried() {
    let upstream_tsa = Tsa::new(POLICY);
    let serve = |calls: &Arc<AtomicU32>| {
        let state = FlakyOnce {
            authority: Arc::clone(&upstream_tsa.authority),
            calls: Arc::clone(calls),
        };
        Server::start(
            Router::new()
                .route("/v1/tsp", post(flaky_once))
                .with_state(state),
        )
    };
    let calls = Arc::new(AtomicU32::new(0));
    let server = serve(&calls);
    let mut once = upstream(&server.url);
    once.retries = 1;
    let client = TsaClient::new(vec![TsaSource::Upstream(once)], upstream_tsa.pki.trust());
    assert_eq!(policy_of(&client.timestamp(&digest(b"x")).unwrap()), POLICY);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let calls = Arc::new(AtomicU32::new(0));
    let server = serve(&calls);
    let client = TsaClient::new(
        vec![TsaSource::Upstream(upstream(&server.url))],
        upstream_tsa.pki.trust(),
    );
    assert!(matches!(
        upstream_error(client.timestamp(&digest(b"x")).unwrap_err()),
        UpstreamError::HttpStatus(503)
    ));
}

#[test]
fn the_endpoint_answers_openssl_queries_with_timestamp_replies() {
    let tsa = Tsa::new(POLICY);
    let server = tsa.serve();
    let d = tsa.pki.dir.path();
    fs::write(d.join("data.txt"), b"sent over HTTP").unwrap();
    openssl(
        d,
        &[
            "ts", "-query", "-data", "data.txt", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .post(&server.url)
        .header("Content-Type", "application/timestamp-query")
        .send(&fs::read(d.join("q.tsq")).unwrap())
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/timestamp-reply"
    );
    fs::write(
        d.join("reply.tsr"),
        response.body_mut().read_to_vec().unwrap(),
    )
    .unwrap();
    openssl(
        d,
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

    // A refusal is still a 200 with a TimeStampResp (RFC 3161 §3.4).
    let mut response = agent
        .post(&server.url)
        .header(
            "Content-Type",
            "Application/Timestamp-Query; charset=binary",
        )
        .send(&b"garbage"[..])
        .unwrap();
    assert_eq!(response.status(), 200);
    let reply = tsa_common::Reply::parse(&response.body_mut().read_to_vec().unwrap());
    assert_eq!(reply.fail_info(), Some(PkiFailureInfo::BAD_DATA_FORMAT));

    // Another media type, or none: 415 with the service's JSON error.
    for content_type in [Some("application/octet-stream"), None] {
        let mut request = agent.post(&server.url);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let mut response = request.send(&fs::read(d.join("q.tsq")).unwrap()).unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        let body = response.body_mut().read_to_string().unwrap();
        assert!(body.contains("unsupported_media_type"), "{body}");
    }
}

/// A rough throughput figure for `POST /v1/tsp` including HTTP: `cargo test --release -p
/// signer --test tsa_client -- --ignored --nocapture http_throughput`. Client and server
/// share the machine's cores.
#[test]
#[ignore = "a measurement, not a check"]
fn http_throughput() {
    let tsa = Tsa::new(POLICY);
    let server = tsa.serve();
    let request = TimeStampReq {
        version: verifier::tsp::TspVersion::V1,
        message_imprint: verifier::tsp::MessageImprint::sha256(&digest(b"load")).unwrap(),
        req_policy: None,
        nonce: Some(Int::new(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap()),
        cert_req: verifier::tsp::DefaultFalse::from(true),
        extensions: None,
    }
    .to_der()
    .unwrap();
    let (threads, per_thread) = (8, 2000);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let url = server.url.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::new_with_defaults();
                for _ in 0..per_thread {
                    let mut response = agent
                        .post(&url)
                        .header("Content-Type", "application/timestamp-query")
                        .send(&request[..])
                        .unwrap();
                    std::hint::black_box(response.body_mut().read_to_vec().unwrap());
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "POST /v1/tsp: {:.0} tokens/s ({threads} client threads)",
        f64::from(threads * per_thread) / elapsed.as_secs_f64()
    );
}
