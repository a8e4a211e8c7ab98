//! What several pages share: a date range from the query string, links with escaped
//! query values, and CSV downloads.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::PageError;

/// `start` and `end` (YYYY-MM-DD, both days included) from the query, by default the last
/// seven days; refused when reversed or longer than `max_days`, with `too_long` as the
/// reason.
pub fn date_range(
    q: &HashMap<String, String>,
    max_days: i64,
    too_long: &str,
) -> Result<(NaiveDate, NaiveDate), PageError> {
    let today = Utc::now().date_naive();
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

/// The half-open UTC range `[start 00:00, the day after end 00:00)` of whole days `start`
/// to `end`, both included. The dates come from [`date_range`], so nothing overflows.
pub fn day_bounds(start: NaiveDate, end: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    (midnight(start), midnight(end + Duration::days(1)))
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
