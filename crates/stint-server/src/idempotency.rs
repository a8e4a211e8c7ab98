//! `Idempotency-Key` on mutating requests: the first answer is kept, a repeat with the
//! same key and the same request gets that answer again without running twice, and a
//! repeat with the same key but another request is refused with 422.
//!
//! The caller is authenticated before any kept answer is read (a wrong secret or a reset
//! key gets 401 and learns nothing), and keys are scoped to the user. Operations that
//! change something write their answer in the change's own transaction ([`Pending`] →
//! [`crate::storage::Keep`]) and mark the response with [`KeptInTransaction`]; only answers
//! that changed nothing (refusals) are kept here afterwards.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use stint_api::{API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER};

use crate::storage::{Keep, StoredResponse, UserRow};
use crate::{ApiFailure, AppState, MAX_BODY_BYTES, MAX_UPLOAD_BYTES};

pub async fn replay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match run(state, request, next).await {
        Ok(response) => response,
        Err(failure) => failure.into_response(),
    }
}

/// What a handler needs to keep its answer in its own transaction: put in the request's
/// extensions once the caller is authenticated.
#[derive(Debug, Clone)]
pub struct Pending {
    pub scope: String,
    pub key: String,
    pub request_hash: Vec<u8>,
}

impl Pending {
    /// The [`Keep`] for an answer with `status` and `body`.
    pub fn keep(&self, status: StatusCode, body: &[u8]) -> Keep {
        Keep {
            scope: self.scope.clone(),
            key: self.key.clone(),
            response: StoredResponse {
                request_hash: self.request_hash.clone(),
                status: status.as_u16(),
                body: body.to_vec(),
            },
        }
    }
}

/// Marks a response whose answer the handler already kept in its transaction.
#[derive(Debug, Clone, Copy)]
pub struct KeptInTransaction;

/// The authenticated caller, put in the request's extensions so the handler does not
/// authenticate again.
#[derive(Debug, Clone)]
pub struct Authenticated(pub UserRow);

async fn run(state: AppState, request: Request, next: Next) -> Result<Response, ApiFailure> {
    let mutating = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(key) = request.headers().get(IDEMPOTENCY_KEY_HEADER).cloned() else {
        return Ok(next.run(request).await);
    };
    if !mutating {
        return Ok(next.run(request).await);
    }
    let Some(api_key) = request.headers().get(API_KEY_HEADER).cloned() else {
        // The handler answers 401 (or the route does not exist): nothing to replay.
        return Ok(next.run(request).await);
    };
    // Authentication completes before any kept answer is read.
    let unauthorized = || ApiFailure::new(StatusCode::UNAUTHORIZED, "the API key is not valid");
    let api_key = api_key.to_str().map_err(|_| unauthorized())?.to_owned();
    let user = state
        .db(move |db| db.authenticate(&api_key))
        .await?
        .ok_or_else(unauthorized)?;
    let key = key
        .to_str()
        .map_err(|_| ApiFailure::bad_request("the Idempotency-Key header is not text"))?
        .to_owned();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiFailure::bad_request(
            "an Idempotency-Key must be 1 to 255 characters",
        ));
    }
    let scope = user.id.clone();

    let (mut parts, body) = request.into_parts();
    let limit = if parts.method == Method::POST && parts.uri.path().ends_with("/screenshots") {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let bytes = to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if too_large {
            ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            )
        } else {
            ApiFailure::bad_request(format!("the request body could not be read: {e}"))
        }
    })?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(b" ");
    hasher.update(parts.uri.to_string());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hasher.finalize().to_vec();

    let (s, k) = (scope.clone(), key.clone());
    if let Some(stored) = state.db(move |db| db.idempotent_response(&s, &k)).await? {
        if stored.request_hash != request_hash {
            return Err(ApiFailure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "this Idempotency-Key was already used for a different request",
            ));
        }
        return Ok(stored_response(stored));
    }

    parts.extensions.insert(Pending {
        scope: scope.clone(),
        key: key.clone(),
        request_hash: request_hash.clone(),
    });
    parts.extensions.insert(Authenticated(user));
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    // Only final answers are kept: a server fault, a refused key or a lost race for the
    // key should be retried. A change's answer is already kept with the change.
    if status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || response.extensions().get::<KeptInTransaction>().is_some()
        || response.extensions().get::<RetryLater>().is_some()
    {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiFailure::internal(format!("reading a response: {e}")))?;
    let stored = StoredResponse {
        request_hash,
        status: status.as_u16(),
        body: body.to_vec(),
    };
    state
        .db(move |db| db.keep_response(&scope, &key, &stored))
        .await?;
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// Marks a refusal that must not be kept as the key's answer (another request with the
/// key committed first; a repeat gets that one).
#[derive(Debug, Clone, Copy)]
pub struct RetryLater;

fn stored_response(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert("idempotent-replay", HeaderValue::from_static("true"));
    response
}
