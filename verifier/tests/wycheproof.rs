//! Project Wycheproof signature vectors (`shared/vectors/wycheproof`, Apache-2.0) through
//! [`verifier::crypto::verify_signature`] and, over each message's digest,
//! [`verifier::crypto::verify_prehashed`] (the two go through different implementations).
//!
//! Each group's key is read from its `publicKeyDer` (a DER `SubjectPublicKeyInfo`), exactly as
//! a certificate would hand it over. `valid` vectors must verify and `invalid` ones must be
//! rejected; `acceptable` ones (legacy encodings Wycheproof tolerates either way) are counted
//! and printed, not judged. Run with `--nocapture` to see the tallies.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use der::Decode as _;
use serde_json::Value;
use spki::SubjectPublicKeyInfoOwned;
use verifier::crypto::{
    DigestAlgorithm, SignatureAlgorithm, SignatureError, SignatureScheme, verify_prehashed,
    verify_signature,
};

fn vectors_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is <repo>/verifier; the shared vectors live beside the repository.
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/wycheproof"
    ))
    .to_path_buf()
}

fn load(name: &str) -> Value {
    let path = vectors_dir().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {field}"))
}

fn hex_field(value: &Value, field: &str) -> Vec<u8> {
    hex::decode(str_field(value, field)).unwrap_or_else(|e| panic!("hex field {field}: {e}"))
}

fn digest(name: &str) -> DigestAlgorithm {
    match name {
        "SHA-256" => DigestAlgorithm::Sha256,
        "SHA-384" => DigestAlgorithm::Sha384,
        "SHA-512" => DigestAlgorithm::Sha512,
        other => panic!("unexpected digest {other}"),
    }
}

/// What happened to the vectors of one `result` class.
#[derive(Default)]
struct Outcomes {
    accepted: usize,
    /// Rejections, by error variant.
    rejected: BTreeMap<String, usize>,
}

impl Outcomes {
    fn total(&self) -> usize {
        self.accepted + self.rejected.values().sum::<usize>()
    }
}

impl fmt::Display for Outcomes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (accepted {}, rejected {:?})",
            self.total(),
            self.accepted,
            self.rejected
        )
    }
}

#[derive(Default)]
struct Tally {
    by_result: BTreeMap<String, Outcomes>,
    failures: Vec<String>,
}

fn variant(error: &SignatureError) -> String {
    let debug = format!("{error:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Runs every test of `file`; `algorithm` builds the signature algorithm from a test group.
fn run(file: &str, algorithm: impl Fn(&Value) -> SignatureAlgorithm) -> Tally {
    let json = load(file);
    let mut tally = Tally::default();
    let groups = json["testGroups"].as_array().expect("testGroups");
    for group in groups {
        let spki_der = hex_field(group, "publicKeyDer");
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der).expect("publicKeyDer decodes");
        let algorithm = algorithm(group);
        for test in group["tests"].as_array().expect("tests") {
            let id = test["tcId"].as_u64().unwrap_or_default();
            let result = str_field(test, "result");
            let msg = hex_field(test, "msg");
            let sig = hex_field(test, "sig");
            let outcome = verify_signature(&spki, &algorithm, &msg, &sig);
            let entry = tally.by_result.entry(result.to_owned()).or_default();
            match &outcome {
                Ok(()) => entry.accepted += 1,
                Err(e) => *entry.rejected.entry(variant(e)).or_default() += 1,
            }
            // The same vector over its digest: the other implementation (RustCrypto, where
            // the whole-message path is `ring`) must judge valid and invalid vectors alike.
            let prehashed =
                verify_prehashed(&spki, &algorithm, &algorithm.digest().digest(&msg), &sig);
            for (path, outcome) in [("message", &outcome), ("prehashed", &prehashed)] {
                let wrong = match (result, outcome) {
                    ("valid", Err(e)) => Some(format!("rejected: {e}")),
                    ("invalid", Ok(())) => Some("accepted".to_owned()),
                    _ => None,
                };
                if let Some(wrong) = wrong {
                    tally.failures.push(format!(
                        "{file} tcId {id} ({result}, {:?}, {}), {path}: {wrong}",
                        test["flags"],
                        str_field(test, "comment")
                    ));
                }
            }
        }
    }
    println!("{file}:");
    for (result, outcomes) in &tally.by_result {
        println!("  {result}: {outcomes}");
    }
    tally
}

fn check(tally: &Tally) {
    assert!(
        tally.failures.is_empty(),
        "{} wrong outcomes:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    assert!(
        tally.by_result.get("valid").is_some_and(|o| o.total() > 0),
        "no valid vectors were run"
    );
}

fn ecdsa(scheme: SignatureScheme) -> impl Fn(&Value) -> SignatureAlgorithm {
    move |group| {
        SignatureAlgorithm::new(scheme, digest(str_field(group, "sha"))).expect("SHA-2 digest")
    }
}

#[test]
fn ecdsa_secp256r1_sha256_der() {
    check(&run(
        "ecdsa_secp256r1_sha256_test.json",
        ecdsa(SignatureScheme::Ecdsa),
    ));
}

#[test]
fn ecdsa_secp256r1_sha256_p1363() {
    check(&run(
        "ecdsa_secp256r1_sha256_p1363_test.json",
        ecdsa(SignatureScheme::EcdsaP1363),
    ));
}

#[test]
fn ecdsa_secp384r1_sha384_der() {
    check(&run(
        "ecdsa_secp384r1_sha384_test.json",
        ecdsa(SignatureScheme::Ecdsa),
    ));
}

fn pkcs1(group: &Value) -> SignatureAlgorithm {
    SignatureAlgorithm::new(
        SignatureScheme::RsaPkcs1v15,
        digest(str_field(group, "sha")),
    )
    .expect("SHA-2 digest")
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    check(&run("rsa_signature_2048_sha256_test.json", pkcs1));
}

#[test]
fn rsa_pkcs1_3072_sha256() {
    check(&run("rsa_signature_3072_sha256_test.json", pkcs1));
}

#[test]
fn rsa_pss_2048_sha256_mgf1_32() {
    check(&run("rsa_pss_2048_sha256_mgf1_32_test.json", |group| {
        assert_eq!(str_field(group, "mgf"), "MGF1");
        assert_eq!(str_field(group, "mgfSha"), str_field(group, "sha"));
        let salt_len = group["sLen"]
            .as_u64()
            .and_then(|s| u32::try_from(s).ok())
            .expect("sLen");
        SignatureAlgorithm::new(
            SignatureScheme::RsaPss { salt_len },
            digest(str_field(group, "sha")),
        )
        .expect("SHA-2 digest")
    }));
}
