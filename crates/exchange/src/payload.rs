//! Payload lines. Both reading passes must accept exactly the same
//! records: the first checks a line without building it
//! ([`check_record`], borrowing from the line, no allocation for ordinary
//! text), the second builds the [`Record`] handed out ([`parse_record`]).
//! The tests run both on the same inputs.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::manifest::{record_id_ok, Record};
use crate::names::Code;

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
/// the manifest's. Both reading passes use this, so they accept exactly the
/// same records. The reason never quotes the record's contents.
pub(crate) fn parse_record(line: &[u8], items: &BTreeSet<Code>) -> Result<Record, String> {
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
pub(crate) fn check_record<'a>(
    line: &'a [u8],
    items: &BTreeSet<Code>,
) -> Result<Cow<'a, str>, String> {
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

    /// Both passes, which must agree.
    fn both(line: &[u8], items: &BTreeSet<Code>) -> Result<Record, String> {
        let full = parse_record(line, items);
        let quick = check_record(line, items);
        assert_eq!(
            full.is_ok(),
            quick.is_ok(),
            "{}",
            String::from_utf8_lossy(line)
        );
        if let (Ok(r), Ok(id)) = (&full, &quick) {
            assert_eq!(r.id.as_str(), id.as_ref());
        }
        full
    }

    fn items(codes: &[&str]) -> BTreeSet<Code> {
        codes.iter().map(|c| Code::new(c).unwrap()).collect()
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
