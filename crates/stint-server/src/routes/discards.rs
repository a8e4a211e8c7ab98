//! `POST /workspaces/{wid}/screenshots/discarded` (Stint's addition, issue 19): a member's
//! device reports a capture set discarded during the review window. [`crate::ops::discards`]
//! decides.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use stint_api::{ApiError, DiscardedCapture};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{answer_op, parse_body, Caller, Idem};
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// Reports a capture set discarded on the device before upload: no pixels, only when, which
/// entry, how many monitors and the time cut. The same report again is answered the same.
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/screenshots/discarded", tag = "screenshots",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = DiscardedCapture,
    responses((status = 201, body = DiscardedCapture), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn report(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: DiscardedCapture = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::CREATED, move |op| {
        crate::ops::discards::record(op, &wid, body)
    })
    .await
}
