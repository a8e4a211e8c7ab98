//! The weekly report page (issue 16): a member by day grid of one week (the viewer's days,
//! Monday first), with each member's and each day's total. An admin sees every member who
//! tracked time that week, a member themselves. The time comes from the reports' rows, split
//! at midnight as the dashboard splits it.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use maud::html;
use stint_api::ReportRequest;

use super::common::day_bounds;
use super::dashboard::{monday_of, per_day};
use super::pages::{nav, page};
use super::report_filters::{choices, parse_query};
use super::{PageError, Session};
use crate::ops::report_csv::hms;
use crate::AppState;

pub async fn weekly_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let now = (state.clock)();
    let (q, filters) = parse_query(raw.as_deref())?;
    filters.check_member(&session)?;
    // Any day of the wanted week; this week by default.
    let asked = match q.get("week").filter(|w| !w.is_empty()) {
        Some(w) => NaiveDate::parse_from_str(w, "%Y-%m-%d")
            .ok()
            .and_then(|d| stint_api::sane_date(d).ok())
            .ok_or_else(|| {
                PageError(
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("{w:?} is not a date (YYYY-MM-DD)"),
                )
            })?,
        None => session.today(now),
    };
    let monday = monday_of(asked);
    let (from, to) = day_bounds(session.zone, monday, monday + Duration::days(6));
    // Entries that started up to a week before may run into this week.
    let mut request =
        ReportRequest::between(from - Duration::days(7), to - Duration::milliseconds(1));
    filters.apply(&mut request);
    let wid = session.user.workspace_id.clone();
    let rows = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::rows(op, &wid, &request)
        })
        .await?;
    let mut members: Vec<(String, String)> = Vec::new();
    for r in &rows {
        if !members.iter().any(|(id, _)| *id == r.user_id) {
            members.push((r.user_id.clone(), r.user_name.clone()));
        }
    }
    members.sort_by_key(|m| m.1.to_lowercase());
    let grid: Vec<(String, [i64; 7])> = members
        .iter()
        .map(|(id, name)| {
            let theirs: Vec<_> = rows.iter().filter(|r| &r.user_id == id).cloned().collect();
            (name.clone(), per_day(&theirs, session.zone, monday))
        })
        .filter(|(_, days)| days.iter().any(|s| *s > 0))
        .collect();
    let mut day_totals = [0i64; 7];
    for (_, days) in &grid {
        for (total, seconds) in day_totals.iter_mut().zip(days) {
            *total = total.saturating_add(*seconds);
        }
    }
    let week_total: i64 = day_totals.iter().sum();
    let choices = choices(&state, &session).await?;
    let admin = session.user.role == crate::storage::Role::Admin;
    let narrowed = filters.query();
    let link = |d: NaiveDate| format!("/web/reports/weekly?week={d}{narrowed}");
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Weekly" }
        form id="weekly-form" method="get" action="/web/reports/weekly" {
            input type="hidden" name="week" value=(monday);
            (filters.fields(&choices, admin))
            button id="show" type="submit" { "Show" }
        }
        p {
            a id="previous-week" href=(link(monday - Duration::days(7))) { "← previous week" }
            " " strong id="week" { (monday.format("%-d %B %Y")) " – " ((monday + Duration::days(6)).format("%-d %B %Y")) } " (" (session.zone.name()) ") "
            a id="next-week" href=(link(monday + Duration::days(7))) { "next week →" }
        }
        @if grid.is_empty() {
            p id="no-time" { "No time tracked in this week." }
        } @else {
            table id="weekly" {
                thead { tr {
                    th { "Member" }
                    @for i in 0..7 { th { ((monday + Duration::days(i)).format("%a %-d")) } }
                    th { "Total" }
                } }
                tbody {
                    @for (name, days) in &grid {
                        tr {
                            td { (name) }
                            @for seconds in days { td class="cell" data-seconds=(seconds) { @if *seconds > 0 { (hms(*seconds)) } } }
                            td class="row-total" { strong { (hms(days.iter().sum())) } }
                        }
                    }
                }
                tfoot { tr {
                    th { "Total" }
                    @for seconds in &day_totals { th { (hms(*seconds)) } }
                    th id="week-total" { (hms(week_total)) }
                } }
            }
        }
    };
    Ok(page("Weekly", body).into_response())
}
