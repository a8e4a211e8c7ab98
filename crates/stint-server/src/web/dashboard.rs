//! The home page's dashboard (issue 16): this week (days in the viewer's time zone,
//! Monday first) for the
//! signed-in member, or the whole team for an admin — hours per day as a bar chart, each
//! project's share as a ring, and the entries that took the most time. The charts are
//! inline SVG drawn here: no script and no asset to fetch. The numbers come from the
//! reports' rows (`ops::reports`), so they are the Reports API's.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use stint_api::{ReportEntry, ReportRequest};

use super::common::day_bounds;
use super::{PageError, Session};
use crate::ops::report_csv::hms;
use crate::storage::Role;
use crate::AppState;

/// The Monday (in `zone`) of the week holding `now`.
pub fn week_start(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    monday_of(now.with_timezone(&zone).date_naive())
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The part of an entry's time inside `[from, to)`, in whole seconds (a running entry
/// counted up to its report time). Parts are differences of the seconds elapsed since the
/// entry's start, so the parts of adjacent spans add up to exactly the entry's duration.
fn seconds_within(r: &ReportEntry, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let start = r.time_interval.start;
    let end = start + Duration::seconds(r.time_interval.duration);
    let elapsed = |t: DateTime<Utc>| (t.clamp(start, end) - start).num_seconds();
    (elapsed(to) - elapsed(from)).max(0)
}

/// Seconds per day (in `zone`) of the week starting `monday`, Monday first: an entry over
/// midnight counts on both days, and only its part inside the week counts at all.
pub fn per_day(rows: &[ReportEntry], zone: Tz, monday: NaiveDate) -> [i64; 7] {
    let mut days = [0i64; 7];
    for (i, day) in days.iter_mut().enumerate() {
        let date = monday + Duration::days(i as i64);
        let (from, to) = day_bounds(zone, date, date);
        *day = rows
            .iter()
            .map(|r| seconds_within(r, from, to))
            .fold(0, i64::saturating_add);
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
fn ring(rows: &[ReportEntry], monday: DateTime<Utc>, week_end: DateTime<Utc>) -> Markup {
    // By project id: a project named "(Without project)" is not the entries without one.
    let mut shares: Vec<(Option<String>, String, String, i64)> = Vec::new();
    for r in rows {
        let seconds = seconds_within(r, monday, week_end);
        if seconds == 0 {
            continue;
        }
        match shares.iter_mut().find(|s| s.0 == r.project_id) {
            Some(s) => s.3 = s.3.saturating_add(seconds),
            None => {
                let name = match &r.project_id {
                    Some(_) => r.project_name.clone(),
                    None => "(Without project)".to_owned(),
                };
                let color = match &r.project_id {
                    Some(_) if !r.project_color.is_empty() => r.project_color.clone(),
                    _ => "#9ca3af".to_owned(),
                };
                shares.push((r.project_id.clone(), name, color, seconds));
            }
        }
    }
    let mut shares: Vec<(String, String, i64)> =
        shares.into_iter().map(|(_, n, c, s)| (n, c, s)).collect();
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
    let first_day = week_start(now, session.zone);
    let (monday, week_end) = day_bounds(session.zone, first_day, first_day + Duration::days(6));
    // Entries that started up to a week before Monday may run into this week.
    let request = ReportRequest::between(
        monday - Duration::days(7),
        week_end - Duration::milliseconds(1),
    );
    let wid = session.user.workspace_id.clone();
    let rows = state
        .read_op(&session.user, move |op| {
            crate::ops::reports::rows(op, &wid, &request)
        })
        .await?;
    let days = per_day(&rows, session.zone, first_day);
    let total: i64 = days.iter().sum();
    let mut top: Vec<(String, i64)> = Vec::new();
    for r in &rows {
        let seconds = seconds_within(r, monday, week_end);
        if seconds == 0 {
            continue;
        }
        let d = if r.description.trim().is_empty() {
            "(Without description)"
        } else {
            r.description.trim()
        };
        match top.iter_mut().find(|t| t.0 == d) {
            Some(t) => t.1 = t.1.saturating_add(seconds),
            None => top.push((d.to_owned(), seconds)),
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
            h2 { (whose) " (from " (first_day.format("%A %-d %B")) ", days in " (session.zone.name()) ")" }
            p { "Total " strong id="week-total" { (hms(total)) } " · an entry over midnight counts on both days (reports count it on the day it starts)" }
            @if total == 0 {
                p id="no-time" { "No time tracked yet this week." }
            } @else {
                (bars(&days, first_day))
                (ring(&rows, monday, week_end))
                h3 { "Most time" }
                ol id="top-entries" { @for (d, s) in &top { li { (d) ": " (hms(*s)) } } }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use stint_api::ReportInterval;

    fn entry(project: Option<&str>, name: &str, start: DateTime<Utc>, hours: i64) -> ReportEntry {
        ReportEntry {
            id: format!("{start}"),
            description: String::new(),
            user_id: "u".into(),
            user_name: String::new(),
            user_email: String::new(),
            billable: false,
            project_id: project.map(str::to_owned),
            project_name: name.into(),
            project_color: "#123456".into(),
            client_id: None,
            client_name: String::new(),
            task_id: None,
            task_name: String::new(),
            tags: Vec::new(),
            time_interval: ReportInterval {
                start,
                end: Some(start + Duration::hours(hours)),
                duration: hours * 3600,
            },
            is_locked: false,
            invoiced: false,
            rate: 0,
            amount: 0,
        }
    }

    #[test]
    fn days_split_at_midnight_and_the_week_keeps_only_its_part() {
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let rows = [
            // Sunday 20:00 before the week to Monday 06:00: six hours on Monday.
            entry(None, "", monday - Duration::hours(4), 10),
            // Thursday 22:00 to Friday 04:00: two hours and four.
            entry(None, "", monday + Duration::hours(3 * 24 + 22), 6),
            // Sunday 22:00 into next week: two hours.
            entry(None, "", monday + Duration::hours(6 * 24 + 22), 5),
        ];
        let days = per_day(&rows, chrono_tz::UTC, monday.date_naive());
        assert_eq!(days.map(|s| s / 3600), [6, 0, 0, 2, 4, 0, 2]);
    }

    #[test]
    fn the_ring_tells_projects_apart_by_id_not_name() {
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let rows = [
            entry(Some("p1"), "(Without project)", monday, 3),
            entry(None, "", monday + Duration::hours(5), 2),
        ];
        let html = ring(&rows, monday, monday + Duration::days(7)).into_string();
        assert_eq!(html.matches("class=\"share\"").count(), 2, "{html}");
    }
}
