//! The HTTP API. [`app`] builds the router (tests drive it with `tower::ServiceExt::oneshot`);
//! [`serve`] runs it on a listener until a shutdown signal, then drains in-flight requests.

mod archive;
mod auth;
mod eds;
mod error;
mod health;
pub mod sign;
pub mod sign_pdf;
mod tlog;
pub mod tsp;
pub mod verify;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use auth::Principal;
pub use error::ApiError;

use crate::config::{ArchiveConfig, ServerConfig};
use crate::tokens::TokenStore;

/// What the service runs on: its configuration and the stores it opened.
#[derive(Debug, Clone)]
pub struct Services {
    /// `[server]` limits.
    pub server: ServerConfig,
    /// `[archive]` limits.
    pub archive_limits: ArchiveConfig,
    /// The evidence archive.
    pub archive: Arc<::archive::Archive>,
    /// The API tokens clients authenticate with.
    pub tokens: Arc<TokenStore>,
    /// What `POST /v1/verify` trusts and checks.
    pub verify_policy: Arc<verifier::validation::ValidationPolicy>,
    /// `[verify]` limits.
    pub verify_limits: crate::config::VerifyConfig,
    /// What `POST /v1/sign/cms` signs with.
    pub sign: sign::SignState,
    /// The authority behind `POST /v1/tsp`, when `[tsa] enabled`.
    pub tsp: Option<tsp::TspState>,
    /// EDS login: challenges and the sessions logins open.
    pub eds: Arc<crate::eds::Authenticator>,
}

/// Builds the service's router. Limits and authentication are layers here, where the routes
/// are declared: every route but `/healthz` requires an API token.
pub fn app(services: Services) -> Router {
    let state = archive::ArchiveState {
        archive: services.archive,
        limits: services.archive_limits.clone(),
    };
    // Uploads stream gigabytes: their own size limit (enforced while hashing) and timeout.
    let upload = Router::new()
        .route("/v1/archive", post(archive::put))
        .layer(DefaultBodyLimit::disable())
        .layer(timeout(services.archive_limits.upload_timeout));
    let protected = Router::new()
        .route("/v1/archive/{reference}", get(archive::get))
        .route("/v1/archive/{reference}/entry", get(archive::entry))
        .route("/v1/archive/{reference}/proof", get(archive::proof))
        .route("/v1/checkpoint", get(archive::checkpoint))
        .route("/v1/checkpoint/key", get(archive::public_key))
        .route("/v1/checkpoint/{size}/timestamp", get(archive::timestamp))
        .route("/v1/consistency", get(archive::consistency))
        .route("/tlog/checkpoint", get(tlog::checkpoint))
        .route("/tlog/tile/{*path}", get(tlog::tile))
        .layer(DefaultBodyLimit::max(services.server.max_body_bytes))
        .layer(timeout(services.server.request_timeout))
        .merge(upload)
        .with_state(state);
    let verify = Router::new()
        .route("/v1/verify", post(verify::verify))
        .layer(DefaultBodyLimit::max(services.verify_limits.max_body_bytes))
        .layer(timeout(services.server.request_timeout))
        .with_state(services.verify_policy);
    let sign = Router::new()
        .route("/v1/sign/cms", post(sign::sign_cms))
        .route("/v1/sign/pdf", post(sign_pdf::sign_pdf_route))
        .layer(DefaultBodyLimit::max(services.sign.max_body_bytes))
        .layer(timeout(services.server.request_timeout))
        .with_state(services.sign);
    let sessions = Arc::clone(services.eds.sessions());
    let eds = Router::new()
        .route("/v1/auth/eds/challenge", post(eds::challenge))
        .route("/v1/auth/eds", post(eds::login))
        .route("/v1/auth/session", get(eds::session).delete(eds::logout))
        .layer(DefaultBodyLimit::max(services.server.max_body_bytes))
        .layer(timeout(services.server.request_timeout))
        .with_state(services.eds);
    let mut protected = protected.merge(verify).merge(sign).merge(eds);
    if let Some(tsp) = services.tsp {
        // RFC 3161 queries are a few hundred bytes; the general body limit is plenty.
        protected = protected.merge(
            Router::new()
                .route("/v1/tsp", post(tsp::tsp))
                .layer(DefaultBodyLimit::max(services.server.max_body_bytes))
                .layer(timeout(services.server.request_timeout))
                .with_state(tsp),
        );
    }
    let protected = protected.route_layer(from_fn_with_state(
        auth::Credentials {
            tokens: services.tokens,
            sessions,
        },
        auth::require_token,
    ));
    Router::new()
        .route("/healthz", get(health::healthz))
        .layer(timeout(services.server.request_timeout))
        .merge(protected)
        .fallback(not_found)
        .layer(map_response(close_after_error))
        .layer(TraceLayer::new_for_http())
}

/// An error answer may leave the request body unread (a refused token, an unknown key, a
/// body declared too large), and hyper then closes the connection. `Connection: close` says
/// so in the answer (RFC 9112 §9.6), so that a client does not send its next request down a
/// connection that is about to close.
async fn close_after_error(mut response: Response) -> Response {
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

impl Services {
    /// Opens the stores under the data directory `data` for `config`. On first start this
    /// creates an API token and writes it to `auth/initial-token` for the operator.
    pub fn open(data: &std::path::Path, config: &crate::config::Config) -> anyhow::Result<Self> {
        use anyhow::Context;
        let station = crate::station::Station::open(data, config)?;
        let archive_dir = data.join("archive");
        let archive = Arc::new(
            station
                .open_archive(&archive_dir)
                .with_context(|| format!("cannot open the archive {}", archive_dir.display()))?,
        );
        let tokens = TokenStore::new(data);
        if let Some(path) = crate::tokens::create_initial_token(&tokens)? {
            tracing::info!(path = %path.display(), "first start: an API token was written here");
        }
        let verify_policy = verify::policy(&config.verify, &station, &archive_dir)
            .context("cannot set up [verify]")?;
        let sign = sign::SignState {
            keys: station.key_map(),
            default_key: station.default_key.clone(),
            timestamper: station.timestamper.clone(),
            revocation: Some(std::sync::Arc::clone(&station.revocation)),
            extra_certificates: station.tsa_issuers().into(),
            max_body_bytes: config.signing.max_body_bytes,
            font: match crate::pades::appearance::FontFile::load(
                crate::pades::appearance::FontFile::DEJAVU_SANS,
            ) {
                Ok(font) => Some(Arc::new(font)),
                Err(e) => {
                    tracing::warn!(error = %e, "no font: visible PDF signatures are refused");
                    None
                }
            },
            captures: Some(Arc::clone(&archive)),
        };
        let verify_policy = Arc::new(verify_policy);
        let eds = Arc::new(crate::eds::Authenticator::new(
            archive.origin().to_owned(),
            Arc::clone(&verify_policy),
            Arc::new(crate::eds::SessionStore::default()),
            config.auth.session_lifetime,
        ));
        let tsp = station.authority.as_ref().map(|authority| tsp::TspState {
            authority: Arc::clone(authority),
        });
        Ok(Self {
            server: config.server.clone(),
            archive_limits: config.archive.clone(),
            archive,
            tokens: Arc::new(tokens),
            verify_policy,
            verify_limits: config.verify.clone(),
            sign,
            tsp,
            eds,
        })
    }
}

fn timeout(limit: Duration) -> TimeoutLayer {
    TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limit)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// for at most `grace` before returning.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown => {}
    }
    tracing::info!(grace = ?grace, "shutting down; draining in-flight requests");
    let _ = stop_tx.send(());
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(grace = ?grace, "in-flight requests still running after the grace period; stopping anyway");
            Ok(())
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM, logging which one arrived.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            // Without a SIGTERM handler only Ctrl-C stops the service; say so.
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

#[cfg(test)]
mod tests;
