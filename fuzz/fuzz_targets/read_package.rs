//! Fuzzes `read_package`. The first input byte picks what the rest is:
//! 0 — an age file as received; 1 — a container plaintext, encrypted to us
//! here so the fuzzer reaches the container parser and the checks behind
//! the age layer; 2 — (position, xor) triples applied to a valid package,
//! which must then be refused.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../src/fixture.rs"]
mod fixture;

static FIXTURE: OnceLock<fixture::Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(fixture::Fixture::new);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let _ = f.read(rest);
        }
        1 => {
            if let Ok(package) = f.read(&f.encrypt_plaintext(rest)) {
                // Whatever the first pass accepted, the second pass must
                // hand out in full.
                let declared = package.manifest().record_count;
                let records = package
                    .into_vec()
                    .expect("second pass disagrees with the first");
                assert_eq!(records.len() as u64, declared);
            }
        }
        _ => {
            let mut bytes = f.package.clone();
            for triple in rest.chunks_exact(3) {
                let at = usize::from(u16::from_le_bytes([triple[0], triple[1]])) % bytes.len();
                bytes[at] ^= triple[2];
            }
            if bytes != f.package {
                assert!(f.read(&bytes).is_err(), "a modified package was accepted");
            }
        }
    }
});
