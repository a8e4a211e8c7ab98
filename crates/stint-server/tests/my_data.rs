//! A member's "My data" page and downloads (issue 19): their time entries as CSV and JSON,
//! their screenshots as a zip with an index, and the audit records about them, each file
//! parsed and holding exactly their data: every one of their entries, pictures (byte for
//! byte) and records, and nothing of the workspace's admin or of another workspace, even
//! where the admin's entry ids were chosen to look like theirs (`my_data_world`). Signed
//! out, nothing is served, and a query naming another user changes nothing. Runs on SQLite
//! and, in the test command's second pass, on PostgreSQL.

mod my_data_world;
mod shots;
mod webclient;

use std::collections::{BTreeSet, HashMap};

use my_data_world::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shots::{blob_listing, hex};
use stint_testkit::http::Server;
use webclient::Browser;

#[test]
fn the_page_counts_their_data_and_the_entries_files_hold_exactly_their_entries() {
    let w = build();
    let member = &w.s.member;
    let mut web = signed_in(&w.s, member);
    // The admin's id is in records of what the admin did to the member's entries (their
    // author), never in the member's entries.
    let mut foreign = w.foreign();
    foreign.push(&w.s.admin.id);

    assert!(web.get("/web").body.contains("href=\"/web/my-data\""));
    let page = web.get("/web/my-data");
    assert_eq!(page.status, 200, "{}", page.body);
    for count in ["id=\"entry-count\">4<", "id=\"picture-count\">3<"] {
        assert!(page.body.contains(count), "{count}: {}", page.body);
    }

    // CSV: every entry of theirs with its names; a formula is neutralised.
    let path = format!("/web/my-data/entries.csv{}", w.sneaky());
    let bytes = download(&mut web, &path, "text/csv", "entries");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row_ids: BTreeSet<String> = rows.iter().map(|r| r[col("ID")].to_owned()).collect();
    assert_eq!(row_ids, w.mine());
    let row = |id: &str| rows.iter().find(|r| &r[col("ID")] == id).unwrap();
    let e1 = row(&w.e1);
    assert_eq!(&e1[col("Description")], A_WORDS);
    let names = ["Project", "Client", "Task", "Tags"].map(|c| e1[col(c)].to_owned());
    assert_eq!(names, ["Atlas", "Nimbus Corp", "Maps", "urgent"]);
    assert_eq!(row(&w.e2)[col("Description")], format!("'{A_FORMULA}"));
    assert_eq!(&row(&w.running)[col("End (UTC)")], "");
    let text = String::from_utf8(bytes).unwrap();
    for word in &foreign {
        assert!(!text.contains(word), "the entries CSV holds {word:?}");
    }
    let excel = web.get_bytes("/web/my-data/entries.csv?excel=1").2;
    assert!(excel.starts_with("\u{feff}".as_bytes()));

    // JSON: the same entries, with names.
    let path = format!("/web/my-data/entries.json{}", w.sneaky());
    let bytes = download(&mut web, &path, "application/json", "entries");
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["user"]["id"], member.id);
    let entries = doc["timeEntries"].as_array().unwrap();
    assert_eq!(ids(entries, "_id"), w.mine());
    assert!(entries.iter().all(|e| e["userId"] == member.id.as_str()));
    let e1 = entries.iter().find(|e| e["_id"] == w.e1.as_str()).unwrap();
    let names = [&e1["projectName"], &e1["taskName"], &e1["tags"][0]["name"]];
    assert_eq!(names, [&json!("Atlas"), &json!("Maps"), &json!("urgent")]);
    assert_eq!(e1["billable"], true, "as the admin changed it");
    let text = String::from_utf8(bytes).unwrap();
    for word in &foreign {
        assert!(!text.contains(word), "the entries JSON holds {word:?}");
    }

    // The admin's own file holds their entries, none of the member's.
    let mut admin_web = signed_in(&w.s, &w.s.admin);
    let (_, _, theirs) = admin_web.get_bytes("/web/my-data/entries.json");
    let theirs: Value = serde_json::from_slice(&theirs).unwrap();
    let their_ids = ids(theirs["timeEntries"].as_array().unwrap(), "_id");
    assert_eq!(their_ids, set(&[&w.b1, &w.b2]));
    assert!(!theirs.to_string().contains(A_WORDS));
}

#[test]
fn the_screenshots_zip_holds_their_pictures_byte_for_byte_and_an_index() {
    let w = build();
    let mut web = signed_in(&w.s, &w.s.member);
    let path = format!("/web/my-data/screenshots.zip{}", w.sneaky());
    let bytes = download(&mut web, &path, "application/zip", "screenshots");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        files.insert(file.name().unwrap().into_owned(), bytes);
    }
    assert_eq!(
        files.len(),
        4,
        "three pictures and the index: {:?}",
        files.keys()
    );
    let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
    assert_eq!(index["user"]["id"], w.s.member.id);
    assert_eq!(index["missingFiles"], json!([]));
    let sets = index["captureSets"].as_array().unwrap();
    assert_eq!(ids(sets, "id"), set(&[&w.set1, &w.set2]));
    assert_eq!(ids(sets, "timeEntryId"), set(&[&w.e1, REUSED]));
    let mut zipped = Vec::new();
    for shot in sets
        .iter()
        .flat_map(|s| s["screenshots"].as_array().unwrap())
    {
        let sha = hex(&Sha256::digest(&files[shot["file"].as_str().unwrap()]));
        assert_eq!(shot["sha256"], sha.as_str());
        assert!(shot["monitor"]["name"].as_str().unwrap().starts_with("DP-"));
        zipped.push(sha);
    }
    assert_eq!(zipped, w.shots, "their pictures, as uploaded, in order");
    let text = String::from_utf8_lossy(&files["index.json"]).into_owned();
    for word in w.foreign() {
        assert!(!text.contains(word), "the index holds {word:?}");
    }

    // A picture the store lost is left out and listed as missing in the index.
    let lost = blob_listing(&w.s)
        .into_iter()
        .find(|(_, bytes)| hex(&Sha256::digest(bytes)) == w.shots[2])
        .unwrap()
        .0;
    std::fs::remove_file(lost).unwrap();
    let (status, _, bytes) = web.get_bytes("/web/my-data/screenshots.zip");
    assert_eq!(status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), 3, "two pictures and the index");
    let mut index = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("index.json").unwrap(), &mut index).unwrap();
    let index: Value = serde_json::from_str(&index).unwrap();
    let third = &index["captureSets"][1]["screenshots"][0]["file"];
    assert_eq!(index["missingFiles"], json!([third]));
}

#[test]
fn the_audit_files_hold_the_records_about_them_and_no_one_elses() {
    let w = build();
    let member = &w.s.member;
    let mut web = signed_in(&w.s, member);
    let path = format!("/web/my-data/audit.json{}", w.sneaky());
    let bytes = download(&mut web, &path, "application/json", "audit-records");
    let audit: Value = serde_json::from_slice(&bytes).unwrap();
    let records = audit["auditRecords"].as_array().unwrap();
    let with = |action: &str, target: &str| {
        let of = |r: &&Value| r["action"] == action && r["targetId"] == target;
        records.iter().filter(of).count()
    };
    for id in [&w.e1, &w.e2, &w.gone, REUSED, &w.running] {
        assert_eq!(with("time_entry.created", id), 1, "the record of {id}");
    }
    assert_eq!(with("time_entry.deleted", &w.gone), 1);
    assert_eq!(with("time_entry.updated", &w.e1), 1, "the admin's change");
    assert_eq!(with("user.updated", &member.id), 2, "their role changes");
    assert_eq!(with("user.signed_in", &member.id), 1);
    assert_eq!(
        with("task.created", &w.task),
        1,
        "the task assigned to them"
    );
    let reused = records.iter().filter(|r| r["targetId"] == REUSED).count();
    assert_eq!(reused, 1, "the id's earlier life was the admin's");
    for r in records {
        let action = r["action"].as_str().unwrap();
        assert!(
            r["targetId"] != w.b1.as_str() && action != "project.created",
            "{r:#}"
        );
        if r["targetId"] == member.id.as_str() {
            assert!(action.starts_with("user."), "the admin's entry b2: {r:#}");
        }
    }
    let text = String::from_utf8(bytes).unwrap();
    for word in w.foreign() {
        assert!(!text.contains(word), "the audit JSON holds {word:?}");
    }
    let csv = download(
        &mut web,
        "/web/my-data/audit.csv",
        "text/csv",
        "audit-records",
    );
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let rows: BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(rows, ids(records, "id"));

    // The admin's file holds what the admin did, not what the member did.
    let mut admin_web = signed_in(&w.s, &w.s.admin);
    let (_, _, theirs) = admin_web.get_bytes("/web/my-data/audit.json");
    let theirs: Value = serde_json::from_slice(&theirs).unwrap();
    let theirs = theirs["auditRecords"].as_array().unwrap();
    assert!(theirs.iter().all(|r| r["authorId"] != member.id.as_str()));
    assert!(theirs.iter().any(|r| r["action"] == "project.created"));
}

#[test]
fn signed_out_nothing_is_served() {
    let s = Server::start();
    let mut stranger = Browser::new(&s.process);
    for path in [
        "/web/my-data",
        "/web/my-data/entries.csv",
        "/web/my-data/entries.json",
        "/web/my-data/screenshots.zip",
        "/web/my-data/audit.json",
        "/web/my-data/audit.csv",
    ] {
        let answer = stranger.get(&format!("{path}?userId={}", s.member.id));
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(answer.location.as_deref(), Some("/web/sign-in"), "{path}");
    }
}
