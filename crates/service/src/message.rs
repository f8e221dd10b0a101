//! Message templates: Japanese text with placeholders in braces, such as
//! {氏名} or {期限}. Placeholders are checked when a template is saved, so
//! a print run never meets one it cannot fill.

use crate::error::{Result, ServiceError};

/// The placeholders a template may use, with what each becomes.
pub const PLACEHOLDERS: [(&str, &str); 5] = [
    ("氏名", "宛名の氏名（例: 山田 太郎）"),
    ("期限", "受診期限（例: 令和9年2月28日）"),
    ("問合せ電話", "問合せ先の電話番号"),
    ("医療機関", "医療機関一覧の案内（URLなど）"),
    ("年度", "年度（例: 令和8年度）"),
];

fn placeholders(text: &str) -> Result<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err(ServiceError::Invalid(
                "「{」に対応する「}」がありません".into(),
            ));
        };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    if rest.contains('}') {
        return Err(ServiceError::Invalid(
            "「}」に対応する「{」がありません".into(),
        ));
    }
    Ok(out)
}

/// Refuse unknown placeholders, naming them and the ones that exist.
pub fn check_template(title: &str, body: &str) -> Result<()> {
    if title.trim().is_empty() || body.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "見出しと本文の両方を入力してください".into(),
        ));
    }
    if body.chars().count() > 1200 {
        return Err(ServiceError::Invalid(
            "本文は1,200字以内にしてください（はがき1面に収まる量）".into(),
        ));
    }
    for text in [title, body] {
        for p in placeholders(text)? {
            if !PLACEHOLDERS.iter().any(|(name, _)| *name == p) {
                let known: Vec<String> = PLACEHOLDERS
                    .iter()
                    .map(|(n, _)| format!("{{{n}}}"))
                    .collect();
                return Err(ServiceError::Invalid(format!(
                    "差し込み項目「{{{p}}}」はありません。使えるもの: {}",
                    known.join("、")
                )));
            }
        }
    }
    Ok(())
}

/// Fill a checked template. `values` pairs placeholder names with text.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The two framings seeds 001 and 002 use for each segment: a starting
/// point the ward edits, not a fixed text.
pub fn default_template(segment_name: &str, loss_framed: bool) -> (String, String) {
    let title = "{年度} 特定健康診査のご案内".to_owned();
    let body = if loss_framed {
        format!(
            "{segment_name}の方へ。特定健診を受けないと、自覚症状のないまま進む生活習慣病を見逃すおそれがあります。\
             \n\n受診期限は{{期限}}です。お近くの医療機関（{{医療機関}}）で無料で受けられます。\
             \n\nご不明な点は {{問合せ電話}} までお問い合わせください。"
        )
    } else {
        format!(
            "{segment_name}の方へ。年に一度の特定健診で、ご自身の健康を確かめ、これからの毎日を元気に過ごしましょう。\
             \n\n受診期限は{{期限}}です。お近くの医療機関（{{医療機関}}）で無料で受けられます。\
             \n\nご不明な点は {{問合せ電話}} までお問い合わせください。"
        )
    };
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_unbalanced_placeholders_are_refused() {
        assert!(check_template("案内", "{氏名} 様 {期限}まで").is_ok());
        let e = check_template("案内", "{名前} 様").unwrap_err().to_string();
        assert!(e.contains("「{名前}」はありません"), "{e}");
        assert!(e.contains("{氏名}"), "{e}");
        assert!(check_template("案内", "{氏名 様").is_err());
        assert!(check_template("案内", "氏名} 様").is_err());
        assert!(check_template("", "本文").is_err());
        assert!(check_template("案内", &"あ".repeat(1201)).is_err());
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let t = "{氏名} 様、期限は{期限}。{氏名}";
        assert_eq!(
            fill(t, &[("氏名", "髙橋 花子"), ("期限", "令和9年2月28日")]),
            "髙橋 花子 様、期限は令和9年2月28日。髙橋 花子"
        );
        for loss in [true, false] {
            let (title, body) = default_template("5年間未受診", loss);
            check_template(&title, &body).unwrap();
            let filled = fill(
                &body,
                &[
                    ("氏名", "A"),
                    ("期限", "B"),
                    ("問合せ電話", "C"),
                    ("医療機関", "D"),
                ],
            );
            assert!(!filled.contains('{'), "{filled}");
        }
    }
}
