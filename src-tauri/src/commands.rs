//! The window's commands: each one calls the agent and nothing else.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use stint_agent::DayView;
use stint_agent::{
    ActivityDay, Agent, AutoTrackerSettings, Entry, EntryId, EntryPatch, IdleChoice, IdlePrompt,
    IdleSettings, IgnoreKind, SyncStatus, UiError, WorkspacePolicy,
};
use tauri::State;

use crate::AppInfo;

type Result<T> = std::result::Result<T, UiError>;

#[tauri::command]
#[specta::specta]
pub async fn app_info(info: State<'_, AppInfo>) -> Result<AppInfo> {
    Ok(info.inner().clone())
}

#[tauri::command]
#[specta::specta]
pub async fn timer_status(agent: State<'_, Arc<Agent>>) -> Result<Option<Entry>> {
    Ok(agent.running()?)
}

#[tauri::command]
#[specta::specta]
pub async fn start_timer(agent: State<'_, Arc<Agent>>, description: String) -> Result<Entry> {
    Ok(agent.start(&description)?)
}

#[tauri::command]
#[specta::specta]
pub async fn stop_timer(agent: State<'_, Arc<Agent>>) -> Result<Option<Entry>> {
    Ok(agent.stop()?)
}

#[tauri::command]
#[specta::specta]
pub async fn today(agent: State<'_, Arc<Agent>>) -> Result<DayView> {
    Ok(agent.today()?)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_entry(
    agent: State<'_, Arc<Agent>>,
    id: EntryId,
    patch: EntryPatch,
) -> Result<Entry> {
    Ok(agent.edit(&id, &patch)?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_entry(agent: State<'_, Arc<Agent>>, id: EntryId) -> Result<()> {
    Ok(agent.delete(&id)?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_manual_entry(
    agent: State<'_, Arc<Agent>>,
    description: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Entry> {
    Ok(agent.add_manual(&description, start, end)?)
}

/// Checks the key with the server and starts syncing (network: off the UI thread).
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    agent: State<'_, Arc<Agent>>,
    server: String,
    api_key: String,
) -> Result<SyncStatus> {
    let agent = agent.inner().clone();
    tauri::async_runtime::spawn_blocking(move || agent.sign_in(&server, &api_key))
        .await
        .map_err(|e| UiError {
            code: "internal".into(),
            message: format!("sign-in did not finish: {e}"),
        })?
        .map_err(UiError::from)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(agent: State<'_, Arc<Agent>>) -> Result<()> {
    Ok(agent.sign_out()?)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(agent: State<'_, Arc<Agent>>) -> Result<SyncStatus> {
    Ok(agent.sync_status())
}

/// The workspace's rules, once known; `null` while signed out.
#[tauri::command]
#[specta::specta]
pub async fn workspace_policy(agent: State<'_, Arc<Agent>>) -> Result<Option<WorkspacePolicy>> {
    Ok(agent.workspace_policy())
}

/// The idle prompt waiting for an answer, if any.
#[tauri::command]
#[specta::specta]
pub async fn idle_prompt(agent: State<'_, Arc<Agent>>) -> Result<Option<IdlePrompt>> {
    Ok(agent.idle_prompt()?)
}

/// Answers the idle prompt; returns the entries it wrote.
#[tauri::command]
#[specta::specta]
pub async fn resolve_idle(
    agent: State<'_, Arc<Agent>>,
    id: u32,
    choice: IdleChoice,
) -> Result<Vec<Entry>> {
    Ok(agent.resolve_idle(id, &choice)?)
}

#[tauri::command]
#[specta::specta]
pub async fn idle_settings(agent: State<'_, Arc<Agent>>) -> Result<IdleSettings> {
    Ok(agent.idle_settings())
}

#[tauri::command]
#[specta::specta]
pub async fn set_idle_settings(
    agent: State<'_, Arc<Agent>>,
    settings: IdleSettings,
) -> Result<IdleSettings> {
    Ok(agent.set_idle_settings(settings)?)
}

/// One local day of the private auto tracker.
#[tauri::command]
#[specta::specta]
pub async fn activity_day(agent: State<'_, Arc<Agent>>, date: NaiveDate) -> Result<ActivityDay> {
    Ok(agent.activity_day(date)?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_activity(agent: State<'_, Arc<Agent>>, ids: Vec<u32>) -> Result<()> {
    Ok(agent.delete_activity(&ids)?)
}

/// Deletes a day's spans, or every span with `null`.
#[tauri::command]
#[specta::specta]
pub async fn delete_activity_day(
    agent: State<'_, Arc<Agent>>,
    date: Option<NaiveDate>,
) -> Result<()> {
    Ok(agent.delete_activity_day(date)?)
}

#[tauri::command]
#[specta::specta]
pub async fn ignore_activity(
    agent: State<'_, Arc<Agent>>,
    kind: IgnoreKind,
    value: String,
) -> Result<()> {
    Ok(agent.ignore_activity(kind, &value)?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_tracker_paused(
    agent: State<'_, Arc<Agent>>,
    paused: bool,
) -> Result<AutoTrackerSettings> {
    Ok(agent.set_auto_tracker_paused(paused)?)
}
