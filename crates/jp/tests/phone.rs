// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::phone::{Phone, PhoneError, PhoneKind};
use proptest::prelude::*;

#[test]
fn numbers_in_every_spelling() {
    for (input, digits, shown, kind) in [
        (
            "03-1234-5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "0312345678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "(03)1234-5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "（０３）１２３４－５６７８",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "03 1234 5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "03ー1234ー5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "+81-3-1234-5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "+81(0)3 1234 5678",
            "0312345678",
            "03-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "090-1234-5678",
            "09012345678",
            "090-1234-5678",
            PhoneKind::Mobile,
        ),
        (
            "０８０１２３４５６７８",
            "08012345678",
            "080-1234-5678",
            PhoneKind::Mobile,
        ),
        (
            "070-1234-5678",
            "07012345678",
            "070-1234-5678",
            PhoneKind::Mobile,
        ),
        (
            "+81 90 1234 5678",
            "09012345678",
            "090-1234-5678",
            PhoneKind::Mobile,
        ),
        (
            "050-1234-5678",
            "05012345678",
            "050-1234-5678",
            PhoneKind::IpPhone,
        ),
        (
            "0120-123-456",
            "0120123456",
            "0120-123-456",
            PhoneKind::TollFree,
        ),
        (
            "0800-123-4567",
            "08001234567",
            "0800-123-4567",
            PhoneKind::TollFree,
        ),
        (
            "0570-123-456",
            "0570123456",
            "0570-123-456",
            PhoneKind::Other,
        ),
        (
            "020-1234-5678",
            "02012345678",
            "020-1234-5678",
            PhoneKind::Other,
        ),
        (
            "06-1234-5678",
            "0612345678",
            "06-1234-5678",
            PhoneKind::Landline,
        ),
        (
            "045-123-4567",
            "0451234567",
            "045-123-4567",
            PhoneKind::Landline,
        ),
        (
            "042-123-4567",
            "0421234567",
            "042-123-4567",
            PhoneKind::Landline,
        ),
        (
            "0422-12-3456",
            "0422123456",
            "0422-12-3456",
            PhoneKind::Landline,
        ),
        (
            "04992-1-2345",
            "0499212345",
            "04992-1-2345",
            PhoneKind::Landline,
        ),
    ] {
        let phone = Phone::parse(input).unwrap();
        assert_eq!(phone.digits(), digits, "{input}");
        assert_eq!(phone.to_string(), shown, "{input}");
        assert_eq!(phone.kind(), kind, "{input}");
    }
}

#[test]
fn malformed_numbers_are_flagged() {
    assert_eq!(Phone::parse("  "), Err(PhoneError::Empty));
    assert_eq!(
        Phone::parse("03-1234-567"),
        Err(PhoneError::WrongLength {
            input: "03-1234-567".to_owned(),
            digits: 9,
            kind: PhoneKind::Landline,
            expected: 10
        })
    );
    assert_eq!(
        Phone::parse("090-1234-567").unwrap_err().to_string(),
        "「090-1234-567」は10桁です（携帯電話は11桁）"
    );
    assert!(matches!(
        Phone::parse("0120-123-4567"),
        Err(PhoneError::WrongLength {
            kind: PhoneKind::TollFree,
            expected: 10,
            ..
        })
    ));
    assert_eq!(
        Phone::parse("3-1234-5678").unwrap_err().to_string(),
        "「3-1234-5678」は0で始まっていません（市外局番から書いてください）"
    );
    assert!(matches!(
        Phone::parse("001-1-212-555-0100"),
        Err(PhoneError::NotDomestic { .. })
    ));
    assert_eq!(
        Phone::parse("03-1234-5678 内線12"),
        Err(PhoneError::BadCharacter {
            input: "03-1234-5678 内線12".to_owned(),
            ch: '内'
        })
    );
    assert!(matches!(
        Phone::parse("０３－１２３４－５６７８＃"),
        Err(PhoneError::BadCharacter { ch: '＃', .. })
    ));
    assert!(matches!(
        Phone::parse("なし"),
        Err(PhoneError::BadCharacter { ch: 'な', .. })
    ));
}

#[test]
fn phones_serialise_as_digits() {
    let phone = Phone::parse("03-5257-6955").unwrap();
    assert_eq!(serde_json::to_string(&phone).unwrap(), "\"0352576955\"");
    assert_eq!(
        serde_json::from_str::<Phone>("\"03-5257-6955\"").unwrap(),
        phone
    );
    assert!(serde_json::from_str::<Phone>("\"123\"").is_err());
    assert_eq!(
        serde_json::to_string(&PhoneKind::IpPhone).unwrap(),
        "\"ip_phone\""
    );
}

fn phone_digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "03[1-9][0-9]{7}",
        "0[789]0[1-9][0-9]{7}",
        "050[1-9][0-9]{7}",
        "0120[0-9]{6}",
        "0[1-9][1-9][0-9]{7}",
    ]
}

proptest! {
    #[test]
    fn display_keeps_the_digits_and_parses_back(digits in phone_digits()) {
        let phone = Phone::parse(&digits).unwrap();
        prop_assert_eq!(phone.digits(), digits.as_str());
        let shown = phone.to_string();
        prop_assert_eq!(shown.replace('-', ""), digits.clone());
        prop_assert_eq!(shown.matches('-').count(), 2);
        prop_assert_eq!(Phone::parse(&shown).unwrap(), phone.clone());
        let wide: String = shown.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
        prop_assert_eq!(Phone::parse(&wide).unwrap(), phone);
    }
}
