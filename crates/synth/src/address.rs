//! Addresses in Shinjuku: 住所 with the town's real postal code, and 方書.

use rand::Rng;

use crate::names::choose;
use crate::num::{kanji_digit, push_num};
use crate::tables::family::FAMILY;
use crate::tables::towns::{Town, TOWNS};
use crate::weighted::Weighted;

/// Building-name patterns (`{}` is the town name) and the tallest floor
/// such a building plausibly has. Generic words only: no real brand names.
const BUILDINGS: &[(&str, &str, u8)] = &[
    ("メゾン", "", 5),
    ("ハイツ", "", 4),
    ("コーポ", "", 3),
    ("グランドメゾン", "", 10),
    ("", "パークハイツ", 8),
    ("", "レジデンス", 14),
    ("", "荘", 2),
    ("サンハイム", "", 5),
    ("パレス", "", 9),
    ("ヴィラ", "", 4),
    ("シャトー", "", 6),
    ("", "コート", 7),
    ("", "ハウス", 3),
    ("", "タワー", 30),
];

/// Percent of residents with a 方書 (flats are most of Shinjuku's housing).
const KATAGAKI_PERCENT: u32 = 50;
/// Percent of 方書 that are "c/o" (佐藤方) rather than a building.
const CARE_OF_PERCENT: u32 = 4;

pub(crate) struct Address {
    pub postal: &'static str,
    pub jusho: String,
    pub katagaki: String,
}

pub(crate) struct Addresses {
    towns: Weighted,
}

impl Addresses {
    pub(crate) fn new() -> Self {
        Addresses {
            towns: Weighted::new(TOWNS.iter().map(|t| t.weight)),
        }
    }

    pub(crate) fn draw<R: Rng>(&self, rng: &mut R) -> Address {
        let town = TOWNS.get(self.towns.pick(rng)).unwrap_or(&FALLBACK_TOWN);
        Address {
            postal: town.postal,
            jusho: jusho(rng, town),
            katagaki: katagaki(rng, town),
        }
    }
}

const FALLBACK_TOWN: Town = Town {
    name: "西新宿",
    postal: "1600023",
    chome: (1, 8),
    weight: 1,
};

fn jusho<R: Rng>(rng: &mut R, town: &Town) -> String {
    let mut s = String::with_capacity(72);
    s.push_str("東京都新宿区");
    s.push_str(town.name);
    let (first, last) = town.chome;
    let max_ban = if first == 0 {
        25
    } else {
        s.push_str(kanji_digit(rng.gen_range(first..=last.max(first))));
        s.push_str("丁目");
        30
    };
    push_num(&mut s, rng.gen_range(1..=max_ban));
    s.push('番');
    push_num(&mut s, rng.gen_range(1..=25));
    s.push('号');
    s
}

fn katagaki<R: Rng>(rng: &mut R, town: &Town) -> String {
    if !rng.gen_ratio(KATAGAKI_PERCENT, 100) {
        return String::new();
    }
    if rng.gen_ratio(CARE_OF_PERCENT, 100) {
        let (family, _, _) = *choose(rng, FAMILY, &("山田", "ヤマダ", 0));
        let mut s = String::with_capacity(family.len() + 3);
        s.push_str(family);
        s.push('方');
        return s;
    }
    let (prefix, suffix, floors) = *choose(rng, BUILDINGS, &("メゾン", "", 5));
    let floor = rng.gen_range(1..=floors);
    let unit: u8 = rng.gen_range(1..=if floors <= 3 { 6 } else { 12 });
    let mut s = String::with_capacity(64);
    s.push_str(prefix);
    s.push_str(town.name);
    s.push_str(suffix);
    push_num(&mut s, u64::from(floor) * 100 + u64::from(unit));
    s.push_str("号室");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn town_table_is_sound() {
        let mut postals = std::collections::HashSet::new();
        for t in TOWNS {
            assert_eq!(t.postal.len(), 7, "{}", t.name);
            assert!(t.postal.bytes().all(|b| b.is_ascii_digit()));
            assert!(["160", "161", "162", "169"].contains(&&t.postal[..3]));
            assert!(postals.insert(t.postal), "postal {} twice", t.postal);
            assert!(t.chome.0 <= t.chome.1 && t.chome.1 <= 8);
            assert!(t.weight > 0);
        }
        assert!(TOWNS.len() >= 60);
    }

    #[test]
    fn codes_agree_with_the_sample_export() {
        // Pairs as the ward's own sample export writes them.
        let known = [
            ("西早稲田", "1690051"),
            ("信濃町", "1600016"),
            ("神楽坂", "1620825"),
            ("西落合", "1610031"),
            ("高田馬場", "1690075"),
            ("大久保", "1690072"),
            ("百人町", "1690073"),
            ("新宿", "1600022"),
            ("西新宿", "1600023"),
            ("歌舞伎町", "1600021"),
            ("四谷", "1600004"),
            ("早稲田鶴巻町", "1620041"),
            ("北新宿", "1690074"),
            ("富久町", "1620067"),
            ("若葉", "1600011"),
        ];
        for (name, postal) in known {
            let t = TOWNS.iter().find(|t| t.name == name).unwrap();
            assert_eq!(t.postal, postal, "{name}");
        }
    }

    #[test]
    fn addresses_look_right() {
        let a = Addresses::new();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut with_katagaki = 0;
        for _ in 0..2_000 {
            let addr = a.draw(&mut rng);
            assert!(addr.jusho.starts_with("東京都新宿区"));
            assert!(addr.jusho.ends_with('号'));
            if !addr.katagaki.is_empty() {
                with_katagaki += 1;
                assert!(addr.katagaki.ends_with("号室") || addr.katagaki.ends_with('方'));
            }
        }
        assert!((800..1200).contains(&with_katagaki), "{with_katagaki}");
    }
}
