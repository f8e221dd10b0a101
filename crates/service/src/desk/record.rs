//! Recording one inquiry: one audited operation under the desk's purpose,
//! naming the caller's record and the inquiry.

use super::caller::parse_caller;
use super::{
    check_note_length, contract_of, inquiry_aad, screen_note, ward_aad, AddressChangeView,
    InquiryKind, InquiryOutcome, InquiryRequest, NewAddress, NoteState, Payload, Screening,
};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::persons::field_aad;
use crate::time::{jst_date, parse_date};
use crate::{Actor, Service};
use itaku_core::Item;
use itaku_policy::{Action, Scope};
use itaku_store::NewInquiry;
use std::collections::BTreeMap;

/// Who called: their values (the purpose's items) and record, if listed.
struct Caller {
    person_id: Option<i64>,
    person_key: Option<Vec<u8>>,
    values: BTreeMap<Item, String>,
}

impl Caller {
    fn get(&self, item: Item) -> &str {
        self.values.get(&item).map(String::as_str).unwrap_or("")
    }
}

impl Service {
    /// Record an inquiry at the desk. Listed callers are named by their
    /// record in the contract's vault; others by what they gave (only the
    /// collectible items, with the purpose of use read to them).
    pub async fn record_inquiry(
        &self,
        actor: &Actor,
        req: &InquiryRequest,
    ) -> Result<InquiryOutcome> {
        let contract = contract_of(actor)?;
        check_note_length(&req.note)?;
        let note = req.note.trim();
        let new_address = validate_kind(req, note)?;
        let items = self.context_items(actor).await?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(contract), "desk_inquiry")
                    .items(items),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let mut caller = match req.person_id {
            Some(pid) => {
                let found = self.open_persons(&mut op, vault.id, &key, &[pid]).await?;
                let key_row = op.tx.load_items(vault.id, &[pid], &[]).await?.pop();
                match (found.into_iter().next(), key_row) {
                    (Some(p), Some(k)) => Caller {
                        person_id: Some(pid),
                        person_key: Some(k.person_key),
                        values: p.values,
                    },
                    _ => {
                        op.finish(&[pid], "desk inquiry: caller not found").await?;
                        return Err(ServiceError::not_found());
                    }
                }
            }
            None => {
                if !req.purpose_read {
                    return Err(ServiceError::Invalid(
                        "名簿にない方から聞き取るときは、利用目的を読み上げて確認欄にチェックしてください"
                            .into(),
                    ));
                }
                Caller {
                    person_id: None,
                    person_key: None,
                    values: parse_caller(&req.caller, &op.allowed)?,
                }
            }
        };
        let records: Vec<i64> = caller.person_id.into_iter().collect();
        let now = op.now_ts();
        let mut payload = Payload::default();
        let mut message: String;
        let mut reissue_campaign = None;
        match req.kind {
            InquiryKind::Reissue => {
                let Some(pid) = caller.person_id else {
                    return Err(ServiceError::Invalid(
                        "名簿にない方の受診券は再発行できません。区へ確認してください".into(),
                    ));
                };
                let campaign = match self.voucher_campaign_of(&mut op, contract.0, pid).await {
                    Ok(c) => c,
                    Err(e) => {
                        // The reason names the rule, not the person's
                        // facts (the message to the operator does).
                        op.finish(
                            &records,
                            "desk inquiry refused: voucher cannot be re-issued",
                        )
                        .await?;
                        return Err(e);
                    }
                };
                reissue_campaign = Some(campaign);
                message = "受診券の再発行を受け付けました（次回の一括印刷で発行します）".into();
            }
            InquiryKind::AddScreening => {
                let merged = match self.add_screenings(&caller, &req.screenings) {
                    Ok(m) => m,
                    Err(e) => {
                        op.finish(
                            &records,
                            "screening refused: not eligible or already applied",
                        )
                        .await?;
                        return Err(e);
                    }
                };
                match (caller.person_id, &caller.person_key) {
                    (Some(pid), Some(pk)) => {
                        let item = Item::GanKenshinShurui;
                        let sealed = key.seal(&field_aad(vault.id, pk, item), merged.as_bytes())?;
                        op.tx.put_items(pid, &[(item.code(), sealed)]).await?;
                    }
                    _ => {
                        caller.values.insert(Item::GanKenshinShurui, merged.clone());
                    }
                }
                let mut added = req.screenings.clone();
                added.sort();
                added.dedup();
                payload.screenings = added.iter().map(|s| s.short().to_owned()).collect();
                message = format!("がん検診の種類を「{merged}」にしました");
            }
            InquiryKind::Guidance => message = "案内を記録しました".into(),
            InquiryKind::AddressChange => message = "住所変更の申出を区へ回付しました".into(),
            InquiryKind::Complaint => message = "苦情を記録しました".into(),
        }
        if caller.person_id.is_none() {
            payload.caller = caller
                .values
                .iter()
                .map(|(i, v)| (i.code().to_owned(), v.clone()))
                .collect();
        }
        let (note_state, flags) = screen_note(note);
        let seal_ref = itaku_crypto::random_token();
        let payload_json =
            serde_json::to_vec(&payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let sealed_payload = key.seal(
            &inquiry_aad(contract.0, &seal_ref, "payload"),
            &payload_json,
        )?;
        let sealed_note = match note_state {
            NoteState::None => None,
            _ => Some(key.seal(&inquiry_aad(contract.0, &seal_ref, "note"), note.as_bytes())?),
        };
        let caller_items = if caller.person_id.is_none() {
            caller
                .values
                .keys()
                .map(|i| i.code())
                .collect::<Vec<_>>()
                .join(",")
        } else {
            String::new()
        };
        let operator = op.actor_label().to_owned();
        let purpose = actor.purpose.clone().unwrap_or_default();
        let id = op
            .tx
            .insert_inquiry(&NewInquiry {
                contract_id: contract.0,
                purpose: &purpose,
                kind: req.kind.code(),
                person_id: caller.person_id,
                seal_ref: &seal_ref,
                payload: &sealed_payload,
                caller_items: &caller_items,
                purpose_read: req.purpose_read,
                note: sealed_note.as_deref(),
                note_state: note_state.code(),
                note_flags: &flags,
                received_at: &now,
                user_id: op.actor_user(),
                operator: &operator,
            })
            .await?;
        if let (Some(campaign), Some(pid)) = (reissue_campaign, caller.person_id) {
            op.tx
                .insert_reissue(contract.0, id, campaign, pid, &now)
                .await?;
        }
        if let Some(addr) = &new_address {
            self.file_address_change(&mut op, contract.0, id, &caller, addr, &now)
                .await?;
        }
        if req.kind == InquiryKind::Complaint && note_state == NoteState::Stored {
            let received = jst_date(self.now());
            self.file_complaint(&mut op, contract.0, id, received, note)
                .await?;
        }
        if note_state == NoteState::Held {
            message.push_str(
                "。メモに契約で収集が禁じられた内容の可能性があるため、取扱責任者の確認まで保留しました",
            );
        }
        op.finish(
            &records,
            &format!(
                "desk inquiry {id}: {}{}",
                req.kind.code(),
                if note_state == NoteState::Held {
                    ", note held for review"
                } else {
                    ""
                }
            ),
        )
        .await?;
        Ok(InquiryOutcome {
            id,
            kind: req.kind,
            note_state,
            message,
        })
    }

    /// The open voucher campaign of the contract that holds this person.
    async fn voucher_campaign_of(&self, op: &mut Op<'_>, contract: i64, pid: i64) -> Result<i64> {
        let campaigns = op.tx.campaigns().await?;
        for c in campaigns
            .iter()
            .filter(|c| c.contract_id == contract && c.kind == "voucher" && c.state != "closed")
        {
            if let Some(m) = op.tx.campaign_member(c.id, pid).await? {
                if m.returned_at.is_some() {
                    return Err(ServiceError::Conflict(
                        "この方の受診券は宛所不明で返戻されています。住所変更として受け付け、区の確認を待ってください"
                            .into(),
                    ));
                }
                if op
                    .tx
                    .reissues(contract, false, 10_000)
                    .await?
                    .iter()
                    .any(|r| r.person_id == pid)
                {
                    return Err(ServiceError::Conflict(
                        "この方の再発行は受付済みで、印刷を待っています".into(),
                    ));
                }
                return Ok(c.id);
            }
        }
        Err(ServiceError::Invalid(
            "この方は受診券の送付対象者ではないため、再発行できません".into(),
        ))
    }

    /// Check each screening against the caller's age and sex; the new
    /// がん検診の種類 value, or every reason it is refused.
    fn add_screenings(&self, caller: &Caller, add: &[Screening]) -> Result<String> {
        let fy = itaku_jp::FiscalYear::of(jst_date(self.now()));
        let birth = parse_date(caller.get(Item::Seinengappi));
        let sex = caller.get(Item::Seibetsu);
        let current = caller.get(Item::GanKenshinShurui);
        let (have, _) = super::parse_kinds(current);
        let mut reasons = Vec::new();
        for s in add {
            if have.contains(s) {
                reasons.push(format!("{}は既に申込済みです", s.label()));
            } else if let Err(r) = s.check(birth, sex, fy) {
                reasons.push(r);
            }
        }
        if !reasons.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "追加できません: {}",
                reasons.join("／")
            )));
        }
        Ok(super::merge_kinds(current, add))
    }

    /// Hand a change of address to the ward: sealed with the ward's key,
    /// so the contractor keeps nothing it could read back.
    async fn file_address_change(
        &self,
        op: &mut Op<'_>,
        contract: i64,
        inquiry: i64,
        caller: &Caller,
        addr: &NewAddress,
        now: &str,
    ) -> Result<()> {
        let (_, ward_key) = self.vault(&mut op.tx, None).await?;
        let (vault, _) = self
            .vault(&mut op.tx, Some(itaku_core::ContractId(contract)))
            .await?;
        let ward_person_id = match caller.person_id {
            Some(p) => op.tx.person_source(vault.id, p).await?,
            None => None,
        };
        let old = [caller.get(Item::Jusho), caller.get(Item::Katagaki)]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("　");
        let view = AddressChangeView {
            name: caller.get(Item::Shimei).to_owned(),
            kana: caller.get(Item::KanaShimei).to_owned(),
            birth_date: caller.get(Item::Seinengappi).to_owned(),
            phone: caller.get(Item::DenwaBango).to_owned(),
            old_address: old,
            new_postal_code: addr.postal_code.clone(),
            new_address: addr.address.clone(),
            new_katagaki: addr.katagaki.clone(),
            ..Default::default()
        };
        let json = serde_json::to_vec(&view).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let seal_ref = itaku_crypto::random_token();
        let sealed = ward_key.seal(
            &ward_aad("desk_address_changes", &seal_ref, "change"),
            &json,
        )?;
        op.tx
            .insert_address_change(contract, inquiry, ward_person_id, &seal_ref, &sealed, now)
            .await?;
        Ok(())
    }

    /// Put a complaint into the ward's complaints record, reported to the
    /// ward the day it was received.
    pub(super) async fn file_complaint(
        &self,
        op: &mut Op<'_>,
        contract: i64,
        inquiry: i64,
        received: chrono::NaiveDate,
        summary: &str,
    ) -> Result<i64> {
        let job_id = op
            .tx
            .contract(contract)
            .await?
            .map(|c| c.job_id)
            .ok_or_else(ServiceError::not_found)?;
        let spec = crate::complaints::NewComplaintSpec {
            received_on: received,
            channel: "phone".into(),
            summary: summary.to_owned(),
        };
        let day = received.to_string();
        self.insert_complaint(
            op,
            job_id,
            Some(contract),
            ("desk", Some(inquiry)),
            &spec,
            summary,
            Some(&day),
        )
        .await
    }
}

/// What each kind needs before anything is opened; for a change of
/// address, the new address in the register's forms.
fn validate_kind(req: &InquiryRequest, note: &str) -> Result<Option<NewAddress>> {
    match req.kind {
        InquiryKind::AddScreening if req.screenings.is_empty() => Err(ServiceError::Invalid(
            "追加するがん検診の種類を選んでください".into(),
        )),
        InquiryKind::AddressChange => {
            let Some(a) = &req.new_address else {
                return Err(ServiceError::Invalid("新しい住所を入力してください".into()));
            };
            let postal = itaku_jp::PostalCode::parse(&a.postal_code)
                .map_err(|e| ServiceError::Invalid(format!("新しい郵便番号: {e}")))?;
            let address = itaku_jp::Jusho::parse(&a.address)
                .map_err(|e| ServiceError::Invalid(format!("新しい住所: {e}")))?;
            let katagaki = if a.katagaki.trim().is_empty() {
                String::new()
            } else {
                itaku_jp::Katagaki::parse(&a.katagaki)
                    .map_err(|e| ServiceError::Invalid(format!("新しい方書: {e}")))?
                    .as_str()
                    .to_owned()
            };
            Ok(Some(NewAddress {
                postal_code: postal.digits().to_owned(),
                address: address.as_str().to_owned(),
                katagaki,
            }))
        }
        InquiryKind::Complaint if note.is_empty() => {
            Err(ServiceError::Invalid("苦情の要旨を入力してください".into()))
        }
        _ => Ok(None),
    }
}
