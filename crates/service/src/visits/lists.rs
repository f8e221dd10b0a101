//! Visit lists: a campaign's members of some 町丁目 frozen in walking
//! order, each with a random visit code.

use super::codes::fresh_codes;
use super::print::VisitPrintView;
use super::register::HandoutView;
use super::{items, VisitOutcome};
use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item};
use itaku_policy::Action;
use itaku_store::{CampaignRow, NewVisitTarget, VisitListRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Who a list is drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VisitSource {
    /// The members randomised to this arm (e.g. a visit arm).
    Arm(String),
    /// Not reached by phone: members without a phone, and members of the
    /// called arm whose calls ended without a contact.
    NotReachedByPhone,
}

impl VisitSource {
    pub fn code(&self) -> String {
        match self {
            VisitSource::Arm(a) => format!("arm:{a}"),
            VisitSource::NotReachedByPhone => "not_reached".into(),
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s == "not_reached" {
            return Ok(VisitSource::NotReachedByPhone);
        }
        match s.strip_prefix("arm:") {
            Some(a) if !a.is_empty() => Ok(VisitSource::Arm(a.to_owned())),
            _ => Err(ServiceError::Invalid(
                "訪問の対象（割付群または電話で連絡がつかなかった方）を選んでください".into(),
            )),
        }
    }
    /// In Japanese, with the arm's label from the campaign's design.
    pub fn label(&self, campaign: &CampaignRow) -> String {
        match self {
            VisitSource::NotReachedByPhone => {
                "電話で連絡がつかなかった方（電話番号のない方を含む）".into()
            }
            VisitSource::Arm(code) => {
                let label = serde_json::from_str::<crate::ArmDesign>(&campaign.design)
                    .ok()
                    .and_then(|d| d.arms.into_iter().find(|a| &a.code == code))
                    .map(|a| a.label)
                    .unwrap_or_else(|| code.clone());
                format!("割付群「{label}」")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewVisitList {
    pub campaign_id: i64,
    pub source: VisitSource,
    /// 町丁目 as [`itaku_jp::address::town_key`] gives them.
    pub areas: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaCount {
    pub area: String,
    pub count: i64,
}

/// One member as the list page shows them: no name, no address.
#[derive(Debug, Clone, Serialize)]
pub struct VisitTargetRowView {
    pub seq: i64,
    pub code: String,
    pub area: String,
    pub done: bool,
    pub visits: i64,
    pub last_outcome: String,
    pub contacted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitListView {
    pub id: i64,
    pub list_ref: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub source: String,
    pub source_label: String,
    pub areas: Vec<String>,
    pub members: i64,
    pub created_at: String,
    pub actor: String,
    pub visited: i64,
    pub done: i64,
    pub contacted: i64,
    pub prints: Vec<VisitPrintView>,
    pub handouts: Vec<HandoutView>,
    pub targets: Vec<VisitTargetRowView>,
}

/// Numbers compared as numbers: 西新宿1-2-3 before 西新宿1-10-1.
pub(crate) fn natural_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            out.push_str(&format!("{:0>8}", digits));
            digits.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

fn area_order(area: &str) -> String {
    natural_key(&itaku_jp::address::address_compare_key(area))
}

impl Service {
    /// The campaign (of the actor's contract) and the members `source`
    /// yields, with their 町丁目, read from the addresses in the vault.
    async fn candidates_by_area(
        &self,
        op: &mut Op<'_>,
        contract: ContractId,
        campaign_id: i64,
        source: &VisitSource,
    ) -> Result<(CampaignRow, Vec<(i64, String, String)>)> {
        let campaign = match op.tx.campaign(campaign_id).await? {
            Some(c) if c.contract_id == contract.0 => c,
            _ => return Err(ServiceError::not_found()),
        };
        let ids = op.tx.visit_candidates(campaign_id, &source.code()).await?;
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for p in self.open_persons(op, vault.id, &key, chunk).await? {
                let jusho = p.get(Item::Jusho).to_owned();
                let area = itaku_jp::address::town_key(&jusho);
                out.push((p.id, area, jusho));
            }
        }
        Ok((campaign, out))
    }

    /// The 町丁目 a new list could cover, with how many people in each.
    pub async fn visit_areas(
        &self,
        actor: &Actor,
        campaign_id: i64,
        source: &VisitSource,
    ) -> Result<Vec<AreaCount>> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, items(&[Item::Jusho]), "visit_list")
            .await?;
        let found = self
            .candidates_by_area(&mut op, contract, campaign_id, source)
            .await;
        let (_, people) = match found {
            Ok(x) => x,
            Err(e) => {
                op.finish(&[], &format!("campaign {campaign_id}: not found"))
                    .await?;
                return Err(e);
            }
        };
        let mut counts: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for (_, area, _) in &people {
            counts
                .entry(area_order(area))
                .or_insert_with(|| (area.clone(), 0))
                .1 += 1;
        }
        let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
        op.finish(
            &ids,
            &format!("campaign {campaign_id}: visit areas for {}", source.code()),
        )
        .await?;
        Ok(counts
            .into_values()
            .map(|(area, count)| AreaCount { area, count })
            .collect())
    }

    /// Freeze a visit list: the source's members living in `areas`, in
    /// 町丁目 then address order, each with a fresh visit code.
    pub async fn create_visit_list(&self, actor: &Actor, req: &NewVisitList) -> Result<i64> {
        let wanted: HashSet<&str> = req
            .areas
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .collect();
        if wanted.is_empty() {
            return Err(ServiceError::Invalid(
                "訪問する地区（町丁目）を選んでください".into(),
            ));
        }
        let (mut op, contract) = self
            .visit_op(actor, Action::Write, items(&[Item::Jusho]), "visit_list")
            .await?;
        let (campaign, people) = match self
            .candidates_by_area(&mut op, contract, req.campaign_id, &req.source)
            .await
        {
            Ok(x) => x,
            Err(e) => {
                op.finish(&[], &format!("campaign {}: not found", req.campaign_id))
                    .await?;
                return Err(e);
            }
        };
        if campaign.state == "closed" {
            return Err(ServiceError::Conflict(
                "終了した勧奨には訪問名簿を作れません".into(),
            ));
        }
        let mut chosen: Vec<(String, String, i64, String)> = people
            .into_iter()
            .filter(|(_, area, _)| wanted.contains(area.as_str()))
            .map(|(id, area, jusho)| {
                let key = natural_key(&itaku_jp::address::address_compare_key(&jusho));
                (area_order(&area), key, id, area)
            })
            .collect();
        if chosen.is_empty() {
            return Err(ServiceError::Invalid(
                "選んだ地区に訪問の対象者がいません（すでに訪問名簿に載っている方は除きます）"
                    .into(),
            ));
        }
        chosen.sort();
        let mut taken: HashSet<String> = op.tx.visit_codes(contract.0).await?.into_iter().collect();
        let codes = fresh_codes(chosen.len(), &mut taken);
        let targets: Vec<NewVisitTarget> = chosen
            .iter()
            .zip(&codes)
            .map(|((_, _, id, area), code)| NewVisitTarget {
                person_id: *id,
                code,
                area,
            })
            .collect();
        let mut areas: Vec<&str> = Vec::new();
        for (_, _, _, a) in &chosen {
            if !areas.contains(&a.as_str()) {
                areas.push(a);
            }
        }
        let now = op.now_ts();
        let actor_name = op.actor_label().to_owned();
        let id = op
            .tx
            .insert_visit_list(
                &VisitListRow {
                    id: 0,
                    contract_id: contract.0,
                    campaign_id: campaign.id,
                    source: req.source.code(),
                    areas: areas.join("\n"),
                    members: 0,
                    created_at: now,
                    created_by: op.actor_user(),
                    actor: actor_name,
                },
                &targets,
            )
            .await?;
        let ids: Vec<i64> = chosen.iter().map(|c| c.2).collect();
        op.finish(
            &ids,
            &format!(
                "visit list {id} created: campaign {}, {}, {} persons in {}",
                campaign.id,
                req.source.code(),
                ids.len(),
                areas.join("・")
            ),
        )
        .await?;
        Ok(id)
    }

    /// The contract's visit lists (no person data).
    pub async fn visit_lists(&self, actor: &Actor) -> Result<Vec<VisitListView>> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, Default::default(), "visit_list")
            .await?;
        let mut out = Vec::new();
        for row in op.tx.visit_lists(contract.0).await? {
            out.push(self.visit_list_view(&mut op, row, false).await?);
        }
        op.finish(&[], "visit lists").await?;
        Ok(out)
    }

    /// One list with its print register, 授受簿 and progress by code.
    pub async fn visit_list(&self, actor: &Actor, id: i64) -> Result<VisitListView> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, Default::default(), "visit_list")
            .await?;
        let row = match self.visit_list_row(&mut op, contract, id).await {
            Ok(r) => r,
            Err(e) => {
                op.finish(&[], &format!("visit list {id}: not found"))
                    .await?;
                return Err(e);
            }
        };
        let view = self.visit_list_view(&mut op, row, true).await?;
        op.finish(&[], &format!("visit list {id}")).await?;
        Ok(view)
    }

    async fn visit_list_view(
        &self,
        op: &mut Op<'_>,
        row: VisitListRow,
        full: bool,
    ) -> Result<VisitListView> {
        let campaign = op
            .tx
            .campaign(row.campaign_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let source = VisitSource::parse(&row.source)?;
        let targets = op.tx.visit_targets(row.id).await?;
        let now = op.now_ts();
        let (prints, handouts) = if full {
            let handouts = op.tx.handouts_of_list(row.id).await?;
            let prints = op
                .tx
                .visit_prints(row.id)
                .await?
                .into_iter()
                .map(|p| VisitPrintView::of(&p, &handouts))
                .collect::<Result<Vec<_>>>()?;
            let handouts = handouts
                .iter()
                .map(|h| HandoutView::of(h, &now))
                .collect::<Result<Vec<_>>>()?;
            (prints, handouts)
        } else {
            (Vec::new(), Vec::new())
        };
        let rows = if full {
            targets
                .iter()
                .map(|t| VisitTargetRowView {
                    seq: t.seq,
                    code: t.code.clone(),
                    area: t.area.clone(),
                    done: t.state == "done",
                    visits: t.visits,
                    last_outcome: t
                        .last_outcome
                        .as_deref()
                        .and_then(|o| VisitOutcome::parse(o).ok())
                        .map(|o| o.label().to_owned())
                        .unwrap_or_default(),
                    contacted: t.contacted != 0,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(VisitListView {
            id: row.id,
            list_ref: format!("L{:04}", row.id),
            campaign_id: row.campaign_id,
            source_label: source.label(&campaign),
            source: row.source,
            campaign_name: campaign.name,
            areas: row.areas.lines().map(str::to_owned).collect(),
            members: row.members,
            created_at: crate::time::jst_display(&row.created_at),
            actor: row.actor,
            visited: targets.iter().filter(|t| t.visits > 0).count() as i64,
            done: targets.iter().filter(|t| t.state == "done").count() as i64,
            contacted: targets.iter().filter(|t| t.contacted != 0).count() as i64,
            prints,
            handouts,
            targets: rows,
        })
    }

    /// The contract's campaigns a list can be drawn from, with the arms
    /// of each (code, label).
    pub async fn visit_campaigns(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(i64, String, Vec<(String, String)>)>> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, Default::default(), "campaign")
            .await?;
        let mut out = Vec::new();
        for c in op.tx.campaigns().await? {
            if c.contract_id != contract.0 || c.state == "closed" {
                continue;
            }
            let arms = serde_json::from_str::<crate::ArmDesign>(&c.design)
                .map(|d| d.arms.into_iter().map(|a| (a.code, a.label)).collect())
                .unwrap_or_default();
            out.push((c.id, c.name, arms));
        }
        op.finish(&[], "campaigns for visit lists").await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_sort_by_number_not_text() {
        let mut v = ["西新宿1-10-1", "西新宿1-2-3", "西新宿1-2-10"]
            .map(natural_key)
            .to_vec();
        v.sort();
        assert_eq!(
            v,
            ["西新宿1-2-3", "西新宿1-2-10", "西新宿1-10-1"].map(natural_key)
        );
        assert!(area_order("西新宿二丁目") < area_order("西新宿十丁目"));
    }

    #[test]
    fn sources_round_trip() {
        for s in [
            VisitSource::Arm("notice".into()),
            VisitSource::NotReachedByPhone,
        ] {
            assert_eq!(VisitSource::parse(&s.code()).unwrap(), s);
        }
        assert!(VisitSource::parse("arm:").is_err());
    }
}
