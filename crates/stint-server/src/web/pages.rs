//! The pages' HTML (maud escapes every value). One stylesheet inline, no scripts.

use axum::response::Html;
use maud::{html, Markup, DOCTYPE};
use stint_api::{ScreenshotReview, WorkspaceSettings};

use crate::storage::{Role, UserRow};

/// One calm style for every page (no asset to fetch: the CSP allows inline styles only):
/// a navigation bar, readable tables, forms with their errors beside them, and a dark
/// variant for dark desktop themes.
const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#111827;--muted:#4b5563;--line:#e5e7eb;--bg:#fff;--soft:#f9fafb;--link:#1d4ed8}\
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#9ca3af;--line:#374151;--bg:#111827;--soft:#1f2937;--link:#93c5fd}}\
body{font-family:system-ui,sans-serif;max-width:62rem;margin:0 auto;padding:0 1rem 2rem;color:var(--fg);\
background:var(--bg);line-height:1.45}\
nav{display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:center;padding:.7rem 0;border-bottom:1px solid var(--line);margin-bottom:1rem}\
nav a{color:var(--link);text-decoration:none}nav a:hover{text-decoration:underline}nav span{margin-left:auto;color:var(--muted)}\
nav form{display:inline}a{color:var(--link)}h1{font-size:1.6rem;margin:.6rem 0}h2{font-size:1.2rem;margin-top:1.8rem}\
label{display:block;margin:.6rem 0}\
input[type=text],input[type=email],input[type=password],input[type=number],select{padding:.35rem;width:16rem;\
max-width:100%;border:1px solid var(--line);border-radius:6px;background:var(--soft);color:var(--fg)}\
table input[type=text]{width:12rem}\
button{padding:.35rem .9rem;border:1px solid var(--line);border-radius:6px;background:var(--soft);color:var(--fg);cursor:pointer}\
button:hover{filter:brightness(.95)}button.danger{color:#b91c1c}\
.note{background:#fef3c7;color:#78350f;padding:.5rem .7rem;border-radius:6px}\
.problem{background:#fee2e2;color:#7f1d1d;padding:.5rem .7rem;border-radius:6px}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left}\
th{font-weight:600;color:var(--muted)}tr.archived{color:var(--muted)}\
.thumb{display:inline-block;margin:.4rem}#picture{max-width:100%}form.delete,form.inline{display:inline}\
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%}\
.ring{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}#week-chart text,#summary-chart text{fill:var(--fg)}\
fieldset.filters{display:flex;flex-wrap:wrap;gap:0 1rem;border:1px solid var(--line);border-radius:6px;margin:.6rem 0}\
fieldset.filters label{margin:.3rem 0}fieldset.filters select{width:12rem}";

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
            a href="/web/reports/summary" { "Summary" }
            a href="/web/reports/weekly" { "Weekly" }
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
                input id="time-zone" type="hidden" name="time_zone" value="";
                button id="sign-in" type="submit" { "Sign in" }
            }
            script src="/web/assets/zone.js" defer {}
        },
    )
}

pub fn home(
    user: &UserRow,
    csrf: &str,
    notices: &[stint_api::Notice],
    dashboard: Markup,
    zone: chrono_tz::Tz,
) -> Html<String> {
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
            (dashboard)
            h2 { "Your time zone" }
            form id="time-zone-form" method="post" action="/web/profile" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Days and times on these pages are in "
                    select id="zone" name="time_zone" {
                        @for z in chrono_tz::TZ_VARIANTS.iter() {
                            option value=(z.name()) selected[*z == zone] { (z.name()) }
                        }
                    }
                }
                button id="save-zone" type="submit" { "Save" }
            }
            h2 { "Your password" }
            form method="post" action="/web/password" {
                input type="hidden" name="csrf" value=(csrf);
                label { "New password " input id="new-password" type="password" name="password" autocomplete="new-password" minlength="10"; }
                label { "Again " input id="repeat-password" type="password" name="repeat" autocomplete="new-password" minlength="10"; }
                button id="set-password" type="submit" { "Set password" }
            }
            h2 { "Your data" }
            p { "See what this server keeps about you, and download your time entries, screenshots and the audit records about you: "
                a id="my-data" href="/web/my-data" { "My data" } "." }
            h2 { "Delete your account" }
            p { "Deletes your account and all its data on this server: your time entries, screenshots, notices and sign-ins. The audit log keeps only that an account was deleted. This cannot be undone." }
            form id="delete-account-form" method="post" action="/web/account/delete" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Type your email (" (user.email) ") to confirm " input id="delete-confirm" type="email" name="confirm" autocomplete="off"; }
                button id="delete-account" type="submit" { "Delete my account" }
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
                fieldset {
                    legend { "Review before upload (screenshots wait on the member's computer, where they may discard one; a discard cuts the time since the previous screenshot)" }
                    @for (value, label, mode) in [("off", "Off: sent when taken", ScreenshotReview::Off), ("allowed", "Each member chooses", ScreenshotReview::Allowed), ("required", "Required for everyone", ScreenshotReview::Required)] {
                        label { input type="radio" name="screenshot_review" value=(value) checked[s.screenshot_review == mode]; " " (label) }
                    }
                    label { "Review window (minutes) "
                        input id="screenshot-review-minutes" type="number" name="screenshot_review_minutes" min="1" max="60" value=(s.screenshot_review_minutes); }
                }
                label {
                    input id="private-apps-allowed" type="checkbox" name="private_apps_allowed" checked[s.private_apps_allowed];
                    " Members may list private apps and sites (their monitor is sent as a plain \"private\" tile)"
                }
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
