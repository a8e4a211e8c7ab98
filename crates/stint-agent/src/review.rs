//! Review before upload and private apps (issue 19), the agent's part: which sets wait and
//! for how long (the workspace's rule, and the user's choice where it is allowed), the
//! release of sets whose window ended (also after a restart: the end is stored), the list
//! the window shows, and a discard, which cuts the entry by stint-core's rule and queues a
//! report for the admin in the same transaction. The user's privacy choices live in the
//! settings file.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use stint_ipc::{
    AgentEvent, DiscardOutcome, PrivacySettings, PrivacyStatus, ReviewMode, Waiting,
    WaitingPicture, WaitingSet,
};
use stint_store::DiscardWrite;

use crate::actor::Agent;
use crate::error::AgentError;

impl Agent {
    /// How long a new capture set waits for review, in minutes; `None`: it is sent at once.
    /// Only while screenshots are on: the rule comes with them.
    pub fn review_minutes(&self) -> Option<u32> {
        let policy = self.sync.policy.as_ref()?;
        let wanted = match policy.screenshot_review {
            ReviewMode::Off => false,
            ReviewMode::Allowed => self.capture.privacy.review_screenshots,
            ReviewMode::Required => true,
        };
        wanted.then_some(policy.screenshot_review_minutes)
    }

    /// Whether the admin lets members list private apps (yes while no rules are known).
    fn private_apps_allowed(&self) -> bool {
        self.sync
            .policy
            .as_ref()
            .is_none_or(|p| p.private_apps_allowed)
    }

    /// The private apps in force: the user's list, if the admin allows one.
    pub fn private_apps(&self) -> Vec<String> {
        if self.private_apps_allowed() {
            self.capture.privacy.private_apps.clone()
        } else {
            Vec::new()
        }
    }

    pub fn privacy_status(&self) -> PrivacyStatus {
        let policy = self.sync.policy.as_ref();
        PrivacyStatus {
            settings: self.capture.privacy.clone(),
            review: policy.map_or(ReviewMode::Off, |p| p.screenshot_review),
            review_minutes: policy.map_or(10, |p| p.screenshot_review_minutes),
            reviewing: self.review_minutes().is_some(),
            private_apps_allowed: self.private_apps_allowed(),
        }
    }

    pub fn set_privacy(&mut self, settings: PrivacySettings) -> Result<PrivacyStatus, AgentError> {
        if let Some(problem) = settings.problem() {
            return Err(AgentError::BadInput(problem));
        }
        let mut settings = settings;
        for app in &mut settings.private_apps {
            *app = app.trim().to_owned();
        }
        settings
            .private_apps
            .dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        self.capture.privacy = settings;
        self.save_settings(crate::settings::PRIVACY)?;
        Ok(self.privacy_status())
    }

    /// Sends the held sets whose review window ended by `now`.
    pub fn release_step(&mut self, now: DateTime<Utc>) {
        if self.capture.next_release.is_none_or(|at| at > now) {
            return;
        }
        match self.store.release_held(now) {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(
                    sets = n,
                    "review window over: screenshots queued for upload"
                );
                self.wake_sync();
            }
            Err(e) => tracing::error!("could not release screenshots held for review: {e}"),
        }
        self.review_changed();
    }

    /// Reads when the next review window ends and tells the window what is waiting.
    pub fn review_changed(&mut self) {
        self.capture.next_release = self.store.next_release().unwrap_or_else(|e| {
            tracing::error!("could not read the screenshots held for review: {e}");
            None
        });
        let waiting = self.store.held_count().unwrap_or(0);
        self.emit(AgentEvent::ReviewChanged { waiting });
    }

    pub fn waiting(&self) -> Result<Waiting, AgentError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let sets = self
            .store
            .held_sets()?
            .into_iter()
            .map(|set| WaitingSet {
                send_at: set.hold_until.unwrap_or(set.captured),
                id: set.id,
                entry_id: set.entry_id,
                captured: set.captured,
                pictures: set
                    .pictures
                    .into_iter()
                    .map(|p| WaitingPicture {
                        monitor: p.monitor_name,
                        width: p.width,
                        height: p.height,
                        jpeg_base64: b64.encode(&p.jpeg),
                        private: p.private,
                    })
                    .collect(),
            })
            .collect();
        Ok(Waiting {
            now: self.now(),
            sets,
        })
    }

    /// Discards a held set: never sent; the entry loses the time since its previous
    /// capture, exactly as a deletion on the server would take it.
    pub fn discard_screenshots(&mut self, id: &str) -> Result<DiscardOutcome, AgentError> {
        let set = self
            .store
            .capture_set(id)?
            .filter(|s| s.hold_until.is_some())
            .ok_or(stint_store::StoreError::NotHeld)?;
        // An entry an admin locked cannot be cut, as the server refuses its owner's delete.
        if self.store.is_locked(&set.entry_id)? {
            return Err(AgentError::Locked);
        }
        let entry = self.store.get(&set.entry_id)?;
        let moments = self.store.capture_moments(&set.entry_id)?;
        let cut =
            stint_core::review::discard(&entry, &moments, set.captured, crate::entries::new_id());
        // A cut that would stop an entry the workspace will not take is refused like a stop.
        self.requirements().check_stopped(&cut.writes)?;
        let report = stint_api::DiscardedCapture {
            id: set.id.clone(),
            time_entry_id: set.entry_id.0.clone(),
            captured_at: set.captured,
            removed_seconds: cut.removed.num_seconds(),
            monitors: set.pictures.len().clamp(1, 16) as u32,
        };
        self.store.discard_held(
            &set.id,
            &DiscardWrite {
                entry_id: &set.entry_id,
                writes: &cut.writes,
                delete: cut.delete,
                split_off: cut.split_off.as_ref(),
                report: &report,
            },
        )?;
        tracing::info!(set = %set.id, removed_seconds = report.removed_seconds, "screenshots discarded before upload");
        self.review_changed();
        let running = self.running()?;
        self.timer_changed(running);
        Ok(DiscardOutcome {
            removed_seconds: u32::try_from(report.removed_seconds).unwrap_or(u32::MAX),
            entry_deleted: cut.delete,
        })
    }
}
