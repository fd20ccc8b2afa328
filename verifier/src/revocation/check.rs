//! Weighing every source for one certificate, fetching more if allowed, and deciding.

use std::time::{Duration, SystemTime};

use der::Encode as _;
use x509_cert::Certificate;

use super::cert::{self, Instant};
use super::crl::{self, Crl};
use super::fetch;
use super::ocsp::{self, CertId, OcspNonce, OcspRequest, ParsedOcspResponse};
use super::view::{Context, Verdict, View};
use super::{
    DecodeError, Evidence, IndeterminateReason, LaterRevocation, NetworkOptions, NotConsulted,
    NotConsultedReason, RejectedSource, RevocationOptions, RevocationSources, RevocationStatus,
    SourceKind, SourceOrigin, SourceProblem,
};
use crate::cache::VerificationCache;

/// The revocation status of `cert`, issued by `issuer`, at `time`.
///
/// `issuer` must be the certificate that issued `cert`, already validated by the caller
/// (path validation); this function checks only revocation. It weighs, in order:
///
/// 1. the OCSP responses and CRLs in `sources` (supplied or embedded);
/// 2. if none decides and `options.network` allows it: the certificate's AIA OCSP
///    responders (`http:` only, RFC 6960 Appendix A.1 POST, with a nonce), then its CRL
///    distribution points (`http:` only), each fetched CRL joining the supplied ones so a
///    fetched delta can apply to a supplied base.
///
/// Without network permission no connection is made, and the locations not contacted are
/// listed in the result. The decision among usable sources: a revocation (other than a hold)
/// dated at or before `time` in any of them wins; otherwise the most recently issued source
/// decides, so a delta CRL or newer response that lifts a hold is heeded.
#[must_use]
pub fn check(
    cert: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    sources: &RevocationSources,
    options: &RevocationOptions,
) -> RevocationStatus {
    check_in(cert, issuer, time, sources, options, None)
}

/// As [`check`], remembering in `cache` the CRL, OCSP response and responder certificate
/// signatures that verify, and taking those it already holds as verified (see
/// [`crate::cache`]: only the cryptographic check is remembered; timeliness, scope and
/// every other rule are applied each time).
#[must_use]
pub fn check_with_cache(
    cert: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    sources: &RevocationSources,
    options: &RevocationOptions,
    cache: &VerificationCache,
) -> RevocationStatus {
    check_in(cert, issuer, time, sources, options, Some(cache))
}

fn check_in(
    cert: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    sources: &RevocationSources,
    options: &RevocationOptions,
    cache: Option<&VerificationCache>,
) -> RevocationStatus {
    let ctx = Context::new(cert, issuer, unix(time), options, cache);
    let mut views = Vec::new();
    let mut rejected = Vec::new();

    for loaded in &sources.ocsp {
        let outcome = match &loaded.parsed {
            Ok(parsed) => ocsp::evaluate(parsed, &loaded.origin, &ctx, None),
            Err(e) => Err(malformed(e)),
        };
        push(
            outcome,
            SourceKind::Ocsp,
            &loaded.origin,
            &mut views,
            &mut rejected,
        );
    }
    let mut crls: Vec<(&SourceOrigin, &Crl)> = Vec::new();
    for loaded in &sources.crls {
        match &loaded.parsed {
            Ok(crl) => crls.push((&loaded.origin, crl)),
            Err(e) => rejected.push(rejection(SourceKind::Crl, &loaded.origin, malformed(e))),
        }
    }
    let (crl_views, crl_rejected) = crl::evaluate(&crls, &ctx);
    if let Some(status) = decide(
        &ctx,
        views.iter().chain(&crl_views),
        &rejected,
        &crl_rejected,
    ) {
        return status;
    }

    let (ocsp_uris, ocsp_other) = cert::ocsp_uris(cert);
    let (crl_uris, crl_other) = cert::crl_uris(cert);
    let mut not_consulted: Vec<NotConsulted> = ocsp_other
        .into_iter()
        .chain(crl_other)
        .map(|uri| NotConsulted {
            uri,
            why: NotConsultedReason::UnsupportedScheme,
        })
        .collect();
    let Some(network) = &options.network else {
        not_consulted.extend(
            ocsp_uris
                .into_iter()
                .chain(crl_uris)
                .map(|uri| NotConsulted {
                    uri,
                    why: NotConsultedReason::NetworkNotAllowed,
                }),
        );
        rejected.extend(crl_rejected);
        return indeterminate(&views, rejected, not_consulted);
    };

    for uri in ocsp_uris {
        let origin = SourceOrigin::Fetched { uri: uri.clone() };
        push(
            fetch_ocsp(&uri, &ctx, network),
            SourceKind::Ocsp,
            &origin,
            &mut views,
            &mut rejected,
        );
        if let Some(status) = decide(
            &ctx,
            views.iter().chain(&crl_views),
            &rejected,
            &crl_rejected,
        ) {
            return status;
        }
    }

    // Distribution points are often mirrors: fetch one at a time, stop once one decides.
    let mut fetched: Vec<(SourceOrigin, Crl)> = Vec::new();
    let mut crl_rejected = crl_rejected;
    for uri in crl_uris {
        let origin = SourceOrigin::Fetched { uri: uri.clone() };
        match fetch::fetch_crl(&uri, network) {
            Ok(der) => match Crl::from_der(&der) {
                Ok(crl) => fetched.push((origin, crl)),
                Err(e) => rejected.push(rejection(SourceKind::Crl, &origin, malformed(&e))),
            },
            Err(e) => rejected.push(rejection(SourceKind::Crl, &origin, unreachable(&e))),
        }
        let pool: Vec<(&SourceOrigin, &Crl)> = crls
            .iter()
            .copied()
            .chain(fetched.iter().map(|(origin, crl)| (origin, crl)))
            .collect();
        let (crl_views, now_rejected) = crl::evaluate(&pool, &ctx);
        if let Some(status) = decide(
            &ctx,
            views.iter().chain(&crl_views),
            &rejected,
            &now_rejected,
        ) {
            return status;
        }
        crl_rejected = now_rejected;
    }
    rejected.extend(crl_rejected);
    indeterminate(&views, rejected, not_consulted)
}

/// The status `der`, an OCSP response obtained by the caller for a request that carried
/// `sent_nonce`, gives `cert` at `time`: as [`check`] with this one source and no network.
#[must_use]
pub fn check_ocsp_response(
    der: &[u8],
    sent_nonce: Option<&OcspNonce>,
    origin: SourceOrigin,
    cert: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    options: &RevocationOptions,
) -> RevocationStatus {
    let ctx = Context::new(cert, issuer, unix(time), options, None);
    let outcome = ParsedOcspResponse::parse(der)
        .map_err(|e| malformed(&e))
        .and_then(|parsed| ocsp::evaluate(&parsed, &origin, &ctx, sent_nonce));
    let (mut views, mut rejected) = (Vec::new(), Vec::new());
    push(
        outcome,
        SourceKind::Ocsp,
        &origin,
        &mut views,
        &mut rejected,
    );
    decide(&ctx, views.iter(), &rejected, &[])
        .unwrap_or_else(|| indeterminate(&views, rejected, Vec::new()))
}

/// Asks the responder at `uri` about the certificate in `ctx`.
fn fetch_ocsp(
    uri: &str,
    ctx: &Context<'_>,
    network: &NetworkOptions,
) -> Result<View, SourceProblem> {
    let nonce = if network.send_nonce {
        Some(OcspNonce::random().map_err(|e| malformed(&e))?)
    } else {
        None
    };
    let cert_id = CertId::for_certificate(ctx.cert, ctx.issuer, network.cert_id_digest)
        .map_err(|e| malformed(&e))?;
    let request = OcspRequest::single(cert_id, nonce.as_ref())
        .to_der()
        .map_err(|e| malformed(&DecodeError::der("OCSPRequest")(e)))?;
    let body = fetch::fetch_ocsp(uri, &request, network).map_err(|e| unreachable(&e))?;
    let parsed = ParsedOcspResponse::parse(&body).map_err(|e| malformed(&e))?;
    let origin = SourceOrigin::Fetched {
        uri: uri.to_owned(),
    };
    ocsp::evaluate(&parsed, &origin, ctx, nonce.as_ref())
}

/// The decision among `views`, if any decides (OCSP `unknown` does not).
fn decide<'v>(
    ctx: &Context<'_>,
    views: impl Iterator<Item = &'v View>,
    rejected: &[RejectedSource],
    more_rejected: &[RejectedSource],
) -> Option<RevocationStatus> {
    let decisive: Vec<&View> = views.filter(|v| v.verdict != Verdict::Unknown).collect();
    let revoked_by_time = |v: &&View| match &v.verdict {
        Verdict::Revoked(r) => r.at.unix_duration() <= ctx.time,
        _ => false,
    };
    // A final revocation (not a hold) dated by the validation time, in any usable source.
    let final_revocation = decisive
        .iter()
        .filter(|v| revoked_by_time(v))
        .filter(|v| matches!(&v.verdict, Verdict::Revoked(r) if !r.is_hold()))
        .min_by_key(|v| revocation_instant(v));
    // Otherwise the newest source, preferring one that says revoked on a tie.
    let chosen = final_revocation.or_else(|| {
        decisive
            .iter()
            .max_by_key(|v| (v.issued, revoked_by_time(v)))
    })?;
    let rejected = rejected.iter().chain(more_rejected).cloned().collect();
    let evidence = chosen.evidence.clone();
    Some(match &chosen.verdict {
        Verdict::Revoked(r) if r.at.unix_duration() <= ctx.time => RevocationStatus::Revoked {
            at: r.at,
            reason: r.reason,
            on_hold: r.is_hold(),
            invalidity_date: r.invalidity_date,
            evidence,
            rejected,
        },
        Verdict::Revoked(r) => RevocationStatus::Good {
            evidence,
            revoked_after_time: Some(LaterRevocation {
                at: r.at,
                reason: r.reason,
            }),
            rejected,
        },
        Verdict::NotRevoked | Verdict::Unknown => RevocationStatus::Good {
            evidence,
            revoked_after_time: None,
            rejected,
        },
    })
}

fn revocation_instant(view: &View) -> Instant {
    match &view.verdict {
        Verdict::Revoked(r) => r.at.unix_duration(),
        _ => Duration::MAX,
    }
}

fn indeterminate(
    views: &[View],
    rejected: Vec<RejectedSource>,
    not_consulted: Vec<NotConsulted>,
) -> RevocationStatus {
    let unknown = views.iter().find_map(|v| match (&v.verdict, &v.evidence) {
        (Verdict::Unknown, Evidence::Ocsp(evidence)) => Some(evidence.clone()),
        _ => None,
    });
    let reason = match unknown {
        Some(evidence) => IndeterminateReason::StatusUnknown {
            evidence: Box::new(evidence),
        },
        None if rejected.is_empty() => IndeterminateReason::NoSource,
        None => IndeterminateReason::NoUsableSource,
    };
    RevocationStatus::Indeterminate {
        reason,
        rejected,
        not_consulted,
    }
}

fn push(
    outcome: Result<View, SourceProblem>,
    kind: SourceKind,
    origin: &SourceOrigin,
    views: &mut Vec<View>,
    rejected: &mut Vec<RejectedSource>,
) {
    match outcome {
        Ok(view) => views.push(view),
        Err(problem) => rejected.push(rejection(kind, origin, problem)),
    }
}

fn rejection(kind: SourceKind, origin: &SourceOrigin, problem: SourceProblem) -> RejectedSource {
    RejectedSource {
        kind,
        origin: origin.clone(),
        problem,
    }
}

fn malformed(e: &DecodeError) -> SourceProblem {
    SourceProblem::Malformed {
        detail: e.to_string(),
    }
}

fn unreachable(e: &fetch::FetchError) -> SourceProblem {
    SourceProblem::Unreachable {
        detail: e.to_string(),
    }
}

/// `time` as the duration since the Unix epoch; a time before 1970 counts as 1970, before
/// any CRL or OCSP response can be dated.
fn unix(time: SystemTime) -> Instant {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}
