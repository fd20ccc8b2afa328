//! `POST /v1/tsp` as OpenSSL's `ts` client sees it, and serial numbers and genTime across
//! restarts and a crash.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tests::DalelServer;

use super::*;

/// `openssl ts -query -data FILE HASH -cert -out OUT`.
fn ts_query(data: &Path, hash: &str, out: &Path) -> Vec<u8> {
    ok(openssl()
        .args(["ts", "-query", "-data"])
        .arg(data)
        .args([hash, "-cert", "-out"])
        .arg(out));
    std::fs::read(out).unwrap()
}

/// `openssl ts -reply -in REPLY -text`.
fn ts_text(reply: &Path) -> String {
    ok(openssl().args(["ts", "-reply", "-text", "-in"]).arg(reply))
}

#[test]
fn time_stamps_answer_openssl_queries() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let url = server.url("");
    let bearer = server.bearer();
    let scratch = server.scratch();
    let root = pki(&server.data_dir(), "root.pem");
    let data = scratch.join("doc");
    std::fs::write(&data, document(4, 3000)).unwrap();

    let query = ts_query(&data, "-sha256", &scratch.join("q.tsq"));
    let answer = tsp(
        &agent,
        &url,
        Some(&bearer),
        "application/timestamp-query",
        &query,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/timestamp-reply");
    let reply = scratch.join("reply.tsr");
    std::fs::write(&reply, &answer.body).unwrap();
    let text = ts_text(&reply);
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    assert!(text.contains("Nonce: 0x"), "the nonce is echoed: {text}");
    for check in [
        vec![
            "-queryfile".to_owned(),
            scratch.join("q.tsq").display().to_string(),
        ],
        vec!["-data".to_owned(), data.display().to_string()],
    ] {
        let out = ok(openssl()
            .args(["ts", "-verify", "-in"])
            .arg(&reply)
            .args(&check)
            .arg("-CAfile")
            .arg(&root));
        assert!(out.contains("Verification: OK"), "{check:?}: {out}");
    }
    // Not over other data.
    let other = scratch.join("other");
    std::fs::write(&other, b"other").unwrap();
    let output = openssl()
        .args(["ts", "-verify", "-in"])
        .arg(&reply)
        .arg("-data")
        .arg(&other)
        .arg("-CAfile")
        .arg(&root)
        .output()
        .unwrap();
    assert!(!output.status.success());

    // SHA-384 and SHA-512 imprints are accepted; SHA-1 is refused, in a 200 reply.
    for hash in ["-sha384", "-sha512"] {
        let query = ts_query(&data, hash, &scratch.join("q2.tsq"));
        let answer = tsp(
            &agent,
            &url,
            Some(&bearer),
            "application/timestamp-query",
            &query,
        );
        assert_eq!(answer.status, 200, "{hash}");
        std::fs::write(&reply, &answer.body).unwrap();
        let out = ok(openssl()
            .args(["ts", "-verify", "-in"])
            .arg(&reply)
            .arg("-queryfile")
            .arg(scratch.join("q2.tsq"))
            .arg("-CAfile")
            .arg(&root));
        assert!(out.contains("Verification: OK"), "{hash}: {out}");
    }
    let query = ts_query(&data, "-sha1", &scratch.join("q1.tsq"));
    let answer = tsp(
        &agent,
        &url,
        Some(&bearer),
        "application/timestamp-query",
        &query,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/timestamp-reply");
    let rejected = scratch.join("rejected.tsr");
    std::fs::write(&rejected, &answer.body).unwrap();
    let text = ts_text(&rejected);
    assert!(text.contains("Status: Rejected."), "{text}");
    assert!(
        text.contains("unrecognized or unsupported algorithm"),
        "badAlg: {text}"
    );

    // Garbage is refused in the protocol too, never with a 5xx.
    let answer = tsp(
        &agent,
        &url,
        Some(&bearer),
        "application/timestamp-query",
        b"not DER",
    );
    assert_eq!(answer.status, 200);
    std::fs::write(&rejected, &answer.body).unwrap();
    let text = ts_text(&rejected);
    assert!(text.contains("Status: Rejected."), "{text}");

    // A wrong media type, no token.
    for content_type in ["application/octet-stream", "application/timestamp-reply"] {
        let answer = tsp(&agent, &url, Some(&bearer), content_type, &query);
        assert_eq!(answer.status, 415, "{content_type}");
        assert_eq!(answer.error(), "unsupported_media_type");
    }
    let answer = tsp(&agent, &url, None, "application/timestamp-query", &query);
    assert_eq!(answer.status, 401);
}

/// A genTime as a sortable (year, month, day, hour, minute, second, nanosecond).
type GenTime = (u32, u32, u32, u32, u32, u32, u32);

/// The `Time stamp:` line of `openssl ts -reply -text` (`Nov 23 13:29:41.714 2026 GMT`).
fn gen_time(text: &str) -> GenTime {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Time stamp: "))
        .unwrap_or_else(|| panic!("no time stamp in {text}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "{line}");
    assert_eq!(parts[4], "GMT", "{line}");
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == parts[0]).unwrap() as u32 + 1;
    let (clock, fraction) = parts[2].split_once('.').unwrap_or((parts[2], ""));
    let hms: Vec<u32> = clock.split(':').map(|n| n.parse().unwrap()).collect();
    assert_eq!(hms.len(), 3, "{line}");
    assert!(fraction.len() <= 9, "{line}");
    let nanos = format!("{fraction:0<9}").parse().unwrap();
    (
        parts[3].parse().unwrap(),
        month,
        parts[1].parse().unwrap(),
        hms[0],
        hms[1],
        hms[2],
        nanos,
    )
}

/// Twenty tokens from the server: (serial number, genTime) each; the last reply is checked
/// with OpenSSL.
fn twenty_tokens(
    server: &DalelServer,
    bearer: &str,
    query: &Path,
    root: &Path,
    scratch: &Path,
) -> Vec<(String, GenTime)> {
    let agent = agent();
    let body = std::fs::read(query).unwrap();
    let reply = scratch.join("reply.tsr");
    let mut tokens = Vec::new();
    for _ in 0..20 {
        let answer = tsp(
            &agent,
            &server.url(""),
            Some(bearer),
            "application/timestamp-query",
            &body,
        );
        assert_eq!(answer.status, 200);
        std::fs::write(&reply, &answer.body).unwrap();
        let text = ts_text(&reply);
        assert!(text.contains("Status: Granted."), "{text}");
        let serial = text
            .lines()
            .find_map(|l| l.strip_prefix("Serial number: "))
            .unwrap_or_else(|| panic!("no serial number in {text}"))
            .trim()
            .to_owned();
        tokens.push((serial, gen_time(&text)));
    }
    let out = ok(openssl()
        .args(["ts", "-verify", "-in"])
        .arg(&reply)
        .arg("-queryfile")
        .arg(query)
        .arg("-CAfile")
        .arg(root));
    assert!(out.contains("Verification: OK"), "{out}");
    tokens
}

/// After a crash the authority cannot know which of the times it had reserved it issued, so
/// it refuses (`systemFailure`, the clock being behind) until the clock passes them: at most
/// its time lease, documented by `signer::tsa::authority::TIME_LEASE`. Waits for that.
fn wait_out_time_lease(server: &DalelServer, bearer: &str, query: &Path, scratch: &Path) {
    let lease = signer::tsa::authority::TIME_LEASE;
    let agent = agent();
    let body = std::fs::read(query).unwrap();
    let reply = scratch.join("lease.tsr");
    let start = Instant::now();
    loop {
        let answer = tsp(
            &agent,
            &server.url(""),
            Some(bearer),
            "application/timestamp-query",
            &body,
        );
        assert_eq!(answer.status, 200);
        std::fs::write(&reply, &answer.body).unwrap();
        let text = ts_text(&reply);
        if text.contains("Status: Granted.") {
            return;
        }
        assert!(
            text.contains("Status: Rejected.") && text.contains("the clock is behind"),
            "{text}"
        );
        assert!(
            start.elapsed() < lease + Duration::from_secs(1),
            "still refusing {:?} after a restart: {text}",
            start.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stopped_cleanly(server: DalelServer) {
    let exit = server.stop(Signal::SIGTERM);
    assert!(exit.status.success(), "{exit:?}");
}

#[test]
fn tsa_serials_never_repeat_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let doc = dir.path().join("doc");
    std::fs::write(&doc, document(5, 100)).unwrap();
    let query = dir.path().join("q.tsq");
    ts_query(&doc, "-sha256", &query);

    let server = DalelServer::start_on(&data, &[]);
    let bearer = server.bearer();
    let root = pki(&data, "root.pem");
    let root_before = std::fs::read(&root).unwrap();
    let mut tokens = twenty_tokens(&server, &bearer, &query, &root, dir.path());
    stopped_cleanly(server);

    let server = DalelServer::start_on(&data, &[]);
    assert_eq!(
        std::fs::read(&root).unwrap(),
        root_before,
        "the development root survives a restart"
    );
    tokens.extend(twenty_tokens(&server, &bearer, &query, &root, dir.path()));
    stopped_cleanly(server);

    // A crash (SIGKILL, no shutdown at all) must not make serial numbers repeat either.
    let server = DalelServer::start_on(&data, &[]);
    tokens.extend(twenty_tokens(&server, &bearer, &query, &root, dir.path()));
    server.stop(Signal::SIGKILL);
    let server = DalelServer::start_on(&data, &[]);
    wait_out_time_lease(&server, &bearer, &query, dir.path());
    tokens.extend(twenty_tokens(&server, &bearer, &query, &root, dir.path()));
    stopped_cleanly(server);

    let serials: HashSet<&str> = tokens.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(serials.len(), 80, "serial numbers repeat: {tokens:?}");
    for pair in tokens.windows(2) {
        assert!(pair[0].1 <= pair[1].1, "genTime went back: {pair:?}");
    }
}
