//! Randomised arms (seeds 001, 002): who gets only the postcard and who
//! also gets a call. Stratified permuted blocks (strata: segment × age band
//! × sex) on a named generator with a stored seed, so the allocation can be
//! recomputed by anyone from what is stored; see `itaku_analysis`.

use crate::campaigns::{CampaignState, Side};
use crate::error::{Result, ServiceError};
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_analysis::{
    age_band, allocate, Allocation, AllocationRow, Arm, Design, Seed, StratumKey, Unit,
};
use itaku_core::{Item, ItemSet};
use itaku_policy::Action;
use itaku_store::{CampaignColumn, MemberAllocation, MemberRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// Only members with a phone number are randomised (the call is the
    /// intervention); the rest get the postcard and no arm.
    Callable,
    /// Everyone is randomised.
    All,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArmSpec {
    pub code: String,
    pub label: String,
    pub weight: u32,
}

/// The design as stored with the campaign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArmDesign {
    pub arms: Vec<ArmSpec>,
    pub block_multiplier: u32,
    pub seed: String,
    pub rng: String,
    pub eligibility: Eligibility,
    pub method: String,
}

#[derive(Debug, Clone)]
pub struct ArmRequest {
    pub arms: Vec<ArmSpec>,
    pub block_multiplier: u32,
    /// 64 hex digits; None draws a fresh seed from the OS.
    pub seed: Option<String>,
    pub eligibility: Eligibility,
}

impl ArmRequest {
    /// 通知のみ / 通知＋電話, 1:1 in blocks of 4, among callable members.
    pub fn notice_and_call() -> Self {
        Self {
            arms: vec![
                ArmSpec {
                    code: "notice".into(),
                    label: "通知のみ".into(),
                    weight: 1,
                },
                ArmSpec {
                    code: "notice_call".into(),
                    label: "通知＋電話".into(),
                    weight: 1,
                },
            ],
            block_multiplier: 2,
            seed: None,
            eligibility: Eligibility::Callable,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StratumRow {
    pub stratum: String,
    pub counts: Vec<u64>,
    pub not_randomised: u64,
    pub max_imbalance: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    pub design: ArmDesign,
    pub arm_labels: Vec<String>,
    pub arm_counts: Vec<u64>,
    pub not_randomised: u64,
    pub strata: Vec<StratumRow>,
    pub srm_method: String,
    pub srm_chi2: f64,
    pub srm_p: f64,
    pub srm_mismatch: bool,
    /// Recomputed from the seed and compared with the stored table.
    pub reproduced: bool,
}

fn design_of(d: &ArmDesign) -> Result<Design> {
    let seed = Seed::from_hex(&d.seed).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    Ok(Design::new(
        d.arms
            .iter()
            .map(|a| Arm::new(a.code.clone(), a.label.clone(), a.weight))
            .collect(),
        d.block_multiplier,
        seed,
    ))
}

/// Age band on March 31 of the campaign's fiscal year; 不明 without a date.
fn band(values: Option<&BTreeMap<Item, String>>, fiscal_year: i64) -> String {
    values
        .and_then(|v| v.get(&Item::Seinengappi))
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .map(|b| {
            let fy = itaku_jp::FiscalYear::new(fiscal_year as i32);
            age_band(itaku_jp::age_at_fiscal_year_end(b, fy))
        })
        .unwrap_or_else(|| "不明".into())
}

fn report(d: ArmDesign, members: &[MemberRow]) -> Result<ArmReport> {
    let design = design_of(&d)?;
    let rows: Vec<AllocationRow> = members
        .iter()
        .filter_map(|m| {
            let stratum = StratumKey::new(m.stratum.clone()?);
            let arm = m
                .arm
                .as_ref()
                .and_then(|a| d.arms.iter().position(|x| &x.code == a));
            Some(AllocationRow {
                person_id: m.person_id,
                stratum,
                arm,
                block: m.block_no.unwrap_or(0) as u32,
                position: m.block_pos.unwrap_or(0) as u32,
            })
        })
        .collect();
    let mut sorted = rows.clone();
    sorted
        .sort_by(|a, b| (a.stratum.as_str(), a.person_id).cmp(&(b.stratum.as_str(), b.person_id)));
    let alloc = Allocation {
        design,
        rows: sorted,
    };
    let srm = alloc.sample_ratio_check();
    let strata = alloc
        .balance()
        .into_iter()
        .map(|b| StratumRow {
            stratum: b.stratum.as_str().to_owned(),
            counts: b.counts,
            not_randomised: b.not_randomised,
            max_imbalance: b.max_imbalance,
        })
        .collect();
    Ok(ArmReport {
        arm_labels: d.arms.iter().map(|a| a.label.clone()).collect(),
        arm_counts: alloc.arm_counts(),
        not_randomised: alloc.rows.iter().filter(|r| r.arm.is_none()).count() as u64,
        strata,
        srm_method: srm.method,
        srm_chi2: srm.chi2,
        srm_p: srm.p_value,
        srm_mismatch: srm.mismatch,
        reproduced: alloc.verify().is_ok(),
        design: d,
    })
}

impl Service {
    /// Assign every segmented member to an arm (or to none) and store the
    /// whole allocation table with the design and seed.
    pub async fn assign_arms(&self, actor: &Actor, id: i64, req: &ArmRequest) -> Result<ArmReport> {
        let seed = match &req.seed {
            Some(s) if !s.trim().is_empty() => {
                Seed::from_hex(s.trim()).map_err(|e| ServiceError::Invalid(e.to_string()))?
            }
            _ => Seed::from_bytes(itaku_crypto::random_bytes::<32>()),
        };
        let items: ItemSet = [Item::Seinengappi, Item::Seibetsu].into_iter().collect();
        let (mut op, row) = self.campaign_op(actor, id, Action::Write, items).await?;
        let state = CampaignState::parse(&row.state)?;
        if !matches!(state, CampaignState::Segmented | CampaignState::Assigned) {
            return Err(ServiceError::Conflict(format!(
                "割付は区分の確定後、印刷の前に行います（現在: {}）",
                state.label()
            )));
        }
        let members = op.tx.campaign_members(id).await?;
        let refs: Vec<&MemberRow> = members.iter().collect();
        let side = Side::of(actor);
        let values = self.member_values(&mut op, side, &refs).await?;
        let mut units = Vec::with_capacity(members.len());
        for m in &members {
            let v = values.get(&m.person_id);
            let sex = v
                .and_then(|v| v.get(&Item::Seibetsu))
                .map(String::as_str)
                .unwrap_or("不明");
            let stratum = StratumKey::from_parts(
                m.segment.as_deref().unwrap_or("other"),
                &band(v, row.fiscal_year),
                sex,
            )
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            units.push(Unit {
                person_id: m.person_id,
                stratum,
                eligible: req.eligibility == Eligibility::All || m.callable != 0,
            });
        }
        let design = Design::new(
            req.arms
                .iter()
                .map(|a| Arm::new(a.code.trim(), a.label.trim(), a.weight))
                .collect(),
            req.block_multiplier,
            seed,
        );
        let alloc = allocate(&design, &units).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let stored: Vec<MemberAllocation> = alloc
            .rows
            .iter()
            .map(|r| MemberAllocation {
                person_id: r.person_id,
                stratum: r.stratum.as_str(),
                arm: r.arm.map(|i| design.arms[i].code.as_str()),
                block_no: i64::from(r.block),
                block_pos: i64::from(r.position),
            })
            .collect();
        op.tx.set_member_allocations(id, &stored).await?;
        let d = ArmDesign {
            arms: req.arms.clone(),
            block_multiplier: req.block_multiplier,
            seed: design.seed.to_hex(),
            rng: design.rng.to_string(),
            eligibility: req.eligibility,
            method: design.describe(),
        };
        let json = serde_json::to_string(&d).map_err(|e| ServiceError::Internal(e.to_string()))?;
        op.tx
            .update_campaign(id, CampaignColumn::Design, &json)
            .await?;
        let counts = alloc.arm_counts();
        let summary: Vec<String> = d
            .arms
            .iter()
            .zip(&counts)
            .map(|(a, n)| format!("{} {n}人", a.label))
            .collect();
        let note = format!("{}（seed {}）", summary.join("、"), d.seed);
        self.campaign_event(&mut op, id, Some(state), CampaignState::Assigned, &note)
            .await?;
        let ids: Vec<i64> = members.iter().map(|m| side.record(m)).collect();
        op.finish(&ids, &format!("campaign {id}: arms assigned, {note}"))
            .await?;
        let members = {
            let mut tx = self.inner.store.begin().await?;
            let m = tx.campaign_members(id).await?;
            tx.rollback().await?;
            m
        };
        report(d, &members)
    }

    /// The stored allocation: per-stratum balance, the sample-ratio check,
    /// and whether the seed reproduces the table. No person data.
    pub async fn arm_report(&self, actor: &Actor, id: i64) -> Result<Option<ArmReport>> {
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Read, ItemSet::new())
            .await?;
        if row.design.is_empty() {
            op.finish(&[], &format!("campaign {id}: arm report"))
                .await?;
            return Ok(None);
        }
        let d: ArmDesign =
            serde_json::from_str(&row.design).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let members = op.tx.campaign_members(id).await?;
        op.finish(&[], &format!("campaign {id}: arm report"))
            .await?;
        report(d, &members).map(Some)
    }
}
