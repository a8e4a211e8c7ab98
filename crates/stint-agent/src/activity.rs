//! The private auto tracker: the window sensor says when the window in front or its title
//! changed, the tick reads it once, and the pure span builder (stint-core) ends the open
//! span there; finished spans go to the private store and never anywhere else. Idle time,
//! a suspend and Pause end the open span; "Ignore forever" deletes an app's or site's
//! history and skips it from then on. A span becomes a time entry only when the user adds
//! it as one (an ordinary manual entry). A sensor that cannot tell about changes is read
//! every five seconds instead.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use stint_core::activity::{Reading, Span, SpanBuilder};
use stint_ipc::AgentEvent;
pub use stint_ipc::{ActivityDay, AutoTrackerSettings};
use stint_private::IgnoreKind;
use stint_sensors::ActiveWindowSource;
use tokio::sync::Notify;

use crate::actor::{Agent, Wake};
use crate::entries::local_day;
use crate::error::AgentError;
use crate::idle::Presence;

/// Spans are kept this long on the device.
pub const KEEP_DAYS: i64 = 45;
/// How often a sensor without change notifications is read.
const POLL: Duration = Duration::seconds(5);
/// How long to wait before asking a failed sensor again.
const SENSOR_RETRY: Duration = Duration::seconds(60);

pub(crate) struct Activity {
    source: Arc<dyn ActiveWindowSource>,
    builder: SpanBuilder,
    pub settings: AutoTrackerSettings,
    sensor_failed: bool,
    /// Notified by the sensor when the window in front may have changed.
    pub changed: Arc<Notify>,
    /// Whether the sensor notifies; if not, it is read every [`POLL`].
    watched: bool,
    /// When to read the sensor next without a notification.
    pub next_poll: Option<DateTime<Utc>>,
    /// The last reading no longer holds (the user was away, the machine slept, the tracker
    /// was paused): read again at the next chance.
    stale: bool,
}

impl Activity {
    pub fn new(source: Arc<dyn ActiveWindowSource>, settings: AutoTrackerSettings) -> Activity {
        let changed = Arc::new(Notify::new());
        let notify = changed.clone();
        let watched = source.watch(Arc::new(move || notify.notify_one()));
        if !watched {
            tracing::info!("the window sensor cannot tell about changes: looking every 5 s");
        }
        Activity {
            source,
            builder: SpanBuilder::new(),
            settings,
            sensor_failed: false,
            changed,
            watched,
            next_poll: None,
            stale: true,
        }
    }
}

impl Agent {
    fn keep_span(&mut self, span: Option<Span>) {
        let Some(span) = span else { return };
        match self.private.add_span(&span) {
            Ok(true) => self.emit(AgentEvent::ActivityChanged),
            Ok(false) => {}
            Err(e) => tracing::error!("could not keep an auto tracker span: {e}"),
        }
    }

    /// Ends the open span at `at` (the agent stops, the tracker pauses).
    pub fn cut_activity(&mut self, at: DateTime<Utc>) {
        let finished = self.activity.builder.cut(at);
        self.keep_span(finished);
    }

    /// Follows the window in front for this tick.
    pub fn activity_step(&mut self, now: DateTime<Utc>, wake: Wake, presence: Option<&Presence>) {
        if self.activity.settings.paused {
            self.activity.next_poll = None;
            self.activity.stale = true;
            self.cut_activity(now);
            return;
        }
        if let Some(slept) = presence.and_then(|p| p.slept_at) {
            self.activity.stale = true;
            self.cut_activity(slept);
        }
        // Away from the keyboard: the open span ends at the last input, and nothing new
        // opens until the user is back.
        if let Some(since) = presence.and_then(|p| p.away_since) {
            self.activity.stale = true;
            self.activity.next_poll = None;
            self.cut_activity(since);
            return;
        }
        let poll_due = self.activity.next_poll.is_some_and(|at| now >= at);
        let look = matches!(wake, Wake::Window | Wake::Start | Wake::Command)
            || poll_due
            || self.activity.stale;
        if !look {
            return;
        }
        self.activity.stale = false;
        let reading = match self.activity.source.foreground() {
            Ok(reading) => {
                if self.activity.sensor_failed {
                    self.activity.sensor_failed = false;
                    self.problem_solved(stint_sensors::Capability::Window);
                }
                reading
            }
            Err(e) => {
                if !self.activity.sensor_failed {
                    self.report_problem(
                        stint_sensors::Capability::Window,
                        &format!("the auto tracker cannot see windows: {e}"),
                    );
                    self.activity.sensor_failed = true;
                }
                self.cut_activity(now);
                self.activity.next_poll = Some(now + SENSOR_RETRY);
                return;
            }
        };
        let ignored = reading.as_ref().is_some_and(|r| {
            self.private
                .is_ignored(IgnoreKind::App, &r.app)
                .unwrap_or(false)
        });
        let finished = match reading.filter(|_| !ignored) {
            Some(window) => self.activity.builder.push(Reading {
                at: now,
                app: window.app,
                title: window.title,
            }),
            None => self.activity.builder.cut(now),
        };
        self.keep_span(finished);
        self.activity.next_poll = (!self.activity.watched).then(|| now + POLL);
    }

    /// Pauses or resumes recording (the tray's switch).
    pub fn set_auto_tracker_paused(
        &mut self,
        paused: bool,
    ) -> Result<AutoTrackerSettings, AgentError> {
        self.activity.settings.paused = paused;
        let settings = self.activity.settings;
        self.save_settings(crate::settings::AUTO_TRACKER)?;
        tracing::info!(paused, "auto tracker");
        self.emit(AgentEvent::AutoTrackerChanged { settings });
        Ok(settings)
    }

    /// The spans of one local day.
    pub fn activity_day(&self, date: NaiveDate) -> Result<ActivityDay, AgentError> {
        let day = local_day(date);
        Ok(ActivityDay {
            date,
            spans: self.private.spans_between(day.start, day.end)?,
            paused: self.activity.settings.paused,
        })
    }

    pub fn delete_activity(&mut self, ids: &[u32]) -> Result<(), AgentError> {
        self.private.delete_spans(ids)?;
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// Deletes one local day's spans, or all of them with `None`.
    pub fn delete_activity_day(&mut self, date: Option<NaiveDate>) -> Result<(), AgentError> {
        let range = date.map(|d| {
            let day = local_day(d);
            (day.start, day.end)
        });
        self.private.delete_spans_between(range)?;
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// "Ignore forever": never record this app or site again, and forget its history.
    pub fn ignore_activity(&mut self, kind: IgnoreKind, value: &str) -> Result<(), AgentError> {
        let gone = self.private.ignore(kind, value)?;
        tracing::info!(spans = gone, "an app or site is ignored from now on");
        self.emit(AgentEvent::ActivityChanged);
        Ok(())
    }

    /// Deletes spans past the retention period.
    pub fn expire_activity(&mut self, now: DateTime<Utc>) {
        let cutoff = now - Duration::days(KEEP_DAYS);
        if let Err(e) = self.private.forget_spans_before(cutoff) {
            tracing::warn!("could not delete old auto tracker spans: {e}");
        }
    }
}
