//! Screening results from the ward (受診券整理番号, 受診日, 健診種別 and the
//! measurements) into the ward's vault, through the target-list import
//! machinery (profile, CP932, line-numbered rejections), matched to the
//! residents by 受診券整理番号; then, per campaign, the 健診結果 of its
//! members into the contract's vault, where only a purpose allowing
//! 健診結果 (効果分析) can open it.

use crate::error::{Result, ServiceError};
use crate::ledger::{Channel, Direction, Movement};
use crate::op::OpRequest;
use crate::persons::field_aad;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_import::{Profile, Rejection, ScanReport, Scanner};
use itaku_policy::{Action, Scope};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;

/// What a screening-results import did.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsImportReport {
    pub dry_run: bool,
    /// Rows stored on a resident.
    pub matched: u64,
    /// Rows whose 受診券整理番号 no resident has (also listed in `scan.rejections`).
    pub unmatched: u64,
    #[serde(flatten)]
    pub scan: ScanReport,
}

/// What handing a campaign's results to its contract did.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsProvided {
    pub campaign_id: i64,
    pub contract_id: i64,
    /// Members whose 健診結果 was copied.
    pub persons: i64,
}

impl Service {
    /// Import a screening-results file (a profile keyed by 受診券整理番号)
    /// into the ward's vault: one audited write, all or nothing.
    pub async fn import_screening_results(
        &self,
        actor: &Actor,
        profile: &Profile,
        input: impl Read,
        dry_run: bool,
    ) -> Result<ResultsImportReport> {
        let invalid = |e: &dyn std::fmt::Display| ServiceError::Invalid(e.to_string());
        if profile.key_item().map_err(|e| invalid(&e))? != Item::JushinkenNo {
            return Err(ServiceError::Invalid(
                "受診結果の取込設定は受診券整理番号で照合します（key = \"jushinken_no\"）".into(),
            ));
        }
        // The scanner is not Send: read the whole file before the first
        // await (a results file has one row per screening, not millions).
        let (rows, mut scan) = {
            let mut scanner = Scanner::new(input, profile).map_err(|e| invalid(&e))?;
            let mut rows = Vec::new();
            while let Some(r) = scanner.next_row() {
                rows.push((r.line, r.values));
            }
            (rows, scanner.finish())
        };
        let written: Vec<Item> = profile
            .item_sources()
            .map_err(|e| invalid(&e))?
            .into_iter()
            .map(|(i, _)| i)
            .filter(|i| *i != Item::JushinkenNo)
            .collect();
        let items: ItemSet = written.iter().copied().chain([Item::JushinkenNo]).collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "screening_result").items(items),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        // 受診券整理番号 → resident: read under this operation (it names the item).
        let mut by_number: HashMap<String, (i64, Vec<u8>)> = HashMap::new();
        let mut after = 0;
        loop {
            let page = op.tx.person_ids(vault.id, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = *last;
            for r in op
                .tx
                .load_items(vault.id, &page, &[Item::JushinkenNo.code()])
                .await?
            {
                for (_, sealed) in &r.items {
                    let aad = field_aad(vault.id, &r.person_key, Item::JushinkenNo);
                    let no = String::from_utf8(key.open(&aad, sealed)?)
                        .map_err(|_| ServiceError::Internal("文字コード不正".into()))?;
                    by_number.insert(no, (r.person_id, r.person_key.clone()));
                }
            }
        }
        let (mut matched, mut unmatched) = (0u64, 0u64);
        let mut ids = Vec::new();
        let mut misses = Vec::new();
        for (line, values) in &rows {
            let no = values.get(&Item::JushinkenNo).cloned().unwrap_or_default();
            let Some((person_id, person_key)) = by_number.get(&no) else {
                unmatched += 1;
                misses.push(Rejection {
                    line: *line,
                    column: Item::JushinkenNo.label().into(),
                    value: no,
                    reason: "この受診券整理番号の対象者が区の名簿にいません".into(),
                });
                continue;
            };
            matched += 1;
            ids.push(*person_id);
            if dry_run {
                continue;
            }
            let mut sealed = Vec::new();
            for item in &written {
                if let Some(v) = values.get(item) {
                    let aad = field_aad(vault.id, person_key, *item);
                    sealed.push((item.code(), key.seal(&aad, v.as_bytes())?));
                }
            }
            op.tx.put_items(*person_id, &sealed).await?;
        }
        scan.rejections.extend(misses);
        scan.rejections.sort_by_key(|r| r.line);
        let detail = format!(
            "profile「{}」 {}: matched {matched}, unmatched {unmatched}, rejected {}",
            profile.name,
            if dry_run {
                "dry run"
            } else {
                "screening results"
            },
            scan.rejected_rows + scan.duplicate_rows
        );
        if dry_run {
            ids.clear();
        }
        op.finish(&ids, &detail).await?;
        Ok(ResultsImportReport {
            dry_run,
            matched,
            unmatched,
            scan,
        })
    }

    /// Copy the 健診結果 of a campaign's members from the ward's vault into
    /// the contract's vault: a provision of one item, audited and entered in
    /// the 情報管理台帳, refused unless the contract has a purpose allowing it.
    pub async fn provide_screening_results(
        &self,
        actor: &Actor,
        campaign_id: i64,
    ) -> Result<ResultsProvided> {
        let contract_id = {
            let mut tx = self.inner.store.begin().await?;
            let c = tx.campaign(campaign_id).await?;
            tx.rollback().await?;
            c.ok_or_else(ServiceError::not_found)?.contract_id
        };
        let cid = ContractId(contract_id);
        let items: ItemSet = [Item::KenshinKekka].into_iter().collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, Scope::Contract(cid), "person")
                    .items(items.clone()),
            )
            .await?;
        let (ward, ward_key) = self.vault(&mut op.tx, None).await?;
        let (vault, key) = self.vault(&mut op.tx, Some(cid)).await?;
        let members = op.tx.campaign_members(campaign_id).await?;
        let code = Item::KenshinKekka.code();
        let mut digest = Sha256::new();
        let mut copied = Vec::new();
        for chunk in members.chunks(500) {
            let ward_ids: Vec<i64> = chunk.iter().map(|m| m.ward_person_id).collect();
            let copies: HashMap<i64, i64> = chunk
                .iter()
                .map(|m| (m.ward_person_id, m.person_id))
                .collect();
            let copy_ids: Vec<i64> = chunk.iter().map(|m| m.person_id).collect();
            let copy_keys: HashMap<i64, Vec<u8>> = op
                .tx
                .load_items(vault.id, &copy_ids, &[])
                .await?
                .into_iter()
                .map(|r| (r.person_id, r.person_key))
                .collect();
            for r in op.tx.load_items(ward.id, &ward_ids, &[code]).await? {
                let Some((_, sealed)) = r.items.first() else {
                    continue;
                };
                let plain = ward_key.open(
                    &field_aad(ward.id, &r.person_key, Item::KenshinKekka),
                    sealed,
                )?;
                let Some(copy) = copies.get(&r.person_id) else {
                    continue;
                };
                let Some(copy_key) = copy_keys.get(copy) else {
                    continue;
                };
                let resealed =
                    key.seal(&field_aad(vault.id, copy_key, Item::KenshinKekka), &plain)?;
                op.tx.put_items(*copy, &[(code, resealed)]).await?;
                digest.update(r.person_id.to_le_bytes());
                digest.update(&plain);
                copied.push(r.person_id);
            }
        }
        let digest = hex::encode(digest.finalize());
        let persons = copied.len() as i64;
        op.record_movement(Movement {
            contract_id,
            direction: Direction::Provision,
            channel: Channel::Vault,
            campaign_id: Some(campaign_id),
            list_id: None,
            records: persons,
            items: &items,
            digest: &digest,
            package: None,
            counterpart: None,
        })
        .await?;
        op.finish(
            &copied,
            &format!("campaign {campaign_id}: screening results provided to contract {contract_id}, {persons} persons, sha256={digest}"),
        )
        .await?;
        Ok(ResultsProvided {
            campaign_id,
            contract_id,
            persons,
        })
    }
}
