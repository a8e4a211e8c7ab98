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
