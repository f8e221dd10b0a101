//! Synthetic residents for the demo ward, tests and benchmarks.
//!
//! [`Generator`] yields NHI members of a Shinjuku-like ward: realistic names
//! and readings (with registered variant kanji and foreign residents), real
//! towns with their postal codes, an NHI-shaped age structure, membership
//! dates and checkup history. Output is deterministic for a seed.
//!
//! [`write_csv`] writes the ward's export layout in CP932 or UTF-8 with BOM;
//! [`write_messy_csv`] writes it the way other municipalities' exports look
//! (era dates, half-width kana, bad rows, duplicates) and returns a [`Truth`]
//! saying which lines an importer must reject. [`write_jsonl`] writes the
//! same residents as clean JSON for truth files.
//!
//! ```
//! use itaku_synth::{write_csv, CsvFormat, Generator};
//!
//! let mut out = Vec::new();
//! let rows = write_csv(&mut out, Generator::new(1, 100_000_000).take(10), CsvFormat::Cp932, |_| {})?;
//! assert_eq!(rows, 10);
//! # Ok::<(), itaku_synth::SynthError>(())
//! ```

mod address;
mod csv;
mod dates;
mod error;
mod generator;
mod health;
mod ids;
mod jsonl;
mod messy;
mod names;
mod num;
mod phone;
mod resident;
mod results;
mod tables;
mod wareki;
mod weighted;

pub use crate::csv::{write_csv, write_messy_csv, CsvFormat, HEADER};
pub use crate::dates::{age_on, fiscal_year_end, fiscal_year_of};
pub use crate::error::SynthError;
pub use crate::generator::{Generator, DEFAULT_AS_OF, MAX_ATENA_NO};
pub use crate::jsonl::write_jsonl;
pub use crate::messy::{Mess, Messiness, Truth, TruthEntry};
pub use crate::resident::{Resident, Sex};
pub use crate::results::{screening_results, write_results_csv, ScreeningResult, RESULTS_HEADER};
pub use crate::wareki::{era_of, format_date, push_date, DateStyle, Era};

/// A town the generator places residents in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TownInfo {
    pub name: &'static str,
    /// Seven digits, no hyphen.
    pub postal_code: &'static str,
    /// First and last 丁目 used, if the town is divided into 丁目.
    pub chome: Option<(u8, u8)>,
}

/// Every town the generator uses, for tests that check an address against
/// its postal code.
pub fn towns() -> impl Iterator<Item = TownInfo> {
    tables::towns::TOWNS.iter().map(|t| TownInfo {
        name: t.name,
        postal_code: t.postal,
        chome: (t.chome.0 != 0).then_some(t.chome),
    })
}
