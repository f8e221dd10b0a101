// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::address::{
    address_compare_key, local_part, town_key, AddressError, Jusho, Katagaki, PostalCode,
};
use proptest::prelude::*;

#[test]
fn postal_codes_in_every_spelling() {
    for input in [
        "1600023",
        "160-0023",
        "１６０－００２３",
        "１６０００２３",
        "〒160-0023",
        "〒 160-0023",
        "〒１６０ー００２３",
        "160−0023",
        " 160-0023 ",
        "160 0023",
    ] {
        let code = PostalCode::parse(input).unwrap();
        assert_eq!(code.digits(), "1600023", "{input}");
        assert_eq!(code.to_string(), "160-0023");
    }
}

#[test]
fn malformed_postal_codes_are_refused() {
    for (input, digits) in [
        ("160-002", 6),
        ("16000234", 8),
        ("123", 3),
        ("1-6-0-0-0-2-3-4", 8),
    ] {
        assert_eq!(
            PostalCode::parse(input),
            Err(AddressError::PostalLength {
                input: input.to_owned(),
                digits
            })
        );
    }
    for input in [
        "",
        "abcdefg",
        "160-00２x",
        "1600-023",
        "16-00023",
        "160--0023",
        "〒",
        "160_0023",
    ] {
        assert_eq!(
            PostalCode::parse(input),
            Err(AddressError::PostalFormat {
                input: input.trim().to_owned()
            }),
            "{input}"
        );
    }
    assert_eq!(
        PostalCode::parse("160-002").unwrap_err().to_string(),
        "「160-002」は郵便番号の桁数が違います（6桁。郵便番号は7桁です）"
    );
    assert_eq!(
        format!("郵便番号{}", PostalCode::parse("abc").unwrap_err()),
        "郵便番号「abc」は郵便番号として読めません（7桁の数字。例: 160-0023, 1600023）"
    );
}

#[test]
fn postal_codes_serialise_as_seven_digits() {
    let code = PostalCode::parse("〒160-0023").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"1600023\"");
    assert_eq!(
        serde_json::from_str::<PostalCode>("\"160-0023\"").unwrap(),
        code
    );
    assert!(serde_json::from_str::<PostalCode>("\"160\"").is_err());
}

#[test]
fn jusho_and_katagaki_are_kept_as_given() {
    let jusho = Jusho::parse("  東京都新宿区西早稲田三丁目2番17号 ").unwrap();
    assert_eq!(jusho.as_str(), "東京都新宿区西早稲田三丁目2番17号");
    assert_eq!(Jusho::parse(" \u{3000}"), Err(AddressError::EmptyJusho));
    let wide = Jusho::parse("新宿区西早稲田３－２－１７").unwrap();
    assert_eq!(wide.as_str(), "新宿区西早稲田３－２－１７");
    assert!(matches!(
        Jusho::parse("新宿区\u{FFFD}"),
        Err(AddressError::BadCharacter {
            ch: '\u{FFFD}',
            position: 4,
            ..
        })
    ));
    assert!(Jusho::parse("新宿区\r\n西新宿").is_err());
    let gaiji = Jusho::parse("新宿区\u{E123}町").unwrap().gaiji();
    assert_eq!(gaiji.len(), 1);
    assert_eq!(gaiji[0].index, 3);

    assert!(Katagaki::parse("").unwrap().is_empty());
    assert!(Katagaki::parse(" \u{3000} ").unwrap().is_empty());
    assert_eq!(
        Katagaki::parse(" メゾン高田馬場712号室 ").unwrap().as_str(),
        "メゾン高田馬場712号室"
    );
    assert_eq!(
        serde_json::to_string(&Katagaki::parse("コーポ 101").unwrap()).unwrap(),
        "\"コーポ 101\""
    );
    assert_eq!(
        serde_json::from_str::<Jusho>("\"新宿区信濃町\"")
            .unwrap()
            .as_str(),
        "新宿区信濃町"
    );
    assert!(serde_json::from_str::<Jusho>("\"\"").is_err());
}

#[test]
fn compare_keys_unite_spellings_of_one_address() {
    let groups: [&[&str]; 7] = [
        &[
            "東京都新宿区西早稲田三丁目2番17号",
            "新宿区西早稲田3-2-17",
            "西早稲田３－２－１７",
            "西早稲田3丁目2番17号",
            "西早稲田3ー2ー17",
            "西早稲田3‐2‐17",
            "西早稲田３−２−１７",
            "西早稲田 3-2-17",
            "西早稲田三丁目2番地17",
            "西早稲田3丁目2-17",
        ],
        &[
            "西早稲田三丁目",
            "西早稲田3丁目",
            "西早稲田3-",
            "西早稲田３",
        ],
        &[
            "信濃町19番15号",
            "東京都新宿区信濃町19-15",
            "信濃町１９－１５",
        ],
        &["市谷加賀町一丁目", "新宿区市谷加賀町1丁目", "市谷加賀町1"],
        &["霞が関1-2", "霞ヶ関1-2", "霞ケ関1-2"],
        &["髙田馬場1-2-3", "高田馬場1-2-3"],
        &[
            "メゾン高田馬場712号室",
            "メゾン高田馬場712",
            "メゾン 高田馬場 ７１２号室",
        ],
    ];
    for group in groups {
        let key = address_compare_key(group[0]);
        for spelling in group {
            assert_eq!(address_compare_key(spelling), key, "{spelling}");
        }
    }
    assert_eq!(
        address_compare_key("東京都新宿区西早稲田三丁目2番17号"),
        "西早稲田3-2-17"
    );
    assert_eq!(
        address_compare_key("三ノ輪2-3"),
        address_compare_key("三の輪2-3")
    );
    // The long-vowel mark of a katakana word is not a dash.
    assert_eq!(address_compare_key("コーポ101"), "コーポ101");
    assert_ne!(
        address_compare_key("西早稲田3-2-17"),
        address_compare_key("西早稲田3-2-18")
    );
    assert_ne!(
        address_compare_key("西早稲田2-2-17"),
        address_compare_key("西早稲田3-2-17")
    );
    // 一番町 is a town, not 1番.
    assert_eq!(address_compare_key("千代田区一番町"), "一番町");
}

#[test]
fn local_part_drops_prefecture_and_municipality() {
    for (input, local) in [
        ("東京都新宿区西早稲田三丁目", "西早稲田三丁目"),
        ("新宿区信濃町", "信濃町"),
        ("東京都新宿区新宿二丁目", "新宿二丁目"),
        ("東京都新宿区市谷加賀町", "市谷加賀町"),
        ("市谷加賀町一丁目", "市谷加賀町一丁目"),
        ("神奈川県横浜市中区山下町", "山下町"),
        ("東京都八王子市元横山町", "元横山町"),
        ("東京都西多摩郡瑞穂町箱根ケ崎", "箱根ケ崎"),
        ("北海道札幌市中央区北一条西", "北一条西"),
        ("信濃町", "信濃町"),
        ("西早稲田", "西早稲田"),
    ] {
        assert_eq!(local_part(input), local, "{input}");
    }
}

#[test]
fn town_keys_group_by_chome() {
    for (input, town) in [
        ("東京都新宿区西早稲田三丁目2番17号", "西早稲田三丁目"),
        ("新宿区西早稲田3-2-17", "西早稲田三丁目"),
        ("西早稲田３丁目２番１７号", "西早稲田三丁目"),
        ("西早稲田３－２－１７", "西早稲田三丁目"),
        ("東京都新宿区信濃町19番15号", "信濃町"),
        ("東京都新宿区信濃町19-15", "信濃町"),
        ("東京都新宿区信濃町", "信濃町"),
        ("新宿区信濃町十九番地", "信濃町"),
        ("東京都新宿区四谷三丁目1番1号", "四谷三丁目"),
        ("東京都新宿区歌舞伎町一丁目", "歌舞伎町一丁目"),
        ("東京都新宿区新宿二丁目3番4号", "新宿二丁目"),
        ("東京都新宿区西新宿十二丁目1番", "西新宿十二丁目"),
        ("東京都新宿区西新宿12-1-1", "西新宿十二丁目"),
        ("千代田区一番町10番地", "一番町"),
        ("千代田区一番町", "一番町"),
        ("東京都新宿区二十騎町1-1", "二十騎町"),
        ("東京都新宿区市谷八幡町8番地", "市谷八幡町"),
    ] {
        assert_eq!(town_key(input), town, "{input}");
        assert_eq!(Jusho::parse(input).unwrap().town_key(), town);
    }
}

fn chome_address() -> impl Strategy<Value = (String, u32, u32, u32)> {
    let towns = vec![
        "西早稲田",
        "信濃町",
        "高田馬場",
        "四谷",
        "歌舞伎町",
        "市谷加賀町",
    ];
    (prop::sample::select(towns), 1u32..20, 1u32..40, 1u32..40)
        .prop_map(|(t, c, b, g)| (t.to_owned(), c, b, g))
}

fn wide(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '-' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            _ => c,
        })
        .collect()
}

proptest! {
    #[test]
    fn spellings_of_a_chome_address_share_keys((town, chome, ban, go) in chome_address()) {
        let kanji = format!("東京都新宿区{town}{}丁目{ban}番{go}号", itaku_jp::kansuji::format_kansuji(chome));
        let digits = format!("{town}{chome}-{ban}-{go}");
        let key = address_compare_key(&kanji);
        prop_assert_eq!(&address_compare_key(&digits), &key);
        prop_assert_eq!(&address_compare_key(&wide(&digits)), &key);
        prop_assert_eq!(address_compare_key(&key), key.clone());
        let town_of = format!("{town}{}丁目", itaku_jp::kansuji::format_kansuji(chome));
        prop_assert_eq!(town_key(&kanji), town_of.clone());
        prop_assert_eq!(town_key(&digits), town_of.clone());
        prop_assert_eq!(town_key(&wide(&digits)), town_of);
    }

    #[test]
    fn postal_codes_parse_from_any_width_and_hyphen(n in 0u32..10_000_000, hyphen in any::<bool>(), full in any::<bool>()) {
        let digits = format!("{n:07}");
        let text = if hyphen { format!("{}-{}", &digits[..3], &digits[3..]) } else { digits.clone() };
        let text = if full { wide(&text) } else { text };
        let code = PostalCode::parse(&text).unwrap();
        prop_assert_eq!(code.digits(), digits.as_str());
        prop_assert_eq!(PostalCode::parse(&code.to_string()).unwrap(), code);
    }
}
