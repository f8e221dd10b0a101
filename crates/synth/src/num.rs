//! Decimal formatting straight into a `String`, without `fmt` machinery, for
//! the per-row hot path (a million rows must stream in seconds).

/// Appends `n` in decimal, left-padded with zeros to at least `width` digits.
pub(crate) fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        // `v % 10` is below 10, so the cast cannot truncate.
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push('0');
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_num(out: &mut String, n: u64) {
    push_padded(out, n, 1);
}

/// Appends a value held in tenths as `12.3`.
pub(crate) fn push_tenths(out: &mut String, tenths: u32) {
    push_num(out, u64::from(tenths / 10));
    out.push('.');
    push_num(out, u64::from(tenths % 10));
}

/// Kanji numerals for 丁目 (一丁目 … 九丁目); Shinjuku has no 丁目 above 八.
pub(crate) fn kanji_digit(n: u8) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        6 => "六",
        7 => "七",
        8 => "八",
        _ => "九",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_formats() {
        let mut s = String::new();
        push_padded(&mut s, 7, 3);
        s.push(',');
        push_padded(&mut s, 12345, 3);
        s.push(',');
        push_num(&mut s, 0);
        s.push(',');
        push_tenths(&mut s, 273);
        s.push(',');
        push_num(&mut s, u64::MAX);
        assert_eq!(s, format!("007,12345,0,27.3,{}", u64::MAX));
    }
}
