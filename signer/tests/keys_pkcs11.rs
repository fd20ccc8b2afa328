//! PKCS#11 keys against real SoftHSM2 tokens: EC P-256 and RSA-2048 keys made on a token sign
//! verifiably, with certificates from files or from token objects, and refusals map to
//! their [`KeyError`] variants without showing the PIN.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when its module is first initialised, once per process,
//! and setting a variable in-process needs `unsafe`, which this workspace forbids. So the
//! plain test `softhsm2` builds the tokens in a temporary directory and runs this binary
//! again with `SOFTHSM2_CONF` set and `--ignored`: the `#[ignore]`d tests run there, in
//! parallel, against those tokens. Run on their own they do nothing.
//!
//! SoftHSM2 never locks a PIN (it only sets "user PIN count low"), so `PinLocked` is checked
//! by the unit tests of the return-value mapping instead.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use sha2::Digest as _;
use signer::keys::pkcs11::{Pkcs11Config, Pkcs11Key};
use signer::keys::secret::SecretSource;
use signer::keys::{KeyAlgorithm, KeyError, SignatureKey};
use verifier::crypto::{PublicKey, SignatureAlgorithm};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "4821-dalel";
const SO_PIN: &str = "so-4821-dalel";
/// The token everything but the PIN and session tests use.
const TOKEN: &str = "dalel-test";
/// A token only ever given wrong PINs.
const WRONG_PIN_TOKEN: &str = "dalel-wrong-pin";
/// A token whose login the session test ends.
const RECONNECT_TOKEN: &str = "dalel-reconnect";
/// Set in the child process: the directory with the tokens and certificates.
const FIXTURE_DIR: &str = "DALEL_KEYS_PKCS11_DIR";
/// How many `#[ignore]`d tests the child must run.
const TOKEN_TESTS: usize = 9;

fn run(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("SOFTHSM2_CONF", dir.join("softhsm2.conf"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn p11(dir: &Path, token: &str, args: &[&str]) {
    let mut all = vec![
        "--module",
        MODULE,
        "--token-label",
        token,
        "--login",
        "--pin",
        PIN,
    ];
    all.extend(args);
    run(dir, "pkcs11-tool", &all);
}

/// Makes a key pair on `token` and a certificate for it, issued by the test CA, in
/// `{label}.pem` and `{label}.der`.
fn key_with_certificate(dir: &Path, token: &str, key_type: &str, id: &str, label: &str) {
    p11(
        dir,
        token,
        &[
            "--keypairgen",
            "--key-type",
            key_type,
            "--id",
            id,
            "--label",
            label,
        ],
    );
    let public = format!("{label}.pub.der");
    p11(
        dir,
        token,
        &[
            "--read-object",
            "--type",
            "pubkey",
            "--id",
            id,
            "--output-file",
            &public,
        ],
    );
    let pem = format!("{label}.pub.pem");
    run(
        dir,
        "openssl",
        &[
            "pkey", "-pubin", "-inform", "DER", "-in", &public, "-out", &pem,
        ],
    );
    let cert = format!("{label}.pem");
    run(
        dir,
        "openssl",
        &[
            "x509",
            "-new",
            "-subj",
            &format!("/CN={label}"),
            "-force_pubkey",
            &pem,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-days",
            "1",
            "-out",
            &cert,
        ],
    );
    run(
        dir,
        "openssl",
        &[
            "x509",
            "-in",
            &cert,
            "-outform",
            "DER",
            "-out",
            &format!("{label}.der"),
        ],
    );
}

/// Builds the tokens, keys and certificates the token tests use.
fn build_fixture(dir: &Path) {
    fs::create_dir(dir.join("tokens")).unwrap();
    fs::write(
        dir.join("softhsm2.conf"),
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    fs::write(dir.join("pin"), format!("{PIN}\n")).unwrap();
    for token in [TOKEN, WRONG_PIN_TOKEN, RECONNECT_TOKEN] {
        run(
            dir,
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                token,
                "--so-pin",
                SO_PIN,
                "--pin",
                PIN,
            ],
        );
    }
    run(
        dir,
        "openssl",
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
    run(
        dir,
        "openssl",
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Token CA",
            "-days",
            "1",
            "-out",
            "ca.pem",
        ],
    );
    key_with_certificate(dir, TOKEN, "EC:prime256v1", "01", "ec");
    key_with_certificate(dir, TOKEN, "rsa:2048", "02", "rsa");
    key_with_certificate(dir, TOKEN, "EC:prime256v1", "03", "ec-tokencert");
    p11(
        dir,
        TOKEN,
        &[
            "--write-object",
            "ec-tokencert.der",
            "--type",
            "cert",
            "--id",
            "03",
            "--label",
            "ec-tokencert",
        ],
    );
    p11(
        dir,
        TOKEN,
        &[
            "--keypairgen",
            "--key-type",
            "EC:secp384r1",
            "--id",
            "04",
            "--label",
            "p384",
        ],
    );
    // A key whose token shows no public key: checked against its certificate by signing.
    key_with_certificate(dir, TOKEN, "EC:prime256v1", "05", "ec-nopub");
    p11(
        dir,
        TOKEN,
        &["--delete-object", "--type", "pubkey", "--id", "05"],
    );
    key_with_certificate(dir, WRONG_PIN_TOKEN, "EC:prime256v1", "01", "wrong-pin");
    key_with_certificate(dir, RECONNECT_TOKEN, "EC:prime256v1", "01", "reconnect");
}

#[test]
fn softhsm2() {
    let dir = tempfile::tempdir().unwrap();
    build_fixture(dir.path());
    let output = Command::new(std::env::current_exe().unwrap())
        .arg("--ignored")
        .env("SOFTHSM2_CONF", dir.path().join("softhsm2.conf"))
        .env(FIXTURE_DIR, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the token tests failed");
    let summary = format!("test result: ok. {TOKEN_TESTS} passed; 0 failed");
    assert!(stdout.contains(&summary), "expected {summary:?}");
}

/// The fixture directory, in the child process only.
fn fixture() -> Option<PathBuf> {
    let dir = std::env::var_os(FIXTURE_DIR).map(PathBuf::from);
    if dir.is_none() {
        eprintln!("skipped: runs inside the softhsm2 test");
    }
    dir
}

fn config(dir: &Path, token: &str, key_label: Option<&str>, key_id: Option<&[u8]>) -> Pkcs11Config {
    Pkcs11Config {
        module: PathBuf::from(MODULE),
        token_label: Some(token.to_owned()),
        slot: None,
        key_label: key_label.map(str::to_owned),
        key_id: key_id.map(<[u8]>::to_vec),
        pin: SecretSource::File(dir.join("pin")),
        certificate: None,
        chain: None,
    }
}

/// Signs a digest and checks the signature with OpenSSL (`pkeyutl` over the digest, `dgst`
/// over the message) and with `verifier::crypto`.
fn assert_signs_verifiably(dir: &Path, key: &dyn SignatureKey) {
    let work = tempfile::tempdir_in(dir).unwrap();
    let w = work.path();
    let message = format!("a document for {}", key.name());
    let digest: [u8; 32] = sha2::Sha256::digest(&message).into();
    let signature = key.sign_digest(&digest).unwrap();
    fs::write(w.join("message.bin"), &message).unwrap();
    fs::write(w.join("digest.bin"), digest).unwrap();
    fs::write(w.join("sig.der"), &signature).unwrap();
    let leaf = &key.certificate_chain()[0];
    fs::write(w.join("leaf.der"), der::Encode::to_der(leaf).unwrap()).unwrap();
    let public = run(
        w,
        "openssl",
        &[
            "x509", "-inform", "DER", "-in", "leaf.der", "-pubkey", "-noout",
        ],
    );
    fs::write(w.join("pub.pem"), public).unwrap();
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
    run(w, "openssl", &pkeyutl);
    run(
        w,
        "openssl",
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
    assert_verifies(key, &digest, &signature);
}

fn assert_verifies(key: &dyn SignatureKey, digest: &[u8; 32], signature: &[u8]) {
    let leaf = &key.certificate_chain()[0];
    let public = PublicKey::from_spki(leaf.tbs_certificate().subject_public_key_info()).unwrap();
    let algorithm =
        SignatureAlgorithm::from_identifier(&key.algorithm().signature_algorithm()).unwrap();
    public
        .verify_prehashed(&algorithm, digest, signature)
        .unwrap();
}

fn common_name(key: &dyn SignatureKey, index: usize) -> String {
    key.certificate_chain()[index]
        .tbs_certificate()
        .subject()
        .to_string()
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn ec_key_with_certificate_file_signs_verifiably() {
    let Some(dir) = fixture() else { return };
    let mut config = config(&dir, TOKEN, Some("ec"), None);
    config.certificate = Some(dir.join("ec.pem"));
    config.chain = Some(dir.join("ca.pem"));
    let key = Pkcs11Key::open("pkcs11:ec", &config).unwrap();
    assert_eq!(key.name(), "pkcs11:ec");
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256Sha256);
    assert_eq!(key.certificate_chain().len(), 2);
    assert_eq!(common_name(&key, 0), "CN=ec");
    assert_eq!(common_name(&key, 1), "CN=Token CA");
    assert_signs_verifiably(&dir, &key);
    let debug = format!("{key:?}");
    assert!(
        debug.contains("pkcs11:ec") && !debug.contains(PIN),
        "{debug}"
    );
    assert!(!format!("{config:?}").contains(PIN));
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn rsa_key_signs_verifiably() {
    let Some(dir) = fixture() else { return };
    let mut config = config(&dir, TOKEN, None, Some(&[0x02]));
    config.certificate = Some(dir.join("rsa.pem"));
    let key = Pkcs11Key::open("pkcs11:rsa", &config).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::RsaPkcs1v15Sha256);
    assert_eq!(key.certificate_chain().len(), 1);
    assert_signs_verifiably(&dir, &key);
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn certificate_object_on_the_token_is_used() {
    let Some(dir) = fixture() else { return };
    let config = config(&dir, TOKEN, Some("ec-tokencert"), Some(&[0x03]));
    let key = Pkcs11Key::open("pkcs11:ec-tokencert", &config).unwrap();
    let leaf = der::Encode::to_der(&key.certificate_chain()[0]).unwrap();
    assert_eq!(leaf, fs::read(dir.join("ec-tokencert.der")).unwrap());
    assert_eq!(key.certificate_chain().len(), 1);
    assert_signs_verifiably(&dir, &key);

    let mut with_chain = config.clone();
    with_chain.chain = Some(dir.join("ca.pem"));
    let key = Pkcs11Key::open("pkcs11:ec-tokencert", &with_chain).unwrap();
    assert_eq!(common_name(&key, 1), "CN=Token CA");
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn wrong_pin_is_refused_without_being_shown() {
    let Some(dir) = fixture() else { return };
    let wrong = "9999-not-the-pin";
    fs::write(dir.join("wrong-pin.txt"), wrong).unwrap();
    let mut config = config(&dir, WRONG_PIN_TOKEN, Some("wrong-pin"), None);
    config.pin = SecretSource::File(dir.join("wrong-pin.txt"));
    config.certificate = Some(dir.join("wrong-pin.pem"));
    let error = Pkcs11Key::open("pkcs11:wrong-pin", &config).unwrap_err();
    assert!(
        matches!(&error, KeyError::WrongSecret { what: "PIN", key } if key == "pkcs11:wrong-pin"),
        "{error:?}"
    );
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(wrong) && !shown.contains(PIN), "{shown}");
    }
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn unusable_keys_are_refused() {
    let Some(dir) = fixture() else { return };
    let mut mismatched = config(&dir, TOKEN, Some("ec"), None);
    mismatched.certificate = Some(dir.join("rsa.pem"));
    let error = Pkcs11Key::open("pkcs11:ec", &mismatched).unwrap_err();
    assert!(
        matches!(&error, KeyError::CertificateMismatch { key } if key == "pkcs11:ec"),
        "{error:?}"
    );
    let mut another_ec = config(&dir, TOKEN, Some("ec"), None);
    another_ec.certificate = Some(dir.join("ec-tokencert.pem"));
    let error = Pkcs11Key::open("pkcs11:ec", &another_ec).unwrap_err();
    assert!(
        matches!(error, KeyError::CertificateMismatch { .. }),
        "{error:?}"
    );

    let error =
        Pkcs11Key::open("pkcs11:p384", &config(&dir, TOKEN, Some("p384"), None)).unwrap_err();
    assert!(
        matches!(&error, KeyError::Unsupported { reason, .. } if reason.contains("1.3.132.0.34")),
        "{error:?}"
    );
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn key_without_public_object_is_checked_by_a_test_signature() {
    let Some(dir) = fixture() else { return };
    let mut config = config(&dir, TOKEN, Some("ec-nopub"), None);
    config.certificate = Some(dir.join("ec-nopub.pem"));
    let key = Pkcs11Key::open("pkcs11:ec-nopub", &config).unwrap();
    assert_signs_verifiably(&dir, &key);
    config.certificate = Some(dir.join("ec.pem"));
    let error = Pkcs11Key::open("pkcs11:ec-nopub", &config).unwrap_err();
    assert!(
        matches!(error, KeyError::CertificateMismatch { .. }),
        "{error:?}"
    );
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn missing_module_token_key_or_certificate_is_not_found() {
    let Some(dir) = fixture() else { return };
    let not_found = |config: &Pkcs11Config, needle: &str| {
        let error = Pkcs11Key::open("k", config).unwrap_err();
        match &error {
            KeyError::NotFound { what, reason } => {
                let text = format!("{what} {reason}");
                assert!(text.contains(needle), "{text:?} lacks {needle:?}");
            }
            other => panic!("{other:?}"),
        }
    };
    let mut config = config(&dir, TOKEN, Some("ec"), None);
    config.certificate = Some(dir.join("ec.pem"));

    let mut no_module = config.clone();
    no_module.module = dir.join("absent.so");
    not_found(&no_module, "absent.so");
    let mut no_token = config.clone();
    no_token.token_label = Some("absent-token".to_owned());
    not_found(&no_token, TOKEN);
    let mut no_slot = config.clone();
    no_slot.token_label = None;
    no_slot.slot = Some(99);
    not_found(&no_slot, "slot 99");
    let mut no_key = config.clone();
    no_key.key_label = Some("absent-key".to_owned());
    not_found(&no_key, "absent-key");
    // Key 01 has no certificate object on the token.
    let mut no_certificate = config.clone();
    no_certificate.certificate = None;
    not_found(&no_certificate, "CKA_ID (01)");

    let mut neither = config.clone();
    neither.key_label = None;
    let error = Pkcs11Key::open("k", &neither).unwrap_err();
    assert!(matches!(error, KeyError::Format { .. }), "{error:?}");
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn signing_logs_in_again_after_a_logout() {
    let Some(dir) = fixture() else { return };
    let mut config = config(&dir, RECONNECT_TOKEN, Some("reconnect"), None);
    config.certificate = Some(dir.join("reconnect.pem"));
    let key = Pkcs11Key::open("pkcs11:reconnect", &config).unwrap();
    let digest = [7u8; 32];
    assert_verifies(&key, &digest, &key.sign_digest(&digest).unwrap());

    // A second context on the same library: the module is already initialised.
    let context = Pkcs11::new(MODULE).unwrap();
    let _ = context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = context
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|slot| context.get_token_info(*slot).unwrap().label() == RECONNECT_TOKEN)
        .unwrap();
    for _ in 0..2 {
        // Logging out one session logs out all of this process's sessions on the token.
        context.open_ro_session(slot).unwrap().logout().unwrap();
        assert_verifies(&key, &digest, &key.sign_digest(&digest).unwrap());
    }
}

#[test]
#[ignore = "run by the softhsm2 test, with SOFTHSM2_CONF set"]
fn keys_on_one_module_sign_from_many_threads() {
    let Some(dir) = fixture() else { return };
    let mut ec = config(&dir, TOKEN, Some("ec"), Some(&[0x01]));
    ec.certificate = Some(dir.join("ec.pem"));
    let mut rsa = config(&dir, TOKEN, Some("rsa"), None);
    rsa.certificate = Some(dir.join("rsa.pem"));
    let keys: Vec<Arc<dyn SignatureKey>> = vec![
        Arc::new(Pkcs11Key::open("pkcs11:ec", &ec).unwrap()),
        Arc::new(Pkcs11Key::open("pkcs11:rsa", &rsa).unwrap()),
    ];
    std::thread::scope(|scope| {
        for thread in 0..4u8 {
            let key = Arc::clone(&keys[usize::from(thread) % keys.len()]);
            scope.spawn(move || {
                for round in 0..5u8 {
                    let digest: [u8; 32] = sha2::Sha256::digest([thread, round]).into();
                    assert_verifies(&*key, &digest, &key.sign_digest(&digest).unwrap());
                }
            });
        }
    });
}

#[test]
fn configuration_deserializes() {
    let config: Pkcs11Config = toml::from_str(
        r#"
        module = "/usr/lib/softhsm/libsofthsm2.so"
        token_label = "dalel"
        key_label = "seal"
        key_id = "a1:b2"
        pin = { env = "DALEL_SEAL_PIN" }
        certificate = "/etc/dalel/seal.pem"
        "#,
    )
    .unwrap();
    assert_eq!(config.token_label.as_deref(), Some("dalel"));
    assert_eq!(config.key_id, Some(vec![0xa1, 0xb2]));
    assert_eq!(config.pin, SecretSource::Env("DALEL_SEAL_PIN".to_owned()));
    assert_eq!(config.slot, None);
    assert_eq!(config.chain, None);

    let minimal: Pkcs11Config = toml::from_str(
        r#"
        module = "/m.so"
        slot = 0
        key_id = "01"
        pin = { file = "/p" }
        "#,
    )
    .unwrap();
    assert_eq!(minimal.slot, Some(0));
    assert_eq!(minimal.key_label, None);

    for bad in [
        // The PIN itself cannot be written into the configuration.
        r#"module = "/m.so"
           key_id = "01"
           pin = "1234""#,
        r#"module = "/m.so"
           key_id = "0x1"
           pin = { file = "/p" }"#,
        r#"module = "/m.so"
           key_id = "01"
           pin = { file = "/p" }
           user_pin = "1234""#,
    ] {
        assert!(toml::from_str::<Pkcs11Config>(bad).is_err(), "{bad}");
    }
}
