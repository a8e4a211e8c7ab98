//! [`CatalogTx`] on PostgreSQL: the rows of clients, tags, projects, tasks and members inside
//! one transaction of [`CatalogStorage`] (the rules of `sqlite_catalog`).

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::Row;
use stint_api::{Client, Project, Tag, Task, TaskStatus, WorkspaceSettings};

use super::catalog::{CatalogStorage, CatalogTx, EntryRef};
use super::pg::{
    all, entry_row, is_constraint, one, project_row, user_row, Postgres, Tx, FOLD_NAME,
};
use super::pg_rows::{keep_in, write_entry};
use super::sqlite::{json_column, ts, ENTRY_COLUMNS, PROJECT_COLUMNS, USER_COLUMNS};
use super::{AuditRecord, EntryRow, Keep, Result, StorageError, UserRow};

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl CatalogStorage for Postgres {
    fn write(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()> {
        // The inherent `write`: one transaction holding the global write lock.
        Postgres::write(self, |tx| op(&PgCatalogTx(Tx(RefCell::new(tx)))))
    }

    fn read(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()> {
        Postgres::read(self, |tx| op(&PgCatalogTx(Tx(RefCell::new(tx)))))
    }
}

struct PgCatalogTx<'a, 'b>(Tx<'a, 'b>);

/// A unique name already taken: a conflict that says which name.
fn named(what: &str, name: &str) -> impl Fn(postgres::Error) -> StorageError {
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

fn client_row(r: &Row) -> Result<Client> {
    Ok(Client {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        name: r.try_get(2)?,
        archived: r.try_get(3)?,
        note: r.try_get(4)?,
        address: r.try_get(5)?,
        email: r.try_get(6)?,
    })
}

fn tag_row(r: &Row) -> Result<Tag> {
    Ok(Tag {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        name: r.try_get(2)?,
        archived: r.try_get(3)?,
    })
}

const TASK_COLUMNS: &str = "id, workspace_id, project_id, name, assignee_ids, estimate_s, status, \
     billable, hourly_rate, cost_rate";

fn task_row(r: &Row) -> Result<Task> {
    let status: String = r.try_get(6)?;
    Ok(Task {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        project_id: r.try_get(2)?,
        name: r.try_get(3)?,
        assignee_ids: json_column(r.try_get(4)?).unwrap_or_default(),
        estimate: stint_api::format_iso_duration(r.try_get(5)?),
        status: if status == "DONE" {
            TaskStatus::Done
        } else {
            TaskStatus::Active
        },
        billable: r.try_get(7)?,
        hourly_rate: json_column(r.try_get(8)?),
        cost_rate: json_column(r.try_get(9)?),
    })
}

impl PgCatalogTx<'_, '_> {
    fn fetch_one<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        read: impl Fn(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        self.0.with(|c| one(c, sql, params, read))
    }

    fn fetch_all<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        read: impl Fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.0.with(|c| all(c, sql, params, read))
    }

    /// Runs one statement; its error goes through `map` (a taken name, say).
    fn run_or(
        &self,
        sql: &str,
        params: Params<'_>,
        map: impl Fn(postgres::Error) -> StorageError,
    ) -> Result<()> {
        self.0
            .with(|c| c.execute(sql, params).map(|_| ()).map_err(map))
    }

    fn run(&self, sql: &str, params: Params<'_>) -> Result<()> {
        self.run_or(sql, params, StorageError::from)
    }
}

impl CatalogTx for PgCatalogTx<'_, '_> {
    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings> {
        self.0
            .with(|c| super::pg_rows::settings_in(c, workspace_id))
    }

    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.0
            .with(|c| super::pg_rows::save_settings_in(c, workspace_id, settings, now))
    }

    fn member(&self, workspace_id: &str, user_id: &str) -> Result<Option<UserRow>> {
        self.fetch_one(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 AND id = $2"),
            &[&workspace_id, &user_id],
            user_row,
        )
    }

    fn members(&self, workspace_id: &str) -> Result<Vec<UserRow>> {
        self.fetch_all(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY {FOLD_NAME}, name, id"
            ),
            &[&workspace_id],
            user_row,
        )
    }

    fn put_member(&self, user: &UserRow) -> Result<()> {
        self.run(
            "UPDATE users SET role = $3, active = $4 WHERE workspace_id = $1 AND id = $2",
            &[
                &user.workspace_id,
                &user.id,
                &user.role.as_str(),
                &user.active,
            ],
        )
    }

    fn add_member(&self, user: &UserRow, key: &crate::auth::IssuedKey) -> Result<()> {
        self.run_or(
            "INSERT INTO users (id, workspace_id, email, name, role, key_id, key_hash, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &user.id,
                &user.workspace_id,
                &user.email,
                &user.name,
                &user.role.as_str(),
                &key.key_id,
                &key.hash,
                &user.active,
            ],
            |e| {
                if is_constraint(&e) {
                    StorageError::Conflict(format!("{} is already a member", user.email))
                } else {
                    e.into()
                }
            },
        )
    }

    fn set_member_key(&self, user_id: &str, key: &crate::auth::IssuedKey) -> Result<()> {
        self.run(
            "UPDATE users SET key_id = $1, key_hash = $2 WHERE id = $3",
            &[&key.key_id, &key.hash, &user_id],
        )?;
        // A reset key is one that may have leaked: the sessions it opened end with it.
        self.run("DELETE FROM web_sessions WHERE user_id = $1", &[&user_id])?;
        // Invitation links that could set a password end with the key.
        self.drop_invitations(user_id)
    }

    fn set_member_password(&self, user_id: &str, hash: &str) -> Result<()> {
        self.run(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user_id, &hash],
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
        self.run(
            "INSERT INTO invitations (token_hash, user_id, expires_utc) VALUES ($1, $2, $3)",
            &[&token_hash, &user_id, &ts(expires)],
        )
    }

    fn invited(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>> {
        self.fetch_one(
            &format!(
                "SELECT {} FROM invitations i JOIN users u ON u.id = i.user_id
                 WHERE i.token_hash = $1 AND i.expires_utc >= $2 AND u.active",
                USER_COLUMNS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &[&token_hash, &ts(now)],
            user_row,
        )
    }

    fn take_invitation(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>> {
        let member = self.invited(token_hash, now)?;
        self.run(
            "DELETE FROM invitations WHERE token_hash = $1",
            &[&token_hash],
        )?;
        if let Some(m) = &member {
            // The link sets a new password: every other way in that was open ends.
            self.drop_invitations(&m.id)?;
            self.run("DELETE FROM web_sessions WHERE user_id = $1", &[&m.id])?;
        }
        Ok(member)
    }

    fn drop_invitations(&self, user_id: &str) -> Result<()> {
        self.run("DELETE FROM invitations WHERE user_id = $1", &[&user_id])
    }

    fn client(&self, workspace_id: &str, id: &str) -> Result<Option<Client>> {
        self.fetch_one(
            "SELECT id, workspace_id, name, archived, note, address, email FROM clients
             WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
            client_row,
        )
    }

    fn clients(&self, workspace_id: &str) -> Result<Vec<Client>> {
        self.fetch_all(
            &format!(
                "SELECT id, workspace_id, name, archived, note, address, email FROM clients
                 WHERE workspace_id = $1 ORDER BY {FOLD_NAME}, name, id"
            ),
            &[&workspace_id],
            client_row,
        )
    }

    fn put_client(&self, c: &Client, new: bool) -> Result<()> {
        let sql = if new {
            "INSERT INTO clients (id, workspace_id, name, archived, note, address, email)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        } else {
            "UPDATE clients SET name = $3, archived = $4, note = $5, address = $6, email = $7
             WHERE id = $1 AND workspace_id = $2"
        };
        self.run_or(
            sql,
            &[
                &c.id,
                &c.workspace_id,
                &c.name,
                &c.archived,
                &c.note,
                &c.address,
                &c.email,
            ],
            named("client", &c.name),
        )
    }

    fn delete_client(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.run(
            "DELETE FROM clients WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
        )
    }

    fn tag(&self, workspace_id: &str, id: &str) -> Result<Option<Tag>> {
        self.fetch_one(
            "SELECT id, workspace_id, name, archived FROM tags WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
            tag_row,
        )
    }

    fn tags(&self, workspace_id: &str) -> Result<Vec<Tag>> {
        self.fetch_all(
            &format!(
                "SELECT id, workspace_id, name, archived FROM tags WHERE workspace_id = $1
                 ORDER BY {FOLD_NAME}, name, id"
            ),
            &[&workspace_id],
            tag_row,
        )
    }

    fn put_tag(&self, t: &Tag, new: bool) -> Result<()> {
        let sql = if new {
            "INSERT INTO tags (id, workspace_id, name, archived) VALUES ($1, $2, $3, $4)"
        } else {
            "UPDATE tags SET name = $3, archived = $4 WHERE id = $1 AND workspace_id = $2"
        };
        self.run_or(
            sql,
            &[&t.id, &t.workspace_id, &t.name, &t.archived],
            named("tag", &t.name),
        )
    }

    fn delete_tag(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.run(
            "DELETE FROM tags WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
        )
    }

    fn project(&self, workspace_id: &str, id: &str) -> Result<Option<Project>> {
        self.fetch_one(
            &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE workspace_id = $1 AND id = $2"),
            &[&workspace_id, &id],
            project_row,
        )
    }

    fn projects(&self, workspace_id: &str) -> Result<Vec<Project>> {
        self.fetch_all(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE workspace_id = $1 ORDER BY {FOLD_NAME}, name, id"
            ),
            &[&workspace_id],
            project_row,
        )
    }

    fn put_project(&self, p: &Project, new: bool) -> Result<()> {
        let sql = if new {
            format!("INSERT INTO projects ({PROJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        } else {
            "UPDATE projects SET name = $3, client_id = $4, color = $5, billable = $6, archived = $7,
                 public = $8, note = $9, hourly_rate = $10, cost_rate = $11, estimate = $12
             WHERE id = $1 AND workspace_id = $2"
                .to_owned()
        };
        self.run_or(
            &sql,
            &[
                &p.id,
                &p.workspace_id,
                &p.name,
                &p.client_id,
                &p.color,
                &p.billable,
                &p.archived,
                &p.public,
                &p.note,
                &p.hourly_rate.as_ref().and_then(json),
                &p.cost_rate.as_ref().and_then(json),
                &json(&p.estimate),
            ],
            named("project", &p.name),
        )
    }

    fn delete_project(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.run(
            "DELETE FROM tasks WHERE workspace_id = $1 AND project_id = $2",
            &[&workspace_id, &id],
        )?;
        self.run(
            "DELETE FROM projects WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
        )
    }

    fn project_seconds(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<i64> {
        // Times are stored as RFC 3339 text; as timestamptz they keep the millisecond.
        let seconds: f64 = self.0.with(|c| {
            Ok(c.query_one(
                "SELECT COALESCE(SUM(extract(epoch from (COALESCE(end_utc, $3)::timestamptz))
                                     - extract(epoch from (start_utc::timestamptz))), 0)::float8
                 FROM time_entries WHERE workspace_id = $1 AND project_id = $2",
                &[&workspace_id, &id, &ts(now)],
            )?
            .try_get(0)?)
        })?;
        Ok(seconds.round().max(0.0) as i64)
    }

    fn task(&self, workspace_id: &str, id: &str) -> Result<Option<Task>> {
        self.fetch_one(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = $1 AND id = $2"),
            &[&workspace_id, &id],
            task_row,
        )
    }

    fn tasks(&self, workspace_id: &str, project_id: &str) -> Result<Vec<Task>> {
        self.fetch_all(
            &format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE workspace_id = $1 AND project_id = $2
                 ORDER BY {FOLD_NAME}, name, id"
            ),
            &[&workspace_id, &project_id],
            task_row,
        )
    }

    fn put_task(&self, t: &Task, new: bool) -> Result<()> {
        let sql = if new {
            format!("INSERT INTO tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        } else {
            "UPDATE tasks SET name = $4, assignee_ids = $5, estimate_s = $6, status = $7,
                 billable = $8, hourly_rate = $9, cost_rate = $10
             WHERE id = $1 AND workspace_id = $2 AND project_id = $3"
                .to_owned()
        };
        let estimate: i64 = stint_api::parse_iso_duration(&t.estimate).unwrap_or(0);
        let status = match t.status {
            TaskStatus::Active => "ACTIVE",
            TaskStatus::Done => "DONE",
        };
        self.run_or(
            &sql,
            &[
                &t.id,
                &t.workspace_id,
                &t.project_id,
                &t.name,
                &json(&t.assignee_ids),
                &estimate,
                &status,
                &t.billable,
                &t.hourly_rate.as_ref().and_then(json),
                &t.cost_rate.as_ref().and_then(json),
            ],
            named("task of this project", &t.name),
        )
    }

    fn delete_task(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.run(
            "DELETE FROM tasks WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
        )
    }

    fn entries_between(
        &self,
        workspace_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<EntryRow>> {
        self.fetch_all(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries
                 WHERE workspace_id = $1 AND start_utc >= $2 AND start_utc < $3
                 ORDER BY start_utc, id"
            ),
            &[&workspace_id, &ts(from), &ts(to)],
            entry_row,
        )
    }

    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        self.0
            .with(|c| super::pg_rows::find_entry(c, workspace_id, id))
    }

    fn insert_entry(&self, entry: &EntryRow) -> Result<EntryRow> {
        self.0.with(|c| {
            write_entry(c, entry, true).map_err(|e| {
                if is_constraint(&e) {
                    StorageError::Conflict(format!("an entry with id {} already exists", entry.id))
                } else {
                    e.into()
                }
            })?;
            super::pg_rows::stored(c, entry)
        })
    }

    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>> {
        self.0
            .with(|c| super::pg_audit::record_in(c, workspace_id, id))
    }

    fn audit_records_of(&self, workspace_id: &str, target_id: &str) -> Result<Vec<AuditRecord>> {
        self.0
            .with(|c| super::pg_audit::records_of(c, workspace_id, target_id))
    }

    fn entries_of_user(&self, workspace_id: &str, user_id: &str) -> Result<Vec<EntryRow>> {
        self.0
            .with(|c| super::pg_my_data::entries_of_user(c, workspace_id, user_id))
    }

    fn capture_sets_of_user(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<Vec<super::CaptureSetRow>> {
        self.0
            .with(|c| super::pg_my_data::capture_sets_of_user(c, workspace_id, user_id))
    }

    fn audit_records_about(&self, workspace_id: &str, user_id: &str) -> Result<Vec<AuditRecord>> {
        self.0
            .with(|c| super::pg_my_data::audit_records_about(c, workspace_id, user_id))
    }

    fn invoiced(&self, workspace_id: &str) -> Result<std::collections::HashSet<String>> {
        let ids = self.fetch_all(
            "SELECT entry_id FROM invoiced_entries WHERE workspace_id = $1",
            &[&workspace_id],
            |r| Ok(r.try_get::<_, String>(0)?),
        )?;
        Ok(ids.into_iter().collect())
    }

    fn set_invoiced(&self, workspace_id: &str, id: &str, invoiced: bool) -> Result<()> {
        let sql = if invoiced {
            "INSERT INTO invoiced_entries (workspace_id, entry_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM invoiced_entries WHERE workspace_id = $1 AND entry_id = $2"
        };
        self.run(sql, &[&workspace_id, &id])
    }

    fn entries_with(&self, workspace_id: &str, what: EntryRef<'_>) -> Result<Vec<EntryRow>> {
        let (condition, id) = match what {
            EntryRef::Project(id) => ("project_id = $2", id),
            EntryRef::Task(id) => ("task_id = $2", id),
            EntryRef::Tag(id) => (
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(time_entries.tag_ids::jsonb)
                         WHERE value = $2)",
                id,
            ),
        };
        self.fetch_all(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = $1 AND {condition}
                 ORDER BY start_utc, id"
            ),
            &[&workspace_id, &id],
            entry_row,
        )
    }

    fn update_entry(&self, entry: &EntryRow) -> Result<()> {
        self.0.with(|c| {
            write_entry(c, entry, false)?;
            Ok(())
        })
    }

    fn add_audits(&self, records: &[AuditRecord]) -> Result<()> {
        self.0.with(|c| super::pg_audit::insert_audits(c, records))
    }

    fn add_discard(&self, row: &super::DiscardRow, now: DateTime<Utc>) -> Result<bool> {
        self.0
            .with(|c| super::pg_discards::add_discard(c, row, now))
    }

    fn discards_between(
        &self,
        workspace_id: &str,
        user_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64> {
        let (from, to) = (super::sqlite::ts(from), super::sqlite::ts(to));
        self.0.with(|c| {
            Ok(c.query_one(
                "SELECT count(*) FROM discarded_captures WHERE workspace_id = $1 AND user_id = $2
                 AND captured_utc >= $3 AND captured_utc < $4",
                &[&workspace_id, &user_id, &from, &to],
            )?
            .try_get(0)?)
        })
    }

    fn discard(
        &self,
        workspace_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<Option<super::DiscardRow>> {
        self.0
            .with(|c| super::pg_discards::discard(c, workspace_id, user_id, id))
    }

    fn keep(&self, keep: Option<&Keep>) -> Result<()> {
        self.0.with(|c| keep_in(c, keep))
    }
}
