// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::itaiji::itaiji_pairs;
use itaku_jp::name::{search_key, KanaName, KanjiName, NameError};
use itaku_jp::width::to_halfwidth;
use proptest::prelude::*;

fn kana(s: &str) -> String {
    KanaName::parse(s).unwrap().as_str().to_owned()
}

#[test]
fn kana_names_take_one_canonical_form() {
    let canonical = "ハマダ\u{3000}マコト";
    for input in [
        "ハマダ　マコト",
        "ハマダ マコト",
        "ﾊﾏﾀﾞ ﾏｺﾄ",
        "ﾊﾏﾀﾞ　ﾏｺﾄ",
        "はまだ まこと",
        "  ハマダ    マコト  ",
        "ハマダ\tマコト",
        "ハマタ\u{3099}　マコト",
        "ハマタ゛ マコト",
        "はまﾀﾞ　マコト",
    ] {
        assert_eq!(kana(input), canonical, "{input:?}");
    }
    assert_eq!(kana("ｳﾞｨｸﾄﾙ"), "ヴィクトル");
    assert_eq!(kana("ﾊﾟｸ ｼﾞｭﾝﾎ"), "パク\u{3000}ジュンホ");
    assert_eq!(kana("ｽﾐｽ･ｼﾞｮﾝ"), "スミス・ジョン");
    assert_eq!(kana("ｺｰﾀﾛｳ"), "コータロウ");
    assert_eq!(kana("ヶ"), "ヶ");
    assert_eq!(kana("ﾜﾞ"), "ヷ");
    assert_eq!(kana("さゝき"), "サヽキ");
    assert_eq!(kana("ゔぁ"), "ヴァ");
    let name = KanaName::parse("ヤマダ　タロウ　ジュニア").unwrap();
    assert_eq!(
        name.words().collect::<Vec<_>>(),
        vec!["ヤマダ", "タロウ", "ジュニア"]
    );
    assert_eq!(name.to_halfwidth(), "ﾔﾏﾀﾞ ﾀﾛｳ ｼﾞｭﾆｱ");
}

#[test]
fn kana_names_refuse_other_characters_and_say_where() {
    assert_eq!(KanaName::parse(""), Err(NameError::Empty));
    assert_eq!(KanaName::parse(" 　 "), Err(NameError::Empty));
    let err = KanaName::parse("ヤマダ　太郎").unwrap_err();
    assert_eq!(
        err,
        NameError::NotKana {
            input: "ヤマダ　太郎".to_owned(),
            ch: '太',
            position: 5
        }
    );
    assert_eq!(
        err.to_string(),
        "「ヤマダ　太郎」の5文字目「太」はカナではありません（使えるのはカタカナ、ひらがな、長音「ー」、中点「・」です）"
    );
    for (input, ch) in [
        ("YAMADA", 'Y'),
        ("ＹＡＭＡＤＡ", 'Ｙ'),
        ("ヤマダ1", '1'),
        ("ヤマダ-タロウ", '-'),
        ("ヤマダ（タロウ）", '（'),
        ("ﾝﾞ", 'ﾞ'),
        ("ﾞｱ", 'ﾞ'),
        ("ア\u{309A}", '\u{309A}'),
        ("ヤマダ\u{E000}", '\u{E000}'),
    ] {
        match KanaName::parse(input) {
            Err(NameError::NotKana { ch: got, .. }) => assert_eq!(got, ch, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn kanji_names_keep_registered_characters() {
    for (input, stored) in [
        ("髙橋　一郎", "髙橋\u{3000}一郎"),
        ("髙橋 一郎", "髙橋\u{3000}一郎"),
        (" 渡邊  恵子 ", "渡邊\u{3000}恵子"),
        ("﨑山　花子", "﨑山\u{3000}花子"),
        ("齋藤", "齋藤"),
        ("神\u{FA19}", "神\u{FA19}"),
        ("葛\u{E0100}飾", "葛\u{E0100}飾"),
        ("SMITH JOHN", "SMITH JOHN"),
        ("SMITH\u{3000}\u{3000}JOHN", "SMITH JOHN"),
        (" Nguyen  Van An ", "Nguyen Van An"),
        ("O'NEIL MARY-ANN", "O'NEIL MARY-ANN"),
        ("ＳＭＩＴＨ　ＪＯＨＮ", "ＳＭＩＴＨ\u{3000}ＪＯＨＮ"),
        ("SMITH 太郎", "SMITH\u{3000}太郎"),
        ("ｽﾐｽ ｼﾞｮﾝ", "ｽﾐｽ\u{3000}ｼﾞｮﾝ"),
    ] {
        let name = KanjiName::parse(input).unwrap();
        assert_eq!(name.as_str(), stored, "{input}");
        assert!(name.gaiji().is_empty());
    }
    let foreign = KanjiName::parse("NGUYEN VAN AN").unwrap();
    assert_eq!(
        foreign.words().collect::<Vec<_>>(),
        vec!["NGUYEN", "VAN", "AN"]
    );
    let with_gaiji = KanjiName::parse("山\u{E001}　太郎").unwrap();
    assert_eq!(with_gaiji.as_str(), "山\u{E001}\u{3000}太郎");
    let gaiji = with_gaiji.gaiji();
    assert_eq!(gaiji.len(), 1);
    assert_eq!((gaiji[0].index, gaiji[0].code_point), (1, '\u{E001}'));
    assert!(KanjiName::parse("山〓　太郎").unwrap().has_geta());
    assert!(!KanjiName::parse("山田　太郎").unwrap().has_geta());
}

#[test]
fn kanji_names_refuse_damage() {
    assert_eq!(KanjiName::parse(" "), Err(NameError::Empty));
    for (input, ch) in [
        ("山田\u{FFFD}", '\u{FFFD}'),
        ("山田?", '?'),
        ("山田？", '？'),
        ("山田2", '2'),
        ("山田２", '２'),
        ("山田\u{7}", '\u{7}'),
    ] {
        match KanjiName::parse(input) {
            Err(NameError::BadCharacter { ch: got, .. }) => assert_eq!(got, ch, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
    let message = KanjiName::parse("山田 ?").unwrap_err().to_string();
    assert_eq!(
        message,
        "「山田 ?」の4文字目「?」は氏名に使えない文字です（文字化けの跡です。元のデータを確認してください）"
    );
}

#[test]
fn search_keys_unite_spellings() {
    let groups: [&[&str]; 9] = [
        &["たかはし", "タカハシ", "ﾀｶﾊｼ", "ﾀｶﾊｼ ", "タカ ハシ"],
        &["髙橋", "高橋", "髙\u{3000}橋"],
        &["渡邊", "渡邉", "渡辺"],
        &["齋藤", "齊藤", "斉藤", "斎藤"],
        &["﨑山", "嵜山", "崎山"],
        &["キョウコ", "キヨウコ", "きょうこ", "ｷｮｳｺ"],
        &[
            "SMITH JOHN",
            "smith john",
            "ＳＭＩＴＨ　ＪＯＨＮ",
            "Smith・John",
        ],
        &["櫻井", "桜井"],
        &["ヷ", "ワﾞ", "ﾜﾞ", "㋻ﾞ", "わ\u{3099}"],
    ];
    for group in groups {
        let key = search_key(group[0]);
        for spelling in group {
            assert_eq!(search_key(spelling), key, "{spelling}");
        }
    }
    assert_eq!(search_key("ﾀｶﾊｼ"), "たかはし");
    assert_eq!(search_key("髙橋"), "高橋");
    assert_ne!(search_key("ハマダ"), search_key("ハマタ"));
    assert_ne!(search_key("髙橋"), search_key("たかはし"));
    let name = KanaName::parse("ﾀｶﾊｼ ｲﾁﾛｳ").unwrap();
    assert_eq!(name.search_key(), "たかはしいちろう");
    assert_eq!(
        KanjiName::parse("渡邊　恵子").unwrap().search_key(),
        "渡辺恵子"
    );
    for &(variant, everyday) in itaiji_pairs() {
        assert_eq!(search_key(&variant.to_string()), everyday.to_string());
    }
}

#[test]
fn names_serialise_as_their_canonical_text() {
    let name = KanaName::parse("ﾊﾏﾀﾞ ﾏｺﾄ").unwrap();
    assert_eq!(serde_json::to_string(&name).unwrap(), "\"ハマダ　マコト\"");
    assert_eq!(
        serde_json::from_str::<KanaName>("\"はまだ まこと\"").unwrap(),
        name
    );
    assert!(serde_json::from_str::<KanaName>("\"浜田\"").is_err());
    let kanji = KanjiName::parse("髙橋 一郎").unwrap();
    assert_eq!(serde_json::to_string(&kanji).unwrap(), "\"髙橋　一郎\"");
    assert_eq!(
        serde_json::from_str::<KanjiName>("\"髙橋　一郎\"").unwrap(),
        kanji
    );
    assert_eq!("髙橋".parse::<KanjiName>().unwrap().to_string(), "髙橋");
}

const KATAKANA: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォッャュョヴー";

fn kana_word() -> impl Strategy<Value = String> {
    let chars: Vec<char> = KATAKANA.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 1..8).prop_map(|v| v.into_iter().collect())
}

fn to_hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap(),
            _ => c,
        })
        .collect()
}

proptest! {
    #[test]
    fn canonical_kana_is_idempotent_and_width_and_script_blind(
        words in prop::collection::vec(kana_word(), 1..4),
        separator in prop::sample::select(vec![" ", "\u{3000}", "  ", " \u{3000} "]),
    ) {
        let katakana = words.join(separator);
        let canonical = KanaName::parse(&katakana).unwrap();
        prop_assert_eq!(canonical.as_str(), words.join("\u{3000}"));
        prop_assert_eq!(&KanaName::parse(canonical.as_str()).unwrap(), &canonical);
        prop_assert_eq!(&KanaName::parse(&to_halfwidth(&katakana)).unwrap(), &canonical);
        prop_assert_eq!(&KanaName::parse(&to_hiragana(&katakana)).unwrap(), &canonical);
        let doubled = canonical.as_str().contains("\u{3000}\u{3000}");
        prop_assert!(!doubled);
    }

    #[test]
    fn search_key_is_idempotent_and_width_blind(text in "[\\p{Katakana}\\p{Hiragana}\\p{Han}a-zA-Z 　ｰ-ﾟ！-～]{0,12}") {
        let key = search_key(&text);
        prop_assert_eq!(search_key(&key), key.clone());
        prop_assert_eq!(search_key(&to_halfwidth(&text)), key.clone());
        prop_assert_eq!(search_key(&itaku_jp::fold_width(&text)), key.clone());
        prop_assert_eq!(search_key(&to_hiragana(&text)), key);
    }

    #[test]
    fn kanji_names_keep_every_character_but_spaces(text in "[\\p{Han}\\p{Katakana}a-zA-Z 　]{1,12}") {
        match KanjiName::parse(&text) {
            Ok(name) => {
                let kept: String = name.as_str().chars().filter(|c| !c.is_whitespace()).collect();
                let given: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                prop_assert_eq!(kept, given);
                prop_assert_eq!(&KanjiName::parse(name.as_str()).unwrap(), &name);
            }
            Err(e) => prop_assert_eq!(e, NameError::Empty),
        }
    }
}
