//! The information-management ledger (情報管理台帳) of a contract: each
//! provision into its vault and each return of results to the ward, by
//! vault or by package, with counts, items, digests and receipts; and what
//! the contract's vault still holds. Receiving a return within one
//! installation lives here too.

use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::persons::field_aad;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_crypto::{sha256_hex, DataKey};
use itaku_policy::{Action, Scope};
use itaku_store::{NewTransfer, TransferRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a contractor collects and hands back (返還): the outcome of the
/// outreach and questionnaire answers. Everything else it holds came from
/// the ward and is erased, not returned.
pub const RESULT_ITEMS: [Item; 2] = [Item::KanshoKekka, Item::Anketo];

/// The result items a contract may carry back: those its purposes allow.
pub(crate) fn result_items(contract_items: &ItemSet) -> ItemSet {
    RESULT_ITEMS
        .into_iter()
        .filter(|i| contract_items.contains(*i))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Provision,
    Return,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Provision => "provision",
            Direction::Return => "return",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Direction::Provision => "提供",
            Direction::Return => "返還",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "provision" => Ok(Direction::Provision),
            "return" => Ok(Direction::Return),
            _ => Err(ServiceError::Internal(format!("unknown direction {s}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Between two vaults of this installation.
    Vault,
    /// A package this installation wrote for the other side.
    PackageSent,
    /// A package this installation read from the other side.
    PackageReceived,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Vault => "vault",
            Channel::PackageSent => "package_sent",
            Channel::PackageReceived => "package_received",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Vault => "システム内",
            Channel::PackageSent => "暗号化パッケージ（送付）",
            Channel::PackageReceived => "暗号化パッケージ（受領）",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "vault" => Ok(Channel::Vault),
            "package_sent" => Ok(Channel::PackageSent),
            "package_received" => Ok(Channel::PackageReceived),
            _ => Err(ServiceError::Internal(format!("unknown channel {s}"))),
        }
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub id: i64,
    pub direction: Direction,
    pub channel: Channel,
    pub campaign_id: Option<i64>,
    pub list_id: Option<i64>,
    pub records: i64,
    pub items: ItemSet,
    pub digest: String,
    pub package_id: Option<String>,
    pub counterpart: Option<String>,
    /// When the other side's signed receipt was checked and attached.
    pub receipt_at: Option<String>,
    pub created_at: String,
    pub operator: String,
}

impl LedgerLine {
    pub(crate) fn from_row(r: TransferRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            direction: Direction::parse(&r.direction)?,
            channel: Channel::parse(&r.channel)?,
            campaign_id: r.campaign_id,
            list_id: r.list_id,
            records: r.records,
            items: ItemSet::parse_codes(&r.items)?,
            digest: r.digest,
            package_id: r.package_id,
            counterpart: r.counterpart,
            receipt_at: r.receipt_at,
            created_at: r.created_at,
            operator: r.operator,
        })
    }
    /// A package sent whose receipt has not come back.
    pub fn awaiting_receipt(&self) -> bool {
        self.channel == Channel::PackageSent && self.receipt_at.is_none()
    }
}

/// A contract's ledger.
#[derive(Debug, Clone, Serialize)]
pub struct Ledger {
    pub contract_id: i64,
    pub contract_name: String,
    pub lines: Vec<LedgerLine>,
    /// Records in the contract's vault now (0 once erased).
    pub held: i64,
    pub erased: bool,
    /// A return has been received after the last provision.
    pub returned_after_last_provision: bool,
}

impl Ledger {
    pub fn provided(&self) -> i64 {
        self.total(Direction::Provision)
    }
    pub fn returned(&self) -> i64 {
        self.total(Direction::Return)
    }
    fn total(&self, d: Direction) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.direction == d)
            .map(|l| l.records)
            .sum()
    }
}

/// Every item any of the contract's purposes allows.
pub(crate) fn purposes_items(facts: Option<&itaku_policy::ContractFacts>) -> ItemSet {
    facts
        .into_iter()
        .flat_map(|f| f.purposes.iter())
        .flat_map(|p| p.items.iter())
        .collect()
}

/// Whether every provision has been followed by a return.
pub(crate) fn returns_complete(rows: &[TransferRow]) -> bool {
    let last = |d: &str| rows.iter().filter(|r| r.direction == d).map(|r| r.id).max();
    match (last("provision"), last("return")) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(p), Some(r)) => r > p,
    }
}

/// The ledger line of one movement, filled in from the operation.
pub(crate) struct Movement<'a> {
    pub contract_id: i64,
    pub direction: Direction,
    pub channel: Channel,
    pub campaign_id: Option<i64>,
    pub list_id: Option<i64>,
    pub records: i64,
    pub items: &'a ItemSet,
    pub digest: &'a str,
    /// Package id, manifest SHA-256 and the signed manifest's JSON.
    pub package: Option<(&'a str, &'a str, &'a str)>,
    pub counterpart: Option<&'a str>,
}

impl Op<'_> {
    pub(crate) async fn record_movement(&mut self, m: Movement<'_>) -> Result<i64> {
        let now = self.now_ts();
        let operator = self.actor_label().to_owned();
        let items = m.items.to_codes();
        Ok(self
            .tx
            .insert_transfer(&NewTransfer {
                contract_id: m.contract_id,
                direction: m.direction.code(),
                channel: m.channel.code(),
                campaign_id: m.campaign_id,
                list_id: m.list_id,
                records: m.records,
                items: &items,
                digest: m.digest,
                package_id: m.package.map(|p| p.0),
                manifest_sha256: m.package.map(|p| p.1),
                manifest: m.package.map(|p| p.2),
                counterpart: m.counterpart,
                created_at: &now,
                user_id: self.actor_user(),
                operator: &operator,
            })
            .await?)
    }
}

/// Where a contract vault's person came from: the ward of this
/// installation, or the partner (by its key's fingerprint) whose package
/// brought it. Part of the person's key in the vault, so that persons of
/// two origins with the same ward record number never merge, and a return
/// carries only persons of the origin it goes back to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    Local,
    Partner(&'a str),
}

impl Origin<'_> {
    pub(crate) fn person_key(self, key: &DataKey, ward_id: i64) -> Vec<u8> {
        let text = match self {
            Origin::Local => format!("ward:{ward_id}"),
            Origin::Partner(fingerprint) => format!("ward:{fingerprint}:{ward_id}"),
        };
        key.blind_index("person_key", &text).to_vec()
    }
}

/// Result values keyed by the ward's record id.
pub(crate) type Results = BTreeMap<i64, BTreeMap<Item, String>>;

/// A digest over returned values, in the same shape as a provision's.
pub(crate) fn results_digest(results: &Results) -> String {
    let mut input = String::new();
    for (id, values) in results {
        for (item, v) in values {
            input.push_str(&format!("{id}\t{}\t{v}\n", item.code()));
        }
    }
    sha256_hex(input.as_bytes())
}

/// A contract as the ledger index lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerContract {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub ends_on: String,
}

impl Service {
    /// Every contract, for the ward's ledger index (no personal data).
    pub async fn ledger_contracts(&self, actor: &Actor) -> Result<Vec<LedgerContract>> {
        let mut op = self
            .begin(actor, OpRequest::new(Action::Read, Scope::Ward, "ledger"))
            .await?;
        let out = op
            .tx
            .contracts()
            .await?
            .into_iter()
            .map(|c| LedgerContract {
                id: c.id,
                name: c.name,
                status: c.status,
                ends_on: c.ends_on,
            })
            .collect();
        op.finish(&[], "").await?;
        Ok(out)
    }

    /// A contract's ledger: ward staff and administrators, inspectors, and
    /// the contractor's staff of that contract. Reads no personal item.
    pub async fn ledger(&self, actor: &Actor, contract_id: i64) -> Result<Ledger> {
        let cid = ContractId(contract_id);
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(cid), "ledger"),
            )
            .await?;
        let contract = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let rows = op.tx.transfers(contract_id).await?;
        let returned_after_last_provision =
            returns_complete(&rows) && rows.iter().any(|r| r.direction == "return");
        let vault = op.tx.vault_for(Some(contract_id)).await?;
        let erased = vault.as_ref().is_some_and(|v| v.destroyed_at.is_some());
        let held = match &vault {
            Some(v) => op.tx.count_persons(v.id).await?,
            None => 0,
        };
        let lines = rows
            .into_iter()
            .map(LedgerLine::from_row)
            .collect::<Result<Vec<_>>>()?;
        op.finish(&[], "").await?;
        Ok(Ledger {
            contract_id,
            contract_name: contract.name,
            lines,
            held,
            erased,
            returned_after_last_provision,
        })
    }

    /// Receive a contract's results into the ward's records (返還), within
    /// this installation: ward staff, one audited operation. Every person
    /// of the contract's vault with a result item (or whose postcard came
    /// back undeliverable) gives those values to the ward record it came
    /// from; the ledger records the count, items and digest.
    pub async fn receive_return(&self, actor: &Actor, contract_id: i64) -> Result<ReturnReport> {
        let cid = ContractId(contract_id);
        let items = result_items(&self.contract_items(cid).await?);
        if items.is_empty() {
            return Err(ServiceError::Invalid(
                "この契約の利用目的には返還する項目（勧奨結果・アンケート）がありません。".into(),
            ));
        }
        if self.exchange_binding(contract_id).await?.is_some() {
            return Err(ServiceError::Invalid(
                "この契約は暗号化パッケージでやり取りします。受託者から届いた返還パッケージを取り込んでください。".into(),
            ));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, Scope::Contract(cid), "person").items(items),
            )
            .await?;
        let (results, _) = self
            .contract_results(&mut op, contract_id, Origin::Local)
            .await?;
        let written = self.write_results(&mut op, &results).await?;
        let digest = results_digest(&results);
        let allowed = op.allowed.clone();
        op.record_movement(Movement {
            contract_id,
            direction: Direction::Return,
            channel: Channel::Vault,
            campaign_id: None,
            list_id: None,
            records: written.len() as i64,
            items: &allowed,
            digest: &digest,
            package: None,
            counterpart: None,
        })
        .await?;
        op.finish(
            &written,
            &format!("returned {} persons, sha256={digest}", written.len()),
        )
        .await?;
        Ok(ReturnReport {
            contract_id,
            persons: written.len() as i64,
            items: allowed.iter().collect(),
            digest,
        })
    }

    /// Postcards of the contract's campaigns that came back undeliverable,
    /// by contract-vault person: that is a result of the outreach too.
    pub(crate) async fn returned_mail(
        &self,
        op: &mut Op<'_>,
        contract_id: i64,
    ) -> Result<BTreeMap<i64, String>> {
        let mut out = BTreeMap::new();
        for c in op.tx.campaigns().await? {
            if c.contract_id != contract_id {
                continue;
            }
            for m in op.tx.campaign_members(c.id).await? {
                if let Some(at) = m.returned_at {
                    let reason = m.returned_reason.unwrap_or_default();
                    let date = crate::jst_display(&at);
                    out.insert(
                        m.person_id,
                        format!("郵便返戻（{}）{date}", reason.trim()).replace("（）", ""),
                    );
                }
            }
        }
        Ok(out)
    }

    /// Write result values into the ward's records; returns the ward ids
    /// written. A ward record that no longer exists is an error: nothing
    /// of the return is kept.
    pub(crate) async fn write_results(
        &self,
        op: &mut Op<'_>,
        results: &Results,
    ) -> Result<Vec<i64>> {
        let (ward, wkey) = self.vault(&mut op.tx, None).await?;
        let ids: Vec<i64> = results.keys().copied().collect();
        let mut written = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows = op.tx.load_items(ward.id, chunk, &[]).await?;
            if rows.len() != chunk.len() {
                return Err(ServiceError::Invalid(format!(
                    "返還された記録のうち {} 件が区の名簿にありません。返還を取り込めません。",
                    chunk.len() - rows.len()
                )));
            }
            for r in rows {
                let Some(values) = results.get(&r.person_id) else {
                    continue;
                };
                let sealed = seal_values(&wkey, ward.id, &r.person_key, values)?;
                let refs: Vec<(&str, Vec<u8>)> =
                    sealed.into_iter().map(|(i, v)| (i.code(), v)).collect();
                op.tx.put_items(r.person_id, &refs).await?;
                written.push(r.person_id);
            }
        }
        Ok(written)
    }
}

fn seal_values(
    key: &DataKey,
    vault_id: i64,
    person_key: &[u8],
    values: &BTreeMap<Item, String>,
) -> Result<Vec<(Item, Vec<u8>)>> {
    values
        .iter()
        .map(|(item, v)| {
            Ok((
                *item,
                key.seal(&field_aad(vault_id, person_key, *item), v.as_bytes())?,
            ))
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ReturnReport {
    pub contract_id: i64,
    pub persons: i64,
    pub items: Vec<Item>,
    pub digest: String,
}
