// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::width::{fold_width, is_chouon, is_hyphen_like, to_halfwidth};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

#[test]
fn folds_full_width_ascii_and_half_width_kana() {
    assert_eq!(fold_width("ＡＢＣ１２３－／．"), "ABC123-/.");
    assert_eq!(fold_width("ｶﾞｷﾞｸﾞｹﾞｺﾞ"), "ガギグゲゴ");
    assert_eq!(fold_width("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"), "パピプペポ");
    assert_eq!(fold_width("ｳﾞｧｲｵﾘﾝ"), "ヴァイオリン");
    assert_eq!(fold_width("ﾜﾞｦﾞ"), "ヷヺ");
    assert_eq!(fold_width("ｺｰﾋｰ｡｢ﾃｽﾄ｣､･"), "コーヒー。「テスト」、・");
    assert_eq!(fold_width("山田\u{3000}太郎"), "山田 太郎");
    // A sound mark with nothing to voice stays visible.
    assert_eq!(fold_width("ﾝﾞ"), "ン゛");
    assert_eq!(fold_width("ﾞ"), "゛");
    // What NFKC would also rewrite is left alone.
    assert_eq!(fold_width("髙﨑①㈱㍼神\u{FA19}"), "髙﨑①㈱㍼神\u{FA19}");
    assert_eq!(fold_width("ガ"), "ガ");
}

#[test]
fn narrows_katakana_for_fixed_width_exports() {
    assert_eq!(to_halfwidth("ハマダ　マコト"), "ﾊﾏﾀﾞ ﾏｺﾄ");
    assert_eq!(to_halfwidth("パク・ヴィクトル"), "ﾊﾟｸ･ｳﾞｨｸﾄﾙ");
    assert_eq!(to_halfwidth("ＡＢＣ１２３"), "ABC123");
    // No half-width form: kept.
    assert_eq!(
        to_halfwidth("ヵヶヮヰヱ漢字ひらがな"),
        "ヵヶヮヰヱ漢字ひらがな"
    );
}

#[test]
fn dash_classification() {
    for c in ['-', '‐', '‑', '‒', '–', '—', '―', '−', '﹣', '－'] {
        assert!(is_hyphen_like(c), "{c}");
    }
    for c in ['ー', 'ｰ', '~', '〜', '_', '=', '一'] {
        assert!(!is_hyphen_like(c), "{c}");
    }
    assert!(is_chouon('ー') && is_chouon('ｰ') && !is_chouon('-'));
}

proptest! {
    #[test]
    fn agrees_with_nfkc_where_both_apply(text in "[！-～ｦ-ﾝ]{0,20}") {
        let nfkc: String = text.nfkc().collect();
        prop_assert_eq!(fold_width(&text), nfkc);
    }

    #[test]
    fn agrees_with_nfkc_on_voiced_pairs(text in "([ｶ-ﾄﾊ-ﾎ]ﾞ|[ﾊ-ﾎ]ﾟ|ｳﾞ|[ｱ-ﾝ]){0,12}") {
        let nfkc: String = text.nfkc().collect();
        prop_assert_eq!(fold_width(&text), nfkc);
    }

    #[test]
    fn folding_is_idempotent_and_undoes_narrowing(text in "[ァ-ヺー・ 　A-Za-z0-9！-～ｦ-ﾟ漢字]{0,20}") {
        let folded = fold_width(&text);
        prop_assert_eq!(fold_width(&folded), folded.clone());
        prop_assert_eq!(fold_width(&to_halfwidth(&folded)), folded);
    }
}
