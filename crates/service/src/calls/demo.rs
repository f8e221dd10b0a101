//! The demo's contact work: a second postcard campaign on the demo
//! contract's list, segmented and randomised, with the call arm's list
//! open and a visit list for those without a phone. Calling hours in the demo are every day, all day, holidays
//! included, so whoever tries the demo can call at once; the page says so.

use super::{CallRules, Hours};
use crate::campaigns::{CampaignKind, NewCampaign};
use crate::error::{Result, ServiceError};
use crate::{Actor, ArmRequest, Service};

const DEMO_SEED: &str = "6974616b752064656d6f2063616c6c7300000000000000000000000000000000";

impl Service {
    /// Set up the demo call list on `contract_id`'s list; returns the
    /// campaign's id.
    pub async fn seed_demo_calls(&self, contract_id: i64) -> Result<i64> {
        let sys = Actor::system("デモ区の電話勧奨");
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
                    name: first
                        .name
                        .replace("（はがき＋電話）", "（電話勧奨の効果検証）"),
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
        let (_, _, seg) = itaku_import::segmentation_presets(fy)
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::Internal("区分の既定がありません".into()))?;
        self.apply_segmentation(&sys, id, &seg).await?;
        // A fixed seed: the demo's allocation is the same on every machine.
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

        // A visit list for the first two 町丁目 of those without a phone,
        // ready for the visitors to print.
        let homon = sys.clone().in_contract(
            itaku_core::ContractId(contract_id),
            Some("homon_kansho".into()),
        );
        let source = crate::visits::VisitSource::NotReachedByPhone;
        let areas = self.visit_areas(&homon, id, &source).await?;
        if !areas.is_empty() {
            self.create_visit_list(
                &homon,
                &crate::visits::NewVisitList {
                    campaign_id: id,
                    source,
                    areas: areas.iter().take(2).map(|a| a.area.clone()).collect(),
                },
            )
            .await?;
        }
        Ok(id)
    }
}
