//! Japan Post's customer barcode (カスタマバーコード): 郵便番号 plus the
//! number part of the address (住所表示番号), drawn as four kinds of bars.
//!
//! # Where each rule comes from
//!
//! 日本郵便「郵便番号・バーコードマニュアル」,
//! <https://www.post.japanpost.jp/zipcode/zipmanual/>:
//!
//! - p12「バーコード(3/4)」: start code, 7-digit 郵便番号, 13 places of
//!   住所表示番号, check digit, stop code; a letter is a control code plus a
//!   digit and takes two places; more than 13 places are cut, but a
//!   letter's control code falling on the 13th place stays; fewer are
//!   filled with CC4.
//! - p17「バーコードに必要な文字情報の抜き出し法(1/9)」: the outline, with
//!   霞が関1丁目3番2号 郵便プラザ503室 → 1000013 1-3-2-503, check digit 9.
//! - p18 (2/9): the address is split into 住所A (up to the 町域名) and
//!   住所B; a 代表の郵便番号 (the 郵便番号簿's 「以下に掲載がない場合」,
//!   whose last two digits are in principle 00) gets no barcode.
//! - p19 (3/9): the extraction rules; see [`extract_address_number`].
//! - p20 (4/9): 郵便番号 and 住所表示番号 joined, cut after 20 places, a
//!   letter split over places 20–21 keeps only its control code:
//!   064080429-1524-23-2- and 91000673-80-25 CC1 9 1-2 CC1.
//! - p21 (5/9): check digit: values 0–9 for the digits, 10 for '-', 11–18
//!   for CC1–CC8; the check digit makes the sum a multiple of 19 and is
//!   written with the character of that value (10 is '-', 18 is CC8).
//! - p22 (6/9): a 個別番号 alone is encoded with CC4 in all 13 places
//!   (what an address without numbers gives here).
//! - p25 (9/9): the worked examples, tested in `barcode/tests.rs`.
//!
//! What I could read of the manual: the text of p12, p17, p18 (cut short
//! inside the 代表番号 sentence), p19 up to 補足1, p20 and p21. Not read
//! directly, and taken instead from public implementations that quote it:
//!
//! - p19 補足1–5 (kanji numerals before the nine marks; floor F; F as a
//!   hyphen; no hyphen beside a letter; adjacent letters then stay), as
//!   quoted in the comments of several independent implementations, one
//!   being
//!   <https://github.com/pinekta/php-jp-customer-barcode-generator/blob/master/src/BarcodeGenerator.php>;
//!   "原則として00" for the 代表番号 as quoted by
//!   <https://github.com/awazo/jp-post-customer-barcode>.
//! - p25's examples: the expected code sequences that
//!   <https://github.com/shimoning/postal-customer-barcode/blob/master/tests/ConverterTest.php>
//!   and
//!   <https://github.com/monmon/japanpost-customer-barcode/blob/master/test/customer_barcode.test.ts>
//!   both attribute to p25 (they agree). Two of them (273-0102 → check
//!   digit 0, 014-0113 → CC8) also appear as Japan Post quality-inspection
//!   readings at <http://kipwmi.com/fm/tips/yuubin.htm>.
//! - The bar pattern of each character (manual section 6「バーコード」(3),
//!   published as a picture): the table of pinekta's generator above and
//!   zint's `JAPAN_TABLE` as ported in
//!   <https://github.com/woo-j/OkapiBarcode/blob/master/src/main/java/uk/org/okapibarcode/backend/JapanPost.java>;
//!   the tests check that both transcriptions agree with [`CodeChar::bars`].

mod extract;
#[cfg(test)]
mod tests;

pub use extract::extract_address_number;

use crate::address::PostalCode;
use std::fmt;

/// One bar of the customer barcode, as Japan Post's specification draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bar {
    /// ロングバー: full height (3.6 mm).
    Long,
    /// セミロングバー（上）: from the top to the middle band.
    Upper,
    /// セミロングバー（下）: from the middle band to the bottom.
    Lower,
    /// タイミングバー: the middle band only (1.2 mm).
    Timing,
}

/// Places for 郵便番号 and 住所表示番号 together (7 + 13).
pub const DATA_LEN: usize = 20;

/// Bars in every customer barcode: start 2, 20 characters and the check
/// digit 3 each, stop 2.
pub const BAR_COUNT: usize = 2 + (DATA_LEN + 1) * 3 + 2;

/// Why no customer barcode can be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error(
        "「{postal}」は市区町村の代表の郵便番号（下2桁が00）なので、日本郵便の仕様によりカスタマバーコードは付けられません。町域ごとの郵便番号を確かめてください"
    )]
    RepresentativePostalCode { postal: String },
}

/// One character of the barcode: a digit, the hyphen, a control code, or
/// the start and stop codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeChar {
    Start,
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
    Hyphen,
    Cc1,
    Cc2,
    Cc3,
    Cc4,
    Cc5,
    Cc6,
    Cc7,
    Cc8,
    Stop,
}

/// The characters that carry a value, in the order of their check values
/// 0–18 (p21).
const BY_VALUE: [CodeChar; 19] = {
    use CodeChar::*;
    [
        D0, D1, D2, D3, D4, D5, D6, D7, D8, D9, Hyphen, Cc1, Cc2, Cc3, Cc4, Cc5, Cc6, Cc7, Cc8,
    ]
};

impl CodeChar {
    /// The check value (p21): digits 0–9, '-' 10, CC1–CC8 11–18; none for
    /// the start and stop codes.
    pub fn value(self) -> Option<u8> {
        let i = BY_VALUE.iter().position(|&c| c == self)?;
        u8::try_from(i).ok()
    }

    /// The character whose check value is `value` (0–18).
    pub fn from_value(value: u8) -> Option<Self> {
        BY_VALUE.get(usize::from(value)).copied()
    }

    /// The bars that draw this character, left to right.
    pub fn bars(self) -> &'static [Bar] {
        use Bar::{Long as L, Lower as D, Timing as T, Upper as U};
        match self {
            Self::Start => &[L, D],
            Self::D1 => &[L, L, T],
            Self::D2 => &[L, D, U],
            Self::D3 => &[D, L, U],
            Self::D4 => &[L, U, D],
            Self::D5 => &[L, T, L],
            Self::D6 => &[D, U, L],
            Self::D7 => &[U, L, D],
            Self::D8 => &[U, D, L],
            Self::D9 => &[T, L, L],
            Self::D0 => &[L, T, T],
            Self::Hyphen => &[T, L, T],
            Self::Cc1 => &[D, U, T],
            Self::Cc2 => &[D, T, U],
            Self::Cc3 => &[U, D, T],
            Self::Cc4 => &[T, D, U],
            Self::Cc5 => &[U, T, D],
            Self::Cc6 => &[T, U, D],
            Self::Cc7 => &[T, T, L],
            Self::Cc8 => &[L, L, L],
            Self::Stop => &[D, L],
        }
    }

    /// The characters for one character of a 住所表示番号: a digit or '-'
    /// is one; a letter is a control code and a digit (A–J CC1 0–9, K–T
    /// CC2 0–9, U–Z CC3 0–5). Anything else has none.
    fn encode(c: char) -> Vec<Self> {
        let digit = |d: u32| u8::try_from(d).ok().and_then(Self::from_value);
        let letter = |control: Self, first: char| {
            let d = u32::from(c) - u32::from(first);
            digit(d).map(|d| vec![control, d]).unwrap_or_default()
        };
        match c {
            '0'..='9' => c.to_digit(10).and_then(digit).into_iter().collect(),
            '-' => vec![Self::Hyphen],
            'A'..='J' => letter(Self::Cc1, 'A'),
            'K'..='T' => letter(Self::Cc2, 'K'),
            'U'..='Z' => letter(Self::Cc3, 'U'),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for CodeChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Start => "STC",
            Self::Stop => "SPC",
            Self::Hyphen => "-",
            Self::Cc1 => "CC1",
            Self::Cc2 => "CC2",
            Self::Cc3 => "CC3",
            Self::Cc4 => "CC4",
            Self::Cc5 => "CC5",
            Self::Cc6 => "CC6",
            Self::Cc7 => "CC7",
            Self::Cc8 => "CC8",
            digit => {
                let v = digit.value().unwrap_or(0);
                return write!(f, "{v}");
            }
        };
        f.write_str(name)
    }
}

/// A customer barcode for one address: 20 data characters and the check
/// digit, between the start and stop codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerBarcode {
    postal: String,
    address_number: String,
    data: Vec<CodeChar>,
    check_digit: CodeChar,
}

impl CustomerBarcode {
    /// The barcode for `address` (住所 then 方書, or only the part after
    /// the 町域名; see [`extract_address_number`]) at `postal`. An address
    /// without numbers gives CC4 in all 13 places, as for a 個別番号.
    pub fn new(postal: &PostalCode, address: &str) -> Result<Self, BarcodeError> {
        let digits = postal.digits();
        if digits.ends_with("00") {
            return Err(BarcodeError::RepresentativePostalCode {
                postal: postal.to_string(),
            });
        }
        let address_number = extract_address_number(address);
        let mut data: Vec<CodeChar> = digits
            .chars()
            .chain(address_number.chars())
            .flat_map(CodeChar::encode)
            .collect();
        // p20: cut after 20; a letter's control code in place 20 stays
        // without its digit.
        data.truncate(DATA_LEN);
        data.resize(DATA_LEN, CodeChar::Cc4);
        let sum: u32 = data.iter().filter_map(|c| c.value()).map(u32::from).sum();
        let check = (19 - sum % 19) % 19;
        let check_digit = u8::try_from(check)
            .ok()
            .and_then(CodeChar::from_value)
            .unwrap_or(CodeChar::D0);
        Ok(Self {
            postal: digits.to_owned(),
            address_number,
            data,
            check_digit,
        })
    }

    /// The seven digits of the 郵便番号, without the hyphen.
    pub fn postal_digits(&self) -> &str {
        &self.postal
    }

    /// The 住所表示番号 as extracted, before encoding and cutting:
    /// "3-30-8-403".
    pub fn address_number(&self) -> &str {
        &self.address_number
    }

    /// The 20 data characters: 郵便番号, 住所表示番号, CC4 filling.
    pub fn data(&self) -> &[CodeChar] {
        &self.data
    }

    pub fn check_digit(&self) -> CodeChar {
        self.check_digit
    }

    /// All 23 characters: start, 20 data, check digit, stop.
    pub fn characters(&self) -> Vec<CodeChar> {
        let mut all = Vec::with_capacity(DATA_LEN + 3);
        all.push(CodeChar::Start);
        all.extend_from_slice(&self.data);
        all.push(self.check_digit);
        all.push(CodeChar::Stop);
        all
    }

    /// The characters as text, as the manual's examples list them:
    /// "STC 2 6 3 0 0 2 3 3 - 3 0 - 8 - 4 0 3 CC4 CC4 CC4 5 SPC".
    pub fn code_text(&self) -> String {
        let names: Vec<String> = self.characters().iter().map(ToString::to_string).collect();
        names.join(" ")
    }

    /// The bars to print, left to right; always [`BAR_COUNT`] of them.
    pub fn bars(&self) -> Vec<Bar> {
        self.characters()
            .iter()
            .flat_map(|c| c.bars().iter().copied())
            .collect()
    }
}

/// "2630023 3-30-8-403: STC 2 6 3 … 5 SPC", for logs and proof sheets.
impl fmt::Display for CustomerBarcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.postal)?;
        if !self.address_number.is_empty() {
            write!(f, " {}", self.address_number)?;
        }
        write!(f, ": {}", self.code_text())
    }
}
