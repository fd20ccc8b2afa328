//! Arbitrary and mutated bytes as CRLs and OCSP responses never panic, in parsing or in a
//! full check.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::fs;

use proptest::prelude::*;
use revocation_common::{nca, nca_cert, utc};
use verifier::revocation::ocsp::OcspRequest;
use verifier::revocation::{
    Crl, ParsedOcspResponse, RevocationSources, SourceOrigin, check, check_ocsp_response,
};

fn vector(path: &str) -> Vec<u8> {
    fs::read(nca(path)).unwrap()
}

/// Runs every entry point on `bytes`.
fn exercise(bytes: &[u8]) {
    let _ = Crl::from_der(bytes);
    let _ = ParsedOcspResponse::parse(bytes);
    let _ = OcspRequest::parse(bytes);
    let cert = nca_cert("certs/individual_valid_sign_2004_rsa.cer");
    let ca = nca_cert("ca/nca_rsa_test.crt");
    let mut sources = RevocationSources::new();
    sources.add_crls(bytes, SourceOrigin::Embedded);
    sources.add_ocsp_responses(bytes, SourceOrigin::Embedded);
    let time = utc(2022, 9, 2, 17, 0, 0);
    let status = check(&cert, &ca, time, &sources, &Default::default());
    let _ = serde_json::to_string(&status).unwrap();
    let _ = check_ocsp_response(
        bytes,
        None,
        SourceOrigin::Supplied,
        &cert,
        &ca,
        time,
        &Default::default(),
    );
}

/// `base` with the byte at `at` (modulo its length) replaced by `value`, or cut there.
fn mutate(base: &[u8], at: usize, value: u8, cut: bool) -> Vec<u8> {
    let mut bytes = base.to_vec();
    let at = at % bytes.len();
    if cut {
        bytes.truncate(at);
    } else {
        bytes[at] = value;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn random_sequences_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        // A SEQUENCE header gets past the first check of every parser.
        let mut bytes = vec![0x30, 0x81, u8::try_from(body.len()).unwrap_or(0)];
        bytes.extend(body);
        exercise(&bytes);
    }

    #[test]
    fn mutated_crls_never_panic(at in any::<usize>(), value in any::<u8>(), cut in any::<bool>()) {
        exercise(&mutate(&vector("crl/nca_rsa_test.crl"), at, value, cut));
    }

    #[test]
    fn mutated_ocsp_responses_never_panic(
        at in any::<usize>(),
        value in any::<u8>(),
        cut in any::<bool>(),
    ) {
        exercise(&mutate(&vector("ocsp/ocsp_response_individual_sign_2004.bin"), at, value, cut));
    }
}
