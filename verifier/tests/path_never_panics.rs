//! Path validation never panics, whatever the bytes: random bytes as certificates and PEM,
//! and real certificates with bytes flipped, used as end entity, intermediate and anchor.

#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

mod common;

use common::{nca, time};
use proptest::prelude::*;
use verifier::path::{ParsedCertificate, PathInputs, Purpose, TrustAnchor, parse_certificates};

fn nca_der(relative: &str) -> Vec<u8> {
    let bytes = std::fs::read(nca(relative)).unwrap();
    if bytes.starts_with(b"-----BEGIN") {
        der::pem::decode_vec(&bytes).unwrap().1
    } else {
        bytes
    }
}

/// Validates `leaf` under `anchor` with `intermediate`, each when it parses, for every
/// purpose; only the absence of a panic matters.
fn exercise(leaf: &[u8], intermediate: &[u8], anchor: &[u8]) {
    let Ok(leaf) = ParsedCertificate::from_der(leaf) else {
        return;
    };
    let intermediates: Vec<ParsedCertificate> = ParsedCertificate::from_der(intermediate)
        .into_iter()
        .collect();
    let anchors: Vec<TrustAnchor> = TrustAnchor::from_der(anchor).into_iter().collect();
    for purpose in [
        Purpose::document_signing(),
        Purpose::TimeStamping,
        Purpose::ClientAuth,
        Purpose::Any,
    ] {
        let mut inputs = PathInputs::new(&leaf, &anchors, time("2022-06-01T00:00:00Z"));
        inputs.intermediates = &intermediates;
        inputs.purpose = purpose;
        let _ = inputs
            .validate()
            .map_err(|e| (e.to_string(), e.indication(), e.rule()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ParsedCertificate::from_der(&bytes);
        let _ = parse_certificates(&bytes);
        let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        pem.extend_from_slice(&bytes);
        pem.extend_from_slice(b"\n-----END CERTIFICATE-----\n");
        let _ = parse_certificates(&pem);
        exercise(&bytes, &bytes, &bytes);
    }

    #[test]
    fn flipped_bytes_in_real_certificates(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        role in 0..3usize,
    ) {
        let leaf = nca_der("certs/individual_valid_sign_2004_rsa.cer");
        let ca = nca_der("ca/nca_rsa_test.crt");
        let mut mutated = if role == 0 { leaf.clone() } else { ca.clone() };
        for (index, value) in &flips {
            let at = index.index(mutated.len());
            mutated[at] ^= value | 1;
        }
        match role {
            0 => exercise(&mutated, &[], &ca),
            1 => exercise(&leaf, &mutated, &ca),
            _ => exercise(&leaf, &[], &mutated),
        }
    }
}

#[test]
fn truncations_of_a_real_certificate() {
    let leaf = nca_der("certs/individual_valid_sign_2004_rsa.cer");
    let ca = nca_der("ca/nca_rsa_test.crt");
    for len in 0..leaf.len() {
        exercise(&leaf[..len], &[], &ca);
        let _ = parse_certificates(&leaf[..len]);
    }
}
