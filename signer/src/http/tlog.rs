//! The log as static C2SP `tlog-tiles` resources, for generic transparency-log clients.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::ApiError;
use super::archive::{ArchiveState, latest_or, text};

/// `GET /tlog/checkpoint`: the latest checkpoint, covering the whole log.
pub(crate) async fn checkpoint(State(state): State<ArchiveState>) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let checkpoint = tokio::task::spawn_blocking(move || latest_or(&archive, None))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    Ok(text(checkpoint.note))
}
