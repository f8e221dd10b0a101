// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::encoding::{
    decode_field, decode_line, encode_cp932, find_gaiji, starts_with_bom, strip_bom, Gaiji,
    SourceEncoding, Unmappable,
};
use proptest::prelude::*;

const CP932: SourceEncoding = SourceEncoding::Cp932;
const UTF8: SourceEncoding = SourceEncoding::Utf8;

fn lead_bytes() -> impl Iterator<Item = u8> {
    (0x81..=0x9F).chain(0xE0..=0xFC)
}

fn trail_bytes() -> impl Iterator<Item = u8> {
    (0x40..=0x7E).chain(0x80..=0xFC)
}

#[test]
fn labels_are_accepted_in_any_case() {
    for label in [
        "cp932",
        "CP932",
        "shift_jis",
        "Shift_JIS",
        "shift-jis",
        "SJIS",
        "windows-31j",
        "Windows-31J",
        "ms932",
        " MS932 ",
    ] {
        assert_eq!(SourceEncoding::from_label(label), Some(CP932), "{label}");
    }
    for label in ["utf-8", "UTF-8", "utf8", "UTF8", "utf-8-bom", "UTF-8-BOM"] {
        assert_eq!(SourceEncoding::from_label(label), Some(UTF8), "{label}");
    }
    for label in ["euc-jp", "iso-2022-jp", "latin1", "", "utf-16"] {
        assert_eq!(SourceEncoding::from_label(label), None, "{label}");
    }
    assert_eq!(serde_json::to_string(&CP932).unwrap(), "\"cp932\"");
    assert_eq!(serde_json::to_string(&UTF8).unwrap(), "\"utf-8\"");
    assert_eq!(
        serde_json::from_str::<SourceEncoding>("\"Shift_JIS\"").unwrap(),
        CP932
    );
    assert_eq!(
        serde_json::from_str::<SourceEncoding>("\"UTF-8-BOM\"").unwrap(),
        UTF8
    );
    assert!(serde_json::from_str::<SourceEncoding>("\"euc-jp\"").is_err());
    assert_eq!(SourceEncoding::from_label(CP932.label()), Some(CP932));
    assert_eq!(SourceEncoding::from_label(UTF8.label()), Some(UTF8));
}

#[test]
fn nec_and_ibm_extensions_decode() {
    // Bytes as Python's cp932 codec and Windows give them.
    let cases: [(&[u8], &str); 7] = [
        (b"\xFB\xFC", "髙"), // IBM extension
        (b"\xEE\xE0", "髙"), // NEC-selected IBM extension
        (b"\xED\x95", "﨑"),
        (b"\x87\x40", "①"), // NEC row 13
        (b"\x87\x8A", "㈱"),
        (b"\x81\x60", "～"),
        (b"\x8D\x82\x8B\xB4", "高橋"),
    ];
    for (bytes, text) in cases {
        let decoded = decode_field(bytes, CP932).unwrap();
        assert_eq!(decoded.text, text);
        assert!(decoded.gaiji.is_empty());
    }
}

#[test]
fn every_valid_double_byte_pair_round_trips_and_the_count_matches_python() {
    let mut valid = 0;
    for lead in lead_bytes() {
        for trail in trail_bytes() {
            let Ok(decoded) = decode_field(&[lead, trail], CP932) else {
                continue;
            };
            valid += 1;
            assert_eq!(decoded.text.chars().count(), 1, "{lead:02X}{trail:02X}");
            let encoded = encode_cp932(&decoded.text).unwrap();
            // Duplicated characters (NEC and IBM rows) encode to one of
            // their codes; decoding that gives the same character.
            assert_eq!(decode_field(&encoded, CP932).unwrap().text, decoded.text);
        }
    }
    // Python: sum over the same ranges of bytes([l, t]).decode("cp932").
    assert_eq!(valid, 9604);
}

#[test]
fn every_user_defined_code_is_gaiji_and_encodes_back_exactly() {
    let mut expected = 0xE000u32;
    for lead in 0xF0..=0xF9u8 {
        for trail in trail_bytes() {
            let decoded = decode_field(&[lead, trail], CP932).unwrap();
            let c = char::from_u32(expected).unwrap();
            assert_eq!(decoded.text, c.to_string(), "{lead:02X}{trail:02X}");
            assert_eq!(
                decoded.gaiji,
                vec![Gaiji {
                    index: 0,
                    code_point: c
                }]
            );
            assert_eq!(
                decoded.gaiji[0].cp932_code(),
                Some(u16::from_be_bytes([lead, trail]))
            );
            assert_eq!(encode_cp932(&decoded.text).unwrap(), vec![lead, trail]);
            expected += 1;
        }
    }
    assert_eq!(expected, 0xE758);
}

#[test]
fn gaiji_are_found_by_character_index() {
    let decoded = decode_field(b"\x8E\x52\xF0\x40\x93\x63\xF9\xFC", CP932).unwrap();
    assert_eq!(decoded.text, "山\u{E000}田\u{E757}");
    let positions: Vec<usize> = decoded.gaiji.iter().map(|g| g.index).collect();
    assert_eq!(positions, vec![1, 3]);
    assert_eq!(
        decoded.gaiji[0].to_string(),
        "2文字目に外字 U+E000（Shift_JIS F040）"
    );
    // Private use beyond the CP932 area (from UTF-8 sources) is still 外字.
    let utf8 = decode_field("佐\u{F000}".as_bytes(), UTF8).unwrap();
    assert_eq!(utf8.gaiji.len(), 1);
    assert_eq!(utf8.gaiji[0].cp932_code(), None);
    assert!(find_gaiji("髙橋").is_empty());
}

#[test]
fn invalid_cp932_is_an_error_with_its_offset() {
    // Lead byte followed by ASCII.
    let err = decode_field(b"abc\x82\x20", CP932).unwrap_err();
    assert_eq!(err.offset, 3);
    assert_eq!(err.bytes.first(), Some(&0x82));
    // Bytes never valid alone.
    for bad in [0xA0u8, 0xFD, 0xFE, 0xFF] {
        let err = decode_field(&[b'x', bad, b'y'], CP932).unwrap_err();
        assert_eq!((err.offset, err.bytes.clone()), (1, vec![bad]), "{bad:02X}");
    }
    // A lead byte cut off at the end of the field.
    let err = decode_field(b"ab\x82", CP932).unwrap_err();
    assert_eq!(err.offset, 2);
    let message = err.to_string();
    assert!(
        message.starts_with("3バイト目の 0x82 は Shift_JIS（CP932）の文字として読めません"),
        "{message}"
    );
}

#[test]
fn invalid_utf8_is_an_error_with_its_offset() {
    let err = decode_field(b"ok\xFFno", UTF8).unwrap_err();
    assert_eq!((err.offset, err.bytes.clone()), (2, vec![0xFF]));
    // A CP932 name read as UTF-8.
    let err = decode_field(b"\x8D\x82\x8B\xB4", UTF8).unwrap_err();
    assert_eq!(err.offset, 0);
    // Truncated multi-byte sequence at the end.
    let err = decode_field("高".as_bytes().get(..2).unwrap(), UTF8).unwrap_err();
    assert_eq!((err.offset, err.bytes.len()), (0, 2));
    assert!(err.to_string().contains("UTF-8"));
}

#[test]
fn lines_lose_their_line_end_and_boms_are_stripped_on_request() {
    let line = decode_line(b"1,\x8D\x82\x8B\xB4\r\n", CP932).unwrap();
    assert_eq!(line.text, "1,高橋");
    assert_eq!(decode_line(b"a,b\n", UTF8).unwrap().text, "a,b");
    assert_eq!(decode_line(b"a,b", UTF8).unwrap().text, "a,b");
    let with_bom = b"\xEF\xBB\xBFid,name\r\n";
    assert!(starts_with_bom(with_bom));
    assert_eq!(
        decode_line(strip_bom(with_bom), UTF8).unwrap().text,
        "id,name"
    );
    assert_eq!(strip_bom(b"id"), b"id");
    assert!(!starts_with_bom(b"\x8D\x82"));
}

#[test]
fn encoding_refuses_what_cp932_cannot_hold() {
    let err = encode_cp932("山田😀").unwrap_err();
    assert_eq!(
        err,
        Unmappable {
            ch: '😀', index: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "3文字目の「😀」（U+1F600）は Shift_JIS（CP932）で書き出せない文字です"
    );
    // Beyond the user-defined area there is no CP932 code.
    assert!(encode_cp932("\u{E758}").is_err());
    assert!(encode_cp932("𠮷").is_err());
    assert_eq!(encode_cp932("").unwrap(), Vec::<u8>::new());
}

#[test]
fn unicode_spellings_of_jis_characters_encode_to_their_cp932_codes() {
    let cases = [
        ('\u{301C}', '～'),
        ('\u{2016}', '∥'),
        ('\u{2212}', '－'),
        ('\u{00A2}', '￠'),
        ('\u{00A3}', '￡'),
        ('\u{00AC}', '￢'),
        ('\u{2014}', '―'),
    ];
    for (unicode, microsoft) in cases {
        let bytes = encode_cp932(&unicode.to_string()).unwrap();
        assert_eq!(bytes, encode_cp932(&microsoft.to_string()).unwrap());
        assert_eq!(
            decode_field(&bytes, CP932).unwrap().text,
            microsoft.to_string()
        );
    }
}

/// Characters CP932 can hold, from the decoded table.
fn cp932_char() -> impl Strategy<Value = char> {
    let mut chars: Vec<char> = (0x20u8..0x7F).map(char::from).collect();
    chars.extend(
        (0xA1..=0xDFu8).filter_map(|b| decode_field(&[b], CP932).ok()?.text.chars().next()),
    );
    for lead in lead_bytes() {
        for trail in trail_bytes() {
            if let Ok(d) = decode_field(&[lead, trail], CP932) {
                chars.extend(d.text.chars());
            }
        }
    }
    prop::sample::select(chars)
}

proptest! {
    #[test]
    fn cp932_text_round_trips(text in prop::collection::vec(cp932_char(), 0..40)) {
        let text: String = text.into_iter().collect();
        let bytes = encode_cp932(&text).unwrap();
        let decoded = decode_field(&bytes, CP932).unwrap();
        prop_assert_eq!(&decoded.text, &text);
        prop_assert_eq!(decoded.gaiji, find_gaiji(&text));
    }

    #[test]
    fn cp932_decoding_never_invents_replacement_characters(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        match decode_field(&bytes, CP932) {
            Ok(d) => prop_assert!(!d.text.contains(char::REPLACEMENT_CHARACTER), "{:?}", d.text),
            Err(e) => {
                prop_assert!(e.offset < bytes.len());
                prop_assert_eq!(&bytes[e.offset..e.offset + e.bytes.len()], e.bytes.as_slice());
                // Everything before the error decodes.
                prop_assert!(decode_field(&bytes[..e.offset], CP932).is_ok());
            }
        }
    }

    #[test]
    fn utf8_errors_point_at_the_bad_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        match decode_field(&bytes, UTF8) {
            Ok(d) => prop_assert_eq!(d.text.as_bytes(), bytes.as_slice()),
            Err(e) => {
                prop_assert_eq!(&bytes[e.offset..e.offset + e.bytes.len()], e.bytes.as_slice());
                prop_assert!(std::str::from_utf8(&bytes[..e.offset]).is_ok());
            }
        }
    }
}
