//! Issue 15, Clockify's Reports API: the detailed, summary and weekly reports over real
//! entries with projects, clients, tasks, tags and rates; filters, paging, sorting and the
//! CSV export; an admin reports on everyone, a member on their own time, another workspace
//! on nothing; bad requests are 400s that say why.

use serde_json::{json, Value};
use stint_testkit::http::{call, Account, Server};

/// A fixed UTC day in the past, so days and weeks are known.
const DAY: &str = "2026-03-02";

fn at(hour: u32, minute: u32) -> String {
    format!("{DAY}T{hour:02}:{minute:02}:00.000Z")
}

fn report(s: &Server, who: &Account, kind: &str, body: Value) -> (u16, Value) {
    call(
        &s.process.url,
        "POST",
        &format!(
            "/reports/v1/workspaces/{}/reports/{kind}",
            s.admin.workspace
        ),
        Some(&who.key),
        Some(body),
        &[],
    )
}

fn range(extra: Value) -> Value {
    let mut body = json!({"dateRangeStart": format!("{DAY}T00:00:00Z"),
        "dateRangeEnd": format!("{DAY}T23:59:59.999Z"), "amountShown": "EARNED",
        "timeZone": "UTC", "userLocale": "en"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn made(s: &Server, path: &str, body: Value) -> String {
    let (status, made) = s.call(&s.admin, "POST", path, Some(body));
    assert_eq!(status, 201, "{path}: {made}");
    made["id"].as_str().unwrap().to_owned()
}

/// Two projects (one with a client, a rate and a task), a tag, and four entries of two
/// members: the admin 2 h on Website (billable, task, tag), the member 1 h on Website
/// (billable) and 30 min on Internal, and 15 min without a project.
fn workspace(s: &Server) -> (String, String, String) {
    let ws = &s.admin.workspace;
    let client = made(
        s,
        &format!("/workspaces/{ws}/clients"),
        json!({"name": "Acme"}),
    );
    let website = made(
        s,
        &format!("/workspaces/{ws}/projects"),
        json!({"name": "Website", "clientId": client, "billable": true,
            "hourlyRate": {"amount": 6000, "currency": "USD"}}),
    );
    let internal = made(
        s,
        &format!("/workspaces/{ws}/projects"),
        json!({"name": "Internal"}),
    );
    let task = made(
        s,
        &format!("/workspaces/{ws}/projects/{website}/tasks"),
        json!({"name": "Design", "hourlyRate": {"amount": 9000}}),
    );
    let tag = made(
        s,
        &format!("/workspaces/{ws}/tags"),
        json!({"name": "urgent"}),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    for (who, start, end, project, task, tags, billable, description) in [
        (
            &s.admin,
            at(9, 0),
            at(11, 0),
            Some(&website),
            Some(&task),
            vec![&tag],
            true,
            "Mockups",
        ),
        (
            &s.member,
            at(9, 0),
            at(10, 0),
            Some(&website),
            None,
            vec![],
            true,
            "Copy",
        ),
        (
            &s.member,
            at(13, 0),
            at(13, 30),
            Some(&internal),
            None,
            vec![],
            false,
            "Standup",
        ),
        (
            &s.member,
            at(14, 0),
            at(14, 15),
            None,
            None,
            vec![],
            false,
            "",
        ),
    ] {
        let (status, body) = s.call(
            who,
            "POST",
            &entries,
            Some(
                json!({"start": start, "end": end, "projectId": project, "taskId": task,
                "tagIds": tags, "billable": billable, "description": description}),
            ),
        );
        assert_eq!(status, 201, "{body}");
    }
    (website, internal, tag)
}

#[test]
fn the_detailed_report_has_names_amounts_filters_pages_and_a_csv() {
    let s = Server::start();
    let (website, _, tag) = workspace(&s);
    let (status, all) = report(&s, &s.admin, "detailed", range(json!({})));
    assert_eq!(status, 200, "{all}");
    let totals = &all["totals"][0];
    assert_eq!(totals["totalTime"], 3 * 3600 + 45 * 60);
    assert_eq!(totals["totalBillableTime"], 3 * 3600);
    assert_eq!(totals["entriesCount"], 4);
    // 2 h at the task's 90.00 and 1 h at the project's 60.00.
    assert_eq!(totals["totalAmount"], 2 * 9000 + 6000);
    let rows = all["timeentries"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    // Newest first by default.
    assert_eq!(rows[0]["description"], "");
    let mockups = rows.iter().find(|r| r["description"] == "Mockups").unwrap();
    assert_eq!(mockups["projectName"], "Website");
    assert_eq!(mockups["clientName"], "Acme");
    assert_eq!(mockups["taskName"], "Design");
    assert_eq!(mockups["tags"][0]["name"], "urgent");
    assert_eq!(mockups["timeInterval"]["duration"], 7200);
    assert_eq!(
        (mockups["rate"].clone(), mockups["amount"].clone()),
        (json!(9000), json!(18000))
    );
    // Filters.
    // The descriptions in the report's order.
    let in_order = |filter: Value| -> Vec<String> {
        let (status, body) = report(&s, &s.admin, "detailed", range(filter));
        assert_eq!(status, 200, "{body}");
        body["timeentries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["description"].as_str().unwrap().to_owned())
            .collect()
    };
    // Sorted (two entries start at the same time: their order is the ids').
    let only = |filter: Value| -> Vec<String> {
        let mut found = in_order(filter);
        found.sort();
        found
    };
    assert_eq!(
        only(json!({"projects": {"ids": [website]}})),
        ["Copy", "Mockups"]
    );
    assert_eq!(
        only(json!({"projects": {"ids": [website], "contains": "DOES_NOT_CONTAIN"}})),
        ["", "Standup"]
    );
    assert_eq!(
        only(json!({"users": {"ids": [s.member.id]}, "billable": false})),
        ["", "Standup"]
    );
    assert_eq!(only(json!({"tags": {"ids": [tag]}})), ["Mockups"]);
    assert_eq!(only(json!({"description": "STAND"})), ["Standup"]);
    assert_eq!(only(json!({"withoutDescription": true})), [""]);
    assert_eq!(
        in_order(
            json!({"sortOrder": "ASCENDING", "detailedFilter": {"sortColumn": "DESCRIPTION"}})
        ),
        ["", "Copy", "Mockups", "Standup"]
    );
    // Pages: the totals are the whole report's.
    let (_, page) = report(
        &s,
        &s.admin,
        "detailed",
        range(json!({"sortOrder": "ASCENDING", "detailedFilter": {"page": 2, "pageSize": 3}})),
    );
    assert_eq!(page["timeentries"].as_array().unwrap().len(), 1);
    assert_eq!(page["totals"][0]["entriesCount"], 4);
    // A member sees their own time only; another workspace nothing.
    let (_, mine) = report(&s, &s.member, "detailed", range(json!({})));
    assert_eq!(mine["totals"][0]["entriesCount"], 3);
    assert_eq!(report(&s, &s.outsider, "detailed", range(json!({}))).0, 404);
    // Invoiced: admins mark entries, all or none; the report filters on it.
    let ids: Vec<String> = rows
        .iter()
        .filter(|r| r["projectName"] == "Website")
        .map(|r| r["_id"].as_str().unwrap().to_owned())
        .collect();
    let invoiced = format!("/workspaces/{}/time-entries/invoiced", s.admin.workspace);
    let mark = |who: &Account, ids: &[String]| {
        s.call(
            who,
            "PATCH",
            &invoiced,
            Some(json!({"timeEntryIds": ids, "invoiced": true})),
        )
        .0
    };
    assert_eq!(mark(&s.member, &ids), 403);
    let with_unknown = [ids[0].clone(), "nope".to_owned()];
    assert_eq!(mark(&s.admin, &with_unknown), 400);
    assert_eq!(
        only(json!({"invoicingState": "INVOICED"})),
        Vec::<String>::new(),
        "a refused request marks none"
    );
    assert_eq!(mark(&s.admin, &ids), 200);
    assert_eq!(
        only(json!({"invoicingState": "INVOICED"})),
        ["Copy", "Mockups"]
    );
    assert_eq!(
        only(json!({"invoicingState": "UNINVOICED"})),
        ["", "Standup"]
    );
    // Clockify's CSV.
    let (status, csv, _) = stint_testkit::http::raw(
        &s.process.url,
        "POST",
        &format!(
            "/reports/v1/workspaces/{}/reports/detailed",
            s.admin.workspace
        ),
        Some(&s.admin.key),
        Some(range(json!({"exportType": "CSV"})).to_string()),
        &[],
    );
    assert_eq!(status, 200, "{csv}");
    assert!(
        csv.starts_with("\"Project\",\"Client\",\"Description\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"Website\",\"Acme\",\"Mockups\",\"Design\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"02:00:00\",\"2.00\",\"90.00\",\"180.00\""),
        "{csv}"
    );
    // The CSV is in the order the request asks, as the JSON is (newest first by default:
    // the 14:00 entry without project or description).
    let first_row = |body: Value| -> String {
        let (_, text, _) = stint_testkit::http::raw(
            &s.process.url,
            "POST",
            &format!(
                "/reports/v1/workspaces/{}/reports/detailed",
                s.admin.workspace
            ),
            Some(&s.admin.key),
            Some(range(body).to_string()),
            &[],
        );
        text.lines().nth(1).unwrap_or_default().to_owned()
    };
    let newest = first_row(json!({"exportType": "csv"}));
    assert!(newest.starts_with("\"\",\"\",\"\""), "{newest}");
    let oldest = first_row(json!({"exportType": "CSV", "sortOrder": "ascending"}));
    assert!(oldest.starts_with("\"Website\""), "{oldest}");
}

#[test]
fn summary_and_weekly_reports_group_the_time() {
    let s = Server::start();
    workspace(&s);
    let (status, summary) = report(
        &s,
        &s.admin,
        "summary",
        range(json!({"summaryFilter": {"groups": ["PROJECT", "USER"]}})),
    );
    assert_eq!(status, 200, "{summary}");
    let groups: Vec<(&str, i64)> = summary["groupOne"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap(), g["duration"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        groups,
        [
            ("(Without project)", 900),
            ("Internal", 1800),
            ("Website", 3 * 3600)
        ]
    );
    let website = &summary["groupOne"][2];
    assert_eq!(website["amount"], 24000);
    assert_eq!(
        website["children"].as_array().unwrap().len(),
        2,
        "{website}"
    );
    // By duration, and by tag (an untagged entry in its own group).
    let (_, by_tag) = report(
        &s,
        &s.admin,
        "summary",
        range(json!({"summaryFilter": {"groups": ["TAG"], "sortColumn": "DURATION"}})),
    );
    assert_eq!(by_tag["groupOne"][0]["name"], "urgent");
    assert_eq!(by_tag["groupOne"][1]["name"], "(Without tag)");
    // The default grouping: project, then description.
    let (_, default) = report(&s, &s.member, "summary", range(json!({})));
    assert_eq!(default["totals"][0]["totalTime"], 3600 + 1800 + 900);
    // Weekly: each member's time per day.
    let (status, weekly) = report(
        &s,
        &s.admin,
        "weekly",
        range(json!({"weeklyFilter": {"group": "USER"}})),
    );
    assert_eq!(status, 200, "{weekly}");
    let rows = weekly["groupOne"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row["days"][0]["date"], DAY);
        assert_eq!(row["days"][0]["duration"], row["duration"]);
    }
    // Bad requests say why and change nothing.
    for (kind, body) in [
        (
            "summary",
            range(json!({"summaryFilter": {"groups": ["PLANET"]}})),
        ),
        (
            "summary",
            range(json!({"summaryFilter": {"groups": ["USER", "USER", "USER", "USER"]}})),
        ),
        (
            "detailed",
            range(json!({"detailedFilter": {"pageSize": 0}})),
        ),
        ("detailed", range(json!({"exportType": "PDF"}))),
        (
            "detailed",
            range(json!({"dateRangeStart": "2020-01-01T00:00:00Z"})),
        ),
        (
            "detailed",
            range(json!({"dateRangeEnd": "2026-03-01T00:00:00Z"})),
        ),
        (
            "detailed",
            range(json!({"users": {"ids": ["x"], "contains": "MAYBE"}})),
        ),
        ("weekly", range(json!({"weeklyFilter": {"group": "TAG"}}))),
        ("detailed", json!({"dateRangeStart": "yesterday"})),
    ] {
        let (status, body) = report(&s, &s.admin, kind, body.clone());
        assert_eq!(status, 400, "{kind} {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// Review of issue 16's leftovers: DATE and MONTH groups and the weekly days are the
/// request's `timeZone` days, as in Clockify; a name that is not a zone is a 400.
#[test]
fn date_groups_follow_the_requests_time_zone() {
    let s = Server::start();
    let entries = format!("/workspaces/{}/time-entries", s.admin.workspace);
    // 23:30 to 00:30 UTC on the evening of the 2nd is the morning of the 3rd in Tokyo.
    let body =
        json!({"start": at(23, 30), "end": "2026-03-03T00:30:00.000Z", "description": "late"});
    assert_eq!(s.call(&s.admin, "POST", &entries, Some(body)).0, 201);
    let days = |zone: &str| {
        let mut body = range(json!({"summaryFilter": {"groups": ["DATE"]}}));
        body["timeZone"] = json!(zone);
        body["dateRangeEnd"] = json!("2026-03-03T23:59:59.999Z");
        let (status, report) = report(&s, &s.admin, "summary", body);
        assert_eq!(status, 200, "{report}");
        report["groupOne"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(days("UTC"), ["2026-03-02"]);
    assert_eq!(days("Asia/Tokyo"), ["2026-03-03"]);
    let mut body = range(json!({"weeklyFilter": {"group": "USER"}}));
    body["timeZone"] = json!("Asia/Tokyo");
    body["dateRangeEnd"] = json!("2026-03-03T23:59:59.999Z");
    let (status, weekly) = report(&s, &s.admin, "weekly", body);
    assert_eq!(status, 200, "{weekly}");
    assert!(weekly.to_string().contains("2026-03-03"), "{weekly}");
    let mut bad = range(json!({"summaryFilter": {"groups": ["DATE"]}}));
    bad["timeZone"] = json!("Mars/Olympus_Mons");
    let (status, answer) = report(&s, &s.admin, "summary", bad);
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not a time zone name"),
        "{answer}"
    );
}
