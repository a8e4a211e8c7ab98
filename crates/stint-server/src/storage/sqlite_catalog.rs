//! [`CatalogTx`] on SQLite: the rows of clients, tags, projects, tasks and members inside one
//! transaction of [`CatalogStorage`].

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use stint_api::{Client, Project, Tag, Task, TaskStatus, WorkspaceSettings};

use super::catalog::{CatalogStorage, CatalogTx, EntryRef};
use super::sqlite::{
    entry_row, is_constraint, json_column, keep_in, project_row, ts, user_row, write_entry, Sqlite,
    ENTRY_COLUMNS, PROJECT_COLUMNS, USER_COLUMNS,
};
use super::{AuditRecord, EntryRow, Keep, Result, StorageError, UserRow};

impl CatalogStorage for Sqlite {
    fn write(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        op(&Tx(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn read(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()> {
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        op(&Tx(&tx))?;
        // Nothing was written; ending the snapshot either way is the same.
        tx.rollback()?;
        Ok(())
    }
}

struct Tx<'a>(&'a Connection);

/// A unique name already taken: a conflict that says which name.
fn named(what: &str, name: &str) -> impl Fn(rusqlite::Error) -> StorageError {
    let message = format!("a {what} named {name:?} already exists");
    move |e| {
        if is_constraint(&e) {
            StorageError::Conflict(message.clone())
        } else {
            e.into()
        }
    }
}

fn json(value: &impl serde::Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// Inserts or updates a project row.
fn put_project(conn: &Connection, p: &Project, new: bool) -> Result<()> {
    let sql = if new {
        format!("INSERT INTO projects ({PROJECT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
    } else {
        "UPDATE projects SET name = ?3, client_id = ?4, color = ?5, billable = ?6, archived = ?7,
             public = ?8, note = ?9, hourly_rate = ?10, cost_rate = ?11, estimate = ?12
         WHERE id = ?1 AND workspace_id = ?2"
            .to_owned()
    };
    conn.execute(
        &sql,
        params![
            p.id,
            p.workspace_id,
            p.name,
            p.client_id,
            p.color,
            p.billable,
            p.archived,
            p.public,
            p.note,
            p.hourly_rate.as_ref().and_then(json),
            p.cost_rate.as_ref().and_then(json),
            json(&p.estimate)
        ],
    )
    .map_err(named("project", &p.name))?;
    Ok(())
}

fn client_row(r: &Row<'_>) -> rusqlite::Result<Client> {
    Ok(Client {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        archived: r.get(3)?,
        note: r.get(4)?,
        address: r.get(5)?,
        email: r.get(6)?,
    })
}

fn tag_row(r: &Row<'_>) -> rusqlite::Result<Tag> {
    Ok(Tag {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        archived: r.get(3)?,
    })
}

const TASK_COLUMNS: &str = "id, workspace_id, project_id, name, assignee_ids, estimate_s, status, \
     billable, hourly_rate, cost_rate";

fn task_row(r: &Row<'_>) -> rusqlite::Result<Task> {
    let status: String = r.get(6)?;
    Ok(Task {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        project_id: r.get(2)?,
        name: r.get(3)?,
        assignee_ids: json_column(r.get(4)?).unwrap_or_default(),
        estimate: stint_api::format_iso_duration(r.get(5)?),
        status: if status == "DONE" {
            TaskStatus::Done
        } else {
            TaskStatus::Active
        },
        billable: r.get(7)?,
        hourly_rate: json_column(r.get(8)?),
        cost_rate: json_column(r.get(9)?),
    })
}

impl Tx<'_> {
    fn one<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        Ok(self.0.query_row(sql, args, row).optional()?)
    }

    fn all<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let rows = stmt.query_map(args, row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl CatalogTx for Tx<'_> {
    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings> {
        super::sqlite::settings_in(self.0, workspace_id)
    }

    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
        now: DateTime<Utc>,
    ) -> Result<()> {
        super::sqlite::save_settings_in(self.0, workspace_id, settings, now)
    }

    fn member(&self, workspace_id: &str, user_id: &str) -> Result<Option<UserRow>> {
        self.one(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 AND id = ?2"),
            [workspace_id, user_id],
            user_row,
        )
    }

    fn members(&self, workspace_id: &str) -> Result<Vec<UserRow>> {
        self.all(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = ?1 ORDER BY fold_case(name), name, id"),
            [workspace_id],
            user_row,
        )
    }

    fn put_member(&self, user: &UserRow) -> Result<()> {
        self.0.execute(
            "UPDATE users SET role = ?3, active = ?4 WHERE workspace_id = ?1 AND id = ?2",
            params![user.workspace_id, user.id, user.role.as_str(), user.active],
        )?;
        Ok(())
    }

    fn add_member(&self, user: &UserRow, key: &crate::auth::IssuedKey) -> Result<()> {
        self.0
            .execute(
                "INSERT INTO users (id, workspace_id, email, name, role, key_id, key_hash, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user.id,
                    user.workspace_id,
                    user.email,
                    user.name,
                    user.role.as_str(),
                    key.key_id,
                    key.hash,
                    user.active
                ],
            )
            .map_err(|e| {
                if is_constraint(&e) {
                    StorageError::Conflict(format!("{} is already a member", user.email))
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    fn set_member_key(&self, user_id: &str, key: &crate::auth::IssuedKey) -> Result<()> {
        self.0.execute(
            "UPDATE users SET key_id = ?1, key_hash = ?2 WHERE id = ?3",
            params![key.key_id, key.hash, user_id],
        )?;
        // A reset key is one that may have leaked: the sessions it opened end with it.
        self.0
            .execute("DELETE FROM web_sessions WHERE user_id = ?1", [user_id])?;
        // Invitation links that could set a password end with the key.
        self.drop_invitations(user_id)
    }

    fn set_member_password(&self, user_id: &str, hash: &str) -> Result<()> {
        self.0.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, hash],
        )?;
        self.drop_invitations(user_id)
    }

    fn add_invitation(
        &self,
        token_hash: &[u8],
        user_id: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        self.drop_invitations(user_id)?;
        self.0.execute(
            "INSERT INTO invitations (token_hash, user_id, expires_utc) VALUES (?1, ?2, ?3)",
            params![token_hash, user_id, ts(expires)],
        )?;
        Ok(())
    }

    fn invited(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>> {
        self.one(
            &format!(
                "SELECT {} FROM invitations i JOIN users u ON u.id = i.user_id
                 WHERE i.token_hash = ?1 AND i.expires_utc >= ?2 AND u.active = 1",
                USER_COLUMNS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            params![token_hash, ts(now)],
            user_row,
        )
    }

    fn take_invitation(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>> {
        let member = self.invited(token_hash, now)?;
        self.0.execute(
            "DELETE FROM invitations WHERE token_hash = ?1",
            [token_hash],
        )?;
        if let Some(m) = &member {
            // The link sets a new password: every other way in that was open ends.
            self.drop_invitations(&m.id)?;
            self.0
                .execute("DELETE FROM web_sessions WHERE user_id = ?1", [&m.id])?;
        }
        Ok(member)
    }

    fn drop_invitations(&self, user_id: &str) -> Result<()> {
        self.0
            .execute("DELETE FROM invitations WHERE user_id = ?1", [user_id])?;
        Ok(())
    }

    fn client(&self, workspace_id: &str, id: &str) -> Result<Option<Client>> {
        self.one(
            "SELECT id, workspace_id, name, archived, note, address, email FROM clients
             WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
            client_row,
        )
    }

    fn clients(&self, workspace_id: &str) -> Result<Vec<Client>> {
        self.all(
            "SELECT id, workspace_id, name, archived, note, address, email FROM clients
             WHERE workspace_id = ?1 ORDER BY fold_case(name), name, id",
            [workspace_id],
            client_row,
        )
    }

    fn put_client(&self, c: &Client, new: bool) -> Result<()> {
        let sql = if new {
            "INSERT INTO clients (id, workspace_id, name, archived, note, address, email)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        } else {
            "UPDATE clients SET name = ?3, archived = ?4, note = ?5, address = ?6, email = ?7
             WHERE id = ?1 AND workspace_id = ?2"
        };
        self.0
            .execute(
                sql,
                params![
                    c.id,
                    c.workspace_id,
                    c.name,
                    c.archived,
                    c.note,
                    c.address,
                    c.email
                ],
            )
            .map_err(named("client", &c.name))?;
        Ok(())
    }

    fn delete_client(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM clients WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(())
    }

    fn tag(&self, workspace_id: &str, id: &str) -> Result<Option<Tag>> {
        self.one(
            "SELECT id, workspace_id, name, archived FROM tags WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
            tag_row,
        )
    }

    fn tags(&self, workspace_id: &str) -> Result<Vec<Tag>> {
        self.all(
            "SELECT id, workspace_id, name, archived FROM tags WHERE workspace_id = ?1
             ORDER BY fold_case(name), name, id",
            [workspace_id],
            tag_row,
        )
    }

    fn put_tag(&self, t: &Tag, new: bool) -> Result<()> {
        let sql = if new {
            "INSERT INTO tags (id, workspace_id, name, archived) VALUES (?1, ?2, ?3, ?4)"
        } else {
            "UPDATE tags SET name = ?3, archived = ?4 WHERE id = ?1 AND workspace_id = ?2"
        };
        self.0
            .execute(sql, params![t.id, t.workspace_id, t.name, t.archived])
            .map_err(named("tag", &t.name))?;
        Ok(())
    }

    fn delete_tag(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM tags WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(())
    }

    fn project(&self, workspace_id: &str, id: &str) -> Result<Option<Project>> {
        self.one(
            &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE workspace_id = ?1 AND id = ?2"),
            [workspace_id, id],
            project_row,
        )
    }

    fn projects(&self, workspace_id: &str) -> Result<Vec<Project>> {
        self.all(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE workspace_id = ?1 ORDER BY fold_case(name), name, id"
            ),
            [workspace_id],
            project_row,
        )
    }

    fn put_project(&self, project: &Project, new: bool) -> Result<()> {
        put_project(self.0, project, new)
    }

    fn delete_project(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM tasks WHERE workspace_id = ?1 AND project_id = ?2",
            [workspace_id, id],
        )?;
        self.0.execute(
            "DELETE FROM projects WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(())
    }

    fn project_seconds(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<i64> {
        // Times are stored as RFC 3339 text; julianday reads them (to the millisecond).
        let seconds: f64 = self.0.query_row(
            "SELECT COALESCE(SUM((julianday(COALESCE(end_utc, ?3)) - julianday(start_utc)) * 86400.0), 0)
             FROM time_entries WHERE workspace_id = ?1 AND project_id = ?2",
            params![workspace_id, id, ts(now)],
            |r| r.get(0),
        )?;
        Ok(seconds.round().max(0.0) as i64)
    }

    fn task(&self, workspace_id: &str, id: &str) -> Result<Option<Task>> {
        self.one(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = ?1 AND id = ?2"),
            [workspace_id, id],
            task_row,
        )
    }

    fn tasks(&self, workspace_id: &str, project_id: &str) -> Result<Vec<Task>> {
        self.all(
            &format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = ?1 AND project_id = ?2
                 ORDER BY fold_case(name), name, id"
            ),
            [workspace_id, project_id],
            task_row,
        )
    }

    fn put_task(&self, t: &Task, new: bool) -> Result<()> {
        let sql = if new {
            format!("INSERT INTO tasks ({TASK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        } else {
            "UPDATE tasks SET name = ?4, assignee_ids = ?5, estimate_s = ?6, status = ?7,
                 billable = ?8, hourly_rate = ?9, cost_rate = ?10
             WHERE id = ?1 AND workspace_id = ?2 AND project_id = ?3"
                .to_owned()
        };
        let estimate = stint_api::parse_iso_duration(&t.estimate).unwrap_or(0);
        let status = match t.status {
            TaskStatus::Active => "ACTIVE",
            TaskStatus::Done => "DONE",
        };
        self.0
            .execute(
                &sql,
                params![
                    t.id,
                    t.workspace_id,
                    t.project_id,
                    t.name,
                    json(&t.assignee_ids),
                    estimate,
                    status,
                    t.billable,
                    t.hourly_rate.as_ref().and_then(json),
                    t.cost_rate.as_ref().and_then(json)
                ],
            )
            .map_err(named("task of this project", &t.name))?;
        Ok(())
    }

    fn delete_task(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.0.execute(
            "DELETE FROM tasks WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(())
    }

    fn entries_between(
        &self,
        workspace_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<EntryRow>> {
        self.all(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries
                 WHERE workspace_id = ?1 AND start_utc >= ?2 AND start_utc < ?3
                 ORDER BY start_utc, id"
            ),
            params![workspace_id, ts(from), ts(to)],
            entry_row,
        )
    }

    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        Sqlite::find_entry(self.0, workspace_id, id)
    }

    fn insert_entry(&self, entry: &EntryRow) -> Result<EntryRow> {
        write_entry(self.0, entry, true).map_err(|e| {
            if is_constraint(&e) {
                StorageError::Conflict(format!("an entry with id {} already exists", entry.id))
            } else {
                e.into()
            }
        })?;
        Sqlite::stored(self.0, entry)
    }

    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>> {
        super::sqlite_audit::record_in(self.0, workspace_id, id)
    }

    fn audit_records_of(&self, workspace_id: &str, target_id: &str) -> Result<Vec<AuditRecord>> {
        super::sqlite_audit::records_of(self.0, workspace_id, target_id)
    }

    fn entries_of_user(&self, workspace_id: &str, user_id: &str) -> Result<Vec<EntryRow>> {
        super::sqlite_my_data::entries_of_user(self.0, workspace_id, user_id)
    }

    fn capture_sets_of_user(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<Vec<super::CaptureSetRow>> {
        super::sqlite_my_data::capture_sets_of_user(self.0, workspace_id, user_id)
    }

    fn audit_records_about(&self, workspace_id: &str, user_id: &str) -> Result<Vec<AuditRecord>> {
        super::sqlite_my_data::audit_records_about(self.0, workspace_id, user_id)
    }

    fn invoiced(&self, workspace_id: &str) -> Result<std::collections::HashSet<String>> {
        let ids: Vec<String> = self.all(
            "SELECT entry_id FROM invoiced_entries WHERE workspace_id = ?1",
            [workspace_id],
            |r| r.get(0),
        )?;
        Ok(ids.into_iter().collect())
    }

    fn set_invoiced(&self, workspace_id: &str, id: &str, invoiced: bool) -> Result<()> {
        let sql = if invoiced {
            "INSERT OR IGNORE INTO invoiced_entries (workspace_id, entry_id) VALUES (?1, ?2)"
        } else {
            "DELETE FROM invoiced_entries WHERE workspace_id = ?1 AND entry_id = ?2"
        };
        self.0.execute(sql, [workspace_id, id])?;
        Ok(())
    }

    fn entries_with(&self, workspace_id: &str, what: EntryRef<'_>) -> Result<Vec<EntryRow>> {
        let (condition, id) = match what {
            EntryRef::Project(id) => ("project_id = ?2", id),
            EntryRef::Task(id) => ("task_id = ?2", id),
            EntryRef::Tag(id) => (
                "EXISTS (SELECT 1 FROM json_each(time_entries.tag_ids) WHERE value = ?2)",
                id,
            ),
        };
        self.all(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = ?1 AND {condition}
                 ORDER BY start_utc, id"
            ),
            [workspace_id, id],
            entry_row,
        )
    }

    fn update_entry(&self, entry: &EntryRow) -> Result<()> {
        write_entry(self.0, entry, false)?;
        Ok(())
    }

    fn add_audits(&self, records: &[AuditRecord]) -> Result<()> {
        super::sqlite_audit::insert_audits(self.0, records)
    }

    fn add_discard(&self, row: &super::DiscardRow, now: DateTime<Utc>) -> Result<bool> {
        super::sqlite_discards::add_discard(self.0, row, now)
    }

    fn discards_between(
        &self,
        workspace_id: &str,
        user_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(self.0.query_row(
            "SELECT count(*) FROM discarded_captures WHERE workspace_id = ?1 AND user_id = ?2
             AND captured_utc >= ?3 AND captured_utc < ?4",
            params![workspace_id, user_id, ts(from), ts(to)],
            |r| r.get(0),
        )?)
    }

    fn discard(
        &self,
        workspace_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<Option<super::DiscardRow>> {
        super::sqlite_discards::discard(self.0, workspace_id, user_id, id)
    }

    fn keep(&self, keep: Option<&Keep>) -> Result<()> {
        keep_in(self.0, keep)
    }
}
