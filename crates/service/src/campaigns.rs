//! Mail campaigns (seeds 000, 001, 002): a campaign belongs to a contract
//! and one of its purposes, takes a frozen target list into the contract's
//! vault, and moves through draft → segmented → assigned → printed →
//! in contact → closed, with who did what and when.
//!
//! A campaign's person data is read from the vault of whoever acts: a
//! contractor's handler reads the contract's copy, ward staff the ward's
//! own records. Either way every read is an audited operation.

use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::{ContractId, Item, ItemSet};
use itaku_import::Segmentation;
use itaku_policy::{Action, Scope};
use itaku_store::{CampaignColumn, CampaignEventRow, CampaignRow, MemberRow, Tx};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// 圧着はがき with a message per segment (seeds 001, 002).
    Postcard,
    /// 受診票 in a window envelope, the call-desk number on it (seed 000).
    Voucher,
}

impl CampaignKind {
    pub const ALL: [CampaignKind; 2] = [CampaignKind::Postcard, CampaignKind::Voucher];
    pub fn code(self) -> &'static str {
        match self {
            CampaignKind::Postcard => "postcard",
            CampaignKind::Voucher => "voucher",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CampaignKind::Postcard => "圧着はがきによる勧奨",
            CampaignKind::Voucher => "受診票の一斉送付",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("送付の種類「{s}」はありません")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    Draft,
    Segmented,
    Assigned,
    Printed,
    InContact,
    Closed,
}

impl CampaignState {
    pub const ALL: [CampaignState; 6] = [
        CampaignState::Draft,
        CampaignState::Segmented,
        CampaignState::Assigned,
        CampaignState::Printed,
        CampaignState::InContact,
        CampaignState::Closed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Segmented => "segmented",
            CampaignState::Assigned => "assigned",
            CampaignState::Printed => "printed",
            CampaignState::InContact => "in_contact",
            CampaignState::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CampaignState::Draft => "下書き",
            CampaignState::Segmented => "区分済み",
            CampaignState::Assigned => "割付済み",
            CampaignState::Printed => "印刷済み",
            CampaignState::InContact => "勧奨中",
            CampaignState::Closed => "終了",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Internal(format!("unknown campaign state {s}")))
    }
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub kind: CampaignKind,
    pub contract_id: i64,
    pub purpose: String,
    pub list_id: i64,
    /// 受診期限, printed in the message.
    pub deadline: NaiveDate,
    /// The number people call (問合せ先 or the call desk).
    pub desk_phone: String,
    /// Where the clinic list is (URL or a sentence).
    pub clinics: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentCount {
    pub code: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignEvent {
    pub at: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub kind: CampaignKind,
    pub contract_id: i64,
    pub contract_name: String,
    pub purpose: String,
    pub list_id: i64,
    pub list_name: String,
    pub fiscal_year: i64,
    pub state: CampaignState,
    pub deadline: NaiveDate,
    pub desk_phone: String,
    pub clinics: String,
    pub segmentation: Option<Segmentation>,
    pub design: Option<crate::arms::ArmDesign>,
    pub created_at: String,
    pub members: i64,
    pub callable: i64,
    pub returned: i64,
    pub segments: Vec<SegmentCount>,
    pub events: Vec<CampaignEvent>,
}

/// Whose copy of the members' data an actor reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    Ward,
    Contract(ContractId),
}

impl Side {
    pub fn of(actor: &Actor) -> Side {
        match actor.contract {
            Some(c) => Side::Contract(c),
            None => Side::Ward,
        }
    }
    pub fn scope(self) -> Scope {
        match self {
            Side::Ward => Scope::Ward,
            Side::Contract(c) => Scope::Contract(c),
        }
    }
    /// The member's record id in this side's vault.
    pub fn record(self, m: &MemberRow) -> i64 {
        match self {
            Side::Ward => m.ward_person_id,
            Side::Contract(_) => m.person_id,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Side::Ward => "ward",
            Side::Contract(_) => "contract",
        }
    }
}

impl Service {
    /// Open an operation on one campaign. A contractor sees only its own
    /// contract's campaigns; any other looks like one that does not exist.
    pub(crate) async fn campaign_op(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        items: ItemSet,
    ) -> Result<(Op<'_>, CampaignRow)> {
        let side = Side::of(actor);
        let mut op = self
            .begin(
                actor,
                OpRequest::new(action, side.scope(), "campaign").items(items),
            )
            .await?;
        let row = op.tx.campaign(id).await?;
        let row = match (row, side) {
            (Some(r), Side::Contract(c)) if r.contract_id == c.0 => r,
            (Some(r), Side::Ward) => r,
            _ => {
                op.finish(&[], &format!("campaign {id}: not found")).await?;
                return Err(ServiceError::not_found());
            }
        };
        Ok((op, row))
    }

    /// Members' values in the acting side's vault, by member id (the
    /// contract-vault id), with only the operation's allowed items.
    pub(crate) async fn member_values(
        &self,
        op: &mut Op<'_>,
        side: Side,
        members: &[&MemberRow],
    ) -> Result<HashMap<i64, BTreeMap<Item, String>>> {
        let contract = match side {
            Side::Ward => None,
            Side::Contract(c) => Some(c),
        };
        let (vault, key) = self.vault(&mut op.tx, contract).await?;
        let by_record: HashMap<i64, i64> = members
            .iter()
            .map(|m| (side.record(m), m.person_id))
            .collect();
        let ids: Vec<i64> = members.iter().map(|m| side.record(m)).collect();
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for p in self.open_persons(op, vault.id, &key, chunk).await? {
                if let Some(member) = by_record.get(&p.id) {
                    out.insert(*member, p.values);
                }
            }
        }
        Ok(out)
    }

    /// Create a campaign and provide its frozen list into the contract's
    /// vault (提供), with only the items the contract's purposes allow,
    /// in one operation. Ward staff only (the policy refuses others).
    pub async fn create_campaign(&self, actor: &Actor, c: &NewCampaign) -> Result<i64> {
        let name = c.name.trim();
        if name.is_empty() {
            return Err(ServiceError::Invalid("勧奨の名前を入力してください".into()));
        }
        let phone = itaku_jp::Phone::parse(&c.desk_phone)
            .map_err(|e| ServiceError::Invalid(format!("問合せ電話番号{e}")))?;
        let cid = ContractId(c.contract_id);
        let items = self.contract_items(cid).await?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, Scope::Contract(cid), "campaign").items(items),
            )
            .await?;
        let facts = op.contract.clone().ok_or_else(ServiceError::not_found)?;
        if !facts.purposes.iter().any(|p| p.code == c.purpose) {
            return Err(ServiceError::Invalid(format!(
                "利用目的「{}」はこの契約の業務にありません",
                c.purpose
            )));
        }
        let list = op.tx.target_list(c.list_id).await?.ok_or_else(|| {
            ServiceError::Invalid(
                "対象者リストが見つかりません。先にリストを確定してください".into(),
            )
        })?;
        let mut ids = Vec::with_capacity(list.members as usize);
        let mut after = 0;
        loop {
            let page = op.tx.target_list_members(list.id, after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = *last;
            ids.extend(page);
        }
        let copied = self.copy_to_contract(&mut op, cid, &ids).await?;
        let now = op.now_ts();
        let id = op
            .tx
            .insert_campaign(&CampaignRow {
                id: 0,
                name: name.to_owned(),
                kind: c.kind.code().into(),
                contract_id: c.contract_id,
                purpose: c.purpose.clone(),
                list_id: list.id,
                fiscal_year: list.fiscal_year,
                state: CampaignState::Draft.code().into(),
                deadline: c.deadline.format("%Y-%m-%d").to_string(),
                desk_phone: phone.to_string(),
                clinics: c.clinics.trim().to_owned(),
                segmentation: String::new(),
                design: String::new(),
                created_at: now.clone(),
                created_by: op.actor_user(),
            })
            .await?;
        let members: Vec<(i64, i64, bool)> = copied
            .members
            .iter()
            .map(|m| (m.contract_id, m.ward_id, m.has_phone))
            .collect();
        op.tx.insert_campaign_members(id, &members).await?;
        let allowed = op.allowed.clone();
        op.record_movement(crate::ledger::Movement {
            contract_id: c.contract_id,
            direction: crate::ledger::Direction::Provision,
            channel: crate::ledger::Channel::Vault,
            campaign_id: Some(id),
            list_id: Some(list.id),
            records: members.len() as i64,
            items: &allowed,
            digest: &copied.digest,
            package: None,
            counterpart: None,
        })
        .await?;
        let note = format!(
            "リスト「{}」の{}人を提供（sha256={}）",
            list.name,
            members.len(),
            copied.digest
        );
        self.campaign_event(&mut op, id, None, CampaignState::Draft, &note)
            .await?;
        op.finish(
            &ids,
            &format!(
                "campaign {id} created; provided {} persons, sha256={}",
                members.len(),
                copied.digest
            ),
        )
        .await?;
        Ok(id)
    }

    pub(crate) async fn campaign_event(
        &self,
        op: &mut Op<'_>,
        id: i64,
        from: Option<CampaignState>,
        to: CampaignState,
        note: &str,
    ) -> Result<()> {
        let actor = match op.actor_user() {
            Some(u) => op
                .tx
                .user(u)
                .await?
                .map(|u| format!("{} ({})", u.display_name, u.login))
                .unwrap_or_default(),
            None => "system".into(),
        };
        op.tx
            .insert_campaign_event(
                id,
                &CampaignEventRow {
                    at: op.now_ts(),
                    user_id: op.actor_user(),
                    actor,
                    from_state: from.map(|s| s.code()).unwrap_or("").into(),
                    to_state: to.code().into(),
                    note: note.into(),
                },
            )
            .await?;
        if from != Some(to) {
            op.tx
                .update_campaign(id, CampaignColumn::State, to.code())
                .await?;
        }
        Ok(())
    }

    /// The campaigns the actor's context may see (a contractor: its own).
    pub async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignView>> {
        let side = Side::of(actor);
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, side.scope(), "campaign"),
            )
            .await?;
        let rows = op.tx.campaigns().await?;
        let mut out = Vec::new();
        for r in rows {
            if let Side::Contract(c) = side {
                if r.contract_id != c.0 {
                    continue;
                }
            }
            out.push(self.campaign_view(&mut op.tx, r, false).await?);
        }
        op.finish(&[], "campaign list").await?;
        Ok(out)
    }

    /// One campaign with its counts and history (no person data).
    pub async fn campaign(&self, actor: &Actor, id: i64) -> Result<CampaignView> {
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Read, ItemSet::new())
            .await?;
        let view = self.campaign_view(&mut op.tx, row, true).await?;
        op.finish(&[], &format!("campaign {id}")).await?;
        Ok(view)
    }

    async fn campaign_view(&self, tx: &mut Tx, r: CampaignRow, full: bool) -> Result<CampaignView> {
        let members = tx.campaign_members(r.id).await?;
        let segmentation = if r.segmentation.is_empty() {
            None
        } else {
            Some(
                Segmentation::from_toml(&r.segmentation)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?,
            )
        };
        let design = if r.design.is_empty() {
            None
        } else {
            Some(
                serde_json::from_str(&r.design)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?,
            )
        };
        let mut segments = Vec::new();
        if let Some(s) = &segmentation {
            for (code, name) in s.codes_and_names() {
                let count = members
                    .iter()
                    .filter(|m| m.segment.as_deref() == Some(code.as_str()))
                    .count() as i64;
                segments.push(SegmentCount { code, name, count });
            }
        }
        let contract_name = tx
            .contract(r.contract_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let list_name = tx
            .target_list(r.list_id)
            .await?
            .map(|l| l.name)
            .unwrap_or_default();
        let events = if full {
            tx.campaign_events(r.id)
                .await?
                .into_iter()
                .map(|e| CampaignEvent {
                    at: e.at,
                    actor: e.actor,
                    from: label_of(&e.from_state),
                    to: label_of(&e.to_state),
                    note: e.note,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CampaignView {
            id: r.id,
            kind: CampaignKind::parse(&r.kind)?,
            state: CampaignState::parse(&r.state)?,
            deadline: crate::time::parse_date(&r.deadline).unwrap_or_default(),
            members: members.len() as i64,
            callable: members.iter().filter(|m| m.callable != 0).count() as i64,
            returned: members.iter().filter(|m| m.returned_at.is_some()).count() as i64,
            name: r.name,
            contract_id: r.contract_id,
            contract_name,
            purpose: r.purpose,
            list_id: r.list_id,
            list_name,
            fiscal_year: r.fiscal_year,
            desk_phone: r.desk_phone,
            clinics: r.clinics,
            segmentation,
            design,
            created_at: r.created_at,
            segments,
            events,
        })
    }

    /// Active contracts with their purposes, for choosing where a new
    /// campaign's list goes. Ward staff only.
    pub async fn contracts_for_campaigns(
        &self,
        actor: &Actor,
    ) -> Result<Vec<crate::view::ContractView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, Scope::Ward, "contract"),
            )
            .await?;
        let ids: Vec<i64> = op
            .tx
            .contracts()
            .await?
            .into_iter()
            .filter(|c| c.status == "active")
            .map(|c| c.id)
            .collect();
        let mut out = Vec::new();
        for id in ids {
            out.push(self.contract_view(&mut op.tx, id).await?);
        }
        op.finish(&[], "contracts for campaigns").await?;
        Ok(out)
    }

    /// Move a printed campaign into contact work, or close it.
    pub async fn advance_campaign(
        &self,
        actor: &Actor,
        id: i64,
        to: CampaignState,
        note: &str,
    ) -> Result<()> {
        let (mut op, row) = self
            .campaign_op(actor, id, Action::Write, ItemSet::new())
            .await?;
        let from = CampaignState::parse(&row.state)?;
        let ok = match to {
            CampaignState::InContact => from == CampaignState::Printed,
            CampaignState::Closed => from != CampaignState::Closed,
            _ => false,
        };
        if !ok {
            return Err(ServiceError::Conflict(format!(
                "「{}」の勧奨を「{}」にはできません",
                from.label(),
                to.label()
            )));
        }
        self.campaign_event(&mut op, id, Some(from), to, note.trim())
            .await?;
        op.finish(
            &[],
            &format!("campaign {id}: {} -> {}", from.code(), to.code()),
        )
        .await
    }
}

fn label_of(code: &str) -> String {
    CampaignState::parse(code)
        .map(|s| s.label().to_owned())
        .unwrap_or_default()
}
