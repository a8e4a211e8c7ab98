//! Clients and tags: created, changed, archived and deleted by admins, read by every
//! member. Deleting a client (archived first, as Clockify asks) takes it off its projects;
//! deleting a tag takes it off its entries; both are linked changes in the audit log.

use serde_json::json;
use stint_api::{Client, ClientChanges, Tag, TagChanges};

use super::{invalid, name, not_found, Op, Result};
use crate::audit::Category;
use crate::storage::EntryRef;

/// Client names are at most 100 characters, tag names 100 (Clockify's limits).
const MAX_NAME: usize = 100;

fn check_email(email: &str) -> Result<()> {
    let ok = email.is_empty()
        || (email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("{email:?} is not an email address")))
    }
}

pub fn clients(op: &mut Op<'_>, wid: &str) -> Result<Vec<Client>> {
    let wid = op.workspace(wid)?;
    op.tx.clients(&wid)
}

pub fn client(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Client> {
    let wid = op.workspace(wid)?;
    op.tx
        .client(&wid, id)?
        .ok_or_else(|| not_found(format!("client {id} not found")))
}

pub fn create_client(op: &mut Op<'_>, wid: &str, body: ClientChanges) -> Result<Client> {
    let wid = op.admin_only(wid, "create clients")?;
    let client = Client {
        id: crate::auth::new_id(),
        name: name(body.name.as_deref().unwrap_or(""), "client", MAX_NAME)?,
        workspace_id: wid,
        archived: body.archived.unwrap_or(false),
        note: body.note.unwrap_or_default(),
        address: body.address.unwrap_or_default(),
        email: body.email.unwrap_or_default(),
    };
    check_email(&client.email)?;
    let others = op.tx.clients(&client.workspace_id)?;
    super::unique_name(
        "client",
        &client.id,
        &client.name,
        others.iter().map(|c| (c.id.as_str(), c.name.as_str())),
    )?;
    op.tx.put_client(&client, true)?;
    op.record(
        Category::Projects,
        "client.created",
        &client.id,
        format!("\"{}\"", client.name),
        json!({"client": client}),
    )?;
    Ok(client)
}

pub fn update_client(op: &mut Op<'_>, wid: &str, id: &str, body: ClientChanges) -> Result<Client> {
    let wid = op.admin_only(wid, "change clients")?;
    let before = client(op, &wid, id)?;
    let mut after = before.clone();
    if let Some(n) = body.name {
        after.name = name(&n, "client", MAX_NAME)?;
    }
    after.archived = body.archived.unwrap_or(after.archived);
    after.note = body.note.unwrap_or(after.note);
    after.address = body.address.unwrap_or(after.address);
    after.email = body.email.unwrap_or(after.email);
    check_email(&after.email)?;
    if after != before {
        let others = op.tx.clients(&wid)?;
        super::unique_name(
            "client",
            id,
            &after.name,
            others.iter().map(|c| (c.id.as_str(), c.name.as_str())),
        )?;
        op.tx.put_client(&after, false)?;
        op.record(
            Category::Projects,
            "client.updated",
            id,
            format!("\"{}\"", after.name),
            json!({"previous": before, "new": after}),
        )?;
    }
    Ok(after)
}

/// Deletes an archived client; its projects keep their time and lose the client.
pub fn delete_client(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Client> {
    let wid = op.admin_only(wid, "delete clients")?;
    let gone = client(op, &wid, id)?;
    if !gone.archived {
        return Err(invalid("archive the client before deleting it"));
    }
    for project in op.tx.projects(&wid)? {
        if project.client_id.as_deref() == Some(id) {
            let mut after = project.clone();
            after.client_id = None;
            op.tx.put_project(&after, false)?;
            op.record(
                Category::Projects,
                "project.updated",
                &project.id,
                format!("\"{}\": client (linked: Client deleted)", project.name),
                json!({"changes": [{"field": "clientId", "previous": id, "new": null}],
                       "linkedTo": {"action": "client.deleted", "targetId": id}}),
            )?;
        }
    }
    op.tx.delete_client(&wid, id)?;
    op.record(
        Category::Projects,
        "client.deleted",
        id,
        format!("\"{}\"", gone.name),
        json!({"client": gone}),
    )?;
    Ok(gone)
}

pub fn tags(op: &mut Op<'_>, wid: &str) -> Result<Vec<Tag>> {
    let wid = op.workspace(wid)?;
    op.tx.tags(&wid)
}

pub fn tag(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Tag> {
    let wid = op.workspace(wid)?;
    op.tx
        .tag(&wid, id)?
        .ok_or_else(|| not_found(format!("tag {id} not found")))
}

pub fn create_tag(op: &mut Op<'_>, wid: &str, body: TagChanges) -> Result<Tag> {
    let wid = op.admin_only(wid, "create tags")?;
    let tag = Tag {
        id: crate::auth::new_id(),
        name: name(body.name.as_deref().unwrap_or(""), "tag", MAX_NAME)?,
        workspace_id: wid,
        archived: body.archived.unwrap_or(false),
    };
    let others = op.tx.tags(&tag.workspace_id)?;
    super::unique_name(
        "tag",
        &tag.id,
        &tag.name,
        others.iter().map(|t| (t.id.as_str(), t.name.as_str())),
    )?;
    op.tx.put_tag(&tag, true)?;
    op.record(
        Category::Projects,
        "tag.created",
        &tag.id,
        format!("\"{}\"", tag.name),
        json!({"tag": tag}),
    )?;
    Ok(tag)
}

pub fn update_tag(op: &mut Op<'_>, wid: &str, id: &str, body: TagChanges) -> Result<Tag> {
    let wid = op.admin_only(wid, "change tags")?;
    let before = tag(op, &wid, id)?;
    let mut after = before.clone();
    if let Some(n) = body.name {
        after.name = name(&n, "tag", MAX_NAME)?;
    }
    after.archived = body.archived.unwrap_or(after.archived);
    if after != before {
        let others = op.tx.tags(&wid)?;
        super::unique_name(
            "tag",
            id,
            &after.name,
            others.iter().map(|t| (t.id.as_str(), t.name.as_str())),
        )?;
        op.tx.put_tag(&after, false)?;
        op.record(
            Category::Projects,
            "tag.updated",
            id,
            format!("\"{}\"", after.name),
            json!({"previous": before, "new": after}),
        )?;
    }
    Ok(after)
}

/// Deletes a tag and takes it off every entry that has it (their time stays).
pub fn delete_tag(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Tag> {
    let wid = op.admin_only(wid, "delete tags")?;
    let gone = tag(op, &wid, id)?;
    for entry in op.tx.entries_with(&wid, EntryRef::Tag(id))? {
        let mut after = entry.clone();
        after.tag_ids.retain(|t| t != id);
        op.linked_entry_change(&entry, &after, "tag.deleted", id)?;
    }
    op.tx.delete_tag(&wid, id)?;
    op.record(
        Category::Projects,
        "tag.deleted",
        id,
        format!("\"{}\"", gone.name),
        json!({"tag": gone}),
    )?;
    Ok(gone)
}
