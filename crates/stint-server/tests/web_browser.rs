//! Issue 16: the admin pages and the dashboard in headless Chromium (Debian's, through
//! playwright-core): `browser/admin_pages.mjs` drives them against the real server and
//! saves a screenshot of each page under the test's artifacts
//! (`$CARGO_TARGET_TMPDIR/artifacts/pages`), for a reviewer to look at.

use chrono::{Datelike, Duration, Utc};
use serde_json::json;
use stint_testkit::http::Server;

#[test]
fn admin_pages_and_the_dashboard_in_headless_chromium() {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let (node, chromium) = stint_testkit::browser_tools(&scripts).unwrap();
    let s = Server::start();
    // Time this week for the chart: two entries, on one or two days.
    let now = Utc::now();
    let monday = (now.date_naive()
        - Duration::days(i64::from(now.weekday().num_days_from_monday())))
    .and_hms_opt(0, 0, 0)
    .unwrap()
    .and_utc();
    let span = (now - monday).min(Duration::hours(30));
    let first = now - span;
    let spans = [
        (first, first + span / 4),
        (now - span / 4, now - Duration::seconds(1)),
    ];
    // Every UTC day an entry has time on (an entry over midnight shows on both).
    let mut days: Vec<_> = spans
        .iter()
        .flat_map(|(from, to)| {
            let (first, last) = (
                from.date_naive(),
                (*to - Duration::milliseconds(1)).date_naive(),
            );
            first.iter_days().take_while(move |d| *d <= last)
        })
        .collect();
    days.sort();
    days.dedup();
    for (from, to) in spans {
        let (status, body) = s.call(
            &s.admin,
            "POST",
            &format!("/workspaces/{}/time-entries", s.admin.workspace),
            Some(json!({"start": from, "end": to, "description": "charted"})),
        );
        assert_eq!(status, 201, "{body}");
    }
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/pages");
    let out = std::process::Command::new(node)
        .arg(scripts.join("admin_pages.mjs"))
        .current_dir(&scripts)
        .env("STINT_BASE", &s.process.url)
        .env("STINT_ADMIN_KEY", &s.admin.key)
        .env("STINT_BARS", days.len().to_string())
        .env("STINT_ARTIFACTS", &artifacts)
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
    for page in [
        "home", "summary", "clients", "projects", "project", "tags", "members",
    ] {
        let png = artifacts.join(format!("{page}.png"));
        let bytes = std::fs::read(&png).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "no screenshot at {}",
            png.display()
        );
    }
    // What the pages did is what the API shows.
    let ws = &s.admin.workspace;
    let (_, projects) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/projects"), None);
    assert_eq!(projects, json!([]), "the project was deleted");
    let (_, clients) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/clients"), None);
    assert_eq!(clients[0]["name"], "Acme");
    let (_, users) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/users?email=new@acme.test"),
        None,
    );
    assert_eq!(users[0]["role"], "admin");
}
