//! Timestamps are stored as fixed-width UTC text so they sort as text on
//! both backends.

use chrono::{DateTime, NaiveDate, Utc};

pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The ward works in Japan Standard Time: "today" is a JST date.
pub fn jst_date(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(9)).date_naive()
}

/// For display: 2026-11-22 18:04 in JST.
pub fn jst_display(s: &str) -> String {
    match parse_ts(s) {
        Some(t) => (t + chrono::Duration::hours(9))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => s.to_owned(),
    }
}
