//! `POST /v1/sign/cms`: a CMS / CAdES signature by one of the service's keys.
//!
//! Two request forms, told apart by `Content-Type`:
//!
//! * **data**: any type but JSON (`application/octet-stream` is the expected one); the body
//!   is the content to sign. Query parameters: `key` (default: the configured default key),
//!   `level` (`B-B`, the default, `B-T` or `B-LT`), `detached` (`true` or `false`, the
//!   default). Example: `POST /v1/sign/cms?detached=true&level=B-T&key=seal`.
//! * **digest**: `application/json` with `{"sha256": "<64 hex digits>", "level": "B-T",
//!   "key": "seal"}` (`level` and `key` optional as above); the signature is detached. Query
//!   parameters are refused, so a request says everything in one place.
//!
//! The answer is the DER `ContentInfo`: `application/pkcs7-signature` when detached,
//! `application/pkcs7-mime; smime-type=signed-data` when attached (RFC 8551 §3.2). Errors are
//! JSON `{"error": code, "message": sentence}` like every other route's: 400 `bad_request`,
//! 404 `unknown_key`, 413 `too_large` (bodies over [`SignState::max_body_bytes`], enforced
//! here whatever the router's layers), 501 `level_unavailable` (no time-stamp authority or
//! revocation source for the level asked), 502 `timestamp_failed` or
//! `revocation_unavailable`, 503 `key_unavailable` or `certificate_revoked`, 500 `internal`.
//! Key errors and internal failures are logged, never sent.
//!
//! **Token keys.** `key` may name a key on a PIV card instead of a configured key:
//! `piv:<reader>/<slot>` (e.g. `piv:Virtual PCD 00 00/9c`, URL-encoded in the query). Its PIN
//! travels in the `Dalel-Pin` header, for this request only (never in the query string, which
//! may be logged). The card is opened for the request and released after it. Extra errors:
//! 400 `pin_required`, 403 `pin_incorrect` (the message says how many tries are left),
//! 403 `pin_blocked`, 503 `key_unavailable` with the reason (no reader, no card, the card was
//! removed during the signature).
//!
//! Signing runs on the blocking pool: an RSA signature, a time-stamp request and revocation
//! fetching all block.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use crate::cades::{self, CadesError, CmsRequest, Content, Level, LevelServices, RevocationValues};
use crate::keys::piv::{PIV_PREFIX, PivKey, PivKeyRef};
use crate::keys::{KeyError, SignatureKey};
use crate::tsa::Timestamper;
use devices::piv::Pin;

/// What the sign route needs: the keys by name and the services of the levels.
#[derive(Clone)]
pub struct SignState {
    /// The keys clients may name.
    pub keys: Arc<HashMap<String, Arc<dyn SignatureKey>>>,
    /// The key used when a request names none.
    pub default_key: String,
    /// The time-stamp authority for B-T and B-LT; without one those levels answer 501.
    pub timestamper: Option<Arc<dyn Timestamper>>,
    /// Where B-LT revocation values come from; without one B-LT answers 501.
    pub revocation: Option<Arc<dyn RevocationValues>>,
    /// Certificates of the TSA's path its tokens leave out, embedded at B-LT.
    pub extra_certificates: Arc<[Certificate]>,
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The font of visible PDF signatures' text; without one, visible PDF signatures are
    /// refused.
    pub font: Option<Arc<crate::pades::appearance::FontFile>>,
    /// Where handwritten captures named by `POST /v1/sign/pdf` are archived; without one,
    /// only inline pen data is accepted.
    pub captures: Option<Arc<::archive::Archive>>,
}

impl fmt::Debug for SignState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&String> = self.keys.keys().collect();
        keys.sort();
        f.debug_struct("SignState")
            .field("keys", &keys)
            .field("default_key", &self.default_key)
            .field("timestamper", &self.timestamper.is_some())
            .field("revocation", &self.revocation.is_some())
            .field("extra_certificates", &self.extra_certificates.len())
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Why `POST /v1/sign/cms` produced no signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// No key has the name asked for.
    #[error("no signing key named {0:?}")]
    UnknownKey(String),
    /// The body is larger than the route accepts.
    #[error("the request body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A token key named in the request needs a PIN and none was sent.
    #[error("the key {0} is on a token: send its PIN in the Dalel-Pin header")]
    PinRequired(String),
    /// A token key could not be opened.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing failed.
    #[error(transparent)]
    Cades(#[from] CadesError),
    /// Signing a PDF failed.
    #[error(transparent)]
    Pdf(#[from] super::sign_pdf::PdfFailure),
    /// A failure inside the service.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The JSON body of an error response (the shape of [`super::ApiError`]'s).
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl SignError {
    /// The status, the code, and whether the message may be sent (otherwise it is logged
    /// and a generic one is sent).
    fn classify(&self) -> (StatusCode, &'static str, bool) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", true),
            Self::UnknownKey(_) => (StatusCode::NOT_FOUND, "unknown_key", true),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", true),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", false),
            Self::PinRequired(_) => (StatusCode::BAD_REQUEST, "pin_required", true),
            Self::Key(e) if token_error(e).is_some() => token_error(e).unwrap_or((
                StatusCode::SERVICE_UNAVAILABLE,
                "key_unavailable",
                false,
            )),
            Self::Key(_) => (StatusCode::SERVICE_UNAVAILABLE, "key_unavailable", false),
            Self::Pdf(super::sign_pdf::PdfFailure::Pades(crate::pades::PadesError::Cades(e))) => {
                cades_class(e)
            }
            Self::Pdf(e) => e.classify(),
            Self::Cades(e) => cades_class(e),
        }
    }
}

/// How a CMS signing failure is answered.
fn cades_class(e: &CadesError) -> (StatusCode, &'static str, bool) {
    if let CadesError::Key(key) = e
        && let Some(class) = token_error(key)
    {
        return class;
    }
    match e {
        CadesError::AttachedDigest => (StatusCode::BAD_REQUEST, "bad_request", true),
        CadesError::NoTimestamper(_) | CadesError::NoRevocationSource => {
            (StatusCode::NOT_IMPLEMENTED, "level_unavailable", true)
        }
        CadesError::Timestamp(_) | CadesError::TimestampRejected(_) => {
            (StatusCode::BAD_GATEWAY, "timestamp_failed", true)
        }
        CadesError::RevocationMissing { .. } | CadesError::RevocationSource { .. } => {
            (StatusCode::BAD_GATEWAY, "revocation_unavailable", true)
        }
        CadesError::Revoked { .. } => {
            (StatusCode::SERVICE_UNAVAILABLE, "certificate_revoked", true)
        }
        CadesError::Key(_) | CadesError::NoCertificate(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "key_unavailable", false)
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal", false),
    }
}

/// How a token key's error is answered: PIN refusals and a missing or pulled card are
/// the user's to know (the message holds no secret); other key errors are logged only.
fn token_error(error: &KeyError) -> Option<(StatusCode, &'static str, bool)> {
    match error {
        KeyError::PinIncorrect { .. } | KeyError::WrongSecret { .. } => {
            Some((StatusCode::FORBIDDEN, "pin_incorrect", true))
        }
        KeyError::PinLocked { .. } => Some((StatusCode::FORBIDDEN, "pin_blocked", true)),
        KeyError::NoSecret { .. } => Some((StatusCode::BAD_REQUEST, "pin_required", true)),
        KeyError::NotFound { .. } | KeyError::Device { .. } => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "key_unavailable", true))
        }
        _ => None,
    }
}

impl IntoResponse for SignError {
    fn into_response(self) -> Response {
        let (status, code, public) = self.classify();
        let message = if public {
            if status.is_server_error() {
                tracing::warn!(error = %self, "signing failed");
            }
            self.to_string()
        } else {
            tracing::error!(
                error = format!("{:#}", anyhow::Error::from(self)),
                "signing failed"
            );
            match code {
                "key_unavailable" => "the signing key is unavailable".to_owned(),
                _ => "internal error".to_owned(),
            }
        };
        (
            status,
            Json(ErrorBody {
                error: code,
                message,
            }),
        )
            .into_response()
    }
}

/// What to sign, as read from the request.
enum Payload {
    Data(Bytes),
    Sha256([u8; 32]),
}

/// A request, read and checked.
struct SignInput {
    payload: Payload,
    key: Option<String>,
    level: Level,
    detached: bool,
}

/// The JSON form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DigestRequest {
    sha256: String,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

/// `POST /v1/sign/cms`: see the module documentation.
///
/// # Errors
/// A [`SignError`], answered as JSON with the status the module documentation lists.
pub async fn sign_cms(
    State(state): State<SignState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, SignError> {
    let body = read_limited(&headers, body, state.max_body_bytes).await?;
    let input = if is_json(&headers)? {
        from_json(uri.query(), &body)?
    } else {
        from_query(uri.query(), body)?
    };
    let key_name = input
        .key
        .clone()
        .unwrap_or_else(|| state.default_key.clone());
    let key = key_for(&state, input.key, &headers)?;
    let signing_time = der::DateTime::from_system_time(SystemTime::now())
        .map_err(|e| SignError::Internal(anyhow::anyhow!("system clock: {e}")))?;
    let (level, detached) = (input.level, input.detached);
    let payload = input.payload;
    let signer = state.clone();
    let der = tokio::task::spawn_blocking(move || {
        let services = LevelServices {
            timestamper: signer.timestamper.as_deref(),
            revocation: signer.revocation.as_deref(),
            extra_certificates: &signer.extra_certificates,
        };
        let content = match &payload {
            Payload::Data(bytes) => Content::Data(bytes),
            Payload::Sha256(digest) => Content::Sha256(*digest),
        };
        let request = CmsRequest {
            content,
            detached,
            level,
            signing_time,
        };
        let key = key.open()?;
        Ok::<_, SignError>(cades::sign_cms(&request, key.as_ref(), &services)?)
    })
    .await
    .map_err(|e| SignError::Internal(e.into()))??;
    tracing::info!(key = %key_name, %level, detached, size = der.len(), "CMS signature made");

    // RFC 8551 §3.2: detached signatures are application/pkcs7-signature (.p7s), SignedData
    // with its content application/pkcs7-mime with smime-type signed-data (.p7m).
    let (media_type, disposition) = if detached {
        (
            "application/pkcs7-signature",
            "attachment; filename=\"smime.p7s\"",
        )
    } else {
        (
            "application/pkcs7-mime; smime-type=signed-data",
            "attachment; filename=\"smime.p7m\"",
        )
    };
    let mut response = Response::new(Body::from(der));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    Ok(response)
}

/// The key a request signs with.
pub(crate) enum KeySource {
    Configured(Arc<dyn SignatureKey>),
    /// Opened for this request with its PIN.
    Piv(PivKeyRef, Pin),
}

impl KeySource {
    /// The key, opened (a token key talks to its card here: call it off async workers).
    pub(crate) fn open(self) -> Result<Arc<dyn SignatureKey>, SignError> {
        Ok(match self {
            Self::Configured(key) => key,
            Self::Piv(reference, pin) => Arc::new(PivKey::open(&reference, pin)?),
        })
    }
}

/// The key `name` (default: the default key) names: a configured key, or a PIV key with
/// the PIN of the request's `Dalel-Pin` header.
pub(crate) fn key_for(
    state: &SignState,
    name: Option<String>,
    headers: &HeaderMap,
) -> Result<KeySource, SignError> {
    let name = name.unwrap_or_else(|| state.default_key.clone());
    if name.starts_with(PIV_PREFIX) {
        let reference: PivKeyRef = name
            .parse()
            .map_err(|e: KeyError| SignError::BadRequest(e.to_string()))?;
        let pin = pin_header(headers)?.ok_or_else(|| SignError::PinRequired(name.clone()))?;
        return Ok(KeySource::Piv(reference, pin));
    }
    state
        .keys
        .get(&name)
        .cloned()
        .map(KeySource::Configured)
        .ok_or(SignError::UnknownKey(name))
}

/// The PIN of the `Dalel-Pin` header, if sent.
fn pin_header(headers: &HeaderMap) -> Result<Option<Pin>, SignError> {
    let Some(value) = headers.get(PIN_HEADER) else {
        return Ok(None);
    };
    // The error never echoes the value.
    Pin::new(value.as_bytes()).map(Some).map_err(|_| {
        SignError::BadRequest("the Dalel-Pin header must hold a PIN of 6 to 8 characters".into())
    })
}

/// The header a token key's PIN travels in.
pub const PIN_HEADER: &str = "dalel-pin";

/// The body, refused as soon as it is known to exceed `limit`: by its declared length
/// before reading, or while reading when the length is not declared.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, SignError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| u64::try_from(limit).is_ok_and(|limit| len > limit)) {
        return Err(SignError::TooLarge { limit });
    }
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| SignError::BadRequest(format!("the body could not be read: {e}")))?;
        if out.len().saturating_add(chunk.len()) > limit {
            return Err(SignError::TooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// Whether the body is the JSON form (media type `application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> Result<bool, SignError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(false);
    };
    let value = value
        .to_str()
        .map_err(|_| SignError::BadRequest("Content-Type is not visible ASCII".into()))?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Ok(essence.eq_ignore_ascii_case("application/json"))
}

fn parse_level(level: Option<&str>) -> Result<Level, SignError> {
    level.map_or(Ok(Level::BB), |name| {
        name.parse()
            .map_err(|e: cades::UnknownLevel| SignError::BadRequest(e.to_string()))
    })
}

/// The digest form.
fn from_json(query: Option<&str>, body: &[u8]) -> Result<SignInput, SignError> {
    if query.is_some_and(|q| !q.is_empty()) {
        return Err(SignError::BadRequest(
            "a JSON request carries its parameters in the body, not the query string".into(),
        ));
    }
    let request: DigestRequest = serde_json::from_slice(body)
        .map_err(|e| SignError::BadRequest(format!("invalid JSON request: {e}")))?;
    let bytes = hex::decode(&request.sha256)
        .map_err(|e| SignError::BadRequest(format!("sha256 is not hexadecimal: {e}")))?;
    let digest: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        SignError::BadRequest(format!(
            "sha256 must be 32 bytes (64 hex digits), not {} bytes",
            bytes.len()
        ))
    })?;
    Ok(SignInput {
        payload: Payload::Sha256(digest),
        key: request.key,
        level: parse_level(request.level.as_deref())?,
        detached: true,
    })
}

/// The data form.
fn from_query(query: Option<&str>, body: Bytes) -> Result<SignInput, SignError> {
    let (mut key, mut level, mut detached) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match &*name {
            "key" => &mut key,
            "level" => &mut level,
            "detached" => &mut detached,
            other => {
                return Err(SignError::BadRequest(format!(
                    "unknown query parameter {other:?}; use key, level and detached"
                )));
            }
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(SignError::BadRequest(format!(
                "query parameter {name:?} is given twice"
            )));
        }
    }
    let detached = match detached.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(SignError::BadRequest(format!(
                "detached must be true or false, not {other:?}"
            )));
        }
    };
    Ok(SignInput {
        payload: Payload::Data(body),
        key,
        level: parse_level(level.as_deref())?,
        detached,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_strict() {
        let ok = from_query(Some("detached=true&level=B-T&key=seal"), Bytes::new()).unwrap();
        assert!(ok.detached);
        assert_eq!(ok.level, Level::BT);
        assert_eq!(ok.key.as_deref(), Some("seal"));
        for bad in ["detached=yes", "level=B-LTA", "key=a&key=b", "colour=red"] {
            assert!(
                matches!(
                    from_query(Some(bad), Bytes::new()),
                    Err(SignError::BadRequest(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn json_needs_a_sha256_digest() {
        let ok = from_json(
            None,
            format!(r#"{{"sha256":"{}"}}"#, "ab".repeat(32)).as_bytes(),
        );
        assert!(matches!(ok, Ok(SignInput { detached: true, .. })));
        for bad in [
            format!(r#"{{"sha256":"{}"}}"#, "ab".repeat(31)),
            r#"{"sha256":"zz"}"#.to_owned(),
            r#"{"sha256":"00","colour":"red"}"#.to_owned(),
        ] {
            assert!(matches!(
                from_json(None, bad.as_bytes()),
                Err(SignError::BadRequest(_))
            ));
        }
        assert!(from_json(Some("level=B-T"), b"{}").is_err());
    }
}
