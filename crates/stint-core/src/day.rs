//! Which entries belong to a day and how much of them. A day's bounds depend on the
//! user's time zone, so the caller computes them; this module only clips.

use chrono::{DateTime, Duration, Utc};

use crate::entry::Entry;

/// A local calendar day expressed in UTC: `[start, end)`. Not always 24 hours (DST).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn effective_end(entry: &Entry, now: DateTime<Utc>) -> DateTime<Utc> {
    entry.end.unwrap_or(now).max(entry.start)
}

/// True if any part of the entry (a running one up to `now`) falls inside the day. A
/// zero-length entry counts for the day its start is in.
pub fn overlaps_day(entry: &Entry, day: DaySpan, now: DateTime<Utc>) -> bool {
    let end = effective_end(entry, now);
    if end == entry.start {
        return entry.start >= day.start && entry.start < day.end;
    }
    entry.start < day.end && end > day.start
}

/// The part of the entry that lies inside the day.
pub fn clipped_duration(entry: &Entry, day: DaySpan, now: DateTime<Utc>) -> Duration {
    let start = entry.start.max(day.start);
    let end = effective_end(entry, now).min(day.end);
    (end - start).max(Duration::zero())
}

/// The day's total: entries across midnight count only their part inside the day.
pub fn day_total<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    day: DaySpan,
    now: DateTime<Utc>,
) -> Duration {
    entries
        .into_iter()
        .map(|e| clipped_duration(e, day, now))
        .fold(Duration::zero(), |a, b| a + b)
}
