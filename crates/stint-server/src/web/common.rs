//! What several pages share: a date range from the query string, links with escaped
//! query values, and CSV downloads.

use std::collections::HashMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// A cell a spreadsheet would run as a formula (OWASP's CSV injection list: `=`, `+`, `-`,
/// `@`, tab and carriage return first; and a line feed) gets a leading `'`, so it is shown
/// as text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV download written with the `csv` crate: every field quoted and neutralised
/// ([`neutralise`]), CRLF line ends, as spreadsheet exports do; `excel` starts the file
/// with a UTF-8 byte order mark so Excel reads it as UTF-8.
pub fn csv_download(
    filename: &str,
    columns: &[&str],
    rows: Vec<Vec<String>>,
    excel: bool,
) -> Result<Response, PageError> {
    let mut out = Vec::new();
    if excel {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let failed = |e: csv::Error| {
        PageError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not write the CSV: {e}"),
        )
    };
    writer.write_record(columns).map_err(failed)?;
    for row in &rows {
        writer
            .write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(failed)?;
    }
    let csv = writer
        .into_inner()
        .map_err(|e| failed(e.into_error().into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// Whether the query asks for the Excel flavour of a CSV (`excel=1`).
pub fn wants_excel(q: &HashMap<String, String>) -> bool {
    q.get("excel").map(String::as_str) == Some("1")
}
