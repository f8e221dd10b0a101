//! Kanji numerals (漢数字) as used in 丁目 and dates: 一 … 九十九.
//!
//! Only the small range real data needs: 丁目 numbers, months, days and
//! era years. Both the positional style (二〇) and the 十 style (二十) read.

const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// True for a character that can appear in a kanji numeral.
pub fn is_kansuji(c: char) -> bool {
    c == '十' || c == '零' || DIGITS.contains(&c)
}

fn digit(c: char) -> Option<u32> {
    if c == '零' {
        return Some(0);
    }
    DIGITS
        .iter()
        .position(|&d| d == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Reads a kanji numeral below 100: 三 → 3, 十二 → 12, 二十 → 20,
/// 二十三 → 23, 二三 → 23 (positional). `None` for anything else.
pub fn parse_kansuji(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    match chars.iter().position(|&c| c == '十') {
        Some(ten) => {
            let tens = match &chars[..ten] {
                [] => 1,
                [d] => digit(*d).filter(|&d| d >= 2)?,
                _ => return None,
            };
            let units = match &chars[ten + 1..] {
                [] => 0,
                [d] => digit(*d).filter(|&d| d >= 1)?,
                _ => return None,
            };
            Some(tens * 10 + units)
        }
        None if !chars.is_empty() && chars.len() <= 2 => chars
            .iter()
            .try_fold(0u32, |acc, &c| Some(acc * 10 + digit(c)?)),
        None => None,
    }
}

/// Writes 1–99 in the 十 style used in 町丁目 names: 3 → 三, 12 → 十二,
/// 20 → 二十. Zero and 100 or more come back as Arabic digits.
pub fn format_kansuji(n: u32) -> String {
    if n == 0 || n >= 100 {
        return n.to_string();
    }
    let at = |d: u32| DIGITS[usize::try_from(d).unwrap_or(0) % 10];
    let (tens, units) = (n / 10, n % 10);
    let mut out = String::new();
    if tens >= 2 {
        out.push(at(tens));
    }
    if tens >= 1 {
        out.push('十');
    }
    if units > 0 {
        out.push(at(units));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_below_100_round_trips() {
        for n in 1..100 {
            assert_eq!(parse_kansuji(&format_kansuji(n)), Some(n), "{n}");
        }
    }

    #[test]
    fn known_forms() {
        assert_eq!(format_kansuji(3), "三");
        assert_eq!(format_kansuji(10), "十");
        assert_eq!(format_kansuji(12), "十二");
        assert_eq!(format_kansuji(20), "二十");
        assert_eq!(format_kansuji(45), "四十五");
        assert_eq!(parse_kansuji("二〇"), Some(20));
        assert_eq!(parse_kansuji("一十"), None);
        assert_eq!(parse_kansuji("十〇"), None);
        assert_eq!(parse_kansuji("三十三十"), None);
        assert_eq!(parse_kansuji(""), None);
        assert_eq!(parse_kansuji("百"), None);
    }
}
