//! Every failure answers with Clockify's error shape `{message, code}` and a 4xx status
//! for anything the client can fix; 5xx only for our own faults, which are logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use stint_api::ApiError;

use crate::storage::StorageError;

#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub message: String,
    /// Not an answer to keep for an `Idempotency-Key`: a repeat should run again.
    pub transient: bool,
}

impl ApiFailure {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            message: message.into(),
            transient: false,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiFailure {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiFailure {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiFailure {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<StorageError> for ApiFailure {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(m) => ApiFailure::new(StatusCode::CONFLICT, m),
            StorageError::NotFound(m) => ApiFailure::not_found(m),
            StorageError::Refused { status, message } => ApiFailure::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                message,
            ),
            e @ StorageError::Changed => ApiFailure {
                transient: true,
                ..ApiFailure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            },
            e @ StorageError::KeyTaken => ApiFailure {
                transient: true,
                ..ApiFailure::new(StatusCode::CONFLICT, e.to_string())
            },
            // The database is away, or PostgreSQL broke a deadlock or a serialization
            // conflict by ending this transaction: nothing was written; try again.
            e @ StorageError::Unavailable(_) => ApiFailure {
                transient: true,
                ..ApiFailure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            },
            StorageError::Pg(e) if e.code().is_some_and(|c| c.code().starts_with("40")) => {
                ApiFailure {
                    transient: true,
                    ..ApiFailure::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("the database ended the request; send it again ({e})"),
                    )
                }
            }
            other => ApiFailure::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, "{}", self.message);
        } else {
            tracing::debug!(status = %self.status, "{}", self.message);
        }
        let body = ApiError {
            message: self.message,
            code: self.status.as_u16(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // Every client retries a 503; this one may at once.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if self.transient {
            response
                .extensions_mut()
                .insert(crate::idempotency::RetryLater);
        }
        response
    }
}
