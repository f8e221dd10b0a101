//! Events and their sessions: what the contractor's 責任者 and the ward's
//! staff plan. No personal data here except the sealed meeting link, which
//! only registrants are shown.

use super::keys::{event_key, new_event_key, seal_link};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::{parse_ts, ts};
use crate::{Actor, Service};
use chrono::{DateTime, Utc};
use itaku_policy::{Action, Scope};
use itaku_store::{EventRow, NewEvent, NewSeminarSession, Tx};
use serde::Serialize;

/// Online, in person, or both (per session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Online,
    InPerson,
    Both,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Online => "online",
            EventKind::InPerson => "in_person",
            EventKind::Both => "both",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Online => "オンライン",
            EventKind::InPerson => "会場",
            EventKind::Both => "会場・オンライン",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        [Self::Online, Self::InPerson, Self::Both]
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Invalid("開催方法を選んでください".into()))
    }
}

/// What is planned for an event.
#[derive(Debug, Clone)]
pub struct EventSpec {
    /// The public address: /e/{slug}. Lower-case letters, digits and -.
    pub slug: String,
    pub title: String,
    pub kind: EventKind,
    pub venue: String,
    pub description: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// One session (回) of an event.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    pub label: String,
    /// True: online (the meeting link goes to registrants); false: in person.
    pub online: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub meeting_link: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: i64,
    pub label: String,
    pub online: bool,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

impl SessionView {
    pub fn full(&self) -> bool {
        self.registered >= self.capacity
    }
    pub fn seats_left(&self) -> i64 {
        (self.capacity - self.registered).max(0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub contract_id: i64,
    pub slug: String,
    pub title: String,
    pub kind: EventKind,
    pub venue: String,
    pub description: String,
    pub opens_at: String,
    pub closes_at: String,
    pub reception_closed_at: Option<String>,
    pub erased_at: Option<String>,
    pub sessions: Vec<SessionView>,
}

impl EventView {
    /// Registration is open at `now`.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        let within = parse_ts(&self.opens_at).is_some_and(|o| o <= now)
            && parse_ts(&self.closes_at).is_some_and(|c| now < c);
        within && self.reception_closed_at.is_none() && self.erased_at.is_none()
    }
}

fn check_spec(spec: &EventSpec) -> Result<()> {
    let slug_ok = (3..=40).contains(&spec.slug.len())
        && spec
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        return Err(ServiceError::Invalid(
            "公開用の名前は英小文字・数字・- の 3〜40 文字で指定してください".into(),
        ));
    }
    if spec.title.trim().is_empty() || spec.title.chars().count() > 100 {
        return Err(ServiceError::Invalid(
            "名称は 1〜100 文字で入力してください".into(),
        ));
    }
    if spec.description.chars().count() > 2000 || spec.venue.chars().count() > 200 {
        return Err(ServiceError::Invalid(
            "会場は 200 文字、説明は 2000 文字以内にしてください".into(),
        ));
    }
    if spec.closes_at <= spec.opens_at {
        return Err(ServiceError::Invalid(
            "申込の締切は受付開始より後にしてください".into(),
        ));
    }
    Ok(())
}

fn check_session(spec: &SessionSpec) -> Result<()> {
    if spec.label.trim().is_empty() || spec.label.chars().count() > 100 {
        return Err(ServiceError::Invalid(
            "回の名前は 1〜100 文字で入力してください".into(),
        ));
    }
    if spec.ends_at <= spec.starts_at {
        return Err(ServiceError::Invalid(
            "終了は開始より後にしてください".into(),
        ));
    }
    if !(1..=10_000).contains(&spec.capacity) {
        return Err(ServiceError::Invalid(
            "定員は 1〜10000 人で指定してください".into(),
        ));
    }
    if let Some(l) = &spec.meeting_link {
        if !(l.starts_with("https://") && l.len() <= 500) {
            return Err(ServiceError::Invalid(
                "オンライン会議の URL は https:// で始まる 500 文字以内にしてください".into(),
            ));
        }
    }
    Ok(())
}

impl Service {
    /// An operation that plans a contract's events: the contractor's staff
    /// inside the contract under the reception purpose, the ward's staff
    /// from the ward's side. Neither touches a personal item.
    pub(super) async fn plan_op(
        &self,
        actor: &Actor,
        contract_id: i64,
        target: &'static str,
    ) -> Result<crate::op::Op<'_>> {
        let scope = match actor.contract {
            Some(c) if c.0 == contract_id => Scope::Contract(c),
            Some(_) => return Err(ServiceError::not_found()),
            None => Scope::Ward,
        };
        let mut op = self
            .begin(actor, OpRequest::new(Action::Write, scope, target))
            .await?;
        // Planning is the 責任者's and the ward's: a handler works the
        // reception only (the policy alone would let a reception handler
        // write, as the purpose has no personal item to refuse). The
        // refusal is audited like the policy's own.
        if let Some(uid) = op.actor_user() {
            let role = op.tx.user(uid).await?.map(|u| u.role);
            if role.as_deref() == Some(itaku_core::Role::Handler.code()) {
                op.finish(&[], "refused: planning is for the responsible person")
                    .await?;
                return Err(ServiceError::Denied(itaku_policy::Denial::RoleNotPermitted));
            }
        }
        if op.tx.contract(contract_id).await?.is_none() {
            return Err(ServiceError::not_found());
        }
        Ok(op)
    }

    pub async fn create_event(
        &self,
        actor: &Actor,
        contract_id: i64,
        spec: &EventSpec,
    ) -> Result<i64> {
        check_spec(spec)?;
        let mut op = self.plan_op(actor, contract_id, "seminar_event").await?;
        if op.tx.event_by_slug(&spec.slug).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "公開用の名前「{}」はすでに使われています",
                spec.slug
            )));
        }
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        let key = new_event_key();
        let fingerprint = itaku_crypto::sha256_hex(&key.blind_index("seminar:fingerprint", ""));
        let id = op
            .tx
            .insert_event(&new_event(
                contract_id,
                spec,
                &(ts(spec.opens_at), ts(spec.closes_at)),
                &fingerprint,
                &now,
                &by,
            ))
            .await?;
        let wrapped = key.wrap(&self.inner.master, &super::keys::event_aad(id))?;
        op.tx.set_event_key(id, Some(&wrapped)).await?;
        op.finish(&[], &format!("event {id} created: {}", spec.slug))
            .await?;
        Ok(id)
    }

    pub async fn update_event(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
        spec: &EventSpec,
    ) -> Result<()> {
        check_spec(spec)?;
        let mut op = self.plan_op(actor, contract_id, "seminar_event").await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        if let Some(other) = op.tx.event_by_slug(&spec.slug).await? {
            if other.id != ev.id {
                return Err(ServiceError::Conflict(format!(
                    "公開用の名前「{}」はすでに使われています",
                    spec.slug
                )));
            }
        }
        let by = op.actor_label().to_owned();
        op.tx
            .update_event(
                event_id,
                &new_event(
                    contract_id,
                    spec,
                    &(ts(spec.opens_at), ts(spec.closes_at)),
                    "",
                    "",
                    &by,
                ),
            )
            .await?;
        op.finish(&[], &format!("event {event_id} updated")).await
    }

    /// Add a session; the meeting link is sealed with the event's key.
    pub async fn add_session(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
        spec: &SessionSpec,
    ) -> Result<i64> {
        check_session(spec)?;
        let mut op = self.plan_op(actor, contract_id, "seminar_session").await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        let id = op
            .tx
            .insert_seminar_session(&new_session(
                contract_id,
                event_id,
                spec,
                &(ts(spec.starts_at), ts(spec.ends_at)),
            ))
            .await?;
        if let Some(link) = &spec.meeting_link {
            let key = event_key(self, &ev)?;
            op.tx
                .set_meeting_link(id, Some(&seal_link(&key, event_id, id, link)?))
                .await?;
        }
        op.finish(&[], &format!("session {id} of event {event_id}"))
            .await?;
        Ok(id)
    }

    /// Change a session; a `meeting_link` of `None` keeps the current one.
    pub async fn update_session(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
        session_id: i64,
        spec: &SessionSpec,
    ) -> Result<()> {
        check_session(spec)?;
        let mut op = self.plan_op(actor, contract_id, "seminar_session").await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        let sessions = op.tx.seminar_sessions(event_id).await?;
        if !sessions.iter().any(|s| s.id == session_id) {
            return Err(ServiceError::not_found());
        }
        op.tx
            .update_seminar_session(
                session_id,
                &new_session(
                    contract_id,
                    event_id,
                    spec,
                    &(ts(spec.starts_at), ts(spec.ends_at)),
                ),
            )
            .await?;
        // No link given keeps the one set before (staff never see it back).
        if let Some(link) = &spec.meeting_link {
            let sealed = seal_link(&event_key(self, &ev)?, event_id, session_id, link)?;
            op.tx.set_meeting_link(session_id, Some(&sealed)).await?;
        }
        op.finish(&[], &format!("session {session_id} updated"))
            .await
    }
}

fn new_event<'a>(
    contract_id: i64,
    spec: &'a EventSpec,
    times: &'a (String, String),
    fingerprint: &'a str,
    now: &'a str,
    by: &'a str,
) -> NewEvent<'a> {
    NewEvent {
        contract_id,
        slug: &spec.slug,
        title: spec.title.trim(),
        kind: spec.kind.code(),
        venue: spec.venue.trim(),
        description: spec.description.trim(),
        opens_at: &times.0,
        closes_at: &times.1,
        key_fingerprint: fingerprint,
        created_at: now,
        created_by: by,
    }
}

fn new_session<'a>(
    contract_id: i64,
    event_id: i64,
    spec: &'a SessionSpec,
    times: &'a (String, String),
) -> NewSeminarSession<'a> {
    NewSeminarSession {
        contract_id,
        event_id,
        label: spec.label.trim(),
        mode: if spec.online { "online" } else { "in_person" },
        starts_at: &times.0,
        ends_at: &times.1,
        capacity: spec.capacity,
    }
}

/// The event, if it is the contract's (another contract's looks absent).
pub(super) async fn own_event(tx: &mut Tx, contract_id: i64, event_id: i64) -> Result<EventRow> {
    tx.event(event_id)
        .await?
        .filter(|e| e.contract_id == contract_id)
        .ok_or_else(ServiceError::not_found)
}
