//! The one error type HTTP handlers return. It decides the status code and what the client
//! sees; internal detail is logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use archive::ArchiveError;
use archive::blob::BlobError;
use archive::log::LogError;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No route matches the request.
    #[error("no such endpoint: {method} {path}")]
    NotFound {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// No valid credential was presented.
    #[error("a valid API token is required: send `Authorization: Bearer <token>`")]
    Unauthorized,
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the route accepts.
    #[error("the request body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The thing asked for does not exist.
    #[error("{0}")]
    Missing(String),
    /// Stored evidence no longer matches what was recorded: the caller must know, and the
    /// operator must audit the store.
    #[error("{0}")]
    Damaged(String),
    /// The store has no space left; nothing was kept of the request.
    #[error("the archive's storage is full; nothing was stored")]
    StorageFull,
    /// The item is archived, but its receipt could not be made yet; it must not be sent again.
    #[error(
        "archived as entry {index}, but no checkpoint could be signed yet; do not send it again, ask GET /v1/archive/{index}/proof later"
    )]
    NoReceipt {
        /// The entry the item now is.
        index: u64,
    },
    /// An EDS login was refused; the message says which check failed.
    #[error("login refused: {0}")]
    LoginRefused(String),
    /// The service is at a capacity limit; try again later.
    #[error("{0}")]
    Busy(String),
    /// A failure inside the service; the client gets a generic message.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    /// A stable, machine-readable code.
    error: &'a str,
    /// A sentence for people.
    message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::Missing(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Damaged(_) => (StatusCode::INTERNAL_SERVER_ERROR, "damaged"),
            Self::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, "storage_full"),
            Self::NoReceipt { .. } => (StatusCode::SERVICE_UNAVAILABLE, "no_receipt"),
            Self::LoginRefused(_) => (StatusCode::FORBIDDEN, "login_refused"),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            Self::Internal(source) => {
                tracing::error!(error = format!("{source:#}"), "request failed");
            }
            Self::Damaged(what) => tracing::error!(what, "stored evidence is damaged"),
            Self::StorageFull => tracing::error!("storage full"),
            _ => {}
        }
        let body = ErrorBody {
            error: code,
            message: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: say which scheme is expected.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"dalel\""),
            );
        }
        response
    }
}

impl From<ArchiveError> for ApiError {
    fn from(error: ArchiveError) -> Self {
        match error {
            ArchiveError::NotFound(_) => Self::Missing(error.to_string()),
            ArchiveError::Log(LogError::NoSuchEntry { .. }) => Self::Missing(error.to_string()),
            ArchiveError::BadReference(_) | ArchiveError::Description(_) => {
                Self::BadRequest(error.to_string())
            }
            ArchiveError::Blob(BlobError::TooLarge { limit }) => Self::TooLarge { limit },
            ArchiveError::Blob(BlobError::Source(source)) => {
                Self::BadRequest(format!("the upload could not be read: {source}"))
            }
            ArchiveError::NoReceipt { index, cause } => {
                tracing::error!(index, error = %cause, "archived without a receipt");
                Self::NoReceipt { index }
            }
            ArchiveError::Mismatch { .. } | ArchiveError::Damaged(_) => {
                Self::Damaged(error.to_string())
            }
            _ if is_storage_full(&error) => Self::StorageFull,
            _ => Self::Internal(error.into()),
        }
    }
}

/// Whether an I/O error somewhere in `error`'s causes is ENOSPC or EDQUOT.
fn is_storage_full(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        {
            return true;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_detail_is_not_sent() {
        let response =
            ApiError::Internal(anyhow::anyhow!("disk /secret/path exploded")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("\"internal\""), "{text}");
    }

    #[tokio::test]
    async fn not_found_says_what_was_asked() {
        let response = ApiError::NotFound {
            method: "GET".into(),
            path: "/nope".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "not_found");
        assert_eq!(json["message"], "no such endpoint: GET /nope");
    }
}
