//! Whole-signature validation: everything the verifier knows, put together into one
//! [`ValidationReport`] per input (ETSI EN 319 102-1 indications).
//!
//! For each signer of a CMS SignedData: the CMS checks ([`crate::cms`]); its signature
//! time-stamps, each validated like a signature of its own (TSA path for the time-stamping
//! purpose); the signer certificate's path to a configured trust anchor ([`crate::path`]) at
//! the validation time; the revocation status of every certificate of that path
//! ([`crate::revocation`]); the Kazakh profile (who signed: name, IIN, BIN, role) and the
//! caller's expected IIN/BIN ([`crate::kz`]).
//!
//! The validation time is the caller's if given; otherwise the time proven by the earliest
//! valid signature time-stamp (the signature existed then, so certificates are judged then);
//! otherwise the current time. The report says which.
//!
//! A signature is TOTAL-PASSED only if every check passed; the first failure makes it
//! TOTAL-FAILED; otherwise the first undecidable check makes it INDETERMINATE (an
//! unsupported algorithm such as GOST, revocation information missing, ...).

mod certificate;
mod report;
mod signer;
pub(crate) mod text;

use std::time::SystemTime;

use sha2::{Digest, Sha256};

pub use self::certificate::{CertificateValidation, validate_certificate};
pub use self::report::{
    CertificateRevocation, CertificateSummary, CheckRecord, CheckStatus, InputSummary, SCHEMA,
    SignatureValidation, TimestampValidation, TrustSummary, ValidationReport,
};
pub use self::text::render_text;

pub(crate) use self::report::Verdict;

use crate::cache::VerificationCache;
use crate::cms::timestamp::{Imprint, TimestampExpectations, verify_response, verify_token};
use crate::cms::{CmsError, DetachedContent, SignedMessage, VerifyOptions};
use crate::path::{ParsedCertificate, TrustAnchor};
use crate::report::{Indication, SubIndication};
use crate::revocation::{RevocationOptions, RevocationSources, SourceOrigin};
use crate::tsp::ID_CT_TST_INFO;

/// What a validation trusts and asks for.
#[derive(Debug, Clone, Default)]
pub struct ValidationPolicy {
    /// The trust anchors every path must end at. With none, no signature can pass.
    pub anchors: Vec<TrustAnchor>,
    /// Extra candidate intermediates (never trusted for being here).
    pub intermediates: Vec<ParsedCertificate>,
    /// The validation time; `None` for the proven signing time or now (see the module docs).
    pub time: Option<SystemTime>,
    /// Revocation checking, on unless `None`; the options say whether the network may be used.
    pub revocation: Option<RevocationOptions>,
    /// CRLs and OCSP responses supplied by the caller.
    pub revocation_sources: RevocationSources,
    /// The IIN the signer's certificate must name (state-service rule before accepting a
    /// signed request).
    pub expect_iin: Option<String>,
    /// The BIN the signer's certificate must name.
    pub expect_bin: Option<String>,
    /// A sentence repeated in every report about what is trusted.
    pub trust_note: Option<String>,
    /// Where the signatures of certificates, CRLs and OCSP responses that verified are
    /// remembered, so that the paths and revocation data shared by many documents are not
    /// verified again for each ([`crate::cache`]; the signatures of the documents and
    /// time-stamps themselves are always verified). Clones of the policy share it;
    /// [`Default`] makes a new one of [`VerificationCache::DEFAULT_CAPACITY`];
    /// `VerificationCache::with_capacity(0)` turns it off.
    pub verification_cache: VerificationCache,
}

/// Why an input could not be validated at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The input is neither a CMS SignedData nor a time-stamp token or response.
    #[error("the input is not a CMS signature or an RFC 3161 time-stamp: {0}")]
    Unrecognised(CmsError),
}

/// Validates a CMS SignedData (DER or PEM), with its detached content if it has one.
///
/// # Errors
/// [`ValidationError::Unrecognised`] when the input is not a SignedData at all; every
/// problem inside a SignedData is a finding of the report instead.
pub fn validate_cms(
    input: &[u8],
    detached: Option<&[u8]>,
    policy: &ValidationPolicy,
) -> Result<ValidationReport, ValidationError> {
    validate_cms_with(input, detached.map(DetachedContent::Bytes), policy)
}

/// As [`validate_cms`], with the detached content given in any [`DetachedContent`] form
/// (parts hashed in order without copying, or digests computed by the caller).
///
/// # Errors
/// [`ValidationError::Unrecognised`] when the input is not a SignedData at all.
pub fn validate_cms_with(
    input: &[u8],
    detached: Option<DetachedContent<'_>>,
    policy: &ValidationPolicy,
) -> Result<ValidationReport, ValidationError> {
    let message = SignedMessage::parse(input).map_err(ValidationError::Unrecognised)?;
    let signed = message.verify(&VerifyOptions {
        detached_content: detached,
        extra_certificates: &[],
    });
    let candidates = signer::candidates(&signed.certificates, policy);
    let mut sources = policy.revocation_sources.clone();
    let embedded_revocation = std::iter::once(&signed.revocation)
        .chain(signed.signers.iter().map(|s| &s.revocation_values));
    for data in embedded_revocation {
        for crl in &data.crls {
            sources.add_crls(&crl.0, SourceOrigin::Embedded);
        }
        for ocsp in &data.ocsp_responses {
            sources.add_ocsp_responses(&ocsp.0, SourceOrigin::Embedded);
        }
    }
    let ctx = signer::Context {
        policy,
        candidates: &candidates,
        revocation: &sources,
    };
    let signatures: Vec<SignatureValidation> = signed
        .signers
        .iter()
        .enumerate()
        .map(|(i, s)| signer::validate_signer(i, s, &ctx))
        .collect();
    let (indication, sub_indication) =
        worst(signatures.iter().map(|s| (s.indication, s.sub_indication)))
            .unwrap_or((Indication::TotalFailed, Some(SubIndication::FormatFailure)));
    Ok(ValidationReport {
        schema: SCHEMA,
        verifier_version: crate::VERSION,
        input: summary("cms", input, detached.is_some()),
        trust: trust(policy),
        indication,
        sub_indication,
        signatures,
        timestamp: None,
    })
}

/// Validates an RFC 3161 time-stamp token or response (DER or PEM) over `data`.
///
/// # Errors
/// [`ValidationError::Unrecognised`] when the input is neither.
pub fn validate_timestamp(
    input: &[u8],
    data: Option<&[u8]>,
    policy: &ValidationPolicy,
) -> Result<ValidationReport, ValidationError> {
    let expected = TimestampExpectations {
        imprint: data.map(Imprint::Data),
        nonce: None,
        policy: None,
        extra_certificates: &[],
    };
    validate_timestamp_with(input, &expected, policy)
}

/// Validates an RFC 3161 time-stamp token or response (DER or PEM) against what its
/// requester expects: an imprint given as data or as a digest already computed, the nonce
/// and policy it asked for. Each expectation not met fails the message-imprint, nonce or
/// policy check of the report.
///
/// # Errors
/// [`ValidationError::Unrecognised`] when the input is neither.
pub fn validate_timestamp_with(
    input: &[u8],
    expected: &TimestampExpectations<'_>,
    policy: &ValidationPolicy,
) -> Result<ValidationReport, ValidationError> {
    let (kind, token) = match verify_token(input, expected) {
        Ok(token) => ("timestamp-token", token),
        Err(token_error) => match verify_response(input, expected) {
            Ok(response) => ("timestamp-response", response),
            Err(_) => return Err(ValidationError::Unrecognised(token_error)),
        },
    };
    let candidates = signer::candidates(&token.certificates, policy);
    let ctx = signer::Context {
        policy,
        candidates: &candidates,
        revocation: &policy.revocation_sources,
    };
    let validation = signer::validate_timestamp(&token, &ctx);
    Ok(ValidationReport {
        schema: SCHEMA,
        verifier_version: crate::VERSION,
        input: summary(kind, input, expected.imprint.is_some()),
        trust: trust(policy),
        indication: validation.indication,
        sub_indication: validation.sub_indication,
        signatures: Vec::new(),
        timestamp: Some(validation),
    })
}

/// Validates whatever `input` is: a CMS signature or a time-stamp.
///
/// # Errors
/// [`ValidationError::Unrecognised`] when it is neither.
pub fn validate(
    input: &[u8],
    detached: Option<&[u8]>,
    policy: &ValidationPolicy,
) -> Result<ValidationReport, ValidationError> {
    // A SignedData over a TSTInfo is a time-stamp token (RFC 3161 §2.4.2); any other is a
    // signature; what is not a SignedData may still be a TimeStampResp.
    match SignedMessage::parse(input) {
        Ok(message) if message.content_type() == ID_CT_TST_INFO => {
            validate_timestamp(input, detached, policy)
        }
        Ok(_) => validate_cms(input, detached, policy),
        Err(cms_error) => validate_timestamp(input, detached, policy)
            .map_err(|_| ValidationError::Unrecognised(cms_error)),
    }
}

/// The worst of several outcomes: a failure over an indeterminate result over a pass.
pub(crate) fn worst(
    outcomes: impl Iterator<Item = (Indication, Option<SubIndication>)>,
) -> Option<(Indication, Option<SubIndication>)> {
    outcomes.max_by_key(|(indication, _)| match indication {
        Indication::TotalPassed => 0,
        Indication::Indeterminate => 1,
        Indication::TotalFailed => 2,
    })
}

pub(crate) fn summary(kind: &'static str, input: &[u8], detached: bool) -> InputSummary {
    InputSummary {
        kind,
        size: input.len(),
        sha256: hex::encode(Sha256::digest(input)),
        detached_content: detached,
    }
}

pub(crate) fn trust(policy: &ValidationPolicy) -> TrustSummary {
    TrustSummary {
        anchors: policy
            .anchors
            .iter()
            .map(|a| a.certificate().subject_text().to_owned())
            .collect(),
        note: policy.trust_note.clone(),
        revocation_checked: policy.revocation.is_some(),
        network: policy
            .revocation
            .as_ref()
            .is_some_and(|r| r.network.is_some()),
    }
}
