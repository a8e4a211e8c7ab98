//! The queries of the catalog's and the members' lists (issue 15): Clockify's `name`,
//! `strict-name-search`, `page` and `page-size`, plus each list's own filters (`archived`,
//! `is-active`, `email`, …), and a `Last-Page` header (every page used to hold every project, so a client's page loop
//! never ended). A parameter Stint does not apply is a 400, not an unfiltered list.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue};
use stint_api::{Project, LAST_PAGE_HEADER};

use super::entries::{query_flag, query_map, query_number};
use crate::ApiFailure;

/// What every list takes (lists of things that can be archived also take `archived`).
const COMMON: [&str; 4] = ["name", "strict-name-search", "page", "page-size"];

/// A list's query, read and checked.
pub(super) struct ListQuery {
    name: Option<String>,
    strict: bool,
    pub archived: Option<bool>,
    page: usize,
    size: usize,
    /// Every parameter as given (for the list's own filters).
    pub q: HashMap<String, String>,
}

impl ListQuery {
    /// Reads the common parameters and `own` ones (`archived` among them where the list
    /// has it); any other is a 400.
    pub fn parse(pairs: &[(String, String)], own: &[&str]) -> Result<ListQuery, ApiFailure> {
        let known: Vec<&str> = COMMON.iter().chain(own).copied().collect();
        let q = query_map(pairs, &known, &[])?;
        Ok(ListQuery {
            name: q
                .get("name")
                .map(|n| n.trim().to_lowercase())
                .filter(|n| !n.is_empty()),
            strict: query_flag(&q, "strict-name-search")?.unwrap_or(false),
            archived: query_flag(&q, "archived")?,
            page: query_number(&q, "page", 1, u32::MAX)? as usize,
            size: query_number(&q, "page-size", 50, 5000)? as usize,
            q,
        })
    }

    /// Whether `name` is one the query asks for (whole with `strict-name-search`, else
    /// containing the text; any case).
    pub fn name_matches(&self, name: &str) -> bool {
        match &self.name {
            None => true,
            Some(n) if self.strict => name.to_lowercase() == *n,
            Some(n) => name.to_lowercase().contains(n.as_str()),
        }
    }

    /// The asked page of `matching`, with its `Last-Page` header.
    pub fn page<T>(&self, matching: Vec<T>) -> (HeaderMap, Vec<T>) {
        let skip = (self.page - 1).saturating_mul(self.size);
        let last = matching.len() <= skip.saturating_add(self.size);
        let list = matching.into_iter().skip(skip).take(self.size).collect();
        let mut headers = HeaderMap::new();
        headers.insert(
            LAST_PAGE_HEADER,
            HeaderValue::from_static(if last { "true" } else { "false" }),
        );
        (headers, list)
    }
}

/// One page of `projects` (sorted by name) as the query asks, with its `Last-Page` header.
/// The query keys of the projects list besides the common ones.
const PROJECT_KEYS: [&str; 4] = ["archived", "billable", "clients", "hydrated"];

/// Whether the projects list asks for each project's tasks (`hydrated`, Clockify's).
pub(super) fn hydrated(pairs: &[(String, String)]) -> Result<bool, ApiFailure> {
    let query = ListQuery::parse(pairs, &PROJECT_KEYS)?;
    Ok(query_flag(&query.q, "hydrated")?.unwrap_or(false))
}

pub(super) fn projects_page(
    projects: Vec<Project>,
    pairs: &[(String, String)],
) -> Result<(HeaderMap, Vec<Project>), ApiFailure> {
    let query = ListQuery::parse(pairs, &PROJECT_KEYS)?;
    let billable = query_flag(&query.q, "billable")?;
    let clients: Vec<&str> = query
        .q
        .get("clients")
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let matching = projects
        .into_iter()
        .filter(|p| query.name_matches(&p.name))
        .filter(|p| query.archived.is_none_or(|a| p.archived == a))
        .filter(|p| billable.is_none_or(|b| p.billable == b))
        .filter(|p| {
            clients.is_empty() || p.client_id.as_deref().is_some_and(|c| clients.contains(&c))
        })
        .collect();
    Ok(query.page(matching))
}
