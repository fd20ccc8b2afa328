//! `dalel-verify cert` end to end: exit status 0 valid, 1 invalid (TOTAL-FAILED), 2
//! indeterminate, 64 usage error; the path, policies and failure in text and JSON; PEM,
//! DER and PEM bundles as input.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

use common::nca;
use common::pki::{CertSpec, KeyAlg, NOW, Pki};
use serde_json::Value;

const NCA_SIGN: &str = "certs/individual_valid_sign_2004_rsa.cer";
const NCA_AUTH: &str = "certs/individual_valid_sign_2004_rsa_auth.cer";
const NCA_GOST: &str = "certs/ceo_valid_sign_2004_gost.cer";
const NCA_RSA_CA: &str = "ca/nca_rsa_test.crt";
const NCA_GOST_CA: &str = "ca/nca_gost_test.crt";
const IN_2022: &str = "2022-06-01T00:00:00Z";

fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
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

/// Exit 64 with exactly one `error:` line on stderr, containing `needle`, and nothing on
/// stdout.
fn assert_usage(output: &Output, needle: &str) {
    assert_exit(output, 64);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
    assert!(output.stdout.is_empty());
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap()
}

fn p(relative: &str) -> String {
    nca(relative).display().to_string()
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn nca_signing_certificate_valid_in_2022() {
    let out = run(&[
        "cert",
        &p(NCA_SIGN),
        "--trust",
        &p(NCA_RSA_CA),
        "--at",
        IN_2022,
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("VALID certificate path: 1 certificate(s)"),
        "{text}"
    );
    for needle in [
        "subject:  GN=ТЕСТОВИЧ,C=KZ,SERIALNUMBER=IIN123456789011",
        "issuer:   CN=ҰКО 3.0 (RSA TEST),C=KZ",
        "validity: 2022-01-18T04:38:50Z to 2023-01-18T04:38:50Z",
        "key:      RSA-2048",
        "key:      RSA-4096",
        "valid policies (authorities-constrained): 1.2.398.3.3.2.3",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }

    let out = run(&[
        "--json",
        "cert",
        &p(NCA_SIGN),
        "--trust",
        &p(NCA_RSA_CA),
        "--at",
        IN_2022,
    ]);
    assert_exit(&out, 0);
    let v = json(&out);
    assert_eq!(v["command"], "cert");
    assert_eq!(v["valid"], true);
    assert_eq!(v["indication"], "TOTAL-PASSED");
    assert_eq!(v["checked_at"], IN_2022);
    assert_eq!(v["path"][0]["position"], 0);
    assert_eq!(v["path"][0]["key"], "RSA-2048");
    assert_eq!(v["path"][0]["not_after"], "2023-01-18T04:38:50Z");
    assert_eq!(v["anchor"]["subject"], "CN=ҰКО 3.0 (RSA TEST),C=KZ");
    assert_eq!(
        v["policies"]["authorities_constrained"][0],
        "1.2.398.3.3.2.3"
    );
    assert_eq!(v["policies"]["explicit_policy_required"], false);
}

#[test]
fn nca_expired_is_invalid_exit_1() {
    let out = run(&[
        "cert",
        &p(NCA_SIGN),
        "--trust",
        &p(NCA_RSA_CA),
        "--at",
        "2024-06-01T00:00:00Z",
    ]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with("INVALID (TOTAL-FAILED / EXPIRED)"),
        "{text}"
    );
    assert!(text.contains("rule: RFC 5280 §6.1.3(a)(2)"), "{text}");

    let out = run(&[
        "cert",
        "--json",
        &p(NCA_SIGN),
        "--trust",
        &p(NCA_RSA_CA),
        "--at",
        "2024-06-01T00:00:00Z",
    ]);
    assert_exit(&out, 1);
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["indication"], "TOTAL-FAILED");
    assert_eq!(v["sub_indication"], "EXPIRED");
    assert_eq!(v["error"]["kind"], "expired");
    assert_eq!(v["error"]["certificate"]["position"], 0);
    assert_eq!(v["error"]["rule"], "RFC 5280 §6.1.3(a)(2)");
}

#[test]
fn nca_authentication_certificate_for_signing_and_for_login() {
    let args = [
        "cert",
        &p(NCA_AUTH),
        "--trust",
        &p(NCA_RSA_CA),
        "--at",
        IN_2022,
    ];
    let out = run(&args);
    assert_exit(&out, 2);
    let text = stdout(&out);
    assert!(
        text.starts_with("INDETERMINATE (CHAIN_CONSTRAINTS_FAILURE)"),
        "{text}"
    );
    assert!(text.contains("is an authentication certificate"), "{text}");
    let mut login = args.to_vec();
    login.extend(["--purpose", "client-auth"]);
    assert_exit(&run(&login), 0);
    let mut any = args.to_vec();
    any.extend(["--purpose", "any"]);
    assert_exit(&run(&any), 0);
}

#[test]
fn gost_is_indeterminate_exit_2() {
    let out = run(&[
        "--json",
        "cert",
        &p(NCA_GOST),
        "--trust",
        &p(NCA_GOST_CA),
        "--at",
        IN_2022,
    ]);
    assert_exit(&out, 2);
    let v = json(&out);
    assert_eq!(v["indication"], "INDETERMINATE");
    assert_eq!(v["sub_indication"], Value::Null);
    assert_eq!(v["error"]["kind"], "unsupported_algorithm");
    let out = run(&[
        "cert",
        &p(NCA_GOST),
        "--trust",
        &p(NCA_GOST_CA),
        "--at",
        IN_2022,
    ]);
    assert!(stdout(&out).starts_with("INDETERMINATE (unsupported algorithm)"));
}

#[test]
fn openssl_chain_with_bundles_der_and_no_anchor() {
    let pki = Pki::new();
    let h = pki.hierarchy(KeyAlg::P256);
    let other = pki.self_signed(CertSpec::ca("/CN=Other Root"));
    let trust = pki.bundle("trust.pem", &[&other, &h.root]);
    let chain = pki.bundle("chain.pem", &[&h.intermediate]);
    let leaf_der = pki.write("leaf.der", &h.leaf.der);
    let leaf_der = s(&leaf_der);
    let (trust, chain) = (s(&trust), s(&chain));

    // DER leaf, PEM bundle of anchors, PEM intermediate.
    let out = run(&[
        "cert",
        &leaf_der,
        "--intermediate",
        &chain,
        "--trust",
        &trust,
        "--at",
        NOW,
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("2 certificate(s)"));

    // A full-chain bundle as LEAF: the first is the end entity, the rest intermediates.
    let fullchain = s(&pki.bundle("fullchain.pem", &[&h.leaf, &h.intermediate]));
    let out = run(&["cert", &fullchain, "--trust", &trust, "--at", NOW]);
    assert_exit(&out, 0);

    // Without the intermediate, and with only the root in the input: no chain.
    let out = run(&["cert", &leaf_der, "--trust", &trust, "--at", NOW, "--json"]);
    assert_exit(&out, 2);
    assert_eq!(json(&out)["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND");
    let root_in_input = s(&pki.bundle("root-input.pem", &[&h.intermediate, &h.root]));
    let other_only = s(&pki.bundle("other.pem", &[&other]));
    let out = run(&[
        "cert",
        &leaf_der,
        "--intermediate",
        &root_in_input,
        "--trust",
        &other_only,
        "--at",
        NOW,
    ]);
    assert_exit(&out, 2);
    assert!(stdout(&out).contains("self-issued and is not a configured trust anchor"));

    // A forged signature is invalid.
    let impostor = pki.self_signed(CertSpec::ca(&h.intermediate.subject));
    let forged = pki.issue(CertSpec::leaf("/CN=Forged"), &impostor);
    let out = run(&[
        "cert",
        &s(&forged.pem),
        "--intermediate",
        &chain,
        "--trust",
        &trust,
        "--at",
        NOW,
    ]);
    assert_exit(&out, 1);
    assert!(stdout(&out).starts_with("INVALID (TOTAL-FAILED / SIG_CRYPTO_FAILURE)"));
}

#[test]
fn purposes_and_policies_from_the_command_line() {
    let pki = Pki::new();
    let root = pki.self_signed(CertSpec::ca("/CN=Root"));
    let ca = pki.issue(
        CertSpec::ca("/CN=CA")
            .ext("certificatePolicies = 1.2.3.4")
            .ext("policyMappings = critical,1.2.3.4:1.2.3.5"),
        &root,
    );
    let tsa = pki.issue(
        CertSpec::leaf("/CN=TSA")
            .ext("keyUsage = critical,digitalSignature")
            .ext("extendedKeyUsage = critical,timeStamping")
            .ext("certificatePolicies = 1.2.3.5"),
        &ca,
    );
    let (tsa, ca, root) = (s(&tsa.pem), s(&ca.pem), s(&root.pem));
    let base = [
        "cert",
        &tsa,
        "--intermediate",
        &ca,
        "--trust",
        &root,
        "--at",
        NOW,
    ];
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        run(&args)
    };
    assert_exit(&with(&["--purpose", "timestamping"]), 0);
    assert_exit(&with(&["--purpose", "signing"]), 2);
    assert_exit(
        &with(&[
            "--purpose",
            "timestamping",
            "--policy",
            "1.2.3.4",
            "--explicit-policy",
        ]),
        0,
    );
    let out = with(&[
        "--purpose",
        "timestamping",
        "--policy",
        "1.2.3.4",
        "--explicit-policy",
        "--inhibit-policy-mapping",
        "--json",
    ]);
    assert_exit(&out, 2);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "constraint");
    assert_eq!(v["error"]["rule"], "RFC 5280 §6.1.3(f), §6.1.5");
    let out = with(&[
        "--purpose",
        "timestamping",
        "--policy",
        "1.2.3.9",
        "--explicit-policy",
    ]);
    assert_exit(&out, 2);
    assert!(stdout(&out).contains("RFC 5280 §6.1.5(g)"));
    let out = with(&[
        "--purpose",
        "timestamping",
        "--inhibit-any-policy",
        "--json",
    ]);
    assert_exit(&out, 0);
    assert_eq!(
        json(&out)["policies"]["authorities_constrained"][0],
        "1.2.3.4"
    );
}

#[test]
fn usage_errors_exit_64() {
    let leaf = p(NCA_SIGN);
    let ca = p(NCA_RSA_CA);
    assert_usage(&run(&["cert"]), "required");
    assert_usage(&run(&["cert", &leaf]), "--trust");
    assert_usage(
        &run(&["cert", &leaf, "--trust", &ca, "--at", "yesterday"]),
        "--at",
    );
    assert_usage(
        &run(&["cert", &leaf, "--trust", &ca, "--purpose", "bogus"]),
        "bogus",
    );
    assert_usage(
        &run(&["cert", &leaf, "--trust", &ca, "--policy", "not.an.oid"]),
        "--policy",
    );
    assert_usage(
        &run(&["cert", &leaf, "--trust", "/nonexistent/ca.pem"]),
        "/nonexistent/ca.pem",
    );
    assert_usage(
        &run(&["cert", "/nonexistent/leaf.cer", "--trust", &ca]),
        "LEAF",
    );
    let cargo_toml = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    assert_usage(&run(&["cert", &leaf, "--trust", cargo_toml]), "--trust");
    assert_usage(
        &run(&["cert", &leaf, "--trust", &ca, "--intermediate", cargo_toml]),
        "--intermediate",
    );
    // A LEAF that is not a certificate is malformed evidence: invalid, not a usage error.
    let out = run(&["cert", cargo_toml, "--trust", &ca, "--json"]);
    assert_exit(&out, 1);
    assert_eq!(json(&out)["sub_indication"], "FORMAT_FAILURE");
    // Help is not an error; the other subcommands keep exit 2 for usage errors.
    assert_exit(&run(&["cert", "--help"]), 0);
    assert_exit(&run(&["merkle", "inclusion"]), 2);
}
