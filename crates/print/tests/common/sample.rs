//! Synthetic but realistic postcards for tests and the benchmark: Shinjuku
//! addresses, names with 髙, 﨑 and an ideographic variation sequence
//! (葛󠄀 = U+845B U+E0100, and 邊 U+E0108, which only IPAmj Mincho has), and a customer barcode built with Japan Post's
//! character table. No external data.
#![allow(dead_code)]

use itaku_jp::Bar;
use itaku_print::{Postcard, Sender, Voucher, VoucherDesk};

pub const SURNAMES: &[&str] = &[
    "髙橋",
    "山﨑",
    "佐藤",
    "鈴木",
    "田中",
    "渡邉",
    "齋藤",
    "葛\u{E0100}西",
    "吉田",
    "伊藤",
    "渡邊\u{E0108}",
    "中村",
    "加藤",
    "山本",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "森",
];
pub const GIVEN: &[&str] = &[
    "﨑子",
    "太郎",
    "花子",
    "美穂",
    "健一",
    "さくら",
    "ゆうこ",
    "翔太",
    "惠子",
    "彌生",
    "浩二",
    "千代",
    "ハル",
    "和夫",
    "智恵子",
];
pub const TOWNS: &[(&str, &str)] = &[
    ("1600023", "西新宿"),
    ("1600021", "歌舞伎町"),
    ("1690075", "高田馬場"),
    ("1620825", "神楽坂"),
    ("1690072", "大久保"),
    ("1690073", "百人町"),
    ("1620052", "戸山"),
    ("1620063", "市谷薬王寺町"),
    ("1600004", "四谷"),
    ("1620041", "早稲田鶴巻町"),
];
pub const BUILDINGS: &[&str] = &[
    "",
    "",
    "メゾン新宿",
    "コーポ髙田",
    "パークハイツ﨑山",
    "グランドール・ヴィラ西新宿",
    "第二山田荘",
];

pub fn sender() -> Sender {
    Sender {
        postal_code: "160-8484".into(),
        address: "東京都新宿区歌舞伎町1-4-1".into(),
        name: "新宿区健康部健康づくり課".into(),
        phone: "03-5273-3047".into(),
    }
}

pub fn desk() -> VoucherDesk {
    VoucherDesk {
        name: "新宿区けんしんコールセンター".into(),
        phone: "0120-123-456".into(),
        hours: "平日 午前8時30分～午後5時（土日・祝日を除く）".into(),
    }
}

/// Japan Post's bar table: 1 long, 2 upper, 3 lower, 4 timing.
fn code(c: char) -> [u8; 3] {
    match c {
        '0' => [1, 4, 4],
        '1' => [1, 1, 4],
        '2' => [1, 3, 2],
        '3' => [3, 1, 2],
        '4' => [1, 2, 3],
        '5' => [1, 4, 1],
        '6' => [3, 2, 1],
        '7' => [2, 1, 3],
        '8' => [2, 3, 1],
        '9' => [4, 1, 1],
        '-' => [4, 1, 4],
        _ => [2, 4, 3], // CC4, the filler
    }
}

fn bar(n: u8) -> Bar {
    match n {
        1 => Bar::Long,
        2 => Bar::Upper,
        3 => Bar::Lower,
        _ => Bar::Timing,
    }
}

/// Start, 7 postal digits, 13 address-number characters (padded with
/// CC4), a check character and stop: 67 bars. The check character here is
/// taken from the digit sum without the full table of control codes, so
/// it is the right shape rather than a scannable value.
pub fn barcode(postal: &str, number: &str) -> Vec<Bar> {
    let mut chars: Vec<char> = postal.chars().collect();
    chars.extend(number.chars().take(13));
    while chars.len() < 20 {
        chars.push('*');
    }
    let sum: u32 = chars.iter().map(|c| c.to_digit(10).unwrap_or(14)).sum();
    let check = char::from_digit((19 - sum % 19) % 10, 10).unwrap_or('0');
    let mut out = vec![Bar::Long, Bar::Lower];
    for c in chars.iter().copied().chain([check]) {
        out.extend(code(c).iter().map(|&n| bar(n)));
    }
    out.extend([Bar::Lower, Bar::Long]);
    out
}

pub fn message_body(name: &str) -> String {
    format!(
        "{name}様の今年度の特定健康診査（国民健康保険）の受診券を同封のとおりお送りします。\
         健診は無料で、区内の協力医療機関で受けられます。生活習慣病は自覚症状がないまま進むことが多いため、\
         年に一度の健診で確認しましょう。\n\n\
         受診の際は、受診券と保険証（マイナ保険証）を医療機関の窓口にお出しください。\
         予約が必要な医療機関もありますので、事前にお電話でご確認ください。\n\n\
         ご不明な点は、下記までお問い合わせください。"
    )
}

/// The i-th synthetic postcard.
pub fn card(i: usize) -> Postcard {
    let surname = SURNAMES[i % SURNAMES.len()];
    let given = GIVEN[(i / 7) % GIVEN.len()];
    let (postal, town) = TOWNS[(i / 3) % TOWNS.len()];
    let (a, b, c) = (1 + i % 5, 1 + (i / 5) % 30, 1 + (i / 11) % 25);
    let building = BUILDINGS[(i / 2) % BUILDINGS.len()];
    let katagaki = if building.is_empty() {
        String::new()
    } else {
        format!("{building} {}0{}号室", 1 + i % 9, 1 + i % 8)
    };
    let shimei = format!("{surname} {given}");
    Postcard {
        page_ref: format!("R12-{:06}", i + 1),
        postal_code: postal.into(),
        jusho: format!("東京都新宿区{town}{a}-{b}-{c}"),
        katagaki,
        barcode: barcode(postal, &format!("{a}-{b}-{c}")),
        message_title: "特定健康診査のご案内".into(),
        message_body: message_body(&shimei),
        shimei,
    }
}

pub fn voucher(i: usize) -> Voucher {
    let c = card(i);
    Voucher {
        page_ref: c.page_ref,
        postal_code: c.postal_code,
        jusho: c.jusho,
        katagaki: c.katagaki,
        shimei: c.shimei,
        kana_shimei: "タカハシ サキコ".into(),
        birth_wareki: "昭和28年4月1日".into(),
        sex: "女".into(),
        jushinken_no: format!("{:011}", 12_345_000_000u64 + i as u64),
        screenings: vec![
            "特定健康診査".into(),
            "大腸がん検診".into(),
            "肺がん検診".into(),
            "歯科健診".into(),
        ],
        fiscal_year_label: "令和8年度".into(),
    }
}
