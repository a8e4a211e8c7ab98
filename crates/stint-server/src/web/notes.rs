//! What a page says after a change ("Project Website created.") travels to the next page in
//! a short-lived cookie, never in the URL: a link someone else made cannot put words in the
//! app's notice box (a `note` in a query is dropped), and no note lands in history, logs or
//! a proxy. The pages read it as the `note` query value, which only this layer sets.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::common::url_escape;

const NOTE_COOKIE: &str = "stint_note";

/// A redirect to `to` that shows `note` on the page it leads to, once.
pub fn redirect_noting(to: &str, note: &str) -> Response {
    let cookie = Cookie::build((NOTE_COOKIE, url_escape(note)))
        .path("/web")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    (CookieJar::new().add(cookie), Redirect::to(to)).into_response()
}

/// The layer: drops any `note` the URL brings, hands the cookie's note to the page as its
/// `note` query value, and ends the cookie with that response.
pub async fn carry(mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let carried = jar
        .get(NOTE_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| {
            // Only what `redirect_noting` writes: percent-encoded, nothing else.
            !v.is_empty()
                && v.len() <= 4096
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._%".contains(&b))
        });
    let uri = request.uri().clone();
    let query = uri.query().unwrap_or("");
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let had_note = pairs.iter().any(|(k, _)| k == "note");
    if had_note || carried.is_some() {
        pairs.retain(|(k, _)| k != "note");
        let mut rebuilt = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if let Some(note) = &carried {
            if !rebuilt.is_empty() {
                rebuilt.push('&');
            }
            rebuilt.push_str("note=");
            rebuilt.push_str(note);
        }
        let target = if rebuilt.is_empty() {
            uri.path().to_owned()
        } else {
            format!("{}?{rebuilt}", uri.path())
        };
        if let Ok(new_uri) = target.parse() {
            *request.uri_mut() = new_uri;
        }
    }
    let response = next.run(request).await;
    let sets_a_note = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(NOTE_COOKIE.as_bytes()));
    if carried.is_some() && !sets_a_note {
        // Shown once: the cookie ends with the page that showed it.
        // Removed from the request's jar: a removal needs the cookie it removes.
        let gone = jar.remove(Cookie::build(NOTE_COOKIE).path("/web"));
        return (gone, response).into_response();
    }
    response
}
