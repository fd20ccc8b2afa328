//! The cryptographic part of a PDF signature: its `/SubFilter`, then the CMS signature
//! (ETSI EN 319 142-1 §6.3, ISO 32000-2 §12.8.3.3) or the RFC 3161 document time-stamp
//! (ISO 32000-2 §12.8.5) over the signed byte ranges, through [`crate::validation`].

use super::coverage::Signed;
use super::prefix::HashedPdf;
use super::report::SignatureKind;
use crate::cms::timestamp::{Imprint, TimestampExpectations};
use crate::cms::{ContentDigest, DetachedContent, SignedMessage};
use crate::crypto::DigestAlgorithm;
use crate::report::{Indication, SubIndication};
use crate::tsp::{ID_CT_TST_INFO, TstInfo};
use crate::validation::{
    CheckRecord, SignatureValidation, TimestampValidation, ValidationPolicy, Verdict,
    validate_cms_with, validate_timestamp_with,
};

/// The validations made.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) cms: Option<SignatureValidation>,
    pub(crate) timestamp: Option<TimestampValidation>,
}

/// The sub-filters of signatures this verifier validates.
const DETACHED: &[&[u8]] = &[b"ETSI.CAdES.detached", b"adbe.pkcs7.detached"];

/// Checks the sub-filter, then validates the signature over `signed` with `policy`.
#[allow(clippy::too_many_arguments)] // the dictionary's facts, the bytes, and the report
pub(crate) fn validate(
    kind: SignatureKind,
    type_name: Option<&[u8]>,
    sub_filter: Option<&[u8]>,
    signed: &Signed,
    bytes: &[u8],
    hashed: Option<&HashedPdf>,
    policy: &ValidationPolicy,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Outcome {
    // `hashed` holds exactly `bytes` (see `validate_hashed_pdf`).
    let known: Vec<ContentDigest> = hashed
        .and_then(|h| h.ranges_sha256(&signed.ranges))
        .map(|value| ContentDigest {
            algorithm: DigestAlgorithm::Sha256,
            value,
        })
        .into_iter()
        .collect();
    let shown = sub_filter.map_or_else(
        || "(none)".to_owned(),
        |s| String::from_utf8_lossy(s).into_owned(),
    );
    let parts: Vec<&[u8]> = signed
        .ranges
        .iter()
        .map(|r| bytes.get(r.clone()).unwrap_or_default())
        .collect();
    match (kind, sub_filter) {
        (SignatureKind::DocumentTimeStamp, Some(b"ETSI.RFC3161")) if type_name != Some(b"Sig") => {
            verdict.record(
                checks,
                CheckRecord::passed("SubFilter", "ETSI.RFC3161: a document time-stamp"),
            );
            document_timestamp(&signed.contents, &parts, &known, policy, checks, verdict)
        }
        (SignatureKind::DocumentTimeStamp, _) => {
            verdict.record(
                checks,
                CheckRecord::failed(
                    "SubFilter",
                    format!("/Type {} with /SubFilter {shown}: a document time-stamp is /DocTimeStamp with ETSI.RFC3161", type_name.map_or("(none)".into(), |t| String::from_utf8_lossy(t).into_owned())),
                    Some(SubIndication::FormatFailure),
                ),
            );
            Outcome::default()
        }
        (SignatureKind::Signature, Some(sf)) if DETACHED.contains(&sf) => {
            verdict.record(
                checks,
                CheckRecord::passed("SubFilter", format!("{shown}: a detached CMS signature")),
            );
            detached_cms(&signed.contents, &parts, &known, policy, checks, verdict)
        }
        (SignatureKind::Signature, _) => {
            verdict.record(
                checks,
                CheckRecord::indeterminate(
                    "SubFilter",
                    format!("{shown} is not supported (only ETSI.CAdES.detached, adbe.pkcs7.detached and ETSI.RFC3161; adbe.pkcs7.sha1 and adbe.x509.rsa_sha1 are deprecated by ISO 32000-2)"),
                    Some(SubIndication::FormatFailure),
                ),
            );
            Outcome::default()
        }
    }
}

fn detached_cms(
    contents: &[u8],
    parts: &[&[u8]],
    known: &[ContentDigest],
    policy: &ValidationPolicy,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Outcome {
    let structure = match SignedMessage::parse(contents) {
        Err(e) => Err(format!("/Contents is not a CMS SignedData: {e}")),
        // ISO 32000-2 §12.8.3.3.1: "no data shall be encapsulated in the signedData field".
        Ok(m) if m.encapsulated_content().is_some() => Err(
            "the SignedData encapsulates content, which a detached PDF signature must not".into(),
        ),
        // ISO 32000-2 §12.8.3.3.1 and ETSI EN 319 142-1 §6.3: exactly one SignerInfo.
        Ok(m) if m.signer_count() != 1 => Err(format!(
            "the SignedData has {} signer infos; a PDF signature has exactly one",
            m.signer_count()
        )),
        Ok(_) => Ok(()),
    };
    if let Err(why) = structure {
        verdict.record(
            checks,
            CheckRecord::failed("CmsStructure", why, Some(SubIndication::FormatFailure)),
        );
        return Outcome::default();
    }
    verdict.record(
        checks,
        CheckRecord::passed("CmsStructure", "a detached SignedData with one signer"),
    );
    let content = if known.is_empty() {
        DetachedContent::Parts(parts)
    } else {
        DetachedContent::HashedParts { parts, known }
    };
    let report = match validate_cms_with(contents, Some(content), policy) {
        Ok(report) => report,
        Err(e) => {
            verdict.record(
                checks,
                CheckRecord::failed("Cms", e.to_string(), Some(SubIndication::FormatFailure)),
            );
            return Outcome::default();
        }
    };
    let Some(signature) = report.signatures.into_iter().next() else {
        verdict.record(
            checks,
            CheckRecord::failed("Cms", "no signer", Some(SubIndication::FormatFailure)),
        );
        return Outcome::default();
    };
    let detail = match (&signature.reason, signature.indication) {
        (Some(reason), _) => reason.clone(),
        (None, Indication::TotalPassed) => {
            "the CMS signature over the signed bytes is valid".into()
        }
        (None, _) => "see the CMS checks".into(),
    };
    verdict.record(
        checks,
        CheckRecord::from_indication(
            "Cms",
            signature.indication,
            detail,
            signature.sub_indication,
        ),
    );
    Outcome {
        cms: Some(signature),
        timestamp: None,
    }
}

fn document_timestamp(
    contents: &[u8],
    parts: &[&[u8]],
    known: &[ContentDigest],
    policy: &ValidationPolicy,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Outcome {
    // The imprint's algorithm, to hash the ranges once without copying them together.
    let algorithm = SignedMessage::parse(contents)
        .ok()
        .filter(|m| m.content_type() == ID_CT_TST_INFO)
        .and_then(|m| m.encapsulated_content().map(TstInfo::parse))
        .and_then(Result::ok)
        .and_then(|info| {
            DigestAlgorithm::from_identifier_allowing_sha1(&info.message_imprint.hash_algorithm)
                .ok()
        });
    let digest = algorithm.map(|algorithm| {
        if let Some(known) = known.iter().find(|d| d.algorithm == algorithm) {
            return (algorithm, known.value.clone());
        }
        let mut hasher = algorithm.hasher();
        for part in parts {
            hasher.update(part);
        }
        (algorithm, hasher.finalize())
    });
    let expected = TimestampExpectations {
        imprint: digest.as_ref().map(|(algorithm, value)| Imprint::Digest {
            algorithm: *algorithm,
            value,
        }),
        nonce: None,
        policy: None,
        extra_certificates: &[],
    };
    let report = match validate_timestamp_with(contents, &expected, policy) {
        Ok(report) => report,
        Err(e) => {
            verdict.record(
                checks,
                CheckRecord::failed(
                    "TimeStamp",
                    e.to_string(),
                    Some(SubIndication::FormatFailure),
                ),
            );
            return Outcome::default();
        }
    };
    let Some(timestamp) = report.timestamp else {
        verdict.record(
            checks,
            CheckRecord::failed(
                "TimeStamp",
                "not a time-stamp token",
                Some(SubIndication::FormatFailure),
            ),
        );
        return Outcome::default();
    };
    let detail = match (&timestamp.reason, &timestamp.gen_time) {
        (Some(reason), _) => reason.clone(),
        (None, Some(time)) => format!("the document existed at {time}"),
        (None, None) => "valid".into(),
    };
    verdict.record(
        checks,
        CheckRecord::from_indication(
            "TimeStamp",
            timestamp.indication,
            detail,
            timestamp.sub_indication,
        ),
    );
    Outcome {
        cms: None,
        timestamp: Some(timestamp),
    }
}
