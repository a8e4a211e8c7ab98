//! Screenshots (Stint's own endpoints, under the same prefix). A capture set is the
//! pictures of every monitor at one moment, tied to one time entry.
//!
//! Upload: `POST /workspaces/{wid}/screenshots` as `multipart/form-data` with a part named
//! [`METADATA_PART`] holding [`NewCaptureSet`] as JSON and one part per picture, named by
//! the picture's id, holding its JPEG bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::TimeEntry;

/// The multipart part that carries the set's description.
pub const METADATA_PART: &str = "metadata";

/// Where a monitor sat on the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Monitor {
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// One picture of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewScreenshot {
    /// Client-generated id; also the name of the part with the bytes.
    pub id: String,
    pub monitor: Monitor,
    /// The stored picture's size (after downscaling).
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the JPEG bytes, lowercase hex.
    pub sha256: String,
    /// The picture is a plain "private" tile: a private app was in front on this monitor.
    #[serde(default, skip_serializing_if = "is_false")]
    pub private: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The metadata part of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCaptureSet {
    /// Client-generated id: a retried upload is recognised.
    pub id: String,
    pub time_entry_id: String,
    pub captured_at: DateTime<Utc>,
    pub screenshots: Vec<NewScreenshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Screenshot {
    pub id: String,
    pub monitor: Monitor,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
    pub sha256: String,
    /// Where to fetch the picture (needs the same API key; there are no public URLs).
    pub image_path: String,
    /// A plain "private" tile stands for this monitor (a private app was in front).
    #[serde(default)]
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CaptureSet {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub time_entry_id: String,
    pub captured_at: DateTime<Utc>,
    pub screenshots: Vec<Screenshot>,
}

/// Body of `POST /workspaces/{wid}/screenshots/discarded` and its answer (Stint's
/// addition, issue 19): the member discarded a capture set on their device during the
/// review window, before upload. It carries no pixels, only what the admin may see: when,
/// for which entry, how many monitors, and the time the discard cut from the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscardedCapture {
    /// The set's client id (a retry is recognised by it).
    pub id: String,
    pub time_entry_id: String,
    pub captured_at: DateTime<Utc>,
    /// Seconds cut from the entry (0 to 86400).
    pub removed_seconds: i64,
    /// How many monitors the set had (1 to 16).
    pub monitors: u32,
}

impl DiscardedCapture {
    /// Why the server refuses this report, if it does.
    pub fn problem(&self) -> Option<String> {
        let sane = |s: &str| !s.trim().is_empty() && s.len() <= 100;
        if !sane(&self.id) || !sane(&self.time_entry_id) {
            return Some("id and timeEntryId must be 1 to 100 characters".into());
        }
        if !(0..=86_400).contains(&self.removed_seconds) {
            return Some("removedSeconds must be from 0 to 86400".into());
        }
        if !(1..=16).contains(&self.monitors) {
            return Some("monitors must be from 1 to 16".into());
        }
        None
    }
}

/// What deleting a capture set did to its time entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CaptureSetDeleted {
    /// The time taken out of the entry, in seconds (0 for an admin's delete).
    pub removed_seconds: i64,
    /// True when it was the entry's only capture and the entry went with it.
    pub entry_deleted: bool,
    /// The entry as it is now, unless deleted.
    pub entry: Option<TimeEntry>,
    /// The later part, when the cut split the entry in two.
    pub split_off: Option<TimeEntry>,
}

/// The multipart/form-data body of an upload and its content type. The boundary comes from
/// the set's id, so a retry of the same upload is byte-for-byte the same request (the
/// server's idempotency check compares requests).
pub fn upload_body(set: &NewCaptureSet, pictures: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = format!("stint-capture-set-{}", set.id);
    let mut body = Vec::new();
    let mut part = |name: &str, content_type: &str, bytes: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    let metadata = serde_json::to_vec(set).expect("a capture set serialises");
    part(METADATA_PART, "application/json", &metadata);
    for (name, bytes) in pictures {
        part(name, "image/jpeg", bytes);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
