//! Issue 16: the report pages' filters (members, projects, clients, tags, billable,
//! description) narrow the page, its CSV and its PDF alike, to what the Reports API gives
//! for the same filters; the PDFs open and say the report's names and totals.

mod webclient;

use serde_json::{json, Value};
use stint_testkit::http::{call, Account, Server};
use webclient::Browser;

const RANGE: &str = "start=2026-11-02&end=2026-11-03";

fn made(s: &Server, path: &str, body: Value) -> String {
    let (status, v) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{}{path}", s.admin.workspace),
        Some(body),
    );
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// The Reports API's detailed rows for the range and `filters`: (description, seconds).
fn api_rows(s: &Server, who: &Account, filters: Value) -> Vec<(String, i64)> {
    let mut body = json!({"dateRangeStart": "2026-11-02T00:00:00Z", "dateRangeEnd": "2026-11-03T23:59:59.999Z",
        "detailedFilter": {"page": 1, "pageSize": 1000}});
    body.as_object_mut()
        .unwrap()
        .extend(filters.as_object().unwrap().clone());
    let (status, report) = call(
        &s.process.url,
        "POST",
        &format!("/reports/v1/workspaces/{}/reports/detailed", who.workspace),
        Some(&who.key),
        Some(body),
        &[],
    );
    assert_eq!(status, 200, "{report}");
    let mut rows: Vec<(String, i64)> = report["timeentries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap().to_owned(),
                e["timeInterval"]["duration"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// The detailed page's rows: (description, seconds).
fn page_rows(html: &str) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = html
        .split("<td class=\"description\">")
        .skip(1)
        .map(|rest| {
            let description = rest.split("</td>").next().unwrap().to_owned();
            let duration = rest
                .split("<td class=\"duration\">")
                .nth(1)
                .unwrap()
                .split("</td>")
                .next()
                .unwrap();
            let parts: Vec<i64> = duration.split(':').map(|p| p.parse().unwrap()).collect();
            (description, parts[0] * 3600 + parts[1] * 60 + parts[2])
        })
        .collect();
    rows.sort();
    rows
}

/// Keeps a PDF in the test's artifacts for a reviewer, and reads its text back with
/// pypdf (a PDF reader of its own, from the test command's virtualenv).
fn pdf_text(bytes: &[u8], name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/pages");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let python = stint_testkit::require_tool(
        "python3",
        "Debian's python3 with PyPI's pypdf (the test command installs it into ~/.cache/stint/venv)",
    )
    .unwrap();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, pypdf; r = pypdf.PdfReader(sys.argv[1]); print(len(r.pages)); print('\\n'.join(p.extract_text() for p in r.pages))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pypdf could not read {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn filters_narrow_the_pages_the_csv_and_the_pdf_as_the_api_does() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    let client = made(&s, "/clients", json!({"name": "Café Zoë"}));
    let site = made(
        &s,
        "/projects",
        json!({"name": "Site", "clientId": client, "billable": true}),
    );
    let ops = made(
        &s,
        "/projects",
        json!({"name": "Проект", "billable": false}),
    );
    let urgent = made(&s, "/tags", json!({"name": "urgent"}));
    let entries = format!("/workspaces/{ws}/time-entries");
    for (who, description, start, minutes, project, tags, billable) in [
        (
            &s.admin,
            "Design review",
            "2026-11-02T09:00:00Z",
            120,
            &site,
            vec![urgent.clone()],
            true,
        ),
        (
            &s.member,
            "Homepage mockups",
            "2026-11-02T11:00:00Z",
            60,
            &site,
            vec![],
            true,
        ),
        (
            &s.member,
            "Server upgrade",
            "2026-11-03T09:00:00Z",
            30,
            &ops,
            vec![urgent.clone()],
            false,
        ),
        (
            &s.member,
            "Design of the invoice",
            "2026-11-03T13:00:00Z",
            45,
            &ops,
            vec![],
            false,
        ),
    ] {
        let start_t: chrono::DateTime<chrono::Utc> = start.parse().unwrap();
        let body = json!({"start": start, "end": start_t + chrono::Duration::minutes(minutes), "description": description,
            "projectId": project, "tagIds": tags, "billable": billable});
        assert_eq!(s.call(who, "POST", &entries, Some(body)).0, 201);
    }
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    let cases = [
        ("", json!({})),
        (
            &format!("&projects={site}") as &str,
            json!({"projects": {"ids": [site], "contains": "CONTAINS"}}),
        ),
        (
            &format!("&clients={client}"),
            json!({"clients": {"ids": [client], "contains": "CONTAINS"}}),
        ),
        (
            &format!("&tags={urgent}"),
            json!({"tags": {"ids": [urgent], "contains": "CONTAINS"}}),
        ),
        ("&billable=false", json!({"billable": false})),
        ("&description=design", json!({"description": "design"})),
        (
            &format!("&users={}", s.member.id),
            json!({"users": {"ids": [s.member.id], "contains": "CONTAINS"}}),
        ),
        (
            &format!("&projects={ops}&tags={urgent}"),
            json!({"projects": {"ids": [ops], "contains": "CONTAINS"}, "tags": {"ids": [urgent], "contains": "CONTAINS"}}),
        ),
    ];
    for (query, api) in &cases {
        let page = web.get(&format!("/web/reports?{RANGE}{query}"));
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        let expected = api_rows(&s, &s.admin, api.clone());
        assert_eq!(page_rows(&page.body), expected, "{query}");
        // The CSV has the same rows.
        let csv = web.get(&format!("/web/reports.csv?{RANGE}{query}")).body;
        assert_eq!(csv.lines().count() - 1, expected.len(), "{query}: {csv}");
        // The summary's total is theirs too.
        let summary = web
            .get(&format!("/web/reports/summary?{RANGE}{query}"))
            .body;
        let total: i64 = expected.iter().map(|(_, s)| s).sum();
        let hms = format!(
            "{:02}:{:02}:{:02}",
            total / 3600,
            total % 3600 / 60,
            total % 60
        );
        assert!(
            summary.contains(&format!("id=\"total\">{hms}<")),
            "{query}: {hms} in {summary}"
        );
    }
    // The chosen filters stay chosen in the form, and links carry them.
    let page = web
        .get(&format!("/web/reports?{RANGE}&tags={urgent}&billable=true"))
        .body;
    assert!(
        page.contains(&format!("value=\"{urgent}\" selected")),
        "{page}"
    );
    let range = RANGE.replace('&', "&amp;");
    assert!(
        page.contains(&format!(
            "href=\"/web/reports.pdf?{range}&amp;tags={urgent}&amp;billable=true\""
        )),
        "{page}"
    );
    // Bad filter input is refused with a reason.
    let bad = web.get(&format!("/web/reports?{RANGE}&billable=maybe"));
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("billable must be"), "{}", bad.body);
    // A member may not look at another member's time through the filter.
    let mut member = Browser::new(&s.process);
    member.sign_in(&[("api_key", &s.member.key)]);
    for page in [
        "/web/reports",
        "/web/reports.csv",
        "/web/reports/summary",
        "/web/reports/weekly",
    ] {
        let answer = member.get(&format!("{page}?{RANGE}&users={}", s.admin.id));
        assert_eq!(answer.status, 404, "{page}");
    }

    // The PDFs: a summary by project and a detailed report, both narrowed.
    let (status, kind, pdf) = web.get_bytes(&format!(
        "/web/reports/summary.pdf?{RANGE}&group=PROJECT&billable=false"
    ));
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf, "summary.pdf");
    for wanted in [
        "Summary by project",
        "Проект",
        "01:15:00",
        "Non-billable only",
        "Total",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} not in the summary PDF: {text}"
        );
    }
    assert!(
        !text.contains("Site"),
        "a filtered-out project is in the PDF: {text}"
    );
    assert!(
        pdf.len() < 200_000,
        "the font is subset: {} bytes",
        pdf.len()
    );
    // An id of nothing in the workspace is not printed as if it were a filter.
    let (status, _, pdf) = web.get_bytes(&format!(
        "/web/reports.pdf?{RANGE}&clients=000000000000000000000000&clients={client}"
    ));
    assert_eq!(status, 200);
    let text = pdf_text(&pdf, "detailed.pdf");
    for wanted in [
        "Detailed report",
        "Design review",
        "Homepage mockups",
        "Clients: Café Zoë",
        "03:00:00",
        "2 entries",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} not in the detailed PDF: {text}"
        );
    }
    assert!(!text.contains("Server upgrade"), "{text}");
    assert!(!text.contains("000000000000"), "{text}");
}
