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

pub mod address;
pub mod age;
pub mod date;
pub mod encoding;
pub mod era;
pub mod holiday;
pub mod itaiji;
pub mod kansuji;
pub mod name;
pub mod phone;
pub mod width;

pub use address::{
    address_compare_key, local_part, town_key, AddressError, Jusho, Katagaki, PostalCode,
};
pub use age::{age_at_fiscal_year_end, age_attained_on, age_on, FiscalYear, FiscalYearError};
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
pub use width::fold_width;
