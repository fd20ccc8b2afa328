//! The evidence archive over HTTP: upload, download, entries, receipts, checkpoints and
//! consistency proofs. The archive's calls block on disk, so they run on the blocking pool.

use std::io;
use std::sync::Arc;

use archive::{Archive, Description, Reference, SignedCheckpoint};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::ApiError;
use super::auth::Principal;
use crate::config::ArchiveConfig;

/// What the archive routes share.
#[derive(Clone)]
pub(crate) struct ArchiveState {
    pub(crate) archive: Arc<Archive>,
    pub(crate) limits: ArchiveConfig,
}

/// Runs a blocking archive call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
}

/// `POST /v1/archive?case=N&kind=K&meta=KEY=VALUE...`: the body is the item, streamed to disk
/// and hashed on the way (never buffered whole); its `Content-Type` is recorded as the media
/// type. Answers 201 with the receipt once the item is durable and covered by a checkpoint.
pub(crate) async fn put(
    State(state): State<ArchiveState>,
    principal: Option<axum::Extension<Principal>>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, ApiError> {
    let description = description(uri.query().unwrap_or(""), &headers)?;
    let limit = state.limits.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let stream = body.into_data_stream().map_err(io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let mut reader = tokio_util::io::SyncIoBridge::new(reader);
    let archive = Arc::clone(&state.archive);
    let receipt = blocking(move || {
        let index = archive.append(&mut reader, &description, Some(limit))?;
        Ok(archive.receipt(index)?)
    })
    .await?;
    let who = principal.map(|p| p.0.0).unwrap_or_default();
    tracing::info!(principal = %who, index = receipt.index, "archived");
    let location = format!("/v1/archive/{}", receipt.index);
    let mut response = (StatusCode::CREATED, Json(receipt.to_json())).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The item's description from the query string and the `Content-Type` header.
fn description(query: &str, headers: &HeaderMap) -> Result<Description, ApiError> {
    let mut description = Description::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "case" => description.case = Some(value.into_owned()),
            "kind" => description.kind = Some(value.into_owned()),
            "meta" => {
                let (k, v) = value.split_once('=').ok_or_else(|| {
                    ApiError::BadRequest(format!("meta {value:?} is not KEY=VALUE"))
                })?;
                if description
                    .meta
                    .insert(k.to_owned(), v.to_owned())
                    .is_some()
                {
                    return Err(ApiError::BadRequest(format!(
                        "meta key {k:?} is given twice"
                    )));
                }
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter {other:?}; use case, kind and meta=KEY=VALUE"
                )));
            }
        }
    }
    if let Some(media_type) = headers.get(header::CONTENT_TYPE) {
        let media_type = media_type
            .to_str()
            .map_err(|_| ApiError::BadRequest("Content-Type is not visible ASCII".into()))?;
        description.media_type = Some(media_type.to_owned());
    }
    description
        .validate()
        .map_err(|e| ApiError::BadRequest(format!("invalid description: {e}")))?;
    Ok(description)
}

/// `GET /v1/archive/{ref}`: the item's bytes, re-hashed on the way out. A mismatch found
/// after the headers are sent aborts the response, so a client never receives damaged bytes
/// as a complete, successful download; `Repr-Digest` (RFC 9530) lets it check too.
pub(crate) async fn get(
    State(state): State<ArchiveState>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let (index, entry) = blocking(move || {
        let index = archive.resolve(reference.parse::<Reference>()?)?;
        Ok((index, archive.entry(index)?))
    })
    .await?;
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let archive = Arc::clone(&state.archive);
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter(tx.clone());
        if let Err(e) = archive.copy_to(index, &mut out) {
            if matches!(e, archive::ArchiveError::Mismatch { .. }) {
                tracing::error!(index, error = %e, "download aborted: stored evidence is damaged");
            } else {
                tracing::debug!(index, error = %e, "download ended early");
            }
            let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    let media_type = HeaderValue::from_str(&entry.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(entry.size));
    // Stored evidence is served for saving, never rendered by a browser.
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(sha256) = entry.sha256_bytes()
        && let Ok(value) = HeaderValue::from_str(&format!("sha-256=:{}:", B64.encode(sha256)))
    {
        headers.insert("repr-digest", value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", entry.blake3)) {
        headers.insert(header::ETAG, value);
    }
    headers.insert("x-dalel-entry", HeaderValue::from(index));
    Ok(response)
}

/// Hands the bytes `copy_to` writes to the response body.
struct ChannelWriter(mpsc::Sender<io::Result<Bytes>>);

impl io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `GET /v1/archive/{ref}/entry`: the entry (the Merkle leaf) as JSON.
pub(crate) async fn entry(
    State(state): State<ArchiveState>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let bytes = blocking(move || {
        let index = archive.resolve(reference.parse::<Reference>()?)?;
        Ok(archive
            .log()
            .entry(index)
            .map_err(archive::ArchiveError::from)?)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// A query string parsed into `T`; a bad one is a JSON 400 like every other error.
pub(crate) struct ParsedQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ParsedQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
    }
}

/// Which checkpoint a proof is against.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AtCheckpoint {
    /// Tree size of a stored checkpoint; default the latest.
    checkpoint: Option<u64>,
}

/// `GET /v1/archive/{ref}/proof[?checkpoint=SIZE]`: the offline receipt in C2SP `tlog-proof`
/// form, for `dalel-verify receipt`.
pub(crate) async fn proof(
    State(state): State<ArchiveState>,
    Path(reference): Path<String>,
    ParsedQuery(at): ParsedQuery<AtCheckpoint>,
) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let receipt = blocking(move || {
        let index = archive.resolve(reference.parse::<Reference>()?)?;
        Ok(match at.checkpoint {
            Some(size) => archive.receipt_at(index, size)?,
            None => archive.receipt(index)?,
        })
    })
    .await?;
    Ok(text(receipt.to_tlog_proof()))
}

/// Which checkpoint to show.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckpointQuery {
    /// Tree size of a stored checkpoint; default the latest, covering every entry.
    size: Option<u64>,
}

/// `GET /v1/checkpoint[?size=N]`: a signed checkpoint note. Without `size`, one covering the
/// whole log (signed now if needed, at most once a second).
pub(crate) async fn checkpoint(
    State(state): State<ArchiveState>,
    ParsedQuery(query): ParsedQuery<CheckpointQuery>,
) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let checkpoint = blocking(move || latest_or(&archive, query.size)).await?;
    Ok(text(checkpoint.note))
}

/// The stored checkpoint of `size`, or one covering the whole log.
pub(crate) fn latest_or(
    archive: &Archive,
    size: Option<u64>,
) -> Result<SignedCheckpoint, ApiError> {
    Ok(match size {
        Some(size) => archive.stored_checkpoint(size)?,
        None => match archive.size() {
            0 => archive.checkpoint()?,
            n => archive.checkpoint_covering(n - 1)?,
        },
    })
}

/// `GET /v1/checkpoint/key`: the checkpoint public key (PEM), for `dalel-verify receipt
/// --key`. A verifier should pin it from a trusted channel, not fetch it with each proof.
pub(crate) async fn public_key(State(state): State<ArchiveState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        state.archive.public_key_pem().to_owned(),
    )
        .into_response()
}

/// `GET /v1/checkpoint/{size}/timestamp`: the RFC 3161 TimeStampToken (DER CMS) over the SHA-256 of the
/// stored checkpoint note of `size` entries.
pub(crate) async fn timestamp(
    State(state): State<ArchiveState>,
    Path(size): Path<u64>,
) -> Result<Response, ApiError> {
    let archive = Arc::clone(&state.archive);
    let token = blocking(move || {
        archive.stored_checkpoint(size)?;
        archive.checkpoint_timestamp(size)?.ok_or_else(|| {
            ApiError::Missing(format!(
                "the checkpoint of {size} entries has no time-stamp"
            ))
        })
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/pkcs7-mime")], token).into_response())
}

/// The two tree sizes of a consistency proof.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sizes {
    from: u64,
    to: u64,
}

/// `GET /v1/consistency?from=M&to=N`: the RFC 9162 §2.1.4 consistency proof between two tree
/// sizes, as JSON with base64 hashes.
pub(crate) async fn consistency(
    State(state): State<ArchiveState>,
    ParsedQuery(Sizes { from, to }): ParsedQuery<Sizes>,
) -> Result<Response, ApiError> {
    if from == 0 || from > to {
        return Err(ApiError::BadRequest(format!(
            "need 0 < from <= to, got from={from} to={to}"
        )));
    }
    let archive = Arc::clone(&state.archive);
    let proof = blocking(move || {
        Ok(archive
            .log()
            .consistency_proof(from, to)
            .map_err(archive::ArchiveError::from)?)
    })
    .await?;
    let proof: Vec<String> = proof.iter().map(|h| B64.encode(h)).collect();
    Ok(Json(serde_json::json!({ "from": from, "to": to, "proof": proof })).into_response())
}

/// A `text/plain` answer.
pub(crate) fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
