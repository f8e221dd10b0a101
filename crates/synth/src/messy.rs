//! Making an export look like other municipalities' exports, and recording
//! exactly what was done so importer tests can check they reject exactly the
//! bad rows and accept every merely unusual one.

use rand::Rng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::error::SynthError;
use crate::names::choose;
use crate::resident::Resident;
use crate::wareki::{DateStyle, Era};

/// What to do to rows. Shares are fractions of rows (0.0–1.0), decided per
/// row independently. The default does nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Messiness {
    /// Seeds the messiness draws, independent of the residents' seed.
    pub seed: u64,
    /// Date notation of the whole file; a municipality's export uses one.
    pub date_style: DateStyle,
    /// Rows whose dates use some other notation than `date_style`.
    pub mixed_dates: f64,
    /// Rows whose kana name is half-width (ﾊﾏﾀﾞ ﾏｺﾄ).
    pub halfwidth_kana: f64,
    /// Rows whose postal code and phone use full-width digits (１６９－００５１).
    pub fullwidth_digits: f64,
    /// Rows whose 方書 holds a comma, so the field must be quoted.
    pub comma_in_katagaki: f64,
    /// Rows made invalid: impossible date, nonexistent era date, six-digit
    /// postal code, or blank name.
    pub bad_rows: f64,
    /// Rows repeated verbatim one to four lines later.
    pub duplicates: f64,
}

impl Messiness {
    /// A plausible mix for import tests: one row in a hundred bad, one in two
    /// hundred duplicated, many merely unusual.
    pub fn typical(seed: u64) -> Self {
        Messiness {
            seed,
            date_style: DateStyle::Slash,
            mixed_dates: 0.2,
            halfwidth_kana: 0.1,
            fullwidth_digits: 0.05,
            comma_in_katagaki: 0.02,
            bad_rows: 0.01,
            duplicates: 0.005,
        }
    }

    pub fn is_off(&self) -> bool {
        self.date_style == DateStyle::Slash
            && [
                self.mixed_dates,
                self.halfwidth_kana,
                self.fullwidth_digits,
                self.comma_in_katagaki,
                self.bad_rows,
                self.duplicates,
            ]
            .iter()
            .all(|&s| s == 0.0)
    }

    pub(crate) fn rates(&self) -> Result<Rates, SynthError> {
        Ok(Rates {
            mixed_dates: ppm("mixed_dates", self.mixed_dates)?,
            halfwidth_kana: ppm("halfwidth_kana", self.halfwidth_kana)?,
            fullwidth_digits: ppm("fullwidth_digits", self.fullwidth_digits)?,
            comma_in_katagaki: ppm("comma_in_katagaki", self.comma_in_katagaki)?,
            bad_rows: ppm("bad_rows", self.bad_rows)?,
            duplicates: ppm("duplicates", self.duplicates)?,
        })
    }
}

const MILLION: u32 = 1_000_000;

/// Shares as parts per million, so per-row decisions are integer draws that
/// give the same result on every platform.
pub(crate) struct Rates {
    mixed_dates: u32,
    halfwidth_kana: u32,
    fullwidth_digits: u32,
    comma_in_katagaki: u32,
    bad_rows: u32,
    duplicates: u32,
}

fn ppm(field: &'static str, share: f64) -> Result<u32, SynthError> {
    if !(0.0..=1.0).contains(&share) {
        return Err(SynthError::InvalidOption {
            field,
            reason: "must be a share between 0.0 and 1.0",
        });
    }
    // In range and finite, so the product fits in u32.
    Ok((share * f64::from(MILLION)).round() as u32)
}

/// One thing done to one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mess {
    /// Valid: dates written in `style` instead of the file's notation.
    DateStyle { style: DateStyle },
    /// Valid: kana name in half-width katakana.
    HalfwidthKana,
    /// Valid: postal code and phone in full-width digits.
    FullwidthDigits,
    /// Valid: 方書 contains a comma; the field is quoted.
    CommaInKatagaki,
    /// Bad: a birth date that does not exist (2001/02/30).
    InvalidDate { written: String },
    /// Bad: a birth date in an era that had ended or not begun (昭和64年2月1日).
    NonexistentEraDate { written: String },
    /// Bad: a postal code with six digits.
    SixDigitPostal { written: String },
    /// Bad: kana and kanji name both empty.
    BlankName,
    /// Bad: a verbatim copy of line `of_line`.
    Duplicate { of_line: u64 },
}

impl Mess {
    /// Whether an importer must reject the line.
    pub fn is_bad(&self) -> bool {
        matches!(
            self,
            Mess::InvalidDate { .. }
                | Mess::NonexistentEraDate { .. }
                | Mess::SixDigitPostal { .. }
                | Mess::BlankName
                | Mess::Duplicate { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TruthEntry {
    /// 1-based physical line in the file; the header is line 1. No field
    /// ever holds a line break, so lines and records coincide.
    pub line: u64,
    pub atena_no: u64,
    pub mess: Mess,
}

/// What a written file contains, beyond the residents themselves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Truth {
    /// Notation of every date not listed with [`Mess::DateStyle`].
    pub date_style: DateStyle,
    /// Residents written (duplicates not counted).
    pub residents: u64,
    /// Lines after the header (duplicates counted).
    pub data_lines: u64,
    /// In line order; a line may have several entries.
    pub entries: Vec<TruthEntry>,
}

impl Truth {
    /// Lines an importer must reject, ascending.
    pub fn bad_lines(&self) -> Vec<u64> {
        self.lines_where(|m| m.is_bad())
    }

    /// Lines that are unusual but valid and must be imported, ascending.
    pub fn messy_valid_lines(&self) -> Vec<u64> {
        let bad = self.bad_lines();
        let mut v = self.lines_where(|m| !m.is_bad());
        v.retain(|l| bad.binary_search(l).is_err());
        v
    }

    fn lines_where(&self, f: impl Fn(&Mess) -> bool) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| f(&e.mess))
            .map(|e| e.line)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// How one row is to be written.
pub(crate) struct RowPlan {
    pub date_style: DateStyle,
    pub halfwidth_kana: bool,
    pub fullwidth_digits: bool,
    pub comma_in_katagaki: bool,
    pub bad: Option<Bad>,
    /// Rows to wait before writing a verbatim copy.
    pub duplicate_after: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Bad {
    /// (month, day) that never exists in the birth year.
    InvalidDate(u32, u32),
    /// (era, year of era, month, day, Gregorian year) that never existed.
    NonexistentEra(Era, u32, u32, u32, i32),
    SixDigitPostal,
    BlankName,
}

/// Dates that look like 和暦 dates but fall outside their era.
const NONEXISTENT_ERA_DATES: &[(Era, u32, u32, u32, i32)] = &[
    (Era::Showa, 64, 2, 1, 1989),
    (Era::Heisei, 1, 1, 7, 1989),
    (Era::Heisei, 31, 5, 1, 2019),
    (Era::Reiwa, 1, 4, 30, 2019),
];

impl RowPlan {
    pub(crate) fn plain(date_style: DateStyle) -> Self {
        RowPlan {
            date_style,
            halfwidth_kana: false,
            fullwidth_digits: false,
            comma_in_katagaki: false,
            bad: None,
            duplicate_after: None,
        }
    }

    /// Draws the plan for `r`. Every row consumes draws in the same order.
    pub(crate) fn draw(
        rng: &mut ChaCha20Rng,
        rates: &Rates,
        file_style: DateStyle,
        r: &Resident,
    ) -> Self {
        let hit = |rng: &mut ChaCha20Rng, ppm: u32| ppm > 0 && rng.gen_ratio(ppm, MILLION);
        let mut plan = RowPlan::plain(file_style);
        if hit(rng, rates.mixed_dates) {
            let others: Vec<DateStyle> = DateStyle::ALL
                .into_iter()
                .filter(|&s| s != file_style)
                .collect();
            plan.date_style = *choose(rng, &others, &file_style);
        }
        plan.halfwidth_kana = hit(rng, rates.halfwidth_kana);
        plan.fullwidth_digits = hit(rng, rates.fullwidth_digits);
        // Only a building-and-room 方書 has a natural place for a comma.
        plan.comma_in_katagaki = hit(rng, rates.comma_in_katagaki) && r.katagaki.ends_with("号室");
        if hit(rng, rates.bad_rows) {
            plan.bad = Some(match rng.gen_range(0..4u32) {
                0 => {
                    let y = chrono::Datelike::year(&r.birth_date);
                    let leap = chrono::NaiveDate::from_ymd_opt(y, 2, 29).is_some();
                    let mut days = vec![(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)];
                    if !leap {
                        days.push((2, 29));
                    }
                    let (m, d) = *choose(rng, &days, &(2, 30));
                    Bad::InvalidDate(m, d)
                }
                1 => {
                    let (e, n, m, d, y) =
                        *choose(rng, NONEXISTENT_ERA_DATES, &(Era::Showa, 64, 2, 1, 1989));
                    Bad::NonexistentEra(e, n, m, d, y)
                }
                2 => Bad::SixDigitPostal,
                _ => Bad::BlankName,
            });
        } else if hit(rng, rates.duplicates) {
            plan.duplicate_after = Some(rng.gen_range(0..4));
        }
        plan
    }
}

/// Half-width forms of U+30A1 (ァ) … U+30F6 (ヶ). Voiced kana take two
/// characters (ｶﾞ); ヮ ヰ ヱ ヵ ヶ have no half-width form and take the
/// nearest one, as conversion tables in municipal systems do.
const HALFWIDTH: [&str; 86] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", //
    "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ", //
    "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", //
    "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", //
    "ﾄﾞ", "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", //
    "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", //
    "ﾎﾟ", "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", "ｬ", "ﾔ", "ｭ", "ﾕ", //
    "ｮ", "ﾖ", "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", "ﾜ", "ﾜ", "ｲ", //
    "ｴ", "ｦ", "ﾝ", "ｳﾞ", "ｶ", "ｹ",
];

/// Appends `s` with full-width katakana, ー and U+3000 in half-width form.
pub(crate) fn push_halfwidth_kana(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\u{3000}' => out.push(' '),
            'ー' => out.push('ｰ'),
            '\u{30A1}'..='\u{30F6}' => {
                let i = (u32::from(c) - 0x30A1) as usize;
                out.push_str(HALFWIDTH.get(i).copied().unwrap_or("?"));
            }
            _ => out.push(c),
        }
    }
}

/// Appends `s` with ASCII digits and hyphens in full-width form.
pub(crate) fn push_fullwidth_digits(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '0'..='9' => {
                let fw = char::from_u32(u32::from(c) - u32::from('0') + 0xFF10);
                out.push(fw.unwrap_or(c));
            }
            // FULLWIDTH HYPHEN-MINUS, the CP932 form (0x817C).
            '-' => out.push('\u{FF0D}'),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth_examples() {
        let mut s = String::new();
        push_halfwidth_kana(&mut s, "ハマダ　マコト");
        assert_eq!(s, "ﾊﾏﾀﾞ ﾏｺﾄ");
        s.clear();
        push_halfwidth_kana(&mut s, "グエン　ヴァンアン");
        assert_eq!(s, "ｸﾞｴﾝ ｳﾞｧﾝｱﾝ");
        s.clear();
        push_halfwidth_kana(&mut s, "ジェームズ　パク");
        assert_eq!(s, "ｼﾞｪｰﾑｽﾞ ﾊﾟｸ");
    }

    #[test]
    fn fullwidth_examples() {
        let mut s = String::new();
        push_fullwidth_digits(&mut s, "169-0051");
        assert_eq!(s, "１６９－００５１");
    }

    #[test]
    fn shares_are_checked() {
        let m = Messiness {
            bad_rows: 1.5,
            ..Messiness::default()
        };
        assert!(matches!(
            m.rates(),
            Err(SynthError::InvalidOption {
                field: "bad_rows",
                ..
            })
        ));
        let nan = Messiness {
            duplicates: f64::NAN,
            ..Messiness::default()
        };
        assert!(nan.rates().is_err());
        assert!(Messiness::default().is_off());
        assert!(!Messiness::typical(1).is_off());
    }
}
