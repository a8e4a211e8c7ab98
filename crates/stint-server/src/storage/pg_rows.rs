//! Row helpers the PostgreSQL operations share, each run in the caller's transaction: the
//! counterparts of the helpers in `sqlite.rs`, with the same rules.

use chrono::{DateTime, Utc};
use postgres::GenericClient;
use stint_api::{EntrySource, WorkspaceSettings};

use super::pg::{entry_row, is_constraint, one};
use super::sqlite::{ts, ENTRY_COLUMNS};
use super::{EntryRow, Keep, Result, StorageError, StoredResponse};
use crate::auth;

fn source_str(s: EntrySource) -> &'static str {
    match s {
        EntrySource::Timer => "timer",
        EntrySource::Manual => "manual",
        EntrySource::Import => "import",
    }
}

/// Inserts (version 1, or the deleted row's next) or updates an entry's fields; the
/// database bumps the version of a changed one. The client's error is returned as is, so
/// the caller can tell a constraint ([`is_constraint`]) from a failure.
pub(super) fn write_entry(
    c: &mut impl GenericClient,
    e: &EntryRow,
    insert: bool,
) -> std::result::Result<u64, postgres::Error> {
    let sql = if insert {
        format!(
            "INSERT INTO time_entries ({ENTRY_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)"
        )
    } else {
        "UPDATE time_entries SET user_id = $3, description = $4, start_utc = $5,
             end_utc = $6, billable = $7, project_id = $8, task_id = $9, tag_ids = $10,
             source = $11, locked = $12 WHERE workspace_id = $2 AND id = $1"
            .to_owned()
    };
    let tags = serde_json::to_string(&e.tag_ids).unwrap_or_else(|_| "[]".into());
    c.execute(
        &sql,
        &[
            &e.id,
            &e.workspace_id,
            &e.user_id,
            &e.description,
            &ts(e.start),
            &e.end.map(ts),
            &e.billable,
            &e.project_id,
            &e.task_id,
            &tags,
            &source_str(e.source),
            &e.locked,
        ],
    )
}

pub(super) fn find_entry(
    c: &mut impl GenericClient,
    workspace_id: &str,
    id: &str,
) -> Result<Option<EntryRow>> {
    one(
        c,
        &format!("SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = $1 AND id = $2"),
        &[&workspace_id, &id],
        entry_row,
    )
}

/// The row as written, with the version the database gave it.
pub(super) fn stored(c: &mut impl GenericClient, entry: &EntryRow) -> Result<EntryRow> {
    find_entry(c, &entry.workspace_id, &entry.id)?
        .ok_or_else(|| StorageError::NotFound(format!("time entry {} not found", entry.id)))
}

/// A workspace's settings as saved (the defaults if never saved or unreadable).
pub(super) fn settings_in(
    c: &mut impl GenericClient,
    workspace_id: &str,
) -> Result<WorkspaceSettings> {
    let text: String = c
        .query_opt(
            "SELECT settings FROM workspaces WHERE id = $1",
            &[&workspace_id],
        )?
        .map(|r| r.get(0))
        .ok_or_else(|| StorageError::NotFound(format!("no workspace {workspace_id}")))?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// Saves a workspace's settings; switching screenshots on or off leaves a notice for every
/// member, stamped `now` (the rule of `sqlite::save_settings_in`).
pub(super) fn save_settings_in(
    c: &mut impl GenericClient,
    workspace_id: &str,
    settings: &WorkspaceSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = c
        .query_opt(
            "SELECT name, settings FROM workspaces WHERE id = $1",
            &[&workspace_id],
        )?
        .ok_or_else(|| StorageError::NotFound(format!("no workspace {workspace_id}")))?;
    let (name, old): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let old: WorkspaceSettings = serde_json::from_str(&old).unwrap_or_default();
    c.execute(
        "UPDATE workspaces SET settings = $2 WHERE id = $1",
        &[
            &workspace_id,
            &serde_json::to_string(settings).unwrap_or_default(),
        ],
    )?;
    if old.screenshots_enabled != settings.screenshots_enabled {
        let (kind, message) = super::sqlite::screenshots_notice(&name, settings);
        let users: Vec<String> = c
            .query(
                "SELECT id FROM users WHERE workspace_id = $1",
                &[&workspace_id],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        for user in users {
            c.execute(
                "INSERT INTO notices (id, user_id, kind, message, created_utc)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&auth::new_id(), &user, &kind, &message, &ts(now)],
            )?;
        }
    }
    Ok(())
}

/// The id of the member `email` of the workspace named `workspace`.
pub(super) fn user_id_by_email(
    c: &mut impl GenericClient,
    workspace: &str,
    email: &str,
) -> Result<String> {
    one(
        c,
        "SELECT u.id FROM users u JOIN workspaces w ON w.id = u.workspace_id
         WHERE w.name = $1 AND u.email = $2",
        &[&workspace, &email],
        |r| Ok(r.try_get(0)?),
    )?
    .ok_or_else(|| StorageError::NotFound(format!("no user {email} in workspace {workspace}")))
}

/// The answer kept for `key` in `scope`, if any.
pub(super) fn kept_response(
    c: &mut impl GenericClient,
    scope: &str,
    key: &str,
) -> Result<Option<StoredResponse>> {
    one(
        c,
        "SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2",
        &[&scope, &key],
        |r| {
            Ok(StoredResponse {
                request_hash: r.try_get(0)?,
                status: u16::try_from(r.try_get::<_, i32>(1)?).unwrap_or(500),
                body: r.try_get(2)?,
            })
        },
    )
}

/// Writes `keep` in the caller's transaction; a key already kept means another request
/// with it committed first ([`StorageError::KeyTaken`]).
pub(super) fn keep_in(c: &mut impl GenericClient, keep: Option<&Keep>) -> Result<()> {
    let Some(k) = keep else { return Ok(()) };
    c.execute(
        "INSERT INTO idempotency (scope, key, request_hash, status, body)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &k.scope,
            &k.key,
            &k.response.request_hash,
            &i32::from(k.response.status),
            &k.response.body,
        ],
    )
    .map_err(|e| {
        if is_constraint(&e) {
            StorageError::KeyTaken
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// A new timer stops the user's running one at its start (see `sqlite::stop_for_new_timer`).
pub(super) fn stop_for_new_timer(
    c: &mut impl GenericClient,
    user_id: &str,
    start: DateTime<Utc>,
) -> Result<std::result::Result<Option<(EntryRow, EntryRow)>, &'static str>> {
    let running = one(
        c,
        &format!("SELECT {ENTRY_COLUMNS} FROM time_entries WHERE user_id = $1 AND end_utc IS NULL"),
        &[&user_id],
        entry_row,
    )?;
    let Some(before) = running else {
        return Ok(Ok(None));
    };
    if before.locked {
        return Ok(Err("the running timer is locked; ask an admin to stop it"));
    }
    c.execute(
        "UPDATE time_entries SET end_utc = greatest(start_utc, $2) WHERE workspace_id = $1 AND id = $3",
        &[&before.workspace_id, &ts(start), &before.id],
    )?;
    let after = stored(c, &before)?;
    Ok(Ok(Some((before, after))))
}

/// Writes the audit records of entry changes made for `auditor`, if the workspace's
/// settings ask for them (see `sqlite::audit_entries`).
pub(super) fn audit_entries(
    c: &mut impl GenericClient,
    auditor: Option<&super::Auditor>,
    changes: &[(Option<&EntryRow>, Option<&EntryRow>)],
) -> Result<()> {
    let Some(auditor) = auditor else {
        return Ok(());
    };
    let mut wanted: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut records = Vec::new();
    for (before, after) in changes {
        let Some((workspace, target, action, summary, details)) =
            crate::audit::entry_event(*before, *after)
        else {
            continue;
        };
        let on = match wanted.get(&workspace) {
            Some(on) => *on,
            None => {
                let settings = settings_in(c, &workspace)?;
                let on =
                    crate::audit::wanted(&settings.audit_log, crate::audit::Category::TimeEntries);
                wanted.insert(workspace.clone(), on);
                on
            }
        };
        if on {
            records.push(auditor.record(&workspace, action, &target, summary, details));
        }
    }
    super::pg_audit::insert_audits(c, &records)
}
