//! Time entries and the detailed report: every entry of a date range (the viewer's days),
//! one row each, as the Reports API has them (a member's own, an admin's team's), narrowed
//! by the report filters; admins lock and unlock entries here. The CSV export has the
//! columns and formats of Clockify's detailed report CSV, so sheets built on Clockify's
//! exports keep working; the PDF shows the same rows.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use maud::html;
use stint_api::{ReportEntry, ReportRequest};

use super::common::{csv_download, date_range, day_bounds, wants_excel};
use super::pages::{nav, page};
use super::report_filters::{choices, parse_query, Filters};
use super::{PageError, Posted, Session};
use crate::ops::report_csv::hms;
use crate::ops::reports::MAX_DAYS;
use crate::storage::Role;
use crate::AppState;

struct Range {
    start: NaiveDate,
    end: NaiveDate,
    filters: Filters,
    /// The CSV for Excel (a byte order mark) was asked for.
    excel: bool,
}

/// The checked range and filters of a query. The older `user` key (one member, or `all`)
/// still works and adds to the members filter.
fn range_of(raw: Option<&str>, session: &Session) -> Result<Range, PageError> {
    let (q, mut filters) = parse_query(raw)?;
    let (start, end) = date_range(
        &q,
        MAX_DAYS,
        &format!("The range must end after it starts and span at most {MAX_DAYS} days."),
        session.today(Utc::now()),
    )?;
    if let Some(u) = q
        .get("user")
        .map(|u| u.trim())
        .filter(|u| !u.is_empty() && *u != "all")
    {
        if !filters.users.iter().any(|x| x == u) {
            filters.users.push(u.to_owned());
        }
    }
    filters.check_member(session)?;
    Ok(Range {
        start,
        end,
        filters,
        excel: wants_excel(&q),
    })
}

/// The range's rows as the Reports API has them (a member's own, an admin's team's),
/// narrowed by the filters, oldest first.
async fn rows(
    state: &AppState,
    session: &Session,
    range: &Range,
) -> Result<Vec<ReportEntry>, PageError> {
    let (from, to) = day_bounds(session.zone, range.start, range.end);
    // The API's end is inclusive: the last millisecond before the next midnight.
    let mut request = ReportRequest::between(from, to - chrono::Duration::milliseconds(1));
    range.filters.apply(&mut request);
    let wid = session.user.workspace_id.clone();
    let mut rows = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::rows(op, &wid, &request)
        })
        .await?;
    rows.sort_by(|a, b| {
        a.time_interval
            .start
            .cmp(&b.time_interval.start)
            .then(a.id.cmp(&b.id))
    });
    Ok(rows)
}

/// The length of a row so far (a running entry grows until now).
pub(super) fn seconds(r: &ReportEntry, now: DateTime<Utc>) -> i64 {
    (r.time_interval.end.unwrap_or(now) - r.time_interval.start)
        .num_seconds()
        .max(0)
}

fn query_string(range: &Range) -> String {
    format!(
        "start={}&end={}{}",
        range.start,
        range.end,
        range.filters.query()
    )
}

pub async fn report_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let range = range_of(raw.as_deref(), &session)?;
    let rows = rows(&state, &session, &range).await?;
    let choices = choices(&state, &session).await?;
    let admin = session.user.role == Role::Admin;
    let now = (state.clock)();
    let total: i64 = rows.iter().map(|r| seconds(r, now)).sum();
    let query = query_string(&range);
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Time entries and report" }
        form id="report-form" method="get" action="/web/reports" {
            label { "From " input id="start" type="date" name="start" value=(range.start.to_string()); }
            label { "to " input id="end" type="date" name="end" value=(range.end.to_string()); }
            (range.filters.fields(&choices, admin))
            button id="show" type="submit" { "Show" }
        }
        p { "Total " strong id="total" { (hms(total)) }
            " · " a id="csv" href=(format!("/web/reports.csv?{query}")) { "Export CSV" }
            " · " a id="csv-excel" href=(format!("/web/reports.csv?{query}&excel=1")) { "CSV for Excel" }
            " · " a id="pdf" href=(format!("/web/reports.pdf?{query}")) { "Export PDF" } }
        table id="entries" {
            thead { tr { th { "User" } th { "Description" } th { "Project" } th { "Task" } th { "Tags" } th { "Billable" } th { "Start (" (session.zone.name()) ")" } th { "End (" (session.zone.name()) ")" } th { "Duration" } th { "Locked" } } }
            tbody {
                @for r in &rows {
                    tr data-id=(r.id) {
                        td { (r.user_name) }
                        td class="description" { (r.description) }
                        td class="project" {
                            @if r.project_id.is_some() {
                                span class="dot" style=(format!("background:{}", r.project_color)) {} " " (r.project_name)
                                @if !r.client_name.is_empty() { " · " span class="client" { (r.client_name) } }
                            }
                        }
                        td class="task" { (r.task_name) }
                        td class="tags" { (r.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")) }
                        td class="billable" { @if r.billable { "Yes" } @else { "No" } }
                        td { (session.show(r.time_interval.start, "%Y-%m-%d %H:%M:%S %Z")) }
                        td { @if let Some(end) = r.time_interval.end { (session.show(end, "%Y-%m-%d %H:%M:%S %Z")) } @else { "running" } }
                        td class="duration" { (hms(seconds(r, now))) }
                        td {
                            @if admin {
                                form method="post" action="/web/entries/lock" {
                                    input type="hidden" name="csrf" value=(session.csrf);
                                    input type="hidden" name="id" value=(r.id);
                                    input type="hidden" name="locked" value=(if r.is_locked { "false" } else { "true" });
                                    input type="hidden" name="back" value=(query);
                                    button class="lock" type="submit" { (if r.is_locked { "Unlock" } else { "Lock" }) }
                                }
                            } @else if r.is_locked { "locked" }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Time entries", body).into_response())
}

pub async fn report_csv(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let range = range_of(raw.as_deref(), &session)?;
    let rows = rows(&state, &session, &range).await?;
    let (now, zone) = ((state.clock)(), session.zone);
    let lines = rows
        .iter()
        .map(|r| crate::ops::report_csv::csv_row(r, now, &zone))
        .collect();
    let name = format!(
        "Stint_Time_Report_Detailed_{}-{}.csv",
        range.start.format("%m_%d_%Y"),
        range.end.format("%m_%d_%Y")
    );
    csv_download(
        &name,
        &crate::ops::report_csv::CSV_COLUMNS,
        lines,
        range.excel,
    )
}

/// `GET /web/reports.pdf`: the page's rows as a PDF (issue 16).
pub async fn report_pdf(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let range = range_of(raw.as_deref(), &session)?;
    let rows = rows(&state, &session, &range).await?;
    let choices = choices(&state, &session).await?;
    let now = (state.clock)();
    let heading = super::report_pdf::Heading {
        title: "Detailed report".into(),
        range: format!("{} – {} ({})", range.start, range.end, session.zone.name()),
        filters: range.filters.describe(&choices),
    };
    let zone = session.zone;
    let lines: Vec<super::report_pdf::DetailLine> = rows
        .iter()
        .map(|r| super::report_pdf::DetailLine {
            when: r
                .time_interval
                .start
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            member: r.user_name.clone(),
            description: r.description.clone(),
            project: [r.project_name.as_str(), r.task_name.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(": "),
            tags: r
                .tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            billable: r.billable,
            seconds: seconds(r, now),
        })
        .collect();
    let bytes =
        super::report_pdf::off_thread(move || super::report_pdf::detailed(&heading, &lines))
            .await?;
    let name = format!(
        "Stint_Time_Report_Detailed_{}-{}.pdf",
        range.start, range.end
    );
    Ok(super::report_pdf::download(&name, bytes))
}

/// An admin locks or unlocks an entry.
pub async fn lock(
    State(state): State<AppState>,
    Posted { session, form }: Posted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.require_admin("lock entries")?;
    // Where to go back to is made here from the checked range, never copied from the
    // form, and checked before anything changes.
    // An unreadable one goes back to the default range.
    let mut back = range_of(form.get("back").map(String::as_str), &session)
        .or_else(|_| range_of(None, &session))?;
    back.filters.keep_known(&choices(&state, &session).await?);
    let back = query_string(&back);
    let id = form.get("id").cloned().unwrap_or_default();
    let locked = form.get("locked").map(String::as_str) == Some("true");
    let wid = session.user.workspace_id.clone();
    state
        .op(
            &session.user,
            move |op| crate::ops::entries::set_lock(op, &wid, &id, locked),
            |_| Ok(None),
        )
        .await?;
    let note = if locked { "Locked." } else { "Unlocked." };
    Ok(super::notes::redirect_noting(
        &format!("/web/reports?{back}"),
        note,
    ))
}
