//! The summary report page (issue 16): a date range (the viewer's days) grouped by project,
//! client, task, member or tag, as a bar chart and a table with hours and amounts. The
//! numbers are the Reports API's summary for the same range (`ops::reports::summary`). A
//! member sees their own time, an admin the team's.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use maud::{html, Markup};
use stint_api::{ReportGroup, ReportRequest, SummaryFilter, SummaryReport};

use super::common::{date_range, day_bounds};
use super::pages::{nav, page};
use super::report_filters::{choices, parse_query, Filters};
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

/// What a summary query asks for: its days, grouping and filters.
struct Asked {
    start: NaiveDate,
    end: NaiveDate,
    group: &'static str,
    filters: Filters,
    q: HashMap<String, String>,
}

impl Asked {
    fn query(&self) -> String {
        format!(
            "start={}&end={}&group={}{}",
            self.start,
            self.end,
            self.group,
            self.filters.query()
        )
    }

    fn label(&self) -> &'static str {
        GROUPS
            .iter()
            .find(|(c, _)| *c == self.group)
            .map_or("Group", |(_, l)| *l)
    }
}

/// The range, grouping and filters a query asks for (the viewer's days), and the summary.
async fn summary_for(
    state: &AppState,
    session: &Session,
    raw: Option<&str>,
) -> Result<(Asked, SummaryReport), PageError> {
    let now = (state.clock)();
    let (q, filters) = parse_query(raw)?;
    filters.check_member(session)?;
    let (start, end) = date_range(
        &q,
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
    filters.apply(&mut request);
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
    let asked = Asked {
        start,
        end,
        group,
        filters,
        q,
    };
    Ok((asked, report))
}

/// `GET /web/reports/summary.csv`: the page's groups as the API's summary CSV.
pub async fn summary_csv(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (asked, report) = summary_for(&state, &session, raw.as_deref()).await?;
    let rows = crate::ops::report_csv::summary_rows(&report.group_one);
    super::common::csv_download(
        &format!(
            "Stint_Time_Report_Summary_{}-{}.csv",
            asked.start, asked.end
        ),
        &crate::ops::report_csv::SUMMARY_COLUMNS,
        rows,
        super::common::wants_excel(&asked.q),
    )
}

/// `GET /web/reports/summary.pdf`: the page's chart and groups as a PDF.
pub async fn summary_pdf(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (asked, report) = summary_for(&state, &session, raw.as_deref()).await?;
    let choices = choices(&state, &session).await?;
    let heading = super::report_pdf::Heading {
        title: format!("Summary by {}", asked.label().to_lowercase()),
        range: format!("{} – {} ({})", asked.start, asked.end, session.zone.name()),
        filters: asked.filters.describe(&choices),
    };
    let lines: Vec<super::report_pdf::SummaryLine> = report
        .group_one
        .iter()
        .map(|g| super::report_pdf::SummaryLine {
            name: g.name.clone(),
            seconds: g.duration,
            amount: money(g.amount),
        })
        .collect();
    let totals = report.totals.first().cloned().unwrap_or_default();
    let label = asked.label();
    let bytes = super::report_pdf::off_thread(move || {
        super::report_pdf::summary(
            &heading,
            label,
            &lines,
            (totals.total_time, &money(totals.total_amount)),
        )
    })
    .await?;
    Ok(super::report_pdf::download(
        &format!(
            "Stint_Time_Report_Summary_{}-{}.pdf",
            asked.start, asked.end
        ),
        bytes,
    ))
}

pub async fn summary_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (asked, report) = summary_for(&state, &session, raw.as_deref()).await?;
    let choices = choices(&state, &session).await?;
    let admin = session.user.role == crate::storage::Role::Admin;
    let (start, end, group) = (asked.start, asked.end, asked.group);
    let query = asked.query();
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
            (asked.filters.fields(&choices, admin))
            button id="show" type="submit" { "Show" }
        }
        p { "Total " strong id="total" { (hms(totals.total_time)) }
            " · billable " (hms(totals.total_billable_time))
            " · amount " strong id="amount" { (money(totals.total_amount)) }
            " · " a id="summary-csv" href=(format!("/web/reports/summary.csv?{query}")) { "Export CSV" }
            " · " a id="summary-pdf" href=(format!("/web/reports/summary.pdf?{query}")) { "Export PDF" } }
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
