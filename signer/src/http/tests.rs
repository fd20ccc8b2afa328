//! The router driven in-process: authentication, the archive routes, their errors.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;

use std::sync::Arc;

use super::*;
use crate::config::Config;

struct Fixture {
    _dir: tempfile::TempDir,
    services: Services,
    token: String,
}

impl Fixture {
    fn new() -> Self {
        Self::with(Config::default())
    }

    fn with(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let services = Services::open(dir.path(), &config).unwrap();
        let token = std::fs::read_to_string(dir.path().join("auth/initial-token")).unwrap();
        Self {
            _dir: dir,
            services,
            token: token.trim().to_owned(),
        }
    }

    async fn send(&self, request: Request<Body>) -> Response {
        app(self.services.clone()).oneshot(request).await.unwrap()
    }

    async fn get(&self, uri: &str) -> Response {
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn put(&self, query: &str, body: Body) -> Response {
        self.send(
            Request::post(format!("/v1/archive{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
                .header(header::CONTENT_TYPE, "application/pdf")
                .body(body)
                .unwrap(),
        )
        .await
    }
}

async fn body_bytes(response: Response) -> Vec<u8> {
    axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec()
}

async fn json(response: Response) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(response).await).unwrap()
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let f = Fixture::new();
    let response = f
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let json = json(response).await;
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn unknown_route_is_a_json_404() {
    let f = Fixture::new();
    let response = f.get("/v1/nothing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(response).await["error"], "not_found");
}

#[tokio::test]
async fn every_archive_route_refuses_missing_wrong_and_revoked_tokens() {
    let f = Fixture::new();
    let routes = [
        "/v1/checkpoint",
        "/v1/archive/0",
        "/v1/archive/0/proof",
        "/v1/archive/0/entry",
        "/v1/consistency?from=1&to=1",
        "/tlog/checkpoint",
        "/tlog/tile/0/000",
        "/tlog/tile/entries/000",
    ];
    let second = f.services.tokens.create("second").unwrap();
    f.services.tokens.revoke("second").unwrap();
    for uri in routes {
        for auth in [
            None,
            Some("Bearer dalel_wrong".to_owned()),
            Some(format!("Basic {}", f.token)),
            Some(format!("Bearer {second}")),
        ] {
            let mut request = Request::get(uri);
            if let Some(auth) = &auth {
                request = request.header(header::AUTHORIZATION, auth);
            }
            let response = f.send(request.body(Body::empty()).unwrap()).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{uri} {auth:?}"
            );
            assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
            assert_eq!(json(response).await["error"], "unauthorized");
        }
    }
    let response = f
        .send(
            Request::post("/v1/archive")
                .body(Body::from("evidence"))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        f.services.archive.size(),
        0,
        "nothing archived without a token"
    );
}

#[tokio::test]
async fn put_get_entry_proof_and_checkpoint() {
    let f = Fixture::new();
    let response = f
        .put(
            "?case=2026-001&kind=protocol&meta=room%3D3",
            Body::from("протокол допроса"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[header::LOCATION], "/v1/archive/0");
    let receipt = json(response).await;
    assert_eq!(receipt["index"], 0);
    assert_eq!(receipt["entry"]["case"], "2026-001");
    assert_eq!(receipt["entry"]["media_type"], "application/pdf");
    assert_eq!(receipt["entry"]["meta"]["room"], "3");
    assert!(receipt["checkpoint"]["timestamp"].is_string());
    let sha256 = receipt["entry"]["sha256"].as_str().unwrap().to_owned();

    for reference in ["0", sha256.as_str()] {
        let response = f.get(&format!("/v1/archive/{reference}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            response.headers()[header::CONTENT_DISPOSITION],
            "attachment"
        );
        assert!(response.headers().contains_key("repr-digest"));
        assert_eq!(body_bytes(response).await, "протокол допроса".as_bytes());
    }

    let entry = json(f.get("/v1/archive/0/entry").await).await;
    assert_eq!(entry["seq"], 0);

    let response = f.get("/v1/archive/0/proof").await;
    assert_eq!(response.status(), StatusCode::OK);
    let proof = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(proof.starts_with("c2sp.org/tlog-proof@v1\n"), "{proof}");

    let response = f.get("/v1/archive/0/proof?checkpoint=1").await;
    assert_eq!(response.status(), StatusCode::OK);

    let note = String::from_utf8(body_bytes(f.get("/v1/checkpoint").await).await).unwrap();
    assert!(note.starts_with(f.services.archive.origin()), "{note}");
    assert!(note.contains("\n1\n"), "{note}");
    let tlog = String::from_utf8(body_bytes(f.get("/tlog/checkpoint").await).await).unwrap();
    assert_eq!(tlog, note);
}

#[tokio::test]
async fn consistency_between_two_sizes() {
    let f = Fixture::new();
    for i in 0..3 {
        let response = f.put("", Body::from(format!("item {i}"))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = f.get("/v1/consistency?from=1&to=3").await;
    assert_eq!(response.status(), StatusCode::OK);
    let json = json(response).await;
    assert_eq!(json["proof"].as_array().unwrap().len(), 2);
    for bad in [
        "/v1/consistency?from=0&to=3",
        "/v1/consistency?from=3&to=1",
        "/v1/consistency?from=x&to=1",
        "/v1/consistency?to=1",
    ] {
        let response = f.get(bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let response = f.get("/v1/consistency?from=1&to=4").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_references_and_queries_are_clear_errors() {
    let f = Fixture::new();
    let cases = [
        ("/v1/archive/7", StatusCode::NOT_FOUND),
        ("/v1/archive/not-a-ref", StatusCode::BAD_REQUEST),
        ("/v1/archive/7/proof", StatusCode::NOT_FOUND),
        ("/v1/checkpoint?size=5", StatusCode::NOT_FOUND),
        ("/v1/checkpoint?sise=5", StatusCode::BAD_REQUEST),
    ];
    for (uri, status) in cases {
        let response = f.get(uri).await;
        assert_eq!(response.status(), status, "{uri}");
        let json = json(response).await;
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{uri}"
        );
    }
    for query in ["?colour=red", "?meta=novalue", "?meta=a%3D1&meta=a%3D2"] {
        let response = f.put(query, Body::from("x")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    assert_eq!(f.services.archive.size(), 0);
}

#[tokio::test]
async fn uploads_over_the_limit_get_413_and_leave_nothing() {
    let mut config = Config::default();
    config.archive.max_upload_bytes = 10;
    let f = Fixture::with(config);
    // Declared length over the limit: refused before reading.
    let response = f.put("", Body::from("eleven byte")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a length: refused while hashing.
    let chunks: Vec<Result<_, std::io::Error>> = vec![Ok("0123456"), Ok("789ab")];
    let response = f
        .put("", Body::from_stream(futures_util::stream::iter(chunks)))
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(response).await["error"], "too_large");
    assert_eq!(f.services.archive.size(), 0);
    let response = f.put("", Body::from("ten bytes!")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_damaged_blob_never_downloads_as_complete() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    let response = f.put("", Body::from(vec![7u8; 3 << 20])).await;
    let receipt = json(response).await;
    let blake3 = receipt["entry"]["blake3"].as_str().unwrap();
    let path = f
        .services
        .archive
        .dir()
        .join("blobs")
        .join(&blake3[..2])
        .join(&blake3[2..]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[(2 << 20) + 5] ^= 1;
    std::fs::write(&path, bytes).unwrap();

    let response = f.get("/v1/archive/0").await;
    assert_eq!(response.status(), StatusCode::OK);
    let result = axum::body::to_bytes(response.into_body(), 1 << 24).await;
    assert!(
        result.is_err(),
        "a damaged blob was served as a complete body"
    );
}

#[tokio::test]
async fn tiles_of_the_signed_tree() {
    let f = Fixture::new();
    let archive = Arc::clone(&f.services.archive);
    tokio::task::spawn_blocking(move || {
        std::thread::scope(|s| {
            for t in 0..6 {
                let archive = &archive;
                s.spawn(move || {
                    for i in 0..50 {
                        let item = format!("item {t}/{i}").into_bytes();
                        archive
                            .append(&mut item.as_slice(), &Default::default(), None)
                            .unwrap();
                    }
                });
            }
        });
        archive.checkpoint().unwrap();
    })
    .await
    .unwrap();

    let response = f.get("/tlog/tile/0/000").await;
    assert_eq!(response.status(), StatusCode::OK);
    let tile = body_bytes(response).await;
    assert_eq!(tile.len(), 256 * 32);
    let log = f.services.archive.log();
    let leaf = |i: u64| ::archive::tree::leaf_hash(&log.entry(i).unwrap());
    assert_eq!(tile[..32], leaf(0));
    assert_eq!(tile[255 * 32..], leaf(255));

    let partial = body_bytes(f.get("/tlog/tile/0/001.p/44").await).await;
    assert_eq!(partial.len(), 44 * 32);
    assert_eq!(partial[43 * 32..], leaf(299));

    let bundle = body_bytes(f.get("/tlog/tile/entries/001.p/44").await).await;
    let first = log.entry(256).unwrap();
    assert_eq!(
        usize::from(u16::from_be_bytes([bundle[0], bundle[1]])),
        first.len()
    );
    assert_eq!(bundle[2..2 + first.len()], first[..]);

    for (uri, status) in [
        ("/tlog/tile/0/001", StatusCode::NOT_FOUND),
        ("/tlog/tile/0/001.p/45", StatusCode::NOT_FOUND),
        ("/tlog/tile/1/000", StatusCode::NOT_FOUND),
        ("/tlog/tile/0/1", StatusCode::BAD_REQUEST),
        ("/tlog/tile/0/000.p/256", StatusCode::BAD_REQUEST),
        ("/tlog/tile/data/000", StatusCode::BAD_REQUEST),
    ] {
        let response = f.get(uri).await;
        assert_eq!(response.status(), status, "{uri}");
        assert!(json(response).await["message"].is_string());
    }
}

fn multipart(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "dalel-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Fixture {
    async fn verify(&self, fields: &[(&str, &[u8])]) -> Response {
        let (content_type, body) = multipart(fields);
        self.send(
            Request::post("/v1/verify")
                .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn verify_reports_on_the_archive_s_own_time_stamps() {
    let f = Fixture::new();
    let response = f.put("", Body::from("evidence")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let archive = &f.services.archive;
    let size = archive.size();
    let note = archive.stored_checkpoint(size).unwrap().note;
    let token = archive.checkpoint_timestamp(size).unwrap().unwrap();

    let response = f
        .verify(&[("signature", &token), ("data", note.as_bytes())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = json(response).await;
    assert_eq!(report["input"]["kind"], "timestamp-token");
    // The development authority publishes no revocation data: undecided, and said why.
    assert_eq!(report["indication"], "INDETERMINATE", "{report:#}");
    assert_eq!(report["sub_indication"], "TRY_LATER");
    assert!(
        report["trust"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("DEVELOPMENT")),
        "{report:#}"
    );
    let tsa = &report["timestamp"];
    assert!(tsa["checks"].to_string().contains("CertificatePath"));

    // Other data than the note: the token is for other data.
    let response = f
        .verify(&[("signature", &token), ("data", b"not the note")])
        .await;
    let report = json(response).await;
    assert_eq!(report["indication"], "TOTAL-FAILED");
    assert_eq!(report["sub_indication"], "HASH_FAILURE");
}

#[tokio::test]
async fn verify_refuses_what_is_not_a_signature() {
    let f = Fixture::new();
    for fields in [
        vec![("signature", &b"hello"[..])],
        vec![("data", &b"x"[..])],
        vec![("signature", &b"x"[..]), ("colour", &b"red"[..])],
    ] {
        let response = f.verify(&fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(json(response).await["message"].is_string());
    }
    let (content_type, body) = multipart(&[("signature", b"x")]);
    let response = f
        .send(
            Request::post("/v1/verify")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
