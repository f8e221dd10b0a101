//! What the staff and the public pages show of events: the events of a
//! contract with their counts (no personal data), the public page's event,
//! and the seminar contracts a user works on.

use super::events::{own_event, EventKind, EventView, SessionView};
use super::PURPOSE_UKETSUKE;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::{ContractId, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::{EventRow, SeminarSessionRow, Tx};

impl Service {
    /// A contract's events with their counts (no personal data: ward staff,
    /// the contractor's staff, inspectors).
    pub async fn events(&self, actor: &Actor, contract_id: i64) -> Result<Vec<EventView>> {
        let mut op = self.counts_op(actor, contract_id).await?;
        let mut out = Vec::new();
        for ev in op.tx.events_of_contract(contract_id).await? {
            out.push(event_view(&mut op.tx, ev).await?);
        }
        op.finish(&[], &format!("contract {contract_id} events"))
            .await?;
        Ok(out)
    }

    pub async fn event(&self, actor: &Actor, contract_id: i64, event_id: i64) -> Result<EventView> {
        let mut op = self.counts_op(actor, contract_id).await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        let view = event_view(&mut op.tx, ev).await?;
        op.finish(&[], &format!("event {event_id}")).await?;
        Ok(view)
    }

    /// Counts only: a read of no items in the contract.
    async fn counts_op(&self, actor: &Actor, contract_id: i64) -> Result<crate::op::Op<'_>> {
        let mut actor = actor.clone();
        if actor.contract.is_some() && actor.purpose.is_none() {
            actor.purpose = Some(PURPOSE_UKETSUKE.into());
        }
        self.begin_read(
            &actor,
            OpRequest::new(
                Action::Read,
                Scope::Contract(ContractId(contract_id)),
                "seminar_event",
            )
            .items(ItemSet::new()),
        )
        .await
    }

    /// The public page's event: no sign-in, no personal data, so no audit.
    pub async fn public_event(&self, slug: &str) -> Result<EventView> {
        let mut tx = self.inner.store.begin().await?;
        let ev = tx
            .event_by_slug(slug)
            .await?
            .filter(|e| e.erased_at.is_none())
            .ok_or_else(ServiceError::not_found)?;
        let view = event_view(&mut tx, ev).await?;
        tx.rollback().await?;
        Ok(view)
    }
}

pub(super) async fn event_view(tx: &mut Tx, ev: EventRow) -> Result<EventView> {
    let checkins = tx.checkins_of_event(ev.id).await?;
    let regs = tx.registrations_of_event(ev.id).await?;
    let mut sessions = Vec::new();
    for s in tx.seminar_sessions(ev.id).await? {
        sessions.push(session_view(tx, &s, &regs, &checkins).await?);
    }
    Ok(EventView {
        id: ev.id,
        contract_id: ev.contract_id,
        slug: ev.slug,
        title: ev.title,
        kind: EventKind::parse(&ev.kind)?,
        venue: ev.venue,
        description: ev.description,
        opens_at: ev.opens_at,
        closes_at: ev.closes_at,
        reception_closed_at: ev.reception_closed_at,
        erased_at: ev.erased_at,
        sessions,
    })
}

async fn session_view(
    tx: &mut Tx,
    s: &SeminarSessionRow,
    regs: &[itaku_store::RegistrationRow],
    checkins: &[itaku_store::CheckinRow],
) -> Result<SessionView> {
    let (registered, waitlisted) = tx.session_counts(s.id).await?;
    let checked_in = regs
        .iter()
        .filter(|r| r.session_id == s.id && r.status == "registered")
        .filter(|r| {
            checkins
                .iter()
                .any(|c| c.registration_id == r.id && c.undone_at.is_none())
        })
        .count() as i64;
    Ok(SessionView {
        id: s.id,
        label: s.label.clone(),
        online: s.mode == "online",
        starts_at: s.starts_at.clone(),
        ends_at: s.ends_at.clone(),
        capacity: s.capacity,
        registered,
        waitlisted,
        checked_in,
    })
}

impl Service {
    /// The seminar contracts a signed-in user works on (the contractor's
    /// staff: those they are assigned to; ward staff: all of the seminar
    /// job's), as (id, name): where the menu's link leads.
    pub async fn seminar_contracts(&self, actor: &Actor) -> Result<Vec<(i64, String)>> {
        let Some(uid) = actor.user_id() else {
            return Err(ServiceError::Unauthenticated);
        };
        let mut tx = self.inner.store.begin().await?;
        let user = tx.user(uid.0).await?.ok_or(ServiceError::Unauthenticated)?;
        let ward = matches!(
            user.role.as_str(),
            "ward_staff" | "ward_admin" | "inspector"
        );
        let jobs: Vec<i64> = tx
            .jobs()
            .await?
            .into_iter()
            .filter(|j| j.code == super::JOB_CODE)
            .map(|j| j.id)
            .collect();
        let mut out = Vec::new();
        for c in tx.contracts().await? {
            if !jobs.contains(&c.job_id) {
                continue;
            }
            if ward || tx.staff(c.id).await?.iter().any(|s| s.user_id == uid.0) {
                out.push((c.id, c.name));
            }
        }
        tx.rollback().await?;
        Ok(out)
    }
}
