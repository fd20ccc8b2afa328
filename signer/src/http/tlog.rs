//! The log as static C2SP `tlog-tiles` resources under `/tlog/`, for generic
//! transparency-log clients: `checkpoint`, `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`.

use std::sync::Arc;

use archive::tiles::{TileError, TileRef, read_tile};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::archive::{ArchiveState, latest_or, text};

/// `GET /tlog/checkpoint`: the latest checkpoint, covering the whole log.
pub(crate) async fn checkpoint(State(state): State<ArchiveState>) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let checkpoint = tokio::task::spawn_blocking(move || latest_or(&archive, None))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    let mut response = text(checkpoint.note);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    Ok(response)
}

/// `GET /tlog/tile/{path}`: a tile or entry bundle inside the latest signed checkpoint's
/// tree. Such a tile never changes, so it may be cached for good.
pub(crate) async fn tile(
    State(state): State<ArchiveState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let tile = TileRef::parse(&format!("tile/{path}"))
        .map_err(|e| ApiError::BadRequest(format!("tile/{path} is not a tile path: {e}")))?;
    let archive = Arc::clone(&state.archive);
    let bytes = tokio::task::spawn_blocking(move || {
        let tree_size = archive.latest_checkpoint().map_or(0, |c| c.size);
        read_tile(archive.log(), &tile, tree_size)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| match e {
        TileError::NotFound { .. } => ApiError::Missing(e.to_string()),
        TileError::BadPath(_) | TileError::InvalidTile(_) => ApiError::BadRequest(e.to_string()),
        other => ApiError::Internal(other.into()),
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}
