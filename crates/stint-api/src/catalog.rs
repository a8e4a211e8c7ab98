//! How time is organised: clients, tags and a project's tasks, and the bodies that create
//! and change them and projects, in the shapes of Clockify's API v1 (`ClientDto`,
//! `TagDto`, `TaskDto`, `ProjectDtoImpl`; unknown fields ignored, `null` taken as "not
//! given"). Money is in cents, as Clockify sends `hourlyRate.amount`.

use serde::{Deserialize, Serialize};

/// A client the workspace bills (Clockify's `ClientDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Client {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub archived: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
}

/// A tag (Clockify's `TagDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub workspace_id: String,
    pub archived: bool,
}

/// Body of `POST /workspaces/{wid}/clients` and `PUT .../clients/{id}`: a field left out
/// (or `null`) keeps its value on an update and is empty on a create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientChanges {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Body of `POST /workspaces/{wid}/tags` and `PUT .../tags/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagChanges {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
}

/// An amount per hour in cents of a currency (Clockify's `RateDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rate {
    pub amount: i64,
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "USD".into()
}

/// A time estimate (Clockify's `EstimateDto`): an ISO-8601 duration such as `PT10H`, and
/// `MANUAL` (set on the project) or `AUTO` (the sum of its tasks').
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub estimate: String,
    #[serde(rename = "type", default = "manual")]
    pub kind: String,
}

fn manual() -> String {
    "MANUAL".into()
}

impl Default for Estimate {
    fn default() -> Self {
        Estimate {
            estimate: "PT0S".into(),
            kind: manual(),
        }
    }
}

/// Body of `PUT /workspaces/{wid}/projects/{id}`; a field left out (or `null`) keeps its
/// value, and `clientId: ""` takes the project away from its client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProjectChanges {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    pub is_public: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub hourly_rate: Option<Rate>,
    #[serde(default)]
    pub cost_rate: Option<Rate>,
    /// Also taken as Clockify's `timeEstimate` (the same shape).
    #[serde(default, alias = "timeEstimate")]
    pub estimate: Option<Estimate>,
}

/// Whether a task is still worked on (Clockify's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Active,
    Done,
}

/// A piece of a project (Clockify's `TaskDto`); `estimate` is an ISO-8601 duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub workspace_id: String,
    pub assignee_ids: Vec<String>,
    pub estimate: String,
    pub status: TaskStatus,
    pub billable: bool,
    pub hourly_rate: Option<Rate>,
    pub cost_rate: Option<Rate>,
}

/// Body of `POST .../projects/{pid}/tasks` and `PUT .../tasks/{id}`; a field left out keeps
/// its value on an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskChanges {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub assignee_ids: Option<Vec<String>>,
    #[serde(default)]
    pub estimate: Option<String>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub hourly_rate: Option<Rate>,
    #[serde(default)]
    pub cost_rate: Option<Rate>,
}

/// Body of `PUT /workspaces/{wid}/users/{uid}/role` (Stint's way of Clockify's role
/// changes): `admin` or `regular`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoleChange {
    pub role: String,
}

/// Body of `PUT /workspaces/{wid}/users/{uid}` (Clockify's "update user status"):
/// `ACTIVE` or `INACTIVE`; an inactive member's key stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: String,
}

/// Body of `PATCH /workspaces/{wid}/time-entries/invoiced` (Clockify's): marks entries
/// invoiced or not (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvoicedChange {
    pub time_entry_ids: Vec<String>,
    pub invoiced: bool,
}
