//! `dalel sign cms` and `dalel tsa request`.

use std::path::Path;

use tests::DalelServer;

use super::*;

#[test]
fn cli_signs_and_time_stamps() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let doc = dir.path().join("doc");
    let content = document(6, 4000);
    std::fs::write(&doc, &content).unwrap();
    let root = pki(&data, "root.pem");

    // Detached B-LT: the default name FILE.p7s.
    let out =
        ok(dalel(&data)
            .args(["sign", "cms"])
            .arg(&doc)
            .args(["--detached", "--level", "B-LT"]));
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let p7s = dir.path().join("doc.p7s");
    assert_eq!(line["output"], p7s.to_str().unwrap(), "{line}");
    assert_eq!(line["key"], "seal", "{line}");
    assert_eq!(line["level"], "B-LT", "{line}");
    assert_eq!(line["detached"], true, "{line}");
    assert_eq!(
        line["bytes"].as_u64().unwrap(),
        std::fs::metadata(&p7s).unwrap().len(),
        "{line}"
    );
    assert!(root.is_file(), "the first sign created the development PKI");
    openssl_cms_verify(&p7s, Some(&doc), &root, dir.path());
    let (code, text) = dalel_verify(&p7s, Some(&doc), &root, &[]);
    assert_eq!(code, 0, "{text}");

    // Attached by default: FILE.p7m, holding the content.
    let out = ok(dalel(&data).args(["sign", "cms"]).arg(&doc));
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let p7m = dir.path().join("doc.p7m");
    assert_eq!(line["output"], p7m.to_str().unwrap(), "{line}");
    assert_eq!(line["level"], "B-B", "{line}");
    assert_eq!(line["detached"], false, "{line}");
    let extracted = openssl_cms_verify(&p7m, None, &root, dir.path());
    assert_eq!(extracted, content);
    let (code, text) = dalel_verify(
        &p7m,
        None,
        &root,
        &[Path::new("--crl"), &pki(&data, "root.crl")],
    );
    assert_eq!(code, 0, "{text}");

    // Never over an existing file.
    let before = std::fs::read(&p7m).unwrap();
    let output = dalel(&data)
        .args(["sign", "cms"])
        .arg(&doc)
        .output()
        .unwrap();
    assert_one_line_error(&output, &[p7m.to_str().unwrap(), "exists"]);
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read(&p7m).unwrap(), before);
    // An unknown key.
    let output = dalel(&data)
        .args(["sign", "cms", "--key", "nope", "-o"])
        .arg(dir.path().join("nope.p7s"))
        .arg(&doc)
        .output()
        .unwrap();
    assert_one_line_error(&output, &["nope"]);
    assert!(!dir.path().join("nope.p7s").exists());

    // A time-stamp token from the station's own authority: FILE.tst.
    let out = ok(dalel(&data).args(["tsa", "request"]).arg(&doc));
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let tst = dir.path().join("doc.tst");
    assert_eq!(line["output"], tst.to_str().unwrap(), "{line}");
    assert_eq!(line["sha256"], sha256_hex(&doc), "{line}");
    assert_eq!(
        line["bytes"].as_u64().unwrap(),
        std::fs::metadata(&tst).unwrap().len()
    );
    let verified = ok(openssl()
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&tst)
        .arg("-data")
        .arg(&doc)
        .arg("-CAfile")
        .arg(&root));
    assert!(verified.contains("Verification: OK"), "{verified}");

    // From another station over HTTP, with the initial token of the data directory given.
    let server = DalelServer::start(&[]);
    let server_root = pki(&server.data_dir(), "root.pem");
    let x = dir.path().join("x.tst");
    let tsp_url = server.url("/v1/tsp");
    let out = ok(dalel(&server.data_dir())
        .args(["tsa", "request"])
        .arg(&doc)
        .args(["--url", &tsp_url, "-o"])
        .arg(&x));
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(line["source"], tsp_url.as_str(), "{line}");
    assert_eq!(line["output"], x.to_str().unwrap(), "{line}");
    let verified = ok(openssl()
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&x)
        .arg("-data")
        .arg(&doc)
        .arg("-CAfile")
        .arg(&server_root));
    assert!(verified.contains("Verification: OK"), "{verified}");
    // The other station's token is not this station's.
    let output = openssl()
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&x)
        .arg("-data")
        .arg(&doc)
        .arg("-CAfile")
        .arg(&root)
        .output()
        .unwrap();
    assert!(!output.status.success());

    // A wrong token is refused, and nothing is written.
    let bad = dir.path().join("bad-token");
    std::fs::write(&bad, "not-the-token\n").unwrap();
    let y = dir.path().join("y.tst");
    let output = dalel(&server.data_dir())
        .args(["tsa", "request"])
        .arg(&doc)
        .args(["--url", &tsp_url, "--token-file"])
        .arg(&bad)
        .arg("-o")
        .arg(&y)
        .output()
        .unwrap();
    assert_one_line_error(&output, &["401"]);
    assert!(!y.exists());

    // While the server runs, its authority is its own: the CLI says so instead of sharing it.
    let z = dir.path().join("z.tst");
    let output = dalel(&server.data_dir())
        .args(["tsa", "request"])
        .arg(&doc)
        .arg("-o")
        .arg(&z)
        .output()
        .unwrap();
    assert_one_line_error(&output, &["in use"]);
    assert!(!z.exists());
}
