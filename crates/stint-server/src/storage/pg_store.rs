//! [`Storage`] on PostgreSQL: users, entries, settings, notices, the feed and kept answers,
//! each operation in one transaction, with the rules of the SQLite implementation.

use chrono::{DateTime, Utc};
use stint_api::{Notice, WorkspaceSettings};

use super::pg::{all, entry_row, is_constraint, one, parse_ts, user_row, Postgres};
use super::pg_rows::{
    audit_entries, find_entry, keep_in, kept_response, stop_for_new_timer, stored,
    user_id_by_email, write_entry,
};
use super::sqlite::{ts, ENTRY_COLUMNS, USER_COLUMNS};
use super::{
    EntryFilter, EntryRow, Result, Role, Side, Storage, StorageError, StoredResponse, UserRow,
    WorkspaceRow,
};
use crate::auth;

impl Storage for Postgres {
    fn add_user(
        &self,
        workspace: &str,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<(UserRow, String)> {
        self.write(|tx| {
            let existing = one(
                tx,
                "SELECT id FROM workspaces WHERE name = $1",
                &[&workspace],
                |r| Ok(r.try_get::<_, String>(0)?),
            )?;
            let workspace_id = match existing {
                Some(id) => id,
                None => {
                    let id = auth::new_id();
                    tx.execute(
                        "INSERT INTO workspaces (id, name) VALUES ($1, $2)",
                        &[&id, &workspace],
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
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &user.id,
                    &user.workspace_id,
                    &user.email,
                    &user.name,
                    &role.as_str(),
                    &key.key_id,
                    &key.hash,
                ],
            )
            .map_err(|e| {
                if is_constraint(&e) {
                    StorageError::Conflict(format!("{email} is already a member of {workspace}"))
                } else {
                    e.into()
                }
            })?;
            Ok((user, key.key))
        })
    }

    fn reset_key(&self, workspace: &str, email: &str) -> Result<String> {
        let key = auth::issue_key();
        self.write(|tx| {
            let user_id = user_id_by_email(tx, workspace, email)?;
            tx.execute(
                "UPDATE users SET key_id = $1, key_hash = $2 WHERE id = $3",
                &[&key.key_id, &key.hash, &user_id],
            )?;
            // As on SQLite: a reset key may have leaked, so its web sessions end with it.
            tx.execute("DELETE FROM web_sessions WHERE user_id = $1", &[&user_id])?;
            Ok(())
        })?;
        Ok(key.key)
    }

    fn authenticate(&self, key: &str) -> Result<Option<UserRow>> {
        let Some((key_id, secret)) = auth::split_key(key) else {
            return Ok(None);
        };
        let found = one(
            &mut *self.conn()?,
            &format!("SELECT {USER_COLUMNS}, key_hash FROM users WHERE key_id = $1 AND active"),
            &[&key_id],
            |r| Ok((user_row(r)?, r.try_get::<_, Vec<u8>>(6)?)),
        )?;
        Ok(found.and_then(|(user, hash)| auth::secret_matches(secret, &hash).then_some(user)))
    }

    fn workspace(&self, id: &str) -> Result<Option<WorkspaceRow>> {
        one(
            &mut *self.conn()?,
            "SELECT id, name FROM workspaces WHERE id = $1",
            &[&id],
            |r| {
                Ok(WorkspaceRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                })
            },
        )
    }

    fn workspace_ids(&self) -> Result<Vec<String>> {
        all(
            &mut *self.conn()?,
            "SELECT id FROM workspaces ORDER BY id",
            &[],
            |r| Ok(r.try_get(0)?),
        )
    }

    fn users_in(&self, workspace_id: &str) -> Result<Vec<UserRow>> {
        all(
            &mut *self.conn()?,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY name, id"),
            &[&workspace_id],
            user_row,
        )
    }

    fn create_entry(&self, entry: &EntryRow, side: Side<'_>) -> Result<EntryRow> {
        self.write(|tx| {
            if let Some(existing) = find_entry(tx, &entry.workspace_id, &entry.id)? {
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
                keep_in(tx, side.keep)?;
                return Ok(existing);
            }
            let mut stopped = None;
            if entry.end.is_none() {
                stopped = match stop_for_new_timer(tx, &entry.user_id, entry.start)? {
                    Ok(stopped) => stopped,
                    Err(why) => return Err(StorageError::Conflict(why.into())),
                };
            }
            write_entry(tx, entry, true).map_err(|e| {
                if is_constraint(&e) {
                    StorageError::Conflict(format!("an entry with id {} already exists", entry.id))
                } else {
                    e.into()
                }
            })?;
            let stored = stored(tx, entry)?;
            keep_in(tx, side.keep)?;
            let mut changes = vec![(None, Some(&stored))];
            if let Some((before, after)) = &stopped {
                changes.insert(0, (Some(before), Some(after)));
            }
            audit_entries(tx, side.auditor, &changes)?;
            Ok(stored)
        })
    }

    fn first_version(&self, workspace_id: &str, id: &str) -> Result<i64> {
        Ok(one(
            &mut *self.conn()?,
            "SELECT version + 1 FROM deleted_entry_versions WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
            |r| Ok(r.try_get::<_, i64>(0)?),
        )?
        .unwrap_or(1))
    }

    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        find_entry(&mut *self.conn()?, workspace_id, id)
    }

    fn replace_entry(
        &self,
        entry: &EntryRow,
        expected: &EntryRow,
        side: Side<'_>,
    ) -> Result<EntryRow> {
        self.write(|tx| {
            match find_entry(tx, &entry.workspace_id, &entry.id)? {
                None => {
                    return Err(StorageError::NotFound(format!(
                        "time entry {} not found",
                        entry.id
                    )))
                }
                // Decided on a row that is no longer there (see the SQLite implementation).
                Some(current) if current != *expected => return Err(StorageError::Changed),
                Some(_) => {}
            }
            let changed = write_entry(tx, entry, false).map_err(|e| {
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
            let stored = stored(tx, entry)?;
            keep_in(tx, side.keep)?;
            audit_entries(tx, side.auditor, &[(Some(expected), Some(&stored))])?;
            Ok(stored)
        })
    }

    fn delete_entry(
        &self,
        workspace_id: &str,
        id: &str,
        side: Side<'_>,
    ) -> Result<Option<Vec<String>>> {
        self.write(|tx| {
            let before = find_entry(tx, workspace_id, id)?;
            let blobs = super::pg_screenshots::delete_sets_of_entry(tx, workspace_id, id)?;
            let deleted = tx.execute(
                "DELETE FROM time_entries WHERE workspace_id = $1 AND id = $2",
                &[&workspace_id, &id],
            )?;
            keep_in(tx, side.keep)?;
            audit_entries(tx, side.auditor, &[(before.as_ref(), None)])?;
            Ok((deleted > 0).then_some(blobs))
        })
    }

    fn list_entries(
        &self,
        workspace_id: &str,
        user_id: &str,
        filter: &EntryFilter,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<EntryRow>, bool)> {
        let offset = u64::from(page.saturating_sub(1)) * u64::from(page_size);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let tags = serde_json::to_string(&filter.tag_ids).unwrap_or_else(|_| "[]".into());
        let mut entries = all(
            &mut *self.conn()?,
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries
                 WHERE workspace_id = $1 AND user_id = $2
                   AND ($3::text IS NULL OR start_utc >= $3)
                   AND ($4::text IS NULL OR start_utc < $4)
                   AND ($5::bool IS NULL OR (end_utc IS NULL) = $5)
                   AND ($8::text IS NULL
                        OR strpos(lower(description COLLATE \"und-x-icu\"), $8) > 0)
                   AND ($9::text IS NULL OR project_id = $9)
                   AND ($10::text IS NULL OR task_id = $10)
                   AND NOT EXISTS (
                       SELECT 1 FROM jsonb_array_elements_text($11::text::jsonb) wanted
                       WHERE wanted NOT IN (
                           SELECT jsonb_array_elements_text(tag_ids::jsonb)))
                 ORDER BY start_utc DESC, id
                 LIMIT $6 OFFSET $7"
            ),
            &[
                &workspace_id,
                &user_id,
                &filter.start.map(ts),
                &filter.end.map(ts),
                &filter.in_progress,
                &(i64::from(page_size) + 1),
                &offset,
                &filter.description.as_ref().map(|d| d.to_lowercase()),
                &filter.project_id,
                &filter.task_id,
                &tags,
            ],
            entry_row,
        )?;
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
        self.write(|tx| {
            let running = one(
                tx,
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM time_entries
                     WHERE workspace_id = $1 AND user_id = $2 AND end_utc IS NULL"
                ),
                &[&workspace_id, &user_id],
                entry_row,
            )?;
            let Some(before) = running.filter(|e| e.id == expected_id) else {
                return Ok(None);
            };
            let entry = EntryRow {
                end: Some(end),
                ..before.clone()
            };
            write_entry(tx, &entry, false)?;
            let stored = stored(tx, &entry)?;
            keep_in(tx, side.keep)?;
            audit_entries(tx, side.auditor, &[(Some(&before), Some(&stored))])?;
            Ok(Some(stored))
        })
    }

    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings> {
        super::pg_rows::settings_in(&mut *self.conn()?, workspace_id)
    }

    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<WorkspaceSettings> {
        self.write(|tx| super::pg_rows::save_settings_in(tx, workspace_id, settings, Utc::now()))?;
        Ok(settings.clone())
    }

    fn notices(&self, user_id: &str, unread_only: bool) -> Result<Vec<Notice>> {
        all(
            &mut *self.conn()?,
            "SELECT id, kind, message, created_utc, read_utc IS NOT NULL FROM notices
             WHERE user_id = $1 AND (NOT $2 OR read_utc IS NULL) ORDER BY created_utc, id",
            &[&user_id, &unread_only],
            |r| {
                Ok(Notice {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    message: r.try_get(2)?,
                    created_at: parse_ts(&r.try_get::<_, String>(3)?)?,
                    read: r.try_get(4)?,
                })
            },
        )
    }

    fn mark_notice_read(&self, user_id: &str, notice_id: &str) -> Result<bool> {
        let now = ts(Utc::now());
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE notices SET read_utc = coalesce(read_utc, $3) WHERE id = $1 AND user_id = $2",
                &[&notice_id, &user_id, &now],
            )? > 0)
        })
    }

    fn feed(
        &self,
        workspace_id: &str,
        user_id: &str,
        since: Option<i64>,
        limit: u32,
    ) -> Result<super::FeedPage> {
        self.read(|tx| super::pg_feed::page(tx, workspace_id, user_id, since, limit))
    }

    fn apply_batch(
        &self,
        user: &UserRow,
        items: &[super::BatchItem],
        answer: &super::BatchAnswer,
        auditor: Option<&super::Auditor>,
    ) -> Result<Vec<super::BatchOutcome>> {
        super::pg_batch::apply(self, user, items, answer, auditor)
    }

    fn subscribe(&self, workspace_id: &str, user_id: &str) -> tokio::sync::watch::Receiver<i64> {
        self.hub().subscribe(workspace_id, user_id)
    }

    fn expire_changes(&self, before: DateTime<Utc>) -> Result<usize> {
        let before = ts(before);
        self.write(|tx| super::pg_feed::expire(tx, &before))
    }

    fn idempotent_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>> {
        kept_response(&mut *self.conn()?, scope, key)
    }

    fn expire_responses(&self, before: DateTime<Utc>) -> Result<usize> {
        let before = ts(before);
        self.write(|tx| {
            Ok(tx.execute("DELETE FROM idempotency WHERE created_utc < $1", &[&before])? as usize)
        })
    }

    fn lead_jobs(&self) -> Result<bool> {
        self.lead_jobs()
    }

    fn keep_response(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO idempotency (scope, key, request_hash, status, body)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[
                    &scope,
                    &key,
                    &response.request_hash,
                    &i32::from(response.status),
                    &response.body,
                ],
            )?;
            Ok(())
        })
    }
}
