//! Notes held because they name what the contracts forbid collecting
//! (思想・信条・宗教, 社会的差別, 犯罪): the 責任者 reads each one and either
//! releases it (a false alarm) or deletes it. Until then no screen shows it
//! and no return carries it.

use super::record::note_aad;
use super::CallOutcome;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::{jst_display, ts};
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet, Role};
use itaku_policy::{Action, Scope};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct HeldCallNote {
    pub id: i64,
    pub campaign_id: i64,
    pub person_id: i64,
    pub at: String,
    pub operator: String,
    pub outcome: String,
    /// The kinds of forbidden data the screen found.
    pub flags: Vec<String>,
    pub note: String,
}

impl Service {
    async fn responsible_op(
        &self,
        actor: &Actor,
        action: Action,
    ) -> Result<(crate::op::Op<'_>, i64)> {
        let Some(contract) = actor.contract else {
            return Err(ServiceError::Invalid(
                "保留メモの確認は契約の取扱責任者が行います".into(),
            ));
        };
        let items: ItemSet = [Item::KanshoKekka].into_iter().collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(action, Scope::Contract(contract), "call_note").items(items),
            )
            .await?;
        let me = actor.user_id().map(|u| u.0).unwrap_or_default();
        let role = op.tx.user(me).await?.map(|u| u.role);
        if role.as_deref() != Some(Role::ContractorResponsible.code()) {
            op.finish(&[], "not the responsible person").await?;
            return Err(ServiceError::Denied(itaku_policy::Denial::RoleNotPermitted));
        }
        Ok((op, contract.0))
    }

    /// The held notes of the actor's contract, opened for the 責任者.
    pub async fn held_call_notes(&self, actor: &Actor) -> Result<Vec<HeldCallNote>> {
        let (mut op, contract) = self.responsible_op(actor, Action::Read).await?;
        let rows = op.tx.held_call_notes(contract).await?;
        let (vault, key) = self
            .vault(&mut op.tx, Some(itaku_core::ContractId(contract)))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(sealed) = &r.note else { continue };
            let plain = key.open(
                &note_aad(vault.id, r.campaign_id, r.person_id, r.user_id, &r.at),
                sealed,
            )?;
            out.push(HeldCallNote {
                id: r.id,
                campaign_id: r.campaign_id,
                person_id: r.person_id,
                at: jst_display(&r.at),
                operator: op
                    .tx
                    .user(r.user_id)
                    .await?
                    .map(|u| u.display_name)
                    .unwrap_or_default(),
                outcome: CallOutcome::parse(&r.outcome)
                    .map(|o| o.label().to_owned())
                    .unwrap_or(r.outcome.clone()),
                flags: crate::held_note::flag_labels(&r.note_flags),
                note: String::from_utf8(plain)
                    .map_err(|_| ServiceError::Internal("文字コード不正".into()))?,
            });
        }
        let ids: Vec<i64> = out.iter().map(|n| n.person_id).collect();
        op.finish(&ids, &format!("held notes={}", out.len()))
            .await?;
        Ok(out)
    }

    /// Release (`true`) or delete (`false`) one held note.
    pub async fn review_call_note(
        &self,
        actor: &Actor,
        attempt_id: i64,
        release: bool,
    ) -> Result<()> {
        let (mut op, contract) = self.responsible_op(actor, Action::Write).await?;
        let Some((owner, row)) = op.tx.call_attempt(attempt_id).await? else {
            op.finish(&[], "note not found").await?;
            return Err(ServiceError::not_found());
        };
        if owner != contract {
            op.finish(&[], "note not found").await?;
            return Err(ServiceError::not_found());
        }
        let state = if release { "released" } else { "deleted" };
        let me = actor.user_id().map(|u| u.0);
        if !op
            .tx
            .review_call_note(attempt_id, state, me, &ts(self.now()))
            .await?
        {
            return Err(ServiceError::Conflict("このメモは確認済みです".into()));
        }
        op.finish(&[row.person_id], &format!("note {attempt_id} {state}"))
            .await
    }
}
