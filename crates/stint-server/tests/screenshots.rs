//! Screenshots over HTTP against the real server binary: upload, list, fetch, who may see
//! what, the deletion rules for both roles, deleting entries and users, and retention.

mod shots;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::json;
use shots::*;
use stint_testkit::http::{send_bytes, Server};

#[test]
fn upload_list_fetch_and_who_sees_what() {
    let s = Server::start();
    let e = entry(&s, &s.member, at(0), Some(at(30)));
    let pictures = vec![jpeg(10), jpeg(200)];
    let set = new_set(&e, at(3), &pictures);
    let (status, body) = send(&s, &s.member, &set, &pictures, "k1");
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["timeEntryId"], e.as_str());
    assert_eq!(body["screenshots"].as_array().unwrap().len(), 2);
    // A retry of the same upload is answered from the record; a new key with the same set
    // is recognised by the set's id: still one set.
    assert_eq!(send(&s, &s.member, &set, &pictures, "k1").0, 201);
    assert_eq!(send(&s, &s.member, &set, &pictures, "k2").0, 201);
    let (_, own) = list(&s, &s.member, None);
    assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
    assert_eq!(blob_files(&s), 2);

    // The picture comes back byte for byte, to its owner and to an admin only.
    let path = own[0]["screenshots"][1]["imagePath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(image(&s, &s.member, &path), (200, pictures[1].clone()));
    assert_eq!(image(&s, &s.admin, &path).0, 200);
    assert_eq!(image(&s, &s.outsider, &path).0, 404);
    let other_path = path.replace(&s.member.workspace, &s.outsider.workspace);
    assert_eq!(image(&s, &s.outsider, &other_path).0, 404);

    // An admin's own set: the member cannot see it, nor list the admin's.
    let admin_entry = entry(&s, &s.admin, at(0), Some(at(30)));
    let admin_set = upload(&s, &s.admin, &admin_entry, at(4), 1);
    let (_, own) = list(&s, &s.member, None);
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(list(&s, &s.member, Some(&s.admin)).0, 404);
    let (_, all) = list(&s, &s.admin, None);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, members) = list(&s, &s.admin, Some(&s.member));
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(delete_set(&s, &s.member, &admin_set).0, 404);
    assert_eq!(delete_set(&s, &s.outsider, &admin_set).0, 404);
    let admin_path = all[1]["screenshots"][0]["imagePath"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(image(&s, &s.member, &admin_path).0, 404);
    assert_eq!(list(&s, &s.outsider, None).1.as_array().unwrap().len(), 0);
}

#[test]
fn bad_uploads_are_refused_with_reasons_and_store_nothing() {
    let s = Server::start();
    let e = entry(&s, &s.member, at(0), Some(at(30)));
    let good = vec![jpeg(50)];

    let mut wrong_hash = new_set(&e, at(2), &good);
    wrong_hash.screenshots[0].sha256 = "00".repeat(32);
    let (status, body) = send(&s, &s.member, &wrong_hash, &good, "a");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("sha256"),
        "{body}"
    );

    let not_jpeg = vec![b"GIF89a not a jpeg".to_vec()];
    let set = new_set(&e, at(2), &not_jpeg);
    let (status, body) = send(&s, &s.member, &set, &not_jpeg, "b");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("not a JPEG"),
        "{body}"
    );

    let outside = new_set(&e, at(90), &good);
    let (status, body) = send(&s, &s.member, &outside, &good, "c");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("outside"),
        "{body}"
    );

    let missing_part = new_set(&e, at(2), &good);
    let (status, body) = send(&s, &s.member, &missing_part, &[], "d");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("no part"),
        "{body}"
    );

    // Someone else's entry.
    let admin_entry = entry(&s, &s.admin, at(0), Some(at(30)));
    let theirs = new_set(&admin_entry, at(2), &good);
    assert_eq!(send(&s, &s.member, &theirs, &good, "e").0, 404);
    let unknown = new_set("no-such-entry", at(2), &good);
    assert_eq!(send(&s, &s.member, &unknown, &good, "f").0, 404);

    // Garbage instead of multipart.
    let (status, _, _) = send_bytes(
        &s.base,
        "POST",
        &format!("/workspaces/{}/screenshots", s.member.workspace),
        Some(&s.member.key),
        Some(("multipart/form-data; boundary=x", b"nonsense".to_vec())),
        &[],
    );
    assert_eq!(status, 400);
    assert_eq!(list(&s, &s.member, None).1.as_array().unwrap().len(), 0);
    assert_eq!(blob_files(&s), 0);
}

#[test]
fn a_members_delete_cuts_time_and_an_admins_does_not() {
    let s = Server::start();
    let m = &s.member;
    // [0, 30] with captures at 3, 8, 14, 21.
    let e = entry(&s, m, at(0), Some(at(30)));
    let sets: Vec<String> = [3, 8, 14, 21]
        .iter()
        .map(|&t| upload(&s, m, &e, at(t), 2))
        .collect();
    assert_eq!(blob_files(&s), 8);

    // The middle one (8): cut [3, 8], split into [0, 3] and [8, 30].
    let (status, body) = delete_set(&s, m, &sets[1]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["removedSeconds"], 300);
    assert_eq!(body["entry"]["timeInterval"]["end"], json!(at(3)));
    let second = body["splitOff"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["splitOff"]["timeInterval"]["start"], json!(at(8)));
    assert_eq!(body["splitOff"]["timeInterval"]["end"], json!(at(30)));
    assert_eq!(blob_files(&s), 6);
    let (_, listed) = list(&s, m, None);
    let owners: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["timeEntryId"].as_str().unwrap())
        .collect();
    assert_eq!(owners, vec![e.as_str(), second.as_str(), second.as_str()]);

    // The first of the later part (14): trims its start to 14.
    let (status, body) = delete_set(&s, m, &sets[2]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["removedSeconds"], 360);
    assert_eq!(body["entry"]["timeInterval"]["start"], json!(at(14)));
    assert!(body["splitOff"].is_null());

    // An admin deletes 21: nothing is subtracted.
    let (status, body) = delete_set(&s, &s.admin, &sets[3]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["removedSeconds"], 0);
    assert_eq!(
        get_entry(&s, m, &second).1["timeInterval"]["start"],
        json!(at(14))
    );

    // 3 is the first part's only capture: the entry goes with it.
    let (status, body) = delete_set(&s, m, &sets[0]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["entryDeleted"], true);
    assert_eq!(get_entry(&s, m, &e).0, 404);
    assert_eq!(blob_files(&s), 0);
    assert_eq!(delete_set(&s, m, &sets[0]).0, 404);
}

#[test]
fn running_and_locked_entries_refuse_a_members_delete() {
    let s = Server::start();
    let m = &s.member;
    let running = entry(&s, m, Utc::now() - Duration::minutes(20), None);
    let set = upload(&s, m, &running, Utc::now() - Duration::minutes(10), 1);
    let (status, body) = delete_set(&s, m, &set);
    assert_eq!(status, 409);
    assert!(
        body["message"].as_str().unwrap().contains("still running"),
        "{body}"
    );

    let stopped = entry(&s, m, at(0), Some(at(30)));
    let locked_set = upload(&s, m, &stopped, at(5), 1);
    upload(&s, m, &stopped, at(10), 1);
    let (status, _) = s.call(
        &s.admin,
        "PUT",
        &format!("/workspaces/{}/time-entries/{stopped}/lock", m.workspace),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 200);
    let (status, body) = delete_set(&s, m, &locked_set);
    assert_eq!(status, 403);
    assert!(
        body["message"].as_str().unwrap().contains("locked"),
        "{body}"
    );
    assert_eq!(list(&s, m, None).1.as_array().unwrap().len(), 3);
    // An admin may: the time stays.
    let (status, body) = delete_set(&s, &s.admin, &locked_set);
    assert_eq!((status, body["removedSeconds"].clone()), (200, json!(0)));
}

#[test]
fn deleting_an_entry_or_a_user_deletes_their_screenshots() {
    let s = Server::start();
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    upload(&s, m, &e, at(4), 2);
    let kept = entry(&s, m, at(40), Some(at(60)));
    upload(&s, m, &kept, at(45), 1);
    assert_eq!(blob_files(&s), 3);
    let (status, _) = s.call(
        m,
        "DELETE",
        &format!("/workspaces/{}/time-entries/{e}", m.workspace),
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(blob_files(&s), 1);
    assert_eq!(list(&s, m, None).1.as_array().unwrap().len(), 1);

    s.process
        .cli(&[
            "user",
            "delete",
            "--workspace",
            "Acme",
            "--email",
            "bo@acme.test",
        ])
        .unwrap();
    assert_eq!(blob_files(&s), 0);
    assert_eq!(list(&s, &s.admin, None).1.as_array().unwrap().len(), 0);
    assert_eq!(
        list(&s, m, None).0,
        401,
        "the deleted user's key no longer works"
    );
}

#[test]
fn retention_deletes_screenshots_older_than_seven_days() {
    let s = Server::start();
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    let early = upload(&s, m, &e, at(2), 1);
    let late = upload(&s, m, &e, at(20), 2);
    // The audit log records what the job deletes, with "System" as the author.
    let settings = json!({"screenshotsEnabled": true, "screenshotMaxSide": 1280, "screenshotBlur": 50,
        "idleThresholdMinutes": 5, "auditLog": {"enabled": true, "timeEntries": true, "projects": true, "users": true}});
    let (status, body) = s.call(
        &s.admin,
        "PUT",
        &format!("/workspaces/{}/settings", s.admin.workspace),
        Some(settings),
    );
    assert_eq!(status, 200, "{body}");
    let retention = |now: DateTime<Utc>| s.process.retention(Some(now)).unwrap();
    // Seven days after the first capture nothing is old enough yet.
    assert!(retention(at(2) + Duration::days(7) - Duration::seconds(1)).contains("deleted 0"));
    assert_eq!(blob_files(&s), 3);
    // Past seven days for the first, not the second.
    assert!(retention(at(10) + Duration::days(7)).contains("deleted 1"));
    let ids: Vec<String> = list(&s, m, None)
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![late]);
    assert_eq!(delete_set(&s, m, &early).0, 404);
    assert_eq!(blob_files(&s), 2);
    // The entry itself stays: retention is for pictures only.
    assert_eq!(get_entry(&s, m, &e).0, 200);
    let rows = s
        .process
        .sql("SELECT author_name, summary FROM audit_log WHERE action = 'screenshots.expired'")
        .unwrap();
    let [row] = rows.as_slice() else {
        panic!("one expiry record: {rows:?}")
    };
    let (author, summary) = (row[0].clone().unwrap(), row[1].clone().unwrap());
    assert_eq!(author, "System");
    assert!(summary.starts_with("1 screenshots"), "{summary}");
}

/// The gallery pages in headless Chromium (Debian's chromium driven by playwright-core, see
/// tests/browser/gallery.mjs): the admin switches screenshots on and the member sees the
/// notice; the member's day shows their pictures and the gallery steps through them;
/// deleting from the page applies the rules with their messages; another user's day and
/// pictures are unreachable by direct URL.
#[test]
fn the_gallery_in_headless_chromium() {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let (node, chromium) = stint_testkit::browser_tools(&scripts).unwrap();
    let s = Server::start();
    let mut child = s
        .process
        .command()
        .unwrap()
        .args([
            "user",
            "password",
            "--workspace",
            "Acme",
            "--email",
            "ana@acme.test",
            "--data-dir",
        ])
        .arg(s.process.data_dir.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        b"a long enough password\n",
    )
    .unwrap();
    assert!(child.wait().unwrap().success());

    let now = Utc::now().duration_trunc(Duration::seconds(1)).unwrap();
    let m = &s.member;
    let stopped = entry(
        &s,
        m,
        now - Duration::minutes(50),
        Some(now - Duration::minutes(20)),
    );
    let times = [47, 40, 33].map(|ago| now - Duration::minutes(ago));
    let sets: Vec<String> = times
        .iter()
        .map(|t| upload(&s, m, &stopped, *t, 1))
        .collect();
    let running = entry(&s, m, now - Duration::minutes(15), None);
    let running_at = now - Duration::minutes(10);
    let running_set = upload(&s, m, &running, running_at, 1);
    let admin_entry = entry(
        &s,
        &s.admin,
        now - Duration::minutes(30),
        Some(now - Duration::minutes(5)),
    );
    upload(&s, &s.admin, &admin_entry, now - Duration::minutes(25), 1);
    let (_, admin_sets) = list(&s, &s.admin, Some(&s.admin));
    let admin_image = admin_sets[0]["screenshots"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The day of the middle set; near midnight UTC the others may fall on the day before.
    let day = times[1].date_naive();
    let on_day = times
        .iter()
        .chain([&running_at])
        .filter(|t| t.date_naive() == day)
        .count();
    let out = std::process::Command::new(node)
        .arg(scripts.join("gallery.mjs"))
        .current_dir(&scripts)
        .env("STINT_BASE", &s.process.url)
        .env("STINT_DATE", day.to_string())
        .env("STINT_RUNNING_DATE", running_at.date_naive().to_string())
        .env("STINT_ADMIN_EMAIL", "ana@acme.test")
        .env("STINT_ADMIN_PASSWORD", "a long enough password")
        .env("STINT_MEMBER_KEY", &m.key)
        .env("STINT_MEMBER_ID", &m.id)
        .env("STINT_MEMBER_EMAIL", "bo@acme.test")
        .env("STINT_WORKSPACE", &m.workspace)
        .env(
            "STINT_REPORT_START",
            (now - Duration::days(1)).date_naive().to_string(),
        )
        .env("STINT_ADMIN_ID", &s.admin.id)
        .env("STINT_ADMIN_IMAGE", &admin_image)
        .env("STINT_EXPECTED_PICTURES", on_day.to_string())
        .env("STINT_RUNNING_SET", &running_set)
        .env("STINT_MIDDLE_SET", &sets[1])
        .env("CHROMIUM", &chromium)
        // The pages follow the browser's time zone: one zone for every run.
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser checks failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // What the page did is what the API shows: the middle set gone, 7 minutes cut.
    let (_, after) = get_entry(&s, m, &stopped);
    assert_eq!(after["timeInterval"]["end"], json!(times[0]));
    assert_eq!(list(&s, m, None).1.as_array().unwrap().len(), 3);
}
