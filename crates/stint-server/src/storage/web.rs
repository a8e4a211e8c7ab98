//! What the web pages keep: password hashes, browser sessions, each user's time zone and
//! recent failed sign-ins. A session's id is stored
//! only as its SHA-256, so the database alone cannot be used to sign in.

use chrono::{DateTime, Utc};

use super::{Result, UserRow};

pub trait WebStorage {
    /// Sets (or replaces) a user's password hash; false if there is no such user.
    fn set_password(&self, workspace: &str, email: &str, hash: &str) -> Result<bool>;
    /// Users with this email (one per workspace) and their password hashes, if set.
    fn users_by_email(&self, email: &str) -> Result<Vec<(UserRow, Option<String>)>>;
    fn create_session(
        &self,
        id_hash: &[u8],
        user_id: &str,
        csrf: &str,
        expires: DateTime<Utc>,
    ) -> Result<()>;
    /// The session's user and CSRF token, unless it expired before `now` (then it is
    /// deleted).
    fn session(&self, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(UserRow, String)>>;
    fn delete_session(&self, id_hash: &[u8]) -> Result<()>;
    /// The IANA time zone a user chose for the pages (`Europe/Berlin`), if any.
    fn time_zone(&self, user_id: &str) -> Result<Option<String>>;
    /// Keeps the user's time zone (checked by the caller).
    fn set_time_zone(&self, user_id: &str, zone: &str) -> Result<()>;
    /// When the failed password sign-ins for `email` (as typed, folded by the caller) at
    /// or after `since` happened, oldest first.
    fn sign_in_failures(&self, email: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>>;
    /// Keeps a failed sign-in for `email` at `at`, and forgets every failure (of any
    /// email) from before `forget_before`.
    fn note_sign_in_failure(
        &self,
        email: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()>;
    /// Forgets the failures of `email` (after a sign-in that worked).
    fn clear_sign_in_failures(&self, email: &str) -> Result<()>;
}
