//! Admins' audit log page: filter by date range (30 days at most), author and action;
//! expand a row for its details (each changed field's previous and new value); export the
//! rows as CSV; restore a deleted time entry.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde_json::Value;

use super::common::{csv_download, date_range, day_bounds, url_escape, wants_excel};
use super::pages::{nav, page};
use super::{PageError, Posted, Session};
use crate::audit::{action_label, ACTIONS};
use crate::storage::{AuditFilter, AuditRecord};
use crate::AppState;

const MAX_DAYS: i64 = 30;

struct Chosen {
    start: NaiveDate,
    end: NaiveDate,
    filter: AuditFilter,
}

fn chosen(
    q: &HashMap<String, String>,
    session: &Session,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Chosen, PageError> {
    let (start, end) = date_range(
        q,
        MAX_DAYS,
        &format!("The range must end on or after its start, and the audit log shows at most {MAX_DAYS} days at a time."),
        session.today(now),
    )?;
    let pick = |name: &str| {
        q.get(name)
            .filter(|v| !v.is_empty() && *v != "any")
            .cloned()
    };
    Ok(Chosen {
        start,
        end,
        filter: AuditFilter {
            from: Some(day_bounds(session.zone, start, end).0),
            to: Some(day_bounds(session.zone, start, end).1),
            author: pick("author"),
            action: pick("action"),
        },
    })
}

fn details(record: &AuditRecord) -> Markup {
    match record.details.get("changes").and_then(Value::as_array) {
        Some(changes) => html! {
            table class="changes" {
                tr { th { "Field" } th { "Previous" } th { "New" } }
                @for c in changes {
                    tr class="change" {
                        td class="field" { (c["field"].as_str().unwrap_or_default()) }
                        td class="previous" { (show(&c["previous"])) }
                        td class="new" { (show(&c["new"])) }
                    }
                }
            }
        },
        None => {
            html! { pre { (serde_json::to_string_pretty(&record.details).unwrap_or_default()) } }
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

async fn load(
    state: &AppState,
    session: &Session,
    c: &Chosen,
) -> Result<Vec<AuditRecord>, PageError> {
    let (w, f) = (session.user.workspace_id.clone(), c.filter.clone());
    Ok(state.db(move |db| db.audit_records(&w, &f)).await?)
}

pub async fn audit_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.require_admin("see the audit log")?;
    let c = chosen(&q, &session, (state.clock)())?;
    let records = load(&state, &session, &c).await?;
    let w = session.user.workspace_id.clone();
    let users = state.db(move |db| db.users_in(&w)).await?;
    let author = c.filter.author.clone().unwrap_or_default();
    let action = c.filter.action.clone().unwrap_or_default();
    let query = format!(
        "start={}&end={}&author={}&action={}",
        c.start,
        c.end,
        url_escape(&author),
        url_escape(&action)
    );
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Audit log" }
        @if let Some(n) = q.get("note") { p id="note" class="note" { (n) } }
        form method="get" action="/web/audit" {
            label { "From " input id="start" type="date" name="start" value=(c.start.to_string()); }
            label { "to " input id="end" type="date" name="end" value=(c.end.to_string()); }
            label { "Author " select id="author" name="author" {
                option value="any" { "Anyone" }
                option value="system" selected[author == "system"] { "System" }
                @for u in &users { option value=(u.id) selected[author == u.id] { (u.name) } }
            } }
            label { "Action " select id="action" name="action" {
                option value="any" { "Any" }
                @for (a, label) in ACTIONS { option value=(a) selected[action == a] { (label) } }
            } }
            button id="filter" type="submit" { "Show" }
        }
        p {
            a id="audit-csv" href=(format!("/web/audit.csv?{query}")) { "Export CSV" } " · "
            a id="audit-csv-excel" href=(format!("/web/audit.csv?{query}&excel=1")) { "CSV for Excel" }
        }
        table id="audit" {
            thead { tr { th { "Time (" (session.zone.name()) ")" } th { "Author" } th { "Action" } th { "What" } } }
            tbody {
                @for r in &records {
                    tr class="record" data-action=(r.action) {
                        td { (session.show(r.at, "%Y-%m-%d %H:%M:%S")) }
                        td class="author" { (r.author_name) }
                        td class="action" { (action_label(&r.action)) }
                        td {
                            details {
                                summary { (r.summary) }
                                (details(r))
                                @if r.action == "time_entry.deleted" {
                                    form method="post" action="/web/audit/restore" {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="id" value=(r.id);
                                        button class="restore" type="submit" { "Restore this entry" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if records.is_empty() { p id="empty" { "Nothing was recorded in this range." } }
    };
    Ok(page("Audit log", body).into_response())
}

pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.require_admin("see the audit log")?;
    let c = chosen(&q, &session, (state.clock)())?;
    let records = load(&state, &session, &c).await?;
    let rows = records
        .iter()
        .map(|r| {
            vec![
                session.show(r.at, "%Y-%m-%d %H:%M:%S"),
                r.author_name.clone(),
                action_label(&r.action).to_owned(),
                r.target_id.clone(),
                r.summary.clone(),
                r.details.to_string(),
            ]
        })
        .collect();
    let time_column = format!("Time ({})", session.zone.name());
    let columns = [
        &*time_column,
        "Author",
        "Action",
        "Target",
        "Summary",
        "Details",
    ];
    let name = format!("Stint_Audit_Log_{}-{}.csv", c.start, c.end);
    csv_download(&name, &columns, rows, wants_excel(&q))
}

/// Restores a deleted entry from its record.
pub async fn restore(
    State(state): State<AppState>,
    Posted { session, form }: Posted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.require_admin("see the audit log")?;
    let id = form.get("id").cloned().unwrap_or_default();
    state
        .op(
            &session.user,
            move |op| crate::ops::entries::restore(op, &id),
            |_| Ok(None),
        )
        .await?;
    Ok(super::notes::redirect_noting("/web/audit", "Restored."))
}
