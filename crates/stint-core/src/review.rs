//! Review before upload (issue 19): a capture set may wait on the device for a review
//! window before it is sent, and its member may discard it meanwhile. Discarding must not
//! be a way to keep paid time without evidence, so it cuts the entry exactly as a member
//! deleting the same capture on the server would ([`crate::screenshot_rules`], DESIGN.md):
//! the time from the entry's previous capture (or its start) up to the discarded one goes.
//! Unlike a deletion on the server, a discard may happen while the timer still runs: then
//! the running entry keeps running after the cut.

use chrono::{DateTime, Duration, Utc};

use crate::screenshot_rules::{delete_capture, Deleter, EntryChange, EntryFacts};
use crate::{Entry, EntryId};

/// Whether a window (its app and title) is one of the user's private apps or sites
/// (issue 19). An entry with a dot is a site: it matches the host a browser's title shows
/// (the auto tracker's `site`) and that host's subdomains; any entry matches the app by
/// name. Case is ignored.
pub fn is_private(list: &[String], app: &str, title: &str) -> bool {
    let site = crate::activity::site_of(title).map(|s| s.to_lowercase());
    list.iter().map(|e| e.trim().to_lowercase()).any(|entry| {
        !entry.is_empty()
            && (app.eq_ignore_ascii_case(&entry)
                || site.as_ref().is_some_and(|host| {
                    entry.contains('.') && (*host == entry || host.ends_with(&format!(".{entry}")))
                }))
    })
}

/// Which of `monitors` monitors get a private tile. `fronts`: the app and title in front on
/// each monitor, where the desktop tells (X11); else the one window in front decides for
/// every monitor (`Ok(None)`: none is), and a sensor that cannot tell hides every monitor,
/// since a private app might be in front on any of them. `foreground` is asked only when
/// `fronts` does not tell (it reads a sensor).
pub fn private_monitors(
    list: &[String],
    monitors: usize,
    fronts: Option<Vec<Option<(String, String)>>>,
    foreground: impl FnOnce() -> Result<Option<(String, String)>, ()>,
) -> Vec<bool> {
    if list.iter().all(|e| e.trim().is_empty()) {
        return vec![false; monitors];
    }
    let private = |w: &Option<(String, String)>| {
        w.as_ref()
            .is_some_and(|(app, title)| is_private(list, app, title))
    };
    match fronts {
        Some(fronts) if fronts.len() == monitors => fronts.iter().map(private).collect(),
        _ => match foreground() {
            Ok(front) => vec![private(&front); monitors],
            Err(()) => vec![true; monitors],
        },
    }
}

/// What discarding one capture does to its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discard {
    /// Entries to write, in order (the entry as cut, then the part after the cut).
    pub writes: Vec<Entry>,
    /// The entry goes (it was a stopped entry's only capture).
    pub delete: bool,
    /// The later part of a split: captures after the discarded one belong to it now.
    pub split_off: Option<EntryId>,
    /// The time taken out of the entry.
    pub removed: Duration,
}

/// When a set taken at `captured` may be sent: at once (`None`), or after the review
/// window of `minutes` (1 to 60) of `minute` each (a minute; shorter in end-to-end tests).
pub fn hold_until(
    captured: DateTime<Utc>,
    minutes: Option<u32>,
    minute: Duration,
) -> Option<DateTime<Utc>> {
    minutes.map(|m| captured + minute * m.clamp(1, 60) as i32)
}

/// Seconds left of a review window at `now` (0 once it has passed).
pub fn seconds_left(hold_until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (hold_until - now).num_seconds().max(0)
}

/// Decides the discard of the capture taken at `discarded`, given every capture this
/// device took of the entry (`captures`, any order, including `discarded`). `new_id` names
/// the later part if the cut splits the entry.
pub fn discard(
    entry: &Entry,
    captures: &[DateTime<Utc>],
    discarded: DateTime<Utc>,
    new_id: EntryId,
) -> Discard {
    let facts = EntryFacts {
        start: entry.start,
        // A running entry is cut as if it ended far away: the rule then never trims its
        // end, and what follows the capture keeps running.
        end: Some(entry.end.unwrap_or(DateTime::<Utc>::MAX_UTC)),
        locked: false,
    };
    let change = delete_capture(&facts, captures, discarded, Deleter::Owner)
        .unwrap_or(EntryChange::Unchanged);
    let with = |start: DateTime<Utc>, end: Option<DateTime<Utc>>| Entry {
        start,
        end,
        ..entry.clone()
    };
    let span = |e: &Entry| e.end.map_or(Duration::zero(), |end| end - e.start);
    match change {
        EntryChange::DeleteEntry if entry.is_running() => {
            trimmed(entry, with(discarded.max(entry.start), None))
        }
        EntryChange::DeleteEntry => Discard {
            writes: Vec::new(),
            delete: true,
            split_off: None,
            removed: span(entry),
        },
        EntryChange::Trim { start, end } => {
            let end = entry.end.map(|_| end);
            trimmed(entry, with(start, end))
        }
        EntryChange::Split {
            first_end,
            second_start,
        } => Discard {
            writes: vec![
                with(entry.start, Some(first_end)),
                Entry {
                    id: new_id.clone(),
                    ..with(second_start, entry.end)
                },
            ],
            delete: false,
            split_off: Some(new_id),
            removed: second_start - first_end,
        },
        EntryChange::Unchanged => Discard {
            writes: Vec::new(),
            delete: false,
            split_off: None,
            removed: Duration::zero(),
        },
    }
}

fn trimmed(before: &Entry, after: Entry) -> Discard {
    let removed = (after.start - before.start)
        + match (before.end, after.end) {
            (Some(b), Some(a)) => b - a,
            _ => Duration::zero(),
        };
    Discard {
        writes: vec![after],
        delete: false,
        split_off: None,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn entry(end: Option<i64>) -> Entry {
        Entry {
            id: EntryId("e".into()),
            description: "Report".into(),
            start: at(0),
            end: end.map(at),
            work: Default::default(),
        }
    }

    fn new() -> EntryId {
        EntryId("n".into())
    }

    #[test]
    fn a_running_entrys_first_capture_moves_its_start() {
        let d = discard(&entry(None), &[at(3)], at(3), new());
        assert_eq!(
            d.writes,
            vec![Entry {
                start: at(3),
                ..entry(None)
            }]
        );
        assert_eq!(d.removed, Duration::minutes(3));
        assert!(!d.delete && d.split_off.is_none());
    }

    #[test]
    fn a_running_entry_is_split_around_a_later_capture_and_keeps_running() {
        let d = discard(&entry(None), &[at(3), at(7), at(12)], at(7), new());
        assert_eq!(
            d.writes[0],
            Entry {
                end: Some(at(3)),
                ..entry(None)
            }
        );
        assert_eq!(d.writes[1].id, new());
        assert_eq!((d.writes[1].start, d.writes[1].end), (at(7), None));
        assert_eq!(d.writes[1].description, "Report");
        assert_eq!(d.removed, Duration::minutes(4));
        assert_eq!(d.split_off, Some(new()));
    }

    /// For a stopped entry a discard is exactly the server's deletion by its owner.
    #[test]
    fn a_stopped_entry_is_cut_as_the_server_cuts_it() {
        let captures = [at(3), at(7), at(12)];
        for (i, deleted) in captures.iter().enumerate() {
            let e = entry(Some(20));
            let d = discard(&e, &captures, *deleted, new());
            let facts = EntryFacts {
                start: e.start,
                end: e.end,
                locked: false,
            };
            let server = delete_capture(&facts, &captures, *deleted, Deleter::Owner).unwrap();
            let kept: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> =
                d.writes.iter().map(|w| (w.start, w.end)).collect();
            let expected = match server {
                EntryChange::Trim { start, end } => vec![(start, Some(end))],
                EntryChange::Split {
                    first_end,
                    second_start,
                } => {
                    vec![(at(0), Some(first_end)), (second_start, Some(at(20)))]
                }
                other => panic!("capture {i}: unexpected {other:?}"),
            };
            assert_eq!(kept, expected, "capture {i}");
            let left: Duration = d.writes.iter().map(|w| w.end.unwrap() - w.start).sum();
            assert_eq!(left + d.removed, Duration::minutes(20), "capture {i}");
        }
    }

    #[test]
    fn a_stopped_entrys_only_capture_takes_the_entry() {
        let d = discard(&entry(Some(4)), &[at(2)], at(2), new());
        assert!(d.delete && d.writes.is_empty());
        assert_eq!(d.removed, Duration::minutes(4));
    }

    #[test]
    fn private_apps_and_sites_hide_only_their_monitor() {
        let list = vec!["KeePassXC".to_owned(), "bank.example".to_owned()];
        assert!(is_private(&list, "keepassxc", "Passwords"));
        assert!(is_private(
            &list,
            "firefox",
            "https://login.bank.example/account — Firefox"
        ));
        assert!(!is_private(&list, "firefox", "notbank.example — Firefox"));
        assert!(!is_private(&list, "code", "main.rs"));
        let w = |app: &str| Some((app.to_owned(), String::new()));
        let fronts = Some(vec![w("code"), w("KeePassXC"), None]);
        assert_eq!(
            private_monitors(&list, 3, fronts, || panic!(
                "not asked when each monitor is known"
            )),
            [false, true, false]
        );
        // Only the window in front is known: it decides for every monitor.
        assert_eq!(
            private_monitors(&list, 2, None, || Ok(w("keepassxc"))),
            [true, true]
        );
        assert_eq!(
            private_monitors(&list, 2, None, || Ok(w("code"))),
            [false, false]
        );
        assert_eq!(private_monitors(&list, 2, None, || Err(())), [true, true]);
        assert_eq!(private_monitors(&[], 2, None, || Err(())), [false, false]);
    }

    #[test]
    fn review_windows_hold_and_count_down() {
        let minute = Duration::minutes(1);
        assert_eq!(hold_until(at(0), None, minute), None);
        assert_eq!(hold_until(at(0), Some(10), minute), Some(at(10)));
        assert_eq!(hold_until(at(0), Some(0), minute), Some(at(1)));
        assert_eq!(seconds_left(at(10), at(9)), 60);
        assert_eq!(seconds_left(at(10), at(11)), 0);
    }
}
