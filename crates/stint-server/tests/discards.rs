//! Review before upload and private tiles on the server (issue 19): a member's report of a
//! capture set discarded on their device is kept once (a retry is the same answer), refused
//! for another's entry or with other content, listed in the admin's gallery with the time
//! it cut, and written to the audit log; a private tile is stored, listed and counted as
//! such. Runs on SQLite and, in the test command's second pass, on PostgreSQL.

mod shots;
mod webclient;

use serde_json::json;
use shots::*;
use stint_testkit::http::Server;
use webclient::Browser;

fn report(
    s: &Server,
    who: &stint_testkit::http::Account,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    s.call(
        who,
        "POST",
        &format!("/workspaces/{}/screenshots/discarded", who.workspace),
        Some(body),
    )
}

#[test]
fn discards_and_private_tiles_reach_the_admin_without_pixels() {
    let s = Server::start();
    let settings = format!("/workspaces/{}/settings", s.admin.workspace);
    let (_, mut on) = s.call(&s.admin, "GET", &settings, None);
    assert_eq!(on["screenshotReview"], "off", "{on}");
    assert_eq!(on["screenshotReviewMinutes"], 10, "{on}");
    assert_eq!(on["privateAppsAllowed"], true, "{on}");
    on["screenshotsEnabled"] = json!(true);
    on["screenshotReview"] = json!("required");
    on["screenshotReviewMinutes"] = json!(61);
    on["auditLog"] = json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    let (status, body) = s.call(&s.admin, "PUT", &settings, Some(on.clone()));
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("screenshotReviewMinutes"),
        "{body}"
    );
    on["screenshotReviewMinutes"] = json!(5);
    let (status, body) = s.call(&s.admin, "PUT", &settings, Some(on));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["screenshotReview"], "required");

    let mine = entry(&s, &s.member, at(0), Some(at(30)));
    let theirs = entry(&s, &s.admin, at(0), Some(at(30)));
    let good = json!({"id": "set-1", "timeEntryId": mine, "capturedAt": at(7),
        "removedSeconds": 252, "monitors": 2});
    let (status, body) = report(&s, &s.member, good.clone());
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, good);
    // A retry (a lost answer) is answered the same and kept once.
    assert_eq!(report(&s, &s.member, good.clone()).0, 201);
    let mut other = good.clone();
    other["removedSeconds"] = json!(10);
    assert_eq!(report(&s, &s.member, other).0, 409);
    let mut foreign = good.clone();
    foreign["id"] = json!("set-2");
    foreign["timeEntryId"] = json!(theirs);
    assert_eq!(report(&s, &s.member, foreign).0, 403);
    for (field, value) in [
        ("removedSeconds", json!(-1)),
        ("monitors", json!(0)),
        ("id", json!("")),
    ] {
        let mut bad = good.clone();
        bad["id"] = json!("set-3");
        bad[field] = value;
        let (status, body) = report(&s, &s.member, bad);
        assert_eq!(status, 400, "{field}: {body}");
    }
    // Ids are each member's own: the admin's report with the same id is another report.
    let admins = json!({"id": "set-1", "timeEntryId": theirs, "capturedAt": at(7),
        "removedSeconds": 60, "monitors": 1});
    assert_eq!(report(&s, &s.admin, admins).0, 201);
    let mut far = good.clone();
    far["id"] = json!("set-far");
    far["capturedAt"] = json!("9999-01-01T00:00:00Z");
    assert_eq!(report(&s, &s.member, far).0, 400, "a capture from far away");
    let mut blank = good.clone();
    blank["id"] = json!("set-blank");
    blank["timeEntryId"] = json!("");
    assert_eq!(report(&s, &s.member, blank).0, 400, "no entry named");
    // A day keeps at most 300 of one member's discards (288 captures fit in a day).
    for n in 0..299 {
        let mut more = good.clone();
        more["id"] = json!(format!("flood-{n}"));
        assert_eq!(report(&s, &s.member, more).0, 201, "report {n}");
    }
    let mut over = good.clone();
    over["id"] = json!("flood-over");
    let (status, body) = report(&s, &s.member, over);
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        report(&s, &s.member, good.clone()).0,
        201,
        "a retry is still answered"
    );
    let mut pixels = good.clone();
    pixels["jpeg"] = json!("AAAA");
    assert_eq!(
        report(&s, &s.member, pixels).0,
        400,
        "unknown fields are refused"
    );

    // A set with one private tile.
    let pictures = vec![jpeg(20), jpeg(200)];
    let mut set = new_set(&mine, at(12), &pictures);
    set.screenshots[1].private = true;
    let (status, body) = send(&s, &s.member, &set, &pictures, &set.id);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["screenshots"][0]["private"], false, "{body}");
    assert_eq!(body["screenshots"][1]["private"], true, "{body}");
    let (_, listed) = list(&s, &s.member, None);
    assert_eq!(listed[0]["screenshots"][1]["private"], true, "{listed}");

    let mut admin = Browser::new(&s.process);
    assert_eq!(admin.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    let day = at(0).format("%Y-%m-%d");
    let page = admin.get(&format!("/web/screenshots?date={day}&user={}", s.member.id));
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page.body;
    assert!(
        body.contains("<span class=\"private-count\">1</span> private"),
        "{body}"
    );
    assert!(
        body.contains("<span class=\"discarded-count\">300</span> discarded before upload"),
        "{body}"
    );
    assert!(body.contains("4 min 12 s"), "{body}");
    assert!(body.contains("Discarded before upload"), "{body}");
    assert!(body.contains("2 monitors"), "{body}");
    assert!(body.contains("private-label"), "{body}");
    let csv = admin.get("/web/audit.csv").body;
    assert!(csv.contains("Screenshots discarded before upload"), "{csv}");
    assert!(csv.contains("4 min 12 s cut from the entry"), "{csv}");
    // One record a kept report: the member's 300 (retries kept once) and the admin's own.
    assert_eq!(
        csv.matches("Screenshots discarded before upload").count(),
        301,
        "{csv}"
    );
}
