//! `POST /v1/sign/pdf`: a PAdES signature added to a PDF (see [`crate::pades`]).
//!
//! `multipart/form-data` with the parts: `pdf` (the document, required); `key` (a configured
//! key, or `piv:<reader>/<slot>` with its PIN in the `Dalel-Pin` header); `level` (`B-B`,
//! the default, `B-T`, `B-LT`, `B-LTA`); the placement — `page` and `rect` (`x1,y1,x2,y2`,
//! points) for a new visible field, `field` for an existing empty one, `next_free=true` for
//! the document's next empty signature box, none of them for an invisible signature; `line`
//! (repeatable: the appearance's text), `handwriting` (pen data JSON from the tablet) or
//! `capture` (the archive reference of pen data archived with `kind=handwriting`, see
//! [`crate::pades::load_capture`]), `certify` (`1`, `2` or `3`: DocMDP P), `reason`, `location`, `field_name`.
//!
//! The answer is the signed PDF (`application/pdf`): the original bytes followed by the
//! update(s). Errors as `POST /v1/sign/cms`, plus 400 for an unusable PDF or placement and
//! 409 `locked` when the document's certification forbids another signature; 404
//! `capture_not_found` for a capture reference the archive does not hold.

use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::sign::{SignError, SignState, key_for};
use crate::cades::LevelServices;
use crate::pades::appearance::PenData;
use crate::pades::{
    CaptureError, Certification, PadesError, PadesLevel, PdfSignRequest, Placement, load_capture,
    sign_pdf,
};

/// `POST /v1/sign/pdf`.
///
/// # Errors
/// A [`SignError`] or a PDF error, answered as JSON.
pub async fn sign_pdf_route(
    State(state): State<SignState>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, Response> {
    let bad = |message: String| SignError::BadRequest(message).into_response();
    let mut pdf = None;
    let mut options: Vec<(String, String)> = Vec::new();
    let mut handwriting = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("malformed multipart body: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            bad(format!(
                "part {name:?} could not be read: {}",
                e.body_text()
            ))
        })?;
        match name.as_str() {
            "pdf" if pdf.is_none() => pdf = Some(bytes.to_vec()),
            "handwriting" if handwriting.is_none() => {
                let pen: PenData = serde_json::from_slice(&bytes)
                    .map_err(|e| bad(format!("handwriting is not pen data: {e}")))?;
                handwriting = Some(pen);
            }
            "key" | "level" | "page" | "rect" | "field" | "next_free" | "line" | "certify"
            | "reason" | "location" | "field_name" | "capture" => {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| bad(format!("part {name:?} is not UTF-8 text")))?;
                if name != "line" && options.iter().any(|(n, _)| *n == name) {
                    return Err(bad(format!("part {name:?} is given twice")));
                }
                options.push((name, text.trim().to_owned()));
            }
            other => {
                return Err(bad(format!(
                    "unexpected part {other:?}; see the documentation of POST /v1/sign/pdf"
                )));
            }
        }
    }
    let mut pdf = pdf.ok_or_else(|| bad("the part \"pdf\" is required".into()))?;
    let get = |name: &str| {
        options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let level: PadesLevel = get("level").unwrap_or("B-B").parse().map_err(bad)?;
    let placement = match (get("field"), get("next_free"), get("page"), get("rect")) {
        (Some(field), _, _, _) => Placement::Field(field.to_owned()),
        (None, Some("true"), _, _) => Placement::NextFree,
        (None, _, Some(page), Some(rect)) => Placement::Rect {
            page: page
                .parse()
                .map_err(|_| bad(format!("page {page:?} is not a number")))?,
            rect: parse_rect(rect).map_err(bad)?,
        },
        (None, _, Some(_), None) | (None, _, None, Some(_)) => {
            return Err(bad("page and rect go together".into()));
        }
        _ => Placement::Invisible,
    };
    let certify = match get("certify") {
        None => None,
        Some("1") => Some(Certification::NoChanges),
        Some("2") => Some(Certification::FormFillingAndSigning),
        Some("3") => Some(Certification::Annotations),
        Some(other) => return Err(bad(format!("certify must be 1, 2 or 3, not {other:?}"))),
    };
    let request = PdfSignRequest {
        level,
        placement,
        field_name: get("field_name").map(str::to_owned),
        lines: options
            .iter()
            .filter(|(n, _)| n == "line")
            .map(|(_, v)| v.clone())
            .collect(),
        handwriting,
        certify,
        reason: get("reason").map(str::to_owned),
        location: get("location").map(str::to_owned),
        signing_time: SystemTime::now(),
    };
    let capture = match (get("capture"), &request.handwriting) {
        (Some(_), Some(_)) => return Err(bad("give handwriting or capture, not both".into())),
        (Some(reference), None) => Some(reference.to_owned()),
        (None, _) => None,
    };
    let mut request = request;
    let key_name = get("key").map(str::to_owned);
    let source = key_for(&state, key_name, &headers).map_err(IntoResponse::into_response)?;
    let signer = state.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        if let Some(reference) = capture {
            let archive = signer.captures.as_deref().ok_or_else(|| {
                SignError::BadRequest("this service keeps no captures".to_owned())
            })?;
            let pen = load_capture(archive, &reference).map_err(PdfFailure::Capture)?;
            request.handwriting = Some(pen);
        }
        let key = source.open()?;
        let services = LevelServices {
            timestamper: signer.timestamper.as_deref(),
            revocation: signer.revocation.as_deref(),
            extra_certificates: &signer.extra_certificates,
        };
        let visible = !request.lines.is_empty() || request.handwriting.is_some();
        let font = if visible {
            Some(signer.font.as_deref().ok_or_else(|| {
                SignError::Internal(anyhow::anyhow!(
                    "no font for visible signatures (install fonts-dejavu-core)"
                ))
            })?)
        } else {
            None
        };
        sign_pdf(&mut pdf, &request, key.as_ref(), &services, font)
            .map(|signed| (pdf, signed))
            .map_err(PdfFailure::Pades)
            .map_err(SignError::from)
    })
    .await
    .map_err(|e| SignError::Internal(e.into()).into_response())?;
    let (pdf, signed) = outcome.map_err(IntoResponse::into_response)?;
    tracing::info!(field = %signed.field, %level, size = pdf.len(), "PDF signed");
    let mut response = Response::new(Body::from(pdf));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    Ok(response)
}

/// A PAdES failure, for [`SignError`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub enum PdfFailure {
    /// As the PAdES signer reported it.
    Pades(PadesError),
    /// The handwritten capture named could not be used.
    Capture(CaptureError),
}

impl PdfFailure {
    /// Status, code, and whether the message may be sent.
    pub(crate) fn classify(&self) -> (StatusCode, &'static str, bool) {
        let e = match self {
            Self::Pades(e) => e,
            Self::Capture(CaptureError::NotFound(_)) => {
                return (StatusCode::NOT_FOUND, "capture_not_found", true);
            }
            // Read back altered, or the archive failing: the store's business, not the
            // client's (logged in full).
            Self::Capture(CaptureError::Archive(_)) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, "internal", false);
            }
            Self::Capture(_) => return (StatusCode::BAD_REQUEST, "bad_request", true),
        };
        match e {
            PadesError::Pdf(_) | PadesError::Placement(_) | PadesError::Appearance(_) => {
                (StatusCode::BAD_REQUEST, "bad_request", true)
            }
            PadesError::Locked(_) => (StatusCode::CONFLICT, "locked", true),
            PadesError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", true),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal", false),
        }
    }
}

fn parse_rect(s: &str) -> Result<[f32; 4], String> {
    let values: Vec<f32> = s
        .split(',')
        .map(|v| v.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("rect {s:?} is not x1,y1,x2,y2"))?;
    <[f32; 4]>::try_from(values).map_err(|_| format!("rect {s:?} is not four numbers"))
}
