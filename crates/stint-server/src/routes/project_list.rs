//! The query of `GET /workspaces/{wid}/projects` (issue 15): Clockify's filters and paging
//! with a `Last-Page` header (every page used to hold every project, so a client's page
//! loop never ended). A parameter Stint does not apply is a 400, not an unfiltered list.

use axum::http::{HeaderMap, HeaderValue};
use stint_api::{Project, LAST_PAGE_HEADER};

use super::entries::{query_flag, query_map, query_number};
use crate::ApiFailure;

const KNOWN: [&str; 7] = [
    "name",
    "strict-name-search",
    "archived",
    "billable",
    "clients",
    "page",
    "page-size",
];

/// One page of `projects` (sorted by name) as the query asks, with its `Last-Page` header.
pub(super) fn page_of(
    projects: Vec<Project>,
    pairs: &[(String, String)],
) -> Result<(HeaderMap, Vec<Project>), ApiFailure> {
    let q = query_map(pairs, &KNOWN, &[])?;
    let name = q
        .get("name")
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty());
    let strict = query_flag(&q, "strict-name-search")?.unwrap_or(false);
    let archived = query_flag(&q, "archived")?;
    let billable = query_flag(&q, "billable")?;
    let clients: Vec<&str> = q
        .get("clients")
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let page = query_number(&q, "page", 1, u32::MAX)? as usize;
    let size = query_number(&q, "page-size", 50, 5000)? as usize;
    let matching: Vec<Project> = projects
        .into_iter()
        .filter(|p| match &name {
            None => true,
            Some(n) if strict => p.name.to_lowercase() == *n,
            Some(n) => p.name.to_lowercase().contains(n.as_str()),
        })
        .filter(|p| archived.is_none_or(|a| p.archived == a))
        .filter(|p| billable.is_none_or(|b| p.billable == b))
        .filter(|p| {
            clients.is_empty() || p.client_id.as_deref().is_some_and(|c| clients.contains(&c))
        })
        .collect();
    let skip = (page - 1).saturating_mul(size);
    let last = matching.len() <= skip.saturating_add(size);
    let list = matching.into_iter().skip(skip).take(size).collect();
    let mut headers = HeaderMap::new();
    headers.insert(
        LAST_PAGE_HEADER,
        HeaderValue::from_static(if last { "true" } else { "false" }),
    );
    Ok((headers, list))
}
