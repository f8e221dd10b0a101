//! Payload lines written by hand for the one record shape, byte for byte
//! what `serde_json` writes for a [`Record`] (the tests compare the two):
//! `serde_json` spends most of a package's serialising time on its general
//! machinery and on escaping one byte at a time.

use crate::manifest::Record;

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes in `x` is a control character, `"` or
/// `\`: the bytes a JSON string cannot hold as they are. Exact (the
/// classic "has a zero byte" test, which has no false answer as a whole).
fn has_special(x: u64) -> bool {
    let zero_in = |v: u64| v.wrapping_sub(LOW_BITS) & !v & HIGH_BITS != 0;
    // `x - 0x20…` borrows into a high bit only under a byte below 0x20
    // (bytes of 0x80 and above have their own high bit cleared by `!x`).
    let control = x.wrapping_sub(LOW_BITS * 0x20) & !x & HIGH_BITS != 0;
    control
        || zero_in(x ^ (LOW_BITS * u64::from(b'"')))
        || zero_in(x ^ (LOW_BITS * u64::from(b'\\')))
}

/// Index of the first control character, `"` or `\` in `bytes`.
pub(crate) fn first_special(bytes: &[u8]) -> Option<usize> {
    let mut blocks = bytes.chunks_exact(8);
    let mut skipped = 0;
    for block in blocks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(block);
        if has_special(u64::from_le_bytes(word)) {
            break;
        }
        skipped += 8;
    }
    bytes[skipped..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| skipped + i)
}

/// Appends `s` as a JSON string, escaped as `serde_json` does: `\"`, `\\`,
/// the short forms `\b \t \n \f \r`, `\u00XX` (lower-case hex) for other
/// control characters, everything else (non-ASCII, DEL, `/`) as it is.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut rest = s.as_bytes();
    while let Some(i) = first_special(rest) {
        out.extend_from_slice(&rest[..i]);
        let b = rest[i];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Appends one payload line for `record`, without its `\n`.
pub(crate) fn push_record(out: &mut Vec<u8>, record: &Record) {
    out.extend_from_slice(b"{\"id\":");
    push_str(out, record.id.as_str());
    out.extend_from_slice(b",\"values\":{");
    for (i, (code, value)) in record.values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, code.as_str());
        out.push(b':');
        push_str(out, value);
    }
    out.extend_from_slice(b"}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_special(bytes: &[u8]) -> Option<usize> {
        bytes
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
    }

    #[test]
    fn special_bytes_found_in_every_position() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for len in 0..20 {
                for at in 0..len {
                    let mut bytes = vec![0xe3u8; len];
                    bytes[at] = special;
                    assert_eq!(first_special(&bytes), Some(at), "{special} {len} {at}");
                }
            }
        }
        for plain in (0x20u8..=0xff).filter(|b| *b != b'"' && *b != b'\\') {
            assert_eq!(first_special(&[plain; 17]), None, "{plain}");
        }
    }

    #[test]
    fn escapes_as_serde_json() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for s in [all.as_str(), "", "新宿 花子", "a\"b\\c/d\u{7f}\u{2028}"] {
            let mut ours = Vec::new();
            push_str(&mut ours, s);
            assert_eq!(ours, serde_json::to_vec(s).unwrap());
        }
    }

    fn record() -> impl Strategy<Value = Record> {
        let code = "[a-z][a-z0-9_]{0,10}";
        let value = prop_oneof![
            any::<String>(),
            "[\\x00-\\x7f]{0,40}",
            "[あ-ん\"\\\\\n]{0,20}"
        ];
        (
            "[^\\p{Cc}]{1,20}",
            proptest::collection::btree_map(code, value, 0..8),
        )
            .prop_map(|(id, values)| {
                let values: Vec<(String, String)> = values.into_iter().collect();
                Record::new(&id, values.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
            })
    }

    proptest! {
        #[test]
        fn records_as_serde_json(r in record()) {
            let mut ours = Vec::new();
            push_record(&mut ours, &r);
            prop_assert_eq!(ours, serde_json::to_vec(&r).unwrap());
        }

        #[test]
        fn special_as_naive(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(first_special(&bytes), naive_special(&bytes));
        }
    }
}
