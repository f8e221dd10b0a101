mod common;

use common::sample;
use itaku_print::postcards;

#[test]
fn sample_postcard_is_saved_for_inspection() {
    let mut card = sample::card(0);
    card.katagaki = "パークハイツ﨑山 101号室".into();
    card.jusho = "東京都葛\u{E0100}飾区西新宿2-8-1".into();
    let pdf = postcards(common::fonts(), &sample::sender(), &[card]).unwrap();
    assert_eq!(pdf.pages, 2);
    common::save_artifacts("postcard", &pdf, 150);
}
