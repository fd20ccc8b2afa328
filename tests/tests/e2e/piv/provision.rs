//! Provisioning a token with `dalel piv`: generate a key in a slot, have the CA certify it,
//! import the certificate, list the card, and sign with the slot — the operator's path.

use tests::piv_rig::Rig;
use tests::test_ca::{Profile, TestCa};

use super::super::signing::{dalel, ok, openssl_cms_verify};
use super::PIN;

#[test]
fn dalel_piv_generates_imports_lists_and_the_slot_signs() {
    let dir = tempfile::tempdir().unwrap();
    let mut ca = TestCa::new(&dir.path().join("ca"), "Token CA");
    let rig = Rig::start();
    let data = dir.path().join("data");
    let piv = |args: &[&str]| {
        let mut command = dalel(&data);
        command.envs(rig.env()).arg("piv").args(args);
        command
    };
    let card = ["--reader", "Virtual PCD 00 00", "--slot", "9c"];

    // Without naming a management key, nothing is done to the card.
    let output = piv(&[&["generate"][..], &card].concat()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--management-key-file"));

    // The management key from a file, as in production.
    let key_file = dir.path().join("mgmt.key");
    std::fs::write(
        &key_file,
        "010203040506070801020304050607080102030405060708\n",
    )
    .unwrap();
    let key_file = key_file.to_str().unwrap();
    let public_pem = ok(&mut piv(&[
        &["generate"][..],
        &card,
        &["--management-key-file", key_file],
    ]
    .concat()));
    assert!(
        public_pem.starts_with("-----BEGIN PUBLIC KEY-----"),
        "{public_pem}"
    );
    let spki = verifier_spki(&public_pem);
    let cert = ca.issue(&spki, "IVANOV IVAN", "900101300123", Profile::Signing);
    let cert_file = dir.path().join("9c.der");
    std::fs::write(&cert_file, &cert).unwrap();
    let imported = ok(&mut piv(&[
        &["import-certificate"][..],
        &card,
        &[
            "--management-key-file",
            key_file,
            cert_file.to_str().unwrap(),
        ],
    ]
    .concat()));
    assert!(imported.contains("IVANOV IVAN"), "{imported}");

    // A wrong management key is refused and changes nothing.
    std::fs::write(dir.path().join("wrong.key"), "00".repeat(24)).unwrap();
    let output = piv(&[
        &["generate"][..],
        &card,
        &[
            "--management-key-file",
            dir.path().join("wrong.key").to_str().unwrap(),
        ],
    ]
    .concat())
    .output()
    .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("management key"),
        "{output:?}"
    );

    let listed: serde_json::Value = serde_json::from_str(&ok(&mut piv(&["list"]))).unwrap();
    let reader = &listed[0];
    assert_eq!(reader["reader"], rig.reader());
    assert_eq!(reader["card"], true);
    assert_eq!(reader["piv"]["pin"]["tries_left"], 3, "{listed}");
    assert!(
        reader["piv"]["slots"]["9c"]["certificate"]
            .as_str()
            .unwrap()
            .contains("IVANOV")
    );

    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, "signed on a provisioned token\n").unwrap();
    let out = dir.path().join("doc.p7s");
    let output = super::run_with_stdin(
        dalel(&data)
            .envs(rig.env())
            .args([
                "sign",
                "cms",
                "--detached",
                "--key",
                &format!("piv:{}/9c", rig.reader()),
                "-o",
            ])
            .arg(&out)
            .arg(&doc),
        &format!("{PIN}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    openssl_cms_verify(&out, Some(&doc), &ca.certificate_path(), dir.path());
}

/// The DER of a PEM public key.
fn verifier_spki(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}
