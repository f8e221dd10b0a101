//! Age and fiscal-year arithmetic.

use chrono::{Datelike, NaiveDate};

/// Age on `on` under the Act on Calculation of Age (年齢計算ニ関スル法律): a
/// person attains an age at the end of the day before the birthday, so by
/// the end of `on` everyone whose birthday is `on + 1` already holds the new
/// age. That is why someone born on 1 April is a year older "on 31 March" than
/// someone born on 2 April, and someone born on 29 February turns a year older
/// at the end of 28 February in a common year.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let end_of_day = on.succ_opt().unwrap_or(on);
    let years = end_of_day.year() - birth.year();
    if (end_of_day.month(), end_of_day.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// The fiscal year (年度) containing `date`: April to March, named by the
/// calendar year in which it starts.
pub fn fiscal_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// 31 March ending fiscal year `fy`.
pub fn fiscal_year_end(fy: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(fy + 1, 3, 31)
}

/// The same month and day `years` later (earlier if negative); 29 February
/// becomes 28 February in a common year.
pub(crate) fn shift_years(date: NaiveDate, years: i32) -> Option<NaiveDate> {
    let y = date.year() + years;
    NaiveDate::from_ymd_opt(y, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, date.month(), 28))
}

/// Day number for uniform draws between dates.
pub(crate) fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

pub(crate) fn from_day_number(n: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_is_attained_the_day_before_the_birthday() {
        // The sample file's own cases: born 1 April is a year older on 31 March.
        assert_eq!(age_on(d(1951, 4, 1), d(2027, 3, 31)), 76);
        assert_eq!(age_on(d(1951, 4, 2), d(2027, 3, 31)), 75);
        assert_eq!(age_on(d(1985, 10, 9), d(2027, 3, 31)), 41);
        assert_eq!(age_on(d(1985, 10, 9), d(2026, 10, 7)), 40);
        assert_eq!(age_on(d(1985, 10, 9), d(2026, 10, 8)), 41);
    }

    #[test]
    fn leap_day_birthday() {
        assert_eq!(age_on(d(2004, 2, 29), d(2025, 2, 27)), 20);
        assert_eq!(age_on(d(2004, 2, 29), d(2025, 2, 28)), 21);
        assert_eq!(age_on(d(2004, 2, 29), d(2028, 2, 28)), 24);
    }

    #[test]
    fn fiscal_years() {
        assert_eq!(fiscal_year_of(d(2026, 3, 31)), 2025);
        assert_eq!(fiscal_year_of(d(2026, 4, 1)), 2026);
        assert_eq!(fiscal_year_end(2026), Some(d(2027, 3, 31)));
        assert_eq!(shift_years(d(2004, 2, 29), 1), Some(d(2005, 2, 28)));
    }
}
