//! Issue 16: the home page's dashboard over HTTP against the real server. The week's bars
//! add up to what the Reports API says for the same week (a member's own time, an admin's
//! team), one bar per day with time, one ring arc per project.

mod webclient;

use chrono::{Datelike, Duration, Utc};
use serde_json::json;
use stint_testkit::http::{call, Account, Server};
use webclient::Browser;

/// Every `data-<name>="…"` value in `html`.
fn values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    html.split(&format!("data-{name}=\""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

fn week_total(s: &Server, who: &Account, from: chrono::DateTime<Utc>) -> i64 {
    let body = json!({"dateRangeStart": from, "dateRangeEnd": from + Duration::days(7) - Duration::milliseconds(1)});
    let (status, report) = call(
        &s.process.url,
        "POST",
        &format!("/reports/v1/workspaces/{}/reports/detailed", who.workspace),
        Some(&who.key),
        Some(body),
        &[],
    );
    assert_eq!(status, 200, "{report}");
    report["totals"][0]["totalTime"].as_i64().unwrap()
}

#[test]
fn the_week_chart_adds_up_to_the_reports_api() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    let now = Utc::now();
    let monday = (now.date_naive()
        - Duration::days(i64::from(now.weekday().num_days_from_monday())))
    .and_hms_opt(0, 0, 0)
    .unwrap()
    .and_utc();
    // Entries inside this week, whatever the time of the run (Monday just after midnight
    // included): spans that end before now and start after Monday's midnight.
    let span = (now - monday).min(Duration::hours(3));
    let at = |fraction: f64| {
        monday.max(now - span) + Duration::seconds((span.num_seconds() as f64 * fraction) as i64)
    };
    let (_, project) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Site", "color": "#FF0000"})),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    for (who, from, to, project) in [
        (&s.member, at(0.0), at(0.4), Some(project["id"].clone())),
        (&s.member, at(0.5), at(0.7), None),
        (&s.admin, at(0.1), at(0.9), None),
    ] {
        let (status, body) = s.call(
            who,
            "POST",
            &entries,
            Some(json!({"start": from, "end": to, "projectId": project})),
        );
        assert_eq!(status, 201, "{body}");
    }
    for (who, arcs) in [(&s.member, 2), (&s.admin, 2)] {
        let mut web = Browser::new(&s.process);
        assert_eq!(web.sign_in(&[("api_key", &who.key)]).status, 303);
        let home = web.get("/web").body;
        let seconds: i64 = values(&home, "seconds")
            .iter()
            .map(|v| v.parse::<i64>().unwrap())
            .sum();
        assert_eq!(seconds, week_total(&s, who, monday), "{home}");
        let days = values(&home, "day");
        let mut distinct = days.clone();
        distinct.dedup();
        assert_eq!(days.len(), distinct.len(), "one bar per day");
        assert!(!days.is_empty());
        assert_eq!(values(&home, "project").len(), arcs, "{home}");
        assert!(home.contains("id=\"top-entries\""));
    }
    // Someone with no time this week is told so instead of an empty chart.
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &s.outsider.key)]).status, 303);
    assert!(web.get("/web").body.contains("id=\"no-time\""));
}
