//! What every answer goes through: the API's `{message, code}` shape for refusals made
//! below the handlers (413 from the body limit, 405, extractor rejections), 414 and 431
//! for oversized targets and headers, security headers on the web pages (whose refusals
//! get a line of text), and a 500 instead of a dropped connection if a handler panics.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiFailure;

/// Most bytes of request headers (names and values) the server reads; more is 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// hyper's own read buffer: a larger header block is refused by hyper before we see it
/// (a bare 431); between [`MAX_HEADER_BYTES`] and this, the API's shape answers.
pub const MAX_HEADER_BUFFER: usize = 128 * 1024;
/// Most request headers; more is 431 (hyper itself refuses four times as many, bare).
pub const MAX_HEADER_COUNT: usize = 100;
/// Longest request target (path and query); longer is 414.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// The pages are server-rendered HTML with inline styles, scripts (one: the sign-in page's
/// time zone) and images from this server only, forms posting here only, and may not be
/// framed.
const WEB_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
                       script-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'";

pub async fn answer_shape(request: Request, next: Next) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let uri = request.uri();
    if uri.path().len() + uri.query().map_or(0, str::len) > MAX_URI_BYTES {
        return ApiFailure::new(
            StatusCode::URI_TOO_LONG,
            format!("the request's path and query are longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    if request.headers().len() > MAX_HEADER_COUNT {
        return ApiFailure::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request has more than {MAX_HEADER_COUNT} headers"),
        )
        .into_response();
    }
    if header_bytes > MAX_HEADER_BYTES {
        return ApiFailure::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request's headers are larger than {MAX_HEADER_BYTES} bytes"),
        )
        .into_response();
    }
    // PostgreSQL cannot keep a NUL character in text, and no name, note or id needs one:
    // refused on every engine alike, before anything reads it.
    if has_nul_escape(uri.path(), "%00") || uri.query().is_some_and(|q| has_nul_escape(q, "%00")) {
        return nul_refused();
    }
    let request = match refuse_nul_in_form(request).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let web = request.uri().path().starts_with("/web");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if web {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(WEB_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        let status = response.status();
        let empty = response.headers().get(header::CONTENT_TYPE).is_none();
        if status.is_client_error() && empty {
            // axum's bare refusals (405, 413) on a page: say what happened.
            let text = status.canonical_reason().unwrap_or("Refused").to_owned();
            let mut page = (status, text).into_response();
            for (name, value) in response.headers() {
                if !page.headers().contains_key(name) {
                    page.headers_mut().insert(name.clone(), value.clone());
                }
            }
            return page;
        }
        return response;
    }
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    // A refusal made below our handlers (axum's plain-text rejections): same status, the
    // API's shape, its words kept when they are short text.
    let text = to_bytes(std::mem::replace(response.body_mut(), Body::empty()), 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.trim().is_empty());
    let message = text.unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_owned()
    });
    let mut shaped = ApiFailure::new(status, message).into_response();
    for name in [header::ALLOW, header::X_CONTENT_TYPE_OPTIONS] {
        if let Some(v) = response.headers().get(&name) {
            shaped.headers_mut().insert(name, v.clone());
        }
    }
    shaped
}

/// The answer when a handler panicked: logged, 500 in the API's shape.
pub fn panic_answer(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!("a request handler panicked: {what}");
    ApiFailure::internal("an internal error occurred; it was logged").into_response()
}

/// Whether `text` holds `escape` (`%00` in a URL or a form, ASCII case does not matter).
fn has_nul_escape(text: &str, escape: &str) -> bool {
    text.to_ascii_lowercase().contains(escape)
}

/// The answer to a request with a NUL character in it.
fn nul_refused() -> Response {
    ApiFailure::bad_request("a NUL character (%00, \\u0000) cannot be part of a request's text")
        .into_response()
}

/// A form body (the web pages') with `%00` in it is refused; the request goes on with its
/// body otherwise (read whole: forms are small, and the body limit applies).
async fn refuse_nul_in_form(request: Request) -> Result<Request, Response> {
    let form = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the form is larger than {} bytes", crate::MAX_BODY_BYTES),
            )
            .into_response()
        })?;
    if has_nul_escape(&String::from_utf8_lossy(&bytes), "%00") {
        return Err(nul_refused());
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// Whether a JSON text holds a NUL character: a `\u0000` escape whose backslash is not
/// itself escaped (JSON has no other way to write one).
pub fn json_has_nul(body: &[u8]) -> bool {
    let needle = b"u0000";
    body.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| w.eq_ignore_ascii_case(needle))
        .any(|(i, _)| {
            let backslashes = body[..i].iter().rev().take_while(|b| **b == b'\\').count();
            backslashes % 2 == 1
        })
}
