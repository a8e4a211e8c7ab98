//! Privacy controls (issue 19) as the window sees them: screenshots waiting for review
//! before upload, the user's private apps and sites, and what of theirs is on this device.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stint_core::EntryId;

/// Review before upload, as the workspace's admin set it (stint-api's `ScreenshotReview`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ReviewMode {
    /// Screenshots are sent as soon as they are taken.
    #[default]
    Off,
    /// The user chooses ([`PrivacySettings::review_screenshots`]).
    Allowed,
    /// Every capture set waits for the review window.
    Required,
}

impl From<stint_api::ScreenshotReview> for ReviewMode {
    fn from(r: stint_api::ScreenshotReview) -> Self {
        match r {
            stint_api::ScreenshotReview::Off => ReviewMode::Off,
            stint_api::ScreenshotReview::Allowed => ReviewMode::Allowed,
            stint_api::ScreenshotReview::Required => ReviewMode::Required,
        }
    }
}

/// The user's own privacy choices, kept in the app's settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PrivacySettings {
    /// Where the admin allows it: let each capture set wait for review before upload.
    #[serde(default)]
    pub review_screenshots: bool,
    /// Apps (as the auto tracker names them, e.g. `firefox`) and sites (host names, e.g.
    /// `bank.example`) whose monitor is sent as a plain "private" tile while in front;
    /// matched without regard to case. At most 100, each at most 200 characters.
    #[serde(default)]
    pub private_apps: Vec<String>,
}

impl PrivacySettings {
    /// Why these settings cannot be saved, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if self.private_apps.len() > 100 {
            return Some("at most 100 private apps and sites".into());
        }
        self.private_apps
            .iter()
            .find(|a| a.trim().is_empty() || a.chars().count() > 200)
            .map(|a| format!("{a:?} is not an app or site name (1 to 200 characters)"))
    }
}

/// What the privacy section shows: the rules and the user's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyStatus {
    pub settings: PrivacySettings,
    /// The workspace's rule (`off` while signed out).
    pub review: ReviewMode,
    pub review_minutes: u32,
    /// Whether sets wait for review now (the rule and, where allowed, the user's choice).
    pub reviewing: bool,
    /// Whether the admin lets members list private apps.
    pub private_apps_allowed: bool,
}

/// One monitor's picture waiting for review, exactly as it would be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingPicture {
    pub monitor: String,
    pub width: u32,
    pub height: u32,
    /// The JPEG, base64 (small and blurred already).
    pub jpeg_base64: String,
    /// A plain "private" tile stands for this monitor.
    pub private: bool,
}

/// A capture set waiting on this device for its review window to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingSet {
    pub id: String,
    pub entry_id: EntryId,
    pub captured: DateTime<Utc>,
    /// When it is sent unless discarded.
    pub send_at: DateTime<Utc>,
    pub pictures: Vec<WaitingPicture>,
}

/// The sets waiting for review, and the agent's clock (countdowns are `send_at - now`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    pub now: DateTime<Utc>,
    pub sets: Vec<WaitingSet>,
}

/// What a discard did to the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiscardOutcome {
    /// Seconds taken out of the entry (the time since its previous capture).
    pub removed_seconds: u32,
    /// It was a stopped entry's only capture: the entry went too.
    pub entry_deleted: bool,
}

/// Screenshots taken on one day (in UTC) and where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotDay {
    pub date: NaiveDate,
    /// Capture sets taken that day that this device remembers (sent or not).
    pub taken: u32,
    /// Of them, still on this device (waiting for review or upload).
    pub on_device: u32,
}

/// What of the user's is on this device and what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceData {
    pub entries: u32,
    /// Changes not yet acknowledged by the server.
    pub changes_waiting: u32,
    pub screenshots_waiting_review: u32,
    pub screenshots_waiting_upload: u32,
    /// The last 7 days that had screenshots, newest first.
    pub screenshot_days: Vec<ScreenshotDay>,
    /// Auto tracker spans kept (private: they never leave the device).
    pub activity_spans: u32,
    /// Idle periods recorded (private).
    pub idle_periods: u32,
    /// The last time the server answered, if ever.
    pub last_sync: Option<DateTime<Utc>>,
    pub server: Option<String>,
    pub data_dir: String,
}
