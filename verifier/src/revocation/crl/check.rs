//! Which CRLs can speak for a certificate, and what they say (RFC 5280 §6.3, for direct
//! CRLs: complete CRLs and delta CRLs of the certificate's own issuer).

use x509_cert::ext::pkix::name::DistributionPointName;

use super::Crl;
use crate::path::NameText;
use crate::revocation::cert;
use crate::revocation::view::{Context, Revocation, Verdict, View};
use crate::revocation::{
    CrlEvidence, Evidence, RejectedSource, RevocationReason, SourceKind, SourceOrigin,
    SourceProblem,
};

/// A CRL that passed every check but freshness.
struct Checked<'a> {
    origin: &'a SourceOrigin,
    crl: &'a Crl,
    algorithm: String,
    /// `Err` if stale: still usable as the base of a fresh delta CRL.
    fresh: Result<(), SourceProblem>,
    used_as_base: bool,
}

/// Weighs `crls` for the certificate in `ctx`: the usable views, and the CRLs set aside.
///
/// A complete CRL is usable alone when fresh. A fresh delta CRL is usable on top of a
/// complete CRL of the same scope whose CRL number is at least the delta's `BaseCRLNumber`
/// and below the delta's own number (RFC 5280 §5.2.4); that complete CRL may be stale,
/// since the delta brings it up to date.
pub(crate) fn evaluate(
    crls: &[(&SourceOrigin, &Crl)],
    ctx: &Context<'_>,
) -> (Vec<View>, Vec<RejectedSource>) {
    let mut rejected = Vec::new();
    let reject = |origin: &SourceOrigin, problem| RejectedSource {
        kind: SourceKind::Crl,
        origin: origin.clone(),
        problem,
    };

    let mut complete = Vec::new();
    let mut deltas = Vec::new();
    for &(origin, crl) in crls {
        match check_one(crl, ctx) {
            Ok(algorithm) => {
                let checked = Checked {
                    origin,
                    crl,
                    algorithm,
                    fresh: ctx.check_timeliness(crl.this_update(), crl.next_update()),
                    used_as_base: false,
                };
                if crl.is_delta() {
                    deltas.push(checked);
                } else {
                    complete.push(checked);
                }
            }
            Err(problem) => rejected.push(reject(origin, problem)),
        }
    }

    let mut views = Vec::new();
    for delta in &deltas {
        if let Err(problem) = &delta.fresh {
            rejected.push(reject(delta.origin, problem.clone()));
            continue;
        }
        let base = complete
            .iter_mut()
            .filter(|base| is_base_of(base.crl, delta.crl))
            .max_by(|a, b| a.crl.number_key().cmp(&b.crl.number_key()));
        let Some(base) = base else {
            rejected.push(reject(
                delta.origin,
                SourceProblem::DeltaWithoutBase {
                    base_number: delta.crl.base_number().unwrap_or_default(),
                },
            ));
            continue;
        };
        base.used_as_base = true;
        match view(base, Some(delta), ctx) {
            Ok(v) => views.push(v),
            Err(problem) => rejected.push(reject(delta.origin, problem)),
        }
    }
    for base in &complete {
        // A complete CRL under a delta speaks through the combination, which supersedes it
        // (whether or not it is still fresh itself).
        if base.used_as_base {
            continue;
        }
        match base.fresh.clone().and_then(|()| view(base, None, ctx)) {
            Ok(v) => views.push(v),
            Err(problem) => rejected.push(reject(base.origin, problem)),
        }
    }
    (views, rejected)
}

/// Every check of one CRL except freshness; the signature algorithm's name on success.
fn check_one(crl: &Crl, ctx: &Context<'_>) -> Result<String, SourceProblem> {
    // RFC 5280 §6.3.3 (b)(1): a direct CRL is issued by the certificate's issuer.
    let cert_issuer = ctx.cert.tbs_certificate().issuer();
    if crl.issuer() != cert_issuer {
        return Err(SourceProblem::OtherIssuer {
            detail: format!(
                "CRL issued by {}, certificate issued by {}",
                crl.issuer_text(),
                NameText(cert_issuer)
            ),
        });
    }
    if ctx.issuer.tbs_certificate().subject() != cert_issuer {
        return Err(SourceProblem::OtherIssuer {
            detail: format!(
                "the issuer certificate given is {}, not the certificate's issuer {}",
                NameText(ctx.issuer.tbs_certificate().subject()),
                NameText(cert_issuer)
            ),
        });
    }
    if crl.indirect_entries {
        return Err(SourceProblem::IndirectCrl);
    }
    // RFC 5280 §5.2 and §5.3: a CRL with an unprocessed critical extension MUST NOT be used.
    if let Some(oid) = crl.unprocessed_critical {
        return Err(SourceProblem::UnknownCriticalExtension { oid });
    }
    check_scope(crl, ctx)?;
    // RFC 5280 §6.3.3 (f): the CRL signer's key usage must allow cRLSign.
    if !cert::may_sign_crls(ctx.issuer)? {
        return Err(SourceProblem::IssuerNotCrlSigner);
    }
    let algorithm = crl.verify_with(&ctx.issuer_key)?;
    Ok(algorithm.to_string())
}

/// RFC 5280 §5.2.5 and §6.3.3 (b)(2): whether the CRL's issuing distribution point covers
/// the certificate.
fn check_scope(crl: &Crl, ctx: &Context<'_>) -> Result<(), SourceProblem> {
    let Some(idp) = crl.issuing_distribution_point() else {
        return Ok(());
    };
    let out = |detail: &str| {
        Err(SourceProblem::OutOfScope {
            detail: detail.to_owned(),
        })
    };
    if idp.indirect_crl {
        return Err(SourceProblem::IndirectCrl);
    }
    if idp.only_contains_attribute_certs {
        return out("the CRL covers attribute certificates only");
    }
    if idp.only_some_reasons.is_some() {
        // A partitioned CRL covers only some reasons; combining partitions is not done here.
        return out("the CRL covers only some revocation reasons");
    }
    let is_ca = cert::is_ca(ctx.cert)?;
    if idp.only_contains_user_certs && is_ca {
        return out("the CRL covers end-entity certificates only, and this is a CA certificate");
    }
    if idp.only_contains_ca_certs && !is_ca {
        return out("the CRL covers CA certificates only, and this is not one");
    }
    match &idp.distribution_point {
        None => Ok(()),
        Some(DistributionPointName::FullName(names)) => {
            let ours = cert::distribution_point_names(ctx.cert);
            if names.iter().any(|n| ours.contains(n)) {
                Ok(())
            } else {
                out("the CRL's distribution point is not one of the certificate's")
            }
        }
        Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
            out("distribution points named relative to the CRL issuer are not supported")
        }
    }
}

/// Whether `base` is a complete CRL that `delta` may be applied to (RFC 5280 §5.2.4): same
/// scope, CRL number at least the delta's base number and, so that the delta is newer,
/// below the delta's own number.
fn is_base_of(base: &Crl, delta: &Crl) -> bool {
    let (Some(number), Some(wanted), Some(delta_number)) = (
        base.number_key(),
        delta.base_number.as_ref(),
        delta.number_key(),
    ) else {
        return false;
    };
    base.idp == delta.idp && number >= super::number_key(wanted) && number < delta_number
}

/// What `base`, with `delta` applied, says about the certificate.
fn view(
    base: &Checked<'_>,
    delta: Option<&Checked<'_>>,
    ctx: &Context<'_>,
) -> Result<View, SourceProblem> {
    let serial = ctx.cert.tbs_certificate().serial_number();
    let listed = match delta {
        // A delta entry replaces the base's; `removeFromCRL` lifts a hold (RFC 5280 §5.3.1).
        Some(delta) => match delta.crl.entry(serial)? {
            Some(entry) => Some(entry),
            None => base.crl.entry(serial)?,
        },
        None => base.crl.entry(serial)?,
    };
    // `removeFromCRL` belongs in delta CRLs only; wherever it appears, it means "not listed".
    let listed = listed.filter(|e| e.reason != Some(RevocationReason::RemoveFromCrl));
    let newest = delta.unwrap_or(base);
    let verdict = match listed {
        Some(entry) => Verdict::Revoked(Revocation {
            at: entry.revocation_date,
            reason: entry.reason,
            invalidity_date: entry.invalidity_date,
        }),
        None => {
            ctx.check_not_after_expiry(newest.crl.this_update())?;
            Verdict::NotRevoked
        }
    };
    let mut evidence = evidence(base);
    evidence.delta = delta.map(|d| Box::new(self::evidence(d)));
    Ok(View {
        verdict,
        issued: newest.crl.this_update().unix_duration(),
        evidence: Evidence::Crl(evidence),
    })
}

fn evidence(checked: &Checked<'_>) -> CrlEvidence {
    CrlEvidence {
        origin: checked.origin.clone(),
        issuer: checked.crl.issuer_text().to_owned(),
        number: checked.crl.number(),
        this_update: checked.crl.this_update(),
        next_update: checked.crl.next_update(),
        signature_algorithm: checked.algorithm.clone(),
        delta: None,
    }
}
