//! The reference dataset of the effect tests and the benchmark, shared by
//! them (`#[path]` includes this file): the same generator as
//! tests/reference/dataset.py.

use itaku_analysis::effect::{Group, PersonRow, Sex};

const SEGMENTS: [&str; 3] = ["過去受診", "未受診", "新規"];

/// The same generator as the Python script: integer hashing and IEEE
/// arithmetic in the same order, so both sides see identical rows.
pub fn data(n: u64) -> Vec<PersonRow> {
    (0..n)
        .map(|i| {
            let h = (i * 2_654_435_761 + 12_345) % (1u64 << 32);
            let treated = i % 2 == 1;
            let age = 40.0 + ((i * 7) % 35) as f64;
            let female = (i * 3) % 5 < 3;
            let seg = ((i * 11 + i / 7) % 3) as usize;
            let u = h as f64 / (1u64 << 32) as f64;
            let p = 0.15
                + 0.12 * f64::from(u8::from(treated))
                + 0.06 * seg as f64
                + 0.004 * (age - 40.0)
                - 0.05 * f64::from(u8::from(female));
            PersonRow {
                group: if treated {
                    Group::Treated
                } else {
                    Group::Control
                },
                age,
                sex: if female { Sex::Female } else { Sex::Male },
                segment: SEGMENTS[seg].to_owned(),
                attended: u < p,
                reached: treated && i % 3 != 0,
            }
        })
        .collect()
}
