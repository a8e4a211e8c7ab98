//! When a part driven by the running timer (reminders, pomodoro) looks again: at the
//! moment its last step asked for, when the running entry is another than at its last look
//! (a start, a stop, a switch), or after its settings changed; not at every command.

use chrono::{DateTime, Utc};
use stint_core::{Entry, EntryId};

#[derive(Debug, Default)]
pub(crate) struct Due {
    /// The moment the last step asked for.
    pub next: Option<DateTime<Utc>>,
    /// The running entry at the last look; `None`: never looked (or settings changed).
    seen: Option<Option<EntryId>>,
}

impl Due {
    /// Whether to take a step now.
    pub fn now(&self, now: DateTime<Utc>, running: Option<&Entry>) -> bool {
        self.next.is_some_and(|at| now >= at)
            || self.seen.as_ref() != Some(&running.map(|e| e.id.clone()))
    }

    /// A step was taken with `running` in force; it asks to look again at `next`.
    pub fn stepped(&mut self, next: Option<DateTime<Utc>>, running: Option<&Entry>) {
        self.next = next;
        self.seen = Some(running.map(|e| e.id.clone()));
    }

    /// The settings changed: look at the next tick.
    pub fn reset(&mut self) {
        *self = Due::default();
    }
}
