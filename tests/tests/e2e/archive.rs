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

/// Damage to the newest checkpoint stops a normal open (nothing is signed over it) but the
/// audit still runs and names it.
#[test]
fn a_flipped_latest_checkpoint_is_reported_by_the_audit() {
    let (dir, _) = populated();
    let data = dir.path().join("data");
    let latest = data.join("archive/checkpoints/00000000000000000003.note");
    let len = std::fs::read(&latest).unwrap().len();
    flip_byte(&latest, len - 10);
    let verify = dalel(&data, &["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(report.contains("DISCREPANCY checkpoint 3:"), "{report}");
    assert!(report.contains("3 entries"), "{report}");
    let put = dalel(&data, &["put", "/etc/hostname"]);
    assert_eq!(put.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&put.stderr);
    assert!(stderr.contains("00000000000000000003.note"), "{stderr}");
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

fn dalel_verify(args: &[&str]) -> Output {
    Command::new(binary("dalel-verify"))
        .args(args)
        .output()
        .unwrap()
}

/// The archive's receipts and the independent verifier were written apart from one spec;
/// here they meet: every receipt `dalel archive proof` prints verifies with `dalel-verify`,
/// with the blob, and against an older checkpoint too.
#[test]
fn receipts_verify_with_dalel_verify() {
    let (dir, contents) = populated();
    let data = dir.path().join("data");
    let key = dir.path().join("key.pem");
    std::fs::write(&key, ok(&dalel(&data, &["public-key"]))).unwrap();
    for (i, bytes) in contents.iter().enumerate() {
        let index = i.to_string();
        for extra in [&[][..], &["--checkpoint", "3"][..]] {
            let mut args = vec!["proof", index.as_str()];
            args.extend_from_slice(extra);
            let receipt = dir.path().join(format!("receipt{i}"));
            std::fs::write(&receipt, ok(&dalel(&data, &args))).unwrap();
            let blob = dir.path().join(format!("in{i}"));
            let output = dalel_verify(&[
                "receipt",
                receipt.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
                "--blob",
                blob.to_str().unwrap(),
            ]);
            assert!(
                output.status.success(),
                "receipt {i}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            // The wrong bytes do not pass as the archived ones.
            let other = dir.path().join("other");
            std::fs::write(&other, [bytes.as_slice(), b"x"].concat()).unwrap();
            let output = dalel_verify(&[
                "receipt",
                receipt.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
                "--blob",
                other.to_str().unwrap(),
            ]);
            assert_eq!(
                output.status.code(),
                Some(1),
                "receipt {i} accepted other bytes"
            );
        }
    }
    // A key that is not the archive's is refused.
    let other_data = dir.path().join("other-data");
    let other_key = dir.path().join("other-key.pem");
    ok(&dalel(&other_data, &["checkpoint"]));
    std::fs::write(&other_key, ok(&dalel(&other_data, &["public-key"]))).unwrap();
    let receipt = dir.path().join("receipt0");
    let output = dalel_verify(&[
        "receipt",
        receipt.to_str().unwrap(),
        "--key",
        other_key.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
}

/// Every checkpoint carries an RFC 3161 token over its note that OpenSSL accepts.
#[test]
fn checkpoints_are_time_stamped_for_openssl() {
    let (dir, _) = populated();
    let archive = dir.path().join("data/archive");
    let cert = dir.path().join("data/pki/root.pem");
    let mut stamped = 0;
    for entry in std::fs::read_dir(archive.join("checkpoints")).unwrap() {
        let note = entry.unwrap().path();
        if note.extension().is_none_or(|e| e != "note") {
            continue;
        }
        let digest = sha256_hex(&std::fs::read(&note).unwrap());
        let output = Command::new("openssl")
            .args(["ts", "-verify", "-token_in", "-digest", &digest, "-in"])
            .arg(note.with_extension("tsr"))
            .arg("-CAfile")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            note.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        stamped += 1;
    }
    assert!(stamped >= 3, "{stamped} checkpoints");

    // A removed token is a discrepancy.
    let tokens: Vec<_> = std::fs::read_dir(archive.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsr"))
        .collect();
    std::fs::remove_file(&tokens[0]).unwrap();
    let output = dalel(&dir.path().join("data"), &["verify"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("has no time-stamp token"), "{stdout}");

    // Any flipped byte of what a token's check rests on is found: its TSA certificate, its
    // TSTInfo, its signature. (The root's copy the token also carries is not relied on.)
    let token = std::fs::read(&tokens[1]).unwrap();
    let len = token.len();
    let tsa_der = first_certificate_der(&dir.path().join("data/pki/tsa.pem"));
    let tsa_at = token
        .windows(tsa_der.len())
        .position(|w| w == tsa_der.as_slice())
        .expect("the token carries the TSA certificate");
    for at in [tsa_at + tsa_der.len() / 2, len / 2, len - 3] {
        flip_byte(&tokens[1], at);
        let output = dalel(&dir.path().join("data"), &["verify"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "byte {at}: {stdout}");
        assert!(
            stdout.contains("time-stamp token fails") || stdout.contains("token unreadable"),
            "byte {at}: {stdout}"
        );
        flip_byte(&tokens[1], at);
    }
}

/// The DER of the first certificate in the PEM file `path`, by OpenSSL.
fn first_certificate_der(path: &std::path::Path) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success());
    output.stdout
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-r"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// `get -o` onto something that is not a regular file (a pipe here; `/dev/null` in real use)
/// writes into it, and never replaces it by a rename.
#[test]
fn get_into_a_pipe_writes_through_it() {
    let (dir, contents) = populated();
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(&dalel(
        &dir.path().join("data"),
        &["get", "2", "-o", fifo.to_str().unwrap()],
    ));
    assert_eq!(reader.join().unwrap(), contents[2]);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // Nothing else was left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `archive put` opens the station while the file streams in: a station that cannot open
/// still leaves the item archived (and says so), and its checkpoint is time-stamped by the
/// next put that can.
#[test]
fn a_station_that_cannot_open_leaves_the_put_archived_and_unstamped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("dalel.toml");
    std::fs::write(
        &config,
        "[tsa.key]\nkind = \"software\"\nkey = \"/nonexistent/tsa.p8\"\n\
         chain = \"/nonexistent/tsa.pem\"\npassphrase = { file = \"/nonexistent/pass\" }\n",
    )
    .unwrap();
    let file = dir.path().join("item");
    std::fs::write(&file, b"interrogation 7, part 1").unwrap();
    let put = |with_config: bool| {
        let mut command = Command::new(binary("dalel"));
        command.arg("--data").arg(&data).env_remove("DALEL_CONFIG");
        if with_config {
            command.arg("--config").arg(&config);
        }
        command
            .args(["archive", "put"])
            .arg(&file)
            .output()
            .unwrap()
    };

    let failed = put(true);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("archived")
            && stderr.contains("not time-stamped")
            && stderr.contains("key `tsa`"),
        "{stderr}"
    );
    let receipt: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(receipt["index"], 0, "{receipt}");
    let checkpoints = data.join("archive/checkpoints");
    let tsr = |size: u64| checkpoints.join(format!("{size:020}.tsr"));
    assert!(!tsr(1).exists());
    // The audit names what is missing, and nothing else.
    let audit = dalel(&data, &["verify"]);
    assert_eq!(audit.status.code(), Some(1));
    let report = String::from_utf8_lossy(&audit.stdout);
    assert!(
        report.contains("checkpoint 1: has no time-stamp token")
            && report.contains("1 discrepancies"),
        "{report}"
    );

    // The default station opens: the earlier checkpoint is stamped on the way.
    ok(&put(false));
    assert!(tsr(1).exists() && tsr(2).exists());
    ok(&dalel(&data, &["verify"]));
}
