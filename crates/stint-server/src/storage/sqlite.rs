//! The SQLite implementation of [`Storage`]: one file in the data directory, WAL, one
//! writing connection behind a mutex (SQLite has one writer anyway) and a few read-only
//! ones, so the reads every request makes (the caller's key, an entry, a list, the feed)
//! run beside the writes instead of queueing behind them.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use stint_api::{EntrySource, Notice, Project, WorkspaceSettings};

use super::{
    EntryFilter, EntryRow, Keep, Result, Role, Side, Storage, StorageError, StoredResponse,
    UserRow, WorkspaceRow,
};
use crate::auth;

pub struct Sqlite {
    conn: Mutex<Connection>,
    /// Read-only connections (`query_only`); WAL gives each read a committed snapshot.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    hub: super::feed::ChangeHub,
}

/// How many read-only connections a server opens.
const READERS: usize = 4;

/// The settings every connection gets, and SQLite's `fold_case` (Unicode lower case).
fn prepare_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Every request parses the same few statements: parse each once per connection.
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // SQLite's lower() folds ASCII only: "any case" must hold for "Über" and "été" too.
    conn.create_scalar_function(
        "fold_case",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|t| t.to_lowercase())),
    )
}

/// The connection for one operation; when it is given back, what the operation added to
/// the change log is told to the feed's waiting readers.
pub(super) struct ConnGuard<'a> {
    conn: MutexGuard<'a, Connection>,
    hub: &'a super::feed::ChangeHub,
    /// The connection's count of written rows when the operation began: an operation that
    /// wrote nothing (most are reads) has nothing to tell and does not look.
    written_before: u64,
}

impl std::ops::Deref for ConnGuard<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for ConnGuard<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for ConnGuard<'_> {
    fn drop(&mut self) {
        if self.conn.total_changes() == self.written_before {
            return;
        }
        if let Err(e) = super::sqlite_feed::publish(&self.conn, self.hub) {
            tracing::warn!("could not tell feed readers of new changes: {e}");
        }
    }
}

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn source_str(s: EntrySource) -> &'static str {
    match s {
        EntrySource::Timer => "timer",
        EntrySource::Manual => "manual",
        EntrySource::Import => "import",
    }
}

pub(super) const ENTRY_COLUMNS: &str =
    "id, workspace_id, user_id, description, start_utc, end_utc, billable, \
     project_id, task_id, tag_ids, source, locked, version";

pub(super) fn entry_row(r: &Row<'_>) -> rusqlite::Result<EntryRow> {
    let tags: String = r.get(9)?;
    let source: String = r.get(10)?;
    Ok(EntryRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        user_id: r.get(2)?,
        description: r.get(3)?,
        start: parse_ts(&r.get::<_, String>(4)?)?,
        end: r
            .get::<_, Option<String>>(5)?
            .as_deref()
            .map(parse_ts)
            .transpose()?,
        billable: r.get(6)?,
        project_id: r.get(7)?,
        task_id: r.get(8)?,
        tag_ids: serde_json::from_str(&tags).unwrap_or_default(),
        source: match source.as_str() {
            "timer" => EntrySource::Timer,
            "import" => EntrySource::Import,
            _ => EntrySource::Manual,
        },
        locked: r.get(11)?,
        version: r.get(12)?,
    })
}

pub(super) const PROJECT_COLUMNS: &str =
    "id, workspace_id, name, client_id, color, billable, archived, public, note, hourly_rate, \
     cost_rate, estimate";

/// A JSON column (rates, estimates) read back; one that no longer parses reads as empty.
pub(super) fn json_column<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

pub(super) fn project_row(r: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        client_id: r.get(3)?,
        color: r.get(4)?,
        billable: r.get(5)?,
        archived: r.get(6)?,
        public: r.get(7)?,
        note: r.get(8)?,
        client_name: String::new(),
        hourly_rate: json_column(r.get(9)?),
        cost_rate: json_column(r.get(10)?),
        estimate: json_column(r.get(11)?).unwrap_or_default(),
        duration: "PT0S".into(),
        memberships: Vec::new(),
        tasks: None,
    })
}

/// The columns [`user_row`] reads, in order.
pub(super) const USER_COLUMNS: &str = "id, workspace_id, email, name, role, active";

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    let role: String = r.get(4)?;
    Ok(UserRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: Role::parse(&role).unwrap_or(Role::Regular),
        active: r.get(5)?,
    })
}

/// The notice every member gets when screenshots are switched on or off: its kind and
/// sentence (both engines write it).
pub(super) fn screenshots_notice(
    name: &str,
    settings: &WorkspaceSettings,
) -> (&'static str, String) {
    if settings.screenshots_enabled {
        (
            "screenshots-enabled",
            format!(
                "Your admin switched screenshots on in {name}: while your timer runs, Stint takes \
                     one blurred, low-resolution screenshot of your screens at a random moment in \
                     every 5 minutes."
            ),
        )
    } else {
        (
            "screenshots-disabled",
            format!("Your admin switched screenshots off in {name}."),
        )
    }
}

/// Saves a workspace's settings in the caller's transaction; switching screenshots on or
/// off leaves a notice for every member, stamped `now`.
pub(super) fn save_settings_in(
    conn: &Connection,
    workspace_id: &str,
    settings: &WorkspaceSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    let (name, old): (String, String) = conn.query_row(
        "SELECT name, settings FROM workspaces WHERE id = ?1",
        [workspace_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let old: WorkspaceSettings = serde_json::from_str(&old).unwrap_or_default();
    conn.execute(
        "UPDATE workspaces SET settings = ?2 WHERE id = ?1",
        params![
            workspace_id,
            serde_json::to_string(settings).unwrap_or_default()
        ],
    )?;
    if old.screenshots_enabled != settings.screenshots_enabled {
        let (kind, message) = screenshots_notice(&name, settings);
        let users: Vec<String> = conn
            .prepare("SELECT id FROM users WHERE workspace_id = ?1")?
            .query_map([workspace_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for user in users {
            conn.execute(
                "INSERT INTO notices (id, user_id, kind, message, created_utc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![auth::new_id(), user, kind, message, ts(now)],
            )?;
        }
    }
    Ok(())
}

/// A workspace's settings as saved (the defaults if never saved or unreadable).
pub(super) fn settings_in(conn: &Connection, workspace_id: &str) -> Result<WorkspaceSettings> {
    let text: String = conn
        .prepare_cached("SELECT settings FROM workspaces WHERE id = ?1")?
        .query_row([workspace_id], |r| r.get(0))?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

pub(super) fn is_constraint(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
}

pub(super) fn write_entry(tx: &Connection, e: &EntryRow, insert: bool) -> rusqlite::Result<usize> {
    let sql = if insert {
        format!("INSERT INTO time_entries ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1)")
    } else {
        "UPDATE time_entries SET user_id = ?3, description = ?4, start_utc = ?5,
             end_utc = ?6, billable = ?7, project_id = ?8, task_id = ?9, tag_ids = ?10, source = ?11,
             locked = ?12 WHERE workspace_id = ?2 AND id = ?1"
            .to_owned()
    };
    tx.prepare_cached(&sql)?.execute(params![
        e.id,
        e.workspace_id,
        e.user_id,
        e.description,
        ts(e.start),
        e.end.map(ts),
        e.billable,
        e.project_id,
        e.task_id,
        serde_json::to_string(&e.tag_ids).unwrap_or_else(|_| "[]".into()),
        source_str(e.source),
        e.locked
    ])
}

/// The id of the member `email` of the workspace named `workspace` (the CLI's user
/// commands name users that way).
pub(super) fn user_id_by_email(conn: &Connection, workspace: &str, email: &str) -> Result<String> {
    conn.query_row(
        "SELECT u.id FROM users u JOIN workspaces w ON w.id = u.workspace_id
         WHERE w.name = ?1 AND u.email = ?2",
        [workspace, email],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StorageError::NotFound(format!("no user {email} in workspace {workspace}")))
}

/// The answer kept for `key` in `scope`, if any.
pub(super) fn kept_response(
    conn: &Connection,
    scope: &str,
    key: &str,
) -> Result<Option<StoredResponse>> {
    Ok(conn
        .prepare_cached(
            "SELECT request_hash, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
        )?
        .query_row([scope, key], |r| {
            Ok(StoredResponse {
                request_hash: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
            })
        })
        .optional()?)
}

/// Writes `keep` inside the caller's transaction. A key already kept means another request
/// with it committed first: the whole change is refused, and a retry gets that answer.
pub(super) fn keep_in(tx: &Connection, keep: Option<&Keep>) -> Result<()> {
    let Some(k) = keep else { return Ok(()) };
    tx.prepare_cached(
        "INSERT INTO idempotency (scope, key, request_hash, status, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(
        params![k.scope, k.key, k.response.request_hash, k.response.status, k.response.body],
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

/// A new timer stops the user's running one at its start, as in Clockify: the running entry
/// before and after, if one ran; `Err` with the reason when the running one is locked (an
/// admin's to change).
pub(super) fn stop_for_new_timer(
    conn: &Connection,
    user_id: &str,
    start: DateTime<Utc>,
) -> Result<std::result::Result<Option<(EntryRow, EntryRow)>, &'static str>> {
    let running = conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE user_id = ?1 AND end_utc IS NULL"
        ))?
        .query_row([user_id], entry_row)
        .optional()?;
    let Some(before) = running else {
        return Ok(Ok(None));
    };
    if before.locked {
        return Ok(Err("the running timer is locked; ask an admin to stop it"));
    }
    conn.execute(
        "UPDATE time_entries SET end_utc = max(start_utc, ?2) WHERE workspace_id = ?1 AND id = ?3",
        params![before.workspace_id, ts(start), before.id],
    )?;
    let after = Sqlite::stored(conn, &before)?;
    Ok(Ok(Some((before, after))))
}

/// Writes the audit records of entry changes (`(before, after)`, `None` for none) made for
/// `auditor`, if the workspace's settings ask for them, in the caller's transaction.
pub(super) fn audit_entries(
    conn: &Connection,
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
                let settings = settings_in(conn, &workspace)?;
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
    super::sqlite_audit::insert_audits(conn, &records)
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        let mut conn = Connection::open(path)?;
        prepare_connection(&conn)?;
        // Read before anything is written: a newer server's database is left untouched.
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = super::migrations::latest();
        if found > known {
            return Err(StorageError::TooNew { found, known });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        super::migrations::migrations().to_latest(&mut conn)?;
        let hub = super::feed::ChangeHub::starting_at(super::sqlite_feed::last_position(&conn)?);
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open(path)?;
                prepare_connection(&reader)?;
                reader.pragma_update(None, "query_only", "ON")?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<_>>()?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
            readers,
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            hub,
        })
    }

    /// The schema version the database is at (after [`Sqlite::open`], the latest).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub(super) fn conn(&self) -> ConnGuard<'_> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        ConnGuard {
            written_before: conn.total_changes(),
            conn,
            hub: &self.hub,
        }
    }

    /// A read-only connection: a free one if there is one, else the next in turn. A
    /// read on it sees what was committed when the read began.
    pub(super) fn reader(&self) -> MutexGuard<'_, Connection> {
        for reader in &self.readers {
            if let Ok(free) = reader.try_lock() {
                return free;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The row as written, with the version the database gave it.
    pub(super) fn stored(tx: &Connection, entry: &EntryRow) -> Result<EntryRow> {
        Self::find_entry(tx, &entry.workspace_id, &entry.id)?
            .ok_or_else(|| StorageError::NotFound(format!("time entry {} not found", entry.id)))
    }

    pub(super) fn find_entry(
        conn: &Connection,
        workspace_id: &str,
        id: &str,
    ) -> Result<Option<EntryRow>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = ?1 AND id = ?2"
            ))?
            .query_row([workspace_id, id], entry_row)
            .optional()?)
    }
}

impl Storage for Sqlite {
    fn add_user(
        &self,
        workspace: &str,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<(UserRow, String)> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM workspaces WHERE name = ?1",
                [workspace],
                |r| r.get(0),
            )
            .optional()?;
        let workspace_id = match existing {
            Some(id) => id,
            None => {
                let id = auth::new_id();
                tx.execute(
                    "INSERT INTO workspaces (id, name) VALUES (?1, ?2)",
                    [&id, workspace],
                )?;
                id
            }
        };
        let key = auth::issue_key();
        let user = UserRow {
            id: auth::new_id(),
            workspace_id,
            email: email.to_owned(),
            name: name.to_owned(),
            role,
            active: true,
        };
        tx.execute(
            "INSERT INTO users (id, workspace_id, email, name, role, key_id, key_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                user.id,
                user.workspace_id,
                user.email,
                user.name,
                role.as_str(),
                key.key_id,
                key.hash
            ],
        )
        .map_err(|e| {
            if is_constraint(&e) {
                StorageError::Conflict(format!("{email} is already a member of {workspace}"))
            } else {
                e.into()
            }
        })?;
        tx.commit()?;
        Ok((user, key.key))
    }

    fn reset_key(&self, workspace: &str, email: &str) -> Result<String> {
        let key = auth::issue_key();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let user_id = user_id_by_email(&tx, workspace, email)?;
        tx.execute(
            "UPDATE users SET key_id = ?1, key_hash = ?2 WHERE id = ?3",
            params![key.key_id, key.hash, user_id],
        )?;
        // A reset key is a key that may have leaked: the web sessions it (or anything else)
        // opened end with it, so whoever held it keeps no way in.
        tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [&user_id])?;
        tx.commit()?;
        Ok(key.key)
    }

    fn authenticate(&self, key: &str) -> Result<Option<UserRow>> {
        let Some((key_id, secret)) = auth::split_key(key) else {
            return Ok(None);
        };
        let found = self
            .reader()
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, key_hash FROM users WHERE key_id = ?1 AND active = 1"
            ))?
            .query_row([key_id], |r| Ok((user_row(r)?, r.get::<_, Vec<u8>>(6)?)))
            .optional()?;
        Ok(found.and_then(|(user, hash)| auth::secret_matches(secret, &hash).then_some(user)))
    }

    fn workspace(&self, id: &str) -> Result<Option<WorkspaceRow>> {
        Ok(self
            .reader()
            .query_row("SELECT id, name FROM workspaces WHERE id = ?1", [id], |r| {
                Ok(WorkspaceRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .optional()?)
    }

    fn workspace_ids(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id FROM workspaces ORDER BY id")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    fn users_in(&self, workspace_id: &str) -> Result<Vec<UserRow>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 ORDER BY name, id"
        ))?;
        let rows = stmt.query_map([workspace_id], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn create_entry(&self, entry: &EntryRow, side: Side<'_>) -> Result<EntryRow> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(existing) = Self::find_entry(&tx, &entry.workspace_id, &entry.id)? {
            let same = EntryRow {
                version: existing.version,
                ..entry.clone()
            };
            if existing != same {
                return Err(StorageError::Conflict(format!(
                    "an entry with id {} already exists",
                    entry.id
                )));
            }
            keep_in(&tx, side.keep)?;
            tx.commit()?;
            return Ok(existing);
        }
        let mut stopped = None;
        if entry.end.is_none() {
            stopped = match stop_for_new_timer(&tx, &entry.user_id, entry.start)? {
                Ok(stopped) => stopped,
                Err(why) => return Err(StorageError::Conflict(why.into())),
            };
        }
        write_entry(&tx, entry, true).map_err(|e| {
            if is_constraint(&e) {
                StorageError::Conflict(format!("an entry with id {} already exists", entry.id))
            } else {
                e.into()
            }
        })?;
        let stored = Self::stored(&tx, entry)?;
        keep_in(&tx, side.keep)?;
        let mut changes = vec![(None, Some(&stored))];
        if let Some((before, after)) = &stopped {
            changes.insert(0, (Some(before), Some(after)));
        }
        audit_entries(&tx, side.auditor, &changes)?;
        tx.commit()?;
        Ok(stored)
    }

    fn first_version(&self, workspace_id: &str, id: &str) -> Result<i64> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT version + 1 FROM deleted_entry_versions WHERE workspace_id = ?1 AND id = ?2",
            )?
            .query_row(
                [workspace_id, id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(1))
    }

    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        Self::find_entry(&self.reader(), workspace_id, id)
    }

    fn replace_entry(
        &self,
        entry: &EntryRow,
        expected: &EntryRow,
        side: Side<'_>,
    ) -> Result<EntryRow> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match Self::find_entry(&tx, &entry.workspace_id, &entry.id)? {
            None => {
                return Err(StorageError::NotFound(format!(
                    "time entry {} not found",
                    entry.id
                )))
            }
            // Decided on a row that is no longer there: writing it would undo the other
            // change (a lock, a screenshot deletion's cut).
            Some(current) if current != *expected => return Err(StorageError::Changed),
            Some(_) => {}
        }
        let changed = write_entry(&tx, entry, false).map_err(|e| {
            if is_constraint(&e) {
                StorageError::Conflict("another entry of this user is already running".into())
            } else {
                StorageError::from(e)
            }
        })?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!(
                "time entry {} not found",
                entry.id
            )));
        }
        let stored = Self::stored(&tx, entry)?;
        keep_in(&tx, side.keep)?;
        audit_entries(&tx, side.auditor, &[(Some(expected), Some(&stored))])?;
        tx.commit()?;
        Ok(stored)
    }

    fn delete_entry(
        &self,
        workspace_id: &str,
        id: &str,
        side: Side<'_>,
    ) -> Result<Option<Vec<String>>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = Self::find_entry(&tx, workspace_id, id)?;
        let blobs = super::sqlite_screenshots::delete_sets_of_entry(&tx, workspace_id, id)?;
        let deleted = tx.execute(
            "DELETE FROM time_entries WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        keep_in(&tx, side.keep)?;
        audit_entries(&tx, side.auditor, &[(before.as_ref(), None)])?;
        tx.commit()?;
        Ok((deleted > 0).then_some(blobs))
    }

    fn list_entries(
        &self,
        workspace_id: &str,
        user_id: &str,
        filter: &EntryFilter,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<EntryRow>, bool)> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM time_entries
             WHERE workspace_id = ?1 AND user_id = ?2
               AND (?3 IS NULL OR start_utc >= ?3)
               AND (?4 IS NULL OR start_utc < ?4)
               AND (?5 IS NULL OR (end_utc IS NULL) = ?5)
               AND (?8 IS NULL OR instr(fold_case(description), ?8) > 0)
               AND (?9 IS NULL OR project_id = ?9)
               AND (?10 IS NULL OR task_id = ?10)
               AND NOT EXISTS (SELECT 1 FROM json_each(?11) wanted
                               WHERE wanted.value NOT IN (SELECT value FROM json_each(tag_ids)))
             ORDER BY start_utc DESC, id
             LIMIT ?6 OFFSET ?7"
        ))?;
        let offset = u64::from(page.saturating_sub(1)) * u64::from(page_size);
        let rows = stmt.query_map(
            params![
                workspace_id,
                user_id,
                filter.start.map(ts),
                filter.end.map(ts),
                filter.in_progress,
                i64::from(page_size) + 1,
                offset as i64,
                filter.description.as_ref().map(|d| d.to_lowercase()),
                filter.project_id,
                filter.task_id,
                serde_json::to_string(&filter.tag_ids).unwrap_or_else(|_| "[]".into())
            ],
            entry_row,
        )?;
        let mut entries: Vec<EntryRow> = rows.collect::<rusqlite::Result<_>>()?;
        let last = entries.len() <= page_size as usize;
        entries.truncate(page_size as usize);
        Ok((entries, last))
    }

    fn stop_running(
        &self,
        workspace_id: &str,
        user_id: &str,
        expected_id: &str,
        end: DateTime<Utc>,
        side: Side<'_>,
    ) -> Result<Option<EntryRow>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let running = tx
            .query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM time_entries
                     WHERE workspace_id = ?1 AND user_id = ?2 AND end_utc IS NULL"
                ),
                [workspace_id, user_id],
                entry_row,
            )
            .optional()?;
        let Some(before) = running.filter(|e| e.id == expected_id) else {
            return Ok(None);
        };
        let entry = EntryRow {
            end: Some(end),
            ..before.clone()
        };
        write_entry(&tx, &entry, false)?;
        let stored = Self::stored(&tx, &entry)?;
        keep_in(&tx, side.keep)?;
        audit_entries(&tx, side.auditor, &[(Some(&before), Some(&stored))])?;
        tx.commit()?;
        Ok(Some(stored))
    }

    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings> {
        settings_in(&self.reader(), workspace_id)
    }

    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<WorkspaceSettings> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        save_settings_in(&tx, workspace_id, settings, Utc::now())?;
        tx.commit()?;
        Ok(settings.clone())
    }

    fn notices(&self, user_id: &str, unread_only: bool) -> Result<Vec<Notice>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, message, created_utc, read_utc IS NOT NULL FROM notices
             WHERE user_id = ?1 AND (?2 = 0 OR read_utc IS NULL) ORDER BY created_utc, id",
        )?;
        let rows = stmt.query_map(params![user_id, unread_only], |r| {
            Ok(Notice {
                id: r.get(0)?,
                kind: r.get(1)?,
                message: r.get(2)?,
                created_at: parse_ts(&r.get::<_, String>(3)?)?,
                read: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn mark_notice_read(&self, user_id: &str, notice_id: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE notices SET read_utc = coalesce(read_utc, ?3) WHERE id = ?1 AND user_id = ?2",
            params![notice_id, user_id, ts(Utc::now())],
        )? > 0)
    }

    fn feed(
        &self,
        workspace_id: &str,
        user_id: &str,
        since: Option<i64>,
        limit: u32,
    ) -> Result<super::FeedPage> {
        // One snapshot for the page's several reads.
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        let page = super::sqlite_feed::page(&tx, workspace_id, user_id, since, limit)?;
        tx.commit()?;
        Ok(page)
    }

    fn apply_batch(
        &self,
        user: &UserRow,
        items: &[super::BatchItem],
        answer: &super::BatchAnswer,
        auditor: Option<&super::Auditor>,
    ) -> Result<Vec<super::BatchOutcome>> {
        super::sqlite_batch::apply(&mut self.conn(), user, items, answer, auditor)
    }

    fn subscribe(&self, workspace_id: &str, user_id: &str) -> tokio::sync::watch::Receiver<i64> {
        self.hub.subscribe(workspace_id, user_id)
    }

    fn expire_changes(&self, before: DateTime<Utc>) -> Result<usize> {
        Ok(super::sqlite_feed::expire(&self.conn(), &ts(before))?)
    }

    fn idempotent_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>> {
        kept_response(&self.reader(), scope, key)
    }

    fn expire_responses(&self, before: DateTime<Utc>) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM idempotency WHERE created_utc < ?1",
            [ts(before)],
        )?)
    }

    fn lead_jobs(&self) -> Result<bool> {
        Ok(true)
    }

    fn keep_response(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO idempotency (scope, key, request_hash, status, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![scope, key, response.request_hash, response.status, response.body],
        )?;
        Ok(())
    }
}
