//! `POST /v1/verify`: the validation report of a CMS signature, an RFC 3161 time-stamp or a
//! signed PDF, against the trust configured in `[verify]`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use verifier::pades::{is_pdf, validate_pdf};
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::revocation::{NetworkOptions, RevocationOptions, SourceOrigin};
use verifier::validation::{ValidationPolicy, validate};

use super::ApiError;
use crate::config::VerifyConfig;
use crate::station::Station;
use der::Encode as _;

/// The note every report carries under the embedded default.
pub const DEVELOPMENT_TRUST_NOTE: &str = "embedded default: only this station's development CA is trusted (DEVELOPMENT, NOT FOR EVIDENCE); configure [verify] trust for real anchors";

/// Builds the validation policy of `[verify]`. With no anchors configured it trusts the
/// station's development root (and the archive's older development authority in
/// `archive_dir`, if the store has one), and says so in every report.
pub fn policy(
    config: &VerifyConfig,
    station: &Station,
    archive_dir: &Path,
) -> anyhow::Result<ValidationPolicy> {
    let mut policy = ValidationPolicy::default();
    let (trust, note) = if config.trust.is_empty() {
        if let Some(dev) = &station.dev_pki {
            policy
                .anchors
                .push(TrustAnchor::from_der(&dev.root().to_der()?)?);
        }
        let older = archive_dir
            .join("tsa")
            .join(archive::timestamp::CERTIFICATE_FILE);
        let older = if older.exists() {
            vec![older]
        } else {
            Vec::new()
        };
        if policy.anchors.is_empty() && older.is_empty() {
            anyhow::bail!("[verify] trust is empty and there is no development CA to default to");
        }
        (older, Some(DEVELOPMENT_TRUST_NOTE.to_owned()))
    } else {
        (config.trust.clone(), None)
    };
    for path in &trust {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read trust anchor {}", path.display()))?;
        let certificates = parse_certificates(&bytes)
            .with_context(|| format!("trust anchor {}", path.display()))?;
        policy
            .anchors
            .extend(certificates.into_iter().map(TrustAnchor::from_certificate));
    }
    for path in &config.intermediates {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read intermediate {}", path.display()))?;
        policy.intermediates.extend(
            parse_certificates(&bytes)
                .with_context(|| format!("intermediate {}", path.display()))?,
        );
    }
    for path in &config.crls {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read CRL {}", path.display()))?;
        if policy
            .revocation_sources
            .add_crls(&bytes, SourceOrigin::Supplied)
            == 0
        {
            anyhow::bail!("{} holds no CRL", path.display());
        }
    }
    if config.revocation {
        let mut options = RevocationOptions::default();
        if config.network {
            options.network = Some(NetworkOptions::default());
        }
        policy.revocation = Some(options);
    }
    policy.trust_note = note;
    Ok(policy)
}

/// `POST /v1/verify` (multipart/form-data): `signature` (the CMS or time-stamp, DER or PEM,
/// or a signed PDF, recognised by its `%PDF-` header), optional `data` (detached content;
/// not with a PDF), optional `expect_iin` and `expect_bin`. Answers 200 with the JSON
/// validation report whatever its verdict (for a PDF, the `dalel-pdf-validation-report/1`
/// form: every signature and document time-stamp, and what changed after each); 400 when
/// the input is not a signature or a field is wrong.
pub(crate) async fn verify(
    State(policy): State<Arc<ValidationPolicy>>,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let mut signature = None;
    let mut data = None;
    let mut expect_iin = None;
    let mut expect_bin = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::BadRequest(format!(
                "field {name:?} could not be read: {}",
                e.body_text()
            ))
        })?;
        let slot = match name.as_str() {
            "signature" => &mut signature,
            "data" => &mut data,
            "expect_iin" => &mut expect_iin,
            "expect_bin" => &mut expect_bin,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown field {other:?}; use signature, data, expect_iin, expect_bin"
                )));
            }
        };
        if slot.replace(bytes).is_some() {
            return Err(ApiError::BadRequest(format!(
                "field {name:?} is given twice"
            )));
        }
    }
    let signature = signature
        .ok_or_else(|| ApiError::BadRequest("the field \"signature\" is required".into()))?;
    let text = |field: &str, value: Option<axum::body::Bytes>| {
        value
            .map(|v| {
                String::from_utf8(v.to_vec())
                    .map(|s| s.trim().to_owned())
                    .map_err(|_| ApiError::BadRequest(format!("{field} is not UTF-8 text")))
            })
            .transpose()
    };
    let mut policy = (*policy).clone();
    policy.expect_iin = text("expect_iin", expect_iin)?;
    policy.expect_bin = text("expect_bin", expect_bin)?;
    if is_pdf(&signature) {
        if data.is_some() {
            return Err(ApiError::BadRequest(
                "the field \"data\" does not apply to a PDF: its signatures cover the file itself"
                    .into(),
            ));
        }
        let report = tokio::task::spawn_blocking(move || {
            validate_pdf(&signature, &policy).map_err(|e| ApiError::BadRequest(e.to_string()))
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
        return Ok(Json(report).into_response());
    }
    let report = tokio::task::spawn_blocking(move || {
        validate(&signature, data.as_deref(), &policy)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))??;
    Ok(Json(report).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use tower::ServiceExt as _;

    const BOUNDARY: &str = "dalel-test-boundary";

    fn multipart(fields: &[(&str, &[u8])]) -> Request<Body> {
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        Request::post("/v1/verify")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap()
    }

    async fn send(request: Request<Body>) -> (StatusCode, serde_json::Value) {
        let policy = ValidationPolicy {
            revocation: None,
            ..ValidationPolicy::default()
        };
        let app = Router::new()
            .route("/v1/verify", post(verify))
            .with_state(Arc::new(policy));
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap_or_default())
    }

    fn vector(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/vectors/pdf")
                .join(name),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_pdf_gets_the_pdf_report() {
        let pdf = vector("coverage-anomalies/tail-uncovered.pdf");
        let (status, report) = send(multipart(&[("signature", &pdf)])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report["schema"], "dalel-pdf-validation-report/1");
        assert_eq!(report["indication"], "TOTAL-FAILED");
        assert_eq!(
            report["signatures"][0]["coverage"],
            "contiguous-block-from-start"
        );

        let pdf = vector("sig-with-ski-sid.pdf");
        let (status, report) = send(multipart(&[("signature", &pdf)])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report["indication"], "INDETERMINATE");
    }

    #[tokio::test]
    async fn a_pdf_takes_no_detached_data_and_must_be_readable() {
        let pdf = vector("sig-with-ski-sid.pdf");
        let (status, _) = send(multipart(&[("signature", &pdf), ("data", b"x")])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = send(multipart(&[("signature", b"%PDF-1.7\nno more")])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
