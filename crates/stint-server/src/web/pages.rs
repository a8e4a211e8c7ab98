//! The pages' HTML (maud escapes every value). One stylesheet inline, no scripts.

use axum::response::Html;
use maud::{html, Markup, DOCTYPE};
use stint_api::WorkspaceSettings;

use crate::storage::{Role, UserRow};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}\
label{display:block;margin:.6rem 0}input[type=text],input[type=email],input[type=password],input[type=number]\
{padding:.3rem;width:16rem}button{padding:.35rem .9rem}.note{background:#fef3c7;padding:.5rem;border-radius:4px}\
nav form{display:inline}nav a{margin-right:1rem}.thumb{display:inline-block;margin:.4rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left}#picture{max-width:100%}form.delete{display:inline}form.inline{display:inline}\
.problem{background:#fee2e2;color:#7f1d1d;padding:.5rem;border-radius:4px}.dot{display:inline-block;width:.7rem;\
height:.7rem;border-radius:50%}tr.archived{color:#6b7280}button.danger{color:#b91c1c}";

pub(super) fn page(title: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " — Stint" }
                style { (STYLE) }
            }
            body { (body) }
        }
    };
    Html(markup.into_string())
}

pub(super) fn nav(user: &UserRow, csrf: &str) -> Markup {
    html! {
        nav {
            a href="/web" { "Home" }
            a href="/web/screenshots" { "Screenshots" }
            a href="/web/reports" { "Entries & reports" }
            @if user.role == Role::Admin {
                a href="/web/projects" { "Projects" }
                a href="/web/clients" { "Clients" }
                a href="/web/tags" { "Tags" }
                a href="/web/members" { "Members" }
                a href="/web/settings" { "Workspace settings" }
                a href="/web/audit" { "Audit log" }
            }
            span { (user.name) " (" (user.email) ") " }
            form method="post" action="/web/sign-out" {
                input type="hidden" name="csrf" value=(csrf);
                button id="sign-out" type="submit" { "Sign out" }
            }
        }
    }
}

/// A page with one sentence, for errors.
pub fn message(title: &str, text: &str) -> Html<String> {
    page(
        title,
        html! { h1 { (title) } p id="message" { (text) } p { a href="/web" { "Back" } } },
    )
}

pub fn sign_in(csrf: &str, problem: Option<&str>) -> Html<String> {
    page(
        "Sign in",
        html! {
            h1 { "Sign in to Stint" }
            @if let Some(p) = problem { p id="problem" class="note" { (p) } }
            form method="post" action="/web/sign-in" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Email " input id="email" type="email" name="email" autocomplete="username"; }
                label { "Password " input id="password" type="password" name="password" autocomplete="current-password"; }
                p { "or" }
                label { "API key " input id="api-key" type="password" name="api_key" autocomplete="off"; }
                button id="sign-in" type="submit" { "Sign in" }
            }
        },
    )
}

pub fn home(user: &UserRow, csrf: &str, notices: &[stint_api::Notice]) -> Html<String> {
    page(
        "Home",
        html! {
            (nav(user, csrf))
            h1 id="welcome" { "Hello, " (user.name) }
            p { "You are " @if user.role == Role::Admin { "an admin" } @else { "a member" } " of this workspace." }
            @if !notices.is_empty() {
                h2 { "Notices" }
                ul id="notices" { @for n in notices { li class="notice" { (n.message) } } }
            }
            h2 { "Your password" }
            form method="post" action="/web/password" {
                input type="hidden" name="csrf" value=(csrf);
                label { "New password " input id="new-password" type="password" name="password" autocomplete="new-password" minlength="10"; }
                label { "Again " input id="repeat-password" type="password" name="repeat" autocomplete="new-password" minlength="10"; }
                button id="set-password" type="submit" { "Set password" }
            }
        },
    )
}

pub fn settings(
    user: &UserRow,
    csrf: &str,
    s: &WorkspaceSettings,
    note: Option<&str>,
) -> Html<String> {
    page(
        "Workspace settings",
        html! {
            (nav(user, csrf))
            h1 { "Workspace settings" }
            @if let Some(n) = note { p id="note" class="note" { (n) } }
            form method="post" action="/web/settings" {
                input type="hidden" name="csrf" value=(csrf);
                label {
                    input id="screenshots-enabled" type="checkbox" name="screenshots_enabled" checked[s.screenshots_enabled];
                    " Take screenshots while timers run (every member is told when this changes)"
                }
                label { "Screenshot size (longest side, px) "
                    input id="screenshot-max-side" type="number" name="screenshot_max_side" min="320" max="3840" value=(s.screenshot_max_side); }
                label { "Blur (0–100) "
                    input id="screenshot-blur" type="number" name="screenshot_blur" min="0" max="100" value=(s.screenshot_blur); }
                label { "Idle after (minutes) "
                    input id="idle-threshold" type="number" name="idle_threshold_minutes" min="1" max="240" value=(s.idle_threshold_minutes); }
                fieldset {
                    legend { "Required fields (checked when an entry is saved with an end)" }
                    label { input id="force-projects" type="checkbox" name="force_projects" checked[s.force_projects]; " Project" }
                    label { input id="force-tasks" type="checkbox" name="force_tasks" checked[s.force_tasks]; " Task" }
                }
                fieldset {
                    legend { "Audit log" }
                    label { input id="audit-enabled" type="checkbox" name="audit_enabled" checked[s.audit_log.enabled]; " Keep an audit log" }
                    label { input id="audit-time-entries" type="checkbox" name="audit_time_entries" checked[s.audit_log.time_entries]; " Time entries" }
                    label { input id="audit-projects" type="checkbox" name="audit_projects" checked[s.audit_log.projects]; " Projects, clients, tags and tasks" }
                    label { input id="audit-users" type="checkbox" name="audit_users" checked[s.audit_log.users]; " Sign-ins and role changes" }
                }
                button id="save" type="submit" { "Save" }
            }
        },
    )
}
