//! Restore into a fresh, empty database (either backend) from a backup and
//! the key escrow. The rows go in within one transaction, each table is
//! read back and its digest compared with the backup's, and only then are
//! the escrowed vault keys put back — after checking that the master key
//! opens them. Vaults whose keys were destroyed stay unreadable.

use super::format::{Digest, TableDigest};
use super::key::BackupKey;
use super::{read_key_escrow, row_line, BackupReader, Event};
use crate::bootstrap::{contract_vault_aad, WARD_VAULT_AAD};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service, Settings};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use itaku_core::Clock;
use itaku_crypto::{DataKey, MasterKey, SigningKey};
use itaku_policy::Action;
use itaku_store::{Cell, Store, TableSchema};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Rows inserted per batch.
const BATCH: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub backup_created_at: String,
    pub backup_backend: String,
    pub escrow_created_at: String,
    pub tables: Vec<TableDigest>,
    pub rows: u64,
    /// Vaults whose keys came back.
    pub readable_vaults: Vec<i64>,
    /// Vaults whose keys the escrow says were destroyed: their rows (if the
    /// backup predates the erasure) stay ciphertext nobody can open.
    pub destroyed_vaults: Vec<i64>,
    /// Vaults the escrow knows nothing of (it is older than the backup).
    pub missing_keys: Vec<i64>,
}

fn refused(msg: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}

/// Restore `backup` with the vault keys of `keys` into the empty database
/// at `database_url`, which is created and migrated here. `master` must be
/// the installation's master key (the escrowed keys are wrapped by it).
pub async fn restore_backup(
    database_url: &str,
    master: MasterKey,
    clock: Arc<dyn Clock>,
    backup: &Path,
    keys: &Path,
    key: &BackupKey,
) -> Result<RestoreReport> {
    let escrow = read_key_escrow(keys, key)?;
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    let applied = store.applied_migrations().await?;
    let mut tx = store.begin().await?;
    tx.clear_migration_defaults().await?;
    let schema: HashMap<String, TableSchema> = tx
        .schema_tables()
        .await?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    for name in schema.keys() {
        if tx.count_rows(name).await? > 0 {
            return Err(refused(
                "復元先のデータベースが空ではありません。新しいデータディレクトリ（または空のデータベース）を指定してください",
            ));
        }
    }

    let mut reader = BackupReader::open(backup, key)?;
    let header = reader.header.clone();
    if header.migrations != applied {
        return Err(refused(format!(
            "バックアップのデータベースの版 {:?} と、この itaku の版 {:?} が異なります。同じ版の itaku で復元してください",
            header.migrations, applied
        )));
    }
    if escrow.audit_public_key != header.audit_public_key {
        return Err(refused(
            "鍵預託ファイルとバックアップが別のシステムのものです（監査用の公開鍵が一致しません）",
        ));
    }
    if let Some(t) = schema.keys().find(|t| !header.tables.contains(t)) {
        return Err(refused(format!("表 {t} がバックアップにありません")));
    }
    // Rows go in by batches as the file is read (it is never held whole).
    let mut file_digests: Vec<TableDigest> = Vec::new();
    let mut target: Option<&TableSchema> = None;
    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(BATCH);
    while let Some(event) = reader.next_event()? {
        match event {
            Event::TableStart(start) => {
                let t = schema.get(&start.table).ok_or_else(|| {
                    refused(format!(
                        "バックアップの表 {} が復元先にありません",
                        start.table
                    ))
                })?;
                let names: Vec<&str> = start.columns.iter().map(|(c, _)| c.as_str()).collect();
                let wanted: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
                if names != wanted {
                    return Err(refused(format!(
                        "表 {} の列がバックアップと復元先で異なります",
                        start.table
                    )));
                }
                target = Some(t);
            }
            Event::Row(cells) => {
                batch.push(cells);
                if batch.len() >= BATCH {
                    if let Some(t) = target {
                        tx.insert_rows(t, &batch).await?;
                    }
                    batch.clear();
                }
            }
            Event::TableEnd(d) => {
                if let (Some(t), false) = (target, batch.is_empty()) {
                    tx.insert_rows(t, &batch).await?;
                }
                batch.clear();
                target = None;
                file_digests.push(d);
            }
        }
    }
    tx.reset_identities().await?;

    // Read every table back: what is in the database now must be exactly
    // what the backup holds.
    for d in &file_digests {
        let t = schema
            .get(&d.table)
            .ok_or_else(|| refused(format!("表 {} が復元先にありません", d.table)))?;
        let mut digest = Digest::default();
        tx.each_row(t, |cells| -> Result<()> {
            digest.add(row_line(&cells).as_bytes());
            Ok(())
        })
        .await?;
        if &digest.finish(&d.table) != d {
            return Err(ServiceError::Internal(format!(
                "復元した表 {} の内容がバックアップと一致しません",
                d.table
            )));
        }
    }

    // The master key must open the installation's keys before anything is
    // committed: a wrong key file fails here, not at the next start.
    let wrong_master = || {
        ServiceError::MasterKey(
            "バックアップを作成したシステムのマスターキーと一致しません。正しい鍵ファイルを指定してください".into(),
        )
    };
    let (wrapped_signing, _) = tx
        .system_key("audit-signing")
        .await?
        .ok_or_else(|| refused("バックアップに監査用の署名鍵がありません"))?;
    SigningKey::unwrap(&master, "audit-signing", &wrapped_signing).map_err(|_| wrong_master())?;

    let mut report = RestoreReport {
        backup_created_at: header.created_at.clone(),
        backup_backend: header.backend.clone(),
        escrow_created_at: escrow.created_at.clone(),
        rows: file_digests.iter().map(|d| d.rows).sum(),
        tables: file_digests,
        readable_vaults: Vec::new(),
        destroyed_vaults: Vec::new(),
        missing_keys: Vec::new(),
    };
    for v in tx.vaults().await? {
        let live = escrow
            .keys
            .iter()
            .find(|k| k.vault_id == v.id && k.contract_id == v.contract_id);
        let dead = escrow
            .destroyed
            .iter()
            .find(|d| d.vault_id == v.id && d.contract_id == v.contract_id);
        if let Some(k) = live {
            let wrapped = k.wrapped()?;
            let aad = match v.contract_id {
                Some(c) => contract_vault_aad(c),
                None => WARD_VAULT_AAD.to_owned(),
            };
            DataKey::unwrap(&master, &aad, &wrapped).map_err(|_| wrong_master())?;
            tx.set_vault_key(v.id, Some(&wrapped), None).await?;
            report.readable_vaults.push(v.id);
        } else if let Some(d) = dead {
            tx.set_vault_key(v.id, None, Some(&d.destroyed_at)).await?;
            report.destroyed_vaults.push(v.id);
        } else if v.contract_id.is_none() {
            return Err(refused(
                "鍵預託ファイルに区の金庫の鍵がありません。`itaku backup keys` で作り直した鍵預託ファイルを指定してください",
            ));
        } else {
            report.missing_keys.push(v.id);
        }
    }
    // Seminar events' and questionnaires' keys: those still live when the
    // escrow was written come back; a destroyed one stays absent.
    for k in &escrow.sub_keys {
        if !itaku_store::SUB_KEY_TABLES.contains(&k.table.as_str()) {
            return Err(refused("鍵預託ファイルに知らない種類の鍵があります"));
        }
        let wrapped = STANDARD
            .decode(k.wrapped_key.as_bytes())
            .map_err(|_| refused("鍵預託ファイルの鍵の書式が正しくありません"))?;
        tx.set_sub_key(&k.table, k.id, &wrapped).await?;
    }
    tx.commit().await?;
    store.close().await;

    // The restored chain continues with the restore itself.
    let svc = Service::open_url(database_url, master, clock, Settings::default()).await?;
    let op = svc
        .begin(
            &Actor::system("バックアップからの復元（itaku restore）"),
            OpRequest::system(Action::Administer, "restore"),
        )
        .await?;
    op.finish(
        &[],
        &format!(
            "restored backup of {} ({}, {} rows) with key escrow of {}; readable vaults {:?}, destroyed {:?}, without key {:?}",
            report.backup_created_at,
            report.backup_backend,
            report.rows,
            report.escrow_created_at,
            report.readable_vaults,
            report.destroyed_vaults,
            report.missing_keys
        ),
    )
    .await?;
    svc.close().await;
    Ok(report)
}
