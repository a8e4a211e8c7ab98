//! What several pages share: a date range from the query string, days in the viewer's
//! time zone, links with escaped query values, and CSV downloads.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::PageError;

/// `start` and `end` (YYYY-MM-DD, both days included) from the query, by default the last
/// seven days; refused when reversed or longer than `max_days`, with `too_long` as the
/// reason.
pub fn date_range(
    q: &HashMap<String, String>,
    max_days: i64,
    too_long: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), PageError> {
    let date = |name: &str, default: NaiveDate| -> Result<NaiveDate, PageError> {
        match q.get(name).filter(|v| !v.is_empty()) {
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| {
                    PageError(
                        StatusCode::BAD_REQUEST,
                        format!("{v:?} is not a date (YYYY-MM-DD)"),
                    )
                })
                .and_then(|d| {
                    stint_api::sane_date(d)
                        .map_err(|e| PageError(StatusCode::BAD_REQUEST, format!("{e}.")))
                }),
            None => Ok(default),
        }
    };
    let (start, end) = (
        date("start", today - Duration::days(6))?,
        date("end", today)?,
    );
    if end < start || end - start >= Duration::days(max_days) {
        return Err(PageError(StatusCode::BAD_REQUEST, too_long.to_owned()));
    }
    Ok((start, end))
}

/// The first moment of `day` in `zone`, as a UTC instant: midnight, or the first hour that
/// exists where a clock change skips midnight.
pub fn midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    (0..4)
        .find_map(|hour| {
            let local = day.and_hms_opt(hour, 0, 0)?;
            zone.from_local_datetime(&local).earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The half-open range `[start's first moment, the first moment of the day after end)` of
/// whole days `start` to `end` in `zone`, both included (a day may last 23 or 25 hours).
/// The dates come from [`date_range`], so nothing overflows.
pub fn day_bounds(zone: Tz, start: NaiveDate, end: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        midnight(zone, start),
        midnight(zone, end + Duration::days(1)),
    )
}

/// Percent-encodes a query value (everything but unreserved characters), so what a user
/// typed can never end or extend the URL or a header it is put in.
pub fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A CSV download ([`crate::csv_file`]); a failure to write it is a page error.
pub fn csv_download(
    filename: &str,
    columns: &[&str],
    rows: Vec<Vec<String>>,
    excel: bool,
) -> Result<Response, PageError> {
    let csv = crate::csv_file::bytes(columns, &rows, excel)
        .map_err(|e| PageError(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(crate::csv_file::download(filename, csv))
}

/// Whether the query asks for the Excel flavour of a CSV (`excel=1`).
pub fn wants_excel(q: &HashMap<String, String>) -> bool {
    q.get("excel").map(String::as_str) == Some("1")
}
