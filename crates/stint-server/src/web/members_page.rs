//! The members page (issue 16, admins): every member with their role and status; add a
//! member by email with a first password or a one-time invitation link; change a role,
//! deactivate or activate, reset an API key (the new key is shown once). The page the
//! invited person opens is `invite_page`. Changes go through the operations layer and are
//! recorded in the audit log.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use maud::{html, Markup};

use super::pages::{nav, page};
use super::{digest, random_token, PageError, Posted, Session};
use crate::ops::members;
use crate::storage::Role;
use crate::{ApiFailure, AppState};

/// How long an invitation link works.
fn invitation_life() -> Duration {
    Duration::days(7)
}

/// What the page says after a change: a note, a problem, a key or link to hand over once.
#[derive(Default)]
struct Said<'a> {
    /// The add form as typed, shown again after a refusal.
    draft: Option<&'a AddForm>,
    note: Option<&'a str>,
    problem: Option<&'a str>,
    secret: Option<(&'a str, String)>,
}

async fn view(state: &AppState, session: &Session, said: Said<'_>) -> Result<Markup, PageError> {
    session.require_admin("manage members")?;
    let wid = session.user.workspace_id.clone();
    let all = state.db(move |db| db.users_in(&wid)).await?;
    Ok(html! {
        (nav(&session.user, &session.csrf))
        h1 { "Members" }
        @if let Some(n) = said.note { p id="note" class="note" { (n) } }
        @if let Some(p) = said.problem { p id="problem" class="problem" role="alert" { (p) } }
        @if let Some((what, value)) = &said.secret {
            p id="secret" class="note" { (what) ": " code id="secret-value" { (value) } " (shown once: copy it now)" }
        }
        table id="members" {
            thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Status" } th {} } }
            tbody {
                @for m in &all {
                    tr class=[(!m.active).then_some("archived")] {
                        td { (m.name) }
                        td { (m.email) }
                        td {
                            form class="inline" method="post" action=(format!("/web/members/{}", m.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                select name="role" aria-label=(format!("Role of {}", m.name)) {
                                    option value="regular" selected[m.role == Role::Regular] { "Member" }
                                    option value="admin" selected[m.role == Role::Admin] { "Admin" }
                                }
                                " "
                                button name="action" value="role" type="submit" { "Change role" }
                            }
                        }
                        td { @if m.active { "Active" } @else { "Inactive" } }
                        td {
                            form class="inline" method="post" action=(format!("/web/members/{}", m.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                @if m.active {
                                    button name="action" value="deactivate" class="danger" type="submit" { "Deactivate" }
                                } @else {
                                    button name="action" value="activate" type="submit" { "Activate" }
                                }
                                " "
                                button name="action" value="reset_key" type="submit" { "Reset API key" }
                                " "
                                button name="action" value="invite" type="submit" { "New invitation link" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add a member" }
        form id="add-member" method="post" action="/web/members" {
            input type="hidden" name="csrf" value=(session.csrf);
            @let typed = |f: fn(&AddForm) -> &str| said.draft.map(f).unwrap_or("");
            label { "Email " input id="member-email" type="email" name="email" required value=(typed(|d| &d.email)); }
            label { "Name " input id="member-name" type="text" name="name" required value=(typed(|d| &d.name)); }
            label { "Role "
                select id="member-role" name="role" {
                    option value="regular" { "Member" }
                    option value="admin" selected[typed(|d| &d.role) == "admin"] { "Admin" }
                }
            }
            label { "First password (10 characters at least; leave empty for an invitation link) "
                input id="member-password" type="password" name="password" autocomplete="new-password"; }
            button id="add" type="submit" { "Add member" }
        }
    })
}

pub async fn members_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let said = Said {
        note: q.get("note").map(String::as_str),
        ..Said::default()
    };
    Ok(page("Members", view(&state, &session, said).await?).into_response())
}

/// The invitation link for a token, on the address the admin reached this server by.
fn invitation_link(headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("this-server");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|p| p.as_bytes() == b"https");
    format!(
        "{}://{host}/web/invite/{token}",
        if https { "https" } else { "http" }
    )
}

async fn shown(
    state: &AppState,
    session: &Session,
    result: Result<Said<'_>, ApiFailure>,
) -> Result<Response, PageError> {
    match result {
        Ok(said) => Ok(page("Members", view(state, session, said).await?).into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            Err(e.into())
        }
        Err(e) => {
            let said = Said {
                problem: Some(&e.message),
                ..Said::default()
            };
            let body = view(state, session, said).await?;
            Ok((e.status, page("Members", body)).into_response())
        }
    }
}

/// The page again after a refused add, with the reason and what was typed.
async fn refused_add(
    state: &AppState,
    session: &Session,
    e: ApiFailure,
    form: &AddForm,
) -> Result<Response, PageError> {
    if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND {
        return Err(e.into());
    }
    let said = Said {
        draft: Some(form),
        problem: Some(&e.message),
        ..Said::default()
    };
    let body = view(state, session, said).await?;
    Ok((e.status, page("Members", body)).into_response())
}

/// Makes an invitation for `uid` and returns its link.
async fn invite(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    uid: &str,
) -> Result<String, ApiFailure> {
    let token = random_token();
    let (wid, uid, hash) = (
        session.user.workspace_id.clone(),
        uid.to_owned(),
        digest(&token),
    );
    let expires = (state.clock)() + invitation_life();
    state
        .op(
            &session.user,
            move |op| members::invite(op, &wid, &uid, &hash, expires),
            |_| Ok(None),
        )
        .await?;
    Ok(invitation_link(headers, &token))
}

#[derive(serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted { session, form }: Posted<AddForm>,
) -> Result<Response, PageError> {
    let Some(role) = Role::parse(if form.role.is_empty() {
        "regular"
    } else {
        &form.role
    }) else {
        let e = ApiFailure::bad_request("Choose Member or Admin.");
        return refused_add(&state, &session, e, &form).await;
    };
    if !form.password.is_empty() && form.password.chars().count() < 10 {
        let e = ApiFailure::bad_request("A first password needs at least 10 characters.");
        return refused_add(&state, &session, e, &form).await;
    }
    let hash = if form.password.is_empty() {
        None
    } else {
        let password = form.password.clone();
        let hashed =
            tokio::task::spawn_blocking(move || crate::auth::hash_password(&password)).await;
        match hashed {
            Ok(Ok(h)) => Some(h),
            _ => {
                return Err(PageError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Could not set the password.".into(),
                ))
            }
        }
    };
    let wid = session.user.workspace_id.clone();
    let (email, name) = (form.email.clone(), form.name.clone());
    let added = state
        .op(
            &session.user,
            move |op| {
                let (user, key) = members::add(op, &wid, &email, &name, role)?;
                if let Some(hash) = &hash {
                    op.tx.set_member_password(&user.id, hash)?;
                }
                Ok((user, key))
            },
            |_| Ok(None),
        )
        .await;
    let (user, key) = match added {
        Ok(done) => done,
        Err(e) => return refused_add(&state, &session, e, &form).await,
    };
    let note = if form.password.is_empty() {
        let link = match invite(&state, &session, &headers, &user.id).await {
            Ok(link) => link,
            Err(e) => return shown(&state, &session, Err(e)).await,
        };
        format!("{} added. Send them this one-time link to set a password (it works for 7 days): {link}", user.name)
    } else {
        format!(
            "{} added; they sign in with their email and the first password.",
            user.name
        )
    };
    let said = Said {
        note: Some(&note),
        secret: Some(("Their API key (for the desktop app)", key)),
        ..Said::default()
    };
    shown(&state, &session, Ok(said)).await
}

#[derive(serde::Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
}

pub async fn change_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uid): Path<String>,
    Posted { session, form }: Posted<MemberForm>,
) -> Result<Response, PageError> {
    let wid = session.user.workspace_id.clone();
    let u = uid.clone();
    let result = match form.action.as_str() {
        "role" => {
            let role = Role::parse(&form.role).ok_or_else(|| {
                PageError(StatusCode::BAD_REQUEST, "Choose Member or Admin.".into())
            })?;
            state
                .op(
                    &session.user,
                    move |op| members::update(op, &wid, &u, Some(role), None),
                    |_| Ok(None),
                )
                .await
                .map(|m| {
                    format!(
                        "{} is now {}.",
                        m.name,
                        if m.role == Role::Admin {
                            "an admin"
                        } else {
                            "a member"
                        }
                    )
                })
        }
        "deactivate" | "activate" => {
            let active = form.action == "activate";
            state
                .op(
                    &session.user,
                    move |op| members::update(op, &wid, &u, None, Some(active)),
                    |_| Ok(None),
                )
                .await
                .map(|m| {
                    format!(
                        "{} is {}.",
                        m.name,
                        if m.active {
                            "active"
                        } else {
                            "inactive: their key and sign-in stop working"
                        }
                    )
                })
        }
        "reset_key" => {
            let key = state
                .op(
                    &session.user,
                    move |op| members::reset_key(op, &wid, &u),
                    |_| Ok(None),
                )
                .await;
            return match key {
                Ok(key) => {
                    let said = Said {
                        note: Some("The old key and the member's web sessions no longer work."),
                        secret: Some(("The new API key", key)),
                        ..Said::default()
                    };
                    shown(&state, &session, Ok(said)).await
                }
                Err(e) => shown(&state, &session, Err(e)).await,
            };
        }
        "invite" => {
            // The link is a secret: shown once in the page, never put in a URL.
            return match invite(&state, &session, &headers, &uid).await {
                Ok(link) => {
                    let said = Said {
                        note: Some(
                            "Send this one-time link; it works for 7 days and ends any earlier one.",
                        ),
                        secret: Some(("Invitation link", link)),
                        ..Said::default()
                    };
                    shown(&state, &session, Ok(said)).await
                }
                Err(e) => shown(&state, &session, Err(e)).await,
            };
        }
        _ => {
            return Err(PageError(
                StatusCode::BAD_REQUEST,
                "Choose a change.".into(),
            ))
        }
    };
    match result {
        Ok(note) => Ok(super::notes::redirect_noting("/web/members", &note)),
        Err(e) => shown(&state, &session, Err(e)).await,
    }
}
