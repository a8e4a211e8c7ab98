//! Merging an entry changed on this device with the server's copy that moved meanwhile
//! (issue 14). Three-way, field by field, against the copy both started from (`base`):
//!
//! 1. A locked entry on the server wins whole: the device's edits to it are dropped.
//! 2. A field only one side changed takes that side's value: an admin's edit of the
//!    description and the device's new end both stay.
//! 3. A field both sides changed to different values keeps the server's value (the copy
//!    reports and other members already see), and the user is told which value was kept.
//! 4. If the fields taken so would make the end come before the start, the server's whole
//!    span is kept: time the server took out of the entry (a member's screenshot deletion
//!    cuts or splits it) never comes back, so no time is counted twice.
//!
//! The same rule as git's and Dropbox's merges of independent edits, with the server as
//! the tie-breaker as in Clockify, where the web's copy is the record. Deletes are the
//! store's to decide (`stint_store::Store::moved`): a delete here wins over an edit there
//! unless the entry is locked; an edit here of an entry deleted there is dropped.

use chrono::{DateTime, Utc};

use crate::entry::{Entry, Work};

/// Which of an entry's fields a conflict is about. A task belongs to its project, so the
/// two merge as one field (a device's task never lands on the server's other project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Description,
    Start,
    End,
    Project,
    Tags,
    Billable,
}

const FIELDS: [Field; 6] = [
    Field::Description,
    Field::Start,
    Field::End,
    Field::Project,
    Field::Tags,
    Field::Billable,
];

/// Why the device's value of a field was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The entry is locked on the server.
    Locked,
    /// Both sides changed the field.
    BothChanged,
    /// The device's value would have put the end before the server's start (or after it).
    Span,
}

/// A value of a field, for telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Time(Option<DateTime<Utc>>),
    /// A project id and a task id.
    Project(Option<String>, Option<String>),
    Tags(Vec<String>),
    Flag(bool),
}

/// A field where the device's change was dropped for the server's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub field: Field,
    /// The server's value, which the entry now has.
    pub kept: Value,
    /// The device's value, which was not applied.
    pub dropped: Value,
    pub reason: Reason,
}

impl Conflict {
    /// One line for the user; `time` shows a moment in the user's own format and zone.
    pub fn describe(&self, time: impl Fn(DateTime<Utc>) -> String) -> String {
        let show = |v: &Value| match v {
            Value::Text(t) => format!("\u{201c}{t}\u{201d}"),
            Value::Time(Some(t)) => time(*t),
            Value::Time(None) => "running".to_owned(),
            // Ids mean nothing to the user, and the agent may not know the names.
            Value::Project(None, _) => "(no project)".to_owned(),
            Value::Project(Some(_), _) => "(another project)".to_owned(),
            Value::Tags(t) => format!("({} tags)", t.len()),
            Value::Flag(b) => if *b { "billable" } else { "not billable" }.to_owned(),
        };
        let field = match self.field {
            Field::Description => "description",
            Field::Start => "start",
            Field::End => "end",
            Field::Project => "project",
            Field::Tags => "tags",
            Field::Billable => "billable",
        };
        let why = match self.reason {
            Reason::Locked => "the entry is locked on the server",
            Reason::BothChanged => "it was changed on the server too",
            Reason::Span => "the server changed the entry's time span",
        };
        format!(
            "Kept the server's {field} {} instead of this device's {}: {why}.",
            show(&self.kept),
            show(&self.dropped)
        )
    }
}

/// What [`merge`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The entry to keep and to send (with `theirs`' id).
    pub entry: Entry,
    /// The device's values that were dropped, in field order.
    pub conflicts: Vec<Conflict>,
}

/// Merges the device's copy `ours` and the server's `theirs` (locked or not), both changed
/// from `base`, by the rule in this module's documentation.
pub fn merge(base: &Entry, ours: &Entry, theirs: &Entry, theirs_locked: bool) -> Merged {
    let mut conflicts = Vec::new();
    let note = |field, kept, dropped, reason| Conflict {
        field,
        kept,
        dropped,
        reason,
    };
    if theirs_locked {
        for field in FIELDS {
            let (b, o, t) = (value(base, field), value(ours, field), value(theirs, field));
            if o != b && o != t {
                conflicts.push(note(field, t, o, Reason::Locked));
            }
        }
        return Merged {
            entry: theirs.clone(),
            conflicts,
        };
    }
    let mut pick = |field: Field| {
        let (b, o, t) = (value(base, field), value(ours, field), value(theirs, field));
        if o == b || o == t {
            t
        } else if t == b {
            o
        } else {
            conflicts.push(note(field, t.clone(), o, Reason::BothChanged));
            t
        }
    };
    let (
        Value::Text(description),
        Value::Time(Some(start)),
        Value::Time(end),
        Value::Project(project_id, task_id),
        Value::Tags(tag_ids),
        Value::Flag(billable),
    ) = (
        pick(Field::Description),
        pick(Field::Start),
        pick(Field::End),
        pick(Field::Project),
        pick(Field::Tags),
        pick(Field::Billable),
    )
    else {
        // `value` gives each field its own kind; this arm cannot be reached.
        return Merged {
            entry: theirs.clone(),
            conflicts,
        };
    };
    let mut entry = Entry {
        id: theirs.id.clone(),
        description,
        start,
        end,
        work: Work {
            project_id,
            task_id,
            tag_ids,
            billable,
        },
    };
    if entry.end.is_some_and(|end| end < entry.start) {
        for field in [Field::Start, Field::End] {
            let (o, t) = (value(&entry, field), value(theirs, field));
            if o != t && !conflicts.iter().any(|c| c.field == field) {
                conflicts.push(note(field, t, o, Reason::Span));
            }
        }
        entry.start = theirs.start;
        entry.end = theirs.end;
    }
    conflicts.sort_by_key(|c| c.field as u8);
    Merged { entry, conflicts }
}

fn value(entry: &Entry, field: Field) -> Value {
    match field {
        Field::Description => Value::Text(entry.description.clone()),
        Field::Start => Value::Time(Some(entry.start)),
        Field::End => Value::Time(entry.end),
        Field::Project => Value::Project(entry.work.project_id.clone(), entry.work.task_id.clone()),
        Field::Tags => Value::Tags(entry.work.tag_ids.clone()),
        Field::Billable => Value::Flag(entry.work.billable),
    }
}

#[cfg(test)]
mod tests;
