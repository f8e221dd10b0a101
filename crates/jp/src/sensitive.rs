//! Screening free notes for what the contracts forbid collecting (seed 001
//! 第8条 / 第16条: 思想・信条・宗教, 社会的差別の原因となる事実, 犯罪).
//!
//! An operator's note ("通院中のため来月受診予定") is useful; a note that
//! records someone's faith, origin or criminal record is data the
//! contractor may not hold. Notes are matched on their search form (width,
//! kana and variant kanji folded, spaces removed), so ｴﾎﾊﾞ and えほば match
//! エホバ; the commonest words are also listed by their reading, so a note
//! typed in kana (ｼｭｳｷｮｳ, しゅうきょう) is caught like 宗教. A hit does not delete anything: the caller holds
//! the note for a person's review instead of storing it silently.
//!
//! This is a list of words, not understanding: it errs on the side of
//! flagging ("教会でバザー" is flagged and a reviewer releases it).

use crate::name::search_key;
use serde::Serialize;

/// The three kinds of data the contracts forbid collecting without the
/// ward's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Forbidden {
    /// 思想・信条・宗教
    Shinjo,
    /// 社会的差別の原因となる事実
    ShakaiTekiSabetsu,
    /// 犯罪
    Hanzai,
}

impl Forbidden {
    pub const ALL: [Forbidden; 3] = [
        Forbidden::Shinjo,
        Forbidden::ShakaiTekiSabetsu,
        Forbidden::Hanzai,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Forbidden::Shinjo => "shinjo",
            Forbidden::ShakaiTekiSabetsu => "shakai_teki_sabetsu",
            Forbidden::Hanzai => "hanzai",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Forbidden::Shinjo => "思想・信条・宗教",
            Forbidden::ShakaiTekiSabetsu => "社会的差別の原因となる事実",
            Forbidden::Hanzai => "犯罪に関する事項",
        }
    }
}

/// One word of a note that matched, and what it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub kind: Forbidden,
    /// The list's word that matched (in its written form, for the reviewer).
    pub word: &'static str,
}

const WORDS: &[(Forbidden, &str)] = &[
    (Forbidden::Shinjo, "宗教"),
    (Forbidden::Shinjo, "信仰"),
    (Forbidden::Shinjo, "信者"),
    (Forbidden::Shinjo, "信徒"),
    (Forbidden::Shinjo, "信条"),
    (Forbidden::Shinjo, "思想"),
    (Forbidden::Shinjo, "宗派"),
    (Forbidden::Shinjo, "教団"),
    (Forbidden::Shinjo, "教会"),
    (Forbidden::Shinjo, "寺院"),
    (Forbidden::Shinjo, "神社"),
    (Forbidden::Shinjo, "檀家"),
    (Forbidden::Shinjo, "入信"),
    (Forbidden::Shinjo, "布教"),
    (Forbidden::Shinjo, "礼拝"),
    (Forbidden::Shinjo, "キリスト教"),
    (Forbidden::Shinjo, "仏教"),
    (Forbidden::Shinjo, "イスラム"),
    (Forbidden::Shinjo, "創価"),
    (Forbidden::Shinjo, "学会員"),
    (Forbidden::Shinjo, "エホバ"),
    (Forbidden::Shinjo, "支持政党"),
    (Forbidden::Shinjo, "政党"),
    (Forbidden::Shinjo, "党員"),
    (Forbidden::Shinjo, "選挙で"),
    (Forbidden::Shinjo, "輸血拒否"),
    (Forbidden::ShakaiTekiSabetsu, "部落"),
    (Forbidden::ShakaiTekiSabetsu, "同和"),
    (Forbidden::ShakaiTekiSabetsu, "門地"),
    (Forbidden::ShakaiTekiSabetsu, "出自"),
    (Forbidden::ShakaiTekiSabetsu, "本籍"),
    (Forbidden::ShakaiTekiSabetsu, "人種"),
    (Forbidden::ShakaiTekiSabetsu, "民族"),
    (Forbidden::ShakaiTekiSabetsu, "在日"),
    (Forbidden::ShakaiTekiSabetsu, "帰化"),
    (Forbidden::ShakaiTekiSabetsu, "国籍"),
    (Forbidden::ShakaiTekiSabetsu, "被差別"),
    (Forbidden::ShakaiTekiSabetsu, "生活保護"),
    (Forbidden::ShakaiTekiSabetsu, "婚外子"),
    (Forbidden::ShakaiTekiSabetsu, "非嫡出"),
    (Forbidden::ShakaiTekiSabetsu, "性的指向"),
    (Forbidden::ShakaiTekiSabetsu, "同性愛"),
    (Forbidden::ShakaiTekiSabetsu, "ハンセン"),
    (Forbidden::ShakaiTekiSabetsu, "HIV"),
    (Forbidden::ShakaiTekiSabetsu, "エイズ"),
    (Forbidden::Hanzai, "犯罪"),
    (Forbidden::Hanzai, "前科"),
    (Forbidden::Hanzai, "前歴"),
    (Forbidden::Hanzai, "逮捕"),
    (Forbidden::Hanzai, "服役"),
    (Forbidden::Hanzai, "刑務所"),
    (Forbidden::Hanzai, "受刑"),
    (Forbidden::Hanzai, "出所"),
    (Forbidden::Hanzai, "執行猶予"),
    (Forbidden::Hanzai, "起訴"),
    (Forbidden::Hanzai, "有罪"),
    (Forbidden::Hanzai, "懲役"),
    (Forbidden::Hanzai, "保護観察"),
    (Forbidden::Hanzai, "少年院"),
    (Forbidden::Hanzai, "容疑"),
    (Forbidden::Hanzai, "窃盗"),
    (Forbidden::Hanzai, "暴力団"),
    // Readings of the commonest words, for notes typed in kana (only
    // readings that do not hide inside everyday kana: not ぜんか (前回),
    // どうわ (どうわかる) or しんこう (進行)).
    (Forbidden::Shinjo, "しゅうきょう"),
    (Forbidden::Shinjo, "そうかがっかい"),
    (Forbidden::ShakaiTekiSabetsu, "ぶらく"),
    (Forbidden::Hanzai, "たいほ"),
    (Forbidden::Hanzai, "けいむしょ"),
];

/// What in `note` the contracts forbid collecting, one flag per listed
/// word found (in list order; none for an ordinary note).
pub fn screen(note: &str) -> Vec<Flag> {
    let key = search_key(note);
    if key.is_empty() {
        return Vec::new();
    }
    let mut flags: Vec<Flag> = Vec::new();
    for &(kind, word) in WORDS {
        if key.contains(&search_key(word)) && !flags.iter().any(|f| f.word == word) {
            flags.push(Flag { kind, word });
        }
    }
    flags
}

/// The kinds found in `note`, each once, for a one-line warning.
pub fn forbidden_kinds(note: &str) -> Vec<Forbidden> {
    let mut kinds: Vec<Forbidden> = screen(note).into_iter().map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_notes_pass() {
        for note in [
            "",
            "通院中のため来月受診予定",
            "平日は仕事で忙しい。土曜の午前なら可",
            "娘さんが電話に出た。本人は入院中",
            "会場が遠い",
            "ぜんかいはどうわかればいいかしんこうちゅう",
        ] {
            assert_eq!(screen(note), vec![], "{note}");
        }
    }

    #[test]
    fn each_kind_is_caught() {
        assert_eq!(
            forbidden_kinds("宗教上の理由で健診は受けないとのこと"),
            vec![Forbidden::Shinjo]
        );
        assert_eq!(
            forbidden_kinds("本人いわく部落の出身"),
            vec![Forbidden::ShakaiTekiSabetsu]
        );
        assert_eq!(
            forbidden_kinds("昨年逮捕されたと話していた"),
            vec![Forbidden::Hanzai]
        );
        assert_eq!(
            forbidden_kinds("前科あり、支持政党の話を長々と"),
            vec![Forbidden::Shinjo, Forbidden::Hanzai]
        );
    }

    #[test]
    fn width_and_kana_do_not_hide_a_word() {
        // Half-width katakana and hiragana spellings of listed katakana words.
        assert_eq!(forbidden_kinds("ｴﾎﾊﾞの集まり"), vec![Forbidden::Shinjo]);
        assert_eq!(forbidden_kinds("えほばの集まり"), vec![Forbidden::Shinjo]);
        // Full-width Latin letters and spaces inside a word.
        assert_eq!(
            forbidden_kinds("ＨＩＶ陽性"),
            vec![Forbidden::ShakaiTekiSabetsu]
        );
        assert_eq!(forbidden_kinds("前 科"), vec![Forbidden::Hanzai]);
        // Kana spellings of kanji words.
        assert_eq!(forbidden_kinds("ｼｭｳｷｮｳの関係"), vec![Forbidden::Shinjo]);
        assert_eq!(forbidden_kinds("タイホされた"), vec![Forbidden::Hanzai]);
    }

    #[test]
    fn a_word_is_reported_once() {
        let flags = screen("宗教、宗教、宗教");
        assert_eq!(
            flags,
            vec![Flag {
                kind: Forbidden::Shinjo,
                word: "宗教"
            }]
        );
    }
}
