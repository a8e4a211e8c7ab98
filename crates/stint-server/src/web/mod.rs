//! The server's web pages (server-rendered HTML, no JavaScript needed): sign in with email
//! and password or an API key, a session cookie (HttpOnly, SameSite=Lax, Secure behind
//! TLS), a CSRF token on every form, sign out, and the workspace settings for admins. More
//! pages (screenshots, entries, reports, audit log) build on the same session.

mod audit_page;
mod catalog_pages;
mod common;
mod dashboard;
mod gallery;
mod members_page;
mod named_pages;
mod pages;
mod reports;
mod summary_page;
mod weekly_page;

use axum::extract::{Form, State};
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
        .route("/web/sign-in", get(sign_in_page).post(sign_in))
        .route("/web/sign-out", post(sign_out))
        .route("/web/settings", get(settings_page).post(save_settings))
        .route("/web/password", post(set_password))
        .route("/web/profile", post(set_zone))
        .route(
            "/web/assets/zone.js",
            get(|| async {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/javascript; charset=utf-8",
                    )],
                    ZONE_SCRIPT,
                )
            }),
        )
        .route("/web/screenshots", get(gallery::day_page))
        .route("/web/screenshots/view", get(gallery::view_page))
        .route("/web/screenshots/delete", post(gallery::delete))
        .route("/web/images/{id}", get(gallery::image))
        .route("/web/reports", get(reports::report_page))
        .route("/web/reports.csv", get(reports::report_csv))
        .route("/web/reports/summary", get(summary_page::summary_page))
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
        .route("/web/projects/{id}/tasks", post(catalog_pages::create_task))
        .route(
            "/web/projects/{id}/tasks/{tid}",
            post(catalog_pages::change_task),
        )
        .route(
            "/web/members",
            get(members_page::members_page).post(members_page::add_member),
        )
        .route("/web/members/{id}", post(members_page::change_member))
        .route(
            "/web/invite/{token}",
            get(members_page::invitation).post(members_page::accept_invitation),
        )
        .route("/web/clients", named_list(named_pages::Kind::Client))
        .route("/web/clients/{id}", named_item(named_pages::Kind::Client))
        .route("/web/tags", named_list(named_pages::Kind::Tag))
        .route("/web/tags/{id}", named_item(named_pages::Kind::Tag))
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

async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let token = random_token();
    let jar = jar.add(cookie(&state, &headers, SIGN_IN_COOKIE, token.clone()));
    (jar, pages::sign_in(&token, None)).into_response()
}

async fn sign_in(
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
    Ok(found)
}

async fn sign_out(
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

/// A signed-in user sets their own password (10 characters at least, typed twice).
/// The only script of the pages: the sign-in form sends the browser's time zone, the
/// default for the pages' days and times until the user chooses one.
const ZONE_SCRIPT: &str =
    "document.querySelectorAll('input[name=time_zone]').forEach(function (i) {\n  \
    try { i.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) {}\n});\n";

#[derive(serde::Deserialize)]
struct ZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// A signed-in user chooses the time zone their pages' days and times are in.
async fn set_zone(
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
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

async fn set_password(
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
