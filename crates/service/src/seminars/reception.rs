//! Reception on the day (当日の受付): the check-in list of a session, the
//! QR code scanned with a phone, check-in by name, undo of a mistake. The
//! reception handler sees 氏名 only, and every look at a name is audited.

use super::events::own_event;
use super::keys::{event_key, open_name, query_keys};
use super::register::RegistrationStatus;
use super::PURPOSE_UKETSUKE;
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::{CheckinRow, RegistrationRow};
use serde::Serialize;

/// How a check-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckinMethod {
    Qr,
    Name,
}

impl CheckinMethod {
    pub fn code(self) -> &'static str {
        match self {
            CheckinMethod::Qr => "qr",
            CheckinMethod::Name => "name",
        }
    }
}

/// One line of the check-in list.
#[derive(Debug, Clone, Serialize)]
pub struct AttendeeView {
    pub registration_id: i64,
    pub event_id: i64,
    pub session_id: i64,
    pub session_label: String,
    pub name: String,
    pub status: RegistrationStatus,
    /// Standing check-in: when and by whom.
    pub checked_in_at: Option<String>,
    pub checked_in_by: Option<String>,
}

impl Service {
    async fn reception_op(
        &self,
        actor: &Actor,
        action: Action,
        items: ItemSet,
    ) -> Result<(Op<'_>, i64)> {
        let Some(c) = actor.contract else {
            return Err(ServiceError::Invalid(
                "受付は委託契約の業務の中で行います".into(),
            ));
        };
        let mut actor = actor.clone();
        actor.purpose = Some(PURPOSE_UKETSUKE.into());
        let op = self
            .begin(
                &actor,
                OpRequest::new(action, Scope::Contract(c), "seminar_registration").items(items),
            )
            .await?;
        Ok((op, c.0))
    }

    /// The check-in list of one session (names: audited read).
    pub async fn checkin_list(
        &self,
        actor: &Actor,
        event_id: i64,
        session_id: i64,
    ) -> Result<Vec<AttendeeView>> {
        let (mut op, cid) = self.reception_op(actor, Action::Read, shimei()).await?;
        let rows = op.tx.registrations_of_session(session_id).await?;
        let out = self
            .attendees(&mut op, cid, event_id, session_id, rows)
            .await?;
        let ids: Vec<i64> = out.iter().map(|a| a.registration_id).collect();
        op.finish(&ids, &format!("check-in list of session {session_id}"))
            .await?;
        Ok(out)
    }

    /// Registrations of a session whose name matches `query` (two or more
    /// characters; folded like itaku_jp::search_key), by blind index.
    pub async fn search_attendees(
        &self,
        actor: &Actor,
        event_id: i64,
        session_id: i64,
        query: &str,
    ) -> Result<Vec<AttendeeView>> {
        let (mut op, cid) = self.reception_op(actor, Action::Search, shimei()).await?;
        let ev = own_event(&mut op.tx, cid, event_id).await?;
        let key = event_key(self, &ev)?;
        let Some(keys) = query_keys(&key, query) else {
            return Err(ServiceError::Invalid(
                "お名前を 2 文字以上入力してください".into(),
            ));
        };
        let rows = op.tx.registrations_matching(session_id, &keys).await?;
        let out = self
            .attendees(&mut op, cid, event_id, session_id, rows)
            .await?;
        let ids: Vec<i64> = out.iter().map(|a| a.registration_id).collect();
        op.finish(
            &ids,
            &format!("name search in session {session_id}: {} hits", ids.len()),
        )
        .await?;
        Ok(out)
    }

    /// What the scanned QR code opens: the registration it stands for.
    pub async fn attendee_by_qr(&self, actor: &Actor, qr_token: &str) -> Result<AttendeeView> {
        let (mut op, cid) = self.reception_op(actor, Action::Read, shimei()).await?;
        let reg = op
            .tx
            .registration_by_qr(&itaku_crypto::token_digest(qr_token))
            .await?
            .filter(|r| r.contract_id == cid)
            .ok_or_else(ServiceError::not_found)?;
        let (ev, s) = (reg.event_id, reg.session_id);
        let mut out = self.attendees(&mut op, cid, ev, s, vec![reg]).await?;
        let a = out.pop().ok_or_else(ServiceError::not_found)?;
        op.finish(&[a.registration_id], "QR code scanned").await?;
        Ok(a)
    }

    /// Check one registrant in (only one standing check-in at a time).
    pub async fn check_in(
        &self,
        actor: &Actor,
        registration_id: i64,
        method: CheckinMethod,
    ) -> Result<()> {
        let (mut op, cid) = self
            .reception_op(actor, Action::Write, ItemSet::new())
            .await?;
        let reg = own_registration(&mut op, cid, registration_id).await?;
        let ev = own_event(&mut op.tx, cid, reg.event_id).await?;
        if ev.reception_closed_at.is_some() {
            return Err(ServiceError::Conflict("受付は終了しています".into()));
        }
        if reg.status != "registered" {
            return Err(ServiceError::Conflict(
                "この方は申込済みではありません（キャンセル待ちまたは取消済み）".into(),
            ));
        }
        if standing(&op.tx.checkins_of_event(reg.event_id).await?, reg.id).is_some() {
            return Err(ServiceError::Conflict("すでに受付済みです".into()));
        }
        let at = op.now_ts();
        let by = op.actor_label().to_owned();
        op.tx
            .insert_checkin(cid, reg.id, &at, &by, method.code())
            .await?;
        op.finish(&[reg.id], &format!("checked in ({})", method.code()))
            .await
    }

    /// Undo a mistaken check-in: the row stays, marked undone.
    pub async fn undo_check_in(&self, actor: &Actor, registration_id: i64) -> Result<()> {
        let (mut op, cid) = self
            .reception_op(actor, Action::Write, ItemSet::new())
            .await?;
        let reg = own_registration(&mut op, cid, registration_id).await?;
        let at = op.now_ts();
        let by = op.actor_label().to_owned();
        if !op.tx.undo_checkin(reg.id, &at, &by).await? {
            return Err(ServiceError::Conflict("この方は受付されていません".into()));
        }
        op.finish(&[reg.id], "check-in undone").await
    }

    async fn attendees(
        &self,
        op: &mut Op<'_>,
        cid: i64,
        event_id: i64,
        session_id: i64,
        rows: Vec<RegistrationRow>,
    ) -> Result<Vec<AttendeeView>> {
        let ev = own_event(&mut op.tx, cid, event_id).await?;
        let key = event_key(self, &ev)?;
        let sessions = op.tx.seminar_sessions(event_id).await?;
        let label = sessions
            .iter()
            .find(|s| s.id == session_id)
            .map(|s| s.label.clone())
            .ok_or_else(ServiceError::not_found)?;
        let checkins = op.tx.checkins_of_event(event_id).await?;
        let mut out = Vec::new();
        for r in rows.into_iter().filter(|r| r.status != "cancelled") {
            let c = standing(&checkins, r.id);
            out.push(AttendeeView {
                registration_id: r.id,
                event_id,
                session_id,
                session_label: label.clone(),
                name: open_name(&key, event_id, &r.seal_ref, r.name.as_deref())?,
                status: RegistrationStatus::parse(&r.status)?,
                checked_in_at: c.map(|c| c.checked_in_at.clone()),
                checked_in_by: c.map(|c| c.checked_in_by.clone()),
            });
        }
        Ok(out)
    }
}

fn shimei() -> ItemSet {
    [Item::Shimei].into_iter().collect()
}

fn standing(checkins: &[CheckinRow], registration_id: i64) -> Option<&CheckinRow> {
    checkins
        .iter()
        .find(|c| c.registration_id == registration_id && c.undone_at.is_none())
}

async fn own_registration(op: &mut Op<'_>, cid: i64, id: i64) -> Result<RegistrationRow> {
    op.tx
        .registration(id)
        .await?
        .filter(|r| r.contract_id == cid)
        .ok_or_else(ServiceError::not_found)
}
