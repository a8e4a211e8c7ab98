//! The admin pages for clients and tags (issue 16): one list each with a create form, and
//! rename, archive, restore and delete on every row, through the operations layer. A
//! refused form is shown again with the reason beside it (status 400); a done one
//! redirects with a note.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_api::{ClientChanges, TagChanges};

use super::pages::{nav, page};
use super::{PageError, Posted, Session};
use crate::ops::{catalog, Op};
use crate::{ApiFailure, AppState};

/// Which list a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Client,
    Tag,
}

/// One row, whatever the kind.
struct Named {
    id: String,
    name: String,
    archived: bool,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Client => "/web/clients",
            Kind::Tag => "/web/tags",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Client => "Clients",
            Kind::Tag => "Tags",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Tag => "tag",
        }
    }

    fn list(self, op: &mut Op<'_>, wid: &str) -> crate::ops::Result<Vec<Named>> {
        Ok(match self {
            Kind::Client => catalog::clients(op, wid)?
                .into_iter()
                .map(|c| Named {
                    id: c.id,
                    name: c.name,
                    archived: c.archived,
                })
                .collect(),
            Kind::Tag => catalog::tags(op, wid)?
                .into_iter()
                .map(|t| Named {
                    id: t.id,
                    name: t.name,
                    archived: t.archived,
                })
                .collect(),
        })
    }

    /// Creates one (`id` None) or changes one: renames it, archives or restores it.
    fn save(
        self,
        op: &mut Op<'_>,
        wid: &str,
        id: Option<&str>,
        name: Option<String>,
        archived: Option<bool>,
    ) -> crate::ops::Result<String> {
        Ok(match (self, id) {
            (Kind::Client, None) => {
                let body = ClientChanges {
                    name,
                    archived,
                    ..ClientChanges::default()
                };
                catalog::create_client(op, wid, body)?.name
            }
            (Kind::Client, Some(id)) => {
                let body = ClientChanges {
                    name,
                    archived,
                    ..ClientChanges::default()
                };
                catalog::update_client(op, wid, id, body)?.name
            }
            (Kind::Tag, None) => catalog::create_tag(op, wid, TagChanges { name, archived })?.name,
            (Kind::Tag, Some(id)) => {
                catalog::update_tag(op, wid, id, TagChanges { name, archived })?.name
            }
        })
    }

    fn delete(self, op: &mut Op<'_>, wid: &str, id: &str) -> crate::ops::Result<String> {
        Ok(match self {
            Kind::Client => catalog::delete_client(op, wid, id)?.name,
            Kind::Tag => catalog::delete_tag(op, wid, id)?.name,
        })
    }
}

/// The clients and tags forms' fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NamedForm {
    #[serde(default)]
    name: String,
    /// `rename`, `archive`, `restore` or `delete` for an existing one.
    #[serde(default)]
    action: String,
}

async fn view(
    state: &AppState,
    session: &Session,
    kind: Kind,
    note: Option<&String>,
    problem: Option<&str>,
    draft: &str,
) -> Result<Markup, PageError> {
    session.require_admin(&format!("manage {}s", kind.word()))?;
    let wid = session.user.workspace_id.clone();
    let rows = state
        .read_op(&session.user, move |op| kind.list(op, &wid))
        .await?;
    let path = kind.path();
    Ok(html! {
        (nav(&session.user, &session.csrf))
        h1 { (kind.title()) }
        @if let Some(n) = note { p id="note" class="note" { (n) } }
        @if let Some(p) = problem { p id="problem" class="problem" role="alert" { (p) } }
        table id=(format!("{}s", kind.word())) {
            tbody {
                @for row in &rows {
                    tr class=[row.archived.then_some("archived")] {
                        td {
                            form class="inline" method="post" action=(format!("{path}/{}", row.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                input type="text" name="name" value=(row.name) aria-label=(format!("Name of {}", row.name));
                                " "
                                button name="action" value="rename" type="submit" { "Rename" }
                                " "
                                @if row.archived {
                                    "(archived) "
                                    button name="action" value="restore" type="submit" { "Restore" }
                                    " "
                                    button name="action" value="delete" class="danger" type="submit" { "Delete" }
                                } @else {
                                    button name="action" value="archive" type="submit" { "Archive" }
                                    @if kind == Kind::Tag {
                                        " "
                                        button name="action" value="delete" class="danger" type="submit" { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New " (kind.word()) }
        form id=(format!("new-{}", kind.word())) method="post" action=(path) {
            input type="hidden" name="csrf" value=(session.csrf);
            label { "Name " input id=(format!("{}-name", kind.word())) type="text" name="name" required value=(draft); }
            button id=(format!("create-{}", kind.word())) type="submit" { "Create " (kind.word()) }
        }
    })
}

/// `GET /web/clients` and `/web/tags`.
pub async fn list_page(
    kind: Kind,
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let body = view(&state, &session, kind, q.get("note"), None, "").await?;
    Ok(page(kind.title(), body).into_response())
}

async fn answer(
    state: &AppState,
    session: &Session,
    kind: Kind,
    result: Result<String, ApiFailure>,
    said: &str,
    draft: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(name) => {
            let note = format!("{} {name} {said}.", kind.title().trim_end_matches('s'));
            Ok(super::notes::redirect_noting(kind.path(), &note))
        }
        Err(e) => {
            let body = view(state, session, kind, None, Some(&e.message), draft).await?;
            Ok((e.status, page(kind.title(), body)).into_response())
        }
    }
}

/// `POST /web/clients` and `/web/tags`: a new one.
pub async fn create(
    kind: Kind,
    State(state): State<AppState>,
    Posted { session, form }: Posted<NamedForm>,
) -> Result<Response, PageError> {
    let (wid, name) = (session.user.workspace_id.clone(), form.name.clone());
    let made = state
        .op(
            &session.user,
            move |op| kind.save(op, &wid, None, Some(name), None),
            |_| Ok(None),
        )
        .await;
    answer(&state, &session, kind, made, "created", &form.name).await
}

/// `POST /web/clients/{id}` and `/web/tags/{id}`: rename, archive, restore or delete.
pub async fn change(
    kind: Kind,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { session, form }: Posted<NamedForm>,
) -> Result<Response, PageError> {
    let wid = session.user.workspace_id.clone();
    let name = form.name.clone();
    let (said, result) = match form.action.as_str() {
        "rename" => (
            "renamed",
            state
                .op(
                    &session.user,
                    move |op| kind.save(op, &wid, Some(&id), Some(name), None),
                    |_| Ok(None),
                )
                .await,
        ),
        "archive" => (
            "archived",
            state
                .op(
                    &session.user,
                    move |op| kind.save(op, &wid, Some(&id), None, Some(true)),
                    |_| Ok(None),
                )
                .await,
        ),
        "restore" => (
            "restored from the archive",
            state
                .op(
                    &session.user,
                    move |op| kind.save(op, &wid, Some(&id), None, Some(false)),
                    |_| Ok(None),
                )
                .await,
        ),
        "delete" => (
            "deleted",
            state
                .op(
                    &session.user,
                    move |op| kind.delete(op, &wid, &id),
                    |_| Ok(None),
                )
                .await,
        ),
        _ => {
            return Err(PageError(
                axum::http::StatusCode::BAD_REQUEST,
                "Choose Rename, Archive, Restore or Delete.".into(),
            ))
        }
    };
    answer(&state, &session, kind, result, said, "").await
}
