//! Path building: a depth-first search from the end-entity certificate up to a trust anchor,
//! validating each complete candidate (RFC 5280 §6.1 leaves building to the implementation;
//! the approach is that of RFC 4158, without fetching anything).
//!
//! Issuers are found by name: a candidate's subject must match the issuer name under the
//! §7.1 comparison. Among matching candidates, those whose subjectKeyIdentifier equals the
//! authorityKeyIdentifier come first, then those where either is absent, then the others
//! (key identifiers only order the search: a certificate with a wrong or missing identifier
//! is still tried, so a forged signature is reported as such rather than as a missing chain).
//! Candidates valid at the validation time come before the others. Trust anchors are tried
//! before intermediates, so the shortest path is found first.
//!
//! A certificate never appears twice in a path, nor does a subject name with the same key
//! (RFC 4158 §5.2, loop detection). Paths hold at most
//! [`PathInputs::max_path_length`] certificates, and the search stops after
//! [`MAX_VALIDATIONS`] complete candidates or [`MAX_EXPANSIONS`] steps, so that a crafted
//! pool of cross-certificates cannot make it run for long.

use super::certificate::ParsedCertificate;
use super::error::{NoChainReason, PathError};
use super::inputs::PathInputs;
use super::name::names_match;
use super::signature::{Pool, SignatureCache};
use super::validate::{self, Candidate};
use super::validated::ValidatedPath;

/// The most complete candidate paths validated in one search.
pub(crate) const MAX_VALIDATIONS: usize = 64;
/// The most candidate issuers stepped to in one search.
pub(crate) const MAX_EXPANSIONS: usize = 2048;

/// Builds candidate paths and returns the first that validates, or the most informative
/// failure.
pub(crate) fn build_and_validate(inputs: &PathInputs<'_>) -> Result<ValidatedPath, PathError> {
    let mut certs: Vec<&ParsedCertificate> = vec![inputs.end_entity];
    for cert in inputs.intermediates {
        // Copies of certificates already held, or of an anchor's certificate, add nothing.
        let duplicate = certs.iter().any(|held| held.der() == cert.der())
            || inputs
                .anchors
                .iter()
                .any(|anchor| anchor.certificate().der() == cert.der());
        if !duplicate {
            certs.push(cert);
        }
    }
    let pool = Pool {
        certs,
        anchors: inputs.anchors,
    };
    let mut search = Search {
        pool: &pool,
        inputs,
        signatures: SignatureCache::new(inputs.verification_cache.as_ref()),
        best: None,
        dead_end: None,
        validations: 0,
        expansions: 0,
        exhausted: false,
    };
    let mut chain = vec![0];
    match search.extend(&mut chain) {
        Some(path) => Ok(path),
        None => Err(search.into_error()),
    }
}

struct Search<'p, 'a> {
    pool: &'p Pool<'a>,
    inputs: &'p PathInputs<'a>,
    signatures: SignatureCache,
    /// The most informative failure of a complete candidate.
    best: Option<PathError>,
    /// The longest chain whose top has no issuer, and why.
    dead_end: Option<(Vec<usize>, NoChainReason)>,
    validations: usize,
    expansions: usize,
    exhausted: bool,
}

impl Search<'_, '_> {
    /// Tries every way up from the top of `chain`; `Some` with the first path that validates.
    fn extend(&mut self, chain: &mut Vec<usize>) -> Option<ValidatedPath> {
        let top = chain
            .last()
            .and_then(|&id| self.pool.certs.get(id).copied())?;
        if chain.len() > self.inputs.max_path_length {
            self.note_dead_end(
                chain,
                NoChainReason::DepthLimit {
                    limit: self.inputs.max_path_length,
                },
            );
            return None;
        }
        let aki = top
            .extensions()
            .ok()
            .and_then(|e| e.authority_key_id.as_deref());

        // Trust anchors first: the shortest paths.
        let mut anchors: Vec<(u8, usize)> = self
            .pool
            .anchors
            .iter()
            .enumerate()
            .filter(|(_, anchor)| names_match(anchor.subject(), top.issuer()))
            .map(|(index, anchor)| (key_id_rank(aki, anchor.key_id()), index))
            .collect();
        anchors.sort_by_key(|(rank, _)| *rank);
        let mut issuer_found = !anchors.is_empty();
        for (_, anchor) in anchors {
            if self.validations >= MAX_VALIDATIONS {
                self.exhausted = true;
                return None;
            }
            self.validations += 1;
            let candidate = Candidate {
                certs: chain.as_slice(),
                anchor,
            };
            match validate::validate(self.pool, candidate, self.inputs, &mut self.signatures) {
                Ok(path) => return Some(path),
                Err(error) => self.record(error),
            }
        }

        // Then supplied certificates whose subject is the issuer.
        let mut issuers: Vec<(u8, bool, usize)> = self
            .pool
            .certs
            .iter()
            .enumerate()
            .filter(|(id, cert)| {
                names_match(cert.subject(), top.issuer()) && !self.in_chain(chain, *id, cert)
            })
            .map(|(id, cert)| {
                let ski = cert
                    .extensions()
                    .ok()
                    .and_then(|e| e.subject_key_id.as_deref());
                (key_id_rank(aki, ski), !self.valid_now(cert), id)
            })
            .collect();
        issuers.sort_by_key(|(rank, invalid, _)| (*rank, *invalid));
        issuer_found |= !issuers.is_empty();
        for (_, _, id) in issuers {
            if self.expansions >= MAX_EXPANSIONS {
                self.exhausted = true;
                return None;
            }
            self.expansions += 1;
            chain.push(id);
            let found = self.extend(chain);
            chain.pop();
            if found.is_some() || self.exhausted {
                return found;
            }
        }

        if !issuer_found {
            let reason = if top.is_self_issued() {
                NoChainReason::SelfIssuedNotTrusted
            } else {
                NoChainReason::IssuerNotFound
            };
            self.note_dead_end(chain, reason);
        }
        None
    }

    /// Whether `cert` is already in `chain`, itself or as the same subject with the same key.
    fn in_chain(&self, chain: &[usize], id: usize, cert: &ParsedCertificate) -> bool {
        let key = cert
            .certificate()
            .tbs_certificate()
            .subject_public_key_info();
        chain.iter().any(|&held_id| {
            held_id == id
                || self.pool.certs.get(held_id).is_some_and(|held| {
                    held.certificate()
                        .tbs_certificate()
                        .subject_public_key_info()
                        == key
                        && names_match(held.subject(), cert.subject())
                })
        })
    }

    fn valid_now(&self, cert: &ParsedCertificate) -> bool {
        let validity = cert.certificate().tbs_certificate().validity();
        validity.not_before.to_date_time() <= self.inputs.time
            && self.inputs.time <= validity.not_after.to_date_time()
    }

    /// Keeps `error` if it says more than the failure kept so far.
    fn record(&mut self, error: PathError) {
        if self
            .best
            .as_ref()
            .is_none_or(|best| error.weight() > best.weight())
        {
            self.best = Some(error);
        }
    }

    fn note_dead_end(&mut self, chain: &[usize], reason: NoChainReason) {
        if self
            .dead_end
            .as_ref()
            .is_none_or(|(longest, _)| chain.len() > longest.len())
        {
            self.dead_end = Some((chain.to_vec(), reason));
        }
    }

    fn into_error(self) -> PathError {
        if let Some(best) = self.best {
            return best;
        }
        let (chain, reason) = match (self.exhausted, self.dead_end) {
            (false, Some(dead_end)) => dead_end,
            _ => (vec![0], NoChainReason::SearchLimit),
        };
        let position = chain.len().saturating_sub(1);
        let top = chain
            .last()
            .and_then(|&id| self.pool.certs.get(id).copied())
            .unwrap_or(self.inputs.end_entity);
        PathError::NoChain {
            cert: top.at(position),
            issuer: top.issuer_text().to_owned(),
            reason,
        }
    }
}

/// How well a candidate's key identifier fits the authorityKeyIdentifier sought: 0 equal,
/// 1 unknown (either absent), 2 different.
fn key_id_rank(aki: Option<&[u8]>, ski: Option<&[u8]>) -> u8 {
    match (aki, ski) {
        (Some(aki), Some(ski)) if aki == ski => 0,
        (Some(_), Some(_)) => 2,
        _ => 1,
    }
}
