//! Postcards rendered for real and read back with poppler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::sample;
use itaku_jp::Bar;
use itaku_print::{postcards, postcards_batched, postcards_parallel, Postcard, PrintError};

/// Top of the barcode and the bar geometry, as the template draws them.
const BAR_TOP: f64 = 131.5;
const BAR_LEFT: f64 = 10.1;

/// A card with every hard case: 髙 and 﨑, an Adobe-Japan1 IVS (葛󠄀) in
/// the address, an MJ-only IVS (邊 U+E0108) in the name, digits and a
/// building in the 方書.
fn hard_card() -> Postcard {
    let mut card = sample::card(0);
    card.jusho = "東京都葛\u{E0100}飾区西新宿2-8-1".into();
    card.katagaki = "パークハイツ﨑山 101号室".into();
    card.shimei = "髙橋 渡邊\u{E0108}子".into();
    card
}

#[test]
fn sample_postcard_is_saved_for_inspection() {
    let pdf = postcards(common::fonts(), &sample::sender(), &[hard_card()]).unwrap();
    assert_eq!(pdf.pages, 2);
    common::save_artifacts("postcard", &pdf, 150);
}

#[test]
fn two_pages_per_card_at_postcard_size() {
    let cards: Vec<Postcard> = (0..3).map(sample::card).collect();
    let pdf = postcards(common::fonts(), &sample::sender(), &cards).unwrap();
    assert_eq!(pdf.pages, 6);
    assert_eq!(common::pdfinfo_pages(&pdf), 6);
    let (w, h) = common::page_size_pt(&pdf);
    // 100 × 148 mm.
    assert!(
        (w - 283.46).abs() < 0.1 && (h - 419.53).abs() < 0.1,
        "{w} × {h}"
    );
}

#[test]
fn address_side_carries_address_name_sama_and_page_ref() {
    let card = hard_card();
    let pdf = postcards(
        common::fonts(),
        &sample::sender(),
        std::slice::from_ref(&card),
    )
    .unwrap();
    let page1 = common::squashed(&pdf, Some(1));
    // Vertical address, digits as kanji digit by digit, the IVS kept.
    assert!(
        page1.contains("東京都葛\u{E0100}飾区西新宿二－八－一"),
        "{page1}"
    );
    assert!(page1.contains("パークハイツ﨑山一〇一号室"), "{page1}");
    assert!(page1.contains("髙橋渡邊\u{E0108}子様"), "{page1}");
    assert!(page1.contains(&card.page_ref), "{page1}");
    assert!(
        page1.contains("1600023"),
        "postal code in the boxes: {page1}"
    );
    // The sender's return address, as given.
    assert!(page1.contains("東京都新宿区歌舞伎町1-4-1"), "{page1}");
    assert!(page1.contains("新宿区健康部健康づくり課"), "{page1}");
}

#[test]
fn vertical_address_never_shows_arabic_digits() {
    let mut card = sample::card(4);
    card.jusho = "東京都新宿区百人町3-10-25".into();
    card.katagaki = "コーポ１２ ４０５".into();
    let pdf = postcards(common::fonts(), &sample::sender(), &[card]).unwrap();
    let page1 = common::squashed(&pdf, Some(1));
    assert!(page1.contains("百人町三－一〇－二五"), "{page1}");
    assert!(page1.contains("コーポ一二四〇五"), "{page1}");
    // The only Arabic digits on the address side: the postal code, the
    // sender's block and the page_ref.
    let address_part: String = page1
        .split("〒")
        .next()
        .unwrap()
        .chars()
        .skip(7) // the postal code boxes come first
        .collect();
    assert!(
        !address_part
            .chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)),
        "{address_part}"
    );
}

#[test]
fn message_side_carries_title_body_sender_and_page_ref() {
    let card = sample::card(1);
    let pdf = postcards(
        common::fonts(),
        &sample::sender(),
        std::slice::from_ref(&card),
    )
    .unwrap();
    let page2 = common::squashed(&pdf, Some(2));
    assert!(page2.contains("特定健康診査のご案内"), "{page2}");
    for para in card.message_body.split("\n\n") {
        let squashed: String = para.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            page2.contains(&squashed),
            "missing paragraph {para}: {page2}"
        );
    }
    assert!(page2.contains("電話03-5273-3047"), "{page2}");
    assert!(page2.contains(&card.page_ref), "{page2}");
    let name: String = card.shimei.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(page2.contains(&format!("{name}様")), "{page2}");
}

#[test]
fn fonts_are_embedded_subsets_and_ipamj_draws_the_mj_sequence() {
    let pdf = postcards(common::fonts(), &sample::sender(), &[hard_card()]).unwrap();
    let fonts = common::pdffonts(&pdf);
    assert!(!fonts.is_empty());
    for f in &fonts {
        assert!(f.embedded && f.subset, "{f:?}");
        assert!(f.name.len() > 7 && f.name.as_bytes()[6] == b'+', "{f:?}");
    }
    assert!(
        fonts.iter().any(|f| f.name.contains("IPAmj")),
        "邊 U+E0108 needs IPAmj Mincho: {fonts:?}"
    );
    // Without the MJ sequence, IPAmj is not embedded at all.
    let plain = postcards(common::fonts(), &sample::sender(), &[sample::card(1)]).unwrap();
    assert!(!common::pdffonts(&plain)
        .iter()
        .any(|f| f.name.contains("IPAmj")));
}

#[test]
fn private_use_gaiji_is_refused_before_anything_is_rendered() {
    let mut bad = sample::card(7);
    bad.shimei = "山\u{E000}太郎".into();
    let cards = vec![sample::card(0), bad.clone(), sample::card(2)];
    let err = postcards(common::fonts(), &sample::sender(), &cards).unwrap_err();
    let PrintError::MissingGlyphs { chars, where_ } = &err else {
        panic!("expected MissingGlyphs, got {err}");
    };
    assert_eq!(chars, &BTreeSet::from(['\u{E000}']));
    assert!(
        where_.contains(&bad.page_ref) && where_.contains("氏名"),
        "{where_}"
    );
    assert!(err.to_string().contains("U+E000"), "{err}");

    // The batched forms refuse up front too: no batch is produced.
    assert!(postcards_batched(common::fonts(), &sample::sender(), &cards, 1).is_err());
    let mut produced = 0;
    let result = postcards_parallel(common::fonts(), &sample::sender(), &cards, 1, 2, |_, _| {
        produced += 1;
        Ok(())
    });
    assert!(matches!(result, Err(PrintError::MissingGlyphs { .. })));
    assert_eq!(produced, 0);
}

#[test]
fn sender_with_gaiji_is_refused_too() {
    let mut sender = sample::sender();
    sender.address = "東京都新宿区\u{F000}町".into();
    let err = postcards(common::fonts(), &sender, &[sample::card(0)]).unwrap_err();
    assert!(
        matches!(&err, PrintError::MissingGlyphs { where_, .. } if where_.contains("差出人")),
        "{err}"
    );
}

/// Dark runs along a line across the barcode area, `dy` mm below its top.
fn runs_at(gray: &common::Gray, dy: f64) -> usize {
    gray.dark_runs(BAR_TOP + dy, BAR_LEFT - 2.0, BAR_LEFT + 82.0)
}

#[test]
fn barcode_is_drawn_bar_for_bar() {
    let card = sample::card(3);
    let pdf = postcards(
        common::fonts(),
        &sample::sender(),
        std::slice::from_ref(&card),
    )
    .unwrap();
    let gray = common::render_gray(&pdf, 1, 300);
    let count = |f: fn(&Bar) -> bool| card.barcode.iter().filter(|b| f(b)).count();
    // Through the timing band every bar is cut.
    assert_eq!(runs_at(&gray, 1.8), 67);
    // Near the top only long and upper bars; near the bottom only long
    // and lower bars.
    assert_eq!(
        runs_at(&gray, 0.4),
        count(|b| matches!(b, Bar::Long | Bar::Upper))
    );
    assert_eq!(
        runs_at(&gray, 3.2),
        count(|b| matches!(b, Bar::Long | Bar::Lower))
    );
    // Quiet zone: nothing within 2 mm above or below.
    assert_eq!(
        gray.dark_share(8.1, BAR_TOP - 2.0, 91.9, BAR_TOP - 0.1),
        0.0
    );
    assert_eq!(
        gray.dark_share(8.1, BAR_TOP + 3.7, 91.9, BAR_TOP + 5.6),
        0.0
    );
}

#[test]
fn a_representative_postal_code_prints_without_a_barcode() {
    let mut card = sample::card(3);
    card.barcode.clear();
    let pdf = postcards(
        common::fonts(),
        &sample::sender(),
        std::slice::from_ref(&card),
    )
    .unwrap();
    let gray = common::render_gray(&pdf, 1, 300);
    assert_eq!(runs_at(&gray, 1.8), 0, "no bars");
    card.barcode.truncate(0);
    card.barcode.push(Bar::Long);
    assert!(postcards(common::fonts(), &sample::sender(), &[card]).is_err());
}

#[test]
fn postal_code_boxes_are_drawn_at_the_standard_positions() {
    let pdf = postcards(common::fonts(), &sample::sender(), &[sample::card(0)]).unwrap();
    let gray = common::render_gray(&pdf, 1, 300);
    // The top edges of the seven boxes, just above y = 12 mm.
    assert_eq!(gray.dark_runs(11.85, 40.0, 98.0), 7);
    // Left edge of the first box at 44.3 mm, right edge of the last at 92.
    assert!(gray.at_mm(44.1, 16.0) < 200, "first box's left edge");
    assert!(gray.at_mm(92.1, 16.0) < 200, "last box's right edge");
    assert!(gray.at_mm(43.5, 16.0) > 250 && gray.at_mm(92.8, 16.0) > 250);
    // Inside the boxes the digits, nothing else above the address.
    assert_eq!(gray.dark_share(10.0, 4.0, 98.0, 11.0), 0.0);
}

#[test]
fn batches_split_the_run_and_parallel_delivers_every_batch() {
    let cards: Vec<Postcard> = (0..5).map(sample::card).collect();
    let sender = sample::sender();
    let pages: Vec<usize> = postcards_batched(common::fonts(), &sender, &cards, 2)
        .unwrap()
        .map(|pdf| pdf.unwrap().pages)
        .collect();
    assert_eq!(pages, vec![4, 4, 2]);

    let mut seen = Vec::new();
    postcards_parallel(common::fonts(), &sender, &cards, 2, 2, |i, pdf| {
        let text = common::squashed(&pdf, None);
        seen.push((i, pdf.pages, text.contains(&cards[i * 2].page_ref)));
        Ok(())
    })
    .unwrap();
    seen.sort();
    assert_eq!(seen, vec![(0, 4, true), (1, 4, true), (2, 2, true)]);
}

#[test]
fn a_long_message_is_set_smaller_rather_than_spilling_onto_a_page() {
    let normal = sample::card(0);
    let mut long = sample::card(1);
    let first = sample::message_body("山田")
        .split("\n\n")
        .next()
        .unwrap()
        .to_owned();
    long.message_body = format!("{}\n\n{first}", long.message_body);
    let cards = vec![normal.clone(), long.clone(), sample::card(2)];
    let pdf = postcards(common::fonts(), &sample::sender(), &cards).unwrap();
    assert_eq!(common::pdfinfo_pages(&pdf), 6);
    let page4 = common::squashed(&pdf, Some(4));
    assert!(
        page4.contains("ご不明な点は、下記までお問い合わせください。"),
        "{page4}"
    );
    assert!(page4.contains(&long.page_ref));
    let size = |page| common::word_height(&pdf, page, "受診の際は").unwrap();
    assert!(
        size(4) < size(2) * 0.95,
        "long {} vs normal {}",
        size(4),
        size(2)
    );
    // The cards around it keep the large size.
    assert!((size(6) - size(2)).abs() < 0.01);
}

#[test]
fn records_that_cannot_be_laid_out_are_refused_with_their_page_ref() {
    let sender = sample::sender();
    let mut long_message = sample::card(0);
    long_message.message_body = sample::message_body("山田").repeat(6);
    let err = postcards(common::fonts(), &sender, &[long_message.clone()]).unwrap_err();
    assert!(
        matches!(&err, PrintError::DoesNotFit { page_ref, .. } if *page_ref == long_message.page_ref),
        "{err}"
    );

    let mut long_address = sample::card(1);
    long_address.katagaki = "ながいながい建物の名前".repeat(30);
    let err = postcards(common::fonts(), &sender, &[long_address]).unwrap_err();
    assert!(
        matches!(&err, PrintError::Invalid { where_, .. } if where_.contains("住所")),
        "{err}"
    );

    let mut short_barcode = sample::card(2);
    short_barcode.barcode.pop();
    let err = postcards(common::fonts(), &sender, &[short_barcode]).unwrap_err();
    assert!(err.to_string().contains("66 本"), "{err}");

    let mut bad_postal = sample::card(3);
    bad_postal.postal_code = "16000".into();
    let err = postcards(common::fonts(), &sender, &[bad_postal]).unwrap_err();
    assert!(
        matches!(&err, PrintError::Invalid { where_, .. } if where_.contains("郵便番号")),
        "{err}"
    );

    let err = postcards(common::fonts(), &sender, &[]).unwrap_err();
    assert!(matches!(err, PrintError::Empty), "{err}");
}

#[test]
fn a_proof_is_a_png_of_either_side() {
    let card = sample::card(3);
    for side in [0, 1] {
        let png = itaku_print::postcard_png(common::fonts(), &sample::sender(), &card, side, 1.0)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "side {side}");
    }
}
