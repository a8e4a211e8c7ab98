//! `Idempotency-Key` on mutating requests: the first answer is kept, a repeat with the
//! same key and the same request gets that answer again without running twice, and a
//! repeat with the same key but another request is refused with 422.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use stint_api::{API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER};

use crate::storage::StoredResponse;
use crate::{auth, ApiFailure, AppState, MAX_BODY_BYTES, MAX_UPLOAD_BYTES};

pub async fn replay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match run(state, request, next).await {
        Ok(response) => response,
        Err(failure) => failure.into_response(),
    }
}

async fn run(state: AppState, request: Request, next: Next) -> Result<Response, ApiFailure> {
    let mutating = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY_HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    // Keys are scoped to the caller's key id, so one user's keys never answer another's.
    let scope = request
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::split_key)
        .map(|(id, _)| id.to_owned());
    let (Some(key), Some(scope), true) = (key, scope, mutating) else {
        return Ok(next.run(request).await);
    };
    let key = key.map_err(|_| ApiFailure::bad_request("the Idempotency-Key header is not text"))?;
    if key.is_empty() || key.len() > 255 {
        return Err(ApiFailure::bad_request(
            "an Idempotency-Key must be 1 to 255 characters",
        ));
    }

    let (parts, body) = request.into_parts();
    let limit = if parts.method == Method::POST && parts.uri.path().ends_with("/screenshots") {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        )
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

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    // Only final answers are kept: a server fault or a refused key should be retried.
    if status.is_server_error() || status == StatusCode::UNAUTHORIZED {
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
