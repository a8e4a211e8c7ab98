//! The private auto tracker: every pulse the tick reads the foreground window; the pure
//! span builder (stint-core) merges readings; finished spans go to the private store and
//! never anywhere else. Idle time cuts the open span; Pause stops recording; "Ignore
//! forever" deletes an app's or site's history and skips it from then on. A span becomes
//! a time entry only when the user adds it as one (an ordinary manual entry).

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use stint_core::activity::{Reading, SpanBuilder};
pub use stint_ipc::{ActivityDay, AutoTrackerSettings};
use stint_private::IgnoreKind;
use stint_sensors::ActiveWindowSource;

use crate::agent::{local_day, Agent, AgentEvent};
use crate::error::AgentError;

/// Spans are kept this long on the device.
pub const KEEP_DAYS: i64 = 45;

pub(crate) struct Activity {
    source: std::sync::Arc<dyn ActiveWindowSource>,
    state: Mutex<ActivityState>,
}

struct ActivityState {
    builder: SpanBuilder,
    settings: AutoTrackerSettings,
    sensor_failed: bool,
}

impl Activity {
    pub fn new(
        source: std::sync::Arc<dyn ActiveWindowSource>,
        settings: AutoTrackerSettings,
    ) -> Activity {
        Activity {
            source,
            state: Mutex::new(ActivityState {
                builder: SpanBuilder::new(pulse_of(&settings)),
                settings,
                sensor_failed: false,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn pulse_of(settings: &AutoTrackerSettings) -> chrono::Duration {
    chrono::Duration::seconds(i64::from(settings.pulse_seconds.clamp(1, 60)))
}

impl Agent {
    fn keep_span(&self, span: Option<stint_core::activity::Span>) {
        let Some(span) = span else { return };
        match self.idle.private().add_span(&span) {
            Ok(true) => self.emit(AgentEvent::ActivityChanged),
            Ok(false) => {}
            Err(e) => tracing::error!("could not keep an auto tracker span: {e}"),
        }
    }

    /// One look at the foreground window; returns when to look again (`None`: paused).
    pub(crate) fn check_activity(&self) -> Option<Duration> {
        let now = self.now();
        let settings = self.activity.state().settings;
        if settings.paused {
            let finished = self.activity.state().builder.cut(now);
            self.keep_span(finished);
            return None;
        }
        let pulse = pulse_of(&settings)
            .to_std()
            .unwrap_or(Duration::from_secs(5));
        // Away from the keyboard: the open span ends at the last input.
        let threshold = self.idle_settings().threshold();
        if let Ok(idle_for) = self.idle.source.idle_for() {
            let idle_for = chrono::Duration::from_std(idle_for).unwrap_or(chrono::Duration::MAX);
            if idle_for >= threshold {
                let finished = self.activity.state().builder.cut(now - idle_for);
                self.keep_span(finished);
                return Some(pulse);
            }
        }
        let reading = match self.activity.source.foreground() {
            Ok(reading) => {
                self.activity.state().sensor_failed = false;
                reading
            }
            Err(e) => {
                let mut state = self.activity.state();
                if !state.sensor_failed {
                    tracing::warn!("the auto tracker cannot see windows: {e}");
                    state.sensor_failed = true;
                }
                let finished = state.builder.cut(now);
                drop(state);
                self.keep_span(finished);
                return Some(Duration::from_secs(60));
            }
        };
        let ignored = reading.as_ref().is_some_and(|r| {
            self.idle
                .private()
                .is_ignored(IgnoreKind::App, &r.app)
                .unwrap_or(false)
        });
        let finished = match reading.filter(|_| !ignored) {
            Some(window) => self.activity.state().builder.push(Reading {
                at: now,
                app: window.app,
                title: window.title,
            }),
            None => self.activity.state().builder.cut(now),
        };
        self.keep_span(finished);
        Some(pulse)
    }

    pub fn auto_tracker_settings(&self) -> AutoTrackerSettings {
        self.activity.state().settings
    }

    /// Pauses or resumes recording (the tray's switch).
    pub fn set_auto_tracker_paused(&self, paused: bool) -> Result<AutoTrackerSettings, AgentError> {
        let settings = {
            let mut state = self.activity.state();
            state.settings.paused = paused;
            state.settings
        };
        self.save_settings()?;
        tracing::info!(paused, "auto tracker");
        self.emit(AgentEvent::AutoTrackerChanged { settings });
        self.wake.notify_one();
        Ok(settings)
    }

    /// The spans of one local day.
    pub fn activity_day(&self, date: NaiveDate) -> Result<ActivityDay, AgentError> {
        let day = local_day(date);
        Ok(ActivityDay {
            date,
            spans: self.idle.private().spans_between(day.start, day.end)?,
            paused: self.activity.state().settings.paused,
        })
    }

    pub fn delete_activity(&self, ids: &[u32]) -> Result<(), AgentError> {
        self.idle.private().delete_spans(ids)?;
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// Deletes one local day's spans, or all of them with `None`.
    pub fn delete_activity_day(&self, date: Option<NaiveDate>) -> Result<(), AgentError> {
        let range = date.map(|d| {
            let day = local_day(d);
            (day.start, day.end)
        });
        self.idle.private().delete_spans_between(range)?;
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// "Ignore forever": never record this app or site again, and forget its history.
    pub fn ignore_activity(&self, kind: IgnoreKind, value: &str) -> Result<(), AgentError> {
        let gone = self.idle.private().ignore(kind, value)?;
        tracing::info!(spans = gone, "an app or site is ignored from now on");
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// Deletes spans past the retention period.
    pub(crate) fn expire_activity(&self, now: DateTime<Utc>) {
        let cutoff = now - chrono::Duration::days(KEEP_DAYS);
        if let Err(e) = self.idle.private().forget_spans_before(cutoff) {
            tracing::warn!("could not delete old auto tracker spans: {e}");
        }
    }
}
