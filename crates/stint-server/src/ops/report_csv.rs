//! The reports as Clockify's CSV files write them: the detailed report's columns and
//! formats (dates `MM/DD/YYYY`, times `hh:mm:ss AM`, durations `HH:MM:SS` and decimal hours,
//! money with two decimals), shared by the Reports API and the web report's export.

use chrono::{DateTime, TimeZone, Utc};
use stint_api::ReportEntry;

/// Clockify's detailed report CSV columns.
pub const CSV_COLUMNS: [&str; 17] = [
    "Project",
    "Client",
    "Description",
    "Task",
    "User",
    "Group",
    "Email",
    "Tags",
    "Billable",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "Duration (h)",
    "Duration (decimal)",
    "Billable Rate (USD)",
    "Billable Amount (USD)",
];

/// `h:mm:ss` with hours past 24, as Clockify's CSV writes durations.
pub fn hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// Cents as money with two decimals (negative amounts cannot occur: rates are checked).
pub fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A detailed report row as Clockify's CSV has it (see [`CSV_COLUMNS`]), dates and times
/// in `zone`; a running entry ends at `now`.
pub fn csv_row<Z: TimeZone>(r: &ReportEntry, now: DateTime<Utc>, zone: &Z) -> Vec<String>
where
    Z::Offset: std::fmt::Display,
{
    let start = r.time_interval.start.with_timezone(zone);
    let end = r.time_interval.end.unwrap_or(now).with_timezone(zone);
    let secs = r.time_interval.duration;
    vec![
        r.project_name.clone(),
        r.client_name.clone(),
        r.description.clone(),
        r.task_name.clone(),
        r.user_name.clone(),
        String::new(),
        r.user_email.clone(),
        r.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        (if r.billable { "Yes" } else { "No" }).to_owned(),
        start.format("%m/%d/%Y").to_string(),
        start.format("%I:%M:%S %p").to_string(),
        end.format("%m/%d/%Y").to_string(),
        end.format("%I:%M:%S %p").to_string(),
        hms(secs),
        format!("{:.2}", secs as f64 / 3600.0),
        money(r.rate),
        money(r.amount),
    ]
}

/// The summary report's CSV columns: up to three group names, then the time and amount.
pub const SUMMARY_COLUMNS: [&str; 6] = [
    "Group 1",
    "Group 2",
    "Group 3",
    "Time (h)",
    "Time (decimal)",
    "Amount (USD)",
];

/// One line per innermost group of a summary, its outer groups' names before it (see
/// [`SUMMARY_COLUMNS`]).
pub fn summary_rows(groups: &[stint_api::ReportGroup]) -> Vec<Vec<String>> {
    fn lines(groups: &[stint_api::ReportGroup], path: &[String], out: &mut Vec<Vec<String>>) {
        for g in groups {
            let mut here = path.to_vec();
            here.push(g.name.clone());
            if g.children.is_empty() {
                let mut row = here;
                row.resize(3, String::new());
                row.push(hms(g.duration));
                row.push(format!("{:.2}", g.duration as f64 / 3600.0));
                row.push(money(g.amount));
                out.push(row);
            } else {
                lines(&g.children, &here, out);
            }
        }
    }
    let mut rows = Vec::new();
    lines(groups, &[], &mut rows);
    rows
}
