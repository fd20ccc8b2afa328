//! What one usable source says, and the time rules every source must meet.

use der::DateTime;
use x509_cert::Certificate;

use super::cert::{Instant, SignerKey};
use super::{Evidence, RevocationOptions, RevocationReason, SourceProblem};
use crate::cache::VerificationCache;

/// What the check knows while weighing sources for one certificate.
pub(crate) struct Context<'a> {
    /// The certificate whose status is wanted.
    pub(crate) cert: &'a Certificate,
    /// Its issuer.
    pub(crate) issuer: &'a Certificate,
    /// The issuer's key, read once if needed at all.
    pub(crate) issuer_key: SignerKey<'a>,
    /// The validation time.
    pub(crate) time: Instant,
    /// The settings.
    pub(crate) options: &'a RevocationOptions,
    /// Where signatures that verified are remembered across checks, if anywhere.
    pub(crate) cache: Option<&'a VerificationCache>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        cert: &'a Certificate,
        issuer: &'a Certificate,
        time: Instant,
        options: &'a RevocationOptions,
        cache: Option<&'a VerificationCache>,
    ) -> Self {
        Self {
            cert,
            issuer,
            issuer_key: SignerKey::of(issuer, cache),
            time,
            options,
            cache,
        }
    }

    /// Checks that information dated `this_update` (valid until `next_update`) speaks for
    /// the validation time.
    ///
    /// * `thisUpdate` no later than the validation time plus the skew, unless the caller
    ///   accepts later information;
    /// * `nextUpdate`, when present, no earlier than the validation time minus the skew
    ///   (RFC 5280 §6.3.3 (a)(2) and RFC 6960 §3.2 item 5: newer information is due);
    /// * without `nextUpdate`, `thisUpdate` no older than the configured maximum age.
    pub(crate) fn check_timeliness(
        &self,
        this_update: DateTime,
        next_update: Option<DateTime>,
    ) -> Result<(), SourceProblem> {
        let skew = self.options.clock_skew;
        let issued = this_update.unix_duration();
        if !self.options.accept_issued_after_time && issued > self.time.saturating_add(skew) {
            return Err(SourceProblem::IssuedAfterTime { this_update });
        }
        match next_update {
            Some(next) if next.unix_duration().saturating_add(skew) < self.time => {
                Err(SourceProblem::Stale { next_update: next })
            }
            Some(_) => Ok(()),
            None => {
                let max_age = self.options.max_age_without_next_update;
                if issued.saturating_add(max_age).saturating_add(skew) < self.time {
                    Err(SourceProblem::TooOld {
                        this_update,
                        max_age_secs: max_age.as_secs(),
                    })
                } else {
                    Ok(())
                }
            }
        }
    }

    /// For a source that does not list the certificate: refuses it if it was issued after
    /// the certificate expired (RFC 5280 §3.3 lets a CA drop expired certificates from its
    /// CRLs; RFC 6960 §4.4.4 lets a responder forget them).
    pub(crate) fn check_not_after_expiry(
        &self,
        this_update: DateTime,
    ) -> Result<(), SourceProblem> {
        let not_after = self.cert.tbs_certificate().validity().not_after;
        if this_update.unix_duration() > not_after.to_unix_duration() {
            Err(SourceProblem::IssuedAfterExpiry {
                this_update,
                not_after: not_after.to_date_time(),
            })
        } else {
            Ok(())
        }
    }
}

/// A revocation as a source reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Revocation {
    pub(crate) at: DateTime,
    pub(crate) reason: Option<RevocationReason>,
    pub(crate) invalidity_date: Option<DateTime>,
}

impl Revocation {
    pub(crate) fn is_hold(&self) -> bool {
        self.reason == Some(RevocationReason::CertificateHold)
    }
}

/// What a usable source says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not listed / `good`.
    NotRevoked,
    /// Listed / `revoked` (the date may be after the validation time).
    Revoked(Revocation),
    /// OCSP `unknown`.
    Unknown,
}

/// One usable source's say.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub(crate) verdict: Verdict,
    /// When the information was current (the newest `thisUpdate` involved).
    pub(crate) issued: Instant,
    pub(crate) evidence: Evidence,
}
