//! Stint's pure domain. Nothing here reads a clock, touches a file or the network:
//! every decision takes the current time as an argument so it can be tested exhaustively.

pub mod activity;
pub mod autostart;
pub mod backoff;
pub mod capture;
pub mod day;
pub mod entry;
pub mod idle;
pub mod merge;
pub mod pomodoro;
pub mod presence;
pub mod redact;
pub mod reminders;
pub mod review;
pub mod screenshot_rules;
pub mod time;
pub mod timer;
pub mod urls;

pub use day::{clipped_duration, day_total, overlaps_day, DaySpan};
pub use entry::{
    format_elapsed, normalize_description, Entry, EntryError, EntryId, EntryPatch, Requirements,
    Work, MAX_DESCRIPTION_CHARS, MAX_TAGS,
};
pub use timer::{StartOutcome, StopOutcome, TimerError};
