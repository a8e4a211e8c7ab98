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
            // SQLite's writer stayed busy past the wait (another process holds the file):
            // nothing was written; try again.
            StorageError::Sql(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                ApiFailure {
                    transient: true,
                    ..ApiFailure::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the database is busy; send the request again",
                    )
                }
            }
            // SQLSTATE 22021 / 22P05: text the database cannot hold (a NUL character that
            // got past the request checks).
            StorageError::Pg(e)
                if e.code()
                    .is_some_and(|c| ["22021", "22P05"].contains(&c.code())) =>
            {
                ApiFailure::bad_request("a NUL character cannot be part of a request's text")
            }
            // 40xxx: a deadlock or serialization failure; 55P03: the write lock's wait ran out.
            StorageError::Pg(e)
                if e.code()
                    .is_some_and(|c| c.code().starts_with("40") || c.code() == "55P03") =>
            {
                ApiFailure {
                    transient: true,
                    ..ApiFailure::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("the database ended the request; send it again ({e})"),
                    )
                }
            }
            // The database's words stay in the log: they may quote a row (a key's id, a
            // hash) that is nobody's business.
            e @ (StorageError::Pg(_) | StorageError::Sql(_)) => {
                tracing::error!("{e}");
                ApiFailure::internal("the database could not do this; the server's log says why")
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
