//! [`WebStorage`] on the server's SQLite database.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::sqlite::{parse_ts, ts, user_row, Sqlite, USER_COLUMNS};
use super::{Result, UserRow, WebStorage};

impl WebStorage for Sqlite {
    fn set_password(&self, workspace: &str, email: &str, hash: &str) -> Result<bool> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE users SET password_hash = ?3 WHERE email = ?2
               AND workspace_id = (SELECT id FROM workspaces WHERE name = ?1)",
            params![workspace, email, hash],
        )? > 0;
        // A password chosen now ends the invitation links that could set another one.
        conn.execute(
            "DELETE FROM invitations WHERE user_id IN (SELECT u.id FROM users u
               JOIN workspaces w ON w.id = u.workspace_id WHERE w.name = ?1 AND u.email = ?2)",
            params![workspace, email],
        )?;
        Ok(changed)
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<(UserRow, Option<String>)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1 AND active = 1"
        ))?;
        let rows = stmt.query_map([email], |r| Ok((user_row(r)?, r.get(6)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn create_session(
        &self,
        id_hash: &[u8],
        user_id: &str,
        csrf: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO web_sessions (id_hash, user_id, csrf, expires_utc) VALUES (?1, ?2, ?3, ?4)",
            params![id_hash, user_id, csrf, ts(expires)],
        )?;
        Ok(())
    }

    fn session(&self, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(UserRow, String)>> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {}, s.csrf, s.expires_utc FROM web_sessions s
                     JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1 AND u.active = 1",
                    USER_COLUMNS
                        .split(", ")
                        .map(|c| format!("u.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                [id_hash],
                |r| Ok((user_row(r)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?)),
            )
            .optional()?;
        let Some((user, csrf, expires)) = found else {
            return Ok(None);
        };
        if parse_ts(&expires)? <= now {
            conn.execute("DELETE FROM web_sessions WHERE id_hash = ?1", [id_hash])?;
            return Ok(None);
        }
        Ok(Some((user, csrf)))
    }

    fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        self.conn()
            .execute("DELETE FROM web_sessions WHERE id_hash = ?1", [id_hash])?;
        Ok(())
    }

    fn time_zone(&self, user_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT time_zone FROM profiles WHERE user_id = ?1",
                [user_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_time_zone(&self, user_id: &str, zone: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO profiles (user_id, time_zone) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone",
            [user_id, zone],
        )?;
        Ok(())
    }

    fn sign_in_failures(&self, email: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT at_utc FROM sign_in_failures WHERE email = ?1 AND at_utc >= ?2 ORDER BY at_utc",
        )?;
        let times = stmt.query_map(params![email, ts(since)], |r| {
            parse_ts(&r.get::<_, String>(0)?)
        })?;
        Ok(times.collect::<rusqlite::Result<_>>()?)
    }

    fn note_sign_in_failure(
        &self,
        email: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM sign_in_failures WHERE at_utc < ?1",
            [ts(forget_before)],
        )?;
        tx.execute(
            "INSERT INTO sign_in_failures (email, at_utc) VALUES (?1, ?2)",
            params![email, ts(at)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn clear_sign_in_failures(&self, email: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sign_in_failures WHERE email = ?1", [email])?;
        Ok(())
    }
}
