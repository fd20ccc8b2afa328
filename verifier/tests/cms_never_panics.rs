//! Random bytes, truncated DER and single-byte corruptions of real messages and tokens never
//! make `verifier::cms` panic: every input is either refused with an error or reported on.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod cms_common;

use std::sync::OnceLock;

use cms_common::{DATA, add_unsigned, attribute, modify, modify_signers, pki, signature_value};
use der::Encode as _;
use proptest::prelude::*;
use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_response, verify_token};
use verifier::cms::{DetachedContent, SignedMessage, VerifyOptions};

struct Samples {
    /// A CAdES signature with a signature time-stamp and a countersignature.
    signed: Vec<u8>,
    /// A detached RSA signature without signed attributes.
    detached: Vec<u8>,
    /// A time-stamp response.
    response: Vec<u8>,
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let dir = pki();
        let der = dir.cms_sign(DATA, &["ec"], &["-nodetach", "-cades"]);
        let sig = signature_value(&der);
        let token = dir.ts_token(&sig, "tsa_v1");
        let counter = cms_common::first_signer(&dir.cms_sign(&sig, &["ec"], &["-noattr"]));
        let signed = modify(&der, |sd| {
            modify_signers(sd, |s| {
                add_unsigned(&mut s[0], attribute("1.2.840.113549.1.9.16.2.14", &token));
                add_unsigned(
                    &mut s[0],
                    attribute("1.2.840.113549.1.9.6", &counter.to_der().unwrap()),
                );
            });
        });
        let detached = dir.cms_sign(DATA, &["rsa"], &["-noattr"]);
        let (_, response) = dir.ts_exchange(DATA, &["-sha256", "-cert"], "tsa_v2");
        Samples {
            signed,
            detached,
            response,
        }
    })
}

/// Feeds `input` to every entry point; only panics matter.
fn exercise(input: &[u8]) {
    if let Ok(message) = SignedMessage::parse(input) {
        let report = message.verify(&VerifyOptions {
            detached_content: Some(DetachedContent::Bytes(DATA)),
            ..VerifyOptions::default()
        });
        let _ = serde_json::to_string(&report).unwrap();
        let _ = message.verify(&VerifyOptions::default());
    }
    let expected = TimestampExpectations {
        imprint: Some(Imprint::Data(DATA)),
        ..TimestampExpectations::default()
    };
    if let Ok(report) = verify_token(input, &expected) {
        let _ = serde_json::to_string(&report).unwrap();
    }
    if let Ok(report) = verify_response(input, &expected) {
        let _ = serde_json::to_string(&report).unwrap();
    }
}

#[test]
fn samples_are_accepted_whole() {
    let s = samples();
    let report = SignedMessage::parse(&s.signed)
        .unwrap()
        .verify(&VerifyOptions::default());
    let signer = &report.signers[0];
    assert!(signer.conclusion.is_passed(), "{signer:#?}");
    assert!(signer.signature_timestamps[0].conclusion.is_passed());
    assert!(signer.countersignatures[0].conclusion.is_passed());
}

fn sample(index: usize) -> &'static [u8] {
    let s = samples();
    match index % 3 {
        0 => &s.signed,
        1 => &s.detached,
        _ => &s.response,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_der_header(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        // SEQUENCE { OID id-signedData, [0] { ... } } with a random body.
        let mut input = vec![0x30, 0x82, 0, 0, 0x06, 0x09];
        input.extend_from_slice(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
        input.extend_from_slice(&[0xa0, 0x82]);
        input.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        input.extend_from_slice(&body);
        let len = u16::try_from(input.len() - 4).unwrap().to_be_bytes();
        input[2..4].copy_from_slice(&len);
        exercise(&input);
    }

    #[test]
    fn truncated(which in 0usize..3, cut in any::<prop::sample::Index>()) {
        let whole = sample(which);
        exercise(&whole[..cut.index(whole.len())]);
    }

    #[test]
    fn corrupted(which in 0usize..3, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = sample(which).to_vec();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        exercise(&bytes);
    }
}
