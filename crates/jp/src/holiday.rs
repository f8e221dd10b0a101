//! National holidays (国民の祝日に関する法律) and the days the ward's offices
//! are closed (行政機関の休日に関する法律), computed by rule.
//!
//! Rules follow the law as amended up to the present, with the dates each
//! rule took effect: Happy Monday days (2000, 2003), 昭和の日 and the
//! current 振替休日 rule (2007), 山の日 (2016), 天皇誕生日 on 2/23 (2020),
//! the Olympic moves of 2020 and 2021, and the 2019 enthronement days.
//! 春分の日 and 秋分の日 come from the standard formulas for 1900–1979 and
//! 1980–2099 (the official dates are fixed each February in 官報's 暦要項;
//! the formula has matched every one so far); outside those years they are
//! not reported.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// 春分日 in March, 1900–2099.
fn shunbun(year: i32) -> Option<u32> {
    match year {
        1900..=1979 => equinox_day_1900(year, 20_835_700),
        _ => equinox_day(year, 20_843_100),
    }
}

/// 秋分日 in September, 1900–2099.
fn shubun(year: i32) -> Option<u32> {
    match year {
        1900..=1979 => equinox_day_1900(year, 23_258_800),
        _ => equinox_day(year, 23_248_800),
    }
}

/// floor(base + 0.242194 × (y − 1980) − floor((y − 1980) / 4)) for
/// 1980–2099, in millionths of a day to stay exact.
fn equinox_day(year: i32, base_micro: i64) -> Option<u32> {
    if !(1980..=2099).contains(&year) {
        return None;
    }
    let d = i64::from(year - 1980);
    u32::try_from((base_micro + 242_194 * d) / 1_000_000 - d / 4).ok()
}

/// The 1900–1979 variant: int(base + 0.242194 × (y − 1980) −
/// int((y − 1983) / 4)), where int truncates toward zero.
fn equinox_day_1900(year: i32, base_micro: i64) -> Option<u32> {
    let d = i64::from(year - 1980);
    let leap = i64::from(year - 1983) / 4;
    u32::try_from((base_micro + 242_194 * d - leap * 1_000_000) / 1_000_000).ok()
}

/// The 国民の祝日 on a date, if any (not 振替休日 or 国民の休日).
fn shukujitsu(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let monday = date.weekday() == Weekday::Mon;
    let nth_monday = |n: u32| monday && (d - 1) / 7 + 1 == n;
    let name = match (m, d) {
        (1, 1) => "元日",
        (1, _) if y >= 2000 && nth_monday(2) => "成人の日",
        (1, 15) if y < 2000 => "成人の日",
        (2, 11) if y >= 1967 => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (2, 24) if y == 1989 => "昭和天皇の大喪の礼",
        (3, _) if shunbun(y) == Some(d) => "春分の日",
        (4, 29) if y >= 2007 => "昭和の日",
        (4, 29) if y >= 1989 => "みどりの日",
        (4, 29) => "天皇誕生日",
        (5, 1) if y == 2019 => "天皇の即位の日",
        (5, 3) => "憲法記念日",
        (5, 4) if y >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        (6, 9) if y == 1993 => "皇太子徳仁親王の結婚の儀",
        (7, 23) if y == 2020 => "海の日",
        (7, 24) if y == 2020 => "スポーツの日",
        (7, 22) if y == 2021 => "海の日",
        (7, 23) if y == 2021 => "スポーツの日",
        (7, 20) if (1996..=2002).contains(&y) => "海の日",
        (7, _) if y >= 2003 && y != 2020 && y != 2021 && nth_monday(3) => "海の日",
        (8, 10) if y == 2020 => "山の日",
        (8, 8) if y == 2021 => "山の日",
        (8, 11) if y >= 2016 && y != 2020 && y != 2021 => "山の日",
        (9, 15) if (1966..=2002).contains(&y) => "敬老の日",
        (9, _) if y >= 2003 && nth_monday(3) => "敬老の日",
        (9, _) if shubun(y) == Some(d) => "秋分の日",
        (10, 10) if (1966..=1999).contains(&y) => "体育の日",
        (10, _) if (2000..=2019).contains(&y) && nth_monday(2) => "体育の日",
        (10, _) if y >= 2022 && nth_monday(2) => "スポーツの日",
        (10, 22) if y == 2019 => "即位礼正殿の儀の行われる日",
        (11, 3) => "文化の日",
        (11, 12) if y == 1990 => "即位礼正殿の儀の行われる日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if (1989..=2018).contains(&y) => "天皇誕生日",
        _ => return None,
    };
    Some(name)
}

/// 振替休日: a 祝日 on a Sunday moves to the nearest following day that is
/// not a 祝日 (since 2007); from 1973-04-12 to 2006, only to the Monday.
fn is_furikae(date: NaiveDate) -> bool {
    if shukujitsu(date).is_some() {
        return false;
    }
    let Some(before) = date.pred_opt() else {
        return false;
    };
    if date < ymd(1973, 4, 12) {
        return false;
    }
    if date.year() < 2007 {
        return date.weekday() == Weekday::Mon && shukujitsu(before).is_some();
    }
    let mut day = before;
    while shukujitsu(day).is_some() {
        if day.weekday() == Weekday::Sun {
            return true;
        }
        match day.pred_opt() {
            Some(p) => day = p,
            None => return false,
        }
    }
    false
}

/// 国民の休日: a day that is not a 祝日 between two 祝日 (since 1986;
/// until 2006 never a Sunday).
fn is_kokumin_no_kyujitsu(date: NaiveDate) -> bool {
    date.year() >= 1986
        && (date.year() >= 2007 || date.weekday() != Weekday::Sun)
        && shukujitsu(date).is_none()
        && date.pred_opt().and_then(shukujitsu).is_some()
        && date.succ_opt().and_then(shukujitsu).is_some()
}

/// The name of the holiday on a date: a 祝日's own name, 振替休日 or
/// 国民の休日. `None` on an ordinary day.
pub fn is_holiday(date: NaiveDate) -> Option<&'static str> {
    shukujitsu(date).or_else(|| {
        if is_furikae(date) {
            Some("振替休日")
        } else if is_kokumin_no_kyujitsu(date) {
            Some("国民の休日")
        } else {
            None
        }
    })
}

/// The year-end and new-year closure, December 29 to January 3.
pub fn is_year_end_closure(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (12, 29..=31) | (1, 1..=3))
}

/// 閉庁日: a day the ward's offices are closed by law (土曜, 日曜, 休日,
/// 年末年始). Deadlines and visit schedules count only the other days.
pub fn is_heichobi(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        || is_year_end_closure(date)
        || is_holiday(date).is_some()
}

/// The first day on or after `date` on which the offices are open.
pub fn next_kaichobi(date: NaiveDate) -> NaiveDate {
    // The longest closure (年末年始 across a weekend and 振替) is under two
    // weeks; the bound only guards the calendar's end.
    let mut day = date;
    for _ in 0..31 {
        if !is_heichobi(day) {
            return day;
        }
        match day.checked_add_signed(Duration::days(1)) {
            Some(next) => day = next,
            None => return day,
        }
    }
    day
}

/// Every holiday of a year, in date order.
pub fn holidays_in(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| is_holiday(d).map(|name| (d, name)))
        .collect()
}
