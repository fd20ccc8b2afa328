//! `GET /healthz`: liveness, unauthenticated by design (load balancers and supervisors poll it).

use axum::Json;
use serde::Serialize;

/// The health answer.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
}

pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: crate::VERSION,
    })
}
