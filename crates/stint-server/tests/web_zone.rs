//! Issue 16: days and times on the pages are the viewer's. The sign-in page sends the
//! browser's time zone, which becomes the user's until they choose another on their home
//! page; switching it moves an entry across a day boundary in the entries report.

mod webclient;

use serde_json::json;
use stint_testkit::http::Server;
use webclient::{csrf_of, Browser};

#[test]
fn the_time_zone_switch_moves_an_entry_across_a_day_boundary() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    // 20:00 UTC on 1 December is 09:00 on 2 December in Auckland (UTC+13 in summer).
    let (status, body) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{ws}/time-entries"),
        Some(json!({"start": "2026-12-01T20:00:00Z", "end": "2026-12-01T21:00:00Z", "description": "over the line"})),
    );
    assert_eq!(status, 201, "{body}");
    let mut web = Browser::new(&s.process);
    let answer = web.sign_in(&[("api_key", &s.admin.key), ("time_zone", "Pacific/Auckland")]);
    assert_eq!(answer.status, 303);
    let home = web.get("/web").body;
    assert!(
        home.contains("value=\"Pacific/Auckland\" selected"),
        "the browser's zone was kept"
    );
    let day = |web: &mut Browser, date: &str| {
        web.get(&format!("/web/reports?start={date}&end={date}&user=all"))
            .body
    };
    let on_second = day(&mut web, "2026-12-02");
    assert!(on_second.contains("over the line"), "{on_second}");
    assert!(
        on_second.contains("2026-12-02 09:00:00"),
        "shown in Auckland's time"
    );
    assert!(!day(&mut web, "2026-12-01").contains("over the line"));
    // The audit CSV's times are in the same zone as its filter, and say so.
    let csv = web.get("/web/audit.csv").body;
    assert!(csv.starts_with("\"Time (Pacific/Auckland)\""), "{csv}");
    // Chosen on the home page: UTC puts it on the first.
    let csrf = csrf_of(&home);
    assert_eq!(
        web.post("/web/profile", &[("csrf", &csrf), ("time_zone", "UTC")])
            .status,
        303
    );
    assert!(day(&mut web, "2026-12-01").contains("over the line"));
    assert!(!day(&mut web, "2026-12-02").contains("over the line"));
    // A later sign-in from another zone does not undo the choice; a made-up zone is refused.
    let mut again = Browser::new(&s.process);
    again.sign_in(&[("api_key", &s.admin.key), ("time_zone", "Asia/Tokyo")]);
    assert!(again.get("/web").body.contains("value=\"UTC\" selected"));
    let csrf = csrf_of(&again.get("/web").body);
    assert_eq!(
        again
            .post(
                "/web/profile",
                &[("csrf", &csrf), ("time_zone", "Mars/Olympus")]
            )
            .status,
        400
    );
    // The script that sends the browser's zone is served from here (the CSP allows no other).
    let script = again.get("/web/assets/zone.js");
    assert_eq!(script.status, 200);
    assert!(script.body.contains("resolvedOptions().timeZone"));
}
