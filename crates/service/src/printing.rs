//! The print register. A print run fixes who is printed, in which order
//! (by postal code, as bulk mail is sorted), with which message versions;
//! every page carries the run's discreet id R<run>-<seq>, which leads back
//! to the person. Files are rendered per batch on download, each download
//! an audited print of exactly the people on it. Nobody outside the
//! campaign can be printed, and returned mail is never printed again.

use crate::campaigns::{CampaignKind, CampaignState, Side};
use crate::error::{Result, ServiceError};
use crate::message::fill;
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::Action;
use itaku_store::{CampaignRow, MemberRow, NewPrintRun, PrintRunRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// People per downloadable file: one document stays fast and small.
pub const BATCH: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintKind {
    Postcards,
    Labels,
    /// CP932 CSV for an outside print vendor.
    PrintData,
    Vouchers,
}

impl PrintKind {
    pub const ALL: [PrintKind; 4] = [
        PrintKind::Postcards,
        PrintKind::Labels,
        PrintKind::PrintData,
        PrintKind::Vouchers,
    ];
    pub fn code(self) -> &'static str {
        match self {
            PrintKind::Postcards => "postcards",
            PrintKind::Labels => "labels",
            PrintKind::PrintData => "print_data",
            PrintKind::Vouchers => "vouchers",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PrintKind::Postcards => "圧着はがき",
            PrintKind::Labels => "宛名ラベル（A4 12面）",
            PrintKind::PrintData => "印刷データ（CSV・Shift_JIS）",
            PrintKind::Vouchers => "受診票",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("印刷物の種類「{s}」はありません")))
    }
    /// The items the output shows.
    pub(crate) fn items(self) -> ItemSet {
        let mut s: ItemSet = [Item::Shimei, Item::YubinBango, Item::Jusho, Item::Katagaki]
            .into_iter()
            .collect();
        match self {
            PrintKind::Vouchers => {
                for i in [
                    Item::KanaShimei,
                    Item::Seinengappi,
                    Item::Seibetsu,
                    Item::JushinkenNo,
                ] {
                    s.insert(i);
                }
            }
            PrintKind::PrintData => s.insert(Item::KanaShimei),
            _ => {}
        }
        s
    }
    fn pages(self, persons: i64) -> i64 {
        match self {
            PrintKind::Postcards => persons * 2,
            PrintKind::Labels => (persons + 11) / 12,
            PrintKind::Vouchers => persons,
            PrintKind::PrintData => 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PrintRequest {
    /// Only this segment (postcards may go out segment by segment).
    pub segment: Option<String>,
    /// Only these members (by member id): a re-issue of single items.
    pub only: Option<Vec<i64>>,
    pub note: String,
    /// The desk's queued re-issues (ids) this run prints. They are marked
    /// printed in the run's own transaction: a crash can neither leave them
    /// queued after the run exists (a second print) nor mark them without it.
    pub reissues: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub batch: i64,
    pub from_seq: i64,
    pub to_seq: i64,
    pub downloads: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrintRunView {
    pub id: i64,
    pub run_ref: String,
    pub campaign_id: i64,
    pub kind: PrintKind,
    pub at: String,
    pub actor: String,
    pub from_vault: String,
    pub persons: i64,
    pub pages: i64,
    pub template_versions: BTreeMap<String, i64>,
    pub note: String,
    pub batches: Vec<BatchView>,
}

/// A rendered file for download.
pub struct PrintFile {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub pages: usize,
}

/// The discreet id on a page: R00012-000037.
pub fn page_ref(run: i64, seq: i64) -> String {
    format!("R{run:05}-{seq:06}")
}

/// Read a page id as typed or scanned (full-width, lower case, spaces).
pub fn parse_page_ref(s: &str) -> Result<(i64, i64)> {
    let t: String = itaku_jp::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let bad = || {
        ServiceError::Invalid(format!(
            "「{}」は印刷番号ではありません（例: R00012-000037）",
            s.trim()
        ))
    };
    let rest = t.strip_prefix('R').ok_or_else(bad)?;
    let (run, seq) = rest.split_once('-').ok_or_else(bad)?;
    let run: i64 = run.parse().map_err(|_| bad())?;
    let seq: i64 = seq.parse().map_err(|_| bad())?;
    if run < 1 || seq < 1 {
        return Err(bad());
    }
    Ok((run, seq))
}

fn run_view(r: PrintRunRow, downloads: &[(i64, i64, i64)]) -> Result<PrintRunView> {
    let kind = PrintKind::parse(&r.kind)?;
    let per = if kind == PrintKind::PrintData {
        r.persons.max(1)
    } else {
        BATCH
    };
    let batches = (0..(r.persons + per - 1) / per)
        .map(|b| BatchView {
            batch: b + 1,
            from_seq: b * per + 1,
            to_seq: ((b + 1) * per).min(r.persons),
            downloads: downloads
                .iter()
                .find(|d| d.0 == b + 1)
                .map(|d| d.1)
                .unwrap_or(0),
        })
        .collect();
    Ok(PrintRunView {
        run_ref: format!("R{:05}", r.id),
        template_versions: serde_json::from_str(&r.template_versions).unwrap_or_default(),
        id: r.id,
        campaign_id: r.campaign_id,
        kind,
        at: r.at,
        actor: r.actor,
        from_vault: r.from_vault,
        persons: r.persons,
        pages: r.pages,
        note: r.note,
        batches,
    })
}

impl Service {
    /// Fix a print run: who, in which order, with which message versions.
    /// Texts are checked against the fonts before anything is recorded, so
    /// a run never contains a page that would print tofu.
    pub async fn create_print_run(
        &self,
        actor: &Actor,
        campaign_id: i64,
        kind: PrintKind,
        req: &PrintRequest,
    ) -> Result<PrintRunView> {
        let side = Side::of(actor);
        let (mut op, row) = self
            .campaign_op(actor, campaign_id, Action::Print, kind.items())
            .await?;
        let ckind = CampaignKind::parse(&row.kind)?;
        let state = CampaignState::parse(&row.state)?;
        match (ckind, kind) {
            (CampaignKind::Postcard, PrintKind::Vouchers) => {
                return Err(ServiceError::Invalid(
                    "はがきの勧奨では受診票は印刷できません".into(),
                ))
            }
            (CampaignKind::Voucher, PrintKind::Postcards) => {
                return Err(ServiceError::Invalid(
                    "受診票の送付では圧着はがきは印刷できません".into(),
                ))
            }
            _ => {}
        }
        if state == CampaignState::Closed {
            return Err(ServiceError::Conflict(
                "終了した勧奨は印刷できません".into(),
            ));
        }
        if ckind == CampaignKind::Postcard && state < CampaignState::Segmented {
            return Err(ServiceError::Conflict(
                "はがきは区分を確定し、区分ごとの文面を用意してから印刷します".into(),
            ));
        }
        let all = op.tx.campaign_members(campaign_id).await?;
        let chosen: Vec<&MemberRow> = match &req.only {
            Some(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    match all.iter().find(|m| m.person_id == *id) {
                        Some(m) => out.push(m),
                        None => {
                            op.finish(&[*id], "print refused: not a member of the campaign")
                                .await?;
                            return Err(ServiceError::not_found());
                        }
                    }
                }
                out
            }
            None => all
                .iter()
                .filter(|m| m.returned_at.is_none())
                .filter(|m| {
                    req.segment
                        .as_ref()
                        .is_none_or(|s| m.segment.as_deref() == Some(s.as_str()))
                })
                .collect(),
        };
        if let Some(m) = chosen.iter().find(|m| m.returned_at.is_some()) {
            return Err(ServiceError::Conflict(format!(
                "宛所不明で返戻された方（{}）には再送できません。住所を確認して区の名簿を更新してください",
                m.person_id
            )));
        }
        if chosen.is_empty() {
            return Err(ServiceError::Invalid("印刷する対象者がいません".into()));
        }
        let templates = latest_templates(&mut op.tx, campaign_id).await?;
        if kind == PrintKind::Postcards {
            let missing: Vec<String> = chosen
                .iter()
                .filter_map(|m| m.segment.clone())
                .filter(|s| !templates.contains_key(s))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !missing.is_empty() {
                return Err(ServiceError::Conflict(format!(
                    "文面のない区分があります: {}",
                    missing.join("、")
                )));
            }
        }
        let values = self.member_values(&mut op, side, &chosen).await?;
        // Bulk mail goes to the post office sorted by postal code.
        let mut order: Vec<(&str, i64)> = chosen
            .iter()
            .map(|m| {
                let pc = values
                    .get(&m.person_id)
                    .and_then(|v| v.get(&Item::YubinBango))
                    .map(String::as_str)
                    .unwrap_or("");
                (pc, m.person_id)
            })
            .collect();
        order.sort();
        let persons: Vec<i64> = order.iter().map(|(_, p)| *p).collect();
        let fonts = match self.fonts() {
            Ok(f) => f,
            Err(e) => {
                let records: Vec<i64> = chosen.iter().map(|m| side.record(m)).collect();
                op.finish(&records, &format!("print refused: {e}")).await?;
                return Err(e);
            }
        };
        let mut problems = Vec::new();
        let by_id: HashMap<i64, &MemberRow> = chosen.iter().map(|m| (m.person_id, *m)).collect();
        for (i, p) in persons.iter().enumerate() {
            let Some(v) = values.get(p) else { continue };
            let mut texts: Vec<String> = kind
                .items()
                .iter()
                .filter_map(|it| v.get(&it).cloned())
                .collect();
            if kind == PrintKind::Postcards {
                if let Some(t) = by_id
                    .get(p)
                    .and_then(|m| m.segment.as_ref())
                    .and_then(|s| templates.get(s))
                {
                    let filled = self.fill_for(&row, v, t);
                    texts.push(filled.0);
                    texts.push(filled.1);
                }
            }
            let missing = fonts.missing_glyphs(&texts.join(""));
            if !missing.is_empty() {
                let chars: String = missing
                    .iter()
                    .map(|c| format!("U+{:04X}", *c as u32))
                    .collect::<Vec<_>>()
                    .join(" ");
                problems.push(format!("{}番目（対象者 {p}）: {chars}", i + 1));
            }
        }
        if !problems.is_empty() {
            op.finish(&persons, "print refused: characters without glyphs")
                .await?;
            return Err(ServiceError::Invalid(format!(
                "字形のない文字（外字など）があるため印刷できません。外字を登録するか名簿を修正してください: {}",
                problems.iter().take(20).cloned().collect::<Vec<_>>().join("／")
            )));
        }
        let versions: BTreeMap<String, i64> = if kind == PrintKind::Postcards {
            templates
                .iter()
                .map(|(s, t)| (s.clone(), t.version))
                .collect()
        } else {
            BTreeMap::new()
        };
        let versions_json =
            serde_json::to_string(&versions).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let actor_name = match op.actor_user() {
            Some(u) => op
                .tx
                .user(u)
                .await?
                .map(|u| format!("{} ({})", u.display_name, u.login))
                .unwrap_or_default(),
            None => "system".into(),
        };
        let now = op.now_ts();
        let pages = kind.pages(persons.len() as i64);
        let run_id = op
            .tx
            .insert_print_run(
                &NewPrintRun {
                    campaign_id,
                    kind: kind.code(),
                    at: &now,
                    user_id: op.actor_user(),
                    actor: &actor_name,
                    from_vault: side.code(),
                    pages,
                    template_versions: &versions_json,
                    note: req.note.trim(),
                },
                &persons,
            )
            .await?;
        if !req.reissues.is_empty() {
            let marked = op
                .tx
                .mark_reissues_printed(&req.reissues, run_id, &now)
                .await?;
            if marked != req.reissues.len() as u64 {
                // Dropping the transaction drops the run with it.
                return Err(ServiceError::Conflict(
                    "この再発行の一部は、別の操作ですでに印刷されています。再発行の一覧を開き直してください"
                        .into(),
                ));
            }
        }
        if state < CampaignState::Printed {
            let note = format!(
                "{} {}人・{}ページ（R{run_id:05}）",
                kind.label(),
                persons.len(),
                pages
            );
            self.campaign_event(
                &mut op,
                campaign_id,
                Some(state),
                CampaignState::Printed,
                &note,
            )
            .await?;
        }
        let records: Vec<i64> = chosen.iter().map(|m| side.record(m)).collect();
        let reissues = match req.reissues.len() {
            0 => String::new(),
            n => format!(", desk reissues printed: {n}"),
        };
        op.finish(
            &records,
            &format!(
                "print run R{run_id:05}: {} of campaign {campaign_id}, {} persons, {pages} pages, templates {versions_json}{reissues}",
                kind.code(),
                persons.len()
            ),
        )
        .await?;
        let run = {
            let mut tx = self.inner.store.begin().await?;
            let r = tx.print_run(run_id).await?;
            tx.rollback().await?;
            r.ok_or_else(ServiceError::not_found)?
        };
        run_view(run, &[])
    }

    /// Title and body for one person, from a template version.
    pub(crate) fn fill_for(
        &self,
        row: &CampaignRow,
        v: &BTreeMap<Item, String>,
        t: &itaku_store::TemplateRow,
    ) -> (String, String) {
        let name = v.get(&Item::Shimei).cloned().unwrap_or_default();
        let deadline = crate::time::parse_date(&row.deadline)
            .map(itaku_jp::format_wareki)
            .unwrap_or_default();
        let fy = itaku_jp::FiscalYear::new(row.fiscal_year as i32).label();
        let values = [
            ("氏名", name.as_str()),
            ("期限", deadline.as_str()),
            ("問合せ電話", row.desk_phone.as_str()),
            ("医療機関", row.clinics.as_str()),
            ("年度", fy.as_str()),
        ];
        (fill(&t.title, &values), fill(&t.body, &values))
    }

    /// The print register of a campaign.
    pub async fn print_runs(&self, actor: &Actor, campaign_id: i64) -> Result<Vec<PrintRunView>> {
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Read, ItemSet::new())
            .await?;
        let mut out = Vec::new();
        for r in op.tx.print_runs(campaign_id).await? {
            let d = op.tx.print_downloads(r.id).await?;
            out.push(run_view(r, &d)?);
        }
        op.finish(&[], &format!("campaign {campaign_id}: print register"))
            .await?;
        Ok(out)
    }
}

async fn latest_templates(
    tx: &mut itaku_store::Tx,
    campaign_id: i64,
) -> Result<BTreeMap<String, itaku_store::TemplateRow>> {
    let mut out = BTreeMap::new();
    for t in tx.templates(campaign_id).await? {
        // Newest first per segment: keep the first seen.
        out.entry(t.segment.clone()).or_insert(t);
    }
    Ok(out)
}

pub(crate) async fn templates_at(
    tx: &mut itaku_store::Tx,
    campaign_id: i64,
    versions: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, itaku_store::TemplateRow>> {
    Ok(tx
        .templates(campaign_id)
        .await?
        .into_iter()
        .filter(|t| versions.get(&t.segment) == Some(&t.version))
        .map(|t| (t.segment.clone(), t))
        .collect())
}
