//! One synthetic NHI member, with the columns of a ward's target-list export.

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

/// Sex code as municipal systems write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// 1 male, 2 female.
    pub fn code(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }
}

impl Serialize for Sex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

/// A resident as the ward's system would export them. Field order is the
/// CSV column order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resident {
    /// 宛名番号: the ward's person key, 9 digits.
    #[serde(serialize_with = "nine_digits")]
    pub atena_no: u64,
    /// 受診券整理番号: 11 digits, the fiscal year's two digits then 9 digits.
    #[serde(serialize_with = "eleven_digits")]
    pub jushinken_no: u64,
    /// 被保険者記号, e.g. 新宿.
    pub hihokensha_kigo: String,
    /// 被保険者番号
    pub hihokensha_bango: String,
    /// カナ氏名: full-width katakana, family and given name split by U+3000.
    pub kana: String,
    /// 漢字氏名 as registered (variant kanji kept); Latin letters for foreign
    /// residents registered without kanji.
    pub kanji: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// 郵便番号: seven digits, no hyphen.
    pub postal_code: String,
    /// 住所: 東京都新宿区 + town + 丁目 + 番 + 号.
    pub jusho: String,
    /// 方書: building and room, empty for detached houses.
    pub katagaki: String,
    pub phone: Option<String>,
    /// 資格取得年月日: date NHI membership began.
    pub shikaku_shutoku: NaiveDate,
    /// 資格喪失年月日: date NHI membership ended, if it has.
    pub shikaku_soshitsu: Option<NaiveDate>,
    /// 前年度特定健診受診: screened in the previous fiscal year.
    pub prev_year_screened: bool,
    /// 過去5年受診回数: screenings in the last five fiscal years (0–5).
    pub screenings_5y: u8,
    pub bmi: Option<f32>,
    /// 収縮期血圧 in mmHg.
    pub sbp: Option<u16>,
    /// HbA1c in % (NGSP).
    pub hba1c: Option<f32>,
}

// IDs are strings in JSON: they are keys, not quantities, and keep their
// leading zeros.
fn nine_digits<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{n:09}"))
}

fn eleven_digits<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{n:011}"))
}
