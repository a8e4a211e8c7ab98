//! The server's web pages (server-rendered HTML; one small script, for the time zone): the
//! router, the session (a cookie: HttpOnly, SameSite=Lax, Secure behind TLS) with the
//! user's time zone, the CSRF check every form passes through ([`Posted`]), the home page
//! and the workspace settings. Signing in and out and the user's own password and zone are
//! in `account`; what the server keeps about the user and their downloads of it in
//! `my_data`; the other pages have a module each.

mod account;
mod audit_page;
mod catalog_pages;
mod common;
mod dashboard;
mod gallery;
mod invite_page;
mod members_page;
mod my_data;
mod named_pages;
mod notes;
mod pages;
mod report_filters;
mod report_pdf;
mod reports;
mod summary_page;
mod task_forms;
mod weekly_page;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

use crate::storage::{Role, UserRow};
use crate::AppState;

const SESSION_COOKIE: &str = "stint_session";
const SIGN_IN_COOKIE: &str = "stint_sign_in";

/// How browser sessions behave.
#[derive(Debug, Clone, Copy)]
pub struct WebConfig {
    pub session_ttl: chrono::Duration,
    /// Mark cookies Secure (set when the server is reached over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_ttl: chrono::Duration::hours(12),
            secure_cookies: false,
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web", get(home))
        .route(
            "/web/sign-in",
            get(account::sign_in_page).post(account::sign_in),
        )
        .route("/web/sign-out", post(account::sign_out))
        .route("/web/settings", get(settings_page).post(save_settings))
        .route("/web/password", post(account::set_password))
        .route("/web/account/delete", post(account::delete_account))
        .route("/web/profile", post(account::set_zone))
        .route("/web/my-data", get(my_data::my_data_page))
        .route("/web/my-data/entries.csv", get(my_data::entries_csv))
        .route("/web/my-data/entries.json", get(my_data::entries_json))
        .route(
            "/web/my-data/screenshots.zip",
            get(my_data::screenshots_zip),
        )
        .route("/web/my-data/audit.json", get(my_data::audit_json))
        .route("/web/my-data/audit.csv", get(my_data::audit_csv))
        .route(
            "/web/assets/zone.js",
            get(|| async {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/javascript; charset=utf-8",
                    )],
                    account::ZONE_SCRIPT,
                )
            }),
        )
        .route("/web/screenshots", get(gallery::day_page))
        .route("/web/screenshots/view", get(gallery::view_page))
        .route("/web/screenshots/delete", post(gallery::delete))
        .route("/web/images/{id}", get(gallery::image))
        .route("/web/reports", get(reports::report_page))
        .route("/web/reports.csv", get(reports::report_csv))
        .route("/web/reports.pdf", get(reports::report_pdf))
        .route("/web/reports/summary", get(summary_page::summary_page))
        .route("/web/reports/summary.csv", get(summary_page::summary_csv))
        .route("/web/reports/summary.pdf", get(summary_page::summary_pdf))
        .route("/web/reports/weekly", get(weekly_page::weekly_page))
        .route("/web/entries/lock", post(reports::lock))
        .route("/web/audit", get(audit_page::audit_page))
        .route("/web/audit.csv", get(audit_page::audit_csv))
        .route("/web/audit/restore", post(audit_page::restore))
        .route(
            "/web/projects",
            get(catalog_pages::projects_page).post(catalog_pages::create_project),
        )
        .route(
            "/web/projects/{id}",
            get(catalog_pages::project_page).post(catalog_pages::save_project),
        )
        .route(
            "/web/projects/{id}/archive",
            post(catalog_pages::archive_project),
        )
        .route(
            "/web/projects/{id}/delete",
            post(catalog_pages::delete_project),
        )
        .route("/web/projects/{id}/tasks", post(task_forms::create_task))
        .route(
            "/web/projects/{id}/tasks/{tid}",
            post(task_forms::change_task),
        )
        .route(
            "/web/members",
            get(members_page::members_page).post(members_page::add_member),
        )
        .route("/web/members/{id}", post(members_page::change_member))
        .route(
            "/web/invite/{token}",
            get(invite_page::invitation).post(invite_page::accept_invitation),
        )
        .route("/web/clients", named_list(named_pages::Kind::Client))
        .route("/web/clients/{id}", named_item(named_pages::Kind::Client))
        .route("/web/tags", named_list(named_pages::Kind::Tag))
        .route("/web/tags/{id}", named_item(named_pages::Kind::Tag))
        // Notes after a change come by cookie, never from the URL.
        .layer(axum::middleware::from_fn(notes::carry))
}

/// 244 random bits (two v4 UUIDs), hex.
fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn cookie(
    state: &AppState,
    headers: &HeaderMap,
    name: &'static str,
    value: String,
) -> Cookie<'static> {
    let behind_tls = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.web.secure_cookies || behind_tls)
        .path("/web")
        .build()
}

/// A page failure: the status and a sentence for the person.
#[derive(Debug)]
pub struct PageError(pub StatusCode, pub String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.0, pages::message("Stint", &self.1)).into_response()
    }
}

impl From<crate::ApiFailure> for PageError {
    fn from(e: crate::ApiFailure) -> Self {
        PageError(e.status, e.message)
    }
}

/// The signed-in user of a request, the session's CSRF token, and the time zone the user
/// reads the pages in (UTC until they choose one).
pub(crate) struct Session {
    pub user: UserRow,
    pub csrf: String,
    pub zone: chrono_tz::Tz,
}

impl Session {
    /// The user's date at `now`.
    pub fn today(&self, now: chrono::DateTime<Utc>) -> chrono::NaiveDate {
        now.with_timezone(&self.zone).date_naive()
    }

    /// `t` written in the user's time zone with a `strftime` format.
    pub fn show(&self, t: chrono::DateTime<Utc>, format: &str) -> String {
        t.with_timezone(&self.zone).format(format).to_string()
    }

    /// Refuses a member with `what` ("change the workspace settings") as the reason.
    pub fn require_admin(&self, what: &str) -> Result<(), PageError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(PageError(
                StatusCode::FORBIDDEN,
                format!("Only a workspace admin can {what}."),
            ))
        }
    }
}

async fn session(state: &AppState, jar: &CookieJar) -> Result<Option<Session>, PageError> {
    let Some(id) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let found = state
        .db(move |db| db.session(&digest(&id), Utc::now()))
        .await?;
    let Some((user, csrf)) = found else {
        return Ok(None);
    };
    let uid = user.id.clone();
    let zone = state
        .db(move |db| db.time_zone(&uid))
        .await?
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    Ok(Some(Session { user, csrf, zone }))
}

/// A page handler's signed-in session; without one the browser goes to the sign-in page.
impl axum::extract::FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        match session(state, &jar).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Redirect::to("/web/sign-in").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The list page and create form of clients or tags.
fn named_list(kind: named_pages::Kind) -> axum::routing::MethodRouter<AppState> {
    get(
        move |state: State<AppState>,
              session: Session,
              q: axum::extract::Query<HashMap<String, String>>| {
            named_pages::list_page(kind, state, session, q)
        },
    )
    .post(
        move |state: State<AppState>, posted: Posted<named_pages::NamedForm>| {
            named_pages::create(kind, state, posted)
        },
    )
}

/// Rename, archive, restore or delete one client or tag.
fn named_item(kind: named_pages::Kind) -> axum::routing::MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              id: axum::extract::Path<String>,
              posted: Posted<named_pages::NamedForm>| {
            named_pages::change(kind, state, id, posted)
        },
    )
}

/// Refuses a form post whose token is not the session's.
fn check_csrf(session: &Session, form: &HashMap<String, String>) -> Result<(), PageError> {
    match form.get("csrf") {
        Some(token) if same(token, &session.csrf) => Ok(()),
        _ => Err(PageError(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from Stint. Reload the page and try again."
                .into(),
        )),
    }
}

/// A form posted in a signed-in session, its CSRF token checked before the handler runs
/// (no handler checks it by hand): `form` is the body read as `T` (a struct of the form's
/// fields, or every field by name). Without a session the browser goes to sign in; a
/// wrong token is a 403 page; a body that is not the form a 400 page.
pub(crate) struct Posted<T> {
    pub session: Session,
    pub form: T,
}

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Response> {
        use axum::extract::FromRequestParts as _;
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let unreadable = |e: serde_urlencoded::de::Error| {
            PageError(
                StatusCode::BAD_REQUEST,
                format!("This form could not be read: {e}"),
            )
            .into_response()
        };
        let fields: HashMap<String, String> =
            serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
        check_csrf(&session, &fields).map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
        Ok(Posted { session, form })
    }
}

async fn home(State(state): State<AppState>, s: Session) -> Response {
    let uid = s.user.id.clone();
    let notices = match state.db(move |db| db.notices(&uid, true)).await {
        Ok(notices) => notices,
        Err(e) => return PageError::from(e).into_response(),
    };
    match dashboard::dashboard(&state, &s).await {
        Ok(board) => pages::home(&s.user, &s.csrf, &notices, board, s.zone).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn settings_page(State(state): State<AppState>, session: Session) -> Response {
    if let Err(e) = session.require_admin("change the workspace settings") {
        return e.into_response();
    }
    let wid = session.user.workspace_id.clone();
    match state.db(move |db| db.settings(&wid)).await {
        Ok(settings) => {
            pages::settings(&session.user, &session.csrf, &settings, None).into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

async fn save_settings(
    State(state): State<AppState>,
    Posted { session, form }: Posted<HashMap<String, String>>,
) -> Response {
    if let Err(e) = session.require_admin("change the workspace settings") {
        return e.into_response();
    }
    let number = |name: &str| form.get(name).and_then(|v| v.trim().parse::<u32>().ok());
    let settings = stint_api::WorkspaceSettings {
        audit_log: stint_api::AuditSettings {
            enabled: form.contains_key("audit_enabled"),
            time_entries: form.contains_key("audit_time_entries"),
            projects: form.contains_key("audit_projects"),
            users: form.contains_key("audit_users"),
        },
        screenshots_enabled: form.contains_key("screenshots_enabled"),
        screenshot_max_side: number("screenshot_max_side").unwrap_or(0),
        screenshot_blur: number("screenshot_blur").unwrap_or(101),
        idle_threshold_minutes: number("idle_threshold_minutes").unwrap_or(0),
        force_projects: form.contains_key("force_projects"),
        force_tasks: form.contains_key("force_tasks"),
        screenshot_review: match form.get("screenshot_review").map(String::as_str) {
            Some("allowed") => stint_api::ScreenshotReview::Allowed,
            Some("required") => stint_api::ScreenshotReview::Required,
            Some("off") | None => stint_api::ScreenshotReview::Off,
            Some(_) => {
                let settings = stint_api::WorkspaceSettings::default();
                let problem = "review before upload must be off, allowed or required";
                return (
                    StatusCode::BAD_REQUEST,
                    pages::settings(&session.user, &session.csrf, &settings, Some(problem)),
                )
                    .into_response();
            }
        },
        // A form from before the field existed keeps the default; a bad value is refused.
        screenshot_review_minutes: match form.get("screenshot_review_minutes") {
            None => stint_api::WorkspaceSettings::default().screenshot_review_minutes,
            Some(_) => number("screenshot_review_minutes").unwrap_or(0),
        },
        private_apps_allowed: form.contains_key("private_apps_allowed"),
    };
    if let Some(problem) = settings.problem() {
        return (
            StatusCode::BAD_REQUEST,
            pages::settings(&session.user, &session.csrf, &settings, Some(&problem)),
        )
            .into_response();
    }
    let wid = session.user.workspace_id.clone();
    let changes = serde_json::json!(settings);
    let saved = state
        .op(
            &session.user,
            move |op| crate::ops::settings::save(op, &wid, changes),
            |_| Ok(None),
        )
        .await;
    match saved {
        Ok(saved) => {
            pages::settings(&session.user, &session.csrf, &saved, Some("Saved.")).into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}
