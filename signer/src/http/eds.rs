//! EDS login over HTTP (see [`crate::eds`]):
//!
//! - `POST /v1/auth/eds/challenge` → `{"challenge": ID, "to_sign": B64, "expires_in": SECS}`;
//! - `POST /v1/auth/eds` with `{"challenge": ID, "certificate": B64-DER, "chain": [B64-DER],
//!   "signature": B64}` → `{"token": "dalel_eds_…", "session": {...}, "validation": {...}}`,
//!   or 403 `login_refused` saying which check failed;
//! - `GET /v1/auth/session` → the session the bearer token opened;
//!   `DELETE /v1/auth/session` ends it.
//!
//! The first two need the terminal application's API token like every other route: a login
//! adds a person (the IIN) to a trusted client, it does not let arbitrary clients in.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiError;
use crate::eds::{Authenticator, ChallengeError, LoginError, LoginRequest, SESSION_PREFIX};

/// The body of `POST /v1/auth/eds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    challenge: String,
    certificate: String,
    #[serde(default)]
    chain: Vec<String>,
    signature: String,
}

pub(crate) async fn challenge(
    State(auth): State<Arc<Authenticator>>,
) -> Result<Json<Value>, ApiError> {
    let challenge = auth.challenge().map_err(|e| match e {
        ChallengeError::Busy => ApiError::Busy(e.to_string()),
        other => ApiError::Internal(other.into()),
    })?;
    Ok(Json(json!({
        "challenge": challenge.id,
        "to_sign": B64.encode(&challenge.to_sign),
        "expires_in": challenge.expires_in.as_secs(),
    })))
}

pub(crate) async fn login(
    State(auth): State<Arc<Authenticator>>,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let decode = |what: &str, b64: &str| {
        B64.decode(b64.trim())
            .map_err(|e| ApiError::BadRequest(format!("`{what}` is not base64: {e}")))
    };
    let request = LoginRequest {
        certificate: decode("certificate", &body.certificate)?,
        chain: body
            .chain
            .iter()
            .map(|c| decode("chain", c))
            .collect::<Result<_, _>>()?,
        signature: decode("signature", &body.signature)?,
        challenge: body.challenge,
    };
    // Path validation may read or fetch revocation data.
    let outcome = tokio::task::spawn_blocking(move || auth.login(&request))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    match outcome {
        Ok(outcome) => Ok((
            StatusCode::OK,
            Json(json!({
                "token": outcome.token,
                "session": outcome.session,
                "validation": outcome.validation,
            })),
        )),
        Err(LoginError::Session(e)) => Err(ApiError::Busy(e.to_string())),
        Err(e) => {
            tracing::warn!(reason = %e, "EDS login refused");
            Err(ApiError::LoginRefused(e.to_string()))
        }
    }
}

pub(crate) async fn session(
    State(auth): State<Arc<Authenticator>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let token = session_token(&headers)?;
    let session = auth
        .sessions()
        .find(token)
        .ok_or_else(|| ApiError::Missing("the session has ended".into()))?;
    Ok(Json(json!({ "session": session })))
}

pub(crate) async fn logout(
    State(auth): State<Arc<Authenticator>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = session_token(&headers)?;
    auth.sessions().close(token);
    Ok(StatusCode::NO_CONTENT)
}

/// The session token the request authenticated with; an API token is not a session.
fn session_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::auth::bearer_token)
        .filter(|t| t.starts_with(SESSION_PREFIX))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "the request was made with an API token, not an EDS session".into(),
            )
        })
}
