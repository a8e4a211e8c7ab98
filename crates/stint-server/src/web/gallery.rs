//! Activity > Screenshots: a day (in the viewer's time zone) at a time (the last 7 days), every member with the
//! day's count (a regular user sees only themselves), a member's thumbnails, a gallery view
//! that steps through them, and delete under the deletion rules with their messages.
//! Pictures are served only to a signed-in session with the same rule as the API. A
//! monitor sent as a "private" tile is labelled and counted; capture sets the member
//! discarded before upload are listed with the time each cut (issue 19), never a picture.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use maud::html;

use super::common::url_escape;
use super::pages::{nav, page};
use super::{PageError, Posted, Session};
use crate::routes::screenshots::{delete_set_as, picture_for};
use crate::storage::{CaptureSetRow, DiscardRow, Role, UserRow};
use crate::AppState;

const DAYS: i64 = 7;
/// Discards listed for one member's day; a day holds at most 288 five-minute captures, so
/// more can only come from a client that reports what it never took.
const MAX_DISCARDS_SHOWN: usize = 300;

/// The day the query names (one of the last 7 in the viewer's time zone), else today.
fn chosen_day(q: &HashMap<String, String>, session: &Session) -> NaiveDate {
    let today = session.today(Utc::now());
    q.get("date")
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(|d| *d <= today && *d > today - Duration::days(DAYS))
        .unwrap_or(today)
}

/// The members the session may look at.
async fn visible_users(state: &AppState, session: &Session) -> Result<Vec<UserRow>, PageError> {
    if session.user.role != Role::Admin {
        return Ok(vec![session.user.clone()]);
    }
    let wid = session.user.workspace_id.clone();
    Ok(state.db(move |db| db.users_in(&wid)).await?)
}

async fn sets_of(
    state: &AppState,
    workspace: &str,
    user: Option<&str>,
    zone: chrono_tz::Tz,
    day: NaiveDate,
) -> Result<Vec<CaptureSetRow>, PageError> {
    let (start, end) = super::common::day_bounds(zone, day, day);
    let (w, u) = (workspace.to_owned(), user.map(str::to_owned));
    Ok(state
        .db(move |db| db.capture_sets(&w, u.as_deref(), start, end))
        .await?)
}

async fn discards_of(
    state: &AppState,
    workspace: &str,
    zone: chrono_tz::Tz,
    day: NaiveDate,
) -> Result<Vec<DiscardRow>, PageError> {
    let (start, end) = super::common::day_bounds(zone, day, day);
    let w = workspace.to_owned();
    Ok(state
        .db(move |db| db.discards(&w, None, start, end))
        .await?)
}

fn day_link(day: NaiveDate, user: Option<&str>) -> String {
    match user {
        Some(u) => format!("/web/screenshots?date={day}&user={}", url_escape(u)),
        None => format!("/web/screenshots?date={day}"),
    }
}

pub async fn day_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match render_day(&state, &session, &q).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn render_day(
    state: &AppState,
    session: &Session,
    q: &HashMap<String, String>,
) -> Result<Response, PageError> {
    let day = chosen_day(q, session);
    let today = session.today(Utc::now());
    let users = visible_users(state, session).await?;
    let all = sets_of(state, &session.user.workspace_id, None, session.zone, day).await?;
    let discarded = discards_of(state, &session.user.workspace_id, session.zone, day).await?;
    let selected = match q.get("user") {
        Some(u) if users.iter().any(|x| &x.id == u) => Some(u.clone()),
        Some(_) => return Err(PageError(StatusCode::NOT_FOUND, "No such member.".into())),
        None => None,
    };
    let count = |uid: &str| -> usize {
        all.iter()
            .filter(|s| s.user_id == uid)
            .map(|s| s.screenshots.len())
            .sum()
    };
    let private = |uid: &str| -> usize {
        all.iter()
            .filter(|s| s.user_id == uid)
            .flat_map(|s| &s.screenshots)
            .filter(|p| p.private)
            .count()
    };
    let discards = |uid: &str| -> (usize, i64) {
        discarded
            .iter()
            .filter(|d| d.user_id == uid)
            .fold((0, 0), |(n, cut), d| (n + 1, cut + d.removed_seconds))
    };
    let shown_discards: Vec<&DiscardRow> = discarded
        .iter()
        .filter(|d| Some(&d.user_id) == selected.as_ref())
        .collect();
    let shown: Vec<&CaptureSetRow> = all
        .iter()
        .filter(|s| Some(&s.user_id) == selected.as_ref())
        .collect();
    let note = q.get("note");
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Screenshots" }
        @if let Some(n) = note { p id="note" class="note" { (n) } }
        p class="days" {
            @if day > today - Duration::days(DAYS - 1) {
                a id="previous-day" href=(day_link(day - Duration::days(1), selected.as_deref())) { "← previous day" }
            }
            " " strong id="day" { (day.format("%A %-d %B %Y")) } " (" (session.zone.name()) ") "
            @if day < today {
                a id="next-day" href=(day_link(day + Duration::days(1), selected.as_deref())) { "next day →" }
            }
        }
        ul id="members" {
            @for u in &users {
                li {
                    a class="member" href=(day_link(day, Some(&u.id))) data-user=(u.id) { (u.name) }
                    " — " span class="count" { (count(&u.id)) } " screenshots"
                    @let hidden = private(&u.id);
                    @if hidden > 0 { ", " span class="private-count" { (hidden) } " private" }
                    @let (n, cut) = discards(&u.id);
                    @if n > 0 {
                        ", " span class="discarded-count" { (n) } " discarded before upload ("
                        span class="discarded-cut" { (crate::ops::discards::cut_text(cut)) } " cut)"
                    }
                }
            }
        }
        @if selected.is_some() {
            div id="thumbnails" {
                @for set in &shown {
                    @for shot in &set.screenshots {
                        figure class=(if shot.private { "thumb private" } else { "thumb" }) {
                            @if shot.private { span class="private-label" { "Private" } }
                            a href=(format!("/web/screenshots/view?date={day}&user={}&shot={}", set.user_id, shot.id)) {
                                img src=(format!("/web/images/{}", shot.id)) width="240" alt=(format!("Screenshot of {} at {}", shot.monitor.name, session.show(set.captured, "%H:%M")));
                            }
                            figcaption { span class="time" { (session.show(set.captured, "%H:%M:%S")) } " " (shot.monitor.name) }
                            (delete_form(&session.csrf, &set.id, day, &set.user_id))
                        }
                    }
                }
                @if shown.is_empty() { p { "No screenshots on this day." } }
            }
            @if !shown_discards.is_empty() {
                h2 { "Discarded before upload" }
                ul id="discarded" {
                    @for d in shown_discards.iter().take(MAX_DISCARDS_SHOWN) {
                        li class="discarded" {
                            span class="time" { (session.show(d.captured, "%H:%M:%S")) } ": "
                            (d.monitors) " monitor" @if d.monitors != 1 { "s" } ", "
                            span class="cut" { (crate::ops::discards::cut_text(d.removed_seconds)) } " cut from the entry"
                        }
                    }
                }
                @if shown_discards.len() > MAX_DISCARDS_SHOWN {
                    p { "and " (shown_discards.len() - MAX_DISCARDS_SHOWN) " more (the count above holds them all)" }
                }
            }
        }
    };
    Ok(page("Screenshots", body).into_response())
}

fn delete_form(csrf: &str, set_id: &str, day: NaiveDate, user: &str) -> maud::Markup {
    html! {
        form method="post" action="/web/screenshots/delete" class="delete" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="set" value=(set_id);
            input type="hidden" name="date" value=(day.to_string());
            input type="hidden" name="user" value=(user);
            button type="submit" { "Delete" }
        }
    }
}

/// One picture large, with the previous and next of that member's day.
pub async fn view_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = chosen_day(&q, &session);
    let user = q.get("user").cloned().unwrap_or_default();
    if user != session.user.id && session.user.role != Role::Admin {
        return Err(PageError(
            StatusCode::NOT_FOUND,
            "No such screenshot.".into(),
        ));
    }
    let sets = sets_of(
        &state,
        &session.user.workspace_id,
        Some(&user),
        session.zone,
        day,
    )
    .await?;
    let shots: Vec<(&CaptureSetRow, &crate::storage::ScreenshotRow)> = sets
        .iter()
        .flat_map(|s| s.screenshots.iter().map(move |p| (s, p)))
        .collect();
    let wanted = q.get("shot").cloned().unwrap_or_default();
    let at = shots
        .iter()
        .position(|(_, p)| p.id == wanted)
        .ok_or_else(|| PageError(StatusCode::NOT_FOUND, "No such screenshot.".into()))?;
    let (set, shot) = shots[at];
    let link = |i: usize| {
        format!(
            "/web/screenshots/view?date={day}&user={user}&shot={}",
            shots[i].1.id
        )
    };
    let body = html! {
        (nav(&session.user, &session.csrf))
        h1 { "Screenshot " (at + 1) " of " (shots.len()) }
        p {
            @if at > 0 { a id="previous" href=(link(at - 1)) { "← previous" } " " }
            span id="when" { (session.show(set.captured, "%Y-%m-%d %H:%M:%S %Z")) } " " (shot.monitor.name)
            @if at + 1 < shots.len() { " " a id="next" href=(link(at + 1)) { "next →" } }
        }
        img id="picture" src=(format!("/web/images/{}", shot.id)) alt="Screenshot";
        (delete_form(&session.csrf, &set.id, day, &user))
        p { a href=(day_link(day, Some(&user))) { "Back to the day" } }
    };
    Ok(page("Screenshot", body).into_response())
}

pub async fn image(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    match picture_for(&state, &session.user, &id).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Posted { session, form }: Posted<HashMap<String, String>>,
) -> Response {
    let set = form.get("set").cloned().unwrap_or_default();
    // The way back names a member only if the session may see them; it is made before the
    // delete, so nothing can fail after it.
    let user = match visible_users(&state, &session).await {
        Ok(users) => form
            .get("user")
            .filter(|u| users.iter().any(|v| v.id == **u))
            .cloned(),
        Err(e) => return e.into_response(),
    };
    let day = chosen_day(&form, &session);
    let back = |note: &str| super::notes::redirect_noting(&day_link(day, user.as_deref()), note);
    match delete_set_as(&state, &session.user, &set).await {
        Ok(outcome) if outcome.entry_deleted => {
            back("Deleted; it was the entry's only screenshot, so the time entry was deleted too.")
        }
        Ok(outcome) if outcome.removed_seconds > 0 => back(&format!(
            "Deleted; {} minutes were taken out of the time entry.",
            (outcome.removed_seconds + 59) / 60
        )),
        Ok(_) => back("Deleted."),
        Err(e) => PageError::from(e).into_response(),
    }
}
