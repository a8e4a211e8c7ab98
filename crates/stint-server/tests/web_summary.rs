//! Issue 16: the summary report page over HTTP against the real server: its chart and table
//! say what the Reports API's summary says for the same range, by project and by member; a
//! member sees their own time.

mod webclient;

use serde_json::{json, Value};
use stint_testkit::http::{call, Account, Server};
use webclient::Browser;

fn api_summary(s: &Server, who: &Account, group: &str) -> Value {
    let body = json!({"dateRangeStart": "2026-11-02T00:00:00Z", "dateRangeEnd": "2026-11-03T23:59:59.999Z",
        "summaryFilter": {"groups": [group], "sortColumn": "DURATION"}});
    let (status, report) = call(
        &s.process.url,
        "POST",
        &format!("/reports/v1/workspaces/{}/reports/summary", who.workspace),
        Some(&who.key),
        Some(body),
        &[],
    );
    assert_eq!(status, 200, "{report}");
    report
}

/// The page's bars as (name, seconds), in order.
fn bars(html: &str) -> Vec<(String, i64)> {
    html.split("class=\"group-bar\" data-name=\"")
        .skip(1)
        .map(|rest| {
            let name = rest.split('"').next().unwrap().to_owned();
            let seconds = rest
                .split("data-seconds=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap();
            (name, seconds)
        })
        .collect()
}

#[test]
fn the_summary_page_says_what_the_api_says() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    let (_, project) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Site", "billable": true, "hourlyRate": {"amount": 6000}})),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    for (who, start, end, with_project) in [
        (
            &s.admin,
            "2026-11-02T09:00:00Z",
            "2026-11-02T11:00:00Z",
            true,
        ),
        (
            &s.member,
            "2026-11-02T09:00:00Z",
            "2026-11-02T10:00:00Z",
            true,
        ),
        (
            &s.member,
            "2026-11-03T09:00:00Z",
            "2026-11-03T09:30:00Z",
            false,
        ),
    ] {
        let body = json!({"start": start, "end": end, "billable": with_project,
            "projectId": if with_project { project["id"].clone() } else { Value::Null }});
        assert_eq!(s.call(who, "POST", &entries, Some(body)).0, 201);
    }
    for (who, group) in [
        (&s.admin, "PROJECT"),
        (&s.admin, "USER"),
        (&s.member, "PROJECT"),
    ] {
        let mut web = Browser::new(&s.process);
        assert_eq!(web.sign_in(&[("api_key", &who.key)]).status, 303);
        let page = web
            .get(&format!(
                "/web/reports/summary?start=2026-11-02&end=2026-11-03&group={group}"
            ))
            .body;
        let api = api_summary(&s, who, group);
        let expected: Vec<(String, i64)> = api["groupOne"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["name"].as_str().unwrap().to_owned(),
                    g["duration"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(bars(&page), expected, "{group}: {page}");
        assert!(!expected.is_empty());
    }
    // The admin's amount: 3 billable hours at 60.00.
    let mut web = Browser::new(&s.process);
    web.sign_in(&[("api_key", &s.admin.key)]);
    let page = web
        .get("/web/reports/summary?start=2026-11-02&end=2026-11-03")
        .body;
    assert!(page.contains("id=\"amount\">180.00<"), "{page}");
    assert!(
        web.get("/web/reports/summary?start=2026-11-05&end=2026-11-01")
            .status
            == 400
    );
    // The detailed table names each entry's project and says whether it is billable.
    let detailed = web
        .get("/web/reports?start=2026-11-02&end=2026-11-03&user=all")
        .body;
    assert_eq!(detailed.matches("</span> Site").count(), 2, "{detailed}");
    assert_eq!(
        detailed.matches("<td class=\"billable\">Yes</td>").count(),
        2
    );
    assert_eq!(
        detailed.matches("<td class=\"billable\">No</td>").count(),
        1
    );
    // The weekly grid: one row per member with time, the week's total the sum of all.
    let weekly = web.get("/web/reports/weekly?week=2026-11-04").body;
    assert!(weekly.contains("id=\"week-total\">03:30:00<"), "{weekly}");
    assert_eq!(weekly.matches("class=\"row-total\"").count(), 2);
    let mut member = Browser::new(&s.process);
    member.sign_in(&[("api_key", &s.member.key)]);
    let own = member.get("/web/reports/weekly?week=2026-11-02").body;
    assert_eq!(
        own.matches("class=\"row-total\"").count(),
        1,
        "a member sees themselves"
    );
    assert!(own.contains("id=\"week-total\">01:30:00<"), "{own}");
    assert_eq!(member.get("/web/reports/weekly?week=someday").status, 400);
    // A grouping the page does not offer is refused, not replaced.
    assert_eq!(web.get("/web/reports/summary?group=planet").status, 400);
    // The page's CSV: one line per group, the API's numbers.
    let csv = web
        .get("/web/reports/summary.csv?start=2026-11-02&end=2026-11-03&group=PROJECT")
        .body;
    assert!(csv.starts_with("\"Group 1\""), "{csv}");
    assert!(
        csv.contains("\"Site\",\"\",\"\",\"03:00:00\",\"3.00\",\"180.00\""),
        "{csv}"
    );
}
