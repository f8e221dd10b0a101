//! Variant kanji (異体字) folded for search, never for storage.
//!
//! Sources, chosen by hand for characters common in surnames, given names
//! and place names in 住民基本台帳 data:
//! - the traditional forms given in brackets in 常用漢字表 (平成22年内閣告示
//!   第2号) and listed in 人名用漢字 別表第二 (戸籍法施行規則), e.g. 國→国,
//!   澤→沢, 濱→浜, 邊→辺, 齋→斎, 櫻→桜;
//! - the 俗字 and 異体字 that 戸籍 and municipal systems register and CP932
//!   carries in its NEC/IBM extensions or JIS X 0213: 髙, 﨑, 嵜, 邉, 濵, 嶋,
//!   𠮷, 冨, 槗, 栁, 桒.
//!
//! 斉 is folded with 齊 and 齋 into 斎: the four さいとう spellings are
//! looked up as one by every clerk, and the kana key would unite them anyway.
//! Targets are the everyday (常用 or common) form, and no target is itself a
//! source, so the fold is idempotent.

/// (variant, everyday form), sorted by variant for binary search.
const TABLE: &[(char, char)] = &[
    ('來', '来'),
    ('傳', '伝'),
    ('冨', '富'),
    ('國', '国'),
    ('圓', '円'),
    ('團', '団'),
    ('埜', '野'),
    ('增', '増'),
    ('壽', '寿'),
    ('學', '学'),
    ('實', '実'),
    ('寶', '宝'),
    ('將', '将'),
    ('峯', '峰'),
    ('嵜', '崎'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('嶽', '岳'),
    ('廣', '広'),
    ('彌', '弥'),
    ('德', '徳'),
    ('惠', '恵'),
    ('戶', '戸'),
    ('斉', '斎'),
    ('曾', '曽'),
    ('會', '会'),
    ('栁', '柳'),
    ('桒', '桑'),
    ('條', '条'),
    ('榮', '栄'),
    ('槗', '橋'),
    ('櫻', '桜'),
    ('淸', '清'),
    ('淺', '浅'),
    ('澁', '渋'),
    ('澤', '沢'),
    ('濱', '浜'),
    ('濵', '浜'),
    ('瀨', '瀬'),
    ('禮', '礼'),
    ('綠', '緑'),
    ('縣', '県'),
    ('聰', '聡'),
    ('與', '与'),
    ('舘', '館'),
    ('莊', '荘'),
    ('萬', '万'),
    ('藏', '蔵'),
    ('藪', '薮'),
    ('豐', '豊'),
    ('邉', '辺'),
    ('邊', '辺'),
    ('鐵', '鉄'),
    ('關', '関'),
    ('靑', '青'),
    ('靜', '静'),
    ('驛', '駅'),
    ('髙', '高'),
    ('鷗', '鴎'),
    ('黑', '黒'),
    ('齊', '斎'),
    ('齋', '斎'),
    ('龍', '竜'),
    ('﨑', '崎'),
    ('𠮷', '吉'),
];

/// The everyday form of a variant kanji; other characters unchanged.
pub fn fold_itaiji(c: char) -> char {
    match TABLE.binary_search_by_key(&c, |&(variant, _)| variant) {
        Ok(i) => TABLE.get(i).map_or(c, |&(_, everyday)| everyday),
        Err(_) => c,
    }
}

/// Every (variant, everyday form) pair, for documentation and tests.
pub fn itaiji_pairs() -> &'static [(char, char)] {
    TABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_without_duplicates() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn no_target_is_a_source() {
        for &(_, everyday) in TABLE {
            assert_eq!(fold_itaiji(everyday), everyday, "{everyday}");
        }
    }

    #[test]
    fn every_entry_folds() {
        for &(variant, everyday) in TABLE {
            assert_ne!(variant, everyday);
            assert_eq!(fold_itaiji(variant), everyday, "{variant}");
        }
    }
}
