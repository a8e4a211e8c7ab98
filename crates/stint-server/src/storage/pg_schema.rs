//! The server database's schema on PostgreSQL, one step per migration, kept in the table
//! `stint_schema`. Step 1 is the SQLite schema as it stands at its step 13, written for
//! PostgreSQL; later steps follow both engines' changes. Never edit a released step: add one.
//!
//! The tables hold what the SQLite ones hold, in the same forms, so the two engines share
//! their row code's rules: times are RFC 3339 text in UTC to the millisecond (byte-ordered
//! text, `COLLATE "C"`: byte order is time order for that fixed form), ids and names are byte-ordered
//! text as in SQLite, tag and rate lists are JSON text. Flags are booleans.

use postgres::GenericClient;

use super::{Result, StorageError};

/// Each step's SQL; `ctext` stands for byte-ordered text (`TEXT COLLATE "C"`), so an
/// ordering or a comparison never depends on the database's locale.
const STEPS: &[&str] = &[
    r#"
CREATE FUNCTION stint_now() RETURNS text LANGUAGE sql STABLE AS
    $f$ SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $f$;

CREATE TABLE workspaces (
    id       ctext PRIMARY KEY,
    name     ctext NOT NULL UNIQUE,
    settings ctext NOT NULL DEFAULT ''
);
CREATE TABLE users (
    id            ctext PRIMARY KEY,
    workspace_id  ctext NOT NULL REFERENCES workspaces (id),
    email         ctext NOT NULL,
    name          ctext NOT NULL,
    role          ctext NOT NULL CHECK (role IN ('admin', 'regular')),
    key_id        ctext NOT NULL UNIQUE,
    key_hash      BYTEA NOT NULL,
    password_hash ctext,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (workspace_id, email)
);
CREATE TABLE time_entries (
    id           ctext NOT NULL,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    user_id      ctext NOT NULL REFERENCES users (id),
    description  ctext NOT NULL,
    start_utc    ctext NOT NULL,
    end_utc      ctext,
    billable     BOOLEAN NOT NULL,
    project_id   ctext,
    task_id      ctext,
    tag_ids      ctext NOT NULL,
    source       ctext NOT NULL,
    locked       BOOLEAN NOT NULL DEFAULT FALSE,
    version      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CHECK (end_utc IS NULL OR end_utc >= start_utc)
);
CREATE UNIQUE INDEX time_entries_one_running ON time_entries (user_id) WHERE end_utc IS NULL;
CREATE INDEX time_entries_by_user ON time_entries (workspace_id, user_id, start_utc);
CREATE INDEX entries_by_project ON time_entries (workspace_id, project_id);
CREATE INDEX entries_by_start ON time_entries (workspace_id, start_utc);
CREATE TABLE idempotency (
    scope        ctext NOT NULL,
    key          ctext NOT NULL,
    request_hash BYTEA NOT NULL,
    status       INTEGER NOT NULL,
    body         BYTEA NOT NULL,
    created_utc  ctext NOT NULL DEFAULT stint_now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_time ON idempotency (created_utc);
CREATE TABLE notices (
    id          ctext PRIMARY KEY,
    user_id     ctext NOT NULL REFERENCES users (id),
    kind        ctext NOT NULL,
    message     ctext NOT NULL,
    created_utc ctext NOT NULL,
    read_utc    ctext
);
CREATE INDEX notices_by_user ON notices (user_id, read_utc);
CREATE TABLE clients (
    id           ctext PRIMARY KEY,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    name         ctext NOT NULL,
    archived     BOOLEAN NOT NULL DEFAULT FALSE,
    note         ctext NOT NULL DEFAULT '',
    address      ctext NOT NULL DEFAULT '',
    email        ctext NOT NULL DEFAULT '',
    UNIQUE (workspace_id, name)
);
CREATE TABLE projects (
    id           ctext PRIMARY KEY,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    name         ctext NOT NULL,
    client_id    ctext,
    color        ctext NOT NULL,
    billable     BOOLEAN NOT NULL,
    archived     BOOLEAN NOT NULL DEFAULT FALSE,
    public       BOOLEAN NOT NULL,
    note         ctext NOT NULL,
    hourly_rate  ctext,
    cost_rate    ctext,
    estimate     ctext,
    UNIQUE (workspace_id, name)
);
CREATE TABLE tags (
    id           ctext PRIMARY KEY,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    name         ctext NOT NULL,
    archived     BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (workspace_id, name)
);
CREATE TABLE tasks (
    id           ctext PRIMARY KEY,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    project_id   ctext NOT NULL REFERENCES projects (id),
    name         ctext NOT NULL,
    assignee_ids ctext NOT NULL DEFAULT '[]',
    estimate_s   BIGINT NOT NULL DEFAULT 0,
    status       ctext NOT NULL CHECK (status IN ('ACTIVE', 'DONE')),
    billable     BOOLEAN NOT NULL,
    hourly_rate  ctext,
    cost_rate    ctext,
    UNIQUE (project_id, name)
);
CREATE TABLE invoiced_entries (
    workspace_id ctext NOT NULL,
    entry_id     ctext NOT NULL,
    PRIMARY KEY (workspace_id, entry_id),
    FOREIGN KEY (workspace_id, entry_id)
        REFERENCES time_entries (workspace_id, id) ON DELETE CASCADE
);
CREATE TABLE capture_sets (
    id           ctext NOT NULL,
    workspace_id ctext NOT NULL REFERENCES workspaces (id),
    user_id      ctext NOT NULL REFERENCES users (id),
    entry_id     ctext NOT NULL,
    captured_utc ctext NOT NULL,
    stored       BOOLEAN NOT NULL DEFAULT TRUE,
    created_utc  ctext NOT NULL DEFAULT stint_now(),
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX capture_sets_by_user ON capture_sets (workspace_id, user_id, captured_utc);
CREATE INDEX capture_sets_by_entry ON capture_sets (workspace_id, entry_id, captured_utc);
CREATE INDEX capture_sets_by_time ON capture_sets (captured_utc);
CREATE INDEX capture_sets_pending ON capture_sets (created_utc) WHERE NOT stored;
CREATE TABLE screenshots (
    workspace_id   ctext NOT NULL,
    id             ctext NOT NULL,
    set_id         ctext NOT NULL,
    position       BIGINT NOT NULL,
    monitor_name   ctext NOT NULL,
    monitor_x      BIGINT NOT NULL,
    monitor_y      BIGINT NOT NULL,
    monitor_width  BIGINT NOT NULL,
    monitor_height BIGINT NOT NULL,
    width          BIGINT NOT NULL,
    height         BIGINT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    sha256         ctext NOT NULL,
    blob_key       ctext NOT NULL UNIQUE,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, set_id) REFERENCES capture_sets (workspace_id, id)
        ON DELETE CASCADE
);
CREATE INDEX screenshots_by_set ON screenshots (workspace_id, set_id, position);
CREATE TABLE web_sessions (
    id_hash     BYTEA PRIMARY KEY,
    user_id     ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        ctext NOT NULL,
    expires_utc ctext NOT NULL
);
CREATE TABLE invitations (
    token_hash  BYTEA PRIMARY KEY,
    user_id     ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_utc ctext NOT NULL
);
CREATE TABLE profiles (
    user_id   ctext PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    time_zone ctext NOT NULL
);
-- seq keeps the order records were written in (SQLite's rowid does this there).
CREATE TABLE audit_log (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    id           ctext PRIMARY KEY,
    workspace_id ctext NOT NULL,
    at_utc       ctext NOT NULL,
    author_id    ctext,
    author_name  ctext NOT NULL,
    action       ctext NOT NULL,
    target_id    ctext NOT NULL,
    summary      ctext NOT NULL,
    details      ctext NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (workspace_id, at_utc);
CREATE INDEX audit_by_target ON audit_log (workspace_id, target_id);
CREATE TABLE deleted_entry_versions (
    workspace_id ctext NOT NULL,
    id           ctext NOT NULL,
    version      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- The change log (issue 14). Positions come from the one row of feed_position, taken in
-- the writing transaction: its row lock is held to the commit, so positions are given in
-- commit order with no gaps, and a reader that has seen position N has seen every change
-- before it (a sequence would hand out numbers that commit out of order). The NOTIFY, sent
-- at the commit, wakes the long-polling readers of every server process.
CREATE TABLE feed_position (
    one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    last BIGINT NOT NULL
);
INSERT INTO feed_position (last) VALUES (0);
CREATE TABLE changes (
    seq          BIGINT PRIMARY KEY,
    workspace_id ctext NOT NULL,
    user_id      ctext,
    kind         ctext NOT NULL,
    object_id    ctext NOT NULL,
    at_utc       ctext NOT NULL DEFAULT stint_now()
);
CREATE INDEX changes_by_user ON changes (workspace_id, user_id, seq);
CREATE INDEX changes_by_workspace ON changes (workspace_id, seq);
CREATE INDEX changes_by_time ON changes (at_utc);

CREATE FUNCTION stint_log_change(ws text, uid text, what text, object text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
    position BIGINT;
BEGIN
    UPDATE feed_position SET last = last + 1 RETURNING last INTO position;
    INSERT INTO changes (seq, workspace_id, user_id, kind, object_id)
        VALUES (position, ws, uid, what, object);
    PERFORM pg_notify('stint_changes', ws);
END $f$;

CREATE FUNCTION stint_entry_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM stint_log_change(NEW.workspace_id, NEW.user_id, 'entry', NEW.id);
        -- An id used again after a delete goes on counting from the deleted row's version.
        UPDATE time_entries SET version = d.version + 1
            FROM deleted_entry_versions d
            WHERE d.workspace_id = NEW.workspace_id AND d.id = NEW.id
              AND time_entries.workspace_id = NEW.workspace_id AND time_entries.id = NEW.id;
    ELSIF TG_OP = 'UPDATE' THEN
        IF (OLD.user_id, OLD.description, OLD.start_utc, OLD.end_utc, OLD.billable,
            OLD.project_id, OLD.task_id, OLD.tag_ids, OLD.source, OLD.locked)
           IS DISTINCT FROM
           (NEW.user_id, NEW.description, NEW.start_utc, NEW.end_utc, NEW.billable,
            NEW.project_id, NEW.task_id, NEW.tag_ids, NEW.source, NEW.locked) THEN
            PERFORM stint_log_change(NEW.workspace_id, NEW.user_id, 'entry', NEW.id);
            IF OLD.user_id IS DISTINCT FROM NEW.user_id THEN
                PERFORM stint_log_change(OLD.workspace_id, OLD.user_id, 'entry', OLD.id);
            END IF;
        END IF;
    ELSE
        PERFORM stint_log_change(OLD.workspace_id, OLD.user_id, 'entry', OLD.id);
        INSERT INTO deleted_entry_versions (workspace_id, id, version)
            VALUES (OLD.workspace_id, OLD.id, OLD.version)
            ON CONFLICT (workspace_id, id)
            DO UPDATE SET version = greatest(deleted_entry_versions.version, excluded.version);
    END IF;
    RETURN NULL;
END $f$;
CREATE TRIGGER entry_changed AFTER INSERT OR UPDATE OR DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION stint_entry_changed();

-- The version counts content changes; it is set before the row is written, so the update
-- that bumps it is the change itself (SQLite does it in a second, inner update).
CREATE FUNCTION stint_entry_version() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF (OLD.user_id, OLD.description, OLD.start_utc, OLD.end_utc, OLD.billable,
        OLD.project_id, OLD.task_id, OLD.tag_ids, OLD.source, OLD.locked)
       IS DISTINCT FROM
       (NEW.user_id, NEW.description, NEW.start_utc, NEW.end_utc, NEW.billable,
        NEW.project_id, NEW.task_id, NEW.tag_ids, NEW.source, NEW.locked) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $f$;
CREATE TRIGGER entry_version BEFORE UPDATE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION stint_entry_version();

CREATE FUNCTION stint_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF OLD.settings IS DISTINCT FROM NEW.settings THEN
        PERFORM stint_log_change(NEW.id, NULL, 'settings', NEW.id);
    END IF;
    RETURN NULL;
END $f$;
CREATE TRIGGER settings_changed AFTER UPDATE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION stint_settings_changed();

CREATE FUNCTION stint_notice_added() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM stint_log_change(u.workspace_id, NEW.user_id, 'notice', NEW.id)
        FROM users u WHERE u.id = NEW.user_id;
    RETURN NULL;
END $f$;
CREATE TRIGGER notice_added AFTER INSERT ON notices
    FOR EACH ROW EXECUTE FUNCTION stint_notice_added();

CREATE FUNCTION stint_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM stint_log_change(OLD.workspace_id, NULL, 'catalog', OLD.id);
    ELSE
        PERFORM stint_log_change(NEW.workspace_id, NULL, 'catalog', NEW.id);
    END IF;
    RETURN NULL;
END $f$;
CREATE TRIGGER projects_feed AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION stint_catalog_changed();
CREATE TRIGGER tasks_feed AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION stint_catalog_changed();
CREATE TRIGGER tags_feed AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION stint_catalog_changed();
CREATE TRIGGER clients_feed AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION stint_catalog_changed();
"#,
    // 2 (SQLite's 14): failed web sign-ins by email, so the limit on guessing holds on every
    // server that shares the database.
    r#"
CREATE TABLE sign_in_failures (
    email  ctext NOT NULL,
    at_utc ctext NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at_utc);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at_utc);
"#,
    // 3 (SQLite's 15): private tiles, and capture sets discarded before upload.
    r#"
ALTER TABLE screenshots ADD COLUMN private BOOLEAN NOT NULL DEFAULT false;
CREATE TABLE discarded_captures (
    workspace_id    ctext NOT NULL REFERENCES workspaces (id),
    id              ctext NOT NULL,
    user_id         ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entry_id        ctext NOT NULL,
    captured_utc    ctext NOT NULL,
    removed_seconds BIGINT NOT NULL,
    monitors        BIGINT NOT NULL,
    created_utc     ctext NOT NULL,
    PRIMARY KEY (workspace_id, user_id, id)
);
CREATE INDEX discarded_by_user ON discarded_captures (workspace_id, user_id, captured_utc);
CREATE INDEX discarded_by_time ON discarded_captures (captured_utc);
"#,
];

/// The schema version the steps lead to.
pub(super) fn latest() -> i64 {
    STEPS.len() as i64
}

/// An advisory lock key (any constant): held while migrating, so two servers starting at
/// once do not both apply a step.
const MIGRATION_LOCK: i64 = 0x5354_494e_5401;

/// The version the database is at (0 for an empty one).
pub(super) fn version(client: &mut impl GenericClient) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('stint_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM stint_schema", &[])?
        .map_or(0, |r| r.get(0)))
}

/// Applies every step the database lacks, each in its own transaction; a database written
/// by a newer server is left untouched ([`StorageError::TooNew`]).
pub(super) fn migrate(client: &mut postgres::Client) -> Result<()> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = apply(client);
    // The lock is the session's; a pooled connection must not keep it.
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    result
}

fn apply(client: &mut postgres::Client) -> Result<()> {
    let known = latest();
    let found = version(client)?;
    if found > known {
        return Err(StorageError::TooNew { found, known });
    }
    for (i, step) in STEPS.iter().enumerate().skip(found as usize) {
        let mut tx = client.transaction()?;
        if i == 0 {
            tx.batch_execute("CREATE TABLE stint_schema (version BIGINT NOT NULL)")?;
            tx.execute("INSERT INTO stint_schema (version) VALUES (0)", &[])?;
        }
        // Spelled out rather than a domain: the client library binds text parameters to
        // text columns, and a domain's type would not be text to it.
        tx.batch_execute(&step.replace("ctext", "TEXT COLLATE \"C\""))?;
        tx.execute("UPDATE stint_schema SET version = $1", &[&(i as i64 + 1)])?;
        tx.commit()?;
    }
    Ok(())
}
