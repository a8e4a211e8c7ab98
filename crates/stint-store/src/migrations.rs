//! The schema, one step at a time. Steps are append-only: a released step is never edited,
//! a change is a new step, so every older database can be brought up to date.

use rusqlite_migration::{Migrations, M};

/// The schema version the last step leaves behind.
pub const SCHEMA_VERSION: i64 = 7;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // 1: time entries. At most one entry runs: the partial unique index makes a second
        // running entry impossible even when two processes race.
        M::up(
            "CREATE TABLE entries (
                id          TEXT PRIMARY KEY NOT NULL,
                description TEXT NOT NULL,
                start_utc   TEXT NOT NULL,
                end_utc     TEXT,
                CHECK (end_utc IS NULL OR end_utc >= start_utc)
            ) STRICT;
            CREATE UNIQUE INDEX entries_one_running ON entries (ifnull(end_utc, 'running'))
                WHERE end_utc IS NULL;
            CREATE INDEX entries_by_start ON entries (start_utc);",
        ),
        // 2: the outbox, written in the same transaction as the change it carries.
        M::up(
            "CREATE TABLE outbox (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                entity          TEXT NOT NULL,
                entity_id       TEXT NOT NULL,
                op              TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
                payload         TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                created_utc     TEXT NOT NULL
                    DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ) STRICT;
            -- Entries made before the outbox existed are queued too, so none is left behind.
            INSERT INTO outbox (entity, entity_id, op, payload, idempotency_key)
                SELECT 'entry', id, 'upsert',
                       json_object('id', id, 'description', description,
                                   'start', start_utc, 'end', end_utc),
                       lower(hex(randomblob(16)))
                FROM entries ORDER BY start_utc;",
        ),
        // 3: delivery state. A failed row waits until `next_attempt_utc`; a row the server
        // refused is parked with its reason and no longer holds up the rows behind it.
        M::up(
            "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE outbox ADD COLUMN next_attempt_utc TEXT;
            ALTER TABLE outbox ADD COLUMN last_error TEXT;
            ALTER TABLE outbox ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX outbox_pending ON outbox (parked, seq);",
        ),
        // 4: screenshots waiting for upload: already small and blurred (the full frame never
        // reaches the disk); deleted once the server has them or after 7 days unsent.
        M::up(
            "CREATE TABLE capture_sets (
                id           TEXT PRIMARY KEY NOT NULL,
                entry_id     TEXT NOT NULL,
                captured_utc TEXT NOT NULL
            ) STRICT;
            CREATE INDEX capture_sets_by_entry ON capture_sets (entry_id);
            CREATE INDEX capture_sets_by_time ON capture_sets (captured_utc);
            CREATE TABLE capture_pictures (
                id             TEXT PRIMARY KEY NOT NULL,
                set_id         TEXT NOT NULL REFERENCES capture_sets (id) ON DELETE CASCADE,
                position       INTEGER NOT NULL,
                monitor_name   TEXT NOT NULL,
                monitor_x      INTEGER NOT NULL,
                monitor_y      INTEGER NOT NULL,
                monitor_width  INTEGER NOT NULL,
                monitor_height INTEGER NOT NULL,
                width          INTEGER NOT NULL,
                height         INTEGER NOT NULL,
                sha256         TEXT NOT NULL,
                jpeg           BLOB NOT NULL
            ) STRICT;
            CREATE INDEX capture_pictures_by_set ON capture_pictures (set_id, position);",
        ),
        // 5: two-way sync (issue 14). `remote_entries` keeps each entry as the server last
        // said it was, with its version: the base an edit here is merged from when the
        // server's copy moved meanwhile. `sync_cursor` is where the server's change feed
        // was read up to, for one account (another account starts afresh). An entry
        // locked on the server is locked here too.
        M::up(
            "ALTER TABLE entries ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE remote_entries (
                id          TEXT PRIMARY KEY NOT NULL,
                version     INTEGER NOT NULL,
                description TEXT NOT NULL,
                start_utc   TEXT NOT NULL,
                end_utc     TEXT,
                locked      INTEGER NOT NULL
            ) STRICT;
            CREATE TABLE sync_cursor (
                account TEXT PRIMARY KEY NOT NULL,
                cursor  INTEGER
            ) STRICT;",
        ),
        // 6 (issue 16): what an entry is for (project, task, tags as a JSON array, billable)
        // here and in the server's copies; and the workspace's projects, tasks and tags as
        // last read (one JSON document per account), so the picker works offline.
        M::up(
            "ALTER TABLE entries ADD COLUMN project_id TEXT;
            ALTER TABLE entries ADD COLUMN task_id TEXT;
            ALTER TABLE entries ADD COLUMN tag_ids TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE entries ADD COLUMN billable INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE remote_entries ADD COLUMN project_id TEXT;
            ALTER TABLE remote_entries ADD COLUMN task_id TEXT;
            ALTER TABLE remote_entries ADD COLUMN tag_ids TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE remote_entries ADD COLUMN billable INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE catalog (
                account TEXT PRIMARY KEY NOT NULL,
                body    TEXT NOT NULL
            ) STRICT;",
        ),
        // 7 (issue 19): review before upload and private tiles. A set under review keeps
        // the end of its review window and has no outbox row until then. `capture_moments`
        // remembers when each entry's captures were taken after their pictures were sent,
        // so a discard cuts from the previous capture as the server would. `policy` is the
        // workspace's rules as last read, so they hold after an offline restart.
        M::up(
            "ALTER TABLE capture_sets ADD COLUMN hold_until_utc TEXT;
            ALTER TABLE capture_pictures ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE capture_moments (
                set_id       TEXT PRIMARY KEY NOT NULL,
                entry_id     TEXT NOT NULL,
                captured_utc TEXT NOT NULL
            ) STRICT;
            CREATE INDEX capture_moments_by_entry ON capture_moments (entry_id, captured_utc);
            CREATE INDEX capture_moments_by_time ON capture_moments (captured_utc);
            CREATE TABLE policy (
                one  INTEGER PRIMARY KEY CHECK (one = 1),
                body TEXT NOT NULL
            ) STRICT;",
        ),
    ])
}
