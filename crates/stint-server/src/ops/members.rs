//! Members: admins add them (with a key shown once, and a password or a one-time
//! invitation link), change a member's role, make them inactive (their key and sign-in stop
//! working, their time stays) or active again, and reset their API key; a workspace always
//! keeps one active admin. Each change is recorded under the audit log's users category.
//! A member may delete their own account with all its data ([`may_delete_self`]).

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
    if !after.active {
        // An inactive member's invitation links end with their key and sessions.
        op.tx.drop_invitations(uid)?;
    }
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

/// Adds a member to the workspace (admins); returns them and their new API key, which is
/// shown once and kept only as a hash. An email already in the workspace is a conflict.
pub fn add(
    op: &mut Op<'_>,
    wid: &str,
    email: &str,
    name: &str,
    role: Role,
) -> Result<(UserRow, String)> {
    let wid = op.admin_only(wid, "add members")?;
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
    if !plausible || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!("{email:?} is not an email address")));
    }
    let name = super::name(name, "member", 100)?;
    let user = UserRow {
        id: crate::auth::new_id(),
        workspace_id: wid,
        email,
        name,
        role,
        active: true,
    };
    let key = crate::auth::issue_key();
    op.tx.add_member(&user, &key)?;
    op.record(
        Category::Users,
        "user.added",
        &user.id,
        format!("{} <{}> as {}", user.name, user.email, user.role.as_str()),
        json!({"email": user.email, "name": user.name, "role": user.role.as_str()}),
    )?;
    Ok((user, key.key))
}

/// Gives a member a new API key (admins): the old key and the member's web sessions stop
/// working. The key is returned to be shown once; the log records only that it changed.
pub fn reset_key(op: &mut Op<'_>, wid: &str, uid: &str) -> Result<String> {
    let wid = op.admin_only(wid, "reset members' API keys")?;
    let member = op
        .tx
        .member(&wid, uid)?
        .ok_or_else(|| not_found(format!("user {uid} not found")))?;
    let key = crate::auth::issue_key();
    op.tx.set_member_key(uid, &key)?;
    op.record(
        Category::Users,
        "user.key_reset",
        uid,
        format!("{}'s API key", member.name),
        json!({}),
    )?;
    Ok(key.key)
}

/// Keeps a one-time invitation for an active member of the workspace (admins):
/// `token_hash` is the SHA-256 of the link's token, which is never stored; it works once,
/// until `expires`, and replaces the member's earlier links.
pub fn invite(
    op: &mut Op<'_>,
    wid: &str,
    uid: &str,
    token_hash: &[u8],
    expires: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let wid = op.admin_only(wid, "invite members")?;
    let member = op
        .tx
        .member(&wid, uid)?
        .ok_or_else(|| not_found(format!("user {uid} not found")))?;
    if !member.active {
        return Err(invalid(format!(
            "{} is inactive: activate them before inviting them",
            member.name
        )));
    }
    op.tx.add_invitation(token_hash, &member.id, expires)?;
    op.record(
        Category::Users,
        "user.invited",
        uid,
        format!("{} <{}>", member.name, member.email),
        json!({"expires": expires}),
    )?;
    Ok(())
}

/// Whether `user` confirmed deleting their own account by typing their email. (That a
/// workspace keeps an admin is checked by the deletion itself, in its transaction.)
pub fn may_delete_self(user: &UserRow, confirm: &str) -> std::result::Result<(), String> {
    if confirm.trim().eq_ignore_ascii_case(&user.email) {
        Ok(())
    } else {
        Err("Type your email address to confirm the deletion.".into())
    }
}
