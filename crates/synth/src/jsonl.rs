//! Residents as JSON Lines, for truth files next to a CSV.

use std::borrow::Borrow;
use std::io::Write;

use crate::error::SynthError;
use crate::resident::Resident;

const CHUNK: usize = 64 * 1024;
const PROGRESS_EVERY: u64 = 4096;

/// Writes one JSON object per resident, LF-terminated, in the order given.
/// `progress` is called with the count every 4096 residents and at the end.
/// Returns the number of residents written.
pub fn write_jsonl<W, I>(
    mut w: W,
    residents: I,
    mut progress: impl FnMut(u64),
) -> Result<u64, SynthError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Resident>,
{
    let mut buf = Vec::with_capacity(CHUNK + 1024);
    let mut n = 0u64;
    let mut next_report = PROGRESS_EVERY;
    for r in residents {
        serde_json::to_writer(&mut buf, r.borrow())?;
        buf.push(b'\n');
        n += 1;
        if buf.len() >= CHUNK {
            w.write_all(&buf)?;
            buf.clear();
        }
        if n == next_report {
            progress(n);
            next_report += PROGRESS_EVERY;
        }
    }
    w.write_all(&buf)?;
    w.flush()?;
    progress(n);
    Ok(n)
}
