//! Clockify's Reports API under the path layout of Clockify's self-hosted servers
//! (`/reports/v1/workspaces/{wid}/reports/detailed`, `summary`, `weekly`): a POST body
//! with the date range, filters, grouping and paging; `exportType: CSV` answers the
//! detailed report as Clockify's CSV and the summary as one line per group. Decisions are
//! in [`crate::ops::reports`].

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use stint_api::{ApiError, DetailedReport, ReportRequest, SummaryReport, WeeklyReport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{parse_body, Caller};
use crate::ops::report_csv;
use crate::ops::reports as ops;
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(detailed))
        .routes(routes!(summary))
        .routes(routes!(weekly))
}

/// Whether the request asks for a CSV file (`JSON`, the default, or `CSV`).
fn wants_csv(req: &ReportRequest) -> Result<bool, ApiFailure> {
    match req
        .export_type
        .as_deref()
        .unwrap_or("JSON")
        .to_ascii_uppercase()
        .as_str()
    {
        "JSON" => Ok(false),
        "CSV" => Ok(true),
        other => Err(ApiFailure::bad_request(format!(
            "exportType must be JSON or CSV (Stint makes no {other} files)"
        ))),
    }
}

fn csv_answer(name: &str, columns: &[&str], rows: &[Vec<String>]) -> Result<Response, ApiFailure> {
    let bytes = crate::csv_file::bytes(columns, rows, false).map_err(ApiFailure::internal)?;
    Ok(crate::csv_file::download(name, bytes))
}

/// Every entry of the range with names, rate and amount (cents), paged, with totals.
#[utoipa::path(post, path = "/reports/v1/workspaces/{wid}/reports/detailed", tag = "reports",
    params(("wid" = String, Path, description = "Workspace id")),
    request_body = ReportRequest,
    responses((status = 200, body = DetailedReport, description = "The report (a CSV file when exportType is CSV)"),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn detailed(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let req: ReportRequest = parse_body(&body)?;
    if wants_csv(&req)? {
        let now = (state.clock)();
        let rows = state
            .read_op(&caller.0, move |op| ops::sorted_rows(op, &wid, &req))
            .await?;
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| report_csv::csv_row(r, now, &chrono::Utc))
            .collect();
        return csv_answer(
            "Stint_Time_Report_Detailed.csv",
            &report_csv::CSV_COLUMNS,
            &lines,
        );
    }
    let report = state
        .read_op(&caller.0, move |op| ops::detailed(op, &wid, &req))
        .await?;
    Ok(Json(report).into_response())
}

/// The range's time grouped one to three levels deep, with totals.
#[utoipa::path(post, path = "/reports/v1/workspaces/{wid}/reports/summary", tag = "reports",
    params(("wid" = String, Path, description = "Workspace id")),
    request_body = ReportRequest,
    responses((status = 200, body = SummaryReport, description = "The report (a CSV file when exportType is CSV)"),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let req: ReportRequest = parse_body(&body)?;
    let csv = wants_csv(&req)?;
    let report = state
        .read_op(&caller.0, move |op| ops::summary(op, &wid, &req))
        .await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let rows = report_csv::summary_rows(&report.group_one);
    csv_answer(
        "Stint_Time_Report_Summary.csv",
        &report_csv::SUMMARY_COLUMNS,
        &rows,
    )
}

/// Each project's (or member's) time per day of the range, with totals.
#[utoipa::path(post, path = "/reports/v1/workspaces/{wid}/reports/weekly", tag = "reports",
    params(("wid" = String, Path, description = "Workspace id")),
    request_body = ReportRequest,
    responses((status = 200, body = WeeklyReport), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn weekly(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<WeeklyReport>, ApiFailure> {
    let req: ReportRequest = parse_body(&body)?;
    if wants_csv(&req)? {
        return Err(ApiFailure::bad_request(
            "the weekly report is answered as JSON only",
        ));
    }
    let report = state
        .read_op(&caller.0, move |op| ops::weekly(op, &wid, &req))
        .await?;
    Ok(Json(report))
}
