//! Revocation values fetched from the locations the certificates name: OCSP responders in
//! the authority information access extension (RFC 5280 §4.2.2.1), then CRL distribution
//! points (RFC 5280 §4.2.1.13), `http:` only, through the verifier's fetching functions.

use std::time::SystemTime;

use const_oid::db::rfc5280::ID_AD_OCSP;
use der::Encode as _;
use verifier::path::names_match;
use verifier::revocation::ocsp::{CertId, OcspNonce, OcspRequest};
use verifier::revocation::{
    self, Crl, NetworkOptions, RevocationOptions, RevocationSources, SourceOrigin,
};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use super::CadesError;
use super::revocation::{RevocationValue, RevocationValues, subject, to_prove, usable};

/// Fetches one value per certificate: the first OCSP response, then the first CRL, that
/// the verifier finds current, signed by the certificate's issuer, and "good".
///
/// Every fetch is a blocking HTTP request bounded by [`NetworkOptions`]; call it off async
/// workers. OCSP requests carry a fresh nonce when [`NetworkOptions::send_nonce`] is set,
/// and a response echoing another nonce is refused. For a certificate whose issuer is not
/// in the chain given, OCSP cannot be asked (the request names the issuer's key) and a CRL
/// is taken by issuer name, unverified, for the validator to check.
#[derive(Debug, Clone, Default)]
pub struct FetchingRevocation {
    network: NetworkOptions,
}

impl FetchingRevocation {
    /// A source fetching with `network`'s limits.
    #[must_use]
    pub fn new(network: NetworkOptions) -> Self {
        Self { network }
    }

    fn values_for_one(
        &self,
        cert: &Certificate,
        issuer: Option<&Certificate>,
        now: SystemTime,
    ) -> Result<RevocationValue, CadesError> {
        // Checks of what was fetched use no network themselves.
        let options = RevocationOptions::default();
        let mut tried = Vec::new();
        if let Some(issuer) = issuer {
            for uri in ocsp_uris(cert) {
                match self.ask_ocsp(&uri, cert, issuer, now, &options) {
                    Ok(Some(der)) => return Ok(RevocationValue::OcspResponse(der)),
                    Ok(None) => tried.push(format!("{uri}: no usable answer")),
                    Err(CadesError::RevocationSource { reason, .. }) => {
                        tried.push(format!("{uri}: {reason}"));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        for uri in crl_uris(cert) {
            let der = match revocation::fetch_crl(&uri, &self.network) {
                Ok(der) => der,
                Err(e) => {
                    tried.push(e.to_string());
                    continue;
                }
            };
            let good = match issuer {
                Some(issuer) => {
                    let mut sources = RevocationSources::new();
                    sources.add_crls(&der, SourceOrigin::Fetched { uri: uri.clone() });
                    usable(
                        &revocation::check(cert, issuer, now, &sources, &options),
                        cert,
                    )?
                }
                None => Crl::from_der(&der)
                    .is_ok_and(|crl| names_match(crl.issuer(), cert.tbs_certificate().issuer())),
            };
            if good {
                return Ok(RevocationValue::Crl(der));
            }
            tried.push(format!("{uri}: not usable"));
        }
        Err(CadesError::RevocationMissing {
            subject: subject(cert),
            reason: if tried.is_empty() {
                "it names no http: OCSP responder or CRL distribution point".to_owned()
            } else {
                tried.join("; ")
            },
        })
    }

    /// Asks the responder at `uri`; `Ok(None)` when the answer is not usable.
    fn ask_ocsp(
        &self,
        uri: &str,
        cert: &Certificate,
        issuer: &Certificate,
        now: SystemTime,
        options: &RevocationOptions,
    ) -> Result<Option<Vec<u8>>, CadesError> {
        let failed = |reason: String| CadesError::RevocationSource {
            source_name: uri.to_owned(),
            reason,
        };
        let nonce = if self.network.send_nonce {
            Some(OcspNonce::random().map_err(|e| failed(e.to_string()))?)
        } else {
            None
        };
        let cert_id = CertId::for_certificate(cert, issuer, self.network.cert_id_digest)
            .map_err(|e| failed(e.to_string()))?;
        let request = OcspRequest::single(cert_id, nonce.as_ref())
            .to_der()
            .map_err(|e| failed(e.to_string()))?;
        let der = revocation::fetch_ocsp(uri, &request, &self.network)
            .map_err(|e| failed(e.to_string()))?;
        let status = revocation::check_ocsp_response(
            &der,
            nonce.as_ref(),
            SourceOrigin::Fetched {
                uri: uri.to_owned(),
            },
            cert,
            issuer,
            now,
            options,
        );
        Ok(usable(&status, cert)?.then_some(der))
    }
}

impl RevocationValues for FetchingRevocation {
    fn values_for(&self, chain: &[Certificate]) -> Result<Vec<RevocationValue>, CadesError> {
        let now = SystemTime::now();
        let mut out: Vec<RevocationValue> = Vec::new();
        for (cert, issuer) in to_prove(chain) {
            let value = self.values_for_one(cert, issuer, now)?;
            if !out.contains(&value) {
                out.push(value);
            }
        }
        Ok(out)
    }
}

/// Whether `uri` has the `http` scheme (RFC 3986 §3.1: schemes are case-insensitive); the
/// objects fetched are signed, so TLS would add nothing to their integrity.
fn is_http(uri: &str) -> bool {
    uri.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// The `http:` URIs among `names`.
fn http_uris<'n>(names: impl IntoIterator<Item = &'n GeneralName>) -> Vec<String> {
    names
        .into_iter()
        .filter_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .filter(|uri| is_http(uri))
        .collect()
}

/// The certificate's `http:` OCSP responders; none when the extension is malformed.
fn ocsp_uris(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, aia))) = cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    else {
        return Vec::new();
    };
    http_uris(
        aia.0
            .iter()
            .filter(|ad| ad.access_method == ID_AD_OCSP)
            .map(|ad| &ad.access_location),
    )
}

/// The certificate's `http:` CRL locations, from distribution points that are neither
/// partitioned by reason nor indirect (a CRL from them covers the certificate).
fn crl_uris(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, dps))) = cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    let names: Vec<GeneralName> = dps
        .0
        .into_iter()
        .filter(|dp| dp.reasons.is_none() && dp.crl_issuer.is_none())
        .filter_map(|dp| match dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .collect();
    http_uris(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_locations_are_used() {
        assert!(is_http("http://crl.example/ca.crl"));
        assert!(is_http("HTTP://crl.example/ca.crl"));
        assert!(!is_http("https://crl.example/ca.crl"));
        assert!(!is_http("ldap://crl.example/cn=ca"));
        assert!(!is_http("http:"));
    }
}
