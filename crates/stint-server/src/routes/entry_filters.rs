//! The query of `GET /workspaces/{wid}/user/{uid}/time-entries` (issue 15): Clockify's
//! filters are applied, never silently ignored. A parameter Stint does not know, or one it
//! does not serve yet (`hydrated=true`, `get-week-before`), is a 400 that says so, rather
//! than an unfiltered list a client would take for the filtered one.

use std::collections::HashMap;

use super::entries::{query_number, query_time};
use crate::storage::EntryFilter;
use crate::ApiFailure;

const MAX_PAGE_SIZE: u32 = 5000;
const DEFAULT_PAGE_SIZE: u32 = 50;

/// The parameters this list takes.
const KNOWN: [&str; 11] = [
    "start",
    "end",
    "in-progress",
    "page",
    "page-size",
    "description",
    "project",
    "task",
    "tags",
    "hydrated",
    "consider-duration-format",
];

/// A list's filter and its page (from 1) and page size.
pub(super) fn entry_query(
    pairs: &[(String, String)],
) -> Result<(EntryFilter, u32, u32), ApiFailure> {
    if let Some((name, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(ApiFailure::bad_request(format!(
            "the query parameter {name:?} is not one Stint applies here (it takes {})",
            KNOWN.join(", ")
        )));
    }
    // Clockify's `tags` may repeat (`tags=a&tags=b`) or list ids with commas.
    let tags: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "tags")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let q: HashMap<String, String> = pairs.iter().cloned().collect();
    for (flag, why) in [
        (
            "hydrated",
            "entries with their project, task and tag objects",
        ),
        (
            "consider-duration-format",
            "durations in the workspace's format",
        ),
    ] {
        match q.get(flag).map(String::as_str) {
            None | Some("false" | "0") => {}
            Some("true" | "1") => {
                return Err(ApiFailure::bad_request(format!(
                    "{flag}=true ({why}) is not served yet; leave it out or false"
                )))
            }
            Some(_) => {
                return Err(ApiFailure::bad_request(format!(
                    "{flag} must be true or false"
                )))
            }
        }
    }
    let text = |name: &str| {
        q.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = EntryFilter {
        start: query_time(&q, "start")?,
        end: query_time(&q, "end")?,
        in_progress: match q.get("in-progress").map(String::as_str) {
            None => None,
            // Clockify's clients send both spellings.
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(_) => {
                return Err(ApiFailure::bad_request(
                    "in-progress must be true or false (or 1 or 0)",
                ))
            }
        },
        description: text("description"),
        project_id: text("project"),
        task_id: text("task"),
        tag_ids: tags,
    };
    let page = query_number(&q, "page", 1, u32::MAX)?;
    let size = query_number(&q, "page-size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    Ok((filter, page, size))
}
