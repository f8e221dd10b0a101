//! Synthetic screening results (特定健診 受診結果) for a list of targets
//! whose attendance probability the caller sets — so a demo can plant a known
//! effect of the call in some segments and none in others, and the analysis
//! must find it. Written in the layout of the shipped results profile
//! (`shinjuku-kenshin-results.toml`).

use std::io::Write;

use chrono::{Duration, NaiveDate};
use encoding_rs::SHIFT_JIS;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::error::SynthError;

/// The header of a results file.
pub const RESULTS_HEADER: &str = "受診券整理番号,受診日,健診種別,BMI,収縮期血圧,HbA1c";

/// One screening.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningResult {
    pub jushinken_no: String,
    pub date: NaiveDate,
    pub kind: &'static str,
    /// BMI × 10.
    pub bmi10: u16,
    pub sbp: u16,
    /// HbA1c × 10.
    pub hba1c10: u16,
}

/// Who attended: each target `(受診券整理番号, probability)` attends with
/// its probability, on a day from `from` to `until` (inclusive; earlier days
/// more likely, as screenings bunch after the vouchers arrive). The same
/// seed gives the same results.
pub fn screening_results(
    seed: u64,
    from: NaiveDate,
    until: NaiveDate,
    targets: &[(String, f64)],
) -> Vec<ScreeningResult> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let start = from;
    let days = (until - from).num_days().max(0) + 1;
    let mut out = Vec::new();
    for (no, p) in targets {
        let u: f64 = rng.gen();
        // Draw every value even for non-attenders, so one person's
        // probability does not shift everyone else's draws.
        let day = rng.gen_range(0..days).min(rng.gen_range(0..days));
        let bmi10 = rng.gen_range(170..300);
        let sbp = rng.gen_range(100..165);
        let hba1c10 = rng.gen_range(48..70);
        let dock = rng.gen_range(0..20) == 0;
        if u < *p {
            out.push(ScreeningResult {
                jushinken_no: no.clone(),
                date: start + Duration::days(day),
                kind: if dock {
                    "人間ドック"
                } else {
                    "特定健診"
                },
                bmi10,
                sbp,
                hba1c10,
            });
        }
    }
    out
}

/// Writes `rows` as the ward's CP932 CSV (CRLF).
pub fn write_results_csv<W: Write>(mut w: W, rows: &[ScreeningResult]) -> Result<(), SynthError> {
    let mut text = format!("{RESULTS_HEADER}\r\n");
    for r in rows {
        text.push_str(&format!(
            "{},{},{},{}.{},{},{}.{}\r\n",
            r.jushinken_no,
            r.date.format("%Y-%m-%d"),
            r.kind,
            r.bmi10 / 10,
            r.bmi10 % 10,
            r.sbp,
            r.hba1c10 / 10,
            r.hba1c10 % 10
        ));
    }
    let (bytes, _, bad) = SHIFT_JIS.encode(&text);
    if bad {
        return Err(SynthError::Unencodable { line: 0, ch: '?' });
    }
    w.write_all(&bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_respected_and_seeded() {
        let targets: Vec<(String, f64)> = (0..4000)
            .map(|i| (format!("{:011}", i), if i % 2 == 0 { 0.2 } else { 0.6 }))
            .collect();
        let fy = 2026;
        let (from, until) = (
            NaiveDate::from_ymd_opt(fy, 6, 1).unwrap(),
            NaiveDate::from_ymd_opt(fy + 1, 2, 28).unwrap(),
        );
        let a = screening_results(7, from, until, &targets);
        assert_eq!(a, screening_results(7, from, until, &targets));
        let even = a
            .iter()
            .filter(|r| r.jushinken_no.ends_with(['0', '2', '4', '6', '8']))
            .count();
        let odd = a.len() - even;
        assert!((300..500).contains(&even), "{even}");
        assert!((1100..1300).contains(&odd), "{odd}");
        let fy = 2026;
        assert!(a
            .iter()
            .all(|r| r.date >= NaiveDate::from_ymd_opt(fy, 6, 1).unwrap()
                && r.date <= NaiveDate::from_ymd_opt(fy + 1, 2, 28).unwrap()));
        let mut csv = Vec::new();
        write_results_csv(&mut csv, &a[..2]).unwrap();
        let (text, _, _) = SHIFT_JIS.decode(&csv);
        assert!(text.starts_with(RESULTS_HEADER));
        assert_eq!(text.lines().count(), 3);
    }
}
