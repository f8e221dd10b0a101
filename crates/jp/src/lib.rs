//! Japanese text, dates and person data as a ward's systems export them.
//!
//! Every parser returns a validated newtype or an error whose `Display` is a
//! Japanese sentence a clerk can act on. Where a message names the value it
//! rejects, it starts with the value in 「」, so an importer can put the
//! column name in front: `format!("{列名}{err}")` reads
//! 生年月日「昭和64年2月1日」は昭和の期間外です（昭和は64年1月7日まで）.
//!
//! Stored forms keep what the register holds (variant kanji, 外字);
//! folding happens only in separate keys for search and comparison.

/// Display, AsRef<str>, FromStr, and serde as the canonical string, for a
/// newtype over `String` with a `parse` returning `Result<Self, $err>`.
macro_rules! string_newtype {
    ($t:ty, $err:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::str::FromStr for $t {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod address;
pub mod age;
pub mod barcode;
pub mod date;
pub mod encoding;
pub mod era;
pub mod holiday;
pub mod itaiji;
pub mod kansuji;
pub mod name;
pub mod phone;
pub mod sensitive;
pub mod width;

pub use address::{
    address_compare_key, local_part, town_key, AddressError, Jusho, Katagaki, PostalCode,
};
pub use age::{age_at_fiscal_year_end, age_attained_on, age_on, FiscalYear, FiscalYearError};
pub use barcode::{extract_address_number, Bar, BarcodeError, CodeChar, CustomerBarcode};
pub use date::{
    format_era_code, format_wareki, format_wareki_short, parse_date, parse_date_with_era_hint,
    DateError,
};
pub use encoding::{
    decode_field, decode_line, encode_cp932, strip_bom, DecodeError, Decoded, Gaiji,
    SourceEncoding, Unmappable,
};
pub use era::{Era, Wareki};
pub use holiday::{is_heichobi, is_holiday, is_year_end_closure, next_kaichobi};
pub use name::{search_key, KanaName, KanjiName, NameError};
pub use phone::{Phone, PhoneError, PhoneKind};
pub use sensitive::{forbidden_kinds, Forbidden};
pub use width::fold_width;
