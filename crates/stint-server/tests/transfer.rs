//! Issue 17: `stint-server export` / `import` move a whole server between SQLite and
//! PostgreSQL without losing an entry, screenshot or audit record. Data made through the API
//! in two workspaces goes SQLite → PostgreSQL → SQLite; the rows of the three exports and
//! every picture are the same, and a server on the PostgreSQL database answers as the
//! original did (entries, screenshots, the audit log through a web session that moved too,
//! a feed cursor from before the move answered with a snapshot, an entry id deleted before
//! the move counting on from its old version). The refusals: an export into a directory
//! with something in it, an import into a database with data, a damaged line, a flag not
//! in its JSON form, a picture that is not its row's, a file cut short; none of them leaves
//! anything behind. This test starts its own PostgreSQL cluster (never skipped: without
//! PostgreSQL it fails with the testkit's message).

mod shots;
mod webclient;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use shots::*;
use stint_testkit::http::{Account, Server};
use stint_testkit::{workspace_bin, Postgres, TestServer};
use webclient::Browser;

fn stint_server(args: &[&str]) -> Output {
    Command::new(workspace_bin("stint-server").unwrap())
        .args(args)
        .env_remove("STINT_SERVER_DATABASE")
        .env_remove("STINT_SERVER_DATA_DIR")
        .env_remove("STINT_SERVER_BLOB_STORE")
        .output()
        .unwrap()
}

/// Runs `stint-server ARGS`, which must succeed; what it printed (stdout and stderr).
fn ok(args: &[&str]) -> String {
    let out = stint_server(args);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "stint-server {args:?} failed: {printed}"
    );
    printed
}

/// Runs `stint-server ARGS`, which must fail; its stderr.
fn refused(args: &[&str]) -> String {
    let out = stint_server(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "stint-server {args:?} should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every row of an export, in its order, parsed.
fn rows(export: &Path) -> Vec<Value> {
    std::fs::read_to_string(export.join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The same rows in the same order; a failure shows the first row that differs.
fn same_rows(found: &[Value], expected: &[Value]) {
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert_eq!(f, e, "line {} of rows.jsonl differs", i + 1);
    }
    assert_eq!(found.len(), expected.len(), "as many rows");
}

fn rows_of<'a>(all: &'a [Value], table: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|r| r["table"] == table)
        .map(|r| &r["row"])
        .collect()
}

fn manifest(export: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap()
}

/// The pictures of an export by blob key.
fn pictures(export: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(export.join("pictures"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// What a server answers about its data, to compare before and after a move.
fn answers(s: &Server, web: &mut Browser) -> Vec<Value> {
    let mut out = Vec::new();
    for who in [&s.admin, &s.member, &s.outsider] {
        let path = format!("/workspaces/{}/user/{}/time-entries", who.workspace, who.id);
        let (status, list) = s.call(who, "GET", &path, None);
        assert_eq!(status, 200, "{list}");
        out.push(list);
        let (status, notices) = s.call(
            who,
            "GET",
            &format!("/workspaces/{}/notices", who.workspace),
            None,
        );
        assert_eq!(status, 200, "{notices}");
        out.push(notices);
    }
    let (status, sets) = list(s, &s.admin, None);
    assert_eq!(status, 200, "{sets}");
    out.push(sets);
    let ws = &s.admin.workspace;
    for what in ["projects", "clients", "tags", "settings"] {
        out.push(
            s.call(&s.admin, "GET", &format!("/workspaces/{ws}/{what}"), None)
                .1,
        );
    }
    // The audit log through the admin's web session.
    let audit = web.get("/web/audit.csv");
    assert_eq!(audit.status, 200, "{}", audit.body);
    out.push(Value::String(audit.body));
    out
}

/// Two workspaces' worth of everything that moves, made through the API.
struct Made {
    /// An entry deleted before the move and never made again, with its last version.
    deleted: (String, i64),
    /// The set's pictures as uploaded.
    pictures: Vec<Vec<u8>>,
}

fn make_data(s: &Server) -> Made {
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    let settings = format!("/workspaces/{ws}/settings");
    let (_, mut on) = s.call(admin, "GET", &settings, None);
    on["auditLog"] = json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    on["screenshotsEnabled"] = json!(true);
    let (status, body) = s.call(admin, "PUT", &settings, Some(on));
    assert_eq!(status, 200, "{body}");
    let create = |what: &str, body: Value| {
        let (status, made) = s.call(
            admin,
            "POST",
            &format!("/workspaces/{ws}/{what}"),
            Some(body),
        );
        assert_eq!(status, 201, "{what}: {made}");
        id(&made)
    };
    let client = create("clients", json!({"name": "Zoë & Co"}));
    let project = create(
        "projects",
        json!({"name": "Website", "clientId": client, "billable": true,
               "hourlyRate": {"amount": 5000, "currency": "EUR"}}),
    );
    let task = create(
        &format!("projects/{project}/tasks"),
        json!({"name": "Design", "assigneeIds": [member.id]}),
    );
    let tag = create("tags", json!({"name": "urgent"}));

    let entries = format!("/workspaces/{ws}/time-entries");
    let (status, kept) = s.call(
        member,
        "POST",
        &entries,
        Some(
            json!({"start": at(0), "end": at(30), "description": "design \"work\"",
                    "projectId": project, "taskId": task, "tagIds": [tag], "billable": true}),
        ),
    );
    assert_eq!(status, 201, "{kept}");
    let kept = id(&kept);
    // Deleted and made again with the same id: its version counts on.
    let again = entry(s, member, at(40), Some(at(50)));
    assert_eq!(
        s.call(member, "DELETE", &format!("{entries}/{again}"), None)
            .0,
        204
    );
    let (status, remade) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"id": again, "start": at(40), "end": at(50), "description": "again"})),
    );
    assert_eq!((status, &remade["version"]), (201, &json!(2)), "{remade}");
    // Edited since: its version is no longer the deleted one's next (a version the insert
    // triggers would set again if the deleted versions moved before the entries).
    let (status, edited) = s.call(
        member,
        "PUT",
        &format!("{entries}/{again}"),
        Some(json!({"start": at(40), "end": at(50), "description": "again, edited"})),
    );
    assert_eq!((status, &edited["version"]), (200, &json!(3)), "{edited}");
    // Deleted for good.
    let gone = entry(s, member, at(60), Some(at(70)));
    let (_, before) = get_entry(s, member, &gone);
    let gone_version = before["version"].as_i64().unwrap();
    assert_eq!(
        s.call(member, "DELETE", &format!("{entries}/{gone}"), None)
            .0,
        204
    );
    // Locked and invoiced by the admin.
    let (status, body) = s.call(
        admin,
        "PUT",
        &format!("{entries}/{kept}/lock"),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.call(
        admin,
        "PATCH",
        &format!("{entries}/invoiced"),
        Some(json!({"timeEntryIds": [kept], "invoiced": true})),
    );
    assert_eq!(status, 200, "{body}");
    // A set of two monitors' pictures.
    let pictures = vec![jpeg(10), jpeg(200)];
    let set = new_set(&again, at(45), &pictures);
    let (status, body) = send(s, member, &set, &pictures, "move-1");
    assert_eq!(status, 201, "{body}");
    // One notice read, one not.
    let (_, notices) = s.call(member, "GET", &format!("/workspaces/{ws}/notices"), None);
    let notice = id(&notices[0]);
    let (status, body) = s.call(
        member,
        "POST",
        &format!("/workspaces/{ws}/notices/{notice}/read"),
        None,
    );
    assert!(status < 300, "{status} {body}");
    // The other workspace.
    entry(s, &s.outsider, at(5), Some(at(25)));
    Made {
        deleted: (gone, gone_version),
        pictures,
    }
}

/// A test server on SQLite (the test command's PostgreSQL pass leaves this file out).
fn sqlite_server() -> Server {
    let server = Server::start();
    assert!(
        server.process.database().is_none(),
        "these tests move a SQLite server; run them without STINT_TEST_POSTGRES"
    );
    server
}

fn feed(s: &Server, who: &Account, query: &str) -> Value {
    let path = format!(
        "/workspaces/{}/user/{}/time-entries/changes{query}",
        who.workspace, who.id
    );
    let (status, page) = s.call(who, "GET", &path, None);
    assert_eq!(status, 200, "{page}");
    page
}

#[test]
fn a_server_moves_from_sqlite_to_postgres_and_back_without_losing_anything() {
    let mut original = sqlite_server();
    let made = make_data(&original);
    let mut web = Browser::new(&original.process);
    assert_eq!(web.sign_in(&[("api_key", &original.admin.key)]).status, 303);
    let before = answers(&original, &mut web);
    let cursor = feed(&original, &original.member, "")["cursor"]
        .as_i64()
        .unwrap();
    let source = original.process.data_dir.path().to_owned();
    original
        .process
        .terminate()
        .expect("the server was running");

    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("from-sqlite");
    let printed = ok(&["export", "--data-dir", arg(&source), "--to", arg(&first)]);
    assert!(printed.contains("2 pictures"), "{printed}");
    let m = manifest(&first);
    assert_eq!(
        (m["format"].clone(), m["engine"].clone()),
        (json!(1), json!("sqlite"))
    );
    assert_eq!(
        (m["pictures"].clone(), m["missing_pictures"].clone()),
        (json!(2), json!(0))
    );
    for (table, least) in [
        ("workspaces", 2),
        ("users", 3),
        ("clients", 1),
        ("projects", 1),
        ("tasks", 1),
        ("tags", 1),
        ("time_entries", 3),
        ("deleted_entry_versions", 2),
        ("invoiced_entries", 1),
        ("notices", 2),
        ("capture_sets", 1),
        ("screenshots", 2),
        ("web_sessions", 1),
        ("audit_log", 8),
        ("idempotency", 1),
    ] {
        let count = m["rows"][table].as_u64().unwrap();
        assert!(
            count >= least,
            "{table}: {count} rows, expected at least {least}"
        );
    }
    // Values in the one form both engines read: flags as booleans, blobs as hex.
    let first_rows = rows(&first);
    let locked: Vec<_> = rows_of(&first_rows, "time_entries")
        .into_iter()
        .filter(|e| e["locked"] == true)
        .collect();
    assert_eq!(locked.len(), 1, "{first_rows:?}");
    assert_eq!(locked[0]["billable"], true);
    assert_eq!(locked[0]["description"], "design \"work\"");
    for user in rows_of(&first_rows, "users") {
        assert_eq!(user["active"], true);
        let hash = user["key_hash"].as_str().unwrap();
        assert!(
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{hash}"
        );
    }
    assert!(!first_rows.iter().any(|r| r["table"] == "changes"));

    // Into PostgreSQL, addressed with a password that must never be printed.
    let pg = Postgres::start().unwrap();
    pg.psql("postgres", "CREATE DATABASE moved").unwrap();
    let url = format!(
        "postgres://postgres:n0t-pr1nted@/moved?host={}&port={}",
        pg.socket_dir.display(),
        pg.port
    );
    let pg_dir = tempfile::tempdir().unwrap();
    let printed = ok(&[
        "import",
        "--data-dir",
        arg(pg_dir.path()),
        "--database",
        &url,
        "--from",
        arg(&first),
    ]);
    assert!(
        printed.contains("into PostgreSQL") && printed.contains("2 pictures"),
        "{printed}"
    );
    assert!(!printed.contains("n0t-pr1nted"), "{printed}");
    // The inserts' change-log rows are gone: every cursor from before is unknown here.
    assert_eq!(
        pg.psql("moved", "SELECT count(*) FROM changes").unwrap(),
        "0"
    );
    let position: i64 = pg
        .psql("moved", "SELECT last FROM feed_position")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        position > m["feed_position"].as_i64().unwrap(),
        "{position} {m}"
    );
    let refusal = refused(&[
        "import",
        "--data-dir",
        arg(pg_dir.path()),
        "--database",
        &url,
        "--from",
        arg(&first),
    ]);
    assert!(refusal.contains("already holds data"), "{refusal}");
    assert!(!refusal.contains("n0t-pr1nted"), "{refusal}");

    // Out of PostgreSQL, and into a new SQLite server, and out of that.
    let second = work.path().join("from-postgres");
    let printed = ok(&[
        "export",
        "--data-dir",
        arg(pg_dir.path()),
        "--database",
        &url,
        "--to",
        arg(&second),
    ]);
    assert!(!printed.contains("n0t-pr1nted"), "{printed}");
    assert_eq!(manifest(&second)["engine"], "postgres");
    let sqlite_again = tempfile::tempdir().unwrap();
    ok(&[
        "import",
        "--data-dir",
        arg(sqlite_again.path()),
        "--from",
        arg(&second),
    ]);
    let third = work.path().join("from-sqlite-again");
    ok(&[
        "export",
        "--data-dir",
        arg(sqlite_again.path()),
        "--to",
        arg(&third),
    ]);

    // The same rows in the same order, byte for byte, from all three; the same pictures,
    // the ones uploaded.
    same_rows(&rows(&second), &first_rows);
    same_rows(&rows(&third), &first_rows);
    let bytes = |dir: &Path| std::fs::read(dir.join("rows.jsonl")).unwrap();
    assert!(bytes(&first) == bytes(&second) && bytes(&first) == bytes(&third));
    for export in [&second, &third] {
        assert_eq!(manifest(export)["rows"], m["rows"]);
        assert_eq!(pictures(export), pictures(&first));
    }
    let mut uploaded = made.pictures.clone();
    let mut exported: Vec<Vec<u8>> = pictures(&first).into_values().collect();
    uploaded.sort();
    exported.sort();
    assert_eq!(exported, uploaded);

    // A server on the PostgreSQL database answers as the original did.
    let process = TestServer::start_on_database(
        &url,
        &["--blob-store", arg(&pg_dir.path().join("screenshots"))],
    )
    .unwrap();
    let moved = Server {
        base: format!("{}/api/v1", process.url),
        process,
        admin: original.admin.clone(),
        member: original.member.clone(),
        outsider: original.outsider.clone(),
    };
    web.base = moved.process.url.clone();
    assert_eq!(answers(&moved, &mut web), before);
    let (_, sets) = list(&moved, &moved.admin, None);
    let mut served = Vec::new();
    for shot in sets[0]["screenshots"].as_array().unwrap() {
        let (status, picture) = image(&moved, &moved.admin, shot["imagePath"].as_str().unwrap());
        assert_eq!(status, 200);
        served.push(picture);
    }
    served.sort();
    assert_eq!(served, uploaded);
    // A cursor from before the move is answered with a snapshot of the member's entries.
    let page = feed(&moved, &moved.member, &format!("?since={cursor}"));
    assert_eq!(page["snapshot"], true, "{page}");
    assert_eq!(page["entries"].as_array().unwrap().len(), 2, "{page}");
    // An id deleted before the move counts on from its old version.
    let (gone, version) = &made.deleted;
    let (status, remade) = moved.call(
        &moved.member,
        "POST",
        &format!("/workspaces/{}/time-entries", moved.member.workspace),
        Some(json!({"id": gone, "start": at(60), "end": at(70), "description": "back"})),
    );
    assert_eq!(
        (status, &remade["version"]),
        (201, &json!(version + 1)),
        "{remade}"
    );
}

/// A small server's data, exported: an entry with a set of one picture.
fn small_export(work: &Path) -> (PathBuf, TestServer) {
    let mut server = sqlite_server();
    let e = entry(&server, &server.member, at(0), Some(at(30)));
    upload(&server, &server.member, &e, at(5), 1);
    server.process.terminate().expect("the server was running");
    let export = work.join("export");
    let data = server.process.data_dir.path();
    ok(&["export", "--data-dir", arg(data), "--to", arg(&export)]);
    (export, server.process)
}

#[test]
fn refusals_say_why_and_leave_the_target_as_it_was() {
    let work = tempfile::tempdir().unwrap();
    let (export, source_server) = small_export(work.path());
    let source = source_server.data_dir.path();

    let busy = work.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let refusal = refused(&["export", "--data-dir", arg(source), "--to", arg(&busy)]);
    assert!(refusal.contains("not empty"), "{refusal}");
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);

    let refusal = refused(&["import", "--data-dir", arg(source), "--from", arg(&export)]);
    assert!(refusal.contains("already holds data"), "{refusal}");

    let target = tempfile::tempdir().unwrap();
    let import = |from: &Path| {
        refused(&[
            "import",
            "--data-dir",
            arg(target.path()),
            "--from",
            arg(from),
        ])
    };
    let damaged = |name: &str, change: &dyn Fn(&mut Vec<String>)| {
        let copy = work.path().join(name);
        copy_dir(&export, &copy);
        let text = std::fs::read_to_string(copy.join("rows.jsonl")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        change(&mut lines);
        std::fs::write(copy.join("rows.jsonl"), lines.join("\n") + "\n").unwrap();
        copy
    };
    // A line cut in the middle: named by its number.
    let cut = damaged("cut", &|lines| {
        let half = lines[2].len() / 2;
        lines[2].truncate(half);
    });
    let refusal = import(&cut);
    assert!(refusal.contains("rows.jsonl line 3"), "{refusal}");
    // A flag as 0/1 instead of its JSON form.
    let first_user = |lines: &[String]| {
        lines
            .iter()
            .position(|l| l.contains("\"active\":true"))
            .unwrap()
    };
    let text = std::fs::read_to_string(export.join("rows.jsonl")).unwrap();
    let flag_line = first_user(&text.lines().map(str::to_owned).collect::<Vec<_>>()) + 1;
    let flag = damaged("flag", &|lines| {
        let at = first_user(lines);
        lines[at] = lines[at].replace("\"active\":true", "\"active\":1");
    });
    let refusal = import(&flag);
    assert!(
        refusal.contains(&format!("rows.jsonl line {flag_line}"))
            && refusal.contains("users.active"),
        "{refusal}"
    );
    // The last line lost: the manifest's counts tell.
    let short = damaged("short", &|lines| {
        lines.pop();
    });
    let refusal = import(&short);
    assert!(refusal.contains("the manifest says"), "{refusal}");
    // A picture that is not its row's.
    let swapped = work.path().join("swapped");
    copy_dir(&export, &swapped);
    let key = pictures(&export).into_keys().next().unwrap();
    std::fs::write(swapped.join("pictures").join(&key), jpeg(99)).unwrap();
    let refusal = import(&swapped);
    assert!(
        refusal.contains(&key) && refusal.contains("sha256"),
        "{refusal}"
    );
    assert!(
        !target
            .path()
            .join("screenshots")
            .join(&key[..2])
            .join(&key)
            .exists(),
        "a refused import stores no picture"
    );

    // None of them left anything: the good export goes into the same target and comes out
    // the same, with the source's own blob store (whose pictures are left as they are).
    let shared = source.join("screenshots");
    let printed = ok(&[
        "import",
        "--data-dir",
        arg(target.path()),
        "--blob-store",
        arg(&shared),
        "--from",
        arg(&export),
    ]);
    assert!(printed.contains("1 pictures"), "{printed}");
    let again = work.path().join("again");
    ok(&[
        "export",
        "--data-dir",
        arg(target.path()),
        "--blob-store",
        arg(&shared),
        "--to",
        arg(&again),
    ]);
    same_rows(&rows(&again), &rows(&export));
    assert_eq!(pictures(&again), pictures(&export));
}
