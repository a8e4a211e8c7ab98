//! Idle time, decided from what the sensors report and the time passed in: when an idle
//! period began (the last input, a suspend's start), when the user came back, and what
//! each answer to the one prompt does to the entries. Periods never run backwards: a wall
//! clock set back or forward can shorten one to nothing, never below.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::entry::{Entry, EntryId};

/// Shorter gaps between the boot clock and the awake clock are scheduling noise, not a
/// suspend.
pub fn min_suspend() -> Duration {
    Duration::seconds(10)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdleSettings {
    pub enabled: bool,
    /// No input for this long is idle.
    pub threshold_seconds: u32,
}

impl Default for IdleSettings {
    fn default() -> Self {
        IdleSettings {
            enabled: true,
            threshold_seconds: 5 * 60,
        }
    }
}

impl IdleSettings {
    pub fn threshold(&self) -> Duration {
        Duration::seconds(i64::from(self.threshold_seconds.max(1)))
    }
}

/// One look at the sensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The wall clock.
    pub now: DateTime<Utc>,
    /// Time since the last keyboard or mouse input.
    pub idle_for: Duration,
    /// A clock that stops while the machine sleeps (CLOCK_MONOTONIC).
    pub awake: Duration,
    /// A clock that keeps counting through a suspend (CLOCK_BOOTTIME).
    pub since_boot: Duration,
    /// The screen has been locked or the machine asleep since then, by the session's own
    /// signals ([`crate::presence::SessionAway`]): idle from that moment.
    pub away_since: Option<DateTime<Utc>>,
}

/// A stretch of time without the user, from its start to their return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdlePeriod {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl IdlePeriod {
    /// Never negative.
    fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> IdlePeriod {
        IdlePeriod {
            start,
            end: end.max(start),
        }
    }

    pub fn length(&self) -> Duration {
        self.end - self.start
    }

    /// One prompt for two periods: the first's start to the last's end.
    pub fn merged(&self, later: &IdlePeriod) -> IdlePeriod {
        IdlePeriod::new(self.start.min(later.start), self.end.max(later.end))
    }
}

/// When the machine went to sleep between two observations, if it did: the boot clock ran
/// on while the awake clock stood still for at least [`min_suspend`]. The suspend began at
/// most the awake time that passed since `last` after it; and where the last input came
/// after that (so after the resume), at most the sleep's length before that input. Kept
/// within the two wall-clock times.
pub fn suspend_between(last: &Observation, obs: &Observation) -> Option<DateTime<Utc>> {
    let awake = obs.awake - last.awake;
    let slept = (obs.since_boot - last.since_boot) - awake;
    if slept < min_suspend() {
        return None;
    }
    let latest = last.now + awake;
    let input = obs.now - obs.idle_for.max(Duration::zero());
    let start = if input > latest {
        latest.min(input - slept)
    } else {
        latest
    };
    Some(start.clamp(last.now.min(obs.now), obs.now))
}

/// How much awake time before a suspend a look may be and still tell the last input
/// before it.
pub fn fresh_look() -> Duration {
    Duration::seconds(10)
}

/// How long after an observation the user can first count as idle: the rest of the
/// threshold, never less than half a second (so a sensor that lags cannot make a busy loop).
pub fn until_threshold(idle_for: Duration, settings: &IdleSettings) -> Duration {
    (settings.threshold() - idle_for).max(Duration::milliseconds(500))
}

/// What an observation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleChange {
    Nothing,
    /// The user is away, since then.
    Began(DateTime<Utc>),
    /// The user is back: ask about this period.
    Ended(IdlePeriod),
}

/// Follows observations; holds only the start of the current idle period and the
/// previous observation (to see a suspend in between).
#[derive(Debug, Clone, Default)]
pub struct IdleTracker {
    idle_since: Option<DateTime<Utc>>,
    last: Option<Observation>,
}

impl IdleTracker {
    pub fn idle_since(&self) -> Option<DateTime<Utc>> {
        self.idle_since
    }

    /// Forgets everything: the timer stopped, or idle detection was switched off.
    pub fn reset(&mut self) {
        *self = IdleTracker::default();
    }

    /// When a suspend between the previous observation and this one began, if there was one.
    fn suspend_start(&self, obs: &Observation) -> Option<DateTime<Utc>> {
        suspend_between(&self.last?, obs)
    }

    pub fn observe(&mut self, obs: Observation, settings: &IdleSettings) -> IdleChange {
        if !settings.enabled {
            self.reset();
            return IdleChange::Nothing;
        }
        let suspended = self.suspend_start(&obs);
        let previous = self.last.replace(obs);
        let last_input = (obs.now - obs.idle_for.max(Duration::zero())).min(obs.now);
        let by_input = (obs.idle_for >= settings.threshold()).then_some(last_input);
        let away_now = obs.away_since.is_some() || by_input.is_some();
        // Input before a suspend: if none came since before it, idle began then. Only a
        // look shortly before the suspend can tell: the agent looks when something is due,
        // not on a pulse, and input after an older look went unseen, so then idle begins
        // at the suspend itself.
        let before_suspend = previous
            .filter(|p| obs.awake - p.awake <= fresh_look())
            .map(|p| (p.now - p.idle_for.max(Duration::zero())).min(p.now));
        // A lock or sleep the session told counts from its start; input that stopped
        // longer than the threshold ago, from the last input.
        let told = [obs.away_since, by_input].into_iter().flatten().min();
        let candidate = suspended
            .map(|s| before_suspend.map_or(s, |b| b.min(s)))
            .into_iter()
            .chain(told)
            .min();
        if let Some(c) = candidate {
            self.idle_since = Some(self.idle_since.map_or(c, |since| since.min(c)));
        }
        match (self.idle_since, away_now) {
            (Some(since), false) => {
                self.idle_since = None;
                IdleChange::Ended(IdlePeriod::new(since, last_input.max(since)))
            }
            (Some(since), true)
                if candidate.is_some() && previous_not_idle(&previous, settings) =>
            {
                IdleChange::Began(since)
            }
            _ => IdleChange::Nothing,
        }
    }
}

fn previous_not_idle(previous: &Option<Observation>, settings: &IdleSettings) -> bool {
    previous.is_none_or(|p| !(p.away_since.is_some() || p.idle_for >= settings.threshold()))
}

/// The answers the prompt offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum IdleChoice {
    /// Nothing changes.
    Keep,
    /// The idle time is taken out of the entry; a running timer stops at the idle start.
    Discard,
    /// The entry ends at the idle start and a new one with the same description starts
    /// when the user came back.
    DiscardAndContinue,
    /// The entry ends at the idle start, the idle time becomes an entry of its own with
    /// this description, and the work goes on in a new entry from the return.
    KeepAsNewEntry { description: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum IdleChoiceKind {
    Keep,
    Discard,
    DiscardAndContinue,
    KeepAsNewEntry,
}

impl IdleChoice {
    pub fn kind(&self) -> IdleChoiceKind {
        match self {
            IdleChoice::Keep => IdleChoiceKind::Keep,
            IdleChoice::Discard => IdleChoiceKind::Discard,
            IdleChoice::DiscardAndContinue => IdleChoiceKind::DiscardAndContinue,
            IdleChoice::KeepAsNewEntry { .. } => IdleChoiceKind::KeepAsNewEntry,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdleError {
    #[error("that answer no longer applies: {0}")]
    NotApplicable(&'static str),
}

/// The part of `period` inside the entry; `None` if they do not overlap (the entry was
/// deleted, or ended before the idle time began).
fn overlap(entry: &Entry, period: &IdlePeriod) -> Option<IdlePeriod> {
    let start = period.start.max(entry.start);
    let end = entry.end.map_or(period.end, |e| period.end.min(e));
    (start < end).then_some(IdlePeriod { start, end })
}

/// What the prompt may offer for `entry` (as it is now; `None` if it was deleted).
pub fn choices(entry: Option<&Entry>, period: &IdlePeriod) -> Vec<IdleChoiceKind> {
    let Some(entry) = entry.filter(|e| overlap(e, period).is_some()) else {
        return vec![IdleChoiceKind::Keep];
    };
    let mut kinds = vec![IdleChoiceKind::Keep, IdleChoiceKind::Discard];
    if entry.is_running() {
        kinds.push(IdleChoiceKind::DiscardAndContinue);
    }
    kinds.push(IdleChoiceKind::KeepAsNewEntry);
    kinds
}

/// The entries to write for `choice`. `new_ids` names the entries it may create.
pub fn resolve(
    entry: Option<&Entry>,
    period: &IdlePeriod,
    choice: &IdleChoice,
    new_ids: [EntryId; 2],
) -> Result<Vec<Entry>, IdleError> {
    if *choice == IdleChoice::Keep {
        return Ok(Vec::new());
    }
    let entry = entry.ok_or(IdleError::NotApplicable("the entry was deleted"))?;
    let cut = overlap(entry, period).ok_or(IdleError::NotApplicable(
        "the entry ended before the idle time began",
    ))?;
    let [first_id, second_id] = new_ids;
    let before = Entry {
        end: Some(cut.start),
        ..entry.clone()
    };
    // What followed the idle time: the running timer goes on, a stopped entry keeps the
    // rest of its time.
    let after = |id: EntryId| {
        let rest = Entry {
            id,
            description: entry.description.clone(),
            start: cut.end,
            end: entry.end,
            work: entry.work.clone(),
        };
        (rest.end.is_none_or(|end| end > cut.end)).then_some(rest)
    };
    Ok(match choice {
        IdleChoice::Keep => unreachable!("handled above"),
        IdleChoice::Discard if entry.is_running() => vec![before],
        IdleChoice::Discard => [Some(before), after(first_id)]
            .into_iter()
            .flatten()
            .collect(),
        IdleChoice::DiscardAndContinue => {
            if !entry.is_running() {
                return Err(IdleError::NotApplicable("the timer was stopped meanwhile"));
            }
            [Some(before), after(first_id)]
                .into_iter()
                .flatten()
                .collect()
        }
        IdleChoice::KeepAsNewEntry { description } => {
            let idle = Entry {
                id: first_id,
                description: crate::normalize_description(description)
                    .unwrap_or_else(|_| description.chars().take(100).collect()),
                start: cut.start,
                end: Some(cut.end),
                // The idle time was spent for the same project (its own description
                // says on what), so a workspace that requires a project takes it.
                work: entry.work.clone(),
            };
            [Some(before), Some(idle), after(second_id)]
                .into_iter()
                .flatten()
                .collect()
        }
    })
}
