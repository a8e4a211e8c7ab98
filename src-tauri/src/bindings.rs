//! The one list of commands and events the UI can use. The TypeScript bindings in
//! `ui/src/bindings.ts` are generated from it (a test keeps them in step).

use serde::{Deserialize, Serialize};
use stint_ipc::AgentEvent;

use crate::commands;
use crate::link::LinkStatus;

/// An agent event on its way to the window.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct AgentChanged(pub AgentEvent);

/// The window lost the agent, or reached it again (then everything shown is re-read).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct LinkChanged(pub LinkStatus);

pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::link_status,
            commands::timer_status,
            commands::start_timer,
            commands::stop_timer,
            commands::continue_entry,
            commands::catalog,
            commands::create_tag,
            commands::today,
            commands::week,
            commands::edit_entry,
            commands::delete_entry,
            commands::add_manual_entry,
            commands::sign_in,
            commands::sign_out,
            commands::sync_status,
            commands::workspace_policy,
            commands::sensor_problems,
            commands::idle_prompt,
            commands::resolve_idle,
            commands::idle_settings,
            commands::set_idle_settings,
            commands::pomodoro,
            commands::set_pomodoro,
            commands::about,
            commands::open_logs_folder,
            commands::report_problem,
            commands::shortcut,
            commands::set_shortcut,
            commands::reminders,
            commands::set_reminders,
            commands::autostart,
            commands::set_autostart,
            commands::activity_day,
            commands::delete_activity,
            commands::delete_activity_day,
            commands::ignore_activity,
            commands::set_auto_tracker_paused,
            crate::privacy::privacy,
            crate::privacy::set_privacy,
            crate::privacy::waiting_screenshots,
            crate::privacy::discard_screenshots,
            crate::privacy::my_data,
            crate::privacy::export_my_data,
            crate::privacy::delete_local_data,
        ])
        .events(tauri_specta::collect_events![AgentChanged, LinkChanged])
}

/// Writes the TypeScript bindings to `path`.
pub fn export_typescript(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from the Rust types by stint-app's bindings test. Do not edit.\n",
            ),
            path,
        )
        .map_err(|e| e.to_string())
}
