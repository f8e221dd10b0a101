//! Segmentation of a campaign's members and each segment's message, with
//! every edit of a message kept as a new version.

use crate::campaigns::{CampaignState, SegmentCount, Side};
use crate::error::{Result, ServiceError};
use crate::message::check_template;
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_import::Segmentation;
use itaku_policy::Action;
use itaku_store::{CampaignColumn, MemberRow};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct TemplateVersion {
    pub segment: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub created_at: String,
}

impl Service {
    /// Sizes the segmentation would give, before it is applied.
    pub async fn preview_segmentation(
        &self,
        actor: &Actor,
        id: i64,
        s: &Segmentation,
    ) -> Result<Vec<SegmentCount>> {
        s.validate()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let (mut op, _) = self.campaign_op(actor, id, Action::Read, s.items()).await?;
        let members = op.tx.campaign_members(id).await?;
        let refs: Vec<&MemberRow> = members.iter().collect();
        let values = self.member_values(&mut op, Side::of(actor), &refs).await?;
        let counts = count(s, members.iter().map(|m| values.get(&m.person_id)));
        let ids: Vec<i64> = members.iter().map(|m| Side::of(actor).record(m)).collect();
        op.finish(&ids, &format!("campaign {id}: segmentation preview"))
            .await?;
        Ok(counts)
    }

    /// Put every member in a segment. Allowed until the first print; a
    /// new segmentation clears the arm assignment, which depended on it.
    pub async fn apply_segmentation(
        &self,
        actor: &Actor,
        id: i64,
        s: &Segmentation,
    ) -> Result<Vec<SegmentCount>> {
        s.validate()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Write, s.items())
            .await?;
        let state = CampaignState::parse(&row.state)?;
        if state > CampaignState::Assigned {
            return Err(ServiceError::Conflict(format!(
                "「{}」の勧奨は区分を変更できません",
                state.label()
            )));
        }
        let members = op.tx.campaign_members(id).await?;
        let refs: Vec<&MemberRow> = members.iter().collect();
        let values = self.member_values(&mut op, Side::of(actor), &refs).await?;
        let empty = BTreeMap::new();
        let assigned: Vec<(i64, &str)> = members
            .iter()
            .map(|m| {
                (
                    m.person_id,
                    s.assign(values.get(&m.person_id).unwrap_or(&empty)),
                )
            })
            .collect();
        op.tx.set_member_segments(id, &assigned).await?;
        op.tx
            .update_campaign(id, CampaignColumn::Segmentation, &s.to_toml())
            .await?;
        op.tx
            .update_campaign(id, CampaignColumn::Design, "")
            .await?;
        let counts = count(s, members.iter().map(|m| values.get(&m.person_id)));
        let summary: Vec<String> = counts
            .iter()
            .map(|c| format!("{} {}人", c.name, c.count))
            .collect();
        self.campaign_event(
            &mut op,
            id,
            Some(state),
            CampaignState::Segmented,
            &summary.join("、"),
        )
        .await?;
        let ids: Vec<i64> = members.iter().map(|m| Side::of(actor).record(m)).collect();
        op.finish(
            &ids,
            &format!("campaign {id}: segmented ({})", summary.join(", ")),
        )
        .await?;
        Ok(counts)
    }

    /// Save a new version of a segment's message.
    pub async fn save_template(
        &self,
        actor: &Actor,
        id: i64,
        segment: &str,
        title: &str,
        body: &str,
    ) -> Result<i64> {
        check_template(title, body)?;
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Write, ItemSet::new())
            .await?;
        if CampaignState::parse(&row.state)? == CampaignState::Closed {
            return Err(ServiceError::Conflict(
                "終了した勧奨の文面は変更できません".into(),
            ));
        }
        let known = Segmentation::from_toml(&row.segmentation)
            .map(|s| s.codes_and_names().into_iter().any(|(c, _)| c == segment))
            .unwrap_or(false);
        if !known {
            return Err(ServiceError::Invalid(format!(
                "区分「{segment}」はこの勧奨にありません。先に区分を確定してください"
            )));
        }
        let now = op.now_ts();
        let by = op.actor_user();
        let version = op
            .tx
            .insert_template(id, segment, title.trim(), body.trim(), by, &now)
            .await?;
        op.finish(
            &[],
            &format!("campaign {id}: template {segment} v{version}"),
        )
        .await?;
        Ok(version)
    }

    /// Every version of every segment's message, newest first.
    pub async fn templates(&self, actor: &Actor, id: i64) -> Result<Vec<TemplateVersion>> {
        let (mut op, _) = self
            .campaign_op(actor, id, Action::Read, ItemSet::new())
            .await?;
        let rows = op.tx.templates(id).await?;
        op.finish(&[], &format!("campaign {id}: templates")).await?;
        Ok(rows
            .into_iter()
            .map(|t| TemplateVersion {
                segment: t.segment,
                version: t.version,
                title: t.title,
                body: t.body,
                created_at: t.created_at,
            })
            .collect())
    }
}

fn count<'a>(
    s: &Segmentation,
    values: impl Iterator<Item = Option<&'a BTreeMap<itaku_core::Item, String>>>,
) -> Vec<SegmentCount> {
    let empty = BTreeMap::new();
    let mut n: BTreeMap<String, i64> = BTreeMap::new();
    for v in values {
        *n.entry(s.assign(v.unwrap_or(&empty)).to_owned())
            .or_default() += 1;
    }
    s.codes_and_names()
        .into_iter()
        .map(|(code, name)| SegmentCount {
            count: n.get(&code).copied().unwrap_or(0),
            code,
            name,
        })
        .collect()
}
