//! Visit codes: what both halves of a list carry for one person. Random
//! from the OS CSPRNG (a code says nothing about the person or the order),
//! short enough to read aloud at a door, and written without characters
//! that look alike (0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V).

use crate::error::{Result, ServiceError};
use std::collections::HashSet;

pub const VISIT_CODE_ALPHABET: &[u8] = b"ACEFGHJKMNPRTWXY3479";
pub const VISIT_CODE_LEN: usize = 6;

/// One fresh code. Bytes at or above the largest multiple of the alphabet's
/// size are dropped, so every character is equally likely.
fn draw() -> String {
    let n = VISIT_CODE_ALPHABET.len();
    let limit = (256 / n) * n;
    let mut out = String::with_capacity(VISIT_CODE_LEN);
    while out.len() < VISIT_CODE_LEN {
        for b in itaku_crypto::random_bytes::<16>() {
            if (b as usize) < limit && out.len() < VISIT_CODE_LEN {
                out.push(char::from(VISIT_CODE_ALPHABET[b as usize % n]));
            }
        }
    }
    out
}

/// `count` new codes, none in `taken` (the contract's codes so far) and no
/// two alike.
pub(crate) fn fresh_codes(count: usize, taken: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let c = draw();
        if taken.insert(c.clone()) {
            out.push(c);
        }
    }
    out
}

/// A code as a visitor types or reads it: full-width, lower case, spaces
/// and hyphens are accepted.
pub fn parse_visit_code(s: &str) -> Result<String> {
    let code: String = itaku_jp::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let ok = code.len() == VISIT_CODE_LEN && code.bytes().all(|b| VISIT_CODE_ALPHABET.contains(&b));
    if ok {
        Ok(code)
    } else {
        Err(ServiceError::Invalid(format!(
            "「{}」は訪問コードではありません（英数字 {VISIT_CODE_LEN} 文字、例: {}）",
            s.trim(),
            "KX3HN7"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_from_the_alphabet() {
        let mut taken = HashSet::new();
        let codes = fresh_codes(2000, &mut taken);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 2000);
        for c in &codes {
            assert_eq!(parse_visit_code(c).unwrap(), *c);
        }
        // Every character of the alphabet turns up in 12,000 draws.
        let seen: HashSet<u8> = codes.iter().flat_map(|c| c.bytes()).collect();
        assert_eq!(seen.len(), VISIT_CODE_ALPHABET.len());
    }

    #[test]
    fn typed_codes_are_read_leniently_and_checked() {
        assert_eq!(parse_visit_code(" ｋｘ３-hn7 ").unwrap(), "KX3HN7");
        assert!(parse_visit_code("KX3HN").is_err());
        assert!(
            parse_visit_code("KX3HN0").is_err(),
            "0 is not in the alphabet"
        );
    }
}
