//! RFC 4648 base32 (standard alphabet), unpadded, as authenticator apps
//! expect in `otpauth://` URIs. Small enough not to warrant a dependency.

use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    for &byte in data {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
    }
    if bits > 0 {
        out.push(char::from(
            ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)],
        ));
    }
    out
}

fn value(c: u8) -> Option<u16> {
    match c {
        b'A'..=b'Z' => Some(u16::from(c - b'A')),
        b'a'..=b'z' => Some(u16::from(c - b'a')),
        b'2'..=b'7' => Some(u16::from(c - b'2') + 26),
        _ => None,
    }
}

/// Decodes case-insensitively, ignoring ASCII whitespace, hyphens (apps
/// display secrets in groups) and trailing `=` padding. Rejects other
/// characters, impossible lengths and non-zero trailing bits, so every
/// accepted string has exactly one meaning. The error is static: the input
/// may be a secret.
pub(crate) fn decode(text: &str) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    let mut symbols = 0usize;
    let body = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
    for c in body.bytes() {
        if c.is_ascii_whitespace() || c == b'-' {
            continue;
        }
        let v = value(c).ok_or("not base32")?;
        symbols += 1;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    // Unpadded base32 never ends with 1, 3 or 6 symbols in its last group.
    if matches!(symbols % 8, 1 | 3 | 6) {
        return Err("impossible base32 length");
    }
    if buffer & ((1 << bits) - 1) != 0 {
        return Err("non-canonical base32");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC4648: [(&str, &str); 7] = [
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ];

    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in RFC4648 {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap().as_slice(), plain.as_bytes());
        }
    }

    #[test]
    fn lenient_forms_decode() {
        assert_eq!(decode("mzxw6ytboi").unwrap().as_slice(), b"foobar");
        assert_eq!(
            decode("MZXW 6YTB-OI======\n").unwrap().as_slice(),
            b"foobar"
        );
    }

    #[test]
    fn rejects_bad_input() {
        // Invalid symbol, impossible lengths, padding mid-string, and stray
        // low bits ("f" is "MY"; "MZ" would decode to "f" plus junk).
        for bad in [
            "MZXW1", "M", "MZX", "MZXW6Y", "MZ=XW", "MZ", "MR", "MZXW6Y==",
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn prop_round_trip(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let back = decode(&encode(&data)).unwrap();
            prop_assert_eq!(back.as_slice(), &data[..]);
        }
    }
}
