//! Time entries and the detailed report: every entry of a date range (UTC days), one row
//! each, for the caller (a regular user) or any member or all (an admin); admins lock and
//! unlock entries here. The CSV export has the columns and formats of Clockify's detailed
//! report CSV, so sheets built on Clockify's exports keep working.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use maud::html;
use stint_api::{IdFilter, ReportRequest};

use super::common::{csv_download, date_range, day_bounds, url_escape, wants_excel};
use super::pages::{nav, page};
use super::{PageError, Posted, Session};
use crate::ops::report_csv::hms;
use crate::ops::reports::MAX_DAYS;
use crate::storage::{EntryFilter, EntryRow, Role, UserRow};
use crate::AppState;

struct Range {
    start: NaiveDate,
    end: NaiveDate,
    /// `None`: every member (admins only).
    user: Option<String>,
}

fn range_of(q: &HashMap<String, String>, session: &Session) -> Result<Range, PageError> {
    let (start, end) = date_range(
        q,
        MAX_DAYS,
        &format!("The range must end after it starts and span at most {MAX_DAYS} days."),
        session.today(Utc::now()),
    )?;
    let admin = session.user.role == Role::Admin;
    let named = q
        .get("user")
        .map(String::as_str)
        .filter(|u| !u.is_empty() && *u != "all");
    let user = match named {
        None if admin => None,
        None => Some(session.user.id.clone()),
        Some(u) if u == session.user.id || admin => Some(u.to_owned()),
        Some(_) => return Err(PageError(StatusCode::NOT_FOUND, "No such member.".into())),
    };
    Ok(Range { start, end, user })
}

/// The range's entries with their users, oldest first.
async fn entries(
    state: &AppState,
    session: &Session,
    range: &Range,
) -> Result<Vec<(EntryRow, UserRow)>, PageError> {
    let wid = session.user.workspace_id.clone();
    let users: Vec<UserRow> = match &range.user {
        Some(id) if *id == session.user.id => vec![session.user.clone()],
        _ => {
            let w = wid.clone();
            let all = state.db(move |db| db.users_in(&w)).await?;
            all.into_iter()
                .filter(|u| range.user.as_ref().is_none_or(|id| *id == u.id))
                .collect()
        }
    };
    if users.is_empty() {
        return Err(PageError(StatusCode::NOT_FOUND, "No such member.".into()));
    }
    // Entries that start in the range's days: [first midnight, midnight after the last).
    let (from, to) = day_bounds(session.zone, range.start, range.end);
    let filter = EntryFilter {
        start: Some(from),
        end: Some(to),
        ..EntryFilter::default()
    };
    let mut rows = Vec::new();
    for user in users {
        let (w, uid, f) = (wid.clone(), user.id.clone(), filter.clone());
        let (list, _) = state
            .db(move |db| db.list_entries(&w, &uid, &f, 1, 100_000))
            .await?;
        rows.extend(list.into_iter().map(|e| (e, user.clone())));
    }
    rows.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(a.0.id.cmp(&b.0.id)));
    Ok(rows)
}

/// What the table names an entry's project (with its colour and client), task and tags by.
#[derive(Default)]
struct Names {
    projects: HashMap<String, (String, String, String)>,
    tasks: HashMap<String, String>,
    tags: HashMap<String, String>,
}

/// The workspace's projects, tasks and tags, read in one snapshot.
async fn names(state: &AppState, wid: &str) -> Result<Names, PageError> {
    let w = wid.to_owned();
    Ok(state
        .db(move |db| {
            let mut found = Names::default();
            db.read(&mut |tx| {
                for p in tx.projects(&w)? {
                    let client = match &p.client_id {
                        Some(c) => tx.client(&w, c)?.map(|c| c.name).unwrap_or_default(),
                        None => String::new(),
                    };
                    for t in tx.tasks(&w, &p.id)? {
                        found.tasks.insert(t.id, t.name);
                    }
                    found.projects.insert(p.id, (p.name, p.color, client));
                }
                found.tags = tx.tags(&w)?.into_iter().map(|t| (t.id, t.name)).collect();
                Ok(())
            })?;
            Ok(found)
        })
        .await?)
}

fn seconds(e: &EntryRow) -> i64 {
    (e.end.unwrap_or_else(Utc::now) - e.start)
        .num_seconds()
        .max(0)
}

fn query_string(range: &Range) -> String {
    format!(
        "start={}&end={}&user={}",
        range.start,
        range.end,
        url_escape(range.user.as_deref().unwrap_or("all"))
    )
}

pub async fn report_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let range = range_of(&q, &session)?;
    let rows = entries(&state, &session, &range).await?;
    let members = if session.user.role == Role::Admin {
        let w = session.user.workspace_id.clone();
        state.db(move |db| db.users_in(&w)).await?
    } else {
        vec![session.user.clone()]
    };
    let admin = session.user.role == Role::Admin;
    let total: i64 = rows.iter().map(|(e, _)| seconds(e)).sum();
    let named = names(&state, &session.user.workspace_id).await?;
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Time entries and report" }
        @if let Some(n) = q.get("note") { p id="note" class="note" { (n) } }
        form method="get" action="/web/reports" {
            label { "From " input id="start" type="date" name="start" value=(range.start.to_string()); }
            label { "to " input id="end" type="date" name="end" value=(range.end.to_string()); }
            label { "Member "
                select id="user" name="user" {
                    @if admin { option value="all" selected[range.user.is_none()] { "Everyone" } }
                    @for m in &members { option value=(m.id) selected[range.user.as_ref() == Some(&m.id)] { (m.name) } }
                }
            }
            button id="show" type="submit" { "Show" }
        }
        p { "Total " strong id="total" { (hms(total)) } " · " a id="csv" href=(format!("/web/reports.csv?{}", query_string(&range))) { "Export CSV" } " · " a id="csv-excel" href=(format!("/web/reports.csv?{}&excel=1", query_string(&range))) { "CSV for Excel" } }
        table id="entries" {
            thead { tr { th { "User" } th { "Description" } th { "Project" } th { "Task" } th { "Tags" } th { "Billable" } th { "Start (" (session.zone.name()) ")" } th { "End (" (session.zone.name()) ")" } th { "Duration" } th { "Locked" } } }
            tbody {
                @for (e, u) in &rows {
                    tr data-id=(e.id) {
                        td { (u.name) }
                        td class="description" { (e.description) }
                        td class="project" {
                            @if let Some((name, color, client)) = e.project_id.as_ref().and_then(|p| named.projects.get(p)) {
                                span class="dot" style=(format!("background:{color}")) {} " " (name)
                                @if !client.is_empty() { " · " span class="client" { (client) } }
                            }
                        }
                        td class="task" { (e.task_id.as_ref().and_then(|t| named.tasks.get(t)).map_or("", String::as_str)) }
                        td class="tags" { (e.tag_ids.iter().filter_map(|t| named.tags.get(t)).map(String::as_str).collect::<Vec<_>>().join(", ")) }
                        td class="billable" { @if e.billable { "Yes" } @else { "No" } }
                        td { (session.show(e.start, "%Y-%m-%d %H:%M:%S %Z")) }
                        td { @if let Some(end) = e.end { (session.show(end, "%Y-%m-%d %H:%M:%S %Z")) } @else { "running" } }
                        td class="duration" { (hms(seconds(e))) }
                        td {
                            @if admin {
                                form method="post" action="/web/entries/lock" {
                                    input type="hidden" name="csrf" value=(session.csrf);
                                    input type="hidden" name="id" value=(e.id);
                                    input type="hidden" name="locked" value=(if e.locked { "false" } else { "true" });
                                    input type="hidden" name="back" value=(query_string(&range));
                                    button class="lock" type="submit" { (if e.locked { "Unlock" } else { "Lock" }) }
                                }
                            } @else if e.locked { "locked" }
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
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let range = range_of(&q, &session)?;
    let (from, to) = day_bounds(session.zone, range.start, range.end);
    // The same rows as the Reports API's detailed CSV (ops::reports), whose end is
    // inclusive: the last millisecond before the next midnight.
    let request = ReportRequest {
        users: range.user.clone().map(|id| IdFilter {
            ids: vec![id],
            contains: None,
        }),
        ..ReportRequest::between(from, to - chrono::Duration::milliseconds(1))
    };
    let wid = session.user.workspace_id.clone();
    let now = (state.clock)();
    let zone = session.zone;
    let rows = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::rows(op, &wid, &request)
        })
        .await?;
    let rows = rows
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
        rows,
        wants_excel(&q),
    )
}

/// An admin locks or unlocks an entry.
pub async fn lock(
    State(state): State<AppState>,
    Posted { session, form }: Posted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.require_admin("lock entries")?;
    // Where to go back to is made here from the checked range, never copied from the
    // form, and checked before anything changes.
    let back: HashMap<String, String> =
        serde_urlencoded::from_str(form.get("back").map_or("", String::as_str)).unwrap_or_default();
    let mut back = range_of(&back, &session)?;
    if let Some(named) = back.user.clone() {
        let w = session.user.workspace_id.clone();
        let members = state.db(move |db| db.users_in(&w)).await?;
        if !members.iter().any(|m| m.id == named) {
            back.user = None;
        }
    }
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
