//! 住所表示番号の抜き出し: the rules of 郵便番号・バーコードマニュアル
//! 「バーコードに必要な文字情報の抜き出し法(3/9)」 (zipmanual/p19.html),
//! basic rules 1–6 and supplementary rules (補足) 1–5, applied in the
//! manual's order. See the parent module for the sources.

use crate::width::{fold_char, is_hyphen_like};

/// Basic rule 2: removed, and the text after them closes up.
const REMOVED: [char; 4] = ['&', '/', '・', '.'];

/// 補足1: a kanji numeral directly before 丁目, 丁, 番地, 番, 号, 地割, 線,
/// の or ノ is a number. 丁目 and 番地 begin with 丁 and 番, so one
/// character decides, except for 地割.
const MARKS: [char; 6] = ['丁', '番', '号', '線', 'の', 'ノ'];

/// The 住所表示番号 of an address: digits, hyphens and single letters,
/// as the manual extracts them. "千葉市稲毛区緑町3丁目30-8 郵便ビル403号"
/// gives "3-30-8-403"; "東3丁目-20-5 郵便・A&bコーポB604号" gives
/// "3-20-5B604".
///
/// The manual applies the rules to 住所B, the part after the 町域名
/// (zipmanual/p18.html). A whole address gives the same result unless the
/// town's own name has a kanji numeral right before one of the nine marks
/// (二番町, 八丁堀, 三ノ輪, 麻布十番): those would be read as numbers, so
/// for such towns pass only the part after the town name.
///
/// Not idempotent everywhere, by the manual's own rules: "6-7LB106" (its
/// example after 補足5) reads back as "6-7-106", since LB is then a run
/// of letters. Applying it twice always reaches a fixed point.
pub fn extract_address_number(address: &str) -> String {
    let chars = normalize(address);
    let chars = numbers_before_marks(&chars);
    join(&pick(&chars))
}

/// Width fold (全角→半角 for ASCII), every dash to '-', basic rule 1
/// (lower case to upper case) and basic rule 2 (& / ・ . removed).
fn normalize(address: &str) -> Vec<char> {
    address
        .chars()
        .map(fold_char)
        .map(|c| {
            if is_hyphen_like(c) {
                '-'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .filter(|c| !REMOVED.contains(c))
        .collect()
}

fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' | '壱' => 1,
        '二' | '弐' => 2,
        '三' | '参' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn kanji_unit(c: char) -> Option<u32> {
    match c {
        '十' | '拾' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || kanji_unit(c).is_some()
}

/// A kanji numeral in Arabic digits: 二十一 → 21, 十九 → 19, 百五 → 105,
/// 二〇 → 20 (positional). `None` when the units are out of order (十百).
fn kanji_number(run: &[char]) -> Option<String> {
    if !run.iter().any(|&c| kanji_unit(c).is_some()) {
        return run
            .iter()
            .map(|&c| kanji_digit(c).and_then(|d| char::from_digit(d, 10)))
            .collect();
    }
    let mut total = 0;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for &c in run {
        if let Some(d) = kanji_digit(c) {
            // 〇 only holds a place (二千〇五); two real digits in a row
            // under 十/百/千 are no number.
            if pending.is_some_and(|p| p != 0) {
                return None;
            }
            pending = Some(d);
        } else if let Some(unit) = kanji_unit(c) {
            if unit >= last_unit {
                return None;
            }
            total += pending.take().unwrap_or(1) * unit;
            last_unit = unit;
        }
    }
    Some((total + pending.unwrap_or(0)).to_string())
}

/// 補足1: kanji numerals directly before a mark become Arabic digits; all
/// others stay kanji (and so become hyphens under basic rule 4).
fn numbers_before_marks(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|&&c| is_kanji_numeral(c))
            .count();
        if run == 0 {
            out.extend(chars.get(i));
            i += 1;
            continue;
        }
        let numeral = &chars[i..i + run];
        let after = &chars[i + run..];
        let before_mark = match after {
            ['地', '割', ..] => true,
            [next, ..] => MARKS.contains(next),
            [] => false,
        };
        match kanji_number(numeral).filter(|_| before_mark) {
            Some(digits) => out.extend(digits.chars()),
            None => out.extend_from_slice(numeral),
        }
        i += run;
    }
    out
}

/// What basic rule 3 and 補足2/3 make of one character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    /// Extracted: a digit, a hyphen, or a letter standing alone.
    Keep(char),
    /// Not extracted; becomes a hyphen if something extracted follows.
    Other,
    /// A lone F right after a digit (a floor, 2F): 補足2 drops it, 補足3
    /// makes it a hyphen when something extracted follows.
    Floor,
}

fn pick(chars: &[char]) -> Vec<Slot> {
    let letter = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(char::is_ascii_uppercase)
    };
    let mut slots: Vec<Slot> = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c.is_ascii_digit() || c == '-' {
                Slot::Keep(c)
            } else if c.is_ascii_uppercase() {
                let prev = i.checked_sub(1);
                if letter(prev) || letter(Some(i + 1)) {
                    // Two or more letters in a row are not extracted.
                    Slot::Other
                } else if c == 'F'
                    && prev
                        .and_then(|p| chars.get(p))
                        .is_some_and(char::is_ascii_digit)
                {
                    Slot::Floor
                } else {
                    Slot::Keep(c)
                }
            } else {
                Slot::Other
            }
        })
        .collect();
    let mut kept_after = false;
    for slot in slots.iter_mut().rev() {
        match *slot {
            Slot::Keep(_) => kept_after = true,
            Slot::Floor if kept_after => *slot = Slot::Keep('-'),
            Slot::Floor => *slot = Slot::Other,
            Slot::Other => {}
        }
    }
    slots
}

/// Basic rules 4–6 and 補足4/5: a run of other characters before an
/// extracted one is one hyphen, hyphens do not repeat, none leads, none
/// touches a letter (and letters brought together by that stay). Trailing
/// ones go too: rule 4 makes none there, and a typed one carries nothing.
fn join(slots: &[Slot]) -> String {
    let mut out = String::with_capacity(slots.len());
    let mut gap = false;
    for slot in slots {
        let c = match *slot {
            Slot::Keep(c) => c,
            Slot::Other | Slot::Floor => {
                gap = true;
                continue;
            }
        };
        if std::mem::take(&mut gap) {
            push_hyphen(&mut out);
        }
        if c == '-' {
            push_hyphen(&mut out);
        } else {
            if c.is_ascii_uppercase() && out.ends_with('-') {
                out.pop();
            }
            out.push(c);
        }
    }
    out.truncate(out.trim_end_matches('-').len());
    out
}

fn push_hyphen(out: &mut String) {
    let after_letter = out
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_uppercase());
    if !(out.is_empty() || out.ends_with('-') || after_letter) {
        out.push('-');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_p19_basic_rules_example_step_by_step() {
        // 住所B of 千葉県鎌ヶ谷市右京塚 東3丁目-20-5 郵便・A&bコーポB604号.
        let b = "東3丁目-20-5 郵便・A&bコーポB604号";
        let chars = normalize(b);
        // Rules 1 and 2.
        assert_eq!(
            chars.iter().collect::<String>(),
            "東3丁目-20-5 郵便ABコーポB604号"
        );
        // Rule 3 keeps 3, -, 20, -, 5, B, 604; AB is a run and goes.
        let kept: String = pick(&chars)
            .iter()
            .filter_map(|s| match s {
                Slot::Keep(c) => Some(*c),
                _ => None,
            })
            .collect();
        assert_eq!(kept, "3-20-5B604");
        // Rules 4–6 and 補足4.
        assert_eq!(extract_address_number(b), "3-20-5B604");
    }

    #[test]
    fn supplementary_rule_1_kanji_numerals_before_the_nine_marks() {
        assert_eq!(
            extract_address_number("十一丁目六番地一号　郵便タワー601"),
            "11-6-1-601"
        );
        assert_eq!(extract_address_number("四丁六番十九号"), "4-6-19");
        assert_eq!(extract_address_number("第二十一地割大淵川480"), "21-480");
        assert_eq!(extract_address_number("南七線　西28"), "7-28");
        assert_eq!(extract_address_number("三の五"), "3");
        assert_eq!(extract_address_number("三ノ五番"), "3-5");
        // Not before a mark: a kanji like any other.
        assert_eq!(extract_address_number("北六条東4丁目"), "4");
        assert_eq!(extract_address_number("五十嵐ビル二階"), "");
    }

    #[test]
    fn kanji_numbers() {
        let n = |s: &str| kanji_number(&s.chars().collect::<Vec<_>>());
        assert_eq!(n("十").as_deref(), Some("10"));
        assert_eq!(n("十九").as_deref(), Some("19"));
        assert_eq!(n("二十").as_deref(), Some("20"));
        assert_eq!(n("二十一").as_deref(), Some("21"));
        assert_eq!(n("百五").as_deref(), Some("105"));
        assert_eq!(n("千二百三十四").as_deref(), Some("1234"));
        assert_eq!(n("二千〇五").as_deref(), Some("2005"));
        assert_eq!(n("二〇").as_deref(), Some("20"));
        assert_eq!(n("一〇五").as_deref(), Some("105"));
        assert_eq!(n("弐拾").as_deref(), Some("20"));
        assert_eq!(n("十百"), None);
        assert_eq!(n("二三十"), None);
        // Out of order: stays kanji, becomes a hyphen.
        assert_eq!(extract_address_number("1十百番2"), "1-2");
    }

    #[test]
    fn supplementary_rules_2_and_3_floor_f() {
        // 補足2: F after a digit is not extracted.
        assert_eq!(extract_address_number("6丁目7-14　ABCビル2F"), "6-7-14-2");
        assert_eq!(extract_address_number("5-6-3　ABCビル10F"), "5-6-3-10");
        // 補足3: ... but is a hyphen when something extracted follows.
        assert_eq!(
            extract_address_number("9丁目7-6　郵便シティA棟1F1号"),
            "9-7-6A1-1"
        );
        assert_eq!(
            extract_address_number("6丁目7-14　ABCビル2F201号室"),
            "6-7-14-2-201"
        );
        assert_eq!(extract_address_number("2F号室"), "2");
        // Not after a digit: an ordinary single letter.
        assert_eq!(extract_address_number("1-2 F棟"), "1-2F");
        // Part of a run: not a floor, dropped as a run.
        assert_eq!(extract_address_number("1-2 2FA3"), "1-2-2-3");
    }

    #[test]
    fn supplementary_rules_4_and_5_letters() {
        assert_eq!(extract_address_number("綾部6-7　LプラザB106"), "6-7LB106");
        assert_eq!(
            extract_address_number("3丁目80-25　J1ビル2-B"),
            "3-80-25J1-2B"
        );
        assert_eq!(extract_address_number("A-1"), "A1");
    }

    #[test]
    fn widths_cases_and_dashes() {
        assert_eq!(extract_address_number("３丁目３０－８　ａ棟"), "3-30-8A");
        assert_eq!(extract_address_number("3−30―8"), "3-30-8");
        assert_eq!(extract_address_number("1/2．3＆4･5"), "12345");
        assert_eq!(extract_address_number("-1--2-"), "1-2");
        assert_eq!(extract_address_number(""), "");
        assert_eq!(extract_address_number("霞が関"), "");
    }
}
