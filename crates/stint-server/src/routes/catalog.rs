//! Clients and tags in Clockify's paths (issue 15): lists with filters and paging, one,
//! create, update (also archive) and delete. Each handler only reads the request and
//! answers; [`crate::ops::catalog`] decides.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use stint_api::{ApiError, Client, ClientChanges, Tag, TagChanges};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::lists::ListQuery;
use super::{answer_op, parse_body, Caller, Idem};
use crate::ops::catalog as ops;
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(clients, create_client))
        .routes(routes!(client, update_client, delete_client))
        .routes(routes!(tags, create_tag))
        .routes(routes!(tag, update_tag, delete_tag))
}

type Pairs = Query<Vec<(String, String)>>;

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/clients", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id"),
        ("name" = Option<String>, Query, description = "Clients whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("archived" = Option<bool>, Query, description = "Only archived (true) or active (false) clients"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Clients per page (default 50)")),
    responses((status = 200, body = Vec<Client>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn clients(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    Query(q): Pairs,
) -> Result<(HeaderMap, Json<Vec<Client>>), ApiFailure> {
    let query = ListQuery::parse(&q, &["archived"])?;
    let all = state
        .read_op(&caller.0, move |op| ops::clients(op, &wid))
        .await?;
    let matching = all
        .into_iter()
        .filter(|c| query.name_matches(&c.name))
        .filter(|c| query.archived.is_none_or(|a| c.archived == a))
        .collect();
    let (headers, page) = query.page(matching);
    Ok((headers, Json(page)))
}

/// Admins create clients.
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/clients", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = ClientChanges,
    responses((status = 201, body = Client), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn create_client(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: ClientChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::CREATED, move |op| {
        ops::create_client(op, &wid, body)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/clients/{id}", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Client id")),
    responses((status = 200, body = Client), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn client(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Json<Client>, ApiFailure> {
    let found = state
        .read_op(&caller.0, move |op| ops::client(op, &wid, &id))
        .await?;
    Ok(Json(found))
}

/// Changes a client (admins); `archived: true` archives it. Fields left out stay.
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/clients/{id}", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Client id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = ClientChanges,
    responses((status = 200, body = Client), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn update_client(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: ClientChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::update_client(op, &wid, &id, body)
    })
    .await
}

/// Deletes an archived client (admins); its projects stay, without a client.
#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/clients/{id}", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Client id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 200, body = Client), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_client(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::delete_client(op, &wid, &id)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/tags", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id"),
        ("name" = Option<String>, Query, description = "Tags whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("archived" = Option<bool>, Query, description = "Only archived (true) or active (false) tags"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Tags per page (default 50)")),
    responses((status = 200, body = Vec<Tag>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn tags(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    Query(q): Pairs,
) -> Result<(HeaderMap, Json<Vec<Tag>>), ApiFailure> {
    let query = ListQuery::parse(&q, &["archived"])?;
    let all = state
        .read_op(&caller.0, move |op| ops::tags(op, &wid))
        .await?;
    let matching = all
        .into_iter()
        .filter(|t| query.name_matches(&t.name))
        .filter(|t| query.archived.is_none_or(|a| t.archived == a))
        .collect();
    let (headers, page) = query.page(matching);
    Ok((headers, Json(page)))
}

/// Admins create tags.
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/tags", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = TagChanges,
    responses((status = 201, body = Tag), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn create_tag(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: TagChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::CREATED, move |op| {
        ops::create_tag(op, &wid, body)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/tags/{id}", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Tag id")),
    responses((status = 200, body = Tag), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn tag(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Json<Tag>, ApiFailure> {
    let found = state
        .read_op(&caller.0, move |op| ops::tag(op, &wid, &id))
        .await?;
    Ok(Json(found))
}

/// Changes a tag (admins); `archived: true` archives it.
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/tags/{id}", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Tag id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = TagChanges,
    responses((status = 200, body = Tag), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn update_tag(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: TagChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::update_tag(op, &wid, &id, body)
    })
    .await
}

/// Deletes a tag (admins); it is taken off every entry that has it.
#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/tags/{id}", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Tag id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 200, body = Tag), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
async fn delete_tag(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::delete_tag(op, &wid, &id)
    })
    .await
}
