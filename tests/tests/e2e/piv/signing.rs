//! Signing with a key on the virtual card: `dalel sign cms --key piv:...` (PIN on standard
//! input) and `POST /v1/sign/cms?key=piv:...` (PIN in `Dalel-Pin`), checked by OpenSSL and
//! our verifier; the PIN errors; and the same key through OpenSC's PKCS#11 module giving the
//! same signatures as the direct driver.

use devices::piv::{KeyAlgorithm, Slot};
use signer::keys::SignatureKey as _;
use signer::keys::piv::{PivKey, PivKeyRef};
use tests::DalelServer;
use tests::piv_rig::{Rig, child_env};
use tests::test_ca::{Profile, TestCa, certificate_object};

use super::super::signing::{agent, dalel, dalel_verify, openssl_cms_verify};
use super::{PIN, pin};

/// A rig whose card holds a P-256 key in 9C and an RSA-2048 key in 9A, each with a
/// certificate from `ca`.
fn provisioned(ca: &mut TestCa) -> Rig {
    let rig = Rig::start();
    for (slot, algorithm, profile) in [
        (Slot::Signature, KeyAlgorithm::EccP256, Profile::Signing),
        (
            Slot::Authentication,
            KeyAlgorithm::Rsa2048,
            Profile::Authentication,
        ),
    ] {
        let spki = rig
            .card
            .with_card(|c| c.generate_key(slot, algorithm))
            .unwrap();
        let cert = ca.issue(&spki, "IVANOV IVAN", "900101300123", profile);
        rig.card
            .with_card(|c| c.put_object(slot.certificate_object(), &certificate_object(&cert)))
            .unwrap();
    }
    rig
}

fn key_ref(rig: &Rig, slot: &str) -> String {
    format!("piv:{}/{slot}", rig.reader())
}

#[test]
fn dalel_sign_cms_with_a_token_key_verifies_in_openssl_and_ours() {
    let dir = tempfile::tempdir().unwrap();
    let mut ca = TestCa::new(&dir.path().join("ca"), "Token CA");
    let rig = provisioned(&mut ca);
    let doc = dir.path().join("protocol.txt");
    std::fs::write(&doc, "Хаттама: жауап алу хаттамасы\n").unwrap();
    let data = dir.path().join("data");

    let sign = |pin_line: &str, out: &str| {
        super::run_with_stdin(
            dalel(&data)
                .envs(rig.env())
                .args([
                    "sign",
                    "cms",
                    "--detached",
                    "--key",
                    &key_ref(&rig, "9c"),
                    "-o",
                    out,
                ])
                .arg(&doc),
            pin_line,
        )
    };
    let out = dir.path().join("protocol.p7s");
    let output = sign(&format!("{PIN}\n"), out.to_str().unwrap());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    openssl_cms_verify(&out, Some(&doc), &ca.certificate_path(), dir.path());
    let crl = ca.crl_path();
    let (code, text) = dalel_verify(
        &out,
        Some(&doc),
        &ca.certificate_path(),
        &[std::path::Path::new("--crl"), &crl],
    );
    assert_eq!(code, 0, "{text}");

    // A wrong PIN: one clear line, the tries left, and never the PIN itself.
    let output = sign("999999\n", dir.path().join("bad.p7s").to_str().unwrap());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("PIN was refused") && stderr.contains("2 tries left"),
        "{stderr}"
    );
    assert!(!stderr.contains("999999"), "{stderr}");
    assert_eq!(rig.card.with_card(|c| c.pin_tries_left()), 2);
}

#[test]
fn sign_cms_over_http_with_a_token_key_and_the_pin_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut ca = TestCa::new(&dir.path().join("ca"), "Token CA");
    let rig = provisioned(&mut ca);
    let server = DalelServer::start_with_env(&[], &rig.env());
    let doc = b"protocol signed on the token".to_vec();
    let agent = agent();
    let post = |key: &str, pin: Option<&str>| {
        let url = server.url(&format!(
            "/v1/sign/cms?detached=true&key={}",
            key.replace(' ', "%20").replace('/', "%2F")
        ));
        let mut request = agent
            .post(&url)
            .header("Authorization", &server.bearer())
            .header("Content-Type", "application/octet-stream");
        if let Some(pin) = pin {
            request = request.header("Dalel-Pin", pin);
        }
        let mut response = request.send(&doc[..]).unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_vec().unwrap())
    };

    for slot in ["9c", "9a"] {
        let (status, body) = post(&key_ref(&rig, slot), Some(PIN));
        assert_eq!(status, 200, "{slot}: {}", String::from_utf8_lossy(&body));
        let p7s = dir.path().join(format!("{slot}.p7s"));
        let content = dir.path().join("doc");
        std::fs::write(&p7s, &body).unwrap();
        std::fs::write(&content, &doc).unwrap();
        openssl_cms_verify(&p7s, Some(&content), &ca.certificate_path(), dir.path());
    }

    let (status, body) = post(&key_ref(&rig, "9c"), None);
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("pin_required") && text.contains("Dalel-Pin"),
        "{text}"
    );

    let (status, body) = post(&key_ref(&rig, "9c"), Some("000000"));
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 403, "{text}");
    assert!(
        text.contains("pin_incorrect") && text.contains("2 tries left"),
        "{text}"
    );
    assert!(!text.contains("000000"), "{text}");

    let (status, body) = post("piv:No Such Reader/9c", Some(PIN));
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 503, "{text}");
    assert!(
        text.contains("key_unavailable") && text.contains("No Such Reader"),
        "{text}"
    );

    // The card pulled during the signature: a clear 503, and the service goes on.
    rig.card.set_faults(hw_sim::Faults {
        remove_on_sign: true,
        reinsert_after: Some(std::time::Duration::from_millis(300)),
        ..hw_sim::Faults::default()
    });
    let (status, body) = post(&key_ref(&rig, "9c"), Some(PIN));
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("removed"), "{text}");
    rig.card
        .wait_connected(std::time::Duration::from_secs(10))
        .unwrap();
    let mut ok = false;
    for _ in 0..50 {
        if post(&key_ref(&rig, "9c"), Some(PIN)).0 == 200 {
            ok = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ok, "signing never worked again after the card was put back");
}

#[test]
fn the_pkcs11_path_through_opensc_signs_like_the_direct_driver() {
    let Some(reader) = child_env() else {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = TestCa::new(&dir.path().join("ca"), "Token CA");
        let rig = provisioned(&mut ca);
        rig.run_child("piv::signing::the_pkcs11_path_through_opensc_signs_like_the_direct_driver");
        return;
    };
    let digest = [0x5A; 32];
    let reference: PivKeyRef = format!("piv:{reader}/9a").parse().unwrap();
    let direct = PivKey::open(&reference, pin(PIN)).unwrap();
    let direct_signature = direct.sign_digest(&digest).unwrap();

    let pin_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pin_file.path(), PIN).unwrap();
    let config: signer::keys::pkcs11::Pkcs11Config = toml::from_str(&format!(
        "module = \"{}\"\nslot = 0\nkey_id = \"01\"\npin = {{ file = \"{}\" }}\n",
        opensc_module(),
        pin_file.path().display()
    ))
    .unwrap();
    let through_pkcs11 = signer::keys::pkcs11::Pkcs11Key::open("card", &config).unwrap();
    assert_eq!(
        through_pkcs11.certificate_chain(),
        direct.certificate_chain()
    );
    // RSA PKCS#1 v1.5 is deterministic: the same key signs the same digest identically.
    assert_eq!(
        through_pkcs11.sign_digest(&digest).unwrap(),
        direct_signature
    );
}

/// OpenSC's PKCS#11 module.
fn opensc_module() -> String {
    for path in [
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
    ] {
        if std::path::Path::new(path).exists() {
            return path.to_owned();
        }
    }
    panic!("opensc-pkcs11.so not found: run scripts/setup (package opensc-pkcs11)");
}
