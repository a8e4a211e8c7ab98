//! Entry versions on the wire (issue 14): every entry answer carries its version in the
//! body and in an `ETag`; PUT, PATCH (stop) and DELETE honour `If-Match` and answer 412
//! with the entry as it is now when it moved since the version the client decided on.
//! Requests without `If-Match` (Clockify's clients) are served as before.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiFailure;
use crate::storage::EntryRow;

/// The version a request's `If-Match` names; `None` without the header.
pub struct IfMatch(pub Option<i64>);

/// `"7"`, `7` or `W/"7"`.
fn parse(value: &str) -> Option<i64> {
    let value = value.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    value.trim_matches('"').parse().ok().filter(|v| *v >= 1)
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or("");
        if text.trim() == "*" {
            return Ok(IfMatch(None));
        }
        parse(text).map(|v| IfMatch(Some(v))).ok_or_else(|| {
            ApiFailure::bad_request(format!(
                "If-Match must be an entry's version, like \"3\"; got {text:?}"
            ))
        })
    }
}

/// The entry's `ETag`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// `response` with the entry's `ETag`.
pub fn tagged(mut response: Response, version: i64) -> Response {
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// A 412 answer (the entry now, its `ETag`, and `message`/`code` as every API error has)
/// when `if_match` names another version than `current`'s; `None` when the write may go on.
pub fn moved(if_match: &IfMatch, current: &EntryRow) -> Option<Response> {
    match if_match.0 {
        Some(v) if v != current.version => {
            let mut body = serde_json::to_value(super::entries::to_json(current))
                .unwrap_or_else(|_| serde_json::json!({}));
            body["message"] = serde_json::json!(format!(
                "this entry changed since version {v}; it is now version {}",
                current.version
            ));
            body["code"] = serde_json::json!(412);
            let mut response = (StatusCode::PRECONDITION_FAILED, axum::Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::ETAG, etag(current.version));
            // Not the key's final answer: the client merges and sends again.
            response
                .extensions_mut()
                .insert(crate::idempotency::RetryLater);
            Some(response)
        }
        _ => None,
    }
}

/// The version `next` will have once written over `current`: the database adds one when
/// the content changes (its trigger), so a kept answer can say it before the write.
pub fn after_write(current: &EntryRow, next: &EntryRow) -> i64 {
    let same = EntryRow {
        version: current.version,
        ..next.clone()
    };
    if same == *current {
        current.version
    } else {
        current.version + 1
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn if_match_takes_the_forms_clients_send() {
        assert_eq!(parse("\"7\""), Some(7));
        assert_eq!(parse("7"), Some(7));
        assert_eq!(parse("W/\"7\""), Some(7));
        assert_eq!(parse("\"x\""), None);
        assert_eq!(parse("0"), None);
        assert_eq!(parse("-3"), None);
    }
}
