//! A resident's own registration: the 利用目的 notice shown before the
//! form is sent (its digest and time recorded), only 氏名 collected,
//! capacity and waitlist, the private page and cancellation through it.

use super::botcheck::BotProof;
use super::events::{own_event, EventView};
use super::keys::{event_key, name_search_keys, open_link, open_name, qr_token_of, seal_name};
use super::PURPOSE_UKETSUKE;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::parse_ts;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_policy::{Action, PublicWindow, Scope};
use itaku_store::{EventRow, NewRegistration};
use serde::Serialize;

/// Longest name accepted, in characters.
const MAX_NAME_CHARS: usize = 60;

/// What the form sends.
#[derive(Debug, Clone, Default)]
pub struct RegistrationForm {
    pub session_id: i64,
    pub name: String,
    /// The digest of the notice the form showed (a hidden field).
    pub notice_digest: String,
    pub proof: BotProof,
}

/// Registered or on the waitlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Registered,
    Waitlisted,
    Cancelled,
}

impl RegistrationStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Waitlisted => "waitlisted",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Registered => "申込済み",
            Self::Waitlisted => "キャンセル待ち",
            Self::Cancelled => "取消済み",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        [Self::Registered, Self::Waitlisted, Self::Cancelled]
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| ServiceError::Internal(format!("unknown registration status {s}")))
    }
}

/// What the registrant gets back once: the private token (their page and
/// cancellation) is never stored, only its digest.
#[derive(Debug, Clone)]
pub struct Registered {
    pub registration_id: i64,
    pub status: RegistrationStatus,
    pub token: String,
}

/// The registrant's private page.
#[derive(Debug, Clone, Serialize)]
pub struct MyRegistration {
    pub registration_id: i64,
    pub event_title: String,
    pub event_slug: String,
    pub venue: String,
    pub session_label: String,
    pub starts_at: String,
    pub online: bool,
    pub name: String,
    pub status: RegistrationStatus,
    /// Place on the waitlist (1 = next), when waitlisted.
    pub waitlist_place: Option<i64>,
    /// Only to a registrant who has a seat.
    pub meeting_link: Option<String>,
    /// What the QR code carries (the check-in token).
    pub qr_token: String,
}

impl Service {
    /// The 利用目的 notice of an event's form, from the contract: who
    /// handles the data, which item, for what, and what happens to it.
    pub async fn registration_notice(&self, ev: &EventView) -> Result<String> {
        let mut tx = self.inner.store.begin().await?;
        let c = tx
            .contract(ev.contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let org = tx
            .org(c.contractor_org_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let job = tx
            .jobs()
            .await?
            .into_iter()
            .find(|j| j.id == c.job_id)
            .ok_or_else(ServiceError::not_found)?;
        let purpose = tx
            .purposes(c.job_id)
            .await?
            .into_iter()
            .find(|p| p.code == PURPOSE_UKETSUKE)
            .ok_or_else(ServiceError::not_found)?;
        tx.rollback().await?;
        let items = ItemSet::parse_codes(&purpose.items)?.labels();
        Ok(format!(
            "個人情報の利用目的について\n\
             お申し込みでお預かりするのは「{items}」だけです。\n\
             利用目的: 「{title}」の申込受付と当日の受付（{purpose}）のためにだけ使います。\n\
             取り扱う者: {section}（{job}）から委託を受けた {org} が取り扱います。\n\
             当日の受付が終わったあと、お名前は区（{section}）に返却され、委託先の手元からは消去されます。\n\
             ほかの目的に使ったり、ほかの人に渡したりすることはありません。",
            title = ev.title,
            purpose = purpose.name,
            section = job.section,
            job = job.name,
            org = org.name,
        ))
    }

    /// Register on the public form (an anonymous actor: the policy's
    /// `decide_registrant` admits only the reception purpose's items into
    /// this contract, and only while the event takes registrations).
    pub async fn register(
        &self,
        actor: &Actor,
        slug: &str,
        form: &RegistrationForm,
    ) -> Result<Registered> {
        let now = self.now();
        let nonce = self.check_proof(&form.proof, now)?;
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(ServiceError::Invalid(format!(
                "お名前を {MAX_NAME_CHARS} 文字以内で入力してください"
            )));
        }
        let ev = self.public_event(slug).await?;
        if !ev.open_at(now) {
            return Err(ServiceError::Invalid(
                "このイベントは現在お申し込みを受け付けていません".into(),
            ));
        }
        let notice = self.registration_notice(&ev).await?;
        let notice_digest = itaku_crypto::sha256_hex(notice.as_bytes());
        if form.notice_digest != notice_digest {
            return Err(ServiceError::Invalid(
                "利用目的のお知らせが更新されました。お手数ですが、ページを開き直して内容をご確認ください".into(),
            ));
        }
        let mut op = self.registrant_op(actor, &ev, Action::Write).await?;
        let row = own_event(&mut op.tx, ev.contract_id, ev.id).await?;
        // Read again in the operation's transaction: reception may have
        // closed since the page was checked.
        if row.reception_closed_at.is_some() || row.wrapped_key.is_none() {
            return Err(ServiceError::Invalid(
                "このイベントは現在お申し込みを受け付けていません".into(),
            ));
        }
        let at = op.now_ts();
        if !op.tx.use_nonce(&nonce, &at).await? {
            return Err(ServiceError::Invalid(
                "この申込はすでに送信されています。ページを開き直してください".into(),
            ));
        }
        let session = op
            .tx
            .lock_seminar_session(form.session_id)
            .await?
            .filter(|s| s.event_id == ev.id)
            .ok_or_else(|| ServiceError::Invalid("参加する回を選んでください".into()))?;
        let (registered, _) = op.tx.session_counts(session.id).await?;
        let (status, seq) = if registered < session.capacity {
            (RegistrationStatus::Registered, None)
        } else {
            (RegistrationStatus::Waitlisted, Some(session.seq))
        };
        let key = event_key(self, &row)?;
        let seal_ref = itaku_crypto::random_token();
        let token = itaku_crypto::random_token();
        let id = op
            .tx
            .insert_registration(&NewRegistration {
                contract_id: ev.contract_id,
                event_id: ev.id,
                session_id: session.id,
                status: status.code(),
                waitlist_seq: seq,
                seal_ref: &seal_ref,
                name: &seal_name(&key, ev.id, &seal_ref, name)?,
                search_keys: &name_search_keys(&key, name),
                notice_digest: &notice_digest,
                notice_shown_at: &at,
                token_digest: &itaku_crypto::token_digest(&token),
                qr_digest: &itaku_crypto::token_digest(&qr_token_of(&token)),
                registered_at: &at,
            })
            .await?;
        op.finish(
            &[id],
            &format!(
                "registration {id} to session {} ({}), notice sha256={notice_digest}",
                session.id,
                status.code()
            ),
        )
        .await?;
        Ok(Registered {
            registration_id: id,
            status,
            token,
        })
    }

    /// The registrant's operation on their own record, under the window
    /// the event opens.
    async fn registrant_op(
        &self,
        actor: &Actor,
        ev: &EventView,
        action: Action,
    ) -> Result<crate::op::Op<'_>> {
        let cid = ContractId(ev.contract_id);
        let actor = actor
            .clone()
            .in_contract(cid, Some(PURPOSE_UKETSUKE.to_owned()));
        let items: ItemSet = [Item::Shimei].into_iter().collect();
        self.begin(
            &actor,
            OpRequest::new(action, Scope::Contract(cid), "seminar_registration")
                .items(items)
                .public(PublicWindow {
                    contract: cid,
                    purpose: PURPOSE_UKETSUKE.to_owned(),
                }),
        )
        .await
    }

    /// The private page, by its token (audited: it shows the name).
    pub async fn my_registration(&self, actor: &Actor, token: &str) -> Result<MyRegistration> {
        let ev = self.event_of_token(token).await?;
        let view = self.public_event(&ev.slug).await?;
        let mut op = self.registrant_op(actor, &view, Action::Read).await?;
        let reg = op
            .tx
            .registration_by_token(&itaku_crypto::token_digest(token))
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let key = event_key(self, &ev)?;
        let sessions = op.tx.seminar_sessions(ev.id).await?;
        let session = sessions
            .iter()
            .find(|s| s.id == reg.session_id)
            .ok_or_else(ServiceError::not_found)?;
        let status = RegistrationStatus::parse(&reg.status)?;
        let waitlist_place = match (status, reg.waitlist_seq) {
            (RegistrationStatus::Waitlisted, Some(seq)) => Some(
                op.tx
                    .registrations_of_session(session.id)
                    .await?
                    .iter()
                    .filter(|r| {
                        r.status == "waitlisted" && r.waitlist_seq.is_some_and(|s| s <= seq)
                    })
                    .count() as i64,
            ),
            _ => None,
        };
        let meeting_link = match (&session.meeting_link, status) {
            (Some(l), RegistrationStatus::Registered) => {
                Some(open_link(&key, ev.id, session.id, l)?)
            }
            _ => None,
        };
        let out = MyRegistration {
            registration_id: reg.id,
            event_title: ev.title.clone(),
            event_slug: ev.slug.clone(),
            venue: ev.venue.clone(),
            session_label: session.label.clone(),
            starts_at: session.starts_at.clone(),
            online: session.mode == "online",
            name: open_name(&key, ev.id, &reg.seal_ref, reg.name.as_deref())?,
            status,
            waitlist_place,
            meeting_link,
            qr_token: qr_token_of(token),
        };
        op.finish(&[reg.id], "registrant's own page").await?;
        Ok(out)
    }

    /// Cancel through the private link; the first on the waitlist moves up
    /// in the same transaction.
    pub async fn cancel_registration(&self, actor: &Actor, token: &str) -> Result<Option<i64>> {
        let ev = self.event_of_token(token).await?;
        let view = self.public_event(&ev.slug).await?;
        let mut op = self.registrant_op(actor, &view, Action::Write).await?;
        let reg = op
            .tx
            .registration_by_token(&itaku_crypto::token_digest(token))
            .await?
            .ok_or_else(ServiceError::not_found)?;
        if let Some(s) = view.sessions.iter().find(|s| s.id == reg.session_id) {
            if parse_ts(&s.starts_at).is_some_and(|t| t <= self.now()) {
                return Err(ServiceError::Invalid(
                    "開始時刻を過ぎたため、ここからは取り消せません".into(),
                ));
            }
        }
        if view.reception_closed_at.is_some() {
            return Err(ServiceError::Invalid(
                "受付が終了したため、ここからは取り消せません".into(),
            ));
        }
        op.tx.lock_seminar_session(reg.session_id).await?;
        let at = op.now_ts();
        if !op.tx.cancel_registration(reg.id, &at).await? {
            return Err(ServiceError::Conflict(
                "この申込はすでに取り消されています".into(),
            ));
        }
        let promoted = match reg.status.as_str() {
            "registered" => op.tx.promote_first_waitlisted(reg.session_id, &at).await?,
            _ => None,
        };
        let mut ids = vec![reg.id];
        ids.extend(promoted);
        op.finish(
            &ids,
            &format!(
                "registration {} cancelled by registrant{}",
                reg.id,
                promoted
                    .map(|p| format!(", {p} promoted from waitlist"))
                    .unwrap_or_default()
            ),
        )
        .await?;
        Ok(promoted)
    }

    /// The event a private token belongs to (read without personal data:
    /// only the row's event id is used before the audited operation).
    async fn event_of_token(&self, token: &str) -> Result<EventRow> {
        let mut tx = self.inner.store.begin().await?;
        let reg = tx
            .registration_by_token(&itaku_crypto::token_digest(token))
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let ev = tx
            .event(reg.event_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        tx.rollback().await?;
        Ok(ev)
    }
}
