//! The contractor's aggregation: an audited read of the responses,
//! aggregated with small cells suppressed; the exports; and marking the
//! aggregation done, which keeps a sealed copy of the aggregate (until the
//! return deletes it) and reports 集計完了 to the retention rules.

use super::aggregate::{aggregate, cross_tab, Aggregate, CrossTab};
use super::build::{anketo_items, contract_of};
use super::export::aggregate_csv;
use super::{answers_aad, load, open_json, seal_json, Answers, QuestionnaireView};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::retention::RetentionEvent;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};
use itaku_store::QuestionnaireRow;

/// The aggregate and the cross tabs asked for.
#[derive(Debug, Clone)]
pub struct Results {
    pub definition: QuestionnaireView,
    pub aggregate: Aggregate,
    pub cross_tabs: Vec<CrossTab>,
}

impl Service {
    /// Every response of a questionnaire, opened (channel, answers).
    pub(crate) async fn open_responses(
        &self,
        op: &mut Op<'_>,
        q: &QuestionnaireRow,
    ) -> Result<Vec<(String, Answers)>> {
        let key = self.questionnaire_key(q)?;
        let aad = answers_aad(q.id, "response");
        op.tx
            .responses(q.id)
            .await?
            .into_iter()
            .map(|r| Ok((r.channel, open_json(&key, &aad, &r.answers)?)))
            .collect()
    }

    /// Aggregate a questionnaire (with cross tabs of the given question
    /// pairs), cells under `threshold` suppressed. An audited read of
    /// every response.
    pub async fn questionnaire_results(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        pairs: &[(i64, i64)],
        threshold: u64,
    ) -> Result<Results> {
        if !(2..=100).contains(&threshold) {
            return Err(ServiceError::Invalid(
                "秘匿の基準は 2〜100 人で指定してください".into(),
            ));
        }
        let cid = contract_of(actor)?;
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(cid), "questionnaire_response")
                    .items(anketo_items()),
            )
            .await?;
        let (q, def) = load(&mut op, questionnaire_id, Some(cid.0)).await?;
        let responses = self.open_responses(&mut op, &q).await?;
        let agg = aggregate(&def, &responses, threshold);
        let plain: Vec<Answers> = responses.into_iter().map(|(_, a)| a).collect();
        let tabs = pairs
            .iter()
            .filter_map(|(r, c)| cross_tab(&def, &plain, *r, *c, threshold))
            .collect();
        op.finish(
            &[],
            &format!(
                "questionnaire {} aggregated: {} responses",
                q.id,
                plain.len()
            ),
        )
        .await?;
        Ok(Results {
            definition: def,
            aggregate: agg,
            cross_tabs: tabs,
        })
    }

    /// The published aggregate as CP932 CSV (suppressed counts and the
    /// screened free text; never a response as such).
    pub async fn questionnaire_csv(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        pairs: &[(i64, i64)],
        threshold: u64,
    ) -> Result<Vec<u8>> {
        let r = self
            .questionnaire_results(actor, questionnaire_id, pairs, threshold)
            .await?;
        aggregate_csv(&r.aggregate, &r.cross_tabs)
    }

    /// The published aggregate as a PDF with its charts.
    pub async fn questionnaire_pdf(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        pairs: &[(i64, i64)],
        threshold: u64,
    ) -> Result<Vec<u8>> {
        let r = self
            .questionnaire_results(actor, questionnaire_id, pairs, threshold)
            .await?;
        self.aggregate_pdf(&r.aggregate, &r.cross_tabs)
    }

    /// The contractor reports the aggregation done (the questionnaire must
    /// be closed): the aggregate is kept sealed as the contractor's copy,
    /// and 集計完了 (`aggregation_done`) is reported to the contract's
    /// retention rules, which schedule the return and deletion. The ids of
    /// the jobs scheduled.
    pub async fn mark_aggregation_done(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
    ) -> Result<Vec<i64>> {
        let cid = contract_of(actor)?;
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let (q, def) = load(&mut op, questionnaire_id, Some(cid.0)).await?;
        if q.status != "closed" {
            return Err(ServiceError::Conflict(
                "回答の受付を締め切ってから集計完了にしてください".into(),
            ));
        }
        let responses = self.open_responses(&mut op, &q).await?;
        let agg = aggregate(&def, &responses, super::DEFAULT_THRESHOLD);
        let key = self.questionnaire_key(&q)?;
        let sealed = seal_json(&key, &answers_aad(q.id, "aggregate"), &agg)?;
        op.tx
            .set_questionnaire_aggregate(q.id, Some(&sealed))
            .await?;
        let now = op.now_ts();
        op.tx
            .set_questionnaire_status(q.id, "closed", "aggregated", Some("aggregated_at"), &now)
            .await?;
        op.finish(
            &[],
            &format!(
                "questionnaire {}: aggregation done ({} responses)",
                q.id,
                responses.len()
            ),
        )
        .await?;
        // Only the ward administers retention; the report is the system's,
        // naming the questionnaire that caused it.
        let sys = Actor::system(format!("アンケート {} の集計完了の報告", q.id));
        self.retention_event(
            &sys,
            cid.0,
            &RetentionEvent::parse("aggregation_done")?,
            self.now(),
        )
        .await
    }
}
