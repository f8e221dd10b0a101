//! A fast path for reading payload lines in exactly the form our writer
//! produces: `{"id":"…","values":{"a":"…","b":"…"}}`, no whitespace, item
//! codes in increasing order, strings without escapes. Such a line is
//! read here without `serde_json`; any other line, valid or not, goes to
//! `serde_json` (see [`crate::payload`]), which alone decides about it. The
//! fast path therefore only has to be right about the lines it accepts:
//! each of them `serde_json` reads to the same id and values (the tests
//! compare the two on generated and mutated lines).

use std::collections::BTreeSet;

use crate::names::Code;

/// A string of a line without escapes; `rest` moves past its closing
/// quote.
fn plain_str<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let inner = rest.strip_prefix('"')?;
    let end = memchr::memchr(b'"', inner.as_bytes())?;
    // The quote is ASCII, so `end` is a character boundary.
    let (text, after) = (inner.get(..end)?, inner.get(end + 1..)?);
    *rest = after;
    Some(text)
}

fn literal(rest: &mut &str, lit: &str) -> Option<()> {
    *rest = rest.strip_prefix(lit)?;
    Some(())
}

/// Reads `line` if it is in the writer's form, calling `value` with each
/// item code and value in order; `None` if it is not, or if `value`
/// returned `false`. Returns the record id.
pub(crate) fn parse_plain<'a>(
    line: &'a [u8],
    mut value: impl FnMut(&'a str, &'a str) -> bool,
) -> Option<&'a str> {
    // serde_json would check each string's UTF-8; the structure between
    // them is ASCII, so checking the whole line (with SIMD, several times
    // std's speed) is the same.
    let mut rest = simdutf8::basic::from_utf8(line).ok()?;
    // No escape anywhere (so each string ends at its next quote) and no
    // control character; one pass over the line, which without an early
    // exit compiles to SIMD.
    let special = line
        .iter()
        .fold(false, |found, &b| found | (b < 0x20) | (b == b'\\'));
    if special {
        return None;
    }
    literal(&mut rest, "{\"id\":")?;
    let id = plain_str(&mut rest)?;
    literal(&mut rest, ",\"values\":{")?;
    let mut previous: Option<&str> = None;
    if !rest.starts_with('}') {
        loop {
            let code = plain_str(&mut rest)?;
            // Increasing order also rules out a repeated code.
            if previous.is_some_and(|p| p >= code) {
                return None;
            }
            previous = Some(code);
            literal(&mut rest, ":")?;
            if !value(code, plain_str(&mut rest)?) {
                return None;
            }
            if literal(&mut rest, ",").is_none() {
                break;
            }
        }
    }
    (rest == "}}").then_some(id)
}

/// The manifest's item codes: as a set, and in order for a merge walk
/// against a line's increasing codes.
pub(crate) struct ItemCodes {
    pub set: BTreeSet<Code>,
    codes: Vec<Code>,
}

impl ItemCodes {
    pub fn new(set: &BTreeSet<Code>) -> Self {
        Self {
            set: set.clone(),
            // A set iterates in order.
            codes: set.iter().cloned().collect(),
        }
    }

    pub fn walk(&self) -> Walk<'_> {
        Walk { rest: &self.codes }
    }
}

/// A position in [`ItemCodes`]; each call looks further on only.
pub(crate) struct Walk<'c> {
    rest: &'c [Code],
}

impl<'c> Walk<'c> {
    /// The manifest's code equal to `code`, if any, given codes asked in
    /// increasing order.
    pub fn find(&mut self, code: &str) -> Option<&'c Code> {
        while let Some((first, later)) = self.rest.split_first() {
            // Usually the very next code: test equality (lengths first)
            // before order.
            if first.as_str() == code {
                self.rest = later;
                return Some(first);
            }
            if first.as_str() > code {
                return None;
            }
            self.rest = later;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(line: &str) -> Option<(String, Vec<(String, String)>)> {
        let mut values = Vec::new();
        let id = parse_plain(line.as_bytes(), |k, v| {
            values.push((k.to_owned(), v.to_owned()));
            true
        })?;
        Some((id.to_owned(), values))
    }

    #[test]
    fn writer_form_only() {
        assert_eq!(
            plain(r#"{"id":"1","values":{"a":"x","b":"新宿"}}"#),
            Some((
                "1".into(),
                vec![("a".into(), "x".into()), ("b".into(), "新宿".into())]
            ))
        );
        assert_eq!(
            plain(r#"{"id":"1","values":{}}"#),
            Some(("1".into(), vec![]))
        );
        for other in [
            r#"{"id":"1","values":{"b":"x","a":"y"}}"#,
            r#"{"id":"1","values":{"a":"x","a":"y"}}"#,
            r#"{"id":"1","values":{"a":"x\"y"}}"#,
            r#"{"id":"1","values":{"a":"x"}} "#,
            r#"{ "id":"1","values":{}}"#,
            r#"{"values":{},"id":"1"}"#,
            r#"{"id":"1","values":{"a":"x",}}"#,
            r#"{"id":"1","values":{"a":1}}"#,
            "{\"id\":\"1\t\",\"values\":{}}",
            r#"{"id":"1","values":{}}}"#,
            r#"{"id":"1","values":{}"#,
        ] {
            assert_eq!(plain(other), None, "{other}");
        }
        let not_utf8 = b"{\"id\":\"\xff\",\"values\":{}}";
        assert_eq!(parse_plain(not_utf8, |_, _| true), None);
    }

    #[test]
    fn walk_finds_increasing_codes() {
        let codes: BTreeSet<Code> = ["c", "a", "e"]
            .iter()
            .map(|c| Code::new(c).unwrap())
            .collect();
        let items = ItemCodes::new(&codes);
        let mut walk = items.walk();
        assert_eq!(walk.find("a").map(Code::as_str), Some("a"));
        assert_eq!(walk.find("b"), None);
        assert_eq!(walk.find("e").map(Code::as_str), Some("e"));
        assert_eq!(walk.find("f"), None);
        let mut walk = items.walk();
        assert_eq!(walk.find("d"), None);
        assert_eq!(walk.find("c"), None, "c lies behind d: codes come in order");
    }
}
