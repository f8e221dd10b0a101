//! Payload lines. Both reading passes must accept exactly the same
//! records: the first checks a line without building it
//! ([`check_record`], borrowing from the line, no allocation for ordinary
//! text), the second builds the [`Record`] handed out ([`parse_record`]).
//! The tests run both on the same inputs. Lines in the writer's own form
//! take a fast path ([`crate::plain`]) first, which must agree with
//! `serde_json`; the tests compare them too.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::manifest::{record_id_ok, Record, RecordId};
use crate::names::Code;
use crate::plain::{parse_plain, ItemCodes};

/// A reason that quotes nothing from the record.
fn json_reason(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => "項目の形式が違います".to_owned(),
        _ => "JSON として読めません".to_owned(),
    }
}

fn undeclared<'k>(
    keys: impl Iterator<Item = &'k str>,
    items: &BTreeSet<Code>,
) -> Result<(), String> {
    let outside: Vec<&str> = keys.filter(|k| !items.contains(*k)).collect();
    if outside.is_empty() {
        Ok(())
    } else {
        Err(format!("送り状にない項目 {}", outside.join("、")))
    }
}

/// Parses one payload line (without its `\n`) and checks its items against
/// the manifest's. The reason never quotes the record's contents.
pub(crate) fn parse_record(line: &[u8], items: &ItemCodes) -> Result<Record, String> {
    /// Values held back to be inserted last to first: a B-tree node is
    /// searched from its start, so each smaller code then needs one
    /// comparison instead of one per code already there.
    const HELD: usize = 16;
    let mut walk = items.walk();
    let mut values = BTreeMap::new();
    let mut held: [Option<(&Code, &str)>; HELD] = [None; HELD];
    let mut count = 0;
    let plain = parse_plain(line, |code, value| {
        let Some(code) = walk.find(code) else {
            return false;
        };
        match held.get_mut(count) {
            Some(slot) => *slot = Some((code, value)),
            None => {
                values.insert(code.clone(), value.to_owned());
            }
        }
        count += 1;
        true
    });
    if let Some(id) = plain.and_then(|id| RecordId::new(id).ok()) {
        for (code, value) in held.iter().rev().flatten() {
            values.insert((*code).clone(), (*value).to_owned());
        }
        return Ok(Record { id, values });
    }
    parse_record_json(line, &items.set)
}

/// [`parse_record`] by `serde_json`, for any line.
fn parse_record_json(line: &[u8], items: &BTreeSet<Code>) -> Result<Record, String> {
    // serde_json's own message can quote input; keep only its category.
    let record: Record = serde_json::from_slice(line).map_err(|e| json_reason(&e))?;
    undeclared(record.values.keys().map(Code::as_str), items)?;
    Ok(record)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordRef<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "borrowed_values")]
    values: Vec<Cow<'a, str>>,
}

/// The keys of the values object (values must be strings; a repeated key
/// is refused, as [`Record`]'s own deserialiser does).
fn borrowed_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'de, str>>, D::Error> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of item code to string")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys: Vec<Cow<'de, str>> = Vec::new();
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                map.next_value::<Cow<'de, str>>()?;
                if keys.contains(&key) {
                    return Err(serde::de::Error::custom("同じ項目が二度あります"));
                }
                keys.push(key);
            }
            Ok(keys)
        }
    }
    d.deserialize_map(Keys)
}

/// Checks one payload line as [`parse_record`] would, returning its id.
/// An item key that is among the manifest's items is a valid [`Code`], so
/// membership is the whole key check.
pub(crate) fn check_record<'a>(line: &'a [u8], items: &ItemCodes) -> Result<Cow<'a, str>, String> {
    let mut walk = items.walk();
    let plain = parse_plain(line, |code, _| walk.find(code).is_some());
    match plain {
        Some(id) if record_id_ok(id) => Ok(Cow::Borrowed(id)),
        _ => check_record_json(line, &items.set),
    }
}

/// [`check_record`] by `serde_json`, for any line.
fn check_record_json<'a>(line: &'a [u8], items: &BTreeSet<Code>) -> Result<Cow<'a, str>, String> {
    let record: RecordRef<'a> = serde_json::from_slice(line).map_err(|e| json_reason(&e))?;
    if !record_id_ok(&record.id) {
        return Err("項目の形式が違います".to_owned());
    }
    undeclared(record.values.iter().map(|k| k.as_ref()), items)?;
    Ok(record.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Code;
    use proptest::prelude::*;

    /// Both passes, fast path or not, which must agree with each other and
    /// with `serde_json` alone.
    fn both(line: &[u8], items: &BTreeSet<Code>) -> Result<Record, String> {
        let codes = ItemCodes::new(items);
        let full = parse_record(line, &codes);
        let quick = check_record(line, &codes);
        let shown = String::from_utf8_lossy(line);
        assert_eq!(full, parse_record_json(line, items), "{shown}");
        assert_eq!(quick, check_record_json(line, items), "{shown}");
        assert_eq!(full.is_ok(), quick.is_ok(), "{shown}");
        if let (Ok(r), Ok(id)) = (&full, &quick) {
            assert_eq!(r.id.as_str(), id.as_ref());
        }
        full
    }

    fn items(codes: &[&str]) -> BTreeSet<Code> {
        codes.iter().map(|c| Code::new(c).unwrap()).collect()
    }

    /// Lines near the writer's form: a written record with a few bytes
    /// replaced, inserted or removed.
    fn near_lines() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"\"".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"\\u0041".to_vec()),
            Just(b",".to_vec()),
            Just(b":".to_vec()),
            Just(b"}".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\n".to_vec()),
            Just(vec![0xe3]),
            Just(vec![0x01]),
            Just(b"\"a\":\"b\"".to_vec()),
            "[a-z]{1,3}".prop_map(String::into_bytes),
        ];
        let value = prop_oneof!["[a-z0-9]{0,6}", "[あ-ん]{0,4}", any::<String>()];
        let record = (
            "[a-z0-9\\x00]{0,6}",
            proptest::collection::btree_map(
                prop_oneof![Just("a"), Just("b"), Just("c"), Just("shimei"), Just("B")],
                value,
                0..4,
            ),
        );
        let edits = proptest::collection::vec((any::<usize>(), 0usize..3, piece), 0..3);
        (record, edits).prop_map(|((id, values), edits)| {
            let mut line = Vec::new();
            line.extend_from_slice(b"{\"id\":");
            crate::jsonl::push_str(&mut line, &id);
            line.extend_from_slice(b",\"values\":{");
            for (i, (k, v)) in values.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                crate::jsonl::push_str(&mut line, k);
                line.push(b':');
                crate::jsonl::push_str(&mut line, v);
            }
            line.extend_from_slice(b"}}");
            for (at, how, piece) in edits {
                let at = at % (line.len() + 1);
                match how {
                    0 => {
                        line.splice(at..at, piece);
                    }
                    1 => {
                        let end = (at + piece.len()).min(line.len());
                        line.splice(at..end, piece);
                    }
                    _ => {
                        let end = (at + piece.len()).min(line.len());
                        line.drain(at..end);
                    }
                }
            }
            line
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]
        #[test]
        fn fast_path_agrees_with_serde_json(line in near_lines()) {
            let _ = both(&line, &items(&["a", "b", "shimei"]));
        }
    }

    #[test]
    fn record_json_round_trip() {
        let r = Record::new("42", [("shimei", "新宿 花子"), ("jusho", "新宿区\n1-1")]).unwrap();
        let line = serde_json::to_vec(&r).unwrap();
        assert!(!line.contains(&b'\n'));
        assert_eq!(both(&line, &items(&["shimei", "jusho"])).unwrap(), r);
    }

    #[test]
    fn escapes_are_read_alike() {
        let ok = items(&["shimei"]);
        let r = both(
            br#"{"id":"\u0031\n","values":{"sh\u0069mei":"\"\u82b1"}}"#,
            &ok,
        );
        assert!(r.is_err(), "a newline in an id is refused");
        let r = both(
            br#"{"id":"\u0031","values":{"sh\u0069mei":"\"\u82b1"}}"#,
            &ok,
        )
        .unwrap();
        assert_eq!(r.id.as_str(), "1");
        assert_eq!(r.values.values().next().map(String::as_str), Some("\"花"));
    }

    #[test]
    fn bad_records() {
        let ok = items(&["shimei"]);
        for (line, why) in [
            (
                r#"{"id":"1","values":{"shimei":"a","shimei":"b"}}"#,
                "duplicate key",
            ),
            (r#"{"id":"1","values":{"jusho":"a"}}"#, "undeclared item"),
            (r#"{"id":"","values":{}}"#, "empty id"),
            (r#"{"id":"1","values":{"shimei":1}}"#, "non-string value"),
            (r#"{"id":"1","values":{},"x":1}"#, "unknown field"),
            (r#"{"id":"1","values":{}} x"#, "trailing garbage"),
            (r#"{"id":"1","values":{"Shimei":"a"}}"#, "bad code"),
            ("", "empty line"),
            (
                r#"{"id":"\u0001","values":{}}"#,
                "control character in id, escaped",
            ),
            (
                r#"{"id":"1","values":{"shimei":"a","shi\u006dei":"b"}}"#,
                "duplicate key, escaped",
            ),
            (r#"{"id":"1","id":"2","values":{}}"#, "duplicate field"),
            (r#"{"values":{}}"#, "missing id"),
            (r#"[]"#, "not an object"),
        ] {
            assert!(both(line.as_bytes(), &ok).is_err(), "{why}");
        }
        let reason = both(br#"{"id":"1","values":{"jusho":"secret"}}"#, &ok).unwrap_err();
        assert!(reason.contains("jusho") && !reason.contains("secret"));
    }
}
