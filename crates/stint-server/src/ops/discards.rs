//! A member reports a capture set they discarded on their device before upload (issue 19).
//! The report holds no pixels; it is kept for the admin's gallery and, when the workspace
//! logs time entries, written to the audit log, so a discard is never silent. The time
//! it cut was already taken out of the entry by the device's own edit, which syncs as any
//! edit does; this report only says why the entry has a gap.

use chrono::Duration;
use serde_json::json;
use stint_api::DiscardedCapture;

use super::{invalid, refused, Op, Result};
use crate::audit::Category;
use crate::storage::DiscardRow;

/// The most discards one member's UTC day keeps (288 five-minute captures fit in a day).
pub const MAX_A_DAY: i64 = 300;

/// `4 min 12 s`, `1 h 05 min`: a cut's length for people.
pub fn cut_text(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, min, 0) => format!("{min} min"),
        (0, min, sec) => format!("{min} min {sec} s"),
        (h, min, _) => format!("{h} h {min:02} min"),
    }
}

/// Keeps the actor's report. The same set id again with the same content is answered as
/// kept (a retry); with other content, or for another member's entry, it is refused.
pub fn record(op: &mut Op<'_>, wid: &str, report: DiscardedCapture) -> Result<DiscardedCapture> {
    let wid = op.workspace(wid)?;
    if let Some(problem) = report.problem() {
        return Err(invalid(problem));
    }
    // A set stays on the device at most 7 days; a capture from far away is not one.
    let (earliest, latest) = (op.now - Duration::days(8), op.now + Duration::days(1));
    if report.captured_at < earliest || report.captured_at > latest {
        return Err(invalid(
            "capturedAt must lie within the last 8 days (sets stay on a device at most 7)",
        ));
    }
    // The entry may be gone (discarding its only capture deletes a stopped entry), but an
    // entry of someone else's is never theirs to speak for.
    if let Some(entry) = op.tx.entry(&wid, &report.time_entry_id)? {
        if entry.user_id != op.actor.id {
            return Err(refused(403, "that time entry is not yours"));
        }
    }
    let row = DiscardRow {
        workspace_id: wid.clone(),
        id: report.id.clone(),
        user_id: op.actor.id.clone(),
        entry_id: report.time_entry_id.clone(),
        captured: report.captured_at,
        removed_seconds: report.removed_seconds,
        monitors: report.monitors,
    };
    match op.tx.discard(&wid, &op.actor.id, &report.id)? {
        Some(kept) if kept == row => return Ok(report),
        Some(_) => {
            return Err(refused(
                409,
                format!("discard {} was reported with other content", report.id),
            ))
        }
        None => {}
    }
    // A day has at most 288 five-minute captures: more discards than that are not a
    // device's, and are not kept to flood the gallery and the audit log.
    let day = report
        .captured_at
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    if op
        .tx
        .discards_between(&wid, &op.actor.id, day, day + Duration::days(1))?
        >= MAX_A_DAY
    {
        return Err(refused(
            429,
            format!("at most {MAX_A_DAY} discards a day are kept for one member"),
        ));
    }
    op.tx.add_discard(&row, op.now)?;
    let summary = format!(
        "Screenshots of {} monitor{} discarded before upload; {} cut from the entry",
        report.monitors,
        if report.monitors == 1 { "" } else { "s" },
        cut_text(report.removed_seconds)
    );
    op.record(
        Category::TimeEntries,
        "screenshots.discarded",
        &report.time_entry_id,
        summary,
        json!({
            "captureSetId": report.id,
            "capturedAt": report.captured_at,
            "removedSeconds": report.removed_seconds,
            "monitors": report.monitors,
        }),
    )?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cuts_read_as_people_say_them() {
        assert_eq!(super::cut_text(42), "42 s");
        assert_eq!(super::cut_text(240), "4 min");
        assert_eq!(super::cut_text(252), "4 min 12 s");
        assert_eq!(super::cut_text(3900), "1 h 05 min");
        assert_eq!(super::cut_text(-5), "0 s");
    }
}
