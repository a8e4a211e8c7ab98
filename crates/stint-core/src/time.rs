//! Time values a person or a script can mean. Every time that comes in from outside (a
//! request body, a query parameter, a web form) goes through [`sane_time`] or
//! [`sane_date`]: years outside [`EARLIEST_YEAR`]..=[`LATEST_YEAR`] are refused (year 1 or
//! +262142 are typing slips or probes, and date arithmetic near chrono's limits panics), and
//! a leap second (`10:00:60Z`, which chrono keeps as a nanosecond count ≥ 10⁹ and would echo
//! back as `:60`, unparsable for most clients) becomes the next whole second, `10:01:00Z`,
//! as POSIX time does.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// The first year a time may fall in (the Unix epoch).
pub const EARLIEST_YEAR: i32 = 1970;
/// The last year a time may fall in.
pub const LATEST_YEAR: i32 = 2199;

/// A time or date outside the years Stint accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")]
pub struct OutOfRange(pub String);

/// `t` with a leap second folded into the next second, if its year is in range.
///
/// # Errors
/// [`OutOfRange`] for a year before [`EARLIEST_YEAR`] or after [`LATEST_YEAR`].
pub fn sane_time(t: DateTime<Utc>) -> Result<DateTime<Utc>, OutOfRange> {
    if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&t.year()) {
        return Err(OutOfRange(t.to_rfc3339()));
    }
    let nanos = t.nanosecond();
    if nanos < 1_000_000_000 {
        return Ok(t);
    }
    let folded = t
        .with_nanosecond(nanos - 1_000_000_000)
        .and_then(|t| t.checked_add_signed(chrono::Duration::seconds(1)))
        .ok_or_else(|| OutOfRange(t.to_rfc3339()))?;
    if folded.year() > LATEST_YEAR {
        return Err(OutOfRange(folded.to_rfc3339()));
    }
    Ok(folded)
}

/// `d` if its year is in range.
///
/// # Errors
/// [`OutOfRange`] for a year before [`EARLIEST_YEAR`] or after [`LATEST_YEAR`].
pub fn sane_date(d: NaiveDate) -> Result<NaiveDate, OutOfRange> {
    if (EARLIEST_YEAR..=LATEST_YEAR).contains(&d.year()) {
        Ok(d)
    } else {
        Err(OutOfRange(d.to_string()))
    }
}

/// Parses an RFC 3339 time (any offset) into a sane UTC time; the error is a sentence for
/// the caller.
///
/// # Errors
/// A message naming the value when it does not parse or is out of range.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("{text:?} is not an ISO-8601 time like 2026-01-31T09:00:00Z"))?;
    sane_time(t.with_timezone(&Utc)).map_err(|e| e.to_string())
}
