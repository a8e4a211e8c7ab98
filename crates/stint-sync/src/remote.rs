//! The server as the agent sees it: sign-in and delivery of outbox rows.

mod batch;
mod catalog;

pub use catalog::RemoteCatalog;

pub use batch::BatchDelivery;

use std::time::Duration;

use serde_json::{json, Value};
use stint_api::{
    upload_body, ApiError, EntryChanges, Monitor, NewCaptureSet, NewScreenshot, Notice, TimeEntry,
    User, WorkspaceSettings, API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER,
};
use stint_core::{Entry, EntryId};
use stint_store::{Change, LocalCaptureSet, OutboxRow, RemoteEntry};

/// Changes asked for at once from the feed.
const FEED_PAGE: u32 = 1000;

/// Where and as whom to sync. The key is never printed.
#[derive(Clone)]
pub struct Credentials {
    /// The server's address, e.g. `http://127.0.0.1:8400` (with or without `/api/v1`).
    pub server: String,
    pub api_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("api_key", &"<hidden>")
            .finish()
    }
}

/// Who the key belongs to, learned at sign-in and kept so the agent can work offline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub user_id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server refused the API key")]
    BadKey,
    #[error("cannot reach the server at {server}: {reason}")]
    Offline { server: String, reason: String },
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
}

/// The outcome of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server has the change; for an entry, here it is as the server now has it.
    Done(Option<RemoteEntry>),
    /// The server's copy moved since the version the change was decided on (412): here it
    /// is now, to merge with.
    Moved(RemoteEntry),
    /// The change is to an entry the server no longer has (deleted there).
    Gone,
    /// Worth trying again later (network, 5xx, 429).
    Retry(String),
    /// The server will never accept this row as it is (other 4xx).
    Refused(String),
}
pub struct Remote {
    http: reqwest::Client,
    base: String,
    key: String,
    pub account: Account,
    /// The server answered that it has no batch endpoint.
    no_batch: std::sync::atomic::AtomicBool,
}

fn api_base(server: &str) -> String {
    let trimmed = server.trim_end_matches('/');
    if trimmed.ends_with("/api/v1") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/api/v1")
    }
}

/// One HTTP client per remote: it keeps its connection alive between requests, so a
/// signed-in agent does not set up TCP (and TLS) for every look at the server.
fn http() -> reqwest::Client {
    // rustls needs one process-wide crypto provider; ring is the one already in the tree.
    // Installing it again (a second remote) fails harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| {
            tracing::error!("the HTTP client could not be set up ({e}); using defaults");
            reqwest::Client::new()
        })
}

fn message_of(status: u16, body: &str) -> String {
    serde_json::from_str::<ApiError>(body)
        .map(|e| e.message)
        .unwrap_or_else(|_| format!("HTTP {status}"))
}

/// A short reason a user can act on: reqwest's own message names only the outermost layer
/// ("error sending request for url …"); what matters (refused, timed out, a name that does
/// not resolve) is the innermost cause. The address is the user's own, shown elsewhere.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".into();
    }
    let mut innermost: &dyn std::error::Error = e;
    while let Some(inner) = innermost.source() {
        innermost = inner;
    }
    let cause = innermost.to_string();
    let cause = cause
        .split(" (os error")
        .next()
        .unwrap_or(&cause)
        .to_lowercase();
    if e.is_connect() {
        format!("cannot connect ({cause})")
    } else {
        cause
    }
}

/// The status and text of an answer; a request that got none is "offline: why".
async fn read_answer(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<(u16, String), String> {
    let response = response.map_err(|e| format!("offline: {}", describe(&e)))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|e| format!("offline: {}", describe(&e)))?;
    Ok((status, text))
}

impl Remote {
    /// Checks the key against `GET /user` and learns the account.
    ///
    /// # Errors
    /// [`SyncError::BadKey`] for 401/403, [`SyncError::Offline`] when no answer came,
    /// [`SyncError::Server`] for any other status or an answer that is not a user.
    pub async fn sign_in(credentials: &Credentials) -> Result<Remote, SyncError> {
        let http = http();
        let base = api_base(&credentials.server);
        let answer = read_answer(
            http.get(format!("{base}/user"))
                .header(API_KEY_HEADER, &credentials.api_key)
                .send()
                .await,
        )
        .await;
        let (status, body) = answer.map_err(|reason| SyncError::Offline {
            server: credentials.server.clone(),
            reason: reason.trim_start_matches("offline: ").to_owned(),
        })?;
        match status {
            200 => {}
            401 | 403 => return Err(SyncError::BadKey),
            _ => {
                return Err(SyncError::Server {
                    status,
                    message: message_of(status, &body),
                })
            }
        }
        let user: User = serde_json::from_str(&body).map_err(|e| SyncError::Server {
            status,
            message: format!("unexpected answer to /user: {e}"),
        })?;
        Ok(Remote {
            http,
            base,
            key: credentials.api_key.clone(),
            no_batch: Default::default(),
            account: Account {
                user_id: user.id,
                workspace_id: user.active_workspace,
                email: user.email,
                name: user.name,
            },
        })
    }

    /// A remote for an account signed in earlier, without asking the server now.
    pub fn resume(credentials: &Credentials, account: Account) -> Remote {
        Remote {
            http: http(),
            base: api_base(&credentials.server),
            key: credentials.api_key.clone(),
            account,
            no_batch: Default::default(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        idempotency_key: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), String> {
        self.send_if(method, path, idempotency_key, body, None)
            .await
    }

    /// [`Remote::send`] with the entry's version the change was decided on, if known.
    async fn send_if(
        &self,
        method: reqwest::Method,
        path: &str,
        idempotency_key: &str,
        body: Option<&Value>,
        if_match: Option<i64>,
    ) -> Result<(u16, String), String> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(API_KEY_HEADER, &self.key)
            .header(IDEMPOTENCY_KEY_HEADER, idempotency_key);
        if let Some(version) = if_match {
            request = request.header("If-Match", format!("\"{version}\""));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read_answer(request.send().await).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, String> {
        let (status, body) = read_answer(
            self.http
                .get(format!("{}{path}", self.base))
                .header(API_KEY_HEADER, &self.key)
                .send()
                .await,
        )
        .await?;
        match status {
            200 => serde_json::from_str(&body)
                .map(Some)
                .map_err(|e| format!("unexpected answer: {e}")),
            404 => Ok(None),
            _ => Err(format!("{status}: {}", message_of(status, &body))),
        }
    }

    /// The timer running on the server for this user, if any.
    pub async fn running_entry(&self) -> Result<Option<Entry>, String> {
        let path = format!(
            "/workspaces/{}/user/{}/time-entries?in-progress=true&page-size=1",
            self.account.workspace_id, self.account.user_id
        );
        let list: Vec<TimeEntry> = self.get_json(&path).await?.unwrap_or_default();
        Ok(list.into_iter().next().map(entry_of))
    }

    /// The server's version of one entry; `None` if it does not have it.
    pub async fn entry(&self, id: &EntryId) -> Result<Option<Entry>, String> {
        let path = format!(
            "/workspaces/{}/time-entries/{}",
            self.account.workspace_id, id.0
        );
        Ok(self.get_json::<TimeEntry>(&path).await?.map(entry_of))
    }

    /// The user's change feed after `since` (`None`: a snapshot), held by the server up to
    /// `wait` seconds while nothing changes (issue 14).
    pub async fn changes(&self, since: Option<i64>, wait: u32) -> Result<EntryChanges, String> {
        let mut query = format!("page-size={FEED_PAGE}");
        if let Some(since) = since {
            query.push_str(&format!("&since={since}"));
        }
        if wait > 0 {
            query.push_str(&format!("&wait={wait}"));
        }
        let url = format!(
            "{}/workspaces/{}/user/{}/time-entries/changes?{query}",
            self.base, self.account.workspace_id, self.account.user_id
        );
        let (status, body) = read_answer(
            self.http
                .get(url)
                .header(API_KEY_HEADER, &self.key)
                // The server holds the request for `wait`; give it that and the usual time.
                .timeout(Duration::from_secs(u64::from(wait) + 30))
                .send()
                .await,
        )
        .await?;
        match status {
            200 => serde_json::from_str(&body).map_err(|e| format!("unexpected answer: {e}")),
            _ => Err(format!("{status}: {}", message_of(status, &body))),
        }
    }

    /// The workspace's settings.
    pub async fn settings(&self) -> Result<WorkspaceSettings, String> {
        let path = format!("/workspaces/{}/settings", self.account.workspace_id);
        self.get_json(&path)
            .await?
            .ok_or_else(|| "the workspace has no settings".to_owned())
    }

    /// Notices for this user not yet marked read.
    pub async fn unread_notices(&self) -> Result<Vec<Notice>, String> {
        let path = format!(
            "/workspaces/{}/notices?unread=true",
            self.account.workspace_id
        );
        Ok(self.get_json(&path).await?.unwrap_or_default())
    }

    /// Marks a notice read, so it is shown once.
    pub async fn mark_notice_read(&self, id: &str) -> Result<(), String> {
        let path = format!(
            "/workspaces/{}/notices/{id}/read",
            self.account.workspace_id
        );
        let key = format!("notice-read-{id}");
        match self.send(reqwest::Method::POST, &path, &key, None).await? {
            (status, _) if status == 204 || status == 404 => Ok(()),
            (status, body) => Err(format!("{status}: {}", message_of(status, &body))),
        }
    }

    /// Sends one outbox row. An entry the server had (`base`, as it last said it was) is
    /// replaced or deleted with its version in `If-Match`, so an edit never overwrites a
    /// change made elsewhere: the server answers 412 with its copy to merge with. An entry
    /// it never had is created with its own id. A screenshot upload needs its set (`None`:
    /// the set is gone from the device, so there is nothing to send).
    pub async fn deliver(
        &self,
        row: &OutboxRow,
        capture: Option<&LocalCaptureSet>,
        base: Option<&RemoteEntry>,
    ) -> Delivery {
        use reqwest::Method;
        let entries = format!("/workspaces/{}/time-entries", self.account.workspace_id);
        let one = format!("{entries}/{}", row.entity_id);
        let key = &row.idempotency_key;
        let version = base.map(|b| b.version);
        let outcome = match &row.change {
            Change::UploadCapture { .. } => {
                return match capture {
                    Some(set) => judge(self.upload_capture(set, key).await, false, false),
                    None => Delivery::Done(None),
                };
            }
            Change::Unreadable { reason } => return Delivery::Refused(reason.clone()),
            Change::ReportDiscard(report) => {
                let path = format!(
                    "/workspaces/{}/screenshots/discarded",
                    self.account.workspace_id
                );
                let body = serde_json::to_value(report).unwrap_or_default();
                // The answer is the report, not an entry: nothing to keep of it.
                return match judge(
                    self.send(Method::POST, &path, key, Some(&body)).await,
                    false,
                    false,
                ) {
                    Delivery::Done(_) => Delivery::Done(None),
                    other => other,
                };
            }
            Change::DeleteEntry => self.send_if(Method::DELETE, &one, key, None, version).await,
            Change::UpsertEntry(entry) => {
                let body = json!({
                    "id": row.entity_id,
                    "start": entry.start,
                    "end": entry.end,
                    "description": entry.description,
                    "projectId": entry.project_id,
                    "taskId": entry.task_id,
                    "tagIds": entry.tag_ids,
                    "billable": entry.billable,
                });
                if version.is_some() {
                    self.send_if(Method::PUT, &one, key, Some(&body), version)
                        .await
                } else {
                    match self.send(Method::POST, &entries, key, Some(&body)).await {
                        // Sent before this device kept the server's copies: replace it.
                        Ok((409, _)) => {
                            let replace = format!("{key}:replace");
                            self.send(Method::PUT, &one, &replace, Some(&body)).await
                        }
                        other => other,
                    }
                }
            }
        };
        judge(outcome, row.change.is_delete(), version.is_some())
    }

    /// Uploads a capture set as multipart, its bytes fixed by the set so a retry is the
    /// same request.
    async fn upload_capture(
        &self,
        set: &LocalCaptureSet,
        key: &str,
    ) -> Result<(u16, String), String> {
        let meta = NewCaptureSet {
            id: set.id.clone(),
            time_entry_id: set.entry_id.0.clone(),
            captured_at: set.captured,
            screenshots: set
                .pictures
                .iter()
                .map(|p| NewScreenshot {
                    id: p.id.clone(),
                    monitor: Monitor {
                        name: p.monitor_name.clone(),
                        x: p.monitor_x,
                        y: p.monitor_y,
                        width: p.monitor_width,
                        height: p.monitor_height,
                    },
                    width: p.width,
                    height: p.height,
                    sha256: p.sha256.clone(),
                    private: p.private,
                })
                .collect(),
        };
        let parts: Vec<(&str, &[u8])> = set
            .pictures
            .iter()
            .map(|p| (p.id.as_str(), p.jpeg.as_slice()))
            .collect();
        let (content_type, body) = upload_body(&meta, &parts);
        let url = format!(
            "{}/workspaces/{}/screenshots",
            self.base, self.account.workspace_id
        );
        read_answer(
            self.http
                .post(&url)
                .header(API_KEY_HEADER, &self.key)
                .header(IDEMPOTENCY_KEY_HEADER, key)
                .header("content-type", &content_type)
                .body(body)
                .send()
                .await,
        )
        .await
    }
}

/// The entry in an answer's body, if it holds one.
fn remote_in(body: &str) -> Option<RemoteEntry> {
    serde_json::from_str::<TimeEntry>(body).ok().map(remote_of)
}

/// What an answer means for the row: done, merge, gone, try again later, or refused for
/// good. `versioned`: the change named the version it was decided on.
fn judge(outcome: Result<(u16, String), String>, deleting: bool, versioned: bool) -> Delivery {
    match outcome {
        Err(reason) => Delivery::Retry(reason),
        Ok((status, body)) if (200..300).contains(&status) => Delivery::Done(remote_in(&body)),
        // Deleting what the server no longer has is what was wanted.
        Ok((404, _)) if deleting => Delivery::Done(None),
        // Changing what the server deleted meanwhile: the deletion stands.
        Ok((404, _)) if versioned => Delivery::Gone,
        Ok((412, body)) => match remote_in(&body) {
            Some(current) => Delivery::Moved(current),
            None => Delivery::Retry("412 without the entry as it is now".into()),
        },
        // A reset or revoked key: the change is fine, the key is not. Keep it queued (the
        // user signs in again) instead of parking every change as refused.
        Ok((401, _)) => Delivery::Retry(format!("401: {}", SyncError::BadKey)),
        Ok((status, body)) if status == 408 || status == 429 || status >= 500 => {
            Delivery::Retry(format!("{status}: {}", message_of(status, &body)))
        }
        Ok((status, body)) => Delivery::Refused(format!("{status}: {}", message_of(status, &body))),
    }
}

/// An entry as the server has it, with its version and lock.
pub fn remote_of(e: TimeEntry) -> RemoteEntry {
    RemoteEntry {
        version: e.version,
        locked: e.is_locked,
        entry: entry_of(e),
    }
}

fn entry_of(e: TimeEntry) -> Entry {
    Entry {
        id: EntryId(e.id),
        description: e.description,
        start: e.time_interval.start,
        end: e.time_interval.end,
        work: stint_core::Work {
            project_id: e.project_id,
            task_id: e.task_id,
            tag_ids: e.tag_ids,
            billable: e.billable,
        },
    }
}
