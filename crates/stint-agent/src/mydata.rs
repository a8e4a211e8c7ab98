//! "My data" on this device (issue 19): what of the user's is kept here and what was sent,
//! an export of all of it, and "Delete all local data". The export is written off the
//! agent's task with connections of its own, as a zip in the Downloads folder:
//! `entries.csv` and `entries.json` (every entry), `auto-tracker.json` and `idle.json`
//! (the private history that never leaves the device otherwise), `screenshots/` (the sets
//! still on the device, as they would be sent) with `screenshots/index.json`, and
//! `README.txt`. The wipe empties both databases in place (their connections stay open),
//! removes the sign-in (keyring or file) and the settings file, and signs out.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use stint_ipc::paths::Paths;
use stint_ipc::protocol::Answer;
use stint_ipc::{DeviceData, ScreenshotDay};
use stint_private::PrivateStore;
use stint_store::Store;
use tokio::sync::oneshot;

use crate::actor::{Agent, Message};
use crate::error::{AgentError, UiError};

/// A cell a spreadsheet would run as a formula is written as text (OWASP's advice for CSV
/// injection: a leading quote).
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn entries_csv(entries: &[stint_core::Entry]) -> std::io::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "description",
        "start",
        "end",
        "duration_seconds",
        "project_id",
        "task_id",
        "tag_ids",
        "billable",
    ])?;
    for e in entries {
        let seconds = e.end.map(|end| (end - e.start).num_seconds().to_string());
        out.write_record([
            cell(&e.id.0),
            cell(&e.description),
            e.start.to_rfc3339(),
            e.end.map(|t| t.to_rfc3339()).unwrap_or_default(),
            seconds.unwrap_or_default(),
            cell(e.work.project_id.as_deref().unwrap_or_default()),
            cell(e.work.task_id.as_deref().unwrap_or_default()),
            cell(&e.work.tag_ids.join(" ")),
            e.work.billable.to_string(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Everything of the user's on this device, as a zip at (or beside) `path`.
fn write_export(path: &Path, paths: &Paths, when: DateTime<Utc>) -> Result<PathBuf, String> {
    let store = Store::open(&paths.database()).map_err(|e| e.to_string())?;
    let private = PrivateStore::open(&paths.private_database()).map_err(|e| e.to_string())?;
    let entries = store.all_entries().map_err(|e| e.to_string())?;
    let spans = private
        .spans_between(DateTime::<Utc>::UNIX_EPOCH, when + Duration::days(366))
        .map_err(|e| e.to_string())?;
    let idle: Vec<serde_json::Value> = private
        .idle_records()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| json!({"id": r.id, "entryId": r.entry_id, "start": r.start, "end": r.end, "answer": r.answer}))
        .collect();
    let mut sets = Vec::new();
    for id in store.capture_set_ids().map_err(|e| e.to_string())? {
        sets.extend(store.capture_set(&id).map_err(|e| e.to_string())?);
    }
    let io = |e: std::io::Error| e.to_string();
    let (file, written) = crate::about::create_report_file(path).map_err(io)?;
    let mut zip = zip::ZipWriter::new(file);
    let text = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    let stored = text.compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, bytes: &[u8], options| -> Result<(), String> {
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())
    };
    let readme = format!(
        "Everything of yours that Stint kept on this computer, exported {when}.\n\
         entries.csv, entries.json: your time entries ({}).\n\
         auto-tracker.json: the auto tracker's spans ({}); they never leave this computer.\n\
         idle.json: idle periods and your answers ({}); they never leave this computer.\n\
         screenshots/: capture sets still on this computer ({}), as they would be sent.\n\
         What the server holds is on its web page, under My data.\n",
        entries.len(),
        spans.len(),
        idle.len(),
        sets.len()
    );
    put("README.txt", readme.as_bytes(), text)?;
    put("entries.csv", &entries_csv(&entries).map_err(io)?, text)?;
    put("entries.json", pretty(&entries).as_bytes(), text)?;
    put("auto-tracker.json", pretty(&spans).as_bytes(), text)?;
    put("idle.json", pretty(&idle).as_bytes(), text)?;
    let mut index = Vec::new();
    for set in &sets {
        let mut files = Vec::new();
        for (n, p) in set.pictures.iter().enumerate() {
            let name = format!("screenshots/{}-{n}.jpg", set.id);
            put(&name, &p.jpeg, stored)?;
            files.push(
                json!({"file": name, "monitor": p.monitor_name, "width": p.width,
                "height": p.height, "sha256": p.sha256, "private": p.private}),
            );
        }
        index.push(
            json!({"id": set.id, "entryId": set.entry_id.0, "capturedAt": set.captured,
            "waitingForReviewUntil": set.hold_until, "pictures": files}),
        );
    }
    put("screenshots/index.json", pretty(&index).as_bytes(), text)?;
    zip.finish()
        .map_err(|e| e.to_string())?
        .sync_all()
        .map_err(io)?;
    Ok(written)
}

/// One of the export's lists as indented JSON.
fn pretty(list: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(list).unwrap_or_else(|_| "[]".into())
}

impl Agent {
    pub(crate) fn my_data(&self) -> Result<DeviceData, AgentError> {
        let now = self.now();
        let counts = self.store.counts(now - Duration::days(7))?;
        let (waiting, _) = self.store.outbox_counts()?;
        let (spans, idle) = self.private.counts()?;
        Ok(DeviceData {
            entries: counts.entries,
            changes_waiting: waiting,
            screenshots_waiting_review: counts.held,
            screenshots_waiting_upload: counts.waiting_upload,
            screenshot_days: counts
                .capture_days
                .into_iter()
                .map(|d| ScreenshotDay {
                    date: d.date,
                    taken: d.taken,
                    on_device: d.on_device,
                })
                .collect(),
            activity_spans: spans,
            idle_periods: idle,
            last_sync: self.sync.last_contact,
            server: self.sync.status.server.clone(),
            data_dir: self.paths.data_dir.display().to_string(),
        })
    }

    /// Writes the export off the task and answers its path.
    pub(crate) fn export_my_data(&self, reply: oneshot::Sender<Result<Answer, UiError>>) {
        let (paths, me, when) = (self.paths.clone(), self.me.clone(), self.now());
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking(move || {
                let folder = dirs::download_dir()
                    .or_else(dirs::home_dir)
                    .unwrap_or_else(|| paths.data_dir.clone());
                let name = format!("stint-my-data-{}.zip", when.format("%Y%m%d-%H%M%S"));
                write_export(&folder.join(name), &paths, when)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map(|path| Answer::Path(path.display().to_string()))
            .map_err(|e| {
                tracing::warn!("could not export the data: {e}");
                AgentError::BadInput(format!("could not export your data: {e}"))
            });
            if let Some(agent) = me.upgrade() {
                let _ = agent.send(Message::Answered { result, reply }).await;
            }
        });
    }

    /// Empties both databases and the settings, and signs out (which removes the key).
    pub(crate) fn delete_local_data(
        &mut self,
        confirm: bool,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    ) -> Result<(), (AgentError, oneshot::Sender<Result<Answer, UiError>>)> {
        if !confirm {
            return Err((
                AgentError::BadInput("deleting all local data needs confirm: true".into()),
                reply,
            ));
        }
        // A screenshot not yet on the server (waiting for review or for upload) is
        // evidence of time the server already counts: wiping it would be a discard without
        // its cut. It goes first, or is discarded.
        let unsent = match self.store.capture_set_ids() {
            Ok(ids) => ids.len(),
            Err(e) => return Err((e.into(), reply)),
        };
        if unsent > 0 {
            let mut why = format!(
                "{unsent} screenshot{} on this computer {} not reached the server yet",
                if unsent == 1 { "" } else { "s" },
                if unsent == 1 { "has" } else { "have" },
            );
            if let Some(at) = self.store.next_release().ok().flatten() {
                why.push_str(&format!(
                    "; the next waiting for review goes at {} (or discard it)",
                    crate::clock::local_time(at)
                ));
            }
            return Err((
                AgentError::BadInput(format!("{why}. Try again once they are sent.")),
                reply,
            ));
        }
        let wiped = self
            .store
            .wipe()
            .and_then(|()| self.private.wipe())
            .map_err(AgentError::from);
        if let Err(e) = wiped {
            return Err((e, reply));
        }
        match std::fs::remove_file(self.paths.settings_file()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!("could not remove the settings file: {e}");
            }
            _ => {}
        }
        // Nothing of the old file is written back at the next save.
        self.settings_file = Default::default();
        self.capture.privacy = Default::default();
        self.capture.next_release = None;
        tracing::info!("all local data deleted");
        self.emit(stint_ipc::AgentEvent::ActivityChanged);
        self.review_changed();
        // Tells the timer and the entries changed (and wakes sync, which finds nothing).
        self.timer_changed(None);
        // Signing out forgets the key (keyring or file) and answers when it is gone.
        self.sign_out(reply);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_written_as_text() {
        assert_eq!(super::cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(super::cell("-2"), "'-2");
        assert_eq!(super::cell("plain"), "plain");
    }
}
