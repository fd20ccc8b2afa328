//! Helpers shared by the path, CLI and (later) revocation and CMS integration tests.
//!
//! Each test binary includes this module with `mod common;` and uses what it needs, so the
//! rest would be dead code there.

#![allow(dead_code)]

pub(crate) mod pki;

use std::path::{Path, PathBuf};

/// A file of the National Certification Centre's test PKI (`shared/vectors/nca`).
pub(crate) fn nca(relative: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/nca"
    ))
    .join(relative)
}

use core::str::FromStr as _;

use der::DateTime;
use verifier::path::{ParsedCertificate, PathError, PathInputs, TrustAnchor, ValidatedPath};

use self::pki::Issued;

/// A time written `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn time(text: &str) -> DateTime {
    DateTime::from_str(text).expect("a YYYY-MM-DDTHH:MM:SSZ time")
}

/// An issued certificate, parsed for path validation.
pub(crate) fn parsed(issued: &Issued) -> ParsedCertificate {
    ParsedCertificate::from_der(&issued.der).expect("openssl issued a certificate")
}

/// An issued certificate as a trust anchor.
pub(crate) fn anchor(issued: &Issued) -> TrustAnchor {
    TrustAnchor::from_certificate(parsed(issued))
}

/// A certificate of the NCA test PKI, PEM or DER, parsed.
pub(crate) fn nca_cert(relative: &str) -> ParsedCertificate {
    let bytes = std::fs::read(nca(relative)).expect("read an NCA vector");
    let mut certs = verifier::path::parse_certificates(&bytes).expect("an NCA certificate");
    assert_eq!(certs.len(), 1);
    certs.remove(0)
}

/// Validates `leaf` against `anchors` with `intermediates` at `at`, for document signing
/// with the default policy inputs.
pub(crate) fn validate(
    leaf: &Issued,
    intermediates: &[&Issued],
    anchors: &[&Issued],
    at: &str,
) -> Result<ValidatedPath, PathError> {
    let leaf = parsed(leaf);
    let intermediates: Vec<ParsedCertificate> = intermediates.iter().map(|c| parsed(c)).collect();
    let anchors: Vec<TrustAnchor> = anchors.iter().map(|c| anchor(c)).collect();
    let mut inputs = PathInputs::new(&leaf, &anchors, time(at));
    inputs.intermediates = &intermediates;
    inputs.validate()
}
