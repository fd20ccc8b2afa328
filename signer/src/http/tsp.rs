//! `POST /v1/tsp`: the time-stamp authority over HTTP (RFC 3161 §3.4).
//!
//! The body is a DER `TimeStampReq` sent as `application/timestamp-query`; the answer is
//! `200 OK` with a DER `TimeStampResp` as `application/timestamp-reply`, whether it grants a
//! token or refuses one (the refusal and its reason are in the response's `PKIStatusInfo`,
//! as RFC 3161 clients expect). Only a wrong media type is an HTTP error (415).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::tsa::{Authority, TIMESTAMP_QUERY, TIMESTAMP_REPLY};

/// What `POST /v1/tsp` needs.
#[derive(Debug, Clone)]
pub struct TspState {
    /// The authority that answers.
    pub authority: Arc<Authority>,
}

/// `POST /v1/tsp`. Signing (and, once per block of serial numbers, an fsync) runs on the
/// blocking pool, so a slow key — RSA, a token — never stalls the async workers.
pub async fn tsp(State(state): State<TspState>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_query(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "a time-stamp request is sent as Content-Type: {TIMESTAMP_QUERY} (RFC 3161 §3.4)"
            ),
        );
    }
    let authority = Arc::clone(&state.authority);
    match tokio::task::spawn_blocking(move || authority.respond(&body)).await {
        Ok(reply) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(TIMESTAMP_REPLY),
            )],
            reply,
        )
            .into_response(),
        Err(join) => {
            tracing::error!(error = %join, "the time-stamp authority's task failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error".to_owned(),
            )
        }
    }
}

/// Whether the media type (parameters aside, case-insensitively) is RFC 3161's query.
fn is_query(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(TIMESTAMP_QUERY))
}

/// The JSON error body the other routes answer with (`crate::http::ApiError`).
fn error(status: StatusCode, code: &'static str, message: String) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response()
}
