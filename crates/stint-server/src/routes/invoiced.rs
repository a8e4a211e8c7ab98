//! Clockify's `PATCH /workspaces/{wid}/time-entries/invoiced` (issue 15): an admin marks
//! entries invoiced or not; [`crate::ops::entries`] decides.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use stint_api::{ApiError, InvoicedChange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{kept, parse_body, Caller, Idem};
use crate::ops::entries;
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mark_invoiced))
}

/// Marks entries invoiced (or not): all of them, or none when one id is not the
/// workspace's entry. Answers 200 without a body, as Clockify does.
#[utoipa::path(patch, path = "/api/v1/workspaces/{wid}/time-entries/invoiced", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = InvoicedChange,
    responses((status = 200, description = "Marked"), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn mark_invoiced(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: InvoicedChange = parse_body(&body)?;
    state
        .op(
            &caller.0,
            move |op| entries::mark_invoiced(op, &wid, &body.time_entry_ids, body.invoiced),
            move |_| Ok(idem.empty(StatusCode::OK)),
        )
        .await?;
    Ok(kept(StatusCode::OK, Vec::new()))
}
