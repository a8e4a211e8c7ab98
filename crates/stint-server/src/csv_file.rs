//! CSV files as spreadsheet exports write them (the web pages' and the Reports API's
//! exports): every field quoted, CRLF line ends, formula-like cells neutralised.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A cell a spreadsheet would run as a formula (OWASP's CSV injection list: `=`, `+`, `-`,
/// `@`, tab and carriage return first; and a line feed) gets a leading `'`, so it is shown
/// as text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The file's bytes, written with the `csv` crate; `excel` starts it with a UTF-8 byte
/// order mark so Excel reads it as UTF-8. The error says what failed.
pub fn bytes(columns: &[&str], rows: &[Vec<String>], excel: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if excel {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let failed = |e: csv::Error| format!("could not write the CSV: {e}");
    writer.write_record(columns).map_err(failed)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| failed(e.into_error().into()))
}

/// `csv` as a download named `filename`.
pub fn download(filename: &str, csv: Vec<u8>) -> Response {
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
