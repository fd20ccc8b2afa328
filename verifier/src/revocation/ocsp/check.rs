//! Whether an OCSP response speaks for a certificate at a time (RFC 6960 §3.2, §4.2.2.2).

use std::time::Duration;

use const_oid::db::rfc5280::ID_KP_OCSP_SIGNING;
use const_oid::db::rfc6960::ID_PKIX_OCSP_NOCHECK;
use x509_cert::Certificate;
use x509_cert::ext::Extension;

use super::{Basic, CertStatus, OcspNonce, ParsedOcspResponse, ResponderId, SingleResponse};
use crate::cache::VerificationCache;
use crate::crypto::DigestAlgorithm;
use crate::path::{NameText, name_text};
use crate::revocation::cert::{self, SignerKey};
use crate::revocation::ext::find_extension;
use crate::revocation::view::{Context, Revocation, Verdict, View};
use crate::revocation::{
    Evidence, NonceCheck, OcspEvidence, ResponderKind, SourceOrigin, SourceProblem,
};

/// A response whose signer is authorised.
pub(crate) struct Authorised {
    pub(crate) signer: ResponderKind,
    pub(crate) algorithm: String,
}

/// What `parsed` says about the certificate in `ctx`.
///
/// The checks, in order: a successful basic response (RFC 6960 §4.2.1); some single
/// response about the certificate's issuer; an authorised signer with a valid signature
/// (§3.2 items 2–4, §4.2.2.2); no unprocessed critical extension; a single response for
/// the certificate's serial number (§3.2 item 1); the nonce, if one was sent (§4.4.1);
/// `thisUpdate` and `nextUpdate` around the validation time (§3.2 items 5–6, §4.2.2.1).
pub(crate) fn evaluate(
    parsed: &ParsedOcspResponse,
    origin: &SourceOrigin,
    ctx: &Context<'_>,
    nonce: Option<&OcspNonce>,
) -> Result<View, SourceProblem> {
    let basic = parsed.basic_or_problem()?;
    let data = &basic.response.tbs_response_data;

    let about_issuer = about_issuer(&data.responses, ctx)?;
    let authorised = authorise(
        basic,
        ctx.issuer,
        &ctx.issuer_key,
        ctx.options.clock_skew,
        ctx.cache,
    )?;

    let extensions = std::iter::once(data.response_extensions.as_deref())
        .chain(
            data.responses
                .iter()
                .map(|r| r.single_extensions.as_deref()),
        )
        .flat_map(Option::unwrap_or_default);
    check_critical(extensions)?;

    let serial = ctx.cert.tbs_certificate().serial_number();
    let single = about_issuer
        .into_iter()
        .find(|r| &r.cert_id.serial_number == serial)
        .ok_or(SourceProblem::OtherCertificate)?;

    let nonce = check_nonce(data.response_extensions.as_deref(), nonce)?;

    let this_update = single.this_update.to_date_time();
    let next_update = single.next_update.map(|t| t.to_date_time());
    ctx.check_timeliness(this_update, next_update)?;

    let verdict = match single.cert_status {
        CertStatus::Good(_) => {
            ctx.check_not_after_expiry(this_update)?;
            Verdict::NotRevoked
        }
        CertStatus::Revoked(info) => Verdict::Revoked(Revocation {
            at: info.revocation_time.to_date_time(),
            reason: info.revocation_reason.map(Into::into),
            invalidity_date: None,
        }),
        CertStatus::Unknown(_) => Verdict::Unknown,
    };
    Ok(View {
        verdict,
        issued: this_update.unix_duration(),
        evidence: Evidence::Ocsp(OcspEvidence {
            origin: origin.clone(),
            responder: responder_label(&data.responder_id),
            signer: authorised.signer,
            produced_at: data.produced_at.to_date_time(),
            this_update,
            next_update,
            signature_algorithm: authorised.algorithm,
            nonce,
        }),
    })
}

/// The single responses whose `CertID` names the certificate's issuer (by the hash of the
/// certificate's issuer name and of the issuer's key, RFC 6960 §4.1.1), whatever the serial.
fn about_issuer<'r>(
    responses: &'r [SingleResponse],
    ctx: &Context<'_>,
) -> Result<Vec<&'r SingleResponse>, SourceProblem> {
    let name = der::Encode::to_der(ctx.cert.tbs_certificate().issuer()).map_err(|e| {
        SourceProblem::Malformed {
            detail: format!("certificate issuer name: {e}"),
        }
    })?;
    let key = super::issuer_key_bits(ctx.issuer).map_err(|e| SourceProblem::Malformed {
        detail: e.to_string(),
    })?;
    let mut unsupported = None;
    let mut matching = Vec::new();
    for single in responses {
        let id = &single.cert_id;
        // SHA-1 is allowed: CertID hashes identify, they are not what the signature covers.
        let digest = match DigestAlgorithm::from_identifier_allowing_sha1(&id.hash_algorithm) {
            Ok(digest) => digest,
            Err(e) => {
                unsupported = Some(e);
                continue;
            }
        };
        if id.issuer_name_hash.as_bytes() == digest.digest(&name)
            && id.issuer_key_hash.as_bytes() == digest.digest(key)
        {
            matching.push(single);
        }
    }
    match (matching.is_empty(), unsupported) {
        (false, _) => Ok(matching),
        (true, Some(e)) => Err(SourceProblem::from(e)),
        (true, None) => Err(SourceProblem::OtherIssuer {
            detail: format!(
                "no single response names the issuer {}",
                NameText(ctx.cert.tbs_certificate().issuer())
            ),
        }),
    }
}

/// RFC 6960 §4.2.2.2: the response must be signed by the issuer itself, or by a delegated
/// responder whose certificate the issuer signed, with `id-kp-OCSPSigning`; the certificate
/// must be valid when the response was produced. `skew` widens that validity. A delegated
/// responder's key remembers its verifications in `cache`, as `issuer_key` may.
pub(crate) fn authorise(
    basic: &Basic,
    issuer: &Certificate,
    issuer_key: &SignerKey<'_>,
    skew: Duration,
    cache: Option<&VerificationCache>,
) -> Result<Authorised, SourceProblem> {
    let data = &basic.response.tbs_response_data;
    let verify = |key: &SignerKey<'_>| {
        cert::verify(
            key,
            &basic.response.signature_algorithm,
            &basic.tbs,
            basic.signature.as_deref(),
        )
        .map(|a| a.to_string())
    };
    if names(&data.responder_id, issuer) {
        return Ok(Authorised {
            signer: ResponderKind::Issuer,
            algorithm: verify(issuer_key)?,
        });
    }
    let included = basic.response.certs.as_deref().unwrap_or_default();
    let mut candidates = included
        .iter()
        .filter(|c| names(&data.responder_id, c))
        .peekable();
    if candidates.peek().is_none() {
        return Err(SourceProblem::UnauthorisedResponder {
            detail: format!(
                "responder {} is not the issuer {} and no certificate in the response matches it",
                responder_label(&data.responder_id),
                NameText(issuer.tbs_certificate().subject())
            ),
        });
    }
    let produced = data.produced_at.to_date_time();
    let mut first_problem = None;
    for responder in candidates {
        let outcome = delegated(responder, issuer, issuer_key, produced, skew).and_then(|signer| {
            Ok(Authorised {
                signer,
                algorithm: verify(&SignerKey::of(responder, cache))?,
            })
        });
        match outcome {
            Ok(authorised) => return Ok(authorised),
            Err(problem) => {
                first_problem.get_or_insert(problem);
            }
        }
    }
    Err(
        first_problem.unwrap_or(SourceProblem::UnauthorisedResponder {
            detail: "no usable responder certificate".to_owned(),
        }),
    )
}

/// The checks of a delegated responder certificate (RFC 6960 §4.2.2.2).
fn delegated(
    responder: &Certificate,
    issuer: &Certificate,
    issuer_key: &SignerKey<'_>,
    produced_at: der::DateTime,
    skew: Duration,
) -> Result<ResponderKind, SourceProblem> {
    let tbs = responder.tbs_certificate();
    let unauthorised = |why: String| SourceProblem::UnauthorisedResponder {
        detail: format!("responder certificate {}: {why}", NameText(tbs.subject())),
    };
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return Err(unauthorised(format!(
            "issued by {}, not by the certificate's issuer {}",
            NameText(tbs.issuer()),
            NameText(issuer.tbs_certificate().subject())
        )));
    }
    match cert::verify_issued_by(responder, issuer_key) {
        Ok(()) => {}
        Err(SourceProblem::SignatureInvalid { detail }) => {
            return Err(unauthorised(format!(
                "not signed by the issuer's key ({detail})"
            )));
        }
        Err(other) => return Err(other),
    }
    if !cert::has_purpose(responder, ID_KP_OCSP_SIGNING)? {
        return Err(unauthorised(
            "its extended key usage lacks id-kp-OCSPSigning".to_owned(),
        ));
    }
    let (not_before, not_after) = cert::validity(responder);
    let produced = produced_at.unix_duration();
    if produced.saturating_add(skew) < not_before || produced > not_after.saturating_add(skew) {
        return Err(SourceProblem::ResponderOutOfValidity { produced_at });
    }
    Ok(ResponderKind::Delegated {
        subject: name_text(tbs.subject()),
        serial: tbs.serial_number().to_string(),
        nocheck: cert::has_extension(responder, ID_PKIX_OCSP_NOCHECK),
    })
}

/// Whether `id` designates `cert`: by subject name, or by the SHA-1 of its key.
fn names(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByName(name) => name == cert.tbs_certificate().subject(),
        ResponderId::ByKey(hash) => {
            cert::key_hash(cert).is_some_and(|h| h.as_slice() == hash.as_bytes())
        }
    }
}

/// The responder as reported: its name, or `keyHash:` and the hex key hash.
fn responder_label(id: &ResponderId) -> String {
    match id {
        ResponderId::ByName(name) => name_text(name),
        ResponderId::ByKey(hash) => format!("keyHash:{}", hex::encode(hash.as_bytes())),
    }
}

/// Refuses a critical extension other than the nonce. RFC 6960 §4.4 defines none as
/// critical; like RFC 5280 §4.2, an unrecognised critical extension must not be ignored.
fn check_critical<'e>(
    extensions: impl Iterator<Item = &'e Extension>,
) -> Result<(), SourceProblem> {
    for ext in extensions {
        if ext.critical && ext.extn_id != OcspNonce::OID {
            return Err(SourceProblem::UnknownCriticalExtension { oid: ext.extn_id });
        }
    }
    Ok(())
}

/// RFC 6960 §4.4.1 and RFC 8954: a response to a request with a nonce must carry the same
/// nonce if it carries one. The `extnValue` bytes are compared, whatever their form.
fn check_nonce(
    extensions: Option<&[Extension]>,
    sent: Option<&OcspNonce>,
) -> Result<NonceCheck, SourceProblem> {
    let Some(sent) = sent else {
        return Ok(NonceCheck::NotSent);
    };
    let echoed =
        find_extension(extensions, OcspNonce::OID).map_err(|e| SourceProblem::Malformed {
            detail: e.to_string(),
        })?;
    match echoed {
        None => Ok(NonceCheck::NotEchoed),
        Some(ext) if ext.extn_value.as_bytes() == sent.extension_value() => Ok(NonceCheck::Matched),
        Some(_) => Err(SourceProblem::NonceMismatch),
    }
}
