//! 受付終了 and what follows it (seed 003: 「当日の受付終了後、区が委託先に
//! 提供した情報を返却させる」). Closing reception reports the
//! `reception_closed` event; the retention rule waiting for it becomes a
//! job, and the job returns each closed event's participant list to the
//! ward (counts and digest on the 情報管理台帳, the list sealed with the
//! ward vault's key) and erases the contractor's copy by destroying the
//! event's data key and deleting the rows, with a signed certificate.

use super::events::own_event;
use super::keys::{event_aad, event_key, open_name};
use super::PURPOSE_UKETSUKE;
use crate::error::{Result, ServiceError};
use crate::ledger::{Channel, Direction, Movement};
use crate::op::OpRequest;
use crate::retention::RetentionEvent;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::NewSeminarReturn;
use serde::{Deserialize, Serialize};

/// One participant as returned to the ward.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReturnedParticipant {
    pub session: String,
    pub name: String,
    pub status: String,
    pub checked_in: bool,
}

/// The certificate that the contractor's copy of an event's participants
/// was erased (signed with the installation's audit key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeminarErasureCertificate {
    pub format: String,
    pub contract_id: i64,
    pub contract_name: String,
    pub event_id: i64,
    pub event_title: String,
    pub items: Vec<String>,
    pub returned_records: i64,
    pub return_digest: String,
    pub registrations_deleted: i64,
    pub checkins_deleted: i64,
    pub key_destroyed: String,
    pub key_fingerprint: String,
    pub method: String,
    pub issued_at: String,
    pub operator: String,
    pub public_key: String,
}

/// The ward's record of one event's return.
#[derive(Debug, Clone, Serialize)]
pub struct SeminarReturnView {
    pub event_id: i64,
    pub event_title: String,
    pub records: i64,
    pub digest: String,
    pub returned_at: String,
    pub certificate: SeminarErasureCertificate,
    pub signature: String,
}

/// Cryptographic erase, stated plainly on the certificate.
pub const ERASE_METHOD: &str =
    "暗号学的消去: イベント専用のデータ鍵（マスターキーで封緘）を破棄し、\
    その鍵で封緘した氏名・検索キー・会議URLを含む申込と受付の行を削除した。\
    データベースの空き領域の上書きは行っていないが、残った暗号文は鍵がないため復号できない。";

fn return_aad(event_id: i64, seal_ref: &str) -> Vec<u8> {
    format!("seminar-return:{event_id}:{seal_ref}").into_bytes()
}

impl Service {
    /// Close reception of an event (the contractor's staff or the ward's):
    /// no more check-ins, and `reception_closed` is reported so the
    /// contract's rule schedules the return. The scheduled job ids.
    pub async fn close_reception(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
    ) -> Result<Vec<i64>> {
        let mut op = self.plan_op(actor, contract_id, "seminar_event").await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        let at = op.now_ts();
        let by = op.actor_label().to_owned();
        if !op.tx.close_reception(ev.id, &at, &by).await? {
            return Err(ServiceError::Conflict("受付はすでに終了しています".into()));
        }
        op.finish(&[], &format!("reception of event {event_id} closed"))
            .await?;
        // Scheduling is the ward's administration; the report itself was
        // the user's act, audited just above.
        let sys = Actor::system(format!("受付終了の報告（イベント {event_id}）"));
        self.retention_event(
            &sys,
            contract_id,
            &RetentionEvent::parse("reception_closed")?,
            self.now(),
        )
        .await
    }

    /// The retention action: every event of the contract whose reception
    /// is closed and whose data is still held is returned and erased.
    pub(crate) async fn return_closed_events(
        &self,
        sys: &Actor,
        contract_id: i64,
    ) -> Result<Vec<SeminarReturnView>> {
        let events = {
            let mut tx = self.inner.store.begin().await?;
            let e = tx.events_of_contract(contract_id).await?;
            tx.rollback().await?;
            e
        };
        let mut out = Vec::new();
        for ev in events {
            if ev.reception_closed_at.is_some() && ev.erased_at.is_none() {
                out.push(self.return_event(sys, contract_id, ev.id).await?);
            }
        }
        Ok(out)
    }

    /// Return one event's participants to the ward and erase the
    /// contractor's copy, in one operation.
    pub async fn return_event(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
    ) -> Result<SeminarReturnView> {
        let cid = ContractId(contract_id);
        let items: ItemSet = [Item::Shimei].into_iter().collect();
        let mut actor = actor.clone();
        actor.purpose = Some(PURPOSE_UKETSUKE.into());
        let mut op = self
            .begin(
                &actor,
                OpRequest::new(
                    Action::Provision,
                    Scope::Contract(cid),
                    "seminar_registration",
                )
                .items(items.clone()),
            )
            .await?;
        let ev = own_event(&mut op.tx, contract_id, event_id).await?;
        if ev.reception_closed_at.is_none() {
            return Err(ServiceError::Conflict(
                "受付が終了していないイベントは返却できません".into(),
            ));
        }
        let key = event_key(self, &ev)?;
        let sessions = op.tx.seminar_sessions(event_id).await?;
        let regs = op.tx.registrations_of_event(event_id).await?;
        let checkins = op.tx.checkins_of_event(event_id).await?;
        let mut list = Vec::new();
        let mut ids = Vec::new();
        for r in &regs {
            ids.push(r.id);
            list.push(ReturnedParticipant {
                session: sessions
                    .iter()
                    .find(|s| s.id == r.session_id)
                    .map(|s| s.label.clone())
                    .unwrap_or_default(),
                name: open_name(&key, event_id, &r.seal_ref, r.name.as_deref())?,
                status: r.status.clone(),
                checked_in: checkins
                    .iter()
                    .any(|c| c.registration_id == r.id && c.undone_at.is_none()),
            });
        }
        let body = serde_json::to_vec(&list)
            .map_err(|e| ServiceError::Internal(format!("返却一覧: {e}")))?;
        let digest = itaku_crypto::sha256_hex(&body);
        let (_, ward_key) = self.vault(&mut op.tx, None).await?;
        let seal_ref = itaku_crypto::random_token();
        let sealed = ward_key.seal(&return_aad(event_id, &seal_ref), &body)?;
        op.record_movement(Movement {
            contract_id,
            direction: Direction::Return,
            channel: Channel::Vault,
            campaign_id: None,
            list_id: None,
            records: list.len() as i64,
            items: &items,
            digest: &digest,
            package: None,
            counterpart: None,
        })
        .await?;
        let now = op.now_ts();
        let deleted = op.tx.erase_event_data(event_id, &now).await?;
        let contract = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let certificate = SeminarErasureCertificate {
            format: "itaku-seminar-erasure/1".into(),
            contract_id,
            contract_name: contract.name,
            event_id,
            event_title: ev.title.clone(),
            items: vec![Item::Shimei.label().into()],
            returned_records: list.len() as i64,
            return_digest: digest.clone(),
            registrations_deleted: deleted,
            checkins_deleted: checkins.len() as i64,
            key_destroyed: event_aad(event_id),
            key_fingerprint: ev.key_fingerprint.clone(),
            method: ERASE_METHOD.into(),
            issued_at: now.clone(),
            operator: op.actor_label().to_owned(),
            public_key: hex::encode(self.inner.signer.verifying_key().to_bytes()),
        };
        let cert_json = serde_json::to_string(&certificate)
            .map_err(|e| ServiceError::Internal(format!("証明書: {e}")))?;
        let signature = hex::encode(self.inner.signer.sign(cert_json.as_bytes()));
        op.tx
            .insert_seminar_return(&NewSeminarReturn {
                contract_id,
                event_id,
                event_title: &ev.title,
                records: list.len() as i64,
                digest: &digest,
                seal_ref: &seal_ref,
                sealed: &sealed,
                returned_at: &now,
                certificate: &cert_json,
                signature: &signature,
            })
            .await?;
        op.finish(
            &ids,
            &format!(
                "event {event_id}: returned {} participants sha256={digest}, key destroyed, {deleted} registrations deleted",
                list.len()
            ),
        )
        .await?;
        Ok(SeminarReturnView {
            event_id,
            event_title: ev.title,
            records: list.len() as i64,
            digest,
            returned_at: now,
            certificate,
            signature,
        })
    }

    /// The ward's returned record of an event (counts, digest and the
    /// certificate; no personal data).
    pub async fn seminar_return(
        &self,
        actor: &Actor,
        contract_id: i64,
        event_id: i64,
    ) -> Result<Option<SeminarReturnView>> {
        let op = self
            .begin_read(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "seminar_event",
                ),
            )
            .await?;
        let mut op = op;
        let row = op
            .tx
            .seminar_return(event_id)
            .await?
            .filter(|r| r.contract_id == contract_id);
        let out = match row {
            Some(r) => Some(SeminarReturnView {
                event_id: r.event_id,
                event_title: r.event_title,
                records: r.records,
                digest: r.digest,
                returned_at: r.returned_at,
                certificate: serde_json::from_str(&r.certificate)
                    .map_err(|e| ServiceError::Internal(format!("証明書: {e}")))?,
                signature: r.signature,
            }),
            None => None,
        };
        op.finish(&[], &format!("return of event {event_id}"))
            .await?;
        Ok(out)
    }

    /// Verify a certificate's signature with this installation's key.
    pub fn verify_seminar_certificate(&self, view: &SeminarReturnView) -> bool {
        let Ok(json) = serde_json::to_string(&view.certificate) else {
            return false;
        };
        let Ok(sig) = hex::decode(&view.signature) else {
            return false;
        };
        self.inner
            .signer
            .verifying_key()
            .verify(json.as_bytes(), &sig)
            .is_ok()
    }

    /// The returned participant list, on the ward's side (ward staff:
    /// a read of 氏名 in the ward's vault, audited).
    pub async fn returned_participants(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> Result<Vec<ReturnedParticipant>> {
        let items: ItemSet = [Item::Shimei].into_iter().collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "seminar_return").items(items),
            )
            .await?;
        let row = op
            .tx
            .seminar_return(event_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let (_, ward_key) = self.vault(&mut op.tx, None).await?;
        let body = ward_key.open(&return_aad(event_id, &row.seal_ref), &row.sealed)?;
        let list: Vec<ReturnedParticipant> =
            serde_json::from_slice(&body).map_err(crate::error::corrupt_record("返却一覧"))?;
        op.finish(
            &[],
            &format!("returned list of event {event_id}: {} persons", list.len()),
        )
        .await?;
        Ok(list)
    }
}
