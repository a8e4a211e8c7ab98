//! The "My data" page (issue 19) for every signed-in member, admins included: what the
//! server keeps about them (entries, screenshots by day, audit records about them) and
//! their downloads: entries as CSV and JSON, screenshots as a zip with an index, audit
//! records as JSON and CSV. Each download is the session's own data in its own workspace
//! (`ops::my_data` takes no user id, and no query names one); files are built off the
//! async threads, the zip is written while it is sent.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::common::wants_excel;
use super::pages::{nav, page};
use super::{PageError, Session};
use crate::ops::my_data::{self, SHOT_DAYS};
use crate::ops::report_csv::hms;
use crate::AppState;

/// `stint-my-WHAT-YYYY-MM-DD.EXT`, the date the member's today.
fn filename(state: &AppState, session: &Session, what: &str, ext: &str) -> String {
    format!(
        "stint-my-{what}-{}.{ext}",
        session.today((state.clock)()).format("%Y-%m-%d")
    )
}

/// A download of personal data: named, and kept by no cache.
fn download(mut response: Response, content_type: &str, filename: &str) -> Response {
    let headers = response.headers_mut();
    let values = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// Runs `make` (a file's bytes) on a blocking thread: a large export does not hold up
/// the async threads.
async fn built<F>(make: F) -> Result<Vec<u8>, PageError>
where
    F: FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
{
    tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| PageError(StatusCode::INTERNAL_SERVER_ERROR, e))
}

fn json_bytes(value: &serde_json::Value) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(value).map_err(|e| format!("could not write the JSON: {e}"))
}

/// Bytes as B, KB or MB.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

pub async fn my_data_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let zone = session.zone;
    let o = state
        .read_op(&session.user, move |op| my_data::overview(op, zone))
        .await?;
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "—".to_owned(), |t| session.show(t, "%Y-%m-%d"))
    };
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "My data" }
        p { "What this server keeps about you, " (session.user.name) " (" (session.user.email) "), and your copies of it. "
            "Your devices' auto tracker and idle times never leave them, so they are not here." }
        h2 { "What the server keeps" }
        table id="my-data-summary" {
            tr { th { "Time entries" } td id="entry-count" { (o.entries) }
                 td { (hms(o.tracked_seconds)) " tracked, " (day(o.first_start)) " to " (day(o.last_start))
                      @if o.running { " (a timer is running)" } } }
            tr { th { "Screenshots" } td id="picture-count" { (o.pictures) }
                 td { "in " (o.capture_sets) " capture sets, " (size(o.picture_bytes)) "; kept " (SHOT_DAYS) " days" } }
            tr { th { "Audit records about you" } td id="audit-count" { (o.audit_records) }
                 td { "what you did, what was done to your entries and account; kept one year, "
                      "also after the workspace's audit log is switched off" } }
        }
        h2 { "Screenshots by day" }
        table id="shots-by-day" {
            tr { th { "Day (" (session.zone.name()) ")" } th { "Capture sets" } th { "Pictures" } }
            @for d in &o.per_day {
                tr { td { (d.day.format("%a %Y-%m-%d")) } td { (d.sets) } td { (d.pictures) } }
            }
        }
        h2 { "Download" }
        ul id="downloads" {
            li { "Time entries: "
                a id="entries-csv" href="/web/my-data/entries.csv" { "CSV" } " · "
                a id="entries-csv-excel" href="/web/my-data/entries.csv?excel=1" { "CSV for Excel" } " · "
                a id="entries-json" href="/web/my-data/entries.json" { "JSON" } }
            li { "Screenshots: " a id="screenshots-zip" href="/web/my-data/screenshots.zip" { "ZIP" }
                 " (the pictures and index.json: each capture set's entry, time and monitors)" }
            li { "Audit records about you: "
                a id="audit-json" href="/web/my-data/audit.json" { "JSON" } " · "
                a id="audit-csv" href="/web/my-data/audit.csv" { "CSV" } }
        }
    };
    Ok(page("My data", body).into_response())
}

pub async fn entries_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let entries = state.read_op(&session.user, my_data::entries).await?;
    let (now, zone, excel) = ((state.clock)(), session.zone, wants_excel(&q));
    let csv = built(move || {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| my_data::entry_csv_row(e, now, zone))
            .collect();
        crate::csv_file::bytes(&my_data::entry_columns(), &rows, excel)
    })
    .await?;
    let name = filename(&state, &session, "entries", "csv");
    Ok(download(
        csv.into_response(),
        "text/csv; charset=utf-8",
        &name,
    ))
}

pub async fn entries_json(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let entries = state.read_op(&session.user, my_data::entries).await?;
    let (user, now) = (session.user.clone(), (state.clock)());
    let json =
        built(move || json_bytes(&my_data::document(&user, now, "timeEntries", &entries))).await?;
    let name = filename(&state, &session, "entries", "json");
    Ok(download(json.into_response(), "application/json", &name))
}

pub async fn audit_json(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let records = state.read_op(&session.user, my_data::audit_records).await?;
    let (user, now) = (session.user.clone(), (state.clock)());
    let json = built(move || {
        let items: Vec<serde_json::Value> = records.iter().map(my_data::audit_json).collect();
        json_bytes(&my_data::document(&user, now, "auditRecords", items))
    })
    .await?;
    let name = filename(&state, &session, "audit-records", "json");
    Ok(download(json.into_response(), "application/json", &name))
}

pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let records = state.read_op(&session.user, my_data::audit_records).await?;
    let excel = wants_excel(&q);
    let csv = built(move || {
        let rows: Vec<Vec<String>> = records.iter().map(my_data::audit_csv_row).collect();
        crate::csv_file::bytes(&my_data::AUDIT_COLUMNS, &rows, excel)
    })
    .await?;
    let name = filename(&state, &session, "audit-records", "csv");
    Ok(download(
        csv.into_response(),
        "text/csv; charset=utf-8",
        &name,
    ))
}

pub async fn screenshots_zip(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let sets = state.read_op(&session.user, my_data::capture_sets).await?;
    let pictures = my_data::zip_pictures(&sets);
    let (user, now) = (session.user.clone(), (state.clock)());
    let body: Body = crate::zip_export::stream(&state, pictures, move |missing| {
        let index = my_data::zip_index(&user, now, &sets, missing);
        serde_json::to_vec_pretty(&index).unwrap_or_default()
    });
    let name = filename(&state, &session, "screenshots", "zip");
    Ok(download(body.into_response(), "application/zip", &name))
}
