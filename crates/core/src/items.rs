//! The items catalogue: every piece of personal data itaku can hold. A
//! purpose lists the items it may process; nothing else is ever loaded for it.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

macro_rules! catalogue {
    ($($variant:ident => $code:literal, $label:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Item { $($variant),* }

        impl Item {
            pub const ALL: &'static [Item] = &[$(Item::$variant),*];
            pub fn code(self) -> &'static str {
                match self { $(Item::$variant => $code),* }
            }
            pub fn label(self) -> &'static str {
                match self { $(Item::$variant => $label),* }
            }
        }
    };
}

catalogue! {
    AtenaNo => "atena_no", "宛名番号";
    Shimei => "shimei", "氏名";
    KanaShimei => "kana_shimei", "カナ氏名";
    Seinengappi => "seinengappi", "生年月日";
    Seibetsu => "seibetsu", "性別";
    YubinBango => "yubin_bango", "郵便番号";
    Jusho => "jusho", "住所";
    Katagaki => "katagaki", "方書";
    DenwaBango => "denwa_bango", "電話番号";
    JushinkenNo => "jushinken_no", "受診券整理番号";
    KokuhoKigoBango => "kokuho_kigo_bango", "国保記号番号";
    ShikakuShutoku => "shikaku_shutoku", "資格取得年月日";
    ShikakuSoshitsu => "shikaku_soshitsu", "資格喪失年月日";
    JushinRireki => "jushin_rireki", "受診歴";
    KenshinKekka => "kenshin_kekka", "健診結果";
    GanKenshinShurui => "gan_kenshin_shurui", "がん検診の種類";
    KanshoKekka => "kansho_kekka", "勧奨結果";
    JushinBi => "jushin_bi", "受診日";
    Anketo => "anketo", "アンケート";
    // Seed 004 (国保料滞納整理): the seven items the entry contract keys
    // from the paper ledgers, and the amounts the ledger holds.
    SeikatsuJokyo => "seikatsu_jokyo", "生活状況";
    ShisanFusai => "shisan_fusai", "資産・負債内容";
    BunkatsuNofu => "bunkatsu_nofu", "分割納付状況";
    ShokugyoKinmusaki => "shokugyo_kinmusaki", "職業・勤務先";
    TainoShobun => "taino_shobun", "滞納処分状況";
    NofuKosho => "nofu_kosho", "納付交渉内容";
    SaikokuJokyo => "saikoku_jokyo", "催告状況";
    HokenryoFukagaku => "hokenryo_fukagaku", "保険料賦課額";
    NofuGaku => "nofu_gaku", "納付額";
}

impl Item {
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let code = code.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|i| i.code() == code || i.label() == code)
            .ok_or_else(|| DomainError::UnknownItem(code.to_owned()))
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An ordered set of items; stored as comma-separated codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemSet(BTreeSet<Item>);

impl ItemSet {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn all() -> Self {
        Self(Item::ALL.iter().copied().collect())
    }
    pub fn insert(&mut self, item: Item) {
        self.0.insert(item);
    }
    pub fn contains(&self, item: Item) -> bool {
        self.0.contains(&item)
    }
    pub fn is_subset(&self, other: &ItemSet) -> bool {
        self.0.is_subset(&other.0)
    }
    pub fn intersection(&self, other: &ItemSet) -> ItemSet {
        Self(self.0.intersection(&other.0).copied().collect())
    }
    pub fn difference(&self, other: &ItemSet) -> ItemSet {
        Self(self.0.difference(&other.0).copied().collect())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = Item> + '_ {
        self.0.iter().copied()
    }
    /// Stored form: `shimei,kana_shimei` in catalogue order.
    pub fn to_codes(&self) -> String {
        self.0
            .iter()
            .map(|i| i.code())
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn parse_codes(s: &str) -> Result<Self, DomainError> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Item::parse)
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }
    /// For people: 「氏名・カナ氏名」.
    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|i| i.label())
            .collect::<Vec<_>>()
            .join("・")
    }
}

impl FromIterator<Item> for ItemSet {
    fn from_iter<T: IntoIterator<Item = Item>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_are_unique_and_round_trip() {
        let codes: BTreeSet<_> = Item::ALL.iter().map(|i| i.code()).collect();
        let labels: BTreeSet<_> = Item::ALL.iter().map(|i| i.label()).collect();
        assert_eq!(codes.len(), Item::ALL.len());
        assert_eq!(labels.len(), Item::ALL.len());
        let all = ItemSet::all();
        assert_eq!(ItemSet::parse_codes(&all.to_codes()).unwrap(), all);
        assert_eq!(Item::parse("電話番号").unwrap(), Item::DenwaBango);
        assert!(Item::parse("信条").is_err());
    }

    #[test]
    fn set_algebra() {
        let a: ItemSet = [Item::Shimei, Item::DenwaBango].into_iter().collect();
        let b: ItemSet = [Item::Shimei].into_iter().collect();
        assert!(b.is_subset(&a));
        assert!(!a.is_subset(&b));
        assert_eq!(a.difference(&b).to_codes(), "denwa_bango");
        assert_eq!(a.labels(), "氏名・電話番号");
    }
}
