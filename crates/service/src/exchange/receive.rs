//! Reading packages: the contractor's installation takes a provision into
//! the contract's vault; the ward's takes a return into its own records.
//! The package is verified whole (sender's signature, contract, items,
//! count, digest) before one record is stored, and stored in one
//! transaction, so a refused package leaves nothing behind. The receiver
//! signs a receipt for the sender's ledger; the sender checks it with
//! [`Service::accept_receipt`].

use super::send::required_binding;
use super::{codes, scope};
use crate::error::{Result, ServiceError};
use crate::ledger::{result_items, Channel, Direction, LedgerLine, Movement, Origin, Results};
use crate::op::{Op, OpRequest};
use crate::persons::NewPerson;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet, OrgKind};
use itaku_exchange::{
    make_receipt, read_package, verify_receipt, Expectation, Manifest, PackageKind, PackageSummary,
    Receipt, Record, SecretString, Timestamp, Unlock,
};
use itaku_policy::Action;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

/// A package taken in.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReceived {
    pub ledger_line: i64,
    pub direction: Direction,
    pub package_id: String,
    pub records: u64,
    pub sender_org: String,
    /// The signed receipt (JSON) to send back to the sender.
    pub receipt_json: String,
}

impl Service {
    /// Take a package for `contract_id`. A contractor's 責任者 receives a
    /// provision into the contract's vault; ward staff receive a return
    /// into the ward's records. `passphrase` opens a package written for
    /// removable media; otherwise this installation's exchange key does.
    pub async fn receive_package<R: Read>(
        &self,
        actor: &Actor,
        contract_id: i64,
        input: R,
        passphrase: Option<&SecretString>,
    ) -> Result<PackageReceived> {
        let contract_items = self.contract_items(ContractId(contract_id)).await?;
        let (kind, action, items) = match self.actor_org_kind(actor).await? {
            OrgKind::Ward => (
                PackageKind::Return,
                Action::Provision,
                result_items(&contract_items),
            ),
            _ => (PackageKind::Provision, Action::Receive, contract_items),
        };
        let mut op = self
            .begin(
                actor,
                OpRequest::new(action, scope(contract_id), "person").items(items),
            )
            .await?;
        let binding = required_binding(&mut op, contract_id).await?;
        let identity = self.load_identity(&mut op.tx).await?;
        let sender = binding.partner_public_key()?;
        let unlock = match passphrase {
            Some(p) => Unlock::Passphrase(p),
            None => Unlock::Identity(&identity),
        };
        let expectation = Expectation {
            contract_id: itaku_exchange::ContractId::new(&binding.exchange_ref)?,
            allowed_items: codes(&op.allowed)?,
            kind,
        };
        // A refused package is audited as refused, with nothing stored.
        let package = match read_package(input, unlock, &[sender], &expectation) {
            Ok(p) => p,
            Err(e) => {
                let detail = format!("package refused: {e}");
                op.finish(&[], &detail).await?;
                return Err(e.into());
            }
        };
        let summary = package.summary().clone();
        let head = &summary.manifest.head;
        if op
            .tx
            .transfer_by_package(head.package_id.as_str())
            .await?
            .is_some()
        {
            let detail = format!("package {} already received", head.package_id);
            op.finish(&[], &detail).await?;
            return Err(ServiceError::Conflict(format!(
                "このパッケージ（受け渡し番号 {}）は取り込み済みです",
                head.package_id
            )));
        }
        let records = package.into_vec()?;
        let touched = match kind {
            PackageKind::Provision => {
                let fingerprint = binding.partner.fingerprint.clone();
                self.store_provision(
                    &mut op,
                    contract_id,
                    &records,
                    Origin::Partner(&fingerprint),
                )
                .await?
            }
            PackageKind::Return => self.store_return(&mut op, contract_id, &records).await?,
        };
        let now = op.now_ts();
        let receipt = make_receipt(&identity, &summary, Timestamp::new(&now)?);
        let receipt_json = receipt.to_json();
        let manifest_json = serde_json::to_string(&summary.manifest)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let direction = match kind {
            PackageKind::Provision => Direction::Provision,
            PackageKind::Return => Direction::Return,
        };
        let allowed = op.allowed.clone();
        let line = op
            .record_movement(Movement {
                contract_id,
                direction,
                channel: Channel::PackageReceived,
                campaign_id: None,
                list_id: None,
                records: summary.manifest.record_count as i64,
                items: &allowed,
                digest: &summary.manifest.payload_sha256,
                package: Some((
                    head.package_id.as_str(),
                    &summary.manifest_sha256,
                    &manifest_json,
                )),
                counterpart: Some(head.sender_org.as_str()),
            })
            .await?;
        op.tx
            .set_transfer_receipt(line, &receipt_json, &now)
            .await?;
        let received = PackageReceived {
            ledger_line: line,
            direction,
            package_id: head.package_id.as_str().to_owned(),
            records: summary.manifest.record_count,
            sender_org: head.sender_org.as_str().to_owned(),
            receipt_json,
        };
        op.finish(
            &touched,
            &format!(
                "received package {} from {}: {} records, manifest sha256={}",
                received.package_id, received.sender_org, received.records, summary.manifest_sha256
            ),
        )
        .await?;
        Ok(received)
    }

    /// Check the other side's signed receipt for a package this
    /// installation sent, and close that ledger line.
    pub async fn accept_receipt(&self, actor: &Actor, receipt_json: &str) -> Result<LedgerLine> {
        let receipt = Receipt::from_json(receipt_json)?;
        let mut tx = self.inner.store.begin().await?;
        let row = tx.transfer_by_package(receipt.package_id.as_str()).await?;
        tx.rollback().await?;
        let row = row
            .filter(|r| r.channel == Channel::PackageSent.code())
            .ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "受け渡し番号 {} のパッケージはこの環境から送っていません",
                    receipt.package_id
                ))
            })?;
        let action = if row.direction == Direction::Return.code() {
            Action::Return
        } else {
            Action::Provision
        };
        let items = ItemSet::parse_codes(&row.items)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(action, scope(row.contract_id), "ledger").items(items),
            )
            .await?;
        let binding = required_binding(&mut op, row.contract_id).await?;
        let manifest: Manifest = serde_json::from_str(row.manifest.as_deref().unwrap_or_default())
            .map_err(|_| ServiceError::Internal("台帳の送り状を読めません".into()))?;
        let original = PackageSummary {
            manifest,
            manifest_sha256: row.manifest_sha256.clone().unwrap_or_default(),
        };
        if let Err(e) = verify_receipt(&receipt, &binding.partner_public_key()?, &original) {
            op.finish(&[], &format!("receipt refused: {e}")).await?;
            return Err(e.into());
        }
        let now = op.now_ts();
        if !op
            .tx
            .set_transfer_receipt(row.id, &receipt.to_json(), &now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "この受領書は台帳に記録済みです".into(),
            ));
        }
        op.finish(&[], &format!("receipt for package {}", receipt.package_id))
            .await?;
        let mut row = row;
        row.receipt = Some(receipt.to_json());
        row.receipt_at = Some(now);
        LedgerLine::from_row(row)
    }

    async fn actor_org_kind(&self, actor: &Actor) -> Result<OrgKind> {
        let Some(user) = actor.user_id() else {
            return Ok(OrgKind::Ward);
        };
        let mut tx = self.inner.store.begin().await?;
        let u = tx
            .user(user.0)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let org = tx
            .org(u.org_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        tx.rollback().await?;
        Ok(OrgKind::parse(&org.kind)?)
    }

    /// A provision into the contract's vault: each person keyed by the
    /// ward's record number, which a later return names.
    async fn store_provision(
        &self,
        op: &mut Op<'_>,
        contract_id: i64,
        records: &[Record],
        origin: Origin<'_>,
    ) -> Result<Vec<i64>> {
        let (cv, ckey) = self
            .vault(&mut op.tx, Some(ContractId(contract_id)))
            .await?;
        let now = op.now_ts();
        let items = op.allowed.clone();
        let mut stored = Vec::with_capacity(records.len());
        for chunk in records.chunks(500) {
            let mut persons = Vec::with_capacity(chunk.len());
            let mut identities = Vec::with_capacity(chunk.len());
            for r in chunk {
                let ward_id = ward_record_number(r)?;
                persons.push(NewPerson {
                    values: item_values(r)?,
                });
                identities.push((origin.person_key(&ckey, ward_id), Some(ward_id)));
            }
            let (ids, _) = self
                .store_persons(
                    &mut op.tx,
                    (cv.id, &ckey),
                    &items,
                    &persons,
                    identities,
                    &now,
                )
                .await?;
            stored.extend(ids);
        }
        Ok(stored)
    }

    /// A return into the ward's records, refused whole if it names a record
    /// no package of this contract provided.
    async fn store_return(
        &self,
        op: &mut Op<'_>,
        contract_id: i64,
        records: &[Record],
    ) -> Result<Vec<i64>> {
        let mut results = Results::new();
        for r in records {
            results.insert(ward_record_number(r)?, item_values(r)?);
        }
        let ids: Vec<i64> = results.keys().copied().collect();
        let strangers = op.tx.never_provided(contract_id, &ids).await?;
        if !strangers.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "返還パッケージに、この契約で提供していない記録が {} 件含まれています（記録番号 {} など）。何も取り込んでいません。",
                strangers.len(),
                strangers[0]
            )));
        }
        self.write_results(op, &results).await
    }
}

fn ward_record_number(r: &Record) -> Result<i64> {
    r.id.as_str().parse::<i64>().map_err(|_| {
        ServiceError::Invalid(format!(
            "記録番号「{}」は区の記録番号ではありません。何も取り込んでいません。",
            r.id.as_str()
        ))
    })
}

fn item_values(r: &Record) -> Result<BTreeMap<Item, String>> {
    r.values
        .iter()
        .map(|(code, v)| Ok((Item::parse(code.as_str())?, v.clone())))
        .collect()
}
