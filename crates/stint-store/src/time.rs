//! Timestamps are stored as fixed-width RFC 3339 UTC text with milliseconds, so that text
//! order is time order and a person reading the file sees real times. Shared with the
//! private store (stint-private), whose file follows the same rule.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::StoreError;

pub fn to_sql(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn from_sql(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::BadTimestamp(s.to_owned()))
}
