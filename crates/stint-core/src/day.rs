//! Which entries belong to a day and how much of them. A day's bounds depend on the
//! user's time zone, so the caller computes them; this module only clips.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

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

/// The Monday of `date`'s week: weeks start on Monday (ISO 8601, and Clockify's default).
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::week_start;
    use chrono::NaiveDate;

    #[test]
    fn weeks_start_on_monday() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(week_start(d(2026, 12, 4)), d(2026, 11, 30)); // a Friday
        assert_eq!(week_start(d(2026, 11, 30)), d(2026, 11, 30)); // a Monday
        assert_eq!(week_start(d(2027, 1, 3)), d(2026, 12, 28)); // a Sunday, across the year
    }
}
