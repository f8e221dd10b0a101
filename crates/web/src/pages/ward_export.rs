//! 出力: the ward's register as JSON Lines or CSV, for ward staff after a
//! fresh step-up, through the service's audited export (one entry per page
//! of records, listing every record id).
//!
//! CSV comes in CP932 (Shift_JIS, as the ward's systems read it) with the
//! sample export's columns, so it imports again through the shipped
//! profile; 外字 go back to their user-defined-area codes. A character that
//! CP932 cannot hold at all (e.g. 𠮷, or a foreign resident's é) is never
//! replaced: the CP932 export is refused with the list of records and
//! characters, and the same data is offered as UTF-8 CSV with a BOM.

use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use itaku_core::Item;
use itaku_service::{PersonView, ServiceError};
use serde::Deserialize;

/// Records per audited page.
const PAGE: i64 = 1000;
/// Problems listed when CP932 cannot hold some characters.
const LISTED: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Cp932Csv,
    Utf8Csv,
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        match s {
            "jsonl" => Some(Format::Jsonl),
            "csv" => Some(Format::Cp932Csv),
            "csv-utf8" => Some(Format::Utf8Csv),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Cp932Csv => "csv",
            Format::Utf8Csv => "csv-utf8",
        }
    }
}

/// One CSV column: the header and how the value comes out of a record.
enum Col {
    Item(Item),
    /// Part of 国保記号番号 (記号 + U+3000 + 番号).
    KigoBango(usize),
    /// A field of a structured item (受診歴, 健診結果).
    Field(Item, &'static str),
    RecordId,
}

/// The sample export's columns (the shipped profile reads them back), then
/// the catalogue's other items, then the record number.
fn csv_columns() -> Vec<(&'static str, Col)> {
    let mut cols = vec![
        ("宛名番号", Col::Item(Item::AtenaNo)),
        ("受診券整理番号", Col::Item(Item::JushinkenNo)),
        ("被保険者記号", Col::KigoBango(0)),
        ("被保険者番号", Col::KigoBango(1)),
        ("カナ氏名", Col::Item(Item::KanaShimei)),
        ("漢字氏名", Col::Item(Item::Shimei)),
        ("生年月日", Col::Item(Item::Seinengappi)),
        ("性別", Col::Item(Item::Seibetsu)),
        ("郵便番号", Col::Item(Item::YubinBango)),
        ("住所", Col::Item(Item::Jusho)),
        ("方書", Col::Item(Item::Katagaki)),
        ("電話番号", Col::Item(Item::DenwaBango)),
        ("資格取得年月日", Col::Item(Item::ShikakuShutoku)),
        ("資格喪失年月日", Col::Item(Item::ShikakuSoshitsu)),
        (
            "前年度特定健診受診",
            Col::Field(Item::JushinRireki, "prev_fy"),
        ),
        (
            "過去5年受診回数",
            Col::Field(Item::JushinRireki, "count_5y"),
        ),
        ("BMI", Col::Field(Item::KenshinKekka, "bmi")),
        ("収縮期血圧", Col::Field(Item::KenshinKekka, "sbp")),
        ("HbA1c", Col::Field(Item::KenshinKekka, "hba1c")),
    ];
    let covered = [
        Item::AtenaNo,
        Item::JushinkenNo,
        Item::KokuhoKigoBango,
        Item::KanaShimei,
        Item::Shimei,
        Item::Seinengappi,
        Item::Seibetsu,
        Item::YubinBango,
        Item::Jusho,
        Item::Katagaki,
        Item::DenwaBango,
        Item::ShikakuShutoku,
        Item::ShikakuSoshitsu,
        Item::JushinRireki,
        Item::KenshinKekka,
    ];
    for i in Item::ALL.iter().copied().filter(|i| !covered.contains(i)) {
        cols.push((i.label(), Col::Item(i)));
    }
    cols.push(("記録No.", Col::RecordId));
    cols
}

/// Dates as the sample writes them (1985/10/09), postal codes 160-0023.
fn csv_value(p: &PersonView, col: &Col) -> String {
    match col {
        Col::RecordId => p.id.to_string(),
        Col::KigoBango(n) => p
            .get(Item::KokuhoKigoBango)
            .split('\u{3000}')
            .nth(*n)
            .unwrap_or_default()
            .to_owned(),
        Col::Field(item, name) => match serde_json::from_str::<serde_json::Value>(p.get(*item)) {
            Ok(j) => match &j[*name] {
                serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::String(s) => s.clone(),
                _ => String::new(),
            },
            Err(_) => String::new(),
        },
        Col::Item(item) => {
            let v = p.get(*item);
            match item {
                Item::Seinengappi
                | Item::ShikakuShutoku
                | Item::ShikakuSoshitsu
                | Item::JushinBi
                    if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() =>
                {
                    v.replace('-', "/")
                }
                Item::YubinBango => itaku_jp::PostalCode::parse(v)
                    .map(|c| c.to_string())
                    .unwrap_or_else(|_| v.to_owned()),
                _ => v.to_owned(),
            }
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One JSON object a line: the record number and every item by its code,
/// structured items as objects.
fn json_line(p: &PersonView) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("record_id".into(), p.id.into());
    for (item, v) in &p.values {
        let value = match item {
            Item::JushinRireki | Item::KenshinKekka => {
                serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.clone()))
            }
            _ => serde_json::Value::String(v.clone()),
        };
        obj.insert(item.code().into(), value);
    }
    serde_json::Value::Object(obj).to_string()
}

/// A character CP932 cannot hold, where it is.
pub struct Unmappable {
    pub record_id: i64,
    pub atena_no: String,
    pub column: &'static str,
    pub ch: String,
    pub code_point: String,
}

// ---------------------------------------------------------------- the page

#[derive(Template)]
#[template(path = "ward_export.html")]
struct ExportPage {
    layout: Layout,
    format: &'static str,
    stepped_up: bool,
    unmappable: Vec<Unmappable>,
    unmappable_more: usize,
    unmappable_records: usize,
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/export");
    Ok(render(&ExportPage {
        layout,
        format: Format::parse(&q.format).unwrap_or(Format::Cp932Csv).code(),
        stepped_up: a.session.stepped_up,
        unmappable: Vec::new(),
        unmappable_more: 0,
        unmappable_records: 0,
    })?
    .into_response())
}

pub async fn download(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let Some(format) = Format::parse(&q.format) else {
        return Err(WebError::BadRequest(
            "出力形式（JSON Lines・CSV）を選んでください。".into(),
        ));
    };
    let actor = a.actor();
    let cols = csv_columns();
    let mut out: Vec<u8> = Vec::new();
    let mut problems: Vec<Unmappable> = Vec::new();
    match format {
        Format::Jsonl => {}
        Format::Utf8Csv => out.extend_from_slice("\u{feff}".as_bytes()),
        Format::Cp932Csv => {}
    }
    if format != Format::Jsonl {
        let header = cols.iter().map(|(h, _)| *h).collect::<Vec<_>>().join(",") + "\r\n";
        match format {
            Format::Cp932Csv => out.extend(itaku_jp::encode_cp932(&header).unwrap_or_default()),
            _ => out.extend_from_slice(header.as_bytes()),
        }
    }
    let mut after = 0;
    loop {
        let (people, _total) = match st.svc.export_persons(&actor, after, PAGE).await {
            Ok(page) => page,
            // Ward staff who have not stepped up lately: back here after it.
            Err(ServiceError::StepUpRequired) => {
                return Err(WebError::StepUp(format!(
                    "/ward/export?format={}",
                    format.code()
                )))
            }
            Err(e) => return Err(e.into()),
        };
        let Some(last) = people.last() else { break };
        after = last.id;
        for p in &people {
            match format {
                Format::Jsonl => {
                    out.extend_from_slice(json_line(p).as_bytes());
                    out.push(b'\n');
                }
                Format::Utf8Csv => {
                    let line = cols
                        .iter()
                        .map(|(_, c)| csv_field(&csv_value(p, c)))
                        .collect::<Vec<_>>()
                        .join(",");
                    out.extend_from_slice(line.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
                Format::Cp932Csv => {
                    for (n, (h, c)) in cols.iter().enumerate() {
                        if n > 0 {
                            out.push(b',');
                        }
                        match itaku_jp::encode_cp932(&csv_field(&csv_value(p, c))) {
                            Ok(bytes) => out.extend(bytes),
                            Err(e) => problems.push(Unmappable {
                                record_id: p.id,
                                atena_no: p.get(Item::AtenaNo).to_owned(),
                                column: h,
                                ch: e.ch.to_string(),
                                code_point: format!("U+{:04X}", u32::from(e.ch)),
                            }),
                        }
                    }
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        if (people.len() as i64) < PAGE {
            break;
        }
    }
    if !problems.is_empty() {
        // Nothing is sent: a CP932 file with characters silently replaced
        // would put wrong names into the ward's systems.
        drop(out);
        let mut records: Vec<i64> = problems.iter().map(|p| p.record_id).collect();
        records.dedup();
        let more = problems.len().saturating_sub(LISTED);
        problems.truncate(LISTED);
        let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/export");
        let body = render(&ExportPage {
            layout,
            format: Format::Cp932Csv.code(),
            stepped_up: a.session.stepped_up,
            unmappable: problems,
            unmappable_more: more,
            unmappable_records: records.len(),
        })?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let today = (st.svc.now() + chrono::Duration::hours(9))
        .format("%Y%m%d")
        .to_string();
    let (content_type, ext) = match format {
        Format::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
        Format::Cp932Csv => ("text/csv; charset=Shift_JIS", "csv"),
        Format::Utf8Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let suffix = if format == Format::Utf8Csv {
        "-utf8"
    } else {
        ""
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"itaku-ward-register-{today}{suffix}.{ext}\""),
            ),
        ],
        out,
    )
        .into_response())
}
