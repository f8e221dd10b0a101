//! Screening vouchers (受診票): one A4 page per resident, folded in three
//! for a 長3 window envelope.
//!
//! Top third: the address block, placed for the window (the common 長3
//! window of 90 × 45 mm, 23 mm from the envelope's left edge and 13 mm
//! from its top; the block is 85 × 40 mm at 20 mm from the sheet's left
//! edge and 15 mm from its top, which keeps 2–3 mm clear of the window's
//! edges for the sheet's play in the envelope). Middle third: the call
//! desk, large. Bottom third: the voucher itself with the screenings.

use itaku_jp::PostalCode;
use serde_json::{json, Value};

use crate::check::GlyphCheck;
use crate::text::runs;
use crate::world::render;
use crate::{Fonts, Pdf, PrintError, Sender};

const TEMPLATE: &str = include_str!("../templates/voucher.typ");

/// One resident's voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// Discreet run/page id printed small on the page.
    pub page_ref: String,
    /// 7 digits (hyphen and full-width digits accepted).
    pub postal_code: String,
    /// Address.
    pub jusho: String,
    /// 方書; may be empty.
    pub katagaki: String,
    /// Name, printed with 様 in the window and on the voucher.
    pub shimei: String,
    /// Name in katakana (フリガナ).
    pub kana_shimei: String,
    /// Date of birth as printed, e.g. 昭和28年4月1日.
    pub birth_wareki: String,
    /// As printed, e.g. 女.
    pub sex: String,
    /// 受診券番号.
    pub jushinken_no: String,
    /// The screenings this voucher admits to, in order.
    pub screenings: Vec<String>,
    /// e.g. 令和8年度.
    pub fiscal_year_label: String,
}

/// The call desk printed prominently on every voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherDesk {
    /// e.g. 新宿区けんしんコールセンター.
    pub name: String,
    /// e.g. 0120-123-456.
    pub phone: String,
    /// e.g. 平日 午前8時30分～午後5時.
    pub hours: String,
}

/// One A4 page per voucher.
pub fn vouchers(
    fonts: &Fonts,
    sender: &Sender,
    desk: &VoucherDesk,
    vouchers: &[Voucher],
) -> Result<Pdf, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    check.field("差出人", "郵便番号", &sender.postal_code);
    check.field("差出人", "住所", &sender.address);
    check.field("差出人", "名称", &sender.name);
    check.field("差出人", "電話番号", &sender.phone);
    check.field("コールセンター", "名称", &desk.name);
    check.field("コールセンター", "電話番号", &desk.phone);
    check.field("コールセンター", "受付時間", &desk.hours);
    for v in vouchers {
        let who = v.page_ref.as_str();
        check.field(who, "通番", who);
        check.field(who, "郵便番号", &v.postal_code);
        check.field(who, "住所", &v.jusho);
        check.field(who, "方書", &v.katagaki);
        check.field(who, "氏名", &v.shimei);
        check.field(who, "フリガナ", &v.kana_shimei);
        check.field(who, "生年月日", &v.birth_wareki);
        check.field(who, "性別", &v.sex);
        check.field(who, "受診券番号", &v.jushinken_no);
        check.field(who, "年度", &v.fiscal_year_label);
        for s in &v.screenings {
            check.field(who, "検診名", s);
        }
    }
    check.finish()?;
    let postal = |code: &str, where_: String| {
        PostalCode::parse(code)
            .map(|p| format!("〒{p}"))
            .map_err(|e| PrintError::Invalid {
                where_,
                reason: e.to_string(),
            })
    };
    let items = vouchers
        .iter()
        .map(|v| {
            Ok(json!({
                "ref": v.page_ref,
                "postal": postal(&v.postal_code, format!("{} の郵便番号", v.page_ref))?,
                "jusho": runs(fonts, &v.jusho),
                "katagaki": runs(fonts, &v.katagaki),
                "name": runs(fonts, &v.shimei),
                "kana": runs(fonts, &v.kana_shimei),
                "birth": runs(fonts, &v.birth_wareki),
                "sex": runs(fonts, &v.sex),
                "number": v.jushinken_no,
                "screenings": v.screenings.iter().map(|s| runs(fonts, s)).collect::<Vec<_>>(),
                "year": runs(fonts, &v.fiscal_year_label),
            }))
        })
        .collect::<Result<Vec<Value>, PrintError>>()?;
    let data = json!({
        "sender": {
            "postal": postal(&sender.postal_code, "差出人の郵便番号".into())?,
            "address": runs(fonts, &sender.address),
            "name": runs(fonts, &sender.name),
            "phone": runs(fonts, &sender.phone),
        },
        "desk": {
            "name": runs(fonts, &desk.name),
            "phone": runs(fonts, &desk.phone),
            "hours": runs(fonts, &desk.hours),
        },
        "vouchers": items,
    });
    render(fonts, TEMPLATE, &data, vouchers.len(), "受診票")
}
