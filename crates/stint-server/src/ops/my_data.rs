//! "My data" (issue 19): what the server keeps about the signed-in member, and their own
//! exports of it: every time entry of theirs with its project, client, task and tag names,
//! their stored screenshots (planned here as a zip's files and index, written by
//! [`crate::zip_export`]) and the audit records about them ([`super::my_audit`]).
//!
//! Every function reads the actor's own rows in the actor's own workspace; none takes a
//! user id, so no request can ask for someone else's data. Auto-tracker and idle data
//! never reach the server, so they are not here.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{json, Value};
use stint_api::{EntrySource, ReportEntry};

use super::reports::Names;
use super::{Op, Result};
use crate::storage::{AuditRecord, CaptureSetRow, UserRow};

/// How many days of screenshots the overview counts day by day (today included): as many
/// as they are kept.
pub const SHOT_DAYS: i64 = 7;

/// One of the member's entries as exported: the detailed report's row (names, seconds,
/// rate and amount in cents) and how the entry was made.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyEntry {
    #[serde(flatten)]
    pub entry: ReportEntry,
    pub source: EntrySource,
}

/// A day's screenshots of the member (a day of their time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayShots {
    pub day: NaiveDate,
    /// Capture sets (one per moment, all monitors).
    pub sets: usize,
    pub pictures: usize,
}

/// What the server keeps about the member, counted.
#[derive(Debug, Clone)]
pub struct Overview {
    pub entries: usize,
    /// Seconds of all entries, a running one counted up to now.
    pub tracked_seconds: i64,
    /// The first and the last entry's start.
    pub first_start: Option<DateTime<Utc>>,
    pub last_start: Option<DateTime<Utc>>,
    pub running: bool,
    pub capture_sets: usize,
    pub pictures: usize,
    /// The pictures' size in bytes.
    pub picture_bytes: u64,
    /// The last [`SHOT_DAYS`] days, newest first, days without screenshots included.
    pub per_day: Vec<DayShots>,
    pub audit_records: usize,
}

/// The member's overview; days are `zone`'s.
pub fn overview(op: &mut Op<'_>, zone: Tz) -> Result<Overview> {
    let (wid, uid) = (op.actor.workspace_id.clone(), op.actor.id.clone());
    let entries = op.tx.entries_of_user(&wid, &uid)?;
    let sets = op.tx.capture_sets_of_user(&wid, &uid)?;
    let audit = audit_records(op)?;
    let now = op.now;
    let today = now.with_timezone(&zone).date_naive();
    let per_day = (0..SHOT_DAYS)
        .map(|back| {
            let day = today - Duration::days(back);
            let of_day: Vec<&CaptureSetRow> = sets
                .iter()
                .filter(|s| s.captured.with_timezone(&zone).date_naive() == day)
                .collect();
            DayShots {
                day,
                sets: of_day.len(),
                pictures: of_day.iter().map(|s| s.screenshots.len()).sum(),
            }
        })
        .collect();
    Ok(Overview {
        entries: entries.len(),
        tracked_seconds: entries
            .iter()
            .map(|e| (e.end.unwrap_or(now) - e.start).num_seconds().max(0))
            .fold(0, i64::saturating_add),
        first_start: entries.iter().map(|e| e.start).min(),
        last_start: entries.iter().map(|e| e.start).max(),
        running: entries.iter().any(|e| e.end.is_none()),
        capture_sets: sets.len(),
        pictures: sets.iter().map(|s| s.screenshots.len()).sum(),
        picture_bytes: sets
            .iter()
            .flat_map(|s| &s.screenshots)
            .map(|p| p.size_bytes)
            .fold(0, u64::saturating_add),
        per_day,
        audit_records: audit.len(),
    })
}

/// Every entry of the member, oldest first, with names (empty where the entry points at
/// nothing that still exists).
pub fn entries(op: &mut Op<'_>) -> Result<Vec<MyEntry>> {
    let (wid, uid) = (op.actor.workspace_id.clone(), op.actor.id.clone());
    let names = Names::read(op, &wid)?;
    Ok(op
        .tx
        .entries_of_user(&wid, &uid)?
        .iter()
        .map(|e| MyEntry {
            entry: names.row(e, op.now),
            source: e.source,
        })
        .collect())
}

/// Every stored capture set of the member with its pictures' rows, oldest first.
pub fn capture_sets(op: &mut Op<'_>) -> Result<Vec<CaptureSetRow>> {
    op.tx
        .capture_sets_of_user(&op.actor.workspace_id, &op.actor.id)
}

/// The audit records about the member, oldest first (see [`super::my_audit`]). Records
/// are kept one year, also after the workspace's audit log was switched off.
pub fn audit_records(op: &mut Op<'_>) -> Result<Vec<AuditRecord>> {
    let (wid, uid) = (&op.actor.workspace_id, &op.actor.id);
    let own: HashSet<String> = op
        .tx
        .entries_of_user(wid, uid)?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let candidates = op.tx.audit_records_about(wid, uid)?;
    Ok(super::my_audit::about(uid, &own, candidates))
}

/// An export file's JSON document: when, whose, and `items` under `key`.
pub fn document(user: &UserRow, now: DateTime<Utc>, key: &str, items: impl Serialize) -> Value {
    json!({
        "exportedAt": now,
        "user": {
            "id": user.id, "name": user.name, "email": user.email,
            "role": user.role.as_str(), "workspaceId": user.workspace_id,
        },
        key: items,
    })
}

/// The entries CSV's columns: the entry's id, Clockify's detailed report columns (dates
/// and times in the member's zone), then the start and end as RFC 3339 UTC times.
pub fn entry_columns() -> Vec<&'static str> {
    let mut columns = vec!["ID"];
    columns.extend(super::report_csv::CSV_COLUMNS);
    columns.extend(["Start (UTC)", "End (UTC)"]);
    columns
}

/// One entry as a line of the entries CSV ([`entry_columns`]); a running entry ends at
/// `now` in the Clockify columns and has no UTC end.
pub fn entry_csv_row(e: &MyEntry, now: DateTime<Utc>, zone: Tz) -> Vec<String> {
    let mut row = vec![e.entry.id.clone()];
    row.extend(super::report_csv::csv_row(&e.entry, now, &zone));
    row.push(e.entry.time_interval.start.to_rfc3339());
    row.push(
        e.entry
            .time_interval
            .end
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
    );
    row
}

/// The audit CSV's columns.
pub const AUDIT_COLUMNS: [&str; 7] = [
    "ID",
    "Time (UTC)",
    "Author",
    "Action",
    "Target",
    "Summary",
    "Details",
];

/// One record as a line of the audit CSV ([`AUDIT_COLUMNS`]); the details as JSON text.
pub fn audit_csv_row(r: &AuditRecord) -> Vec<String> {
    vec![
        r.id.clone(),
        r.at.to_rfc3339(),
        r.author_name.clone(),
        crate::audit::action_label(&r.action).to_owned(),
        r.target_id.clone(),
        r.summary.clone(),
        r.details.to_string(),
    ]
}

/// One record in the audit JSON export.
pub fn audit_json(r: &AuditRecord) -> Value {
    json!({
        "id": r.id, "at": r.at, "authorId": r.author_id, "authorName": r.author_name,
        "action": r.action, "actionLabel": crate::audit::action_label(&r.action),
        "targetId": r.target_id, "summary": r.summary, "details": r.details,
    })
}

/// One picture of the screenshots zip: its file name there and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipPicture {
    /// `screenshots/YYYY-MM-DD/YYYY-MM-DDTHH-MM-SSZ-NNNN-M.jpg`: the set's UTC capture
    /// time, its number in the export (from 1) and the monitor's (from 1). Made here, never
    /// from what a client sent.
    pub path: String,
    pub blob_key: String,
    pub captured: DateTime<Utc>,
}

/// The zip's pictures, in the sets' order (oldest first, monitors in order).
pub fn zip_pictures(sets: &[CaptureSetRow]) -> Vec<ZipPicture> {
    sets.iter()
        .enumerate()
        .flat_map(|(n, set)| {
            set.screenshots.iter().enumerate().map(move |(m, shot)| {
                let t = set.captured;
                ZipPicture {
                    path: format!(
                        "screenshots/{}/{}-{:04}-{}.jpg",
                        t.format("%Y-%m-%d"),
                        t.format("%Y-%m-%dT%H-%M-%SZ"),
                        n + 1,
                        m + 1
                    ),
                    blob_key: shot.blob_key.clone(),
                    captured: t,
                }
            })
        })
        .collect()
}

/// The zip's `index.json`: each capture set's id, entry id, capture time and pictures
/// (file name, id, monitor, size in pixels and bytes, SHA-256), and the files the store
/// no longer had (`missingFiles`: deleted while the zip was written).
pub fn zip_index(
    user: &UserRow,
    now: DateTime<Utc>,
    sets: &[CaptureSetRow],
    missing: &[String],
) -> Value {
    let mut files = zip_pictures(sets).into_iter().map(|p| p.path);
    let sets: Vec<Value> = sets
        .iter()
        .map(|set| {
            let shots: Vec<Value> = set
                .screenshots
                .iter()
                .map(|shot| {
                    json!({
                        "file": files.next(), "id": shot.id, "monitor": shot.monitor,
                        "width": shot.width, "height": shot.height,
                        "sizeBytes": shot.size_bytes, "sha256": shot.sha256, "private": shot.private,
                    })
                })
                .collect();
            json!({
                "id": set.id, "timeEntryId": set.entry_id, "capturedAt": set.captured,
                "screenshots": shots,
            })
        })
        .collect();
    let mut index = document(user, now, "captureSets", sets);
    index["missingFiles"] = json!(missing);
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ScreenshotRow;

    #[test]
    fn zip_names_come_from_the_time_and_numbers_not_from_client_ids() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T09:05:07Z")
            .unwrap()
            .with_timezone(&Utc);
        let shot = |id: &str| ScreenshotRow {
            id: id.into(),
            monitor: stint_api::Monitor {
                name: "DP-1".into(),
                x: 0,
                y: 0,
                width: 10,
                height: 10,
            },
            width: 10,
            height: 10,
            size_bytes: 3,
            sha256: "00".into(),
            blob_key: format!("key{id}"),
            private: false,
        };
        let sets = vec![CaptureSetRow {
            id: "../../etc/passwd".into(),
            workspace_id: "w".into(),
            user_id: "u".into(),
            entry_id: "e".into(),
            captured: at,
            screenshots: vec![shot("a/b"), shot("c")],
        }];
        let pictures = zip_pictures(&sets);
        assert_eq!(
            pictures.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
            [
                "screenshots/2026-03-01/2026-03-01T09-05-07Z-0001-1.jpg",
                "screenshots/2026-03-01/2026-03-01T09-05-07Z-0001-2.jpg"
            ]
        );
        let user = UserRow {
            id: "u".into(),
            workspace_id: "w".into(),
            email: "e@x".into(),
            name: "E".into(),
            role: crate::storage::Role::Regular,
            active: true,
        };
        let index = zip_index(&user, at, &sets, &[]);
        assert_eq!(
            index["captureSets"][0]["screenshots"][1]["file"],
            pictures[1].path
        );
        assert_eq!(index["captureSets"][0]["id"], "../../etc/passwd");
    }
}
