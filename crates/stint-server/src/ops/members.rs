//! Members: admins change a member's role and make them inactive (their key and sign-in
//! stop working, their time stays) or active again; a workspace always keeps one active
//! admin. Each change is recorded under the audit log's users category.

use serde_json::json;

use super::{invalid, not_found, Op, Result};
use crate::audit::Category;
use crate::storage::{Role, UserRow};

/// Sets a member's role and whether they are active; `None` keeps what they have.
pub fn update(
    op: &mut Op<'_>,
    wid: &str,
    uid: &str,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<UserRow> {
    let wid = op.admin_only(wid, "change members' roles and status")?;
    let before = op
        .tx
        .member(&wid, uid)?
        .ok_or_else(|| not_found(format!("user {uid} not found")))?;
    let mut after = before.clone();
    after.role = role.unwrap_or(after.role);
    after.active = active.unwrap_or(after.active);
    if after == before {
        return Ok(after);
    }
    let admins_left = op
        .tx
        .members(&wid)?
        .iter()
        .filter(|m| m.id != uid && m.active && m.role == Role::Admin)
        .count();
    if admins_left == 0 && !(after.active && after.role == Role::Admin) {
        return Err(invalid(
            "a workspace needs an active admin: make another member admin first",
        ));
    }
    op.tx.put_member(&after)?;
    let status = |u: &UserRow| if u.active { "ACTIVE" } else { "INACTIVE" };
    op.record(
        Category::Users,
        "user.updated",
        uid,
        format!(
            "{}: {} {} → {} {}",
            after.name,
            before.role.as_str(),
            status(&before),
            after.role.as_str(),
            status(&after)
        ),
        json!({"previous": {"role": before.role.as_str(), "status": status(&before)},
               "new": {"role": after.role.as_str(), "status": status(&after)}}),
    )?;
    Ok(after)
}
