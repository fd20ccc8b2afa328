//! `dalel archive`: put, get, proof, verify, and tamper evidence, through the real binary.

use std::path::Path;
use std::process::{Command, Output};

use tests::binary;

fn dalel(data: &Path, args: &[&str]) -> Output {
    Command::new(binary("dalel"))
        .arg("--data")
        .arg(data)
        .arg("archive")
        .args(args)
        .env_remove("DALEL_CONFIG")
        .output()
        .unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Puts three files and returns the data directory and their contents.
fn populated() -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut contents = Vec::new();
    for (i, len) in [0usize, 1000, 3 << 20].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..len).map(|j| (j * 7 + i) as u8).collect();
        let file = dir.path().join(format!("in{i}"));
        std::fs::write(&file, &bytes).unwrap();
        let receipt: serde_json::Value = serde_json::from_str(&ok(&dalel(
            &dir.path().join("data"),
            &[
                "put",
                file.to_str().unwrap(),
                "--case",
                "2026-001",
                "--meta",
                "room=3",
            ],
        )))
        .unwrap();
        assert_eq!(receipt["index"], i);
        assert_eq!(receipt["entry"]["size"], len);
        assert_eq!(receipt["entry"]["meta"]["room"], "3");
        assert_eq!(
            receipt["entry"]["blake3"],
            blake3::hash(&bytes).to_hex().as_str()
        );
        contents.push(bytes);
    }
    (dir, contents)
}

#[test]
fn put_get_and_verify_round_trip() {
    let (dir, contents) = populated();
    let data = dir.path().join("data");
    for (i, bytes) in contents.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        ok(&dalel(
            &data,
            &["get", &i.to_string(), "-o", out.to_str().unwrap()],
        ));
        assert_eq!(&std::fs::read(&out).unwrap(), bytes);
    }
    // By digest, to stdout.
    let hash = blake3::hash(&contents[1]).to_hex().to_string();
    let output = dalel(&data, &["get", &hash]);
    assert_eq!(output.stdout, contents[1]);
    let verify = ok(&dalel(&data, &["verify"]));
    assert!(verify.starts_with("OK: 3 entries, 3 blobs"), "{verify}");
    let proof = ok(&dalel(&data, &["proof", "2"]));
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{proof}"
    );
    assert!(proof.contains("\nindex 2\n"), "{proof}");
}

fn blob_path(data: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let hex = blake3::hash(bytes).to_hex().to_string();
    data.join("archive/blobs").join(&hex[..2]).join(&hex[2..])
}

fn flip_byte(path: &Path, at: usize) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_flipped_blob_byte_is_reported_by_verify_and_get() {
    let (dir, contents) = populated();
    let data = dir.path().join("data");
    flip_byte(&blob_path(&data, &contents[2]), 123_456);

    let verify = dalel(&data, &["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        report.contains("DISCREPANCY entry 2: blob expected BLAKE3"),
        "{report}"
    );
    assert!(report.contains("1 discrepancies"), "{report}");

    let out = dir.path().join("out");
    let get = dalel(&data, &["get", "2", "-o", out.to_str().unwrap()]);
    assert_eq!(get.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&get.stderr).contains("blob of entry 2 is damaged"));
    assert!(
        !out.exists(),
        "damaged bytes never land under the requested name"
    );
}

#[test]
fn a_flipped_log_byte_is_reported() {
    let (dir, _) = populated();
    let data = dir.path().join("data");
    // Inside the first entry's payload (past its 16-byte record header).
    flip_byte(&data.join("archive/log/entries"), 40);
    let verify = dalel(&data, &["verify"]);
    assert_ne!(verify.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&verify.stderr);
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(
        stdout.contains("DISCREPANCY entry 0") || stderr.contains("damaged"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_flipped_checkpoint_byte_is_reported() {
    let (dir, _) = populated();
    let data = dir.path().join("data");
    let first = data.join("archive/checkpoints/00000000000000000001.note");
    let len = std::fs::read(&first).unwrap().len();
    flip_byte(&first, len - 10);
    let verify = dalel(&data, &["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(report.contains("DISCREPANCY checkpoint 1:"), "{report}");
}

#[test]
fn bad_references_and_arguments_are_clear_errors() {
    let (dir, _) = populated();
    let data = dir.path().join("data");
    for (args, needle) in [
        (vec!["get", "nothex"], "neither an entry index"),
        (vec!["get", "99"], "no archived item matches 99"),
        (vec!["proof", &"ab".repeat(32)], "no archived item matches"),
        (
            vec!["put", "/nonexistent/file"],
            "cannot open /nonexistent/file",
        ),
        (
            vec!["put", "/etc/hostname", "--kind", "a\tb"],
            "invalid description",
        ),
    ] {
        let output = dalel(&data, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let output = dalel(&data, &["put", "/etc/hostname", "--meta", "novalue"]);
    assert_eq!(output.status.code(), Some(2));
}
