//! How strict a revocation check is, and whether it may use the network.

use std::time::Duration;

use crate::crypto::DigestAlgorithm;

/// Settings of a revocation check. [`Default`] never touches the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationOptions {
    /// Allowed disagreement between clocks: a source may be dated this much after the
    /// validation time, and its `nextUpdate` this much before. Default 5 minutes.
    pub clock_skew: Duration,
    /// How long after its `thisUpdate` a CRL or OCSP response without `nextUpdate` is taken
    /// as current (RFC 6960 §2.4: without `nextUpdate` "newer revocation information is
    /// available all the time", so freshness is the relying party's choice). Default one
    /// day.
    pub max_age_without_next_update: Duration,
    /// Accept sources issued after the validation time.
    ///
    /// Off by default: a CRL or response is then required to be issued at or before the
    /// validation time. Turn it on to validate at a past time (the signing time of an
    /// archived signature) with information gathered later, as ETSI EN 319 102-1 does for
    /// long-term signatures; a revocation dated after the validation time is then reported
    /// in [`super::RevocationStatus::Good`]'s `revoked_after_time`.
    pub accept_issued_after_time: bool,
    /// Network use: `None` (the default) means no connection is ever made.
    pub network: Option<NetworkOptions>,
}

impl Default for RevocationOptions {
    fn default() -> Self {
        Self {
            clock_skew: Duration::from_secs(5 * 60),
            max_age_without_next_update: Duration::from_secs(24 * 60 * 60),
            accept_issued_after_time: false,
            network: None,
        }
    }
}

/// Settings for fetching CRLs (HTTP GET from the certificate's CRL distribution points)
/// and OCSP responses (HTTP POST to the AIA OCSP location, RFC 6960 Appendix A.1). Only
/// `http:` locations are used, as RFC 5280 §4.2.1.13 and RFC 6960 intend: the objects are
/// signed, so TLS adds nothing to their integrity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkOptions {
    /// Time limit for each request, from connecting to the last byte. Default 10 seconds.
    pub timeout: Duration,
    /// Largest CRL accepted, in bytes. Default 64 MiB.
    pub max_crl_bytes: u64,
    /// Largest OCSP response accepted, in bytes. Default 1 MiB.
    pub max_ocsp_bytes: u64,
    /// Send a 32-byte random nonce with each OCSP request (RFC 8954) and require a nonce in
    /// the response, if present, to match. Default on.
    pub send_nonce: bool,
    /// The hash of the `CertID` in requests. Default SHA-1, which every responder accepts
    /// (RFC 5019 §2.1.1 requires it of lightweight clients); the hashes only identify.
    pub cert_id_digest: DigestAlgorithm,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_crl_bytes: 64 * 1024 * 1024,
            max_ocsp_bytes: 1024 * 1024,
            send_nonce: true,
            cert_id_digest: DigestAlgorithm::Sha1,
        }
    }
}
