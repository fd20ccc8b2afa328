//! EDS login: `dalel login --key piv:<reader>/9a` against `dalel serve`, which checks the
//! signature over its challenge, the certificate's path, revocation (a CRL the operator keeps)
//! and purpose, and opens a session bound to the IIN; and the refusals.

use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use devices::piv::{KeyAlgorithm, Slot};
use serde_json::{Value, json};
use tests::DalelServer;
use tests::piv_rig::Rig;
use tests::test_ca::{Profile, TestCa, certificate_object};

use super::super::signing::{agent, dalel};
use super::PIN;

const IIN: &str = "900101300123";

struct Setup {
    dir: tempfile::TempDir,
    ca: TestCa,
    rig: Rig,
    server: DalelServer,
    /// The 9A certificate, DER.
    certificate: Vec<u8>,
}

/// A card with `algorithm` in 9A certified for `profile`, and a server trusting the CA and
/// reading its CRL.
fn setup(algorithm: KeyAlgorithm, profile: Profile) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut ca = TestCa::new(&dir.path().join("ca"), "EDS CA");
    let rig = Rig::start();
    let spki = rig
        .card
        .with_card(|c| c.generate_key(Slot::Authentication, algorithm))
        .unwrap();
    let certificate = ca.issue(&spki, "AKHMETOV ALI", IIN, profile);
    rig.card
        .with_card(|c| {
            c.put_object(
                Slot::Authentication.certificate_object(),
                &certificate_object(&certificate),
            )
        })
        .unwrap();
    let server = start_server(dir.path(), &ca, &rig);
    Setup {
        dir,
        ca,
        rig,
        server,
        certificate,
    }
}

fn start_server(dir: &Path, ca: &TestCa, rig: &Rig) -> DalelServer {
    let config = dir.join("dalel.toml");
    std::fs::write(
        &config,
        format!(
            "[verify]\ntrust = [\"{}\"]\ncrls = [\"{}\"]\n",
            ca.certificate_path().display(),
            ca.crl_path().display()
        ),
    )
    .unwrap();
    DalelServer::start_with_env(&["--config", config.to_str().unwrap()], &rig.env())
}

/// `dalel login` with the PIN on standard input.
fn login(setup: &Setup, server: &DalelServer, pin: &str) -> Output {
    let token_file = setup.dir.path().join("api-token");
    std::fs::write(&token_file, server.token()).unwrap();
    super::run_with_stdin(
        dalel(&setup.dir.path().join("client"))
            .envs(setup.rig.env())
            .args(["login", "--key", &format!("piv:{}/9a", setup.rig.reader())])
            .args(["--url", &server.url(""), "--token-file"])
            .arg(&token_file),
        &format!("{pin}\n"),
    )
}

fn get(server: &DalelServer, path: &str, bearer: &str) -> (u16, Value) {
    let mut response = agent()
        .get(&server.url(path))
        .header("Authorization", &format!("Bearer {bearer}"))
        .call()
        .unwrap();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

#[test]
fn login_with_the_authentication_key_opens_a_session_for_the_iin() {
    for algorithm in [KeyAlgorithm::EccP256, KeyAlgorithm::Rsa2048] {
        let setup = setup(algorithm, Profile::Authentication);
        let output = login(&setup, &setup.server, PIN);
        assert!(
            output.status.success(),
            "{algorithm:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(answer["session"]["iin"], IIN, "{answer}");
        let token = answer["token"].as_str().unwrap();
        assert!(token.starts_with("dalel_eds_"));

        // The session is a credential: it reads the session and any other route.
        let (status, session) = get(&setup.server, "/v1/auth/session", token);
        assert_eq!(status, 200, "{session}");
        assert_eq!(session["session"]["iin"], IIN);
        assert!(
            session["session"]["subject"]
                .as_str()
                .unwrap()
                .contains("AKHMETOV")
        );
        assert_eq!(get(&setup.server, "/v1/checkpoint", token).0, 200);
        // Ended, it is refused.
        let status = agent()
            .delete(&setup.server.url("/v1/auth/session"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 204);
        assert_eq!(get(&setup.server, "/v1/checkpoint", token).0, 401);
    }
}

#[test]
fn logins_are_refused_for_a_wrong_pin_a_signing_certificate_and_a_revoked_one() {
    let setup = setup(KeyAlgorithm::EccP256, Profile::Signing);
    let output = login(&setup, &setup.server, PIN);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("not an authentication certificate"),
        "{stderr}"
    );

    let output = login(&setup, &setup.server, "000000");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2 tries left") && !stderr.contains("000000"),
        "{stderr}"
    );

    let setup = self::setup(KeyAlgorithm::EccP256, Profile::Authentication);
    setup.ca.revoke(&setup.certificate);
    // The service reads the CRL at start.
    let server = start_server(setup.dir.path(), &setup.ca, &setup.rig);
    let output = login(&setup, &server, PIN);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("login refused") && stderr.contains("revoked"),
        "{stderr}"
    );
}

#[test]
fn a_challenge_answers_one_login_only_and_a_forged_signature_is_refused() {
    let setup = setup(KeyAlgorithm::EccP256, Profile::Authentication);
    let server = &setup.server;
    let post = |path: &str, body: Value| {
        let mut response = agent()
            .post(&server.url(path))
            .header("Authorization", &server.bearer())
            .send_json(&body)
            .unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_json::<Value>().unwrap())
    };
    let (status, challenge) = post("/v1/auth/eds/challenge", json!({}));
    assert_eq!(status, 200, "{challenge}");
    // Signed by another key than the certificate's: refused, and the challenge is spent.
    let forged = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
    let body = json!({
        "challenge": challenge["challenge"],
        "certificate": B64.encode(&setup.certificate),
        "signature": B64.encode(forged),
    });
    let (status, answer) = post("/v1/auth/eds", body.clone());
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{answer}"
    );
    let (status, answer) = post("/v1/auth/eds", body);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("already used"),
        "{answer}"
    );
    // Without the terminal's API token there is no login at all.
    let status = agent()
        .post(&server.url("/v1/auth/eds/challenge"))
        .send_json(json!({}))
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 401);
}
