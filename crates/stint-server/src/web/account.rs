//! Signing in (email and password, or an API key; the browser's time zone comes along) and
//! out, and what a signed-in user sets for themselves: their password and their time zone.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use chrono::Utc;

use super::{
    cookie, digest, pages, random_token, same, PageError, Posted, SESSION_COOKIE, SIGN_IN_COOKIE,
};
use crate::storage::UserRow;
use crate::AppState;

pub(super) async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let token = random_token();
    let jar = jar.add(cookie(&state, &headers, SIGN_IN_COOKIE, token.clone()));
    (jar, pages::sign_in(&token, None)).into_response()
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let expected = jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_owned());
    let token_ok = matches!((&expected, form.get("csrf")), (Some(a), Some(b)) if same(a, b));
    if !token_ok {
        return PageError(
            StatusCode::FORBIDDEN,
            "This sign-in form has expired. Reload the page and try again.".into(),
        )
        .into_response();
    }
    let user = match authenticate(&state, &form).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let token = random_token();
            let jar = jar.add(cookie(&state, &headers, SIGN_IN_COOKIE, token.clone()));
            tracing::info!("a web sign-in was refused");
            return (
                StatusCode::UNAUTHORIZED,
                jar,
                pages::sign_in(&token, Some("Wrong email, password or API key.")),
            )
                .into_response();
        }
        Err(e) => return e.into_response(),
    };
    let id = random_token();
    let (id_hash, user_id, csrf) = (digest(&id), user.id.clone(), random_token());
    let expires = Utc::now() + state.web.session_ttl;
    if let Err(e) = state
        .db(move |db| db.create_session(&id_hash, &user_id, &csrf, expires))
        .await
    {
        return PageError::from(e).into_response();
    }
    tracing::info!(user = %user.email, "signed in on the web");
    // The browser's time zone (the sign-in page's script fills it in) becomes the user's
    // until they choose another.
    if let Some(zone) = form
        .get("time_zone")
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
    {
        let uid = user.id.clone();
        let saved = state
            .db(move |db| {
                if db.time_zone(&uid)?.is_none() {
                    db.set_time_zone(&uid, zone.name())?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = saved {
            tracing::warn!("could not keep the browser's time zone: {}", e.message);
        }
    }
    let method = if form.get("api_key").is_some_and(|k| !k.trim().is_empty()) {
        "API key"
    } else {
        "password"
    };
    let event = crate::audit::Event {
        category: crate::audit::Category::Users,
        action: "user.signed_in",
        target_id: &user.id,
        summary: format!("{} signed in on the web", user.email),
        details: serde_json::json!({"method": method}),
    };
    crate::audit::record(
        &state,
        &user.workspace_id,
        crate::audit::Author::User(&user),
        event,
    )
    .await;
    let jar = jar
        .remove(Cookie::build(SIGN_IN_COOKIE).path("/web"))
        .add(cookie(&state, &headers, SESSION_COOKIE, id));
    (jar, Redirect::to("/web")).into_response()
}

/// Email and password, or an API key.
async fn authenticate(
    state: &AppState,
    form: &HashMap<String, String>,
) -> Result<Option<UserRow>, PageError> {
    if let Some(key) = form.get("api_key").filter(|k| !k.trim().is_empty()) {
        let key = key.trim().to_owned();
        return Ok(state.db(move |db| db.authenticate(&key)).await?);
    }
    let (Some(email), Some(password)) = (form.get("email"), form.get("password")) else {
        return Ok(None);
    };
    let (email, password) = (email.trim().to_owned(), password.clone());
    // Guessing is limited per email, in the database, so on every server alike; a refused
    // try costs no hashing.
    let folded = email.to_lowercase();
    let now = Utc::now();
    let since = now - FAILURE_WINDOW;
    let key = folded.clone();
    let failures = state.db(move |db| db.sign_in_failures(&key, since)).await?;
    if let Some(wait) = wait_after_failures(&failures, now) {
        let minutes = (wait.num_seconds() + 59) / 60;
        tracing::warn!(
            "web sign-ins for an email are held back after {} failures",
            failures.len()
        );
        return Err(PageError(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many wrong passwords for this email. Try again in {minutes} minute{}, or \
                 sign in with your API key.",
                if minutes == 1 { "" } else { "s" }
            ),
        ));
    }
    let candidates = state.db(move |db| db.users_by_email(&email)).await?;
    // Hashing is deliberately slow: off the async threads.
    let found = tokio::task::spawn_blocking(move || {
        candidates.into_iter().find_map(|(user, hash)| {
            let hash = hash?;
            crate::auth::verify_password(&password, &hash).then_some(user)
        })
    })
    .await
    .map_err(|e| PageError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let noted = match found {
        Some(_) => state.db(move |db| db.clear_sign_in_failures(&folded)).await,
        None => {
            state
                .db(move |db| db.note_sign_in_failure(&folded, now, since))
                .await
        }
    };
    if let Err(e) = noted {
        tracing::warn!(
            "could not keep the sign-in's outcome for the guessing limit: {}",
            e.message
        );
    }
    Ok(found)
}

/// Failed password sign-ins one email may have within [`FAILURE_WINDOW`]; the next ones
/// are refused until the oldest of them is older than the window.
const MAX_FAILURES: usize = 10;

/// How far back failed sign-ins count.
const FAILURE_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// How long sign-ins wait after `failures` (the window's, oldest first) at `now`: `None`
/// while fewer than [`MAX_FAILURES`] are in the window.
fn wait_after_failures(
    failures: &[chrono::DateTime<Utc>],
    now: chrono::DateTime<Utc>,
) -> Option<chrono::Duration> {
    let recent: Vec<_> = failures
        .iter()
        .filter(|at| **at > now - FAILURE_WINDOW)
        .collect();
    if recent.len() < MAX_FAILURES {
        return None;
    }
    // Free again once enough of them have aged out of the window.
    let freeing = recent[recent.len() - MAX_FAILURES];
    Some((*freeing + FAILURE_WINDOW - now).max(chrono::Duration::seconds(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_in_a_quarter_hour_hold_sign_ins_until_the_oldest_ages_out() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |min: i64| now - chrono::Duration::minutes(min);
        let nine: Vec<_> = (1..=9).map(at).collect();
        assert_eq!(wait_after_failures(&nine, now), None);
        let mut ten: Vec<_> = (1..=10).rev().map(at).collect();
        // The oldest (10 minutes ago) leaves the window in 5 minutes.
        assert_eq!(
            wait_after_failures(&ten, now),
            Some(chrono::Duration::minutes(5))
        );
        // One older than the window does not count.
        ten[0] = at(20);
        assert_eq!(wait_after_failures(&ten, now), None);
    }
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    // Only the CSRF check matters: a sign-out from another site is refused.
    _: Posted<HashMap<String, String>>,
) -> Response {
    if let Some(id) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        let _ = state.db(move |db| db.delete_session(&digest(&id))).await;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/web"));
    (jar, Redirect::to("/web/sign-in")).into_response()
}

/// The only script of the pages: the sign-in form sends the browser's time zone, the
/// default for the pages' days and times until the user chooses one.
pub(super) const ZONE_SCRIPT: &str =
    "document.querySelectorAll('input[name=time_zone]').forEach(function (i) {\n  \
    try { i.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) {}\n});\n";

#[derive(serde::Deserialize)]
pub(super) struct ZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// A signed-in user chooses the time zone their pages' days and times are in.
pub(super) async fn set_zone(
    State(state): State<AppState>,
    Posted { session, form }: Posted<ZoneForm>,
) -> Response {
    let Ok(zone) = form.time_zone.parse::<chrono_tz::Tz>() else {
        return PageError(
            StatusCode::BAD_REQUEST,
            format!(
                "{:?} is not a time zone such as Europe/Berlin.",
                form.time_zone.chars().take(64).collect::<String>()
            ),
        )
        .into_response();
    };
    let uid = session.user.id.clone();
    match state
        .db(move |db| db.set_time_zone(&uid, zone.name()))
        .await
    {
        Ok(()) => Redirect::to("/web").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The password form's fields (a field left out reads as empty).
#[derive(serde::Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

/// A signed-in user sets their own password (10 characters at least, typed twice).
pub(super) async fn set_password(
    State(state): State<AppState>,
    Posted { session, form }: Posted<PasswordForm>,
) -> Response {
    let password = form.password;
    if password.chars().count() < 10 || form.repeat != password {
        return PageError(
            StatusCode::BAD_REQUEST,
            "The password needs at least 10 characters, typed the same twice.".into(),
        )
        .into_response();
    }
    let hash =
        match tokio::task::spawn_blocking(move || crate::auth::hash_password(&password)).await {
            Ok(Ok(hash)) => hash,
            _ => {
                return PageError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Could not set the password.".into(),
                )
                .into_response()
            }
        };
    let user = session.user.clone();
    let w = user.workspace_id.clone();
    let saved = state
        .db(move |db| {
            let name = db.workspace(&w)?.map(|ws| ws.name).unwrap_or_default();
            db.set_password(&name, &user.email, &hash)
        })
        .await;
    match saved {
        Ok(true) => (
            StatusCode::OK,
            pages::message("Password", "Your password is set."),
        )
            .into_response(),
        Ok(false) => PageError(StatusCode::NOT_FOUND, "No such user.".into()).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The delete-my-account form: the user's email, typed to confirm.
#[derive(serde::Deserialize)]
pub(super) struct DeleteAccountForm {
    #[serde(default)]
    confirm: String,
}

/// A signed-in member deletes their own account and all its data (entries, screenshots,
/// notices, sessions; the audit log keeps only that it happened, as System), then is
/// signed out. The last admin is refused.
pub(super) async fn delete_account(
    State(state): State<AppState>,
    jar: CookieJar,
    Posted { session, form }: Posted<DeleteAccountForm>,
) -> Response {
    let user = session.user.clone();
    let at = (state.clock)();
    let deleted = state
        .db(move |db| {
            crate::ops::members::may_delete_self(&user, &form.confirm)
                .map_err(crate::storage::StorageError::Conflict)?;
            let workspace = db
                .workspace(&user.workspace_id)?
                .map(|ws| ws.name)
                .unwrap_or_default();
            let audit = db.settings(&user.workspace_id)?.audit_log;
            let record = crate::audit::wanted(&audit, crate::audit::Category::Users).then(|| {
                crate::audit::Author::System.auditor(at).record(
                    "",
                    "user.deleted",
                    "",
                    "A member deleted their account and all its data".into(),
                    serde_json::json!({}),
                )
            });
            db.delete_user(&workspace, &user.email, record)
        })
        .await;
    match deleted {
        Ok(keys) => {
            let count = keys.len();
            crate::remove_blobs(&state, keys).await;
            tracing::info!(screenshots = count, "a member deleted their account");
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/web"));
            (
                jar,
                pages::message(
                    "Account deleted",
                    "Your account and all its data (entries, screenshots, notices and \
                     sign-ins) are deleted. Stint on your devices can no longer sync.",
                ),
            )
                .into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}
