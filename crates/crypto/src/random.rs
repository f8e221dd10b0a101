//! The one source of randomness: the operating system's CSPRNG.

use rand::rngs::OsRng;
use rand::RngCore;

/// Fills `buf` from the OS CSPRNG. `OsRng` aborts rather than returning weak
/// bytes if the OS source fails, which is the behaviour we want for keys.
pub(crate) fn fill(buf: &mut [u8]) {
    OsRng.fill_bytes(buf);
}

/// A fresh array of random bytes (also for seeds the service stores).
pub fn array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill(&mut out);
    out
}
