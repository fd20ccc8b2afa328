//! Authentication of every route but the health check: a bearer API token (see
//! [`crate::tokens`]) or the token of an EDS login session (see [`crate::eds`]). The holder's
//! name (`eds:<IIN>` for a session) travels on in the request as a [`Principal`].

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use super::ApiError;
use crate::eds::{SESSION_PREFIX, SessionStore};
use crate::tokens::TokenStore;

/// What a bearer token is checked against.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) tokens: Arc<TokenStore>,
    pub(crate) sessions: Arc<SessionStore>,
}

/// Who made an authenticated request: the name of the API token presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(pub String);

/// Lets the request through only with a current API token; otherwise 401. The token itself
/// is never logged.
pub(crate) async fn require_token(
    State(credentials): State<Credentials>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let Some(token) = presented else {
        return Err(ApiError::Unauthorized);
    };
    if token.starts_with(SESSION_PREFIX) {
        let Some(session) = credentials.sessions.find(token) else {
            tracing::warn!(path = %request.uri().path(), "request with an unknown or ended EDS session refused");
            return Err(ApiError::Unauthorized);
        };
        tracing::debug!(iin = %session.iin, "authenticated by EDS session");
        request
            .extensions_mut()
            .insert(Principal(format!("eds:{}", session.iin)));
        request.extensions_mut().insert(session);
        return Ok(next.run(request).await);
    }
    // On the async worker: a `stat` of the token file, and a read of that small file only
    // when it changed, cost less than a trip to the blocking pool on every request.
    let holder = credentials
        .tokens
        .authenticate(token)
        .map_err(|e| ApiError::Internal(e.into()))?;
    match holder {
        Some(name) => {
            tracing::debug!(principal = %name, "authenticated");
            request.extensions_mut().insert(Principal(name));
            Ok(next.run(request).await)
        }
        None => {
            tracing::warn!(path = %request.uri().path(), "request with an unknown API token refused");
            Err(ApiError::Unauthorized)
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header value (RFC 6750 §2.1; the scheme
/// name is case-insensitive).
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
