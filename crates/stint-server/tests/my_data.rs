//! A member's "My data" page and downloads (issue 19): their time entries as CSV and JSON,
//! their screenshots as a zip with an index, and the audit records about them, each file
//! parsed and holding exactly their data: every one of their entries, pictures (byte for
//! byte) and records, and nothing of another member of the workspace or of another
//! workspace, even where the other member's entry ids were chosen to look like theirs.
//! Signed out, nothing is served, and no query names another user. Runs on SQLite and, in
//! the test command's second pass, on PostgreSQL.

mod shots;
mod webclient;

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shots::*;
use stint_testkit::http::{Account, Server};
use webclient::Browser;

const A_WORDS: &str = "Orion launch checklist";
const A_FORMULA: &str = "=HYPERLINK(\"http://evil.test\")";
const B_WORDS: &str = "Secret merger memo";
const B_LOOKALIKE: &str = "Entry named like the member";
const B_OLD_LIFE: &str = "Admin's first use of the id";
const C_WORDS: &str = "Other workspace plan";
/// An entry id the admin uses, deletes, and the member then uses for an entry of theirs.
const REUSED: &str = "abcabcabcabcabcabcabc000";

fn post_entry(s: &Server, who: &Account, body: Value) -> String {
    let path = format!("/workspaces/{}/time-entries", who.workspace);
    let (status, made) = s.call(who, "POST", &path, Some(body));
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_owned()
}

fn delete_entry(s: &Server, who: &Account, id: &str) {
    let path = format!("/workspaces/{}/time-entries/{id}", who.workspace);
    assert_eq!(s.call(who, "DELETE", &path, None).0, 204);
}

fn make(s: &Server, who: &Account, what: &str, body: Value) -> String {
    let path = format!("/workspaces/{}/{what}", who.workspace);
    let (status, made) = s.call(who, "POST", &path, Some(body));
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_owned()
}

/// Uploads one capture set of pictures in `shades` (one per monitor); returns its id and
/// the SHA-256 (hex) of each picture.
fn upload_shades(
    s: &Server,
    who: &Account,
    entry: &str,
    min: i64,
    shades: &[u8],
) -> (String, Vec<String>) {
    let pictures: Vec<Vec<u8>> = shades.iter().map(|&v| jpeg(v)).collect();
    let set = new_set(entry, at(min), &pictures);
    let (status, body) = send(s, who, &set, &pictures, &set.id);
    assert_eq!(status, 201, "{body}");
    (
        set.id,
        pictures.iter().map(|p| hex(&Sha256::digest(p))).collect(),
    )
}

fn enable_everything(s: &Server, admin: &Account) {
    let settings = format!("/workspaces/{}/settings", admin.workspace);
    let (_, mut on) = s.call(admin, "GET", &settings, None);
    on["screenshotsEnabled"] = json!(true);
    on["auditLog"] = json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    assert_eq!(s.call(admin, "PUT", &settings, Some(on)).0, 200);
}

fn signed_in(s: &Server, who: &Account) -> Browser {
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &who.key)]).status, 303);
    web
}

/// The download's body, after checking its status, type, attachment name
/// (`stint-my-NAME-YYYY-MM-DD.EXT`, the day in the member's zone: UTC, as the sign-in sent
/// none) and that no cache keeps it.
fn download(web: &mut Browser, path: &str, kind: &str, name: &str) -> Vec<u8> {
    let answer = web.get(path);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    assert!(
        answer.headers["content-type"].starts_with(kind),
        "{path}: {:?}",
        answer.headers
    );
    let ext = path.split('?').next().unwrap().rsplit('.').next().unwrap();
    let today = chrono::Utc::now().date_naive();
    let disposition = &answer.headers["content-disposition"];
    let named = [today, today - chrono::Duration::days(1)].iter().any(|d| {
        *disposition
            == format!(
                "attachment; filename=\"stint-my-{name}-{}.{ext}\"",
                d.format("%Y-%m-%d")
            )
    });
    assert!(named, "{path}: {disposition}");
    assert_eq!(answer.headers["cache-control"], "private, no-store");
    let (status, _, bytes) = web.get_bytes(path);
    assert_eq!(status, 200);
    bytes
}

fn ids<'v>(items: impl IntoIterator<Item = &'v Value>, key: &str) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_member_downloads_exactly_their_own_data() {
    let s = Server::start();
    let (admin, member, outsider) = (&s.admin, &s.member, &s.outsider);
    let ws = &admin.workspace;
    enable_everything(&s, admin);
    let other_admin_key = s
        .process
        .add_user("Other", "dee@other.test", "admin")
        .unwrap();
    let (_, me) =
        stint_testkit::http::call(&s.base, "GET", "/user", Some(&other_admin_key), None, &[]);
    let other_admin = Account {
        key: other_admin_key,
        id: me["id"].as_str().unwrap().into(),
        workspace: outsider.workspace.clone(),
    };
    enable_everything(&s, &other_admin);

    // The admin's catalog: the member's entry points at a project, its client, a task
    // assigned to the member, and a tag.
    let client = make(&s, admin, "clients", json!({"name": "Nimbus Corp"}));
    let project = make(
        &s,
        admin,
        "projects",
        json!({"name": "Atlas", "clientId": client}),
    );
    let task = make(
        &s,
        admin,
        &format!("projects/{project}/tasks"),
        json!({"name": "Maps", "assigneeIds": [member.id]}),
    );
    let tag = make(&s, admin, "tags", json!({"name": "urgent"}));

    // The admin's own entries: one with a distinctive description, one whose id (the
    // client's choice) is the member's user id, and one id used, changed and deleted
    // before the member takes it.
    let b1 = post_entry(
        &s,
        admin,
        json!({"start": at(0), "end": at(20), "description": B_WORDS}),
    );
    let b2 = post_entry(
        &s,
        admin,
        json!({"id": member.id, "start": at(21), "end": at(22), "description": B_LOOKALIKE}),
    );
    assert_eq!(b2, member.id);
    post_entry(
        &s,
        admin,
        json!({"id": REUSED, "start": at(23), "end": at(24), "description": B_OLD_LIFE}),
    );
    let reused_path = format!("/workspaces/{ws}/time-entries/{REUSED}");
    let (status, body) = s.call(
        admin,
        "PUT",
        &reused_path,
        Some(json!({"start": at(23), "end": at(25), "description": B_OLD_LIFE})),
    );
    assert_eq!(status, 200, "{body}");
    delete_entry(&s, admin, REUSED);

    // The member's entries.
    let e1 = post_entry(
        &s,
        member,
        json!({"start": at(30), "end": at(60), "description": A_WORDS,
        "projectId": project, "taskId": task, "tagIds": [tag]}),
    );
    let e2 = post_entry(
        &s,
        member,
        json!({"start": at(61), "end": at(70), "description": A_FORMULA}),
    );
    let gone = post_entry(
        &s,
        member,
        json!({"start": at(71), "end": at(72), "description": "soon gone"}),
    );
    delete_entry(&s, member, &gone);
    let mine_again = post_entry(
        &s,
        member,
        json!({"id": REUSED, "start": at(80), "end": at(90), "description": "the id is mine now"}),
    );
    assert_eq!(mine_again, REUSED);
    let running = post_entry(
        &s,
        member,
        json!({"start": at(100), "description": "still going"}),
    );
    // The admin changes the member's entry and role (records about the member).
    let (status, body) = s.call(
        admin,
        "PUT",
        &format!("/workspaces/{ws}/time-entries/{e1}"),
        Some(json!({
        "start": at(30), "end": at(60), "description": A_WORDS, "projectId": project,
        "taskId": task, "tagIds": [tag], "billable": true})),
    );
    assert_eq!(status, 200, "{body}");
    for role in ["admin", "regular"] {
        let path = format!("/workspaces/{ws}/users/{}/role", member.id);
        assert_eq!(
            s.call(admin, "PUT", &path, Some(json!({"role": role}))).0,
            200
        );
    }
    // The other workspace's member.
    let c1 = post_entry(
        &s,
        outsider,
        json!({"start": at(0), "end": at(40), "description": C_WORDS}),
    );

    // Screenshots: the member's two sets (three pictures), the others' one each.
    let (set1, mut mine) = upload_shades(&s, member, &e1, 35, &[30, 90]);
    let (set2, more) = upload_shades(&s, member, REUSED, 85, &[150]);
    mine.extend(more);
    let (b_set, b_shots) = upload_shades(&s, admin, &b1, 5, &[210]);
    let (c_set, c_shots) = upload_shades(&s, outsider, &c1, 5, &[250]);
    let all_shots: BTreeSet<&String> = mine.iter().chain(&b_shots).chain(&c_shots).collect();
    assert_eq!(all_shots.len(), 5, "every picture differs");

    let mut b_web = signed_in(&s, admin);
    let mut web = signed_in(&s, member);
    let mine_ids = set(&[&e1, &e2, REUSED, &running]);
    let foreign_words = [
        B_WORDS,
        B_LOOKALIKE,
        B_OLD_LIFE,
        C_WORDS,
        &b1,
        &c1,
        &b_set,
        &c_set,
        &outsider.id,
        &other_admin.id,
    ];
    // The admin's id is in the records of what the admin did to the member's entries and
    // account (their author), never in the member's entries.
    let mut foreign_in_entries = foreign_words.to_vec();
    foreign_in_entries.push(&admin.id);

    // The page, linked from home, counts it all.
    assert!(web.get("/web").body.contains("href=\"/web/my-data\""));
    let page = web.get("/web/my-data");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"entry-count\">4<"), "{}", page.body);
    assert!(
        page.body.contains("id=\"picture-count\">3<"),
        "{}",
        page.body
    );

    // A query naming another user changes nothing: the session's data it is.
    let sneaky = format!(
        "?user={0}&userId={0}&workspace={1}",
        admin.id, outsider.workspace
    );

    // Entries as CSV: every entry of theirs, with names; formulas neutralised.
    let csv_bytes = download(
        &mut web,
        &format!("/web/my-data/entries.csv{sneaky}"),
        "text/csv",
        "entries",
    );
    let text = String::from_utf8(csv_bytes.clone()).unwrap();
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let csv_ids: BTreeSet<String> = rows.iter().map(|r| r[col("ID")].to_owned()).collect();
    assert_eq!(csv_ids, mine_ids);
    let row1 = rows.iter().find(|r| r[col("ID")] == *e1).unwrap();
    assert_eq!(&row1[col("Description")], A_WORDS);
    assert_eq!(
        (&row1[col("Project")], &row1[col("Client")]),
        ("Atlas", "Nimbus Corp")
    );
    assert_eq!((&row1[col("Task")], &row1[col("Tags")]), ("Maps", "urgent"));
    let row2 = rows.iter().find(|r| r[col("ID")] == *e2).unwrap();
    assert_eq!(row2[col("Description")], format!("'{A_FORMULA}"));
    let running_row = rows.iter().find(|r| r[col("ID")] == *running).unwrap();
    assert_eq!(&running_row[col("End (UTC)")], "");
    for word in &foreign_in_entries {
        assert!(!text.contains(word), "the entries CSV holds {word:?}");
    }
    let excel = web.get_bytes("/web/my-data/entries.csv?excel=1").2;
    assert!(excel.starts_with("\u{feff}".as_bytes()));

    // Entries as JSON: the same entries.
    let json_bytes = download(
        &mut web,
        &format!("/web/my-data/entries.json{sneaky}"),
        "application/json",
        "entries",
    );
    let doc: Value = serde_json::from_slice(&json_bytes).unwrap();
    assert_eq!(doc["user"]["id"], member.id);
    let entries = doc["timeEntries"].as_array().unwrap();
    assert_eq!(ids(entries, "_id"), mine_ids);
    assert!(entries.iter().all(|e| e["userId"] == member.id.as_str()));
    let je1 = entries.iter().find(|e| e["_id"] == e1.as_str()).unwrap();
    assert_eq!(
        (
            &je1["projectName"],
            &je1["taskName"],
            &je1["tags"][0]["name"]
        ),
        (&json!("Atlas"), &json!("Maps"), &json!("urgent"))
    );
    assert_eq!(je1["billable"], true);
    let text = String::from_utf8(json_bytes).unwrap();
    for word in &foreign_in_entries {
        assert!(!text.contains(word), "the entries JSON holds {word:?}");
    }

    // Screenshots as a zip: their pictures byte for byte, and an index of their sets.
    download(
        &mut web,
        "/web/my-data/screenshots.zip",
        "application/zip",
        "screenshots",
    );
    let (status, _, zip_bytes) = web.get_bytes(&format!("/web/my-data/screenshots.zip{sneaky}"));
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        files.insert(file.name().unwrap().into_owned(), bytes);
    }
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    assert_eq!(index["user"]["id"], member.id);
    assert_eq!(index["missingFiles"], json!([]));
    let sets = index["captureSets"].as_array().unwrap();
    assert_eq!(ids(sets, "id"), set(&[&set1, &set2]));
    assert_eq!(ids(sets, "timeEntryId"), set(&[&e1, REUSED]));
    let mut zipped = Vec::new();
    for shot in sets
        .iter()
        .flat_map(|s| s["screenshots"].as_array().unwrap())
    {
        let bytes = &files[shot["file"].as_str().unwrap()];
        let sha = hex(&Sha256::digest(bytes));
        assert_eq!(shot["sha256"], sha.as_str());
        assert!(shot["monitor"]["name"].as_str().unwrap().starts_with("DP-"));
        zipped.push(sha);
    }
    assert_eq!(
        zipped, mine,
        "the zip's pictures are the member's, as uploaded, in order"
    );
    assert_eq!(
        files.len(),
        4,
        "three pictures and the index: {:?}",
        files.keys()
    );

    // Audit records about them, as JSON and CSV.
    let audit_bytes = download(
        &mut web,
        &format!("/web/my-data/audit.json{sneaky}"),
        "application/json",
        "audit-records",
    );
    let audit: Value = serde_json::from_slice(&audit_bytes).unwrap();
    let records = audit["auditRecords"].as_array().unwrap();
    let with = |action: &str, target: &str| {
        records
            .iter()
            .filter(|r| r["action"] == action && r["targetId"] == target)
            .count()
    };
    for id in [&e1, &e2, &gone, REUSED, &running] {
        assert_eq!(
            with("time_entry.created", id),
            1,
            "the created record of {id}"
        );
    }
    assert_eq!(with("time_entry.deleted", &gone), 1);
    assert_eq!(
        with("time_entry.updated", &e1),
        1,
        "the admin's change of their entry"
    );
    assert_eq!(with("user.updated", &member.id), 2, "their role changes");
    assert_eq!(with("user.signed_in", &member.id), 1);
    assert_eq!(with("task.created", &task), 1, "the task assigned to them");
    assert_eq!(
        records.iter().filter(|r| r["targetId"] == REUSED).count(),
        1,
        "the id's earlier life was the admin's"
    );
    for r in records {
        assert!(
            r["targetId"] != b1.as_str() && r["action"] != "project.created",
            "{r:#}"
        );
    }
    assert!(records
        .iter()
        .filter(|r| r["targetId"] == member.id.as_str())
        .all(|r| r["action"].as_str().unwrap().starts_with("user.")));
    let text = String::from_utf8(audit_bytes).unwrap();
    for word in foreign_words {
        assert!(!text.contains(word), "the audit JSON holds {word:?}");
    }
    let audit_csv = download(
        &mut web,
        "/web/my-data/audit.csv",
        "text/csv",
        "audit-records",
    );
    let mut reader = csv::Reader::from_reader(audit_csv.as_slice());
    let csv_ids: BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(csv_ids, ids(records, "id"));

    // The admin's own downloads hold none of the member's entries or sign-ins.
    let (_, _, theirs) = b_web.get_bytes("/web/my-data/entries.json");
    let theirs: Value = serde_json::from_slice(&theirs).unwrap();
    assert_eq!(
        ids(theirs["timeEntries"].as_array().unwrap(), "_id"),
        set(&[&b1, &b2])
    );
    let (_, _, their_audit) = b_web.get_bytes("/web/my-data/audit.json");
    let their_audit: Value = serde_json::from_slice(&their_audit).unwrap();
    let their_records = their_audit["auditRecords"].as_array().unwrap();
    assert!(their_records
        .iter()
        .all(|r| r["authorId"] != member.id.as_str()));
    assert!(their_records
        .iter()
        .any(|r| r["action"] == "project.created"));

    // Signed out, nothing: every page and download sends the browser to sign in.
    let mut stranger = Browser::new(&s.process);
    for path in [
        "/web/my-data",
        "/web/my-data/entries.csv",
        "/web/my-data/entries.json",
        "/web/my-data/screenshots.zip",
        "/web/my-data/audit.json",
        "/web/my-data/audit.csv",
    ] {
        let answer = stranger.get(&format!("{path}{sneaky}"));
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(answer.location.as_deref(), Some("/web/sign-in"), "{path}");
    }
}
