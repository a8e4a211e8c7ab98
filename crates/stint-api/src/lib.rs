//! The wire types of the Stint server's API, in one place for the server and the agent's
//! sync client. Time entries, users and workspaces follow the shapes of Clockify's public
//! REST API v1 (camelCase fields, `timeInterval {start, end, duration}`, ISO-8601 UTC times
//! and durations), so Clockify scripts work against Stint by changing the base URL.

mod batch;
mod catalog;
mod duration;
mod reports;
mod screenshots;
mod time;

pub use batch::{
    ChangeOp, ChangeResult, EntryBatch, EntryBatchResults, EntryChange, MAX_BATCH_CHANGES,
};
pub use catalog::{
    Client, ClientChanges, Estimate, InvoicedChange, ProjectChanges, Rate, RoleChange,
    StatusChange, Tag, TagChanges, Task, TaskChanges, TaskStatus,
};
pub use duration::{format_iso_duration, parse_iso_duration, DurationError};
pub use reports::{
    DetailedFilter, DetailedReport, IdFilter, ReportDay, ReportEntry, ReportGroup, ReportInterval,
    ReportRequest, ReportTag, ReportTotals, SummaryFilter, SummaryReport, WeeklyFilter,
    WeeklyGroup, WeeklyReport,
};
pub use screenshots::{
    upload_body, CaptureSet, CaptureSetDeleted, DiscardedCapture, Monitor, NewCaptureSet,
    NewScreenshot, Screenshot, METADATA_PART,
};
pub use time::{parse_time, sane_date, sane_time, OutOfRange, EARLIEST_YEAR, LATEST_YEAR};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The header that carries a user's API key, as in Clockify.
pub const API_KEY_HEADER: &str = "X-Api-Key";
/// Stint's addition: a repeated mutating request with the same key is answered once.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Paged lists say whether this page is the last one, as in Clockify.
pub const LAST_PAGE_HEADER: &str = "Last-Page";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimeInterval {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// ISO-8601 duration such as `PT1H30M`; `None` while the timer runs.
    pub duration: Option<String>,
}

/// How an entry came to be (Stint's addition; the audit log names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EntrySource {
    Timer,
    #[default]
    Manual,
    Import,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimeEntry {
    pub id: String,
    pub description: String,
    pub user_id: String,
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub tag_ids: Vec<String>,
    pub billable: bool,
    pub time_interval: TimeInterval,
    pub is_locked: bool,
    #[serde(rename = "type")]
    pub entry_type: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub custom_field_values: Vec<serde_json::Value>,
    pub source: EntrySource,
    /// Stint's addition: the entry's version, bumped at every change of its content; an
    /// edit sends it back in `If-Match` so it never overwrites a change it did not see.
    #[serde(default)]
    pub version: i64,
}

/// Answer of `GET /workspaces/{wid}/user/{uid}/time-entries/changes` (Stint's addition):
/// what changed for one user after a cursor, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EntryChanges {
    /// Entries created or changed after the cursor, each as it is now (with its version).
    pub entries: Vec<TimeEntry>,
    /// Ids of the user's entries deleted after the cursor (tombstones).
    pub deleted: Vec<String>,
    /// The workspace's settings changed: read `GET /workspaces/{wid}/settings` again.
    pub settings_changed: bool,
    /// The user has new notices: read `GET /workspaces/{wid}/notices?unread=true`.
    pub notices_changed: bool,
    /// The workspace's projects, tasks, clients or tags changed: read
    /// `GET /workspaces/{wid}/projects?hydrated=true` and `/tags` again (issue 16).
    #[serde(default)]
    pub catalog_changed: bool,
    /// Where the next request starts (`since=`); opaque, only ever grows.
    pub cursor: i64,
    /// More changes wait: ask again at once with the new cursor.
    pub more: bool,
    /// This answer is every entry of the user (a first request, or a cursor older than the
    /// 30 days the log keeps): entries the reader holds that are not in it are gone.
    pub snapshot: bool,
}

/// Body of `POST /workspaces/{wid}/time-entries`; no `end` starts a timer. As in Clockify,
/// fields Stint does not know (`tags`, `note`, …) are ignored and `null` stands for "none"
/// wherever Clockify takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewTimeEntry {
    /// Client-generated id (Stint's addition), so a retried create never doubles.
    pub id: Option<String>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub billable: bool,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tag_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub custom_fields: Vec<serde_json::Value>,
    #[serde(rename = "type")]
    pub entry_type: Option<String>,
    pub source: Option<EntrySource>,
}

/// Body of `PUT /workspaces/{wid}/time-entries/{id}`: the whole entry, as in Clockify.
pub type UpdateTimeEntry = NewTimeEntry;

/// `null` read as the type's default (an empty description, no tags), as Clockify reads it.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Body of `PATCH /workspaces/{wid}/user/{uid}/time-entries`: stops the running timer.
/// Unknown fields are ignored, as in Clockify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StopTimer {
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub user_id: String,
    pub target_id: String,
    pub membership_type: String,
    pub membership_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub active_workspace: String,
    pub default_workspace: String,
    pub status: String,
    pub memberships: Vec<Membership>,
    /// `admin` or `regular` (Stint's addition).
    pub role: String,
    /// Clockify's field; Stint keeps no pictures (always `""`).
    #[serde(default)]
    pub profile_picture: String,
    #[serde(default)]
    pub settings: UserSettings,
}

/// The user settings Clockify's clients read; Stint's days and weeks are UTC days starting
/// on Monday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub week_start: String,
    pub time_zone: String,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            week_start: "MONDAY".into(),
            time_zone: "Etc/UTC".into(),
        }
    }
}

/// The workspace rules Clockify's clients read before they write (`workspaceSettings`):
/// which fields are required, and that only admins create projects, tags and tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRules {
    pub force_projects: bool,
    pub force_tasks: bool,
    pub force_tags: bool,
    pub force_description: bool,
    pub only_admins_create_project: bool,
    pub only_admins_create_tag: bool,
    pub only_admins_create_task: bool,
}

impl WorkspaceRules {
    /// The rules that follow from a workspace's settings.
    pub fn of(settings: &WorkspaceSettings) -> WorkspaceRules {
        WorkspaceRules {
            force_projects: settings.force_projects,
            force_tasks: settings.force_tasks,
            force_tags: false,
            force_description: false,
            only_admins_create_project: true,
            only_admins_create_tag: true,
            only_admins_create_task: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub memberships: Vec<Membership>,
    #[serde(default)]
    pub workspace_settings: Option<WorkspaceRules>,
}

/// Every error answer: a message for people, a stable code for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub message: String,
    pub code: u16,
}

/// A workspace's settings (Stint's addition): members read them, admins change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Whether agents take screenshots while a timer runs.
    pub screenshots_enabled: bool,
    /// Longest side of a stored screenshot, in pixels (320 to 3840).
    pub screenshot_max_side: u32,
    /// How strongly screenshots are blurred (0 to 100).
    pub screenshot_blur: u32,
    /// Minutes without input before the agent asks about idle time (1 to 240).
    pub idle_threshold_minutes: u32,
    /// What the audit log records (off unless an admin switches it on).
    #[serde(default)]
    pub audit_log: AuditSettings,
    /// Every entry needs a project (Clockify's `forceProjects`); checked on entries with
    /// an end, so a timer may start without one and is refused at its stop.
    #[serde(default)]
    pub force_projects: bool,
    /// Every entry needs a task (Clockify's `forceTasks`), checked the same way.
    #[serde(default)]
    pub force_tasks: bool,
    /// Whether screenshots wait on the member's device, where they may discard them,
    /// before they are sent (Stint's addition, issue 19).
    #[serde(default)]
    pub screenshot_review: ScreenshotReview,
    /// How long a capture set waits for review on the device, in minutes (1 to 60).
    #[serde(default = "default_review_minutes")]
    pub screenshot_review_minutes: u32,
    /// Whether members may list private apps and sites, whose monitor is then sent as a
    /// plain "private" tile (Stint's addition, issue 19).
    #[serde(default = "allowed")]
    pub private_apps_allowed: bool,
}

fn default_review_minutes() -> u32 {
    10
}

fn allowed() -> bool {
    true
}

/// Review before upload (Stint's addition): whether each capture set waits on the device
/// for [`WorkspaceSettings::screenshot_review_minutes`] before it is sent, during which its
/// member may discard it (which cuts the time since the previous capture from the entry,
/// as deleting it on the server would).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ScreenshotReview {
    /// Sets are sent as soon as they are taken.
    #[default]
    Off,
    /// Each member chooses on their device whether sets wait.
    Allowed,
    /// Every set waits; closing the app does not skip the wait.
    Required,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        WorkspaceSettings {
            screenshots_enabled: false,
            screenshot_max_side: 1280,
            screenshot_blur: 50,
            idle_threshold_minutes: 5,
            audit_log: AuditSettings::default(),
            force_projects: false,
            force_tasks: false,
            screenshot_review: ScreenshotReview::Off,
            screenshot_review_minutes: default_review_minutes(),
            private_apps_allowed: true,
        }
    }
}

/// The audit log switch and its categories (Stint's addition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditSettings {
    pub enabled: bool,
    /// Time entries created, updated, deleted and restored.
    pub time_entries: bool,
    /// Projects, clients, tags and tasks created, updated and deleted.
    pub projects: bool,
    /// Users' sign-ins and role changes.
    pub users: bool,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: false,
            time_entries: true,
            projects: true,
            users: true,
        }
    }
}

impl WorkspaceSettings {
    /// Why these settings cannot be saved, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if !(320..=3840).contains(&self.screenshot_max_side) {
            return Some("screenshotMaxSide must be from 320 to 3840".into());
        }
        if self.screenshot_blur > 100 {
            return Some("screenshotBlur must be from 0 to 100".into());
        }
        if !(1..=240).contains(&self.idle_threshold_minutes) {
            return Some("idleThresholdMinutes must be from 1 to 240".into());
        }
        if !(1..=60).contains(&self.screenshot_review_minutes) {
            return Some("screenshotReviewMinutes must be from 1 to 60".into());
        }
        None
    }
}

/// A message for one user (Stint's addition), e.g. that screenshots were switched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub id: String,
    /// `screenshots-enabled`, `screenshots-disabled`.
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Body of `PUT /workspaces/{wid}/time-entries/{id}/lock` (Stint's addition, admins only):
/// a locked entry can no longer be changed or deleted by its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LockEntry {
    pub locked: bool,
}

/// A project, in Clockify's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub client_id: Option<String>,
    pub color: String,
    pub billable: bool,
    pub archived: bool,
    pub public: bool,
    pub note: String,
    /// The client's name, `""` without a client (Clockify's field, filled when read).
    #[serde(default)]
    pub client_name: String,
    #[serde(default)]
    pub hourly_rate: Option<crate::Rate>,
    #[serde(default)]
    pub cost_rate: Option<crate::Rate>,
    #[serde(default)]
    pub estimate: crate::Estimate,
    /// Time tracked on the project, an ISO-8601 duration (filled when read).
    #[serde(default = "zero_duration")]
    pub duration: String,
    /// The workspace's members who may track on it (filled when read).
    #[serde(default)]
    pub memberships: Vec<Membership>,
    /// The project's tasks, only with `hydrated=true` (Clockify's hydrated projects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<crate::Task>>,
}

fn zero_duration() -> String {
    "PT0S".into()
}

/// Body of `POST /workspaces/{wid}/projects`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewProject {
    pub name: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub billable: bool,
    #[serde(default)]
    pub is_public: Option<bool>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub note: String,
    #[serde(default)]
    pub hourly_rate: Option<Rate>,
    #[serde(default)]
    pub cost_rate: Option<Rate>,
    #[serde(default)]
    pub estimate: Option<Estimate>,
}
