//! Software keys and secret sources against OpenSSL: keys OpenSSL made and encrypted open and
//! sign verifiably, keys Dälel wrote OpenSSL reads back, and no error shows a passphrase.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest as _;
use signer::keys::secret::{Secret, SecretSource};
use signer::keys::software::{self, SoftwareKey};
use signer::keys::{KeyAlgorithm, KeyError, SignatureKey};
use verifier::crypto::{PublicKey, SignatureAlgorithm};

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs `openssl` in `dir`, fails the test with its stderr if it fails, returns its stdout.
fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Whether `openssl` succeeds in `dir`.
fn openssl_ok(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
        .status
        .success()
}

/// A temporary directory with the passphrase in `pass` (with a line ending, as `echo` writes
/// it; OpenSSL's `file:` reads the first line) and a P-256 CA in `ca.key`, `ca.pem`.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("pass"), format!("{PASSPHRASE}\n")).unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Test CA",
            "-days",
            "1",
            "-out",
            "ca.pem",
        ],
    );
    dir
}

fn passphrase(dir: &Path) -> Secret {
    SecretSource::File(dir.join("pass"))
        .read("passphrase")
        .unwrap()
}

/// A P-256 key encrypted by `openssl genpkey -aes-256-cbc` in `{name}.key`, and its
/// certificate issued by the CA in `{name}.pem`.
fn p256_key(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-aes-256-cbc",
            "-pass",
            "file:pass",
            "-out",
            &format!("{name}.key"),
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-passin",
            "file:pass",
            "-subj",
            &format!("/CN={name}"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-days",
            "1",
            "-out",
            &format!("{name}.pem"),
        ],
    );
}

/// Signs a digest and a message with `key` (the two paths of [`SignatureKey`]) and checks
/// both signatures with OpenSSL (`pkeyutl` over the digest, `dgst` over the message) and with
/// `verifier::crypto`.
fn assert_signs_verifiably(dir: &Path, key: &dyn SignatureKey) {
    let message = b"a document to sign";
    let digest: [u8; 32] = sha2::Sha256::digest(message).into();
    assert_signature_verifies(
        dir,
        key,
        message,
        &digest,
        &key.sign_digest(&digest).unwrap(),
    );
    assert_signature_verifies(
        dir,
        key,
        message,
        &digest,
        &key.sign_message(message).unwrap(),
    );
}

fn assert_signature_verifies(
    dir: &Path,
    key: &dyn SignatureKey,
    message: &[u8],
    digest: &[u8; 32],
    signature: &[u8],
) {
    fs::write(dir.join("message.bin"), message).unwrap();
    fs::write(dir.join("digest.bin"), digest).unwrap();
    fs::write(dir.join("sig.der"), signature).unwrap();
    let leaf = &key.certificate_chain()[0];
    fs::write(
        dir.join("leaf.pem"),
        der::EncodePem::to_pem(leaf, der::pem::LineEnding::LF).unwrap(),
    )
    .unwrap();
    let public = openssl(dir, &["x509", "-in", "leaf.pem", "-pubkey", "-noout"]);
    fs::write(dir.join("pub.pem"), public).unwrap();

    let mut pkeyutl = vec![
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-in",
        "digest.bin",
        "-sigfile",
        "sig.der",
    ];
    if key.algorithm() == KeyAlgorithm::RsaPkcs1v15Sha256 {
        pkeyutl.extend(["-pkeyopt", "digest:sha256"]);
    }
    openssl(dir, &pkeyutl);
    openssl(
        dir,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig.der",
            "message.bin",
        ],
    );

    let public = PublicKey::from_spki(leaf.tbs_certificate().subject_public_key_info()).unwrap();
    let algorithm =
        SignatureAlgorithm::from_identifier(&key.algorithm().signature_algorithm()).unwrap();
    public
        .verify_prehashed(&algorithm, digest, signature)
        .unwrap();
    let mut other = *digest;
    other[0] ^= 1;
    assert!(
        public
            .verify_prehashed(&algorithm, &other, signature)
            .is_err()
    );
}

fn common_name(key: &dyn SignatureKey, index: usize) -> String {
    key.certificate_chain()[index]
        .tbs_certificate()
        .subject()
        .to_string()
}

#[test]
fn openssl_p256_key_opens_and_signs_verifiably() {
    let dir = workdir();
    let d = dir.path();
    p256_key(d, "seal");
    fs::write(
        d.join("chain.pem"),
        [
            fs::read(d.join("seal.pem")).unwrap(),
            fs::read(d.join("ca.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let key = SoftwareKey::open(
        "seal",
        &d.join("seal.key"),
        &d.join("chain.pem"),
        &passphrase(d),
    )
    .unwrap();
    assert_eq!(key.name(), "seal");
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256Sha256);
    assert_eq!(key.certificate_chain().len(), 2);
    assert_eq!(common_name(&key, 0), "CN=seal");
    assert_eq!(common_name(&key, 1), "CN=Test CA");
    assert_signs_verifiably(d, &key);
    let debug = format!("{key:?}");
    assert!(
        debug.contains("seal") && !debug.contains(PASSPHRASE),
        "{debug}"
    );
}

#[test]
fn openssl_rsa_key_opens_and_signs_verifiably() {
    let dir = workdir();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "plain.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "plain.pem",
            "-passout",
            "file:pass",
            "-out",
            "tsa.key",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "plain.pem",
            "-subj",
            "/CN=tsa",
            "-days",
            "1",
            "-out",
            "tsa.pem",
        ],
    );
    let key = SoftwareKey::open(
        "tsa",
        &d.join("tsa.key"),
        &d.join("tsa.pem"),
        &passphrase(d),
    )
    .unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::RsaPkcs1v15Sha256);
    assert_eq!(key.certificate_chain().len(), 1);
    assert_signs_verifiably(d, &key);
}

#[test]
fn wrong_passphrase_is_refused_without_being_shown() {
    let dir = workdir();
    let d = dir.path();
    p256_key(d, "seal");
    let wrong = "Tr0ub4dor&3-not-the-passphrase";
    let error = SoftwareKey::open(
        "seal",
        &d.join("seal.key"),
        &d.join("seal.pem"),
        &Secret::new(wrong.as_bytes().to_vec()),
    )
    .unwrap_err();
    assert!(
        matches!(&error, KeyError::WrongSecret { what: "passphrase", key } if key == "seal"),
        "{error:?}"
    );
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(
            !shown.contains(wrong) && !shown.contains(PASSPHRASE),
            "{shown}"
        );
    }
    let error = software::read_encrypted_pkcs8(&d.join("seal.key"), &Secret::new(b"x".to_vec()))
        .unwrap_err();
    assert!(matches!(error, KeyError::WrongSecret { .. }), "{error:?}");
}

#[test]
fn p384_key_is_unsupported() {
    let dir = workdir();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-aes-256-cbc",
            "-pass",
            "file:pass",
            "-out",
            "p384.key",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "p384.key",
            "-passin",
            "file:pass",
            "-subj",
            "/CN=p384",
            "-days",
            "1",
            "-out",
            "p384.pem",
        ],
    );
    let error = SoftwareKey::open(
        "p384",
        &d.join("p384.key"),
        &d.join("p384.pem"),
        &passphrase(d),
    )
    .unwrap_err();
    assert!(
        matches!(&error, KeyError::Unsupported { key, .. } if key == "p384"),
        "{error:?}"
    );
}

#[test]
fn certificate_of_another_key_is_a_mismatch() {
    let dir = workdir();
    let d = dir.path();
    p256_key(d, "seal");
    p256_key(d, "other");
    let error = SoftwareKey::open(
        "seal",
        &d.join("seal.key"),
        &d.join("other.pem"),
        &passphrase(d),
    )
    .unwrap_err();
    assert!(
        matches!(&error, KeyError::CertificateMismatch { key } if key == "seal"),
        "{error:?}"
    );
}

#[test]
fn unencrypted_key_file_is_refused() {
    let dir = workdir();
    let d = dir.path();
    // ca.key is a SEC 1 "EC PRIVATE KEY"; make a PKCS#8 "PRIVATE KEY" too.
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "ca.key",
            "-out",
            "plain.key",
        ],
    );
    for file in ["ca.key", "plain.key", "ca.pem"] {
        let error = software::read_encrypted_pkcs8(&d.join(file), &passphrase(d)).unwrap_err();
        assert!(
            matches!(&error, KeyError::Format { reason, .. } if reason.contains("ENCRYPTED PRIVATE KEY")),
            "{file}: {error:?}"
        );
    }
    let error = software::read_encrypted_pkcs8(&d.join("absent.key"), &passphrase(d)).unwrap_err();
    assert!(matches!(error, KeyError::Read { .. }), "{error:?}");
}

#[test]
fn written_key_is_read_back_by_openssl_and_reopened() {
    let dir = workdir();
    let d = dir.path();
    let der = openssl(
        d,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "ca.key", "-outform", "DER",
        ],
    );
    let path = d.join("written.key");
    software::write_encrypted_pkcs8(&path, &der, &passphrase(d)).unwrap();

    let pem = fs::read_to_string(&path).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{pem}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // OpenSSL decrypts it to the same key.
    let from_written = openssl(
        d,
        &[
            "pkey",
            "-in",
            "written.key",
            "-passin",
            "file:pass",
            "-pubout",
        ],
    );
    let from_original = openssl(d, &["pkey", "-in", "ca.key", "-pubout"]);
    assert_eq!(from_written, from_original);
    assert!(!openssl_ok(
        d,
        &[
            "pkey",
            "-in",
            "written.key",
            "-passin",
            "pass:wrong",
            "-pubout",
        ]
    ));

    // And so does Dälel.
    let decrypted = software::read_encrypted_pkcs8(&path, &passphrase(d)).unwrap();
    assert_eq!(decrypted.as_slice(), der.as_slice());
    let key = SoftwareKey::open("root", &path, &d.join("ca.pem"), &passphrase(d)).unwrap();
    assert_signs_verifiably(d, &key);

    // An existing file is never replaced.
    let error = software::write_encrypted_pkcs8(&path, &der, &passphrase(d)).unwrap_err();
    assert!(matches!(error, KeyError::Write { .. }), "{error:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), pem);
    // Nothing is written for what is not a key.
    let garbage = d.join("garbage.key");
    let error = software::write_encrypted_pkcs8(&garbage, b"not DER", &passphrase(d)).unwrap_err();
    assert!(matches!(error, KeyError::Format { .. }), "{error:?}");
    assert!(!garbage.exists());
}

#[test]
fn secret_files_lose_one_line_ending_and_must_not_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        path
    };
    for (content, expected) in [
        (&b"1234"[..], &b"1234"[..]),
        (b"1234\n", b"1234"),
        (b"1234\r\n", b"1234"),
        (b"1234\n\n", b"1234\n"),
        (b" 12 34 ", b" 12 34 "),
    ] {
        let secret = Secret::from_file(&file("pin", content), "PIN").unwrap();
        assert_eq!(secret.expose(), expected);
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
    for content in [&b""[..], b"\n", b"\r\n"] {
        let path = file("empty", content);
        let error = SecretSource::File(path.clone()).read("PIN").unwrap_err();
        assert!(
            matches!(&error, KeyError::NoSecret { what: "PIN", reason }
                if reason.contains(&*path.to_string_lossy())),
            "{error:?}"
        );
    }
    let long = file("long", &vec![b'7'; 4097]);
    let error = Secret::from_file(&long, "PIN").unwrap_err();
    assert!(matches!(error, KeyError::NoSecret { .. }), "{error:?}");
    let error = Secret::from_file(&dir.path().join("absent"), "PIN").unwrap_err();
    assert!(matches!(error, KeyError::Read { .. }), "{error:?}");
}

#[test]
fn secrets_come_from_environment_variables() {
    // Setting a variable needs `unsafe` (forbidden here); PATH is set for every test run.
    let path = std::env::var_os("PATH").unwrap();
    let secret = SecretSource::Env("PATH".to_owned())
        .read("passphrase")
        .unwrap();
    assert_eq!(secret.expose(), path.as_encoded_bytes());
    let unset = "DALEL_TEST_SURELY_UNSET_VARIABLE";
    assert!(std::env::var_os(unset).is_none());
    let error = SecretSource::Env(unset.to_owned())
        .read("passphrase")
        .unwrap_err();
    assert!(
        matches!(&error, KeyError::NoSecret { what: "passphrase", reason } if reason.contains(unset)),
        "{error:?}"
    );
}

#[test]
fn secret_sources_deserialize_from_configuration() {
    #[derive(serde::Deserialize)]
    struct Config {
        passphrase: SecretSource,
    }
    let parse = |text: &str| toml::from_str::<Config>(text).map(|c| c.passphrase);
    assert_eq!(
        parse(r#"passphrase = { file = "/etc/dalel/seal.pass" }"#).unwrap(),
        SecretSource::File(PathBuf::from("/etc/dalel/seal.pass"))
    );
    assert_eq!(
        parse(r#"passphrase = { env = "DALEL_SEAL_PASSPHRASE" }"#).unwrap(),
        SecretSource::Env("DALEL_SEAL_PASSPHRASE".to_owned())
    );
    // There is no way to write the secret itself into the configuration.
    assert!(parse(r#"passphrase = "hunter2""#).is_err());
    assert!(parse(r#"passphrase = { value = "hunter2" }"#).is_err());
    assert!(parse(r#"passphrase = { file = "/a", env = "B" }"#).is_err());
}
