//! Vouchers rendered for real and read back with poppler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::sample;
use itaku_print::{vouchers, PrintError, Voucher};

#[test]
fn one_a4_page_each_with_the_desk_and_the_voucher() {
    let items: Vec<Voucher> = (0..2).map(sample::voucher).collect();
    let desk = sample::desk();
    let pdf = vouchers(common::fonts(), &sample::sender(), &desk, &items).unwrap();
    assert_eq!(pdf.pages, 2);
    assert_eq!(common::pdfinfo_pages(&pdf), 2);
    for (i, v) in items.iter().enumerate() {
        let page = common::squashed(&pdf, Some(i + 1));
        assert!(page.contains("お問い合わせはコールセンターへ"), "{page}");
        assert!(page.contains(&format!("電話{}", desk.phone)), "{page}");
        assert!(page.contains("新宿区けんしんコールセンター"), "{page}");
        let name: String = v.shimei.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(page.contains(&format!("{name}様")), "{page}");
        assert!(page.contains(&v.jushinken_no), "{page}");
        assert!(
            page.contains("タカハシサキコ") && page.contains("昭和28年4月1日"),
            "{page}"
        );
        for s in &v.screenings {
            assert!(page.contains(s.as_str()), "{s}: {page}");
        }
        assert!(page.contains(&v.page_ref), "{page}");
    }
    common::save_artifacts("voucher", &pdf, 60);
}

#[test]
fn address_block_sits_in_the_window() {
    let items = vec![sample::voucher(0)];
    let pdf = vouchers(common::fonts(), &sample::sender(), &sample::desk(), &items).unwrap();
    let gray = common::render_gray(&pdf, 1, 100);
    // Ink inside the address block, none in the 2 mm band around it that
    // the window still shows.
    assert!(gray.dark_share(20.0, 15.0, 105.0, 55.0) > 0.01);
    assert_eq!(gray.dark_share(12.0, 10.0, 19.5, 57.0), 0.0);
    assert_eq!(gray.dark_share(12.0, 10.0, 110.0, 14.5), 0.0);
}

#[test]
fn gaiji_on_a_voucher_is_refused() {
    let mut v = sample::voucher(0);
    v.screenings.push("\u{E555}検診".into());
    let err = vouchers(common::fonts(), &sample::sender(), &sample::desk(), &[v]).unwrap_err();
    assert!(
        matches!(&err, PrintError::MissingGlyphs { where_, .. } if where_.contains("検診名")),
        "{err}"
    );
}
