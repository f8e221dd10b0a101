//! The key escrow file: the live vaults' wrapped keys (still wrapped by the
//! master key), encrypted like a backup. It holds no destroyed key — only a
//! note of which vaults' keys were destroyed and when — so once a vault is
//! erased and this file is written again, no backup can open that vault.

use super::key::BackupKey;
use super::{io_error, write_verified};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::ts;
use crate::{Actor, Service};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use itaku_crypto::sha256_hex;
use itaku_policy::Action;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

pub const ESCROW_FORMAT: &str = "itaku-key-escrow/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EscrowedKey {
    pub vault_id: i64,
    /// None for the ward's own vault.
    pub contract_id: Option<i64>,
    /// `sha256:` of the wrapped key, as erasure certificates name it.
    pub key_id: String,
    /// The wrapped key (base64), as stored in `vaults.wrapped_key`.
    pub wrapped_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DestroyedVault {
    pub vault_id: i64,
    pub contract_id: Option<i64>,
    pub destroyed_at: String,
    /// From the erasure record, when there is one.
    pub key_id: Option<String>,
}

/// A narrower data key: one seminar event's, one questionnaire's. Only
/// live ones are escrowed; a destroyed one is simply absent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EscrowedSubKey {
    /// One of `itaku_store::SUB_KEY_TABLES`.
    pub table: String,
    pub id: i64,
    pub wrapped_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyEscrow {
    pub format: String,
    pub created_at: String,
    pub audit_public_key: String,
    pub keys: Vec<EscrowedKey>,
    pub destroyed: Vec<DestroyedVault>,
    /// Absent in files written before seminar and questionnaire keys.
    #[serde(default)]
    pub sub_keys: Vec<EscrowedSubKey>,
}

impl EscrowedKey {
    pub fn wrapped(&self) -> Result<Vec<u8>> {
        STANDARD
            .decode(self.wrapped_key.as_bytes())
            .map_err(|_| ServiceError::Invalid("鍵預託ファイルの鍵の書式が正しくありません".into()))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EscrowReport {
    pub live: Vec<i64>,
    pub destroyed: Vec<i64>,
    pub file_sha256: String,
}

/// Open and parse a key escrow file.
pub fn read_key_escrow(path: &Path, key: &BackupKey) -> Result<KeyEscrow> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut text = String::new();
    key.decrypt(file)?
        .take(64 << 20)
        .read_to_string(&mut text)
        .map_err(|e| ServiceError::Invalid(format!("鍵預託ファイルが壊れています（{e}）")))?;
    let escrow: KeyEscrow = serde_json::from_str(&text).map_err(|_| {
        ServiceError::Invalid(format!(
            "{} は itaku の鍵預託ファイルではありません",
            path.display()
        ))
    })?;
    if escrow.format != ESCROW_FORMAT {
        return Err(ServiceError::Invalid(format!(
            "鍵預託ファイルの形式（{}）に対応していません",
            escrow.format
        )));
    }
    Ok(escrow)
}

impl Service {
    /// Write the key escrow file: every live vault key, and the list of
    /// destroyed ones. Audited; ward administrators and the system only.
    /// Write it again after every erasure and destroy the older copies.
    pub async fn backup_keys_to(
        &self,
        actor: &Actor,
        out: &Path,
        key: &BackupKey,
    ) -> Result<EscrowReport> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Export, "key_escrow"))
            .await?;
        let erasures = op.tx.erasures().await?;
        let mut escrow = KeyEscrow {
            format: ESCROW_FORMAT.into(),
            created_at: ts(self.now()),
            audit_public_key: hex::encode(self.inner.signer.verifying_key().to_bytes()),
            keys: Vec::new(),
            destroyed: Vec::new(),
            sub_keys: Vec::new(),
        };
        for table in itaku_store::SUB_KEY_TABLES {
            for (id, w) in op.tx.sub_keys(table).await? {
                escrow.sub_keys.push(EscrowedSubKey {
                    table: table.to_owned(),
                    id,
                    wrapped_key: STANDARD.encode(w),
                });
            }
        }
        for v in op.tx.vaults().await? {
            match (&v.wrapped_key, &v.destroyed_at) {
                (Some(w), None) => escrow.keys.push(EscrowedKey {
                    vault_id: v.id,
                    contract_id: v.contract_id,
                    key_id: format!("sha256:{}", sha256_hex(w)),
                    wrapped_key: STANDARD.encode(w),
                }),
                (_, destroyed) => escrow.destroyed.push(DestroyedVault {
                    vault_id: v.id,
                    contract_id: v.contract_id,
                    destroyed_at: destroyed.clone().unwrap_or_default(),
                    key_id: erasures
                        .iter()
                        .find(|e| e.vault_id == v.id)
                        .map(|e| e.key_id.clone()),
                }),
            }
        }
        let text = serde_json::to_string_pretty(&escrow)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        write_verified(
            out,
            |w| {
                let mut enc = key.encrypt(w)?;
                enc.write_all(text.as_bytes())
                    .map_err(|e| io_error(out, e))?;
                enc.finish().map_err(|e| io_error(out, e))?;
                Ok(())
            },
            |partial, _| {
                if read_key_escrow(partial, key)? != escrow {
                    return Err(ServiceError::Internal(
                        "書き込んだ鍵預託ファイルを読み戻した結果が一致しません".into(),
                    ));
                }
                Ok(())
            },
        )?;
        let bytes = std::fs::read(out).map_err(|e| io_error(out, e))?;
        let report = EscrowReport {
            live: escrow.keys.iter().map(|k| k.vault_id).collect(),
            destroyed: escrow.destroyed.iter().map(|d| d.vault_id).collect(),
            file_sha256: sha256_hex(&bytes),
        };
        op.finish(
            &[],
            &format!(
                "key escrow written: live vaults {:?}, destroyed {:?}, sha256={}",
                report.live, report.destroyed, report.file_sha256
            ),
        )
        .await?;
        Ok(report)
    }
}
