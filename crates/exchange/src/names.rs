//! Parsed values that cross the package boundary. Each is checked once, when
//! built or deserialised, so the rest of the crate can trust its shape (no
//! newlines in anything that ends up in a signed text, codes in one form).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ExchangeError, Result};

fn invalid(what: &'static str, reason: impl Into<String>) -> ExchangeError {
    ExchangeError::InvalidValue {
        what,
        reason: reason.into(),
    }
}

/// Free text without control characters (so it can sit on one line of a
/// signed text), trimmed, 1..=`max` characters.
fn checked_text(what: &'static str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(invalid(what, "空です"));
    }
    if s.chars().count() > max {
        return Err(invalid(what, format!("{max} 文字を超えています")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(what, "制御文字（改行など）を含んでいます"));
    }
    Ok(s.to_owned())
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident [$repr:ty], $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($repr);

        impl $name {
            /// Checks and wraps `s`.
            pub fn new(s: &str) -> Result<Self> {
                let check: fn(&str) -> Result<String> = $check;
                check(s).map(|s| Self(s.into()))
            }

            /// The checked text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ExchangeError;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        string_newtype!($(#[$doc])* $name [String], $check);
    };
}

string_newtype!(
    /// An organisation's name as it appears on keys, manifests and receipts
    /// (e.g. 「新宿区健康部健康づくり課」). Up to 100 characters, one line.
    OrgName,
    |s| checked_text("組織名", s, 100)
);

string_newtype!(
    /// The contract's identifier shared by both installations (e.g. the
    /// contract number 「R8-健-001」): up to 64 characters, no spaces.
    ContractId,
    |s| {
        let s = checked_text("契約番号", s, 64)?;
        if s.chars().any(char::is_whitespace) {
            return Err(invalid("契約番号", "空白を含んでいます"));
        }
        Ok(s)
    }
);

string_newtype!(
    /// A human-readable contract name (up to 200 characters, one line).
    ContractName,
    |s| checked_text("契約名", s, 200)
);

string_newtype!(
    /// An item or purpose code such as `shimei` or `tokutei_kenshin`: ASCII
    /// lowercase letters, digits and `_`, starting with a letter, up to 64.
    /// Shared, not copied, when cloned: a package's records repeat the
    /// same few codes millions of times.
    Code [Arc<str>],
    |s| {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.as_bytes()[0].is_ascii_lowercase()
            && s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(s.to_owned())
        } else {
            Err(invalid(
                "項目コード",
                format!("「{}」は英小文字・数字・_ のコードではありません", s.chars().take(64).collect::<String>()),
            ))
        }
    }
);

string_newtype!(
    /// A point in time in RFC 3339 (`2027-04-01T09:00:00+09:00`), kept as
    /// written: the caller's clock supplies it, this crate never reads one.
    Timestamp,
    |s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|_| invalid("日時", "RFC 3339 形式（例: 2027-04-01T09:00:00+09:00）ではありません"))?;
        Ok(s.to_owned())
    }
);

string_newtype!(
    /// A package's random identifier: 32 lowercase hex digits (128 bits).
    PackageId,
    |s| {
        if s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(s.to_owned())
        } else {
            Err(invalid("受け渡し番号", "32 桁の16進数ではありません"))
        }
    }
);

/// Lets a set of codes be searched with a `&str` from a parsed line; the
/// derived orderings of `Code` and `str` agree.
impl std::borrow::Borrow<str> for Code {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PackageId {
    /// A fresh random identifier.
    pub fn random() -> Self {
        Self(hex::encode(itaku_crypto::random_bytes::<16>()))
    }
}

/// Which way a package travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// Ward (甲) → contractor (乙): records of a frozen list.
    Provision,
    /// Contractor (乙) → ward (甲): results.
    Return,
}

impl fmt::Display for PackageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PackageKind::Provision => "提供（甲→乙）",
            PackageKind::Return => "返却（乙→甲）",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(Code::new("shimei").is_ok());
        assert!(Code::new("kana_shimei2").is_ok());
        for bad in ["", "Shimei", "2x", "shi mei", "氏名", "_x", &"a".repeat(65)] {
            assert!(Code::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_fields() {
        assert_eq!(OrgName::new("  新宿区 ").unwrap().as_str(), "新宿区");
        assert!(OrgName::new("a\nb").is_err());
        assert!(OrgName::new(" ").is_err());
        assert!(ContractId::new("R8-健-001").is_ok());
        assert!(ContractId::new("R8 001").is_err());
        let parsed: std::result::Result<OrgName, _> = serde_json::from_str("\"x\\ny\"");
        assert!(parsed.is_err());
    }

    #[test]
    fn timestamps_and_ids() {
        assert!(Timestamp::new("2027-04-01T09:00:00+09:00").is_ok());
        assert!(Timestamp::new("2027-04-01 09:00").is_err());
        let id = PackageId::random();
        assert_eq!(PackageId::new(id.as_str()).unwrap(), id);
        assert_ne!(PackageId::random(), id);
        assert!(PackageId::new("ABCDEF0123456789abcdef0123456789").is_err());
    }
}
