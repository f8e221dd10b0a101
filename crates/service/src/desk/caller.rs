//! A caller who is not in the list: the desk may collect only what seed
//! 000 lists (《委託先に収集させる項目》), and only those of them the
//! desk's purpose allows. Values are checked and written in the register's
//! forms, so the ward can compare them with its own records.

use crate::error::{Result, ServiceError};
use itaku_core::{Item, ItemSet};
use std::collections::BTreeMap;

/// 郵便番号、漢字住所、漢字方書、漢字氏名、カナ氏名、生年月日、性別、
/// 電話番号、希望するがん検診の種類.
pub const COLLECTIBLE: [Item; 9] = [
    Item::YubinBango,
    Item::Jusho,
    Item::Katagaki,
    Item::Shimei,
    Item::KanaShimei,
    Item::Seinengappi,
    Item::Seibetsu,
    Item::DenwaBango,
    Item::GanKenshinShurui,
];

/// Sex as said or typed (男, 女, 1, 2) → the register's code.
pub(crate) fn sex_code(s: &str) -> Option<&'static str> {
    match itaku_jp::fold_width(s.trim()).as_str() {
        "1" | "男" | "男性" => Some("1"),
        "2" | "女" | "女性" => Some("2"),
        _ => None,
    }
}

fn parse_value(item: Item, raw: &str) -> Result<String> {
    let bad = |e: String| ServiceError::Invalid(format!("{}: {e}", item.label()));
    Ok(match item {
        Item::Shimei => itaku_jp::KanjiName::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .as_str()
            .to_owned(),
        Item::KanaShimei => itaku_jp::KanaName::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .as_str()
            .to_owned(),
        Item::Seinengappi => itaku_jp::parse_date(raw)
            .map_err(|e| bad(e.to_string()))?
            .to_string(),
        Item::Seibetsu => sex_code(raw)
            .ok_or_else(|| bad(format!("「{raw}」は 男 または 女 で入力してください")))?
            .to_owned(),
        Item::YubinBango => itaku_jp::PostalCode::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .digits()
            .to_owned(),
        Item::Jusho => itaku_jp::Jusho::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .as_str()
            .to_owned(),
        Item::Katagaki => itaku_jp::Katagaki::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .as_str()
            .to_owned(),
        Item::DenwaBango => itaku_jp::Phone::parse(raw)
            .map_err(|e| bad(e.to_string()))?
            .formatted(),
        Item::GanKenshinShurui => {
            let (known, other) = super::parse_kinds(raw);
            if let Some(w) = other.first() {
                return Err(bad(format!("「{w}」はがん検診の種類ではありません")));
            }
            super::merge_kinds("", &known)
        }
        _ => raw.trim().to_owned(),
    })
}

/// Check what a caller not in the list gave: only collectible items the
/// purpose allows, each in its proper form, and a name to know them by.
pub(crate) fn parse_caller(
    values: &BTreeMap<Item, String>,
    allowed: &ItemSet,
) -> Result<BTreeMap<Item, String>> {
    let mut out = BTreeMap::new();
    for (item, raw) in values {
        if raw.trim().is_empty() {
            continue;
        }
        if !COLLECTIBLE.contains(item) || !allowed.contains(*item) {
            let may: Vec<&str> = COLLECTIBLE
                .iter()
                .filter(|i| allowed.contains(**i))
                .map(|i| i.label())
                .collect();
            return Err(ServiceError::Invalid(format!(
                "{}は窓口で聞き取れる項目ではありません（聞き取れる項目: {}）",
                item.label(),
                may.join("、")
            )));
        }
        out.insert(*item, parse_value(*item, raw)?);
    }
    if !out.contains_key(&Item::Shimei) && !out.contains_key(&Item::KanaShimei) {
        return Err(ServiceError::Invalid(
            "名簿にない方は、氏名またはカナ氏名を聞き取って入力してください".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_collectible_items_in_their_forms() {
        let allowed: ItemSet = COLLECTIBLE.into_iter().chain([Item::JushinkenNo]).collect();
        let mut v = BTreeMap::new();
        v.insert(Item::Shimei, "山田　太郎".to_owned());
        v.insert(Item::Seinengappi, "S45.3.1".to_owned());
        v.insert(Item::Seibetsu, "男".to_owned());
        v.insert(Item::DenwaBango, "０３－５２７３－３０４７".to_owned());
        let got = parse_caller(&v, &allowed).unwrap();
        assert_eq!(got[&Item::Seinengappi], "1970-03-01");
        assert_eq!(got[&Item::Seibetsu], "1");
        assert_eq!(got[&Item::DenwaBango], "03-5273-3047");
        // Not on seed 000's list, even if the purpose has it.
        v.insert(Item::JushinkenNo, "1234567".to_owned());
        let e = parse_caller(&v, &allowed).unwrap_err().to_string();
        assert!(e.contains("受診券整理番号"), "{e}");
        v.remove(&Item::JushinkenNo);
        v.insert(Item::AtenaNo, "100".to_owned());
        assert!(parse_caller(&v, &allowed).is_err());
        let mut nameless = BTreeMap::new();
        nameless.insert(Item::Seibetsu, "女".to_owned());
        assert!(parse_caller(&nameless, &allowed).is_err());
    }
}
