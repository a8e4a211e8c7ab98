//! What several pages share: a date range from the query string, and CSV downloads.

use std::collections::HashMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};

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
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                PageError(
                    StatusCode::BAD_REQUEST,
                    format!("{v:?} is not a date (YYYY-MM-DD)"),
                )
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

fn quote(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// A CSV download: every field quoted, CRLF line ends, as spreadsheet exports do.
pub fn csv_download(filename: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Response {
    let line = |fields: Vec<String>| {
        fields
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut csv = line(columns.iter().map(|c| (*c).to_owned()).collect());
    csv.push_str("\r\n");
    for row in rows {
        csv.push_str(&line(row));
        csv.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}
