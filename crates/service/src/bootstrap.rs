//! First start and every start: the master key, the system keys wrapped by
//! it, the ward's vault and the audit chain's head.

use crate::config::Config;
use crate::error::{Result, ServiceError};
use crate::time::ts;
use itaku_core::Clock;
use itaku_crypto::{DataKey, MasterKey, SigningKey, GENESIS};
use itaku_store::Store;
use std::path::Path;

pub(crate) const WARD_VAULT_AAD: &str = "vault:ward";
const AUDIT_SIGNING: &str = "audit-signing";
const USER_SECRETS: &str = "user-secrets";

pub(crate) fn contract_vault_aad(contract_id: i64) -> String {
    format!("vault:contract:{contract_id}")
}

pub(crate) struct SystemKeys {
    pub signer: SigningKey,
    pub user_secrets: DataKey,
}

pub fn load_master_key(config: &Config) -> Result<MasterKey> {
    if let Some(k) = &config.master_key {
        return MasterKey::from_encoded(k)
            .map_err(|e| ServiceError::MasterKey(format!("ITAKU_MASTER_KEY: {e}")));
    }
    read_master_key_file(&config.master_key_file)
}

pub fn read_master_key_file(path: &Path) -> Result<MasterKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ServiceError::MasterKey(format!(
            "{} を読めません（{e}）。ITAKU_MASTER_KEY_FILE で場所を指定するか、`itaku admin init` で作成してください",
            path.display()
        ))
    })?;
    MasterKey::from_encoded(&text)
        .map_err(|e| ServiceError::MasterKey(format!("{}: {e}", path.display())))
}

/// Create a new master key file, readable by its owner only. Refuses to
/// overwrite: losing the old key would make every vault unreadable.
pub fn create_master_key_file(path: &Path) -> Result<MasterKey> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let key = MasterKey::generate();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path).map_err(|e| {
        ServiceError::MasterKey(format!("{} を作成できません（{e}）", path.display()))
    })?;
    f.write_all(format!("{}\n", key.to_encoded()).as_bytes())
        .map_err(|e| {
            ServiceError::MasterKey(format!("{} に書き込めません（{e}）", path.display()))
        })?;
    Ok(key)
}

pub(crate) async fn ensure_keys(
    store: &Store,
    master: &MasterKey,
    clock: &dyn Clock,
) -> Result<SystemKeys> {
    let now = ts(clock.now());
    let mut tx = store.begin().await?;
    tx.audit_init_head(&GENESIS).await?;
    let wrong_key = || {
        ServiceError::MasterKey(
            "このデータベースを作成したときのマスターキーと一致しません。正しい鍵ファイルを指定してください".into(),
        )
    };
    let signer = match tx.system_key(AUDIT_SIGNING).await? {
        Some((wrapped, _)) => {
            SigningKey::unwrap(master, AUDIT_SIGNING, &wrapped).map_err(|_| wrong_key())?
        }
        None => {
            let k = SigningKey::generate();
            let public = k.verifying_key().to_bytes();
            tx.insert_system_key(
                AUDIT_SIGNING,
                &k.wrap(master, AUDIT_SIGNING)?,
                Some(&public),
                &now,
            )
            .await?;
            k
        }
    };
    let user_secrets = match tx.system_key(USER_SECRETS).await? {
        Some((wrapped, _)) => {
            DataKey::unwrap(master, USER_SECRETS, &wrapped).map_err(|_| wrong_key())?
        }
        None => {
            let k = DataKey::generate();
            tx.insert_system_key(USER_SECRETS, &k.wrap(master, USER_SECRETS)?, None, &now)
                .await?;
            k
        }
    };
    match tx.vault_for(None).await? {
        Some(v) => {
            let wrapped = v.wrapped_key.ok_or_else(wrong_key)?;
            DataKey::unwrap(master, WARD_VAULT_AAD, &wrapped).map_err(|_| wrong_key())?;
        }
        None => {
            let k = DataKey::generate();
            tx.insert_vault(None, &k.wrap(master, WARD_VAULT_AAD)?, &now)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(SystemKeys {
        signer,
        user_secrets,
    })
}
