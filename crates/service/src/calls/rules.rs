//! When a person may be called: calling hours per weekday (JST), never on a
//! national holiday or in the year-end closure (12/29–1/3), at most so many
//! attempts, at least so long between two. Stored as JSON with the plan.

use crate::error::{Result, ServiceError};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc,
};
use serde::{Deserialize, Serialize};

/// Japan keeps no daylight saving time: JST is always UTC+9.
pub(crate) fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap_or(chrono::Offset::fix(&Utc))
}

/// Weekday labels, Monday first (chrono's `num_days_from_monday`).
pub const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// Calling hours of one weekday, in minutes after midnight JST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub from: u16,
    pub until: u16,
}

impl Hours {
    /// `9:00-20:00` (also full-width, `〜` or `~`); empty means no calls.
    pub fn parse(s: &str) -> Result<Option<Hours>> {
        let s = itaku_jp::fold_width(s.trim());
        if s.is_empty() || s == "-" || s == "休" {
            return Ok(None);
        }
        let bad = || {
            ServiceError::Invalid(format!(
                "発信時間は「9:00-20:00」の形で入力してください: {s}"
            ))
        };
        let (a, b) = s.split_once(['-', '~', '〜', '～']).ok_or_else(bad)?;
        let minutes = |t: &str| -> Result<u16> {
            if t.trim() == "24:00" {
                return Ok(24 * 60);
            }
            let t = NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad())?;
            Ok((t.hour() * 60 + t.minute()) as u16)
        };
        let (from, until) = (minutes(a)?, minutes(b)?);
        if from >= until {
            return Err(ServiceError::Invalid(format!(
                "発信時間の終わりは始まりより後にしてください: {s}"
            )));
        }
        Ok(Some(Hours { from, until }))
    }

    pub fn label(self) -> String {
        format!(
            "{}:{:02}-{}:{:02}",
            self.from / 60,
            self.from % 60,
            self.until / 60,
            self.until % 60
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRules {
    pub max_attempts: u32,
    pub min_gap_minutes: i64,
    /// How long a taken target stays with its operator without a result.
    pub hold_minutes: i64,
    /// Monday first.
    pub hours: [Option<Hours>; 7],
    /// No calls on national holidays and in the year-end closure. Only a
    /// demonstration turns this off.
    #[serde(default = "yes")]
    pub observe_holidays: bool,
}

fn yes() -> bool {
    true
}

impl Default for CallRules {
    /// Weekdays 9–20, Saturdays 10–17, no calls on Sundays (seed 002's
    /// call centre hours are of this shape).
    fn default() -> Self {
        let weekday = Some(Hours {
            from: 9 * 60,
            until: 20 * 60,
        });
        Self {
            max_attempts: 5,
            min_gap_minutes: 60,
            hold_minutes: 15,
            hours: [
                weekday,
                weekday,
                weekday,
                weekday,
                weekday,
                Some(Hours {
                    from: 10 * 60,
                    until: 17 * 60,
                }),
                None,
            ],
            observe_holidays: true,
        }
    }
}

/// A day the ward's business takes no calls.
pub fn closed_day(d: NaiveDate) -> Option<&'static str> {
    if itaku_jp::is_year_end_closure(d) {
        return Some("年末年始");
    }
    itaku_jp::is_holiday(d)
}

impl CallRules {
    pub fn check(&self) -> Result<()> {
        if !(1..=20).contains(&self.max_attempts) {
            return Err(ServiceError::Invalid(
                "最大発信回数は 1〜20 回にしてください".into(),
            ));
        }
        if !(0..=7 * 24 * 60).contains(&self.min_gap_minutes) {
            return Err(ServiceError::Invalid(
                "発信の最小間隔は 0 分〜7 日にしてください".into(),
            ));
        }
        if !(1..=240).contains(&self.hold_minutes) {
            return Err(ServiceError::Invalid(
                "担当の保持時間は 1〜240 分にしてください".into(),
            ));
        }
        if self.hours.iter().all(Option::is_none) {
            return Err(ServiceError::Invalid(
                "発信できる曜日が一日もありません".into(),
            ));
        }
        Ok(())
    }

    fn window(&self, d: NaiveDate) -> Option<Hours> {
        if self.observe_holidays && closed_day(d).is_some() {
            return None;
        }
        self.hours[d.weekday().num_days_from_monday() as usize]
    }

    /// Whether a call may be made at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&tokyo());
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.window(local.date_naive())
            .is_some_and(|h| h.from <= minute && minute < h.until)
    }

    /// The first moment at or after `at` when calling is allowed (None if
    /// no such moment within a year, which `check` rules out).
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        let local = at.with_timezone(&tokyo());
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let today = local.date_naive();
        for offset in 0..366 {
            let day = today + Duration::days(offset);
            let Some(h) = self.window(day) else { continue };
            if offset == 0 && minute >= h.from {
                continue;
            }
            let start = day.and_hms_opt(u32::from(h.from / 60), u32::from(h.from % 60), 0)?;
            return tokyo()
                .from_local_datetime(&start)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        tokyo()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn hours_parse_in_any_width() {
        assert_eq!(
            Hours::parse("９：００〜２０：００").unwrap(),
            Some(Hours {
                from: 540,
                until: 1200
            })
        );
        assert_eq!(Hours::parse("").unwrap(), None);
        assert!(Hours::parse("20:00-9:00").is_err());
        assert!(Hours::parse("朝から").is_err());
        assert_eq!(
            Hours::parse("10:00-17:30").unwrap().unwrap().label(),
            "10:00-17:30"
        );
        assert_eq!(Hours::parse("0:00-24:00").unwrap().unwrap().until, 1440);
    }

    #[test]
    fn weekday_hours_saturday_sunday() {
        let r = CallRules::default();
        // 2026-11-24 is a Tuesday.
        assert!(r.is_open(jst(2026, 11, 24, 9, 0)));
        assert!(!r.is_open(jst(2026, 11, 24, 8, 59)));
        assert!(!r.is_open(jst(2026, 11, 24, 20, 0)));
        // Saturday closes at 17:00; Sunday has no calls.
        assert!(r.is_open(jst(2026, 11, 28, 16, 59)));
        assert!(!r.is_open(jst(2026, 11, 28, 17, 0)));
        assert!(!r.is_open(jst(2026, 11, 29, 12, 0)));
    }

    #[test]
    fn holidays_and_year_end_are_skipped() {
        let r = CallRules::default();
        // 2026-11-23 (Mon) is 勤労感謝の日: the next call is Tuesday 9:00.
        assert!(!r.is_open(jst(2026, 11, 23, 10, 0)));
        assert_eq!(
            r.next_open(jst(2026, 11, 23, 10, 0)),
            Some(jst(2026, 11, 24, 9, 0))
        );
        // From the evening of 12/28 (Mon) past the closure and 1/4 (Mon).
        assert_eq!(
            r.next_open(jst(2026, 12, 28, 20, 30)),
            Some(jst(2027, 1, 4, 9, 0))
        );
        // Friday 21:00 → Saturday 10:00.
        assert_eq!(
            r.next_open(jst(2026, 11, 27, 21, 0)),
            Some(jst(2026, 11, 28, 10, 0))
        );
        // Early morning → the same day's opening.
        assert_eq!(
            r.next_open(jst(2026, 11, 25, 6, 0)),
            Some(jst(2026, 11, 25, 9, 0))
        );
        // A rule that ignores holidays calls on 勤労感謝の日.
        let demo = CallRules {
            observe_holidays: false,
            ..CallRules::default()
        };
        assert!(demo.is_open(jst(2026, 11, 23, 10, 0)));
        // Already open → now.
        assert_eq!(
            r.next_open(jst(2026, 11, 25, 12, 34)),
            Some(jst(2026, 11, 25, 12, 34))
        );
    }

    #[test]
    fn check_refuses_nonsense() {
        let mut r = CallRules::default();
        assert!(r.check().is_ok());
        r.max_attempts = 0;
        assert!(r.check().is_err());
        let r = CallRules {
            hours: [None; 7],
            ..CallRules::default()
        };
        assert!(r.check().is_err());
    }
}
