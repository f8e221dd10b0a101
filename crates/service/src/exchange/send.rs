//! Writing packages: the ward provides a frozen list to a contractor's
//! installation; the contractor returns its results to the ward's.

use super::{binding_in, codes, scope, ExchangeBinding};
use crate::error::{Result, ServiceError};
use crate::ledger::{result_items, Channel, Direction, Movement, Origin, Results};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_exchange::{
    write_package, ContractName, ManifestFields, OrgName, PackageKind, PassphraseRecipient,
    Recipient, Record, SecretString, Timestamp,
};
use itaku_policy::Action;
use serde::Serialize;
use std::io::Write;

/// Whom a package is encrypted to.
pub enum PackageTo {
    /// The partner's registered key (LGWAN).
    Partner,
    /// A passphrase, for removable media; told to the receiver by phone.
    Passphrase {
        passphrase: SecretString,
        work_factor: u8,
    },
}

/// What was written, as the ledger now shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PackageSent {
    pub ledger_line: i64,
    pub package_id: String,
    pub records: u64,
    pub manifest_sha256: String,
    pub recipient_org: String,
}

impl Service {
    /// Ward staff: write the persons of a frozen list, with exactly the
    /// items the contract's purposes allow, as a package for the contract's
    /// partner. The ledger keeps which ward records went, so a return can
    /// name no other.
    pub async fn send_provision_package<W: Write>(
        &self,
        actor: &Actor,
        contract_id: i64,
        list_id: i64,
        to: PackageTo,
        out: W,
    ) -> Result<PackageSent> {
        let items = self
            .contract_items(itaku_core::ContractId(contract_id))
            .await?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, scope(contract_id), "person").items(items),
            )
            .await?;
        let binding = required_binding(&mut op, contract_id).await?;
        op.tx
            .target_list(list_id)
            .await?
            .ok_or_else(|| ServiceError::Invalid(format!("名簿 {list_id} がありません")))?;
        let mut ids = Vec::new();
        let mut after = 0;
        loop {
            let page = op.tx.target_list_members(list_id, after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = *last;
            ids.extend(page);
        }
        let (ward, wkey) = self.vault(&mut op.tx, None).await?;
        let mut records = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for p in self.open_persons(&mut op, ward.id, &wkey, chunk).await? {
                records.push(Record::new(
                    &p.id.to_string(),
                    p.values.iter().map(|(i, v)| (i.code(), v.as_str())),
                )?);
            }
        }
        let sent = self
            .write_and_record(
                &mut op,
                &binding,
                PackageKind::Provision,
                to,
                out,
                records,
                Some(list_id),
            )
            .await?;
        op.tx
            .insert_transfer_members(sent.ledger_line, &ids)
            .await?;
        op.finish(
            &ids,
            &format!(
                "package {} to {}: {} persons, manifest sha256={}",
                sent.package_id, sent.recipient_org, sent.records, sent.manifest_sha256
            ),
        )
        .await?;
        Ok(sent)
    }

    /// The contractor's 責任者: write the contract's results (勧奨結果,
    /// アンケート, returned postcards) as a package for the ward, each under
    /// the ward's own record number.
    pub async fn send_return_package<W: Write>(
        &self,
        actor: &Actor,
        contract_id: i64,
        to: PackageTo,
        out: W,
    ) -> Result<PackageSent> {
        let items = result_items(
            &self
                .contract_items(itaku_core::ContractId(contract_id))
                .await?,
        );
        if items.is_empty() {
            return Err(ServiceError::Invalid(
                "この契約の利用目的には返還する項目（勧奨結果・アンケート）がありません。".into(),
            ));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Return, scope(contract_id), "person").items(items),
            )
            .await?;
        let binding = required_binding(&mut op, contract_id).await?;
        let fingerprint = binding.partner.fingerprint.clone();
        let (results, touched) = self
            .contract_results(&mut op, contract_id, Origin::Partner(&fingerprint))
            .await?;
        let records = results
            .iter()
            .map(|(ward_id, values)| {
                Record::new(
                    &ward_id.to_string(),
                    values.iter().map(|(i, v)| (i.code(), v.as_str())),
                )
            })
            .collect::<itaku_exchange::Result<Vec<_>>>()?;
        let sent = self
            .write_and_record(
                &mut op,
                &binding,
                PackageKind::Return,
                to,
                out,
                records,
                None,
            )
            .await?;
        op.finish(
            &touched,
            &format!(
                "return package {} to {}: {} records, manifest sha256={}",
                sent.package_id, sent.recipient_org, sent.records, sent.manifest_sha256
            ),
        )
        .await?;
        Ok(sent)
    }

    /// Results held in the contract's vault for persons of one origin, by
    /// the ward record each came from, and the vault's person ids read.
    pub(crate) async fn contract_results(
        &self,
        op: &mut Op<'_>,
        contract_id: i64,
        origin: Origin<'_>,
    ) -> Result<(Results, Vec<i64>)> {
        let (cv, ckey) = self
            .vault(&mut op.tx, Some(itaku_core::ContractId(contract_id)))
            .await?;
        let returned_mail = self.returned_mail(op, contract_id).await?;
        let mut results = Results::new();
        let mut touched = Vec::new();
        let mut after = 0;
        loop {
            let page = op.tx.person_sources(cv.id, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            let ids: Vec<i64> = page.iter().map(|p| p.0).collect();
            let keys: std::collections::BTreeMap<i64, Vec<u8>> = op
                .tx
                .load_items(cv.id, &ids, &[])
                .await?
                .into_iter()
                .map(|r| (r.person_id, r.person_key))
                .collect();
            let sources: std::collections::BTreeMap<i64, i64> = page
                .iter()
                .filter_map(|(id, src)| src.map(|s| (*id, s)))
                .filter(|(id, s)| keys.get(id) == Some(&origin.person_key(&ckey, *s)))
                .collect();
            for p in self.open_persons(op, cv.id, &ckey, &ids).await? {
                let Some(ward_id) = sources.get(&p.id) else {
                    continue;
                };
                touched.push(p.id);
                let mut values = p.values;
                if let Some(note) = returned_mail.get(&p.id) {
                    if op.allowed.contains(itaku_core::Item::KanshoKekka) {
                        values
                            .entry(itaku_core::Item::KanshoKekka)
                            .or_insert_with(|| note.clone());
                    }
                }
                if !values.is_empty() {
                    results.insert(*ward_id, values);
                }
            }
        }
        Ok((results, touched))
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_and_record<W: Write>(
        &self,
        op: &mut Op<'_>,
        binding: &ExchangeBinding,
        kind: PackageKind,
        to: PackageTo,
        out: W,
        records: Vec<Record>,
        list_id: Option<i64>,
    ) -> Result<PackageSent> {
        let identity = self.load_identity(&mut op.tx).await?;
        let partner = binding.partner_public_key()?;
        let contract = op.contract.clone().ok_or_else(ServiceError::not_found)?;
        let name = op
            .tx
            .contract(contract.id.0)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let purposes = contract
            .purposes
            .iter()
            .map(|p| Ok(itaku_exchange::Code::new(&p.code)?))
            .collect::<Result<_>>()?;
        let allowed: ItemSet = op.allowed.clone();
        let now = op.now_ts();
        let fields = ManifestFields {
            kind,
            contract_id: itaku_exchange::ContractId::new(&binding.exchange_ref)?,
            contract_name: ContractName::new(&name)?,
            purposes,
            items: codes(&allowed)?,
            created_at: Timestamp::new(&now)?,
        };
        let recipient = match to {
            PackageTo::Partner => Recipient::Key(&partner),
            PackageTo::Passphrase {
                passphrase,
                work_factor,
            } => Recipient::Passphrase(PassphraseRecipient::new(
                OrgName::new(&binding.partner.org_name)?,
                passphrase,
                work_factor,
            )?),
        };
        let summary = write_package(out, &identity, recipient, fields, records)?;
        let manifest_json = serde_json::to_string(&summary.manifest)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let head = &summary.manifest.head;
        let line = op
            .record_movement(Movement {
                contract_id: contract.id.0,
                direction: match kind {
                    PackageKind::Provision => Direction::Provision,
                    PackageKind::Return => Direction::Return,
                },
                channel: Channel::PackageSent,
                campaign_id: None,
                list_id,
                records: summary.manifest.record_count as i64,
                items: &allowed,
                digest: &summary.manifest.payload_sha256,
                package: Some((
                    head.package_id.as_str(),
                    &summary.manifest_sha256,
                    &manifest_json,
                )),
                counterpart: Some(&binding.partner.org_name),
            })
            .await?;
        Ok(PackageSent {
            ledger_line: line,
            package_id: head.package_id.as_str().to_owned(),
            records: summary.manifest.record_count,
            manifest_sha256: summary.manifest_sha256.clone(),
            recipient_org: head.recipient_org.as_str().to_owned(),
        })
    }
}

pub(super) async fn required_binding(op: &mut Op<'_>, contract_id: i64) -> Result<ExchangeBinding> {
    binding_in(&mut op.tx, contract_id).await?.ok_or_else(|| {
        ServiceError::Invalid(
            "この契約には暗号化パッケージの送り先が設定されていません（itaku exchange bind）"
                .into(),
        )
    })
}
