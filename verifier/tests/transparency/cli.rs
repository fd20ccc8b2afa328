//! `dalel-verify`: exit status 0 valid, 1 invalid (including malformed evidence), 2 usage
//! error; verdicts on stdout, usage errors as one `error:` line on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::merkle::{Hash, leaf_hash, root_from_leaf_hashes};

use crate::support::{Log, consistency_proof, inclusion_proof, public_key_pem, signing_key};

const ORIGIN: &str = "dalel.example/archive";

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dalel-verify"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn assert_exit(output: &Output, code: i32) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {stderr}",
        stdout(output)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Exit 2 with exactly one line on stderr, `error: ...`, naming `needle`.
fn assert_usage_error(output: &Output, needle: &str) {
    assert_exit(output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

fn b64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

fn proof_arg(proof: &[Hash]) -> String {
    proof.iter().map(b64).collect::<Vec<_>>().join(",")
}

fn tree(n: usize) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&[i as u8])).collect()
}

fn inclusion_args(index: usize, leaves: &[Hash], root: &Hash, proof: &str) -> Vec<String> {
    [
        "merkle",
        "inclusion",
        "--leaf-index",
        &index.to_string(),
        "--tree-size",
        &leaves.len().to_string(),
        "--leaf-hash",
        &b64(&leaves[index]),
        "--root",
        &b64(root),
        "--proof",
        proof,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn version_and_help() {
    let output = run(&["--version"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "dalel-verify 0.1.0\n");
    let output = run(&["--help"]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("receipt"));
    assert_exit(&run::<&str>(&[]), 2);
    // Not a subcommand: the FILE form, and no such file is a usage error.
    assert_exit(&run(&["frobnicate"]), 64);
}

#[test]
fn merkle_inclusion() {
    let leaves = tree(11);
    let root = root_from_leaf_hashes(&leaves);
    let proof = proof_arg(&inclusion_proof(&leaves, 6));

    let output = run(&inclusion_args(6, &leaves, &root, &proof));
    assert_exit(&output, 0);
    assert!(
        stdout(&output).starts_with("valid inclusion proof"),
        "{}",
        stdout(&output)
    );

    let mut wrong_root = root;
    wrong_root[0] ^= 1;
    let output = run(&inclusion_args(6, &leaves, &wrong_root, &proof));
    assert_exit(&output, 1);
    assert!(stdout(&output).starts_with("INVALID inclusion proof: root mismatch"));

    let output = run(&inclusion_args(6, &leaves, &root, "not-base64!"));
    assert_usage_error(&output, "--proof");
    let output = run(&inclusion_args(6, &leaves, &root, &format!("{proof},")));
    assert_usage_error(&output, "--proof");

    // A one-leaf tree: empty proof given as "" or omitted.
    let one = tree(1);
    assert_exit(&run(&inclusion_args(0, &one, &one[0], "")), 0);
    let mut args = inclusion_args(0, &one, &one[0], "");
    args.truncate(args.len() - 2);
    assert_exit(&run(&args), 0);
    // A non-numeric size is clap's own usage error.
    args[5] = "many".into();
    assert_exit(&run(&args), 2);
}

#[test]
fn merkle_consistency() {
    let leaves = tree(13);
    let (root1, root2) = (
        root_from_leaf_hashes(&leaves[..5]),
        root_from_leaf_hashes(&leaves),
    );
    let proof = proof_arg(&consistency_proof(&leaves, 5));
    let args = |root1: &Hash, proof: &str| {
        [
            "merkle",
            "consistency",
            "--size1",
            "5",
            "--size2",
            "13",
            "--root1",
            &b64(root1),
            "--root2",
            &b64(&root2),
            "--proof",
            proof,
        ]
        .map(str::to_owned)
    };
    let output = run(&args(&root1, &proof));
    assert_exit(&output, 0);

    let mut wrong = root1;
    wrong[31] ^= 0x80;
    assert_exit(&run(&args(&wrong, &proof)), 1);
    assert_exit(&run(&args(&root1, "")), 1);

    let mut bad = args(&root1, &proof);
    bad[7] = "AAAA".into(); // base64, but not 32 bytes
    assert_usage_error(&run(&bad), "--root1");

    let output = run(&{
        let mut json = args(&root1, &proof).to_vec();
        json.push("--json".into());
        json
    });
    assert_exit(&output, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["size2"], 13);
}

/// A receipt, blob and key written to a temporary directory.
struct Files {
    _dir: tempfile::TempDir,
    receipt: PathBuf,
    blob: PathBuf,
    key: PathBuf,
    other_key: PathBuf,
}

fn files(log: &Log, index: usize) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let write = |p: &Path, data: &[u8]| std::fs::write(p, data).unwrap();
    let files = Files {
        receipt: path("entry.tlog-proof"),
        blob: path("blob.bin"),
        key: path("log.pem"),
        other_key: path("other.pem"),
        _dir: dir,
    };
    write(&files.receipt, log.receipt(index).as_bytes());
    write(&files.blob, &log.blobs[index]);
    write(&files.key, public_key_pem(&log.key).as_bytes());
    write(
        &files.other_key,
        public_key_pem(&signing_key("other")).as_bytes(),
    );
    files
}

fn receipt_args(f: &Files, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "receipt".to_owned(),
        f.receipt.display().to_string(),
        "--key".to_owned(),
        f.key.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[test]
fn receipt_valid_with_blob() {
    let log = Log::new("cli", ORIGIN, 9);
    let f = files(&log, 4);
    let blob = f.blob.display().to_string();

    let output = run(&receipt_args(&f, &["--blob", &blob]));
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.starts_with("valid receipt\n"), "{text}");
    for needle in [ORIGIN, "tree_size: 9", "index: 4", "\"seq\":4", "matches"] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }

    let output = run(&receipt_args(&f, &["--origin", ORIGIN, "--json"]));
    assert_exit(&output, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["origin"], ORIGIN);
    assert_eq!(report["index"], 4);
    assert_eq!(report["entry"]["seq"], 4);
    assert_eq!(report["blob"], "not checked");
}

#[test]
fn receipt_invalid_evidence_exits_1() {
    let log = Log::new("cli-invalid", ORIGIN, 9);
    let f = files(&log, 4);
    let blob = f.blob.display().to_string();

    // One flipped byte in the blob.
    let mut data = log.blobs[4].clone();
    data[0] ^= 0x01;
    std::fs::write(&f.blob, &data).unwrap();
    let output = run(&receipt_args(&f, &["--blob", &blob, "--json"]));
    assert_exit(&output, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["blob"], "mismatch");
    assert!(
        report["error"].as_str().unwrap().contains("BLAKE3"),
        "{report}"
    );

    // Another key.
    let mut args = receipt_args(&f, &[]);
    args[3] = f.other_key.display().to_string();
    let output = run(&args);
    assert_exit(&output, 1);
    assert!(
        stdout(&output).starts_with("INVALID receipt: "),
        "{}",
        stdout(&output)
    );

    // The right key under another origin.
    assert_exit(
        &run(&receipt_args(&f, &["--origin", "other.example/log"])),
        1,
    );

    // Malformed evidence is invalid evidence.
    std::fs::write(&f.receipt, b"c2sp.org/tlog-proof@v1\nindex 01\n").unwrap();
    let output = run(&receipt_args(&f, &[]));
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("line 2"), "{}", stdout(&output));
    std::fs::write(&f.receipt, b"\xff\xfe garbage").unwrap();
    assert_exit(&run(&receipt_args(&f, &[])), 1);
}

#[test]
fn receipt_usage_errors_exit_2() {
    let log = Log::new("cli-usage", ORIGIN, 2);
    let f = files(&log, 1);

    let mut args = receipt_args(&f, &[]);
    args[1] = f.receipt.with_extension("missing").display().to_string();
    assert_usage_error(&run(&args), "reading receipt");

    std::fs::write(
        &f.other_key,
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let mut args = receipt_args(&f, &[]);
    args[3] = f.other_key.display().to_string();
    assert_usage_error(&run(&args), "not a PEM ECDSA P-256 public key");

    assert_usage_error(&run(&receipt_args(&f, &["--origin", "a b"])), "--origin");
    let missing = f.blob.with_extension("missing").display().to_string();
    assert_usage_error(
        &run(&receipt_args(&f, &["--blob", &missing])),
        "opening blob",
    );
    // Missing required --key: clap's usage error.
    assert_exit(&run(&["receipt", &f.receipt.display().to_string()]), 2);
}
