//! `POST /v1/sign/cms` driven through a router with `oneshot`: signatures that OpenSSL and
//! our verifier accept, the JSON digest form, and each error status.
#![allow(clippy::unwrap_used)]

mod cades_support;

use signer::http::sign;
use signer::{cades, keys};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

use cades::{RevocationValues, SuppliedRevocation};
use cades_support::{Revocation, TestTsa, assert_passes, openssl_verify, pki, validate};
use keys::SignatureKey;
use sign::{SignState, sign_cms};
use verifier::report::Indication;

const LIMIT: usize = 64 * 1024;

fn state() -> SignState {
    let mut keys: HashMap<String, Arc<dyn SignatureKey>> = HashMap::new();
    keys.insert("seal".into(), Arc::new(pki().key("ec")));
    keys.insert("rsa".into(), Arc::new(pki().key("rsa")));
    let mut revocation = SuppliedRevocation::new();
    for crl in ["root.crl", "inter.crl"] {
        revocation.add_crl(pki().file(crl).to_vec(), crl).unwrap();
    }
    let revocation: Arc<dyn RevocationValues> = Arc::new(revocation);
    SignState {
        keys: Arc::new(keys),
        default_key: "seal".into(),
        timestamper: Some(TestTsa::shared()),
        revocation: Some(revocation),
        extra_certificates: Arc::from([]),
        max_body_bytes: LIMIT,
        font: None,
        captures: None,
    }
}

fn router(state: SignState) -> Router {
    Router::new()
        .route("/v1/sign/cms", post(sign_cms))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(state)
}

fn data_request(query: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/v1/sign/cms{query}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(body.into())
        .unwrap()
}

fn json_request(json: &str) -> Request<Body> {
    Request::post("/v1/sign/cms")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_owned()))
        .unwrap()
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response: Response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let media_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, media_type, body.to_vec())
}

/// The `error` code of a JSON error body.
fn error_code(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert!(json["message"].is_string(), "{json}");
    json["error"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn signs_data_at_each_level() {
    let router = router(state());
    let data = b"the contract, as uploaded".to_vec();

    let (status, media_type, der) = send(&router, data_request("", data.clone())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&der));
    assert_eq!(media_type, "application/pkcs7-mime; smime-type=signed-data");
    assert_eq!(openssl_verify(&der, None).unwrap(), data);
    assert_passes(&validate(&der, None, Revocation::SuppliedCrls));

    let query = "?detached=true&level=B-T&key=seal";
    let (status, media_type, der) = send(&router, data_request(query, data.clone())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&der));
    assert_eq!(media_type, "application/pkcs7-signature");
    openssl_verify(&der, Some(&data)).unwrap();
    let report = validate(&der, Some(&data), Revocation::SuppliedCrls);
    assert_passes(&report);
    assert_eq!(report.signatures[0].signature_timestamps.len(), 1);

    let (status, _, der) = send(&router, data_request("?level=B-LT&key=rsa", data)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&der));
    assert_passes(&validate(&der, None, Revocation::EmbeddedOnly));
}

#[tokio::test(flavor = "multi_thread")]
async fn signs_a_digest_sent_as_json() {
    let router = router(state());
    let data = b"hashed by the client";
    let json = format!(
        r#"{{"sha256": "{}", "level": "B-T", "key": "rsa"}}"#,
        hex::encode(Sha256::digest(data))
    );
    let (status, media_type, der) = send(&router, json_request(&json)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&der));
    assert_eq!(media_type, "application/pkcs7-signature");
    openssl_verify(&der, Some(data)).unwrap();
    assert_passes(&validate(&der, Some(data), Revocation::SuppliedCrls));
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let router = router(state());
    let (status, _, body) = send(&router, data_request("", vec![0u8; LIMIT + 1])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "too_large");

    // Without a declared length the limit holds while reading.
    let chunks = (0..=LIMIT / 1024)
        .map(|_| Ok::<_, std::io::Error>(vec![0u8; 1024]))
        .collect::<Vec<_>>();
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, _, body) = send(&router, data_request("", streamed)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "too_large");

    let (status, _, _) = send(&router, data_request("", vec![0u8; LIMIT])).await;
    assert_eq!(status, StatusCode::OK, "exactly the limit is accepted");
}

#[tokio::test]
async fn unknown_key_gets_404() {
    let router = router(state());
    let (status, _, body) = send(&router, data_request("?key=nobody", "x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "unknown_key");
}

#[tokio::test]
async fn malformed_requests_get_400() {
    let router = router(state());
    let bad = [
        data_request("?level=B-X", "x"),
        data_request("?detached=maybe", "x"),
        data_request("?colour=red", "x"),
        json_request(&format!(r#"{{"sha256": "{}"}}"#, "ab".repeat(31))),
        json_request(r#"{"sha256": "not hex"}"#),
        json_request(r#"{"digest": "00"}"#),
    ];
    for request in bad {
        let uri = request.uri().clone();
        let (status, _, body) = send(&router, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(error_code(&body), "bad_request");
    }
    let (_, _, body) = send(&router, data_request("?level=B-X", "x")).await;
    assert!(String::from_utf8_lossy(&body).contains("B-LT"));
}

#[tokio::test]
async fn levels_without_their_service_get_501() {
    let mut state = state();
    state.timestamper = None;
    state.revocation = None;
    let router = router(state);
    for level in ["B-T", "B-LT"] {
        let (status, _, body) = send(&router, data_request(&format!("?level={level}"), "x")).await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{level}");
        assert_eq!(error_code(&body), "level_unavailable");
    }
}

/// 64 requests at once, each with its own data (ECDSA is deterministic, RFC 6979): 64
/// distinct signatures, each valid, each time-stamped by the one shared authority.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_give_distinct_valid_signatures() {
    let router = router(state());
    let requests = (0..64).map(|i| {
        let router = router.clone();
        tokio::spawn(async move {
            let data = format!("document #{i}").into_bytes();
            let query = "?detached=true&level=B-T";
            let (status, _, der) = send(&router, data_request(query, data.clone())).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&der));
            (data, der)
        })
    });
    let mut signatures = HashSet::new();
    for request in requests.collect::<Vec<_>>() {
        let (data, der) = request.await.unwrap();
        let report = validate(&der, Some(&data), Revocation::SuppliedCrls);
        assert_eq!(report.indication, Indication::TotalPassed);
        assert_eq!(
            report.signatures[0].signature_timestamps[0].indication,
            Indication::TotalPassed
        );
        signatures.insert(der);
    }
    assert_eq!(signatures.len(), 64);
}
