//! The server database's schema, one migration per step (rusqlite_migration). Never edit a
//! released step: add one.

use rusqlite_migration::{Migrations, M};

/// The schema version the migrations lead to (one per step).
pub(super) fn latest() -> i64 {
    STEPS
}

/// How many steps [`migrations`] has; a test keeps the two in step.
const STEPS: i64 = 15;

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
        "CREATE TABLE workspaces (
            id   TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE
        ) STRICT;
        CREATE TABLE users (
            id           TEXT PRIMARY KEY NOT NULL,
            workspace_id TEXT NOT NULL REFERENCES workspaces (id),
            email        TEXT NOT NULL,
            name         TEXT NOT NULL,
            role         TEXT NOT NULL CHECK (role IN ('admin', 'regular')),
            key_id       TEXT NOT NULL UNIQUE,
            key_hash     BLOB NOT NULL,
            UNIQUE (workspace_id, email)
        ) STRICT;
        CREATE TABLE time_entries (
            id           TEXT PRIMARY KEY NOT NULL,
            workspace_id TEXT NOT NULL REFERENCES workspaces (id),
            user_id      TEXT NOT NULL REFERENCES users (id),
            description  TEXT NOT NULL,
            start_utc    TEXT NOT NULL,
            end_utc      TEXT,
            billable     INTEGER NOT NULL,
            project_id   TEXT,
            task_id      TEXT,
            tag_ids      TEXT NOT NULL,
            source       TEXT NOT NULL,
            locked       INTEGER NOT NULL DEFAULT 0,
            CHECK (end_utc IS NULL OR end_utc >= start_utc)
        ) STRICT;
        CREATE UNIQUE INDEX time_entries_one_running ON time_entries (user_id) WHERE end_utc IS NULL;
        CREATE INDEX time_entries_by_user ON time_entries (workspace_id, user_id, start_utc);
        CREATE TABLE idempotency (
            scope        TEXT NOT NULL,
            key          TEXT NOT NULL,
            request_hash BLOB NOT NULL,
            status       INTEGER NOT NULL,
            body         BLOB NOT NULL,
            created_utc  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            PRIMARY KEY (scope, key)
        ) STRICT;",
        ),
        M::up(
            "ALTER TABLE workspaces ADD COLUMN settings TEXT NOT NULL DEFAULT '';
            CREATE TABLE notices (
                id          TEXT PRIMARY KEY NOT NULL,
                user_id     TEXT NOT NULL REFERENCES users (id),
                kind        TEXT NOT NULL,
                message     TEXT NOT NULL,
                created_utc TEXT NOT NULL,
                read_utc    TEXT
            ) STRICT;
            CREATE INDEX notices_by_user ON notices (user_id, read_utc);",
        ),
        M::up(
            "CREATE TABLE projects (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                name         TEXT NOT NULL,
                client_id    TEXT,
                color        TEXT NOT NULL,
                billable     INTEGER NOT NULL,
                archived     INTEGER NOT NULL DEFAULT 0,
                public       INTEGER NOT NULL,
                note         TEXT NOT NULL,
                UNIQUE (workspace_id, name)
            ) STRICT;",
        ),
        M::up(
            "CREATE TABLE capture_sets (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                user_id      TEXT NOT NULL REFERENCES users (id),
                entry_id     TEXT NOT NULL,
                captured_utc TEXT NOT NULL
            ) STRICT;
            CREATE INDEX capture_sets_by_user ON capture_sets (workspace_id, user_id, captured_utc);
            CREATE INDEX capture_sets_by_entry ON capture_sets (entry_id, captured_utc);
            CREATE INDEX capture_sets_by_time ON capture_sets (captured_utc);
            CREATE TABLE screenshots (
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
                size_bytes     INTEGER NOT NULL,
                sha256         TEXT NOT NULL
            ) STRICT;
            CREATE INDEX screenshots_by_set ON screenshots (set_id, position);",
        ),
        M::up(
            "ALTER TABLE users ADD COLUMN password_hash TEXT;
            CREATE TABLE web_sessions (
                id_hash     BLOB PRIMARY KEY NOT NULL,
                user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                csrf        TEXT NOT NULL,
                expires_utc TEXT NOT NULL
            ) STRICT;",
        ),
        M::up(
            "CREATE TABLE audit_log (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL,
                at_utc       TEXT NOT NULL,
                author_id    TEXT,
                author_name  TEXT NOT NULL,
                action       TEXT NOT NULL,
                target_id    TEXT NOT NULL,
                summary      TEXT NOT NULL,
                details      TEXT NOT NULL
            ) STRICT;
            CREATE INDEX audit_by_time ON audit_log (workspace_id, at_utc);",
        ),
        // Ids are scoped to their workspace, so another tenant's id is as free as an unused
        // one (issue 11 #3); a picture's blob is named by the server, never by the client
        // (#1), and a set is listed only once its pictures are stored.
        M::up(
            "CREATE TABLE time_entries_scoped (
                id           TEXT NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                user_id      TEXT NOT NULL REFERENCES users (id),
                description  TEXT NOT NULL,
                start_utc    TEXT NOT NULL,
                end_utc      TEXT,
                billable     INTEGER NOT NULL,
                project_id   TEXT,
                task_id      TEXT,
                tag_ids      TEXT NOT NULL,
                source       TEXT NOT NULL,
                locked       INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (workspace_id, id),
                CHECK (end_utc IS NULL OR end_utc >= start_utc)
            ) STRICT;
            INSERT INTO time_entries_scoped SELECT id, workspace_id, user_id, description, start_utc,
                end_utc, billable, project_id, task_id, tag_ids, source, locked FROM time_entries;
            DROP TABLE time_entries;
            ALTER TABLE time_entries_scoped RENAME TO time_entries;
            CREATE UNIQUE INDEX time_entries_one_running ON time_entries (user_id) WHERE end_utc IS NULL;
            CREATE INDEX time_entries_by_user ON time_entries (workspace_id, user_id, start_utc);

            CREATE TABLE capture_sets_scoped (
                id           TEXT NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                user_id      TEXT NOT NULL REFERENCES users (id),
                entry_id     TEXT NOT NULL,
                captured_utc TEXT NOT NULL,
                stored       INTEGER NOT NULL DEFAULT 1,
                created_utc  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (workspace_id, id)
            ) STRICT;
            CREATE TABLE screenshots_scoped (
                workspace_id   TEXT NOT NULL,
                id             TEXT NOT NULL,
                set_id         TEXT NOT NULL,
                position       INTEGER NOT NULL,
                monitor_name   TEXT NOT NULL,
                monitor_x      INTEGER NOT NULL,
                monitor_y      INTEGER NOT NULL,
                monitor_width  INTEGER NOT NULL,
                monitor_height INTEGER NOT NULL,
                width          INTEGER NOT NULL,
                height         INTEGER NOT NULL,
                size_bytes     INTEGER NOT NULL,
                sha256         TEXT NOT NULL,
                blob_key       TEXT NOT NULL UNIQUE,
                PRIMARY KEY (workspace_id, id),
                FOREIGN KEY (workspace_id, set_id) REFERENCES capture_sets_scoped (workspace_id, id)
                    ON DELETE CASCADE
            ) STRICT;
            INSERT INTO capture_sets_scoped (id, workspace_id, user_id, entry_id, captured_utc)
                SELECT id, workspace_id, user_id, entry_id, captured_utc FROM capture_sets;
            INSERT INTO screenshots_scoped SELECT c.workspace_id, s.id, s.set_id, s.position,
                s.monitor_name, s.monitor_x, s.monitor_y, s.monitor_width, s.monitor_height,
                s.width, s.height, s.size_bytes, s.sha256, s.id
                FROM screenshots s JOIN capture_sets c ON c.id = s.set_id;
            DROP TABLE screenshots;
            DROP TABLE capture_sets;
            ALTER TABLE capture_sets_scoped RENAME TO capture_sets;
            ALTER TABLE screenshots_scoped RENAME TO screenshots;
            CREATE INDEX capture_sets_by_user ON capture_sets (workspace_id, user_id, captured_utc);
            CREATE INDEX capture_sets_by_entry ON capture_sets (workspace_id, entry_id, captured_utc);
            CREATE INDEX capture_sets_by_time ON capture_sets (captured_utc);
            CREATE INDEX capture_sets_pending ON capture_sets (created_utc) WHERE stored = 0;
            CREATE INDEX screenshots_by_set ON screenshots (workspace_id, set_id, position);",
        ),
        // Two-way sync (issue 14): every entry has a version, and every change to an entry,
        // a workspace's settings or a member's notices takes a position in one change log,
        // written by triggers in the change's own transaction, so no path that changes a
        // row (an API edit, a screenshot cut, a restore, a user deleted) can forget it.
        M::up(
            "ALTER TABLE time_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE changes (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id TEXT NOT NULL,
                user_id      TEXT,
                kind         TEXT NOT NULL,
                object_id    TEXT NOT NULL,
                at_utc       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ) STRICT;
            CREATE INDEX changes_by_user ON changes (workspace_id, user_id, seq);
            CREATE INDEX changes_by_time ON changes (at_utc);
            CREATE TRIGGER entry_inserted AFTER INSERT ON time_entries BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NEW.user_id, 'entry', NEW.id);
            END;
            CREATE TRIGGER entry_updated AFTER UPDATE OF user_id, description, start_utc,
                end_utc, billable, project_id, task_id, tag_ids, source, locked ON time_entries
                WHEN OLD.user_id IS NOT NEW.user_id OR OLD.description IS NOT NEW.description
                    OR OLD.start_utc IS NOT NEW.start_utc OR OLD.end_utc IS NOT NEW.end_utc
                    OR OLD.billable IS NOT NEW.billable OR OLD.project_id IS NOT NEW.project_id
                    OR OLD.task_id IS NOT NEW.task_id OR OLD.tag_ids IS NOT NEW.tag_ids
                    OR OLD.source IS NOT NEW.source OR OLD.locked IS NOT NEW.locked
            BEGIN
                UPDATE time_entries SET version = OLD.version + 1
                    WHERE workspace_id = NEW.workspace_id AND id = NEW.id;
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NEW.user_id, 'entry', NEW.id);
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    SELECT OLD.workspace_id, OLD.user_id, 'entry', OLD.id
                    WHERE OLD.user_id IS NOT NEW.user_id;
            END;
            CREATE TRIGGER entry_deleted AFTER DELETE ON time_entries BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (OLD.workspace_id, OLD.user_id, 'entry', OLD.id);
            END;
            CREATE TRIGGER settings_changed AFTER UPDATE OF settings ON workspaces
                WHEN OLD.settings IS NOT NEW.settings
            BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.id, NULL, 'settings', NEW.id);
            END;
            CREATE TRIGGER notice_added AFTER INSERT ON notices BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    SELECT u.workspace_id, NEW.user_id, 'notice', NEW.id
                    FROM users u WHERE u.id = NEW.user_id;
            END;",
        ),
        // 9: an entry id used again after a delete goes on counting from the deleted row's
        // version, so an If-Match decided on the old entry can never pass on the new one.
        M::up(
            "CREATE TABLE deleted_entry_versions (
                workspace_id TEXT NOT NULL,
                id           TEXT NOT NULL,
                version      INTEGER NOT NULL,
                PRIMARY KEY (workspace_id, id)
            ) STRICT;
            CREATE TRIGGER entry_version_kept AFTER DELETE ON time_entries BEGIN
                INSERT INTO deleted_entry_versions (workspace_id, id, version)
                    VALUES (OLD.workspace_id, OLD.id, OLD.version)
                    ON CONFLICT (workspace_id, id)
                    DO UPDATE SET version = max(version, excluded.version);
            END;
            CREATE TRIGGER entry_version_continues AFTER INSERT ON time_entries
                WHEN EXISTS (SELECT 1 FROM deleted_entry_versions
                             WHERE workspace_id = NEW.workspace_id AND id = NEW.id)
            BEGIN
                UPDATE time_entries SET version = (
                    SELECT version + 1 FROM deleted_entry_versions
                    WHERE workspace_id = NEW.workspace_id AND id = NEW.id)
                WHERE workspace_id = NEW.workspace_id AND id = NEW.id;
            END;",
        ),
        // 10 (issue 15): clients, tags and tasks; a project's rates and estimate; members
        // made inactive.
        M::up(
            "CREATE TABLE clients (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                name         TEXT NOT NULL,
                archived     INTEGER NOT NULL DEFAULT 0,
                note         TEXT NOT NULL DEFAULT '',
                address      TEXT NOT NULL DEFAULT '',
                email        TEXT NOT NULL DEFAULT '',
                UNIQUE (workspace_id, name)
            ) STRICT;
            CREATE TABLE tags (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                name         TEXT NOT NULL,
                archived     INTEGER NOT NULL DEFAULT 0,
                UNIQUE (workspace_id, name)
            ) STRICT;
            CREATE TABLE tasks (
                id           TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces (id),
                project_id   TEXT NOT NULL REFERENCES projects (id),
                name         TEXT NOT NULL,
                assignee_ids TEXT NOT NULL DEFAULT '[]',
                estimate_s   INTEGER NOT NULL DEFAULT 0,
                status       TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DONE')),
                billable     INTEGER NOT NULL,
                hourly_rate  TEXT,
                cost_rate    TEXT,
                UNIQUE (project_id, name)
            ) STRICT;
            ALTER TABLE projects ADD COLUMN hourly_rate TEXT;
            ALTER TABLE projects ADD COLUMN cost_rate TEXT;
            ALTER TABLE projects ADD COLUMN estimate TEXT;
            ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
            CREATE INDEX entries_by_project ON time_entries (workspace_id, project_id);
            CREATE INDEX entries_by_start ON time_entries (workspace_id, start_utc);
            CREATE TABLE invoiced_entries (
                workspace_id TEXT NOT NULL,
                entry_id     TEXT NOT NULL,
                PRIMARY KEY (workspace_id, entry_id),
                FOREIGN KEY (workspace_id, entry_id)
                    REFERENCES time_entries (workspace_id, id) ON DELETE CASCADE
            ) STRICT;",
        ),
        // 11 (issue 16): one-time invitation links that let a new member set a password.
        M::up(
            "CREATE TABLE invitations (
                token_hash  BLOB PRIMARY KEY NOT NULL,
                user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                expires_utc TEXT NOT NULL
            ) STRICT;",
        ),
        // 12 (issue 16): the time zone each user reads the pages in.
        M::up(
            "CREATE TABLE profiles (
                user_id   TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                time_zone TEXT NOT NULL
            ) STRICT;",
        ),
        // 13 (issue 16): a change to the workspace's projects, tasks, tags or clients goes
        // into the change log, so agents read their picker's catalog again.
        M::up(
            "CREATE TRIGGER projects_insertd_feed AFTER INSERT ON projects BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER projects_updated_feed AFTER UPDATE ON projects BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER projects_deleted_feed AFTER DELETE ON projects BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (OLD.workspace_id, NULL, 'catalog', OLD.id);
            END;
            CREATE TRIGGER tasks_insertd_feed AFTER INSERT ON tasks BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER tasks_updated_feed AFTER UPDATE ON tasks BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER tasks_deleted_feed AFTER DELETE ON tasks BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (OLD.workspace_id, NULL, 'catalog', OLD.id);
            END;
            CREATE TRIGGER tags_insertd_feed AFTER INSERT ON tags BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER tags_updated_feed AFTER UPDATE ON tags BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER tags_deleted_feed AFTER DELETE ON tags BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (OLD.workspace_id, NULL, 'catalog', OLD.id);
            END;
            CREATE TRIGGER clients_insertd_feed AFTER INSERT ON clients BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER clients_updated_feed AFTER UPDATE ON clients BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (NEW.workspace_id, NULL, 'catalog', NEW.id);
            END;
            CREATE TRIGGER clients_deleted_feed AFTER DELETE ON clients BEGIN
                INSERT INTO changes (workspace_id, user_id, kind, object_id)
                    VALUES (OLD.workspace_id, NULL, 'catalog', OLD.id);
            END;",
        ),
        // 14 (issue 17): failed web sign-ins by email, so the limit on guessing holds on
        // every server that shares the database.
        M::up(
            "CREATE TABLE sign_in_failures (
                email  TEXT NOT NULL,
                at_utc TEXT NOT NULL
            ) STRICT;
            CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at_utc);
            CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at_utc);",
        ),
        // 15 (issue 19): a monitor sent as a plain "private" tile; capture sets their member
        // discarded on the device before upload (no pixels: when, which entry, how many
        // monitors, the time cut). They go with their user.
        M::up(
            "ALTER TABLE screenshots ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE discarded_captures (
                workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
                id              TEXT NOT NULL,
                user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                entry_id        TEXT NOT NULL,
                captured_utc    TEXT NOT NULL,
                removed_seconds INTEGER NOT NULL,
                monitors        INTEGER NOT NULL,
                created_utc     TEXT NOT NULL,
                PRIMARY KEY (workspace_id, user_id, id)
            ) STRICT;
            CREATE INDEX discarded_by_user ON discarded_captures (workspace_id, user_id, captured_utc);
            CREATE INDEX discarded_by_time ON discarded_captures (captured_utc);",
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_count_is_the_migrations_count() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, super::latest());
    }
}
