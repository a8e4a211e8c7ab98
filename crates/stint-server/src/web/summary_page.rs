//! The summary report page (issue 16): a date range (the viewer's days) grouped by project,
//! client, task, member or tag, as a bar chart and a table with hours and amounts. The
//! numbers are the Reports API's summary for the same range (`ops::reports::summary`). A
//! member sees their own time, an admin the team's.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use maud::{html, Markup};
use stint_api::{ReportGroup, ReportRequest, SummaryFilter, SummaryReport};

use super::common::{date_range, day_bounds};
use super::pages::{nav, page};
use super::{PageError, Session};
use crate::ops::report_csv::{hms, money};
use crate::AppState;

/// The groupings the page offers, as the API names them, with their labels.
const GROUPS: [(&str, &str); 5] = [
    ("PROJECT", "Project"),
    ("CLIENT", "Client"),
    ("TASK", "Task"),
    ("USER", "Member"),
    ("TAG", "Tag"),
];

/// One horizontal bar per group, longest first as the table lists them.
fn chart(groups: &[ReportGroup]) -> Markup {
    let max = groups.iter().map(|g| g.duration).max().unwrap_or(0).max(1) as f64;
    let height = 28 * groups.len() + 8;
    html! {
        svg id="summary-chart" role="img" aria-label="Time per group" width="640" height=(height)
            viewBox=(format!("0 0 640 {height}")) xmlns="http://www.w3.org/2000/svg" {
            @for (i, g) in groups.iter().enumerate() {
                @let y = 4 + 28 * i;
                @let w = 380.0 * g.duration as f64 / max;
                text x="0" y=(y + 17) font-size="12" { (g.name.chars().take(28).collect::<String>()) }
                rect class="group-bar" data-name=(g.name) data-seconds=(g.duration)
                    x="200" y=(y) width=(format!("{w:.1}")) height="22" rx="3" fill="#2563EB" {
                    title { (g.name) ": " (hms(g.duration)) }
                }
                text x=(format!("{:.1}", 206.0 + w)) y=(y + 17) font-size="12" { (hms(g.duration)) }
            }
        }
    }
}

/// The range, grouping and summary a query asks for (the viewer's days).
async fn summary_for(
    state: &AppState,
    session: &Session,
    q: &HashMap<String, String>,
) -> Result<(NaiveDate, NaiveDate, &'static str, SummaryReport), PageError> {
    let now = (state.clock)();
    let (start, end) = date_range(
        q,
        366,
        "The range must end on or after its start and span at most 366 days.",
        session.today(now),
    )?;
    let group = match q.get("group").filter(|g| !g.is_empty()) {
        None => "PROJECT",
        Some(g) => GROUPS
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(g))
            .map(|(code, _)| *code)
            .ok_or_else(|| {
                PageError(
                    axum::http::StatusCode::BAD_REQUEST,
                    "Group by project, client, task, member or tag.".into(),
                )
            })?,
    };
    let (from, to) = day_bounds(session.zone, start, end);
    let mut request = ReportRequest::between(from, to - Duration::milliseconds(1));
    request.summary_filter = Some(SummaryFilter {
        groups: Some(vec![group.to_owned()]),
        sort_column: Some("DURATION".into()),
    });
    let wid = session.user.workspace_id.clone();
    let report = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::summary(op, &wid, &request)
        })
        .await?;
    Ok((start, end, group, report))
}

/// `GET /web/reports/summary.csv`: the page's groups as the API's summary CSV.
pub async fn summary_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (start, end, _, report) = summary_for(&state, &session, &q).await?;
    let rows = crate::ops::report_csv::summary_rows(&report.group_one);
    super::common::csv_download(
        &format!("Stint_Time_Report_Summary_{start}-{end}.csv"),
        &crate::ops::report_csv::SUMMARY_COLUMNS,
        rows,
        super::common::wants_excel(&q),
    )
}

pub async fn summary_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (start, end, group, report) = summary_for(&state, &session, &q).await?;
    let totals = report.totals.first().cloned().unwrap_or_default();
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Summary" }
        form id="summary-form" method="get" action="/web/reports/summary" {
            label { "From " input id="start" type="date" name="start" value=(start); }
            label { "To " input id="end" type="date" name="end" value=(end); }
            label { "Group by "
                select id="group" name="group" {
                    @for (code, label) in GROUPS { option value=(code) selected[code == group] { (label) } }
                }
            }
            button id="show" type="submit" { "Show" }
        }
        p { "Total " strong id="total" { (hms(totals.total_time)) }
            " · billable " (hms(totals.total_billable_time))
            " · amount " strong id="amount" { (money(totals.total_amount)) }
            " · " a id="summary-csv" href=(format!("/web/reports/summary.csv?start={start}&end={end}&group={group}")) { "Export CSV" } }
        @if report.group_one.is_empty() {
            p id="no-time" { "No time in this range." }
        } @else {
            (chart(&report.group_one))
            table id="summary" {
                thead { tr { th { "Group" } th { "Time" } th { "Amount" } } }
                tbody {
                    @for g in &report.group_one {
                        tr { td { (g.name) } td { (hms(g.duration)) } td { (money(g.amount)) } }
                    }
                }
            }
        }
    };
    Ok(page("Summary", body).into_response())
}
