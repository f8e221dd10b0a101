//! Streams residents as the ward's CSV export to stdout, e.g. to time a
//! million rows: `cargo run --release -p itaku-synth --example generate -- 1000000 > /dev/null`.
//!
//! Arguments: number of people (default 1000), format `cp932` (default) or
//! `utf8`, seed (default 1).

use std::io::stdout;
use std::time::Instant;

use itaku_synth::{write_csv, CsvFormat, Generator, SynthError};

fn main() -> Result<(), SynthError> {
    let mut args = std::env::args().skip(1);
    let people = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000usize);
    let format = match args.next().as_deref() {
        Some("utf8") => CsvFormat::Utf8Bom,
        _ => CsvFormat::Cp932,
    };
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let start = Instant::now();
    let rows = write_csv(
        stdout().lock(),
        Generator::new(seed, 100_000_000).take(people),
        format,
        |_| {},
    )?;
    eprintln!("{rows} rows in {:.2?}", start.elapsed());
    Ok(())
}
