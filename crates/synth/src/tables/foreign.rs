//! Names of foreign residents, registered in Latin letters with a katakana
//! reading, as residence records for foreign nationals are.
//!
//! Shinjuku's largest foreign communities are Chinese, Korean, Vietnamese and
//! Nepali; the group weights follow that order roughly. A Vietnamese middle
//! name is part of the given name ("VAN AN"), and its reading is written
//! without a space (ヴァンアン) so that every kana name has exactly one U+3000
//! between family and given name.

/// (Latin spelling, katakana reading)
pub(crate) type Part = (&'static str, &'static str);

pub(crate) struct Group {
    pub weight: u32,
    pub family: &'static [Part],
    pub male: &'static [Part],
    pub female: &'static [Part],
}

pub(crate) const GROUPS: &[Group] = &[
    // China
    Group {
        weight: 36,
        family: &[
            ("WANG", "ワン"),
            ("LI", "リ"),
            ("ZHANG", "チャン"),
            ("LIU", "リウ"),
            ("CHEN", "チェン"),
            ("YANG", "ヤン"),
            ("ZHAO", "チャオ"),
            ("WU", "ウー"),
            ("ZHOU", "ジョウ"),
            ("XU", "シュー"),
        ],
        male: &[
            ("WEI", "ウェイ"),
            ("HAO", "ハオ"),
            ("JIE", "ジエ"),
            ("MING", "ミン"),
            ("LEI", "レイ"),
            ("YONG", "ヨン"),
        ],
        female: &[
            ("FANG", "ファン"),
            ("JING", "ジン"),
            ("YAN", "イェン"),
            ("XIN", "シン"),
            ("MEI", "メイ"),
            ("LING", "リン"),
        ],
    },
    // Korea
    Group {
        weight: 22,
        family: &[
            ("KIM", "キム"),
            ("LEE", "イ"),
            ("PARK", "パク"),
            ("CHOI", "チェ"),
            ("JUNG", "チョン"),
            ("KANG", "カン"),
            ("YOON", "ユン"),
        ],
        male: &[
            ("MINJUN", "ミンジュン"),
            ("JIHOON", "ジフン"),
            ("SEUNGHO", "スンホ"),
            ("DONGHYUN", "ドンヒョン"),
            ("HYUNWOO", "ヒョヌ"),
        ],
        female: &[
            ("SOYEON", "ソヨン"),
            ("JIYEON", "ジヨン"),
            ("MINJI", "ミンジ"),
            ("YUNA", "ユナ"),
            ("EUNJI", "ウンジ"),
        ],
    },
    // Viet Nam
    Group {
        weight: 14,
        family: &[
            ("NGUYEN", "グエン"),
            ("TRAN", "チャン"),
            ("LE", "レ"),
            ("PHAM", "ファム"),
            ("HOANG", "ホアン"),
            ("VU", "ヴー"),
        ],
        male: &[
            ("VAN AN", "ヴァンアン"),
            ("VAN HUNG", "ヴァンフン"),
            ("DUC MINH", "ドゥックミン"),
            ("QUANG HUY", "クアンフイ"),
        ],
        female: &[
            ("THI MAI", "ティマイ"),
            ("THI LAN", "ティラン"),
            ("THI HOA", "ティホア"),
            ("THU TRANG", "トゥチャン"),
        ],
    },
    // Nepal
    Group {
        weight: 12,
        family: &[
            ("GURUNG", "グルン"),
            ("SHRESTHA", "シュレスタ"),
            ("TAMANG", "タマン"),
            ("RAI", "ライ"),
            ("THAPA", "タパ"),
        ],
        male: &[
            ("RAM", "ラム"),
            ("BIKASH", "ビカス"),
            ("SURAJ", "スラジ"),
            ("KRISHNA", "クリシュナ"),
        ],
        female: &[
            ("SITA", "シタ"),
            ("ANJALI", "アンジャリ"),
            ("PRATIMA", "プラティマ"),
        ],
    },
    // Philippines
    Group {
        weight: 6,
        family: &[
            ("SANTOS", "サントス"),
            ("REYES", "レイエス"),
            ("CRUZ", "クルス"),
            ("GARCIA", "ガルシア"),
        ],
        male: &[("JOSE", "ホセ"), ("MARK", "マーク"), ("JOHN", "ジョン")],
        female: &[
            ("MARIA", "マリア"),
            ("ANGELICA", "アンジェリカ"),
            ("JOY", "ジョイ"),
        ],
    },
    // English-speaking countries and Europe
    Group {
        weight: 10,
        family: &[
            ("SMITH", "スミス"),
            ("JOHNSON", "ジョンソン"),
            ("BROWN", "ブラウン"),
            ("MILLER", "ミラー"),
            ("WILSON", "ウィルソン"),
            ("MARTIN", "マルタン"),
        ],
        male: &[
            ("JOHN", "ジョン"),
            ("MICHAEL", "マイケル"),
            ("DAVID", "デイヴィッド"),
            ("JAMES", "ジェームズ"),
            ("THOMAS", "トーマス"),
        ],
        female: &[
            ("EMILY", "エミリー"),
            ("SARAH", "サラ"),
            ("ANNA", "アンナ"),
            ("JESSICA", "ジェシカ"),
        ],
    },
];
