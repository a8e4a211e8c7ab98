//! Issue 17: `stint-server migrate` brings a database up to date explicitly and says its
//! version; a database written by a newer server is refused with a sentence and left
//! untouched (by `migrate` and by `serve`).

use std::process::Command;

use stint_testkit::workspace_bin;

#[test]
fn migrate_says_the_version_and_a_newer_database_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let server = workspace_bin("stint-server").unwrap();
    let out = Command::new(&server)
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("is at schema") && said.contains("(up to date)"),
        "{said}"
    );

    // A database from a newer server: refused, and not a byte changed.
    let db = dir.path().join("stint-server.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [vec!["migrate"], vec!["serve", "--listen", "127.0.0.1:0"]] {
        let out = Command::new(&server)
            .args(&args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} went on");
        assert!(
            err.contains("newer stint-server (schema 999"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the newer database was changed"
    );
}

/// Runs `stint-server migrate --database ADDRESS` and returns (success, stdout, stderr).
fn migrate_on(address: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(workspace_bin("stint-server").unwrap())
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .args(["--database", address])
        .env_remove("STINT_SERVER_DATABASE")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_on_postgresql_says_the_version_and_refuses_what_it_cannot_use() {
    let pg = stint_testkit::Postgres::start().unwrap();
    pg.psql("postgres", "CREATE DATABASE stint").unwrap();
    let address = pg.url("stint");
    let (ok, said, err) = migrate_on(&address);
    assert!(ok, "{err}");
    let schema: u32 = said
        .trim()
        .strip_prefix("the PostgreSQL database is at schema ")
        .and_then(|rest| rest.strip_suffix(" (up to date)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(schema >= 1, "{said}");
    // Again: nothing to do, the same answer.
    let (ok, again, err) = migrate_on(&address);
    assert!(ok && again == said, "{again} {err}");
    let tables = pg
        .psql(
            "stint",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        )
        .unwrap();
    assert!(tables.parse::<u32>().unwrap() >= 20, "{tables} tables");

    // Written by a newer server: refused, untouched.
    pg.psql("stint", "UPDATE stint_schema SET version = 99")
        .unwrap();
    let (ok, _, err) = migrate_on(&address);
    assert!(!ok);
    assert!(err.contains("written by a newer stint-server"), "{err}");
    assert_eq!(
        pg.psql("stint", "SELECT version FROM stint_schema")
            .unwrap(),
        "99"
    );

    // Nobody there: the reason, and never the password.
    let (ok, _, err) = migrate_on("postgres://stint:hunter2-secret@127.0.0.1:9/stint");
    assert!(!ok);
    assert!(err.contains("cannot reach the database"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password stays out of errors: {err}"
    );
    // A database that does not exist is named as such.
    let (ok, _, err) = migrate_on(&pg.url("nowhere"));
    assert!(!ok);
    assert!(
        err.contains("nowhere") && err.contains("does not exist"),
        "{err}"
    );
    // Not a PostgreSQL address.
    let (ok, _, err) = migrate_on("mysql://localhost/stint");
    assert!(!ok);
    assert!(err.contains("PostgreSQL address"), "{err}");
}
