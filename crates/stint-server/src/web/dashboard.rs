//! The home page's dashboard (issue 16): this week (UTC days, Monday first) for the
//! signed-in member, or the whole team for an admin — hours per day as a bar chart, each
//! project's share as a ring, and the entries that took the most time. The charts are
//! inline SVG drawn here: no script and no asset to fetch. The numbers come from the
//! reports' rows (`ops::reports`), so they are the Reports API's.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use maud::{html, Markup};
use stint_api::{ReportEntry, ReportRequest};

use super::{PageError, Session};
use crate::ops::report_csv::hms;
use crate::storage::Role;
use crate::AppState;

/// Monday 00:00 UTC of the week holding `now`.
pub fn week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let day = now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Seconds per day of the week starting `monday`, Monday first.
pub fn per_day(rows: &[ReportEntry], monday: NaiveDate) -> [i64; 7] {
    let mut days = [0i64; 7];
    for r in rows {
        let offset = (r.time_interval.start.date_naive() - monday).num_days();
        if let Some(slot) = usize::try_from(offset).ok().and_then(|i| days.get_mut(i)) {
            *slot = slot.saturating_add(r.time_interval.duration);
        }
    }
    days
}

/// The bar chart: one bar per day that has time (`class="bar"`, with its day and seconds).
fn bars(days: &[i64; 7], monday: NaiveDate) -> Markup {
    let max = days.iter().copied().max().unwrap_or(0).max(1);
    // Bars at most 120 px tall under a 30 px margin, so the tallest one's label shows.
    let (width, height, gap) = (48.0, 120.0, 12.0);
    html! {
        svg id="week-chart" role="img" aria-label="Hours per day this week" width="420" height="190"
            viewBox="0 0 420 190" xmlns="http://www.w3.org/2000/svg" {
            @for (i, seconds) in days.iter().enumerate() {
                @let x = 8.0 + i as f64 * (width + gap);
                @let day = monday + Duration::days(i as i64);
                @let h = height * (*seconds as f64) / (max as f64);
                @if *seconds > 0 {
                    rect class="bar" data-day=(day.to_string()) data-seconds=(seconds)
                        x=(x) y=(150.0 - h) width=(width) height=(h) rx="3" fill="#2563EB" {
                        title { (day.format("%A")) ": " (hms(*seconds)) }
                    }
                    text x=(x + width / 2.0) y=(144.0 - h) text-anchor="middle" font-size="11" { (format!("{:.1}", *seconds as f64 / 3600.0)) }
                }
                text x=(x + width / 2.0) y="168" text-anchor="middle" font-size="12" { (day.format("%a")) }
            }
            line x1="4" y1="150" x2="416" y2="150" stroke="#9ca3af" {}
        }
    }
}

/// Each project's share of the week as a ring (one arc per project, its colour), with a
/// legend that says the hours and the share in words.
fn ring(rows: &[ReportEntry]) -> Markup {
    let mut shares: Vec<(String, String, i64)> = Vec::new();
    for r in rows {
        let name = if r.project_name.is_empty() {
            "(Without project)"
        } else {
            r.project_name.as_str()
        };
        let color = if r.project_color.is_empty() {
            "#9ca3af"
        } else {
            r.project_color.as_str()
        };
        match shares.iter_mut().find(|s| s.0 == name) {
            Some(s) => s.2 = s.2.saturating_add(r.time_interval.duration),
            None => shares.push((name.to_owned(), color.to_owned(), r.time_interval.duration)),
        }
    }
    shares.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let total = shares.iter().map(|s| s.2).sum::<i64>().max(1) as f64;
    let circumference = 2.0 * std::f64::consts::PI * 50.0;
    // Each arc's length and where it starts along the ring.
    let mut start = 0.0;
    let arcs: Vec<(&str, &str, f64, f64)> = shares
        .iter()
        .map(|(name, color, seconds)| {
            let length = circumference * (*seconds as f64) / total;
            let arc = (name.as_str(), color.as_str(), length, start);
            start += length;
            arc
        })
        .collect();
    html! {
        div class="ring" {
            svg id="project-ring" role="img" aria-label="Each project's share of the week" width="140" height="140"
                viewBox="0 0 140 140" xmlns="http://www.w3.org/2000/svg" {
                circle cx="70" cy="70" r="50" fill="none" stroke="#e5e7eb" stroke-width="22" {}
                @for (name, color, length, from) in &arcs {
                    circle class="share" data-project=(name) cx="70" cy="70" r="50" fill="none" stroke=(color)
                        stroke-width="22" stroke-dasharray=(format!("{length:.2} {circumference:.2}"))
                        stroke-dashoffset=(format!("{:.2}", -from)) transform="rotate(-90 70 70)" {
                        title { (name) }
                    }
                }
            }
            ul id="project-shares" {
                @for (name, color, seconds) in &shares {
                    li { span class="dot" style=(format!("background:{color}")) {} " " (name) ": " (hms(*seconds))
                        " (" (format!("{:.0}", 100.0 * *seconds as f64 / total)) " %)" }
                }
            }
        }
    }
}

/// The dashboard for `session`'s member (admins: the team), for the week holding `now`.
pub async fn dashboard(state: &AppState, session: &Session) -> Result<Markup, PageError> {
    let now = (state.clock)();
    let monday = week_start(now);
    let request = ReportRequest::between(
        monday,
        monday + Duration::days(7) - Duration::milliseconds(1),
    );
    let wid = session.user.workspace_id.clone();
    let rows = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::rows(op, &wid, &request)
        })
        .await?;
    let days = per_day(&rows, monday.date_naive());
    let total: i64 = days.iter().sum();
    let mut top: Vec<(String, i64)> = Vec::new();
    for r in &rows {
        let d = if r.description.trim().is_empty() {
            "(Without description)"
        } else {
            r.description.trim()
        };
        match top.iter_mut().find(|t| t.0 == d) {
            Some(t) => t.1 = t.1.saturating_add(r.time_interval.duration),
            None => top.push((d.to_owned(), r.time_interval.duration)),
        }
    }
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(5);
    let whose = if session.user.role == Role::Admin {
        "The team's week"
    } else {
        "Your week"
    };
    Ok(html! {
        section id="dashboard" {
            h2 { (whose) " (from " (monday.format("%A %-d %B")) ", UTC days)" }
            p { "Total " strong id="week-total" { (hms(total)) } }
            @if total == 0 {
                p id="no-time" { "No time tracked yet this week." }
            } @else {
                (bars(&days, monday.date_naive()))
                (ring(&rows))
                h3 { "Most time" }
                ol id="top-entries" { @for (d, s) in &top { li { (d) ": " (hms(*s)) } } }
            }
        }
    })
}
