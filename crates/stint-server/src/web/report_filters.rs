//! The reports' filters (issue 16): members, projects, clients, tags, billable and a
//! description's text, read from a page's query (a key repeated for several choices, as
//! a `<select multiple>` sends them) and applied to the Reports API's request, so that a
//! page, its CSV and its PDF always show the same rows (`ops::reports` decides which).

use std::collections::HashMap;

use axum::http::StatusCode;
use maud::{html, Markup};
use stint_api::{IdFilter, ReportRequest};

use super::common::url_escape;
use super::{PageError, Session};
use crate::storage::Role;
use crate::AppState;

/// Most ids one filter may name (far above any real choice; a guard against bad input).
const MAX_IDS: usize = 500;

/// What a report page is narrowed to; empty lists and `None` mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub users: Vec<String>,
    pub projects: Vec<String>,
    pub clients: Vec<String>,
    pub tags: Vec<String>,
    /// `Some(true)`: billable only; `Some(false)`: non-billable only.
    pub billable: Option<bool>,
    /// Entries whose description contains this text (any case).
    pub description: String,
}

/// A page's query: the last value of each key (for the range and grouping) and the
/// filters (every value of the repeated keys).
pub fn parse_query(raw: Option<&str>) -> Result<(HashMap<String, String>, Filters), PageError> {
    let bad = |m: String| PageError(StatusCode::BAD_REQUEST, m);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| bad("The address's query is not readable.".into()))?;
    let mut last = HashMap::new();
    let mut filters = Filters::default();
    for (key, value) in pairs {
        let list = match key.as_str() {
            "users" => Some(&mut filters.users),
            "projects" => Some(&mut filters.projects),
            "clients" => Some(&mut filters.clients),
            "tags" => Some(&mut filters.tags),
            _ => None,
        };
        match list {
            Some(list) => {
                let v = value.trim();
                if !v.is_empty() && !list.iter().any(|x| x == v) {
                    list.push(v.to_owned());
                }
                if list.len() > MAX_IDS {
                    return Err(bad(format!("Choose at most {MAX_IDS} {key}.")));
                }
            }
            None => {
                last.insert(key, value);
            }
        }
    }
    filters.billable = match last.get("billable").map(|b| b.trim()) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(bad(format!(
                "billable must be true, false or empty, not {other:?}"
            )))
        }
    };
    filters.description = last.get("description").map_or("", |d| d.trim()).to_owned();
    if filters.description.chars().count() > stint_core::MAX_DESCRIPTION_CHARS {
        return Err(bad("The description to look for is too long.".into()));
    }
    Ok((last, filters))
}

impl Filters {
    /// Narrows the Reports API's request to these filters.
    pub fn apply(&self, request: &mut ReportRequest) {
        let ids = |list: &[String]| {
            (!list.is_empty()).then(|| IdFilter {
                ids: list.to_vec(),
                contains: Some("CONTAINS".into()),
            })
        };
        request.users = ids(&self.users);
        request.projects = ids(&self.projects);
        request.clients = ids(&self.clients);
        request.tags = ids(&self.tags);
        request.billable = self.billable;
        request.description = (!self.description.is_empty()).then(|| self.description.clone());
    }

    /// The filters as query text (each part starting with `&`), for links to the same
    /// report as CSV or PDF.
    pub fn query(&self) -> String {
        let mut out = String::new();
        for (key, list) in [
            ("users", &self.users),
            ("projects", &self.projects),
            ("clients", &self.clients),
            ("tags", &self.tags),
        ] {
            for id in list {
                out.push_str(&format!("&{key}={}", url_escape(id)));
            }
        }
        if let Some(b) = self.billable {
            out.push_str(&format!("&billable={b}"));
        }
        if !self.description.is_empty() {
            out.push_str(&format!("&description={}", url_escape(&self.description)));
        }
        out
    }

    /// Refuses a member's filter naming another member (as unknown: 404); admins may
    /// name anyone.
    pub fn check_member(&self, session: &Session) -> Result<(), PageError> {
        if session.user.role != Role::Admin && self.users.iter().any(|u| *u != session.user.id) {
            return Err(PageError(StatusCode::NOT_FOUND, "No such member.".into()));
        }
        Ok(())
    }

    /// Drops ids that name nothing of the workspace's (for an address the server makes
    /// from a form's words).
    pub fn keep_known(&mut self, choices: &Choices) {
        let known = |list: &mut Vec<String>, all: &[(String, String)]| {
            list.retain(|id| all.iter().any(|(i, _)| i == id));
        };
        known(&mut self.users, &choices.members);
        known(&mut self.projects, &choices.projects);
        known(&mut self.clients, &choices.clients);
        known(&mut self.tags, &choices.tags);
    }

    /// One line saying what the report is narrowed to (for the PDF), `None` without
    /// filters.
    pub fn describe(&self, choices: &Choices) -> Option<String> {
        // Only what names something: an unknown id filters nothing out of the rows
        // (a filter matches any of its ids) and would only hide the real filter.
        let named = |list: &[String], all: &[(String, String)]| -> String {
            list.iter()
                .filter_map(|id| all.iter().find(|(i, _)| i == id).map(|(_, n)| n.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        for (label, list, all) in [
            ("Members", &self.users, &choices.members),
            ("Projects", &self.projects, &choices.projects),
            ("Clients", &self.clients, &choices.clients),
            ("Tags", &self.tags, &choices.tags),
        ] {
            let names = named(list, all);
            if !list.is_empty() {
                parts.push(format!(
                    "{label}: {}",
                    if names.is_empty() {
                        "(none of the workspace's)"
                    } else {
                        names.as_str()
                    }
                ));
            }
        }
        match self.billable {
            Some(true) => parts.push("Billable only".into()),
            Some(false) => parts.push("Non-billable only".into()),
            None => {}
        }
        if !self.description.is_empty() {
            parts.push(format!(
                "Description contains \u{201c}{}\u{201d}",
                self.description
            ));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// The filter fields of a report form (inside the page's own `<form>`).
    pub fn fields(&self, choices: &Choices, admin: bool) -> Markup {
        let select = |id: &str, label: &str, chosen: &[String], all: &[(String, String)]| {
            html! {
                label class="filter" { (label) " "
                    select id=(id) name=(id) multiple size=(all.len().clamp(2, 5)) {
                        @for (value, name) in all {
                            option value=(value) selected[chosen.contains(value)] { (name) }
                        }
                    }
                }
            }
        };
        html! {
            fieldset id="filters" class="filters" {
                legend { "Filters" }
                @if admin { (select("users", "Members", &self.users, &choices.members)) }
                (select("projects", "Projects", &self.projects, &choices.projects))
                (select("clients", "Clients", &self.clients, &choices.clients))
                (select("tags", "Tags", &self.tags, &choices.tags))
                label class="filter" { "Billable "
                    select id="billable" name="billable" {
                        option value="" selected[self.billable.is_none()] { "Any" }
                        option value="true" selected[self.billable == Some(true)] { "Billable" }
                        option value="false" selected[self.billable == Some(false)] { "Non-billable" }
                    }
                }
                label class="filter" { "Description contains "
                    input id="description" type="text" name="description" value=(self.description) maxlength="3000";
                }
            }
        }
    }
}

/// What the filters offer: (id, name) pairs, by name; projects with their client.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub members: Vec<(String, String)>,
    pub projects: Vec<(String, String)>,
    pub clients: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

/// The workspace's members (admins only; a member filters nobody but themselves),
/// projects, clients and tags, in one snapshot.
pub async fn choices(state: &AppState, session: &Session) -> Result<Choices, PageError> {
    let w = session.user.workspace_id.clone();
    let admin = session.user.role == Role::Admin;
    let mut found = state
        .db(move |db| {
            let mut found = Choices::default();
            if admin {
                found.members = db
                    .users_in(&w)?
                    .into_iter()
                    .map(|u| (u.id, u.name))
                    .collect();
            }
            db.read(&mut |tx| {
                let clients = tx.clients(&w)?;
                found.projects = tx
                    .projects(&w)?
                    .into_iter()
                    .map(|p| {
                        let client = p
                            .client_id
                            .as_ref()
                            .and_then(|c| clients.iter().find(|x| &x.id == c))
                            .map(|c| format!(" ({})", c.name))
                            .unwrap_or_default();
                        (p.id, format!("{}{client}", p.name))
                    })
                    .collect();
                found.clients = clients.into_iter().map(|c| (c.id, c.name)).collect();
                found.tags = tx.tags(&w)?.into_iter().map(|t| (t.id, t.name)).collect();
                Ok(())
            })?;
            Ok(found)
        })
        .await?;
    for list in [
        &mut found.members,
        &mut found.projects,
        &mut found.clients,
        &mut found.tags,
    ] {
        list.sort_by_cached_key(|(_, name)| name.to_lowercase());
    }
    Ok(found)
}
