//! `itaku backup` (database, encrypted, verified), `itaku backup keys` (the
//! vault key escrow), `itaku backup keygen`, `itaku backup verify`, and
//! `itaku restore` into a fresh data directory on either backend.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use itaku_core::SystemClock;
use itaku_service::backup::{backup_header, restore_backup, verify_backup_file};
use itaku_service::{load_master_key, read_master_key_file, Actor, BackupKey, Config, Service};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct KeyArgs {
    /// バックアップ鍵ファイル（itaku backup keygen で作成した age の鍵）
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_file")]
    pub key: Option<PathBuf>,
    /// 鍵ファイルの代わりに、パスフレーズ（12文字以上）を書いたファイル
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl KeyArgs {
    fn load(&self) -> anyhow::Result<BackupKey> {
        match (&self.key, &self.passphrase_file) {
            (Some(k), _) => Ok(BackupKey::from_identity_file(k)?),
            (None, Some(p)) => Ok(BackupKey::from_passphrase_file(p)?),
            (None, None) => bail!(
                "--key（バックアップ鍵ファイル）または --passphrase-file を指定してください。鍵ファイルは `itaku backup keygen --out FILE` で作成できます"
            ),
        }
    }
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// バックアップの出力先（金庫の鍵は含まれません: itaku backup keys で別に保管）
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// 金庫の鍵の預託ファイルを書き出す（消去のたびに作り直し、古いものは破棄する）
    Keys {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// バックアップ鍵ファイル（age X25519）を作る
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// バックアップファイルを読み通して検証する
    Verify {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Args)]
pub struct RestoreArgs {
    /// バックアップファイル
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// 鍵預託ファイル（itaku backup keys で作成した最新のもの）
    #[arg(long, value_name = "FILE")]
    pub keys: PathBuf,
    #[command(flatten)]
    pub key: KeyArgs,
    /// マスターキーのファイル（復元先の既定の場所になければ、そこへ複製する）
    #[arg(long, value_name = "FILE")]
    pub master_key: Option<PathBuf>,
}

pub async fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(BackupCommand::Keygen { out }) => {
            let recipient = BackupKey::generate_identity_file(out)?;
            println!(
                "バックアップ鍵を {} に作成しました（公開鍵 {recipient}）。この鍵ファイルはデータベースともマスターキーとも別の場所に保管してください。",
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(BackupCommand::Verify { file, key }) => {
            let (header, tables) = verify_backup_file(file, &key.load()?)?;
            let rows: u64 = tables.iter().map(|t| t.rows).sum();
            println!(
                "バックアップは正常です（{} 作成、{}、{} 表 {} 行）",
                itaku_service::jst_display(&header.created_at),
                header.backend,
                tables.len(),
                rows
            );
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    let result = run_backup(&svc, args).await;
    svc.close().await;
    result
}

async fn run_backup(svc: &Service, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(BackupCommand::Keys { out, key }) => {
            let sys = Actor::system("鍵預託ファイルの作成（itaku backup keys）");
            let r = svc.backup_keys_to(&sys, out, &key.load()?).await?;
            println!(
                "鍵預託ファイルを {} に書き出しました（使用中の金庫 {} 件、破棄済み {} 件、SHA-256 {}）。以前の鍵預託ファイルは破棄してください。",
                out.display(),
                r.live.len(),
                r.destroyed.len(),
                r.file_sha256
            );
        }
        _ => {
            let Some(out) = &args.out else {
                bail!("--out でバックアップの出力先を指定してください");
            };
            let sys = Actor::system("バックアップ（itaku backup）");
            let r = svc.backup_to(&sys, out, &args.key.load()?).await?;
            println!(
                "バックアップを {} に書き出し、読み戻して検証しました（{} 表 {} 行、{} バイト、SHA-256 {}）。",
                out.display(),
                r.tables.len(),
                r.rows,
                r.bytes,
                r.file_sha256
            );
            println!("金庫の鍵は含まれていません。復元には鍵預託ファイル（itaku backup keys）が必要です。");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Put the master key where the restored installation will look for it:
/// `--master-key` is copied to the new default place when nothing is there
/// (and ITAKU_MASTER_KEY is not set). Returns the copy's path, removed
/// again if the restore fails.
fn place_master_key(config: &Config, given: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let target = &config.master_key_file;
    let Some(src) = given else {
        return Ok(None);
    };
    let key = read_master_key_file(src)?;
    if config.master_key.is_some() {
        bail!("ITAKU_MASTER_KEY が設定されているため --master-key は使えません");
    }
    if target.exists() {
        if read_master_key_file(target)?.fingerprint() != key.fingerprint() {
            bail!(
                "{} に別のマスターキーがあります。復元先のデータディレクトリを確認してください",
                target.display()
            );
        }
        return Ok(None);
    }
    copy_private(src, target)?;
    Ok(Some(target.clone()))
}

fn copy_private(src: &Path, dst: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let text = std::fs::read(src).with_context(|| format!("{} を読めません", src.display()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(dst)
        .with_context(|| format!("{} を作成できません", dst.display()))?;
    f.write_all(&text)
        .with_context(|| format!("{} に書き込めません", dst.display()))?;
    Ok(())
}

pub async fn restore(config: &Config, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let key = args.key.load()?;
    let header = backup_header(&args.from, &key)?;
    let db_file = config.data_dir.join("itaku.db");
    if config.uses_sqlite() && db_file.exists() {
        bail!(
            "{} には既にデータベースがあります。復元は新しいデータディレクトリに行ってください",
            config.data_dir.display()
        );
    }
    let copied = place_master_key(config, args.master_key.as_deref())?;
    let master = match load_master_key(config) {
        Ok(m) => m,
        Err(e) => {
            if let Some(p) = copied {
                let _ = std::fs::remove_file(p);
            }
            return Err(anyhow::Error::from(e)
                .context("--master-key で元のシステムのマスターキーのファイルを指定してください"));
        }
    };
    let made_dir = !config.data_dir.exists();
    if config.uses_sqlite() {
        crate::serve::ensure_data_dir(config)?;
    }
    let result = restore_backup(
        &config.database_url,
        master,
        Arc::new(SystemClock),
        &args.from,
        &args.keys,
        &key,
    )
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            // Leave nothing half-restored behind.
            if config.uses_sqlite() {
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = db_file.clone().into_os_string();
                    name.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(name));
                }
                if made_dir {
                    let _ = std::fs::remove_dir(&config.data_dir);
                }
            }
            if let Some(p) = copied {
                let _ = std::fs::remove_file(p);
            }
            return Err(e.into());
        }
    };
    println!(
        "{} に作成されたバックアップ（{}）を復元しました: {} 表 {} 行、各表を読み戻して検証済み。",
        itaku_service::jst_display(&header.created_at),
        header.backend,
        report.tables.len(),
        report.rows
    );
    println!("読める金庫: {:?}", report.readable_vaults);
    if !report.destroyed_vaults.is_empty() {
        println!(
            "鍵が破棄された金庫: {:?}（その記録は読めません。itaku erasure run で削除し直せます）",
            report.destroyed_vaults
        );
    }
    if !report.missing_keys.is_empty() {
        eprintln!(
            "注意: 鍵預託ファイルに鍵のない金庫があります: {:?}。バックアップより新しい鍵預託ファイルを使ってください",
            report.missing_keys
        );
    }
    Ok(ExitCode::SUCCESS)
}
