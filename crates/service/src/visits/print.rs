//! Printing the halves. Every printed copy is a run in the register with
//! its own id (V00012), so the 授受簿 can say which copy went where; every
//! print and download is an audited Print of exactly the half's items.

use super::{age_band_label, items, sex_label};
use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::printing::PrintFile;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item};
use itaku_policy::Action;
use itaku_print::{AddressRow, NameRow, VisitHalf, VISIT_ROWS_PER_PAGE};
use itaku_store::{VisitHandoutRow, VisitListRow, VisitPrintRow};
use serde::Serialize;

/// Which half of a split list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// 名前の票: name, sex, age band.
    Name,
    /// 住所の票: address, 方書.
    Address,
}

impl Half {
    pub const ALL: [Half; 2] = [Half::Name, Half::Address];
    pub fn code(self) -> &'static str {
        match self {
            Half::Name => "name",
            Half::Address => "address",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Half::Name => "名前の票",
            Half::Address => "住所の票",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|h| h.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("名簿の種類「{s}」はありません")))
    }
    /// The items the half shows (the birth date only as an age band).
    pub fn items(self) -> &'static [Item] {
        match self {
            Half::Name => &[Item::Shimei, Item::Seibetsu, Item::Seinengappi],
            Half::Address => &[Item::Jusho, Item::Katagaki],
        }
    }
    pub fn other(self) -> Half {
        match self {
            Half::Name => Half::Address,
            Half::Address => Half::Name,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitPrintView {
    pub id: i64,
    pub run_ref: String,
    pub list_id: i64,
    pub half: Half,
    pub half_label: &'static str,
    pub at: String,
    pub actor: String,
    pub persons: i64,
    pub sheets: i64,
    pub downloads: i64,
    /// Signed out now (one handout open).
    pub out: bool,
}

/// The printed copy's id on every page.
pub fn run_ref(id: i64) -> String {
    format!("V{id:05}")
}

impl VisitPrintView {
    pub(crate) fn of(p: &VisitPrintRow, handouts: &[VisitHandoutRow]) -> Result<Self> {
        let half = Half::parse(&p.half)?;
        Ok(Self {
            id: p.id,
            run_ref: run_ref(p.id),
            list_id: p.list_id,
            half,
            half_label: half.label(),
            at: crate::time::jst_display(&p.at),
            actor: p.actor.clone(),
            persons: p.persons,
            sheets: p.sheets,
            downloads: p.downloads,
            out: handouts
                .iter()
                .any(|h| h.print_id == p.id && h.in_at.is_none()),
        })
    }
}

impl Service {
    /// Print one half of a list as a new copy: checked for characters
    /// without a glyph, recorded in the register, returned as a PDF.
    pub async fn print_visit_half(
        &self,
        actor: &Actor,
        list_id: i64,
        half: Half,
    ) -> Result<(VisitPrintView, PrintFile)> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Print, items(half.items()), "visit_list")
            .await?;
        let list = match self.visit_list_row(&mut op, contract, list_id).await {
            Ok(l) => l,
            Err(e) => {
                op.finish(&[], &format!("visit list {list_id}: not found"))
                    .await?;
                return Err(e);
            }
        };
        // The id is the register row's, so render after inserting it; an
        // error drops the transaction and with it the row.
        let persons = op.tx.visit_targets(list_id).await?.len() as i64;
        let actor_name = op.actor_label().to_owned();
        let id = op
            .tx
            .insert_visit_print(&VisitPrintRow {
                id: 0,
                list_id,
                contract_id: contract.0,
                half: half.code().into(),
                at: op.now_ts(),
                user_id: op.actor_user(),
                actor: actor_name,
                persons,
                // Known once rendered; set below in the same transaction.
                sheets: 0,
                downloads: 1,
            })
            .await?;
        let (file, ids) = self.render_half(&mut op, contract, &list, half, id).await?;
        op.tx.set_visit_print_sheets(id, file.pages as i64).await?;
        op.finish(
            &ids,
            &format!(
                "visit list {list_id}: printed {} {} ({} persons, {} sheets)",
                run_ref(id),
                half.code(),
                ids.len(),
                file.pages
            ),
        )
        .await?;
        let view = self.visit_print(actor, id).await?;
        Ok((view, file))
    }

    /// The register row of one printed copy (no person data).
    async fn visit_print(&self, actor: &Actor, id: i64) -> Result<VisitPrintView> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, Default::default(), "visit_print")
            .await?;
        let p = match op.tx.visit_print(id).await? {
            Some(p) if p.contract_id == contract.0 => p,
            _ => {
                op.finish(&[], &format!("visit print {id}: not found"))
                    .await?;
                return Err(ServiceError::not_found());
            }
        };
        let handouts = op.tx.handouts_of_list(p.list_id).await?;
        op.finish(&[], &format!("visit print {}", run_ref(id)))
            .await?;
        VisitPrintView::of(&p, &handouts)
    }

    /// Download a printed copy again (same id, same codes and order); each
    /// download is an audited print and counted in the register.
    pub async fn visit_print_file(&self, actor: &Actor, print_id: i64) -> Result<PrintFile> {
        let half = {
            let mut tx = self.inner.store.begin().await?;
            let p = tx.visit_print(print_id).await?;
            tx.rollback().await?;
            match p {
                Some(p) => Half::parse(&p.half)?,
                None => Half::Name,
            }
        };
        let (mut op, contract) = self
            .visit_op(actor, Action::Print, items(half.items()), "visit_list")
            .await?;
        let p = match op.tx.visit_print(print_id).await? {
            Some(p) if p.contract_id == contract.0 => p,
            _ => {
                op.finish(&[], &format!("visit print {print_id}: not found"))
                    .await?;
                return Err(ServiceError::not_found());
            }
        };
        let list = self.visit_list_row(&mut op, contract, p.list_id).await?;
        let (file, ids) = self
            .render_half(&mut op, contract, &list, half, print_id)
            .await?;
        op.tx.count_visit_download(print_id).await?;
        op.finish(
            &ids,
            &format!(
                "visit list {}: downloaded {} {} again",
                list.id,
                run_ref(print_id),
                half.code()
            ),
        )
        .await?;
        Ok(file)
    }

    /// The half's PDF; the persons printed.
    async fn render_half(
        &self,
        op: &mut Op<'_>,
        contract: ContractId,
        list: &VisitListRow,
        half: Half,
        print_id: i64,
    ) -> Result<(PrintFile, Vec<i64>)> {
        let targets = op.tx.visit_targets(list.id).await?;
        let campaign = op
            .tx
            .campaign(list.campaign_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let ids: Vec<i64> = targets.iter().map(|t| t.person_id).collect();
        let mut values = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            for p in self.open_persons(op, vault.id, &key, chunk).await? {
                values.insert(p.id, p);
            }
        }
        let get = |id: i64, item: Item| -> String {
            values
                .get(&id)
                .map(|p| p.get(item).to_owned())
                .unwrap_or_default()
        };
        let areas: Vec<&str> = list.areas.lines().collect();
        let sheet = match half {
            Half::Name => {
                // Sorted by code: the order says nothing about where
                // anyone lives (the address half is in walking order).
                let mut rows: Vec<NameRow> = targets
                    .iter()
                    .map(|t| NameRow {
                        code: t.code.clone(),
                        shimei: get(t.person_id, Item::Shimei),
                        seibetsu: sex_label(&get(t.person_id, Item::Seibetsu)),
                        age_band: age_band_label(
                            values.get(&t.person_id).map(|p| p.get(Item::Seinengappi)),
                            campaign.fiscal_year,
                        ),
                    })
                    .collect();
                rows.sort_by(|a, b| a.code.cmp(&b.code));
                VisitHalf::Names(rows)
            }
            Half::Address => VisitHalf::Addresses(
                targets
                    .iter()
                    .map(|t| AddressRow {
                        code: t.code.clone(),
                        area: t.area.clone(),
                        jusho: get(t.person_id, Item::Jusho),
                        katagaki: get(t.person_id, Item::Katagaki),
                    })
                    .collect(),
            ),
        };
        let fonts = self.fonts()?;
        let heading = format!(
            "{}　訪問名簿 L{:04}（{}人）",
            campaign.name,
            list.id,
            targets.len()
        );
        let rr = run_ref(print_id);
        let pdf = itaku_print::visit_half(&fonts, &sheet, &rr, &heading, &areas.join("・"))
            .map_err(|e| ServiceError::Invalid(format!("訪問名簿を印刷できません: {e}")))?;
        debug_assert!(pdf.pages >= targets.len().div_ceil(VISIT_ROWS_PER_PAGE));
        Ok((
            PrintFile {
                filename: format!("{rr}_{}.pdf", half.code()),
                content_type: "application/pdf",
                bytes: pdf.bytes,
                pages: pdf.pages,
            },
            ids,
        ))
    }
}
