//! Fetching CRLs and OCSP responses over HTTP, only when the caller allows network use.

use std::io::Read as _;

use super::NetworkOptions;
use super::cert::is_http;

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an `http:` URI.
    #[error("not an http: URI: {0}")]
    UnsupportedScheme(String),
    /// Connecting, sending or receiving failed, or timed out.
    #[error("HTTP request to {uri} failed: {detail}")]
    Transport {
        /// The location.
        uri: String,
        /// What went wrong.
        detail: String,
    },
    /// The server answered with a status other than 200.
    #[error("HTTP status {status} from {uri}")]
    Status {
        /// The location.
        uri: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The body is larger than allowed.
    #[error("response from {uri} is larger than {limit} bytes")]
    TooLarge {
        /// The location.
        uri: String,
        /// The limit.
        limit: u64,
    },
}

/// Fetches a CRL with HTTP GET (RFC 5280 §4.2.1.13: an `http:` distribution point names
/// a DER CRL).
///
/// # Errors
/// [`FetchError`] if `uri` is not `http:`, the request fails or times out, the status is
/// not 200, or the body exceeds `options.max_crl_bytes`.
pub fn fetch_crl(uri: &str, options: &NetworkOptions) -> Result<Vec<u8>, FetchError> {
    check_scheme(uri)?;
    let response = agent(options).get(uri).call();
    read_body(uri, response, options.max_crl_bytes)
}

/// Sends a DER `OCSPRequest` with HTTP POST (RFC 6960 Appendix A.1: content type
/// `application/ocsp-request`, answered with `application/ocsp-response`).
///
/// # Errors
/// As [`fetch_crl`], with `options.max_ocsp_bytes` as the limit.
pub fn fetch_ocsp(
    uri: &str,
    request_der: &[u8],
    options: &NetworkOptions,
) -> Result<Vec<u8>, FetchError> {
    check_scheme(uri)?;
    let response = agent(options)
        .post(uri)
        .header("Content-Type", "application/ocsp-request")
        .header("Accept", "application/ocsp-response")
        .send(request_der);
    read_body(uri, response, options.max_ocsp_bytes)
}

fn check_scheme(uri: &str) -> Result<(), FetchError> {
    if is_http(uri) {
        Ok(())
    } else {
        Err(FetchError::UnsupportedScheme(uri.to_owned()))
    }
}

fn agent(options: &NetworkOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        // Statuses are checked here, so that the status code can be reported.
        .http_status_as_error(false)
        // A redirect to https: would fail (no TLS here); a few plain ones are tolerated.
        .max_redirects(3)
        .build()
        .into()
}

fn read_body(
    uri: &str,
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let transport = |e: &dyn std::fmt::Display| FetchError::Transport {
        uri: uri.to_owned(),
        detail: e.to_string(),
    };
    let mut response = response.map_err(|e| transport(&e))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status {
            uri: uri.to_owned(),
            status,
        });
    }
    // Read one byte past the limit to tell "exactly the limit" from "more".
    let mut body = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(limit.saturating_add(1))
        .reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| transport(&e))?;
    if u64::try_from(body.len()).map_or(true, |len| len > limit) {
        return Err(FetchError::TooLarge {
            uri: uri.to_owned(),
            limit,
        });
    }
    Ok(body)
}
