//! The demo's analysed campaign: segmented, randomised, the call arm called
//! by the demo's operator through the real call screen's operations, and
//! screening results from the ward with a known effect of the call planted
//! in some segments and none in others — imported through the shipped
//! results profile and handed to the contract like real ones.

use crate::calls::{CallOutcome, CallReport, CallRules, Hours, NextCall};
use crate::campaigns::{CampaignKind, NewCampaign};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, ArmRequest, Service};
use itaku_core::{ContractId, Item, ItemSet, UserId};
use itaku_policy::{Action, Scope};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

const DEMO_SEED: &str = "6974616b752064656d6f20616e616c7973697300000000000000000000000000";

/// Attendance without a call, and what reaching someone by phone adds, by
/// segment code (the age-decade segmentation of seed 002): the call works
/// for people in their 50s and 60s, not in their 40s or 70s. This is the
/// truth the report should recover.
pub const DEMO_EFFECTS: [(&str, f64, f64); 4] = [
    ("age40s", 0.15, 0.0),
    ("age50s", 0.20, 0.30),
    ("age60s", 0.30, 0.20),
    ("other", 0.40, 0.0),
];

impl Service {
    /// Create and fill the demo's analysed campaign on `contract_id`, whose
    /// calls are made by the demo's 電話勧奨 handler (mirai-denwa); returns
    /// its id. `itaku demo` runs it after `seed_demo`; tests that need the
    /// report call it themselves.
    pub async fn seed_demo_analysis(&self, contract_id: i64) -> Result<i64> {
        let sys = Actor::system("デモ区の効果分析");
        let caller = self
            .user_id_by_login("mirai-denwa")
            .await?
            .ok_or_else(|| ServiceError::Conflict("デモの電話勧奨担当がいません".into()))?;
        let first = self
            .campaigns(&sys)
            .await?
            .into_iter()
            .find(|c| c.contract_id == contract_id && c.kind == CampaignKind::Postcard)
            .ok_or_else(|| ServiceError::Conflict("デモの勧奨がありません".into()))?;
        let id = self
            .create_campaign(
                &sys,
                &NewCampaign {
                    name: first.name.replace("（はがき＋電話）", "（効果分析の例）"),
                    kind: CampaignKind::Postcard,
                    contract_id,
                    purpose: first.purpose.clone(),
                    list_id: first.list_id,
                    deadline: first.deadline,
                    desk_phone: first.desk_phone.clone(),
                    clinics: first.clinics.clone(),
                },
            )
            .await?;
        let fy = first.fiscal_year as i32;
        // By age decade (seed 002's letters): every segment large enough to
        // publish, unlike the screening-pattern segments of a list of
        // non-attenders, where 受診中断 is a handful of people.
        let (_, _, seg) = itaku_import::segmentation_presets(fy)
            .into_iter()
            .find(|p| p.0 == "decade")
            .ok_or_else(|| ServiceError::Internal("区分の既定がありません".into()))?;
        self.apply_segmentation(&sys, id, &seg).await?;
        let arms = ArmRequest {
            seed: Some(DEMO_SEED.into()),
            ..ArmRequest::notice_and_call()
        };
        self.assign_arms(&sys, id, &arms).await?;
        let all_day = Some(Hours {
            from: 0,
            until: 24 * 60,
        });
        let rules = CallRules {
            hours: [all_day; 7],
            observe_holidays: false,
            ..CallRules::default()
        };
        self.open_call_list(&sys, id, "notice_call", &rules).await?;
        self.demo_make_calls(contract_id, caller, id).await?;
        self.demo_results(&sys, id, fy).await?;
        self.provide_screening_results(&sys, id).await?;
        Ok(id)
    }

    /// The operator works through the call list: about two in three are
    /// reached (said they would go), the rest had a wrong number.
    async fn demo_make_calls(&self, contract_id: i64, caller: i64, id: i64) -> Result<()> {
        let op = Actor::user(
            UserId(caller),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "demo-analysis",
        )
        .in_contract(ContractId(contract_id), Some("denwa_kansho".into()));
        loop {
            let card = match self.next_call(&op, id).await? {
                NextCall::Card(card) => card,
                _ => break,
            };
            let person = card.person_id;
            let reached = (person.wrapping_mul(2_654_435_761) >> 7) % 3 != 0;
            let report = CallReport {
                outcome: if reached {
                    CallOutcome::Intends
                } else {
                    CallOutcome::WrongNumber
                },
                reasons: Vec::new(),
                requests: Vec::new(),
                note: String::new(),
                callback_at: None,
                callback_to_me: false,
            };
            self.record_call(&op, id, person, &report).await?;
        }
        Ok(())
    }

    /// The ward's results file for the campaign's members, drawn with the
    /// planted effects, imported through the shipped results profile.
    async fn demo_results(&self, sys: &Actor, id: i64, fy: i32) -> Result<()> {
        let items: ItemSet = [Item::JushinkenNo].into_iter().collect();
        let mut op = self
            .begin(
                sys,
                OpRequest::new(Action::Read, Scope::Ward, "person").items(items),
            )
            .await?;
        let members = op.tx.campaign_members(id).await?;
        let mut reached = HashMap::new();
        for m in &members {
            let hit = op
                .tx
                .call_target(id, m.person_id)
                .await?
                .is_some_and(|t| t.contacted != 0);
            reached.insert(m.ward_person_id, hit);
        }
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let ids: Vec<i64> = members.iter().map(|m| m.ward_person_id).collect();
        let mut numbers = HashMap::new();
        for chunk in ids.chunks(500) {
            for p in self.open_persons(&mut op, vault.id, &key, chunk).await? {
                if let Some(no) = p.values.get(&Item::JushinkenNo) {
                    numbers.insert(p.id, no.clone());
                }
            }
        }
        op.finish(
            &ids,
            &format!("campaign {id}: demo screening results drawn"),
        )
        .await?;
        let targets: Vec<(String, f64)> = members
            .iter()
            .filter_map(|m| {
                let no = numbers.get(&m.ward_person_id)?;
                let code = m.segment.as_deref().unwrap_or("other");
                let (_, base, lift) = DEMO_EFFECTS
                    .iter()
                    .find(|e| e.0 == code)
                    .copied()
                    .unwrap_or(DEMO_EFFECTS[3]);
                let called = reached.get(&m.ward_person_id).copied().unwrap_or(false);
                Some((no.clone(), base + if called { lift } else { 0.0 }))
            })
            .collect();
        // Screenings from June 1 up to today (none in the future).
        let from = chrono::NaiveDate::from_ymd_opt(fy, 6, 1).unwrap_or_default();
        let today = crate::time::jst_date(self.now());
        let until = if today > from + chrono::Duration::days(30) {
            today
        } else {
            from + chrono::Duration::days(30)
        };
        let rows = itaku_synth::screening_results(20_260_601 + id as u64, from, until, &targets);
        let mut csv = Vec::new();
        itaku_synth::write_results_csv(&mut csv, &rows)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let profile = itaku_import::Profile::from_toml(itaku_import::SCREENING_RESULTS_PROFILE.1)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.import_screening_results(sys, &profile, &csv[..], false)
            .await?;
        Ok(())
    }
}
