//! Clockify's Reports API shapes (`POST /reports/v1/workspaces/{wid}/reports/detailed`,
//! `summary`, `weekly`): the request with its date range, filters, grouping and paging, and
//! the answers. Durations are whole seconds and amounts cents, as Clockify's JSON reports
//! give them; unknown request fields (`amountShown`, `timeZone`, `userLocale`, …) are
//! ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A filter on ids: `contains` is `CONTAINS` (default: only these), `DOES_NOT_CONTAIN`
/// (all but these) or `CONTAINS_ONLY` (as `CONTAINS`; for tags: entries with exactly these).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdFilter {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub contains: Option<String>,
}

/// The detailed report's page and order: `page` from 1, `pageSize` 1 to 1000 (default
/// 50), `sortColumn` `DATE` (default), `USER`, `PROJECT` or `DESCRIPTION`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DetailedFilter {
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub page_size: Option<u32>,
    #[serde(default)]
    pub sort_column: Option<String>,
}

/// The summary report's grouping: one to three of `PROJECT`, `CLIENT`, `TASK`, `USER`,
/// `TAG`, `DATE`, `MONTH`, `TIMEENTRY` (default `PROJECT`, `TIMEENTRY`), sorted by
/// `sortColumn` `GROUP` (default) or `DURATION`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SummaryFilter {
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    #[serde(default)]
    pub sort_column: Option<String>,
}

/// The weekly report's rows: `PROJECT` (default) or `USER`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WeeklyFilter {
    #[serde(default)]
    pub group: Option<String>,
}

/// The body of every report request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    /// Entries starting at or after this instant…
    pub date_range_start: DateTime<Utc>,
    /// …and at or before this one (at most 366 days later).
    pub date_range_end: DateTime<Utc>,
    #[serde(default)]
    pub users: Option<IdFilter>,
    #[serde(default)]
    pub projects: Option<IdFilter>,
    #[serde(default)]
    pub clients: Option<IdFilter>,
    #[serde(default)]
    pub tasks: Option<IdFilter>,
    #[serde(default)]
    pub tags: Option<IdFilter>,
    /// Only billable (true) or non-billable (false) time.
    #[serde(default)]
    pub billable: Option<bool>,
    /// Descriptions containing this text, in any case.
    #[serde(default)]
    pub description: Option<String>,
    /// Only entries without a description.
    #[serde(default)]
    pub without_description: Option<bool>,
    /// The IANA zone whose days and months `DATE` and `MONTH` groups (and the weekly
    /// report's days) are counted in, as Clockify's `timeZone`; UTC without it.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `ALL` (default), `INVOICED` or `UNINVOICED`.
    #[serde(default)]
    pub invoicing_state: Option<String>,
    /// `JSON` (default) or `CSV`.
    #[serde(default)]
    pub export_type: Option<String>,
    /// `DESCENDING` (default) or `ASCENDING`.
    #[serde(default)]
    pub sort_order: Option<String>,
    #[serde(default)]
    pub detailed_filter: Option<DetailedFilter>,
    #[serde(default)]
    pub summary_filter: Option<SummaryFilter>,
    #[serde(default)]
    pub weekly_filter: Option<WeeklyFilter>,
}

impl ReportRequest {
    /// Every entry of `[start, end]`, no filter, the defaults for the rest.
    pub fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> ReportRequest {
        ReportRequest {
            date_range_start: start,
            date_range_end: end,
            users: None,
            projects: None,
            clients: None,
            tasks: None,
            tags: None,
            billable: None,
            description: None,
            without_description: None,
            time_zone: None,
            invoicing_state: None,
            export_type: None,
            sort_order: None,
            detailed_filter: None,
            summary_filter: None,
            weekly_filter: None,
        }
    }
}

/// The sums over every matching entry (not only the page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportTotals {
    #[serde(rename = "_id")]
    pub id: String,
    pub total_time: i64,
    pub total_billable_time: i64,
    pub entries_count: u64,
    pub total_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportTag {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
}

/// An entry's span; `duration` in seconds (a running entry counted to the report's time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportInterval {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub duration: i64,
}

/// One entry of the detailed report, with the names a report shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportEntry {
    #[serde(rename = "_id")]
    pub id: String,
    pub description: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub billable: bool,
    pub project_id: Option<String>,
    pub project_name: String,
    pub project_color: String,
    pub client_id: Option<String>,
    pub client_name: String,
    pub task_id: Option<String>,
    pub task_name: String,
    pub tags: Vec<ReportTag>,
    pub time_interval: ReportInterval,
    pub is_locked: bool,
    /// Marked invoiced by an admin.
    pub invoiced: bool,
    /// The hourly rate applied, in cents (the task's, else the project's; 0 if none or
    /// not billable).
    pub rate: i64,
    /// What the entry earns, in cents.
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DetailedReport {
    /// One element: the sums over every matching entry.
    pub totals: Vec<ReportTotals>,
    /// The asked page of entries.
    pub timeentries: Vec<ReportEntry>,
}

/// A group of the summary report and its subgroups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportGroup {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub name_lower_case: String,
    pub duration: i64,
    pub amount: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<ReportGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SummaryReport {
    pub totals: Vec<ReportTotals>,
    pub group_one: Vec<ReportGroup>,
}

/// One day of a weekly report's row (UTC days, `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReportDay {
    pub date: String,
    pub duration: i64,
    pub amount: i64,
}

/// A row of the weekly report: a project or user with its time per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WeeklyGroup {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub duration: i64,
    pub amount: i64,
    pub days: Vec<ReportDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WeeklyReport {
    pub totals: Vec<ReportTotals>,
    pub group_one: Vec<WeeklyGroup>,
}
