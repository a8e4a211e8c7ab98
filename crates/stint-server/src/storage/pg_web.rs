//! [`WebStorage`] on the PostgreSQL database (the rules of `sqlite_web`).

use chrono::{DateTime, Utc};

use super::pg::{all, one, parse_ts, user_row, Postgres};
use super::sqlite::{ts, USER_COLUMNS};
use super::{Result, UserRow, WebStorage};

impl WebStorage for Postgres {
    fn set_password(&self, workspace: &str, email: &str, hash: &str) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE users SET password_hash = $3 WHERE email = $2
                   AND workspace_id = (SELECT id FROM workspaces WHERE name = $1)",
                &[&workspace, &email, &hash],
            )? > 0;
            // A password chosen now ends the invitation links that could set another one.
            tx.execute(
                "DELETE FROM invitations WHERE user_id IN (SELECT u.id FROM users u
                   JOIN workspaces w ON w.id = u.workspace_id WHERE w.name = $1 AND u.email = $2)",
                &[&workspace, &email],
            )?;
            Ok(changed)
        })
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<(UserRow, Option<String>)>> {
        self.read(|tx| {
            all(
                tx,
                &format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND active"
                ),
                &[&email],
                |r| Ok((user_row(r)?, r.try_get(6)?)),
            )
        })
    }

    fn create_session(
        &self,
        id_hash: &[u8],
        user_id: &str,
        csrf: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO web_sessions (id_hash, user_id, csrf, expires_utc)
                 VALUES ($1, $2, $3, $4)",
                &[&id_hash, &user_id, &csrf, &ts(expires)],
            )?;
            Ok(())
        })
    }

    fn session(&self, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(UserRow, String)>> {
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let found = self.read(|tx| {
            one(
                tx,
                &format!(
                    "SELECT {columns}, s.csrf, s.expires_utc FROM web_sessions s
                     JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND u.active"
                ),
                &[&id_hash],
                |r| {
                    Ok((
                        user_row(r)?,
                        r.try_get::<_, String>(6)?,
                        r.try_get::<_, String>(7)?,
                    ))
                },
            )
        })?;
        let Some((user, csrf, expires)) = found else {
            return Ok(None);
        };
        if parse_ts(&expires)? <= now {
            // The same separate delete as on SQLite: the read needs no write lock.
            self.delete_session(id_hash)?;
            return Ok(None);
        }
        Ok(Some((user, csrf)))
    }

    fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM web_sessions WHERE id_hash = $1", &[&id_hash])?;
            Ok(())
        })
    }

    fn time_zone(&self, user_id: &str) -> Result<Option<String>> {
        self.read(|tx| {
            one(
                tx,
                "SELECT time_zone FROM profiles WHERE user_id = $1",
                &[&user_id],
                |r| Ok(r.try_get(0)?),
            )
        })
    }

    fn set_time_zone(&self, user_id: &str, zone: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO profiles (user_id, time_zone) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone",
                &[&user_id, &zone],
            )?;
            Ok(())
        })
    }

    fn sign_in_failures(&self, email: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let since = ts(since);
        self.read(|tx| {
            all(
                tx,
                "SELECT at_utc FROM sign_in_failures WHERE email = $1 AND at_utc >= $2
                 ORDER BY at_utc",
                &[&email, &since],
                |r| parse_ts(&r.try_get::<_, String>(0)?),
            )
        })
    }

    fn note_sign_in_failure(
        &self,
        email: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        let (at, forget_before) = (ts(at), ts(forget_before));
        self.write(|tx| {
            tx.execute(
                "DELETE FROM sign_in_failures WHERE at_utc < $1",
                &[&forget_before],
            )?;
            tx.execute(
                "INSERT INTO sign_in_failures (email, at_utc) VALUES ($1, $2)",
                &[&email, &at],
            )?;
            Ok(())
        })
    }

    fn clear_sign_in_failures(&self, email: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sign_in_failures WHERE email = $1", &[&email])?;
            Ok(())
        })
    }
}
