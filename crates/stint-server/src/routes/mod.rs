//! The `/api/v1` routes in Clockify's shape.

mod batch;
mod catalog;
mod changes;
mod discards;
pub(crate) mod entries;
mod entry_filters;
mod in_progress;
mod invoiced;
mod lists;
mod members;
mod pictures;
mod projects;
mod references;
mod reports;
pub(crate) mod screenshots;
mod settings;
pub(crate) mod versions;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use stint_api::{ApiError, Membership, User, Workspace, API_KEY_HEADER};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::idempotency::{Authenticated, KeptInTransaction, Pending};
use crate::storage::{Keep, Role, UserRow, WorkspaceRow};
use crate::{ApiFailure, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stint server API",
        description = "Time entries in the shape of Clockify's public API v1, plus Stint's additions \
            (client-generated entry ids, Idempotency-Key, entry source)."
    ),
    modifiers(&ApiKeyAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct ApiKeyAuth;

impl utoipa::Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(API_KEY_HEADER))),
        );
    }
}

/// Every route, each with its OpenAPI description: the router and the document are made
/// from the same list, so neither can miss a route.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(current_user))
        .routes(routes!(workspaces))
        .routes(routes!(users))
        .merge(projects::routes())
        .merge(catalog::routes())
        .merge(reports::routes())
        .merge(invoiced::routes())
        .merge(entries::routes())
        .merge(changes::routes())
        .merge(batch::routes())
        .merge(in_progress::routes())
        .merge(members::routes())
        .merge(settings::routes())
        .merge(discards::routes())
        .merge(screenshots::routes().layer(DefaultBodyLimit::max(crate::MAX_UPLOAD_BYTES)))
}

/// The authenticated user behind the request's `X-Api-Key`.
pub struct Caller(pub UserRow);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        if let Some(Authenticated(user)) = parts.extensions.get::<Authenticated>() {
            return Ok(Caller(user.clone()));
        }
        let unauthorized = |m: &str| ApiFailure::new(StatusCode::UNAUTHORIZED, m);
        let key = parts
            .headers
            .get(API_KEY_HEADER)
            .ok_or_else(|| unauthorized("an X-Api-Key header is required"))?
            .to_str()
            .map_err(|_| unauthorized("the API key is not valid"))?
            .to_owned();
        state
            .db(move |db| db.authenticate(&key))
            .await?
            .map(Caller)
            .ok_or_else(|| unauthorized("the API key is not valid"))
    }
}

/// The request's `Idempotency-Key`, once its caller is authenticated: a change keeps its
/// answer in its own transaction with [`Idem::keep`] and answers with [`kept`].
pub struct Idem(pub Option<Pending>);

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idem(parts.extensions.get::<Pending>().cloned()))
    }
}

impl Idem {
    /// The answer `value` with `status`, as bytes, and what to keep of it, if anything.
    pub fn answer<T: serde::Serialize>(
        &self,
        status: StatusCode,
        value: &T,
    ) -> Result<(Vec<u8>, Option<Keep>), ApiFailure> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ApiFailure::internal(format!("writing an answer: {e}")))?;
        let keep = self.0.as_ref().map(|p| p.keep(status, &body));
        Ok((body, keep))
    }

    /// What to keep of `value` answered with `status` (for [`AppState::op`]).
    pub fn keep<T: serde::Serialize>(
        &self,
        status: StatusCode,
        value: &T,
    ) -> Result<Option<Keep>, ApiFailure> {
        self.answer(status, value).map(|(_, keep)| keep)
    }

    /// What to keep of an answer without a body.
    pub fn empty(&self, status: StatusCode) -> Option<Keep> {
        self.0.as_ref().map(|p| p.keep(status, b""))
    }
}

/// `value` as a JSON answer whose `Idempotency-Key` record was kept with the change (the
/// same bytes [`Idem::keep`] kept).
pub fn kept_json<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
) -> Result<Response, ApiFailure> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiFailure::internal(format!("writing an answer: {e}")))?;
    Ok(kept(status, body))
}

/// Runs a changing operation for the caller and answers its result with `status`, the
/// answer kept under the request's `Idempotency-Key` in the operation's transaction.
pub async fn answer_op<T, F>(
    state: &AppState,
    caller: &Caller,
    idem: Idem,
    status: StatusCode,
    run: F,
) -> Result<Response, ApiFailure>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut crate::ops::Op<'_>) -> crate::ops::Result<T> + Send + 'static,
{
    let value = state
        .op(&caller.0, run, move |v| idem.keep(status, v))
        .await?;
    kept_json(status, &value)
}

/// A JSON answer whose `Idempotency-Key` record was kept with the change.
pub fn kept(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    response.extensions_mut().insert(KeptInTransaction);
    response
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }

    /// Another workspace's objects answer 404, as if they did not exist.
    pub fn own_workspace(&self, wid: &str) -> Result<(), ApiFailure> {
        if self.0.workspace_id == wid {
            Ok(())
        } else {
            Err(ApiFailure::not_found(format!("workspace {wid} not found")))
        }
    }
}

/// Parses a JSON body with a message a person can act on.
/// Every body Stint takes is a JSON object: serde would otherwise read a struct from an
/// array of its fields in order (`["name"]`), which no client means.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    let value = parse_json(body)?;
    if crate::hardening::json_has_nul(body) {
        return Err(ApiFailure::bad_request(
            "invalid request body: a NUL character (\\u0000) cannot be part of its text",
        ));
    }
    Ok(value)
}

/// [`parse_body`] without its NUL check, for the batch, which refuses such a change alone.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(ApiFailure::bad_request(
            "invalid request body: it must be a JSON object",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiFailure::bad_request(format!("invalid request body: {e}")))
}

pub(super) fn membership(user: &UserRow) -> Membership {
    Membership {
        user_id: user.id.clone(),
        target_id: user.workspace_id.clone(),
        membership_type: "WORKSPACE".into(),
        membership_status: status(user).into(),
    }
}

/// Clockify's word for whether a member may work.
pub(super) fn status(user: &UserRow) -> &'static str {
    if user.active {
        "ACTIVE"
    } else {
        "INACTIVE"
    }
}

pub(super) fn user_json(user: &UserRow) -> User {
    User {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        active_workspace: user.workspace_id.clone(),
        default_workspace: user.workspace_id.clone(),
        status: status(user).into(),
        memberships: vec![membership(user)],
        role: user.role.as_str().into(),
        profile_picture: String::new(),
        settings: stint_api::UserSettings::default(),
    }
}

#[utoipa::path(get, path = "/api/v1/user", tag = "users",
    responses((status = 200, body = User), (status = 401, body = ApiError)))]
async fn current_user(caller: Caller) -> Json<User> {
    Json(user_json(&caller.0))
}

#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    responses((status = 200, body = Vec<Workspace>), (status = 401, body = ApiError)))]
async fn workspaces(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Workspace>>, ApiFailure> {
    let wid = caller.0.workspace_id.clone();
    let found = workspace_json(&state, &caller, &wid).await?;
    Ok(Json(found.into_iter().collect()))
}

/// The caller's workspace in Clockify's shape, with the rules its clients read.
pub(super) async fn workspace_json(
    state: &AppState,
    caller: &Caller,
    wid: &str,
) -> Result<Option<Workspace>, ApiFailure> {
    let w = wid.to_owned();
    let found: Option<(WorkspaceRow, stint_api::WorkspaceSettings)> = state
        .db(move |db| match db.workspace(&w)? {
            Some(row) => Ok(Some((row, db.settings(&w)?))),
            None => Ok(None),
        })
        .await?;
    Ok(found.map(|(w, settings)| Workspace {
        id: w.id,
        name: w.name,
        memberships: vec![membership(&caller.0)],
        workspace_settings: Some(stint_api::WorkspaceRules::of(&settings)),
    }))
}

/// Admins see every member; a regular user sees only themselves. Filtered by `email` and
/// `name` (containing, any case) and `status`, and paged, as Clockify's list is.
#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/users", tag = "users",
    params(("wid" = String, Path, description = "Workspace id"),
        ("email" = Option<String>, Query, description = "Members whose email contains this text (any case)"),
        ("name" = Option<String>, Query, description = "Members whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("status" = Option<String>, Query, description = "ACTIVE, INACTIVE or ALL (default)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Members per page (default 50)")),
    responses((status = 200, body = Vec<User>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn users(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Result<(axum::http::HeaderMap, Json<Vec<User>>), ApiFailure> {
    caller.own_workspace(&wid)?;
    let query = lists::ListQuery::parse(&q, &["email", "status"])?;
    let email = query.q.get("email").map(|e| e.trim().to_lowercase());
    let active = match query.q.get("status").map(|s| s.trim().to_ascii_uppercase()) {
        None => None,
        Some(s) if s == "ALL" => None,
        Some(s) if s == "ACTIVE" => Some(true),
        Some(s) if s == "INACTIVE" => Some(false),
        Some(other) => {
            return Err(ApiFailure::bad_request(format!(
                "status must be ACTIVE, INACTIVE or ALL, not {other:?}"
            )))
        }
    };
    let all = if caller.is_admin() {
        state.db(move |db| db.users_in(&wid)).await?
    } else {
        vec![caller.0.clone()]
    };
    let matching = all
        .iter()
        .filter(|u| query.name_matches(&u.name))
        .filter(|u| {
            email
                .as_ref()
                .is_none_or(|e| u.email.to_lowercase().contains(e.as_str()))
        })
        .filter(|u| active.is_none_or(|a| u.active == a))
        .map(user_json)
        .collect();
    let (headers, page) = query.page(matching);
    Ok((headers, Json(page)))
}
