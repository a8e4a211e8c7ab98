//! Which audit records are about one member, for their "My data" export: the records they
//! wrote, the records of their time entries (whoever wrote them), and the other records
//! that name them (a role change, a sign-in, a task assigned to them; not a public
//! project's, which lists every member). A record of someone
//! else's entry is never theirs, even where the entry's id (the client's choice) equals
//! their user id or an id they use now.
//!
//! Whose entry a record is about is read from the record: created, deleted and restored
//! records carry the entry's snapshot with its `userId`, and update records name the owner
//! too (older update records do not; they take the owner of the nearest record of the same
//! entry's life, and the entry's current owner when no record says).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::storage::AuditRecord;

const DELETED: &str = "time_entry.deleted";

fn is_entry_record(r: &AuditRecord) -> bool {
    r.action.starts_with("time_entry.")
}

/// The owner a time entry record states: its snapshot's `userId`, or its own `userId`.
fn stated_owner(r: &AuditRecord) -> Option<&str> {
    r.details
        .pointer("/entry/userId")
        .or_else(|| r.details.get("userId"))
        .and_then(Value::as_str)
}

/// Fields whose ids do not make a record about a member: a project's `memberships` list
/// every member of the workspace for a public project (its records are about the project).
const NOT_ABOUT_THEM: [&str; 1] = ["memberships"];

/// Whether a JSON value holds `id` as a string (not as an object's key), outside the
/// fields of [`NOT_ABOUT_THEM`]: a task's assignees, a member's own record.
fn names(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| names(v, id)),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, v)| !NOT_ABOUT_THEM.contains(&key.as_str()) && names(v, id)),
        _ => false,
    }
}

/// The owner of the entry record at `positions[k]` (indices into `records` of one entry
/// id's records, in written order): stated, else that of the nearest earlier stating
/// record unless that was a deletion (a new life of the id may have begun), else that of
/// the next stating record if it ends this same life (a deletion), else `current` (the
/// entry's owner now) when no later record states one. `None`: unknown.
fn owner_at<'r>(
    records: &'r [AuditRecord],
    positions: &[usize],
    k: usize,
    current: Option<&'r str>,
) -> Option<&'r str> {
    let stated = |i: usize| stated_owner(&records[i]).map(|o| (o, records[i].action.as_str()));
    if let Some((owner, _)) = stated(positions[k]) {
        return Some(owner);
    }
    let before = positions[..k].iter().rev().find_map(|&i| stated(i));
    if let Some((owner, action)) = before {
        if action != DELETED {
            return Some(owner);
        }
    }
    match positions[k + 1..].iter().find_map(|&i| stated(i)) {
        Some((owner, DELETED)) => Some(owner),
        Some(_) => None,
        None => current,
    }
}

/// The records of `candidates` (in written order) that are about `user_id`, in the same
/// order; `own_entries` are the ids of the entries they have now.
pub fn about(
    user_id: &str,
    own_entries: &HashSet<String>,
    candidates: Vec<AuditRecord>,
) -> Vec<AuditRecord> {
    let mut by_entry: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in candidates.iter().enumerate() {
        if is_entry_record(r) {
            by_entry.entry(r.target_id.as_str()).or_default().push(i);
        }
    }
    let mut theirs = vec![false; candidates.len()];
    for (id, positions) in &by_entry {
        let current = own_entries.contains(*id).then_some(user_id);
        for (k, &i) in positions.iter().enumerate() {
            theirs[i] = owner_at(&candidates, positions, k, current) == Some(user_id);
        }
    }
    for (i, r) in candidates.iter().enumerate() {
        let wrote = r.author_id.as_deref() == Some(user_id);
        let names_them =
            !is_entry_record(r) && (r.target_id == user_id || names(&r.details, user_id));
        theirs[i] |= wrote || names_them;
    }
    candidates
        .into_iter()
        .zip(theirs)
        .filter_map(|(r, keep)| keep.then_some(r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";

    fn rec(id: &str, author: &str, action: &str, target: &str, details: Value) -> AuditRecord {
        AuditRecord {
            id: id.into(),
            workspace_id: "w".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            author_id: Some(author.into()),
            author_name: author.into(),
            action: action.into(),
            target_id: target.into(),
            summary: String::new(),
            details,
        }
    }

    fn kept(user: &str, own: &[&str], records: Vec<AuditRecord>) -> Vec<String> {
        let own = own.iter().map(|s| s.to_string()).collect();
        about(user, &own, records)
            .into_iter()
            .map(|r| r.id)
            .collect()
    }

    #[test]
    fn an_id_used_again_gives_each_life_to_its_owner() {
        let x = "e1";
        let records = vec![
            rec(
                "1",
                B,
                "time_entry.created",
                x,
                json!({"entry": {"userId": B}}),
            ),
            // An update record written before records named the owner.
            rec("2", B, "time_entry.updated", x, json!({"changes": []})),
            rec("3", B, DELETED, x, json!({"entry": {"userId": B}})),
            rec(
                "4",
                A,
                "time_entry.created",
                x,
                json!({"entry": {"userId": A}}),
            ),
            // The admin edits A's entry.
            rec(
                "5",
                B,
                "time_entry.updated",
                x,
                json!({"changes": [], "userId": A}),
            ),
        ];
        assert_eq!(kept(A, &[x], records.clone()), ["4", "5"]);
        assert_eq!(kept(B, &[], records), ["1", "2", "3", "5"]);
    }

    #[test]
    fn old_update_records_take_the_owner_of_their_life_or_of_the_entry_now() {
        let old = |id: &str| rec(id, B, "time_entry.updated", "e1", json!({"changes": []}));
        // Nothing states an owner: the entry is A's now.
        assert_eq!(kept(A, &["e1"], vec![old("1")]), ["1"]);
        assert!(kept(A, &[], vec![old("1")]).is_empty());
        // A later life was created by someone: the old record's life is unknown.
        let recreated = rec(
            "2",
            A,
            "time_entry.created",
            "e1",
            json!({"entry": {"userId": A}}),
        );
        assert_eq!(kept(A, &["e1"], vec![old("1"), recreated]), ["2"]);
        // Its life ended with A's deletion: it was A's.
        let deleted = rec("2", B, DELETED, "e1", json!({"entry": {"userId": A}}));
        assert_eq!(kept(A, &[], vec![old("1"), deleted]), ["1", "2"]);
    }

    #[test]
    fn another_members_entry_with_their_user_id_as_its_id_is_not_theirs() {
        let records = vec![
            rec(
                "1",
                B,
                "time_entry.created",
                A,
                json!({"entry": {"id": A, "userId": B}}),
            ),
            rec("2", B, "user.updated", A, json!({"role": "admin"})),
            rec(
                "3",
                B,
                "task.created",
                "t1",
                json!({"task": {"assigneeIds": [A, B]}}),
            ),
            rec(
                "4",
                B,
                "project.created",
                "p1",
                json!({"project": {"name": "Atlas",
                "memberships": [{"userId": A}, {"userId": B}]}}),
            ),
            rec("5", A, "user.signed_in", A, json!({})),
            rec("6", B, "user.signed_in", B, json!({})),
        ];
        assert_eq!(kept(A, &[], records), ["2", "3", "5"]);
    }
}
