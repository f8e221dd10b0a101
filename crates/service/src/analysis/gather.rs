//! One campaign's analysis inputs, read in one audited operation under the
//! analysis purpose: each randomised member's arm, segment and stratum, the
//! contact outcome (a call or a visit that reached the person), returned
//! mail, and — opened from the vault — 生年月日, 性別 and 健診結果 (受診日
//! and 健診種別 travel inside it).

use crate::arms::ArmDesign;
use crate::campaigns::Side;
use crate::error::{Result, ServiceError};
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_analysis::effect::{Group, PersonRow, Sex};
use itaku_core::{Item, ItemSet};
use itaku_import::Segmentation;
use itaku_policy::Action;
use std::collections::HashSet;

/// What was read, person by person (same order in every vector).
#[derive(Debug, Clone, Default)]
pub(crate) struct Gathered {
    pub campaign_name: String,
    pub fiscal_year: i32,
    pub control_label: String,
    pub treated_label: String,
    /// Design weights (control, treated).
    pub weights: (u32, u32),
    pub rows: Vec<PersonRow>,
    /// 受診日 of those who attended in the follow-up window.
    pub attended_on: Vec<Option<NaiveDate>>,
    pub returned: Vec<bool>,
    /// Allocation stratum (segment × age band × sex).
    pub strata: Vec<String>,
    /// Members not randomised (no arm), left out of every comparison.
    pub not_randomised: u64,
    /// Randomised members left out because 生年月日 or 性別 is missing.
    pub incomplete: u64,
    /// First and last day counted as attendance.
    pub window: (NaiveDate, NaiveDate),
}

/// The items the analysis opens: nothing else leaves the vault.
pub(crate) fn analysis_items() -> ItemSet {
    [Item::KenshinKekka, Item::Seinengappi, Item::Seibetsu]
        .into_iter()
        .collect()
}

/// 受診日 from a 健診結果 JSON, if it has one.
fn screening_date(json: &str) -> Option<NaiveDate> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    NaiveDate::parse_from_str(v.get("jushin_bi")?.as_str()?, "%Y-%m-%d").ok()
}

impl Service {
    pub(crate) async fn gather_analysis(&self, actor: &Actor, id: i64) -> Result<Gathered> {
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Read, analysis_items())
            .await?;
        if row.design.is_empty() {
            op.finish(&[], &format!("campaign {id}: analysis, no arms"))
                .await?;
            return Err(ServiceError::Invalid(
                "この勧奨はまだ群に割り付けられていないため、効果を分析できません".into(),
            ));
        }
        let design: ArmDesign =
            serde_json::from_str(&row.design).map_err(|e| ServiceError::Internal(e.to_string()))?;
        if design.arms.len() != 2 {
            op.finish(&[], &format!("campaign {id}: analysis, not two arms"))
                .await?;
            return Err(ServiceError::Invalid(format!(
                "効果分析は 2 群の比較です（この勧奨は {} 群）",
                design.arms.len()
            )));
        }
        // The called arm is the call plan's; without one, the arm named
        // notice_call, else the second arm.
        let called = match op.tx.call_plan(id).await? {
            Some(p) => p.arm,
            None => design
                .arms
                .iter()
                .find(|a| a.code == "notice_call")
                .unwrap_or(&design.arms[1])
                .code
                .clone(),
        };
        let (treated, control) = if design.arms[1].code == called {
            (&design.arms[1], &design.arms[0])
        } else {
            (&design.arms[0], &design.arms[1])
        };
        let segmentation = Segmentation::from_toml(&row.segmentation).ok();
        let fy = itaku_jp::FiscalYear::new(i32::try_from(row.fiscal_year).unwrap_or(2026));
        let window = (fy.start(), fy.end());
        let members = op.tx.campaign_members(id).await?;
        let randomised: Vec<_> = members.iter().filter(|m| m.arm.is_some()).collect();
        let side = Side::of(actor);
        let values = self.member_values(&mut op, side, &randomised).await?;
        let mut reached: HashSet<i64> = HashSet::new();
        for m in &randomised {
            if let Some(t) = op.tx.call_target(id, m.person_id).await? {
                if t.contacted != 0 {
                    reached.insert(m.person_id);
                }
            }
        }
        for list in op.tx.visit_lists(row.contract_id).await? {
            if list.campaign_id != id {
                continue;
            }
            for t in op.tx.visit_targets(list.id).await? {
                if t.contacted != 0 {
                    reached.insert(t.person_id);
                }
            }
        }
        let mut g = Gathered {
            campaign_name: row.name.clone(),
            fiscal_year: fy.start_year(),
            control_label: control.label.clone(),
            treated_label: treated.label.clone(),
            weights: (control.weight, treated.weight),
            not_randomised: (members.len() - randomised.len()) as u64,
            window,
            ..Gathered::default()
        };
        let empty = std::collections::BTreeMap::new();
        let mut ids = Vec::with_capacity(randomised.len());
        for m in &randomised {
            let v = values.get(&m.person_id).unwrap_or(&empty);
            let birth = v
                .get(&Item::Seinengappi)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            let sex = match v.get(&Item::Seibetsu).map(String::as_str) {
                Some("1") => Some(Sex::Male),
                Some("2") => Some(Sex::Female),
                _ => None,
            };
            let (Some(birth), Some(sex)) = (birth, sex) else {
                g.incomplete += 1;
                continue;
            };
            let on = v
                .get(&Item::KenshinKekka)
                .and_then(|j| screening_date(j))
                .filter(|d| *d >= window.0 && *d <= window.1);
            let code = m.segment.as_deref().unwrap_or("other");
            let segment = segmentation
                .as_ref()
                .map_or_else(|| code.to_owned(), |s| s.name_of(code));
            g.rows.push(PersonRow {
                group: if m.arm.as_deref() == Some(treated.code.as_str()) {
                    Group::Treated
                } else {
                    Group::Control
                },
                age: f64::from(itaku_jp::age_at_fiscal_year_end(birth, fy)),
                sex,
                segment,
                attended: on.is_some(),
                reached: reached.contains(&m.person_id),
            });
            g.attended_on.push(on);
            g.returned.push(m.returned_at.is_some());
            g.strata.push(m.stratum.clone().unwrap_or_default());
            ids.push(side.record(m));
        }
        op.finish(
            &ids,
            &format!(
                "campaign {id}: effect analysis of {} persons (健診結果・生年月日・性別)",
                ids.len()
            ),
        )
        .await?;
        Ok(g)
    }
}
