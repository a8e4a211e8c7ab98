//! The invitation page (issue 16): a person invited by an admin opens their one-time link
//! and sets a password. A link that was used, replaced or has expired says so at once, and
//! is checked before the (deliberately slow) password hashing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};

use super::pages::page;
use super::{digest, PageError};
use crate::{ApiFailure, AppState};

fn invitation_page(token: &str, problem: Option<&str>) -> Markup {
    html! {
        h1 { "Welcome to Stint" }
        @if let Some(p) = problem { p id="problem" class="problem" role="alert" { (p) } }
        form method="post" action=(format!("/web/invite/{token}")) {
            label { "Choose a password (10 characters at least) " input id="password" type="password" name="password" autocomplete="new-password"; }
            label { "Type it again " input id="repeat" type="password" name="repeat" autocomplete="new-password"; }
            button id="set-password" type="submit" { "Set password" }
        }
    }
}

fn link_gone() -> Response {
    PageError(
        StatusCode::NOT_FOUND,
        "This invitation link was used already, replaced or has expired; ask your admin for a new one."
            .into(),
    )
    .into_response()
}

/// Whether the link's token is a live invitation (nothing is used up).
async fn live(state: &AppState, token: &str) -> Result<bool, ApiFailure> {
    let (hash, now) = (digest(token), (state.clock)());
    state
        .db(move |db| {
            let mut found = false;
            db.read(&mut |tx| {
                found = tx.invited(&hash, now)?.is_some();
                Ok(())
            })?;
            Ok(found)
        })
        .await
}

/// `GET /web/invite/{token}`: the form, or at once why the link no longer works.
pub async fn invitation(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match live(&state, &token).await {
        Ok(true) => page("Welcome", invitation_page(&token, None)).into_response(),
        Ok(false) => link_gone(),
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /web/invite/{token}`: sets the invited member's password and uses the link up.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    if form.password.chars().count() < 10 || form.password != form.repeat {
        let problem = "The password needs at least 10 characters, typed the same twice.";
        return (
            StatusCode::BAD_REQUEST,
            page("Welcome", invitation_page(&token, Some(problem))),
        )
            .into_response();
    }
    // The token is checked before the (deliberately slow) password hashing, so a guessed
    // link costs the server nothing.
    match live(&state, &token).await {
        Ok(true) => {}
        Ok(false) => return link_gone(),
        Err(e) => return PageError::from(e).into_response(),
    }
    let password = form.password;
    let Ok(Ok(hash)) =
        tokio::task::spawn_blocking(move || crate::auth::hash_password(&password)).await
    else {
        return PageError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not set the password.".into(),
        )
        .into_response();
    };
    let (token_hash, now) = (digest(&token), (state.clock)());
    let used = state
        .db(move |db| {
            let mut member = None;
            db.write(&mut |tx| {
                member = tx.take_invitation(&token_hash, now)?;
                if let Some(m) = &member {
                    tx.set_member_password(&m.id, &hash)?;
                }
                Ok(())
            })?;
            Ok(member)
        })
        .await;
    match used {
        Ok(Some(_)) => Redirect::to("/web/sign-in").into_response(),
        Ok(None) => link_gone(),
        Err(e) => PageError::from(e).into_response(),
    }
}
