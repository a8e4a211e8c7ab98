//! The window's privacy commands (issue 19): review before upload, private apps, "My data"
//! and "Delete all local data", each forwarded to the agent.

use stint_ipc::protocol::Command;
use stint_ipc::{DeviceData, DiscardOutcome, PrivacySettings, PrivacyStatus, UiError, Waiting};
use tauri::State;

use crate::link::AgentLink;

type Result<T> = std::result::Result<T, UiError>;

/// The review rule, the user's choice and private apps.
#[tauri::command]
#[specta::specta]
pub async fn privacy(link: State<'_, AgentLink>) -> Result<PrivacyStatus> {
    ask!(link, Command::Privacy, Privacy)
}

#[tauri::command]
#[specta::specta]
pub async fn set_privacy(
    link: State<'_, AgentLink>,
    settings: PrivacySettings,
) -> Result<PrivacyStatus> {
    ask!(link, Command::SetPrivacy { settings }, Privacy)
}

/// Capture sets waiting for review, with their pictures as they would be sent.
#[tauri::command]
#[specta::specta]
pub async fn waiting_screenshots(link: State<'_, AgentLink>) -> Result<Waiting> {
    ask!(link, Command::WaitingScreenshots, Waiting)
}

/// Discards a waiting set: never sent; the time since the previous capture is cut.
#[tauri::command]
#[specta::specta]
pub async fn discard_screenshots(link: State<'_, AgentLink>, id: String) -> Result<DiscardOutcome> {
    ask!(link, Command::DiscardScreenshots { id }, Discarded)
}

/// What of the user's is on this device and what was sent.
#[tauri::command]
#[specta::specta]
pub async fn my_data(link: State<'_, AgentLink>) -> Result<DeviceData> {
    ask!(link, Command::MyData, MyData)
}

/// Writes everything of the user's on this device to a zip; answers its path.
#[tauri::command]
#[specta::specta]
pub async fn export_my_data(link: State<'_, AgentLink>) -> Result<String> {
    ask!(link, Command::ExportMyData, Path)
}

/// Empties both databases, removes the settings and the key, and signs out.
#[tauri::command]
#[specta::specta]
pub async fn delete_local_data(link: State<'_, AgentLink>) -> Result<()> {
    ask!(link, Command::DeleteLocalData { confirm: true })
}
