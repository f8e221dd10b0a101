//! First setup and administration from the console. The console acts as the
//! system actor, with a reason, and is audited like everything else.

use anyhow::{bail, Context};
use clap::Subcommand;
use itaku_core::{OrgKind, Role, SystemClock};
use itaku_service::{create_master_key_file, Actor, Config, NewUserSpec, Service};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// 新しい区の環境を作る（マスターキー・区・最初の管理者）
    Init {
        /// 区の組織名（例: 新宿区 健康部）
        #[arg(long)]
        ward: String,
        /// 管理者のログインID
        #[arg(long)]
        login: String,
        /// 管理者の氏名
        #[arg(long)]
        name: String,
        /// パスワードを書いたファイル（12文字以上）
        #[arg(long, value_name = "FILE")]
        password_file: std::path::PathBuf,
    },
    /// 利用者の一覧
    Users,
    /// デモ用: 利用者の現在の確認コードを表示する
    TotpCode { login: String },
    /// 端末証明書の登録・失効・一覧
    #[command(subcommand)]
    Terminal(TerminalCommand),
}

#[derive(Subcommand)]
pub enum TerminalCommand {
    /// 端末の証明書を組織の端末として登録する
    Register {
        /// 端末を使う組織の ID または組織名
        #[arg(long, value_name = "ID|組織名")]
        org: String,
        /// 端末名（例: 本社3階 電話勧奨1）
        #[arg(long)]
        name: String,
        /// 端末の証明書（PEM）
        #[arg(long, value_name = "FILE.pem")]
        cert: std::path::PathBuf,
    },
    /// 端末を失効させる（その証明書で開かれたセッションも終了する）
    Revoke {
        /// 端末の ID（itaku admin terminal list で確認）
        id: i64,
    },
    /// 登録済みの端末の一覧
    List,
}

pub async fn run(config: &Config, cmd: &AdminCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdminCommand::Init {
            ward,
            login,
            name,
            password_file,
        } => {
            let password = std::fs::read_to_string(password_file)
                .with_context(|| format!("{} を読めません", password_file.display()))?;
            let password = password.trim_end_matches(['\r', '\n']);
            itaku_service::check_password_strength(password)?;
            if config.master_key_file.exists() {
                bail!(
                    "{} がすでにあります。既存の環境を初期化し直すことはできません",
                    config.master_key_file.display()
                );
            }
            if config.uses_sqlite() {
                crate::serve::ensure_data_dir(config)?;
            }
            create_master_key_file(&config.master_key_file)?;
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            let sys = Actor::system("初期設定（itaku admin init）");
            let org = svc.create_org(&sys, OrgKind::Ward, ward, None).await?;
            let (_, secret) = svc
                .create_user(
                    &sys,
                    &NewUserSpec {
                        org_id: org,
                        login,
                        display_name: name,
                        role: Role::WardAdmin,
                        password,
                    },
                )
                .await?;
            println!("初期設定が完了しました。");
            println!(
                "マスターキー: {}（データと別の場所に保管し、バックアップしてください）",
                config.master_key_file.display()
            );
            println!("管理者 {login} の TOTP 秘密鍵: {secret}（認証アプリに登録してください）");
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Users => {
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            for u in svc
                .users(&Actor::system("利用者一覧（itaku admin users）"))
                .await?
            {
                println!(
                    "{:<16} {}（{}・{}）{}",
                    u.login,
                    u.display_name,
                    u.org_name,
                    u.role_label,
                    if u.active { "" } else { " 停止中" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::Terminal(cmd) => terminal(config, cmd).await,
        AdminCommand::TotpCode { login } => {
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            println!("{}", svc.demo_totp_code(login).await?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn terminal(config: &Config, cmd: &TerminalCommand) -> anyhow::Result<ExitCode> {
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    match cmd {
        TerminalCommand::Register { org, name, cert } => {
            let fingerprint = itaku_web::tls::fingerprint_file(cert)?;
            let sys = Actor::system("端末登録（itaku admin terminal register）");
            let orgs = svc.orgs(&sys).await?;
            let wanted = org.trim();
            let Some(org_id) = orgs
                .iter()
                .find(|o| o.id.to_string() == wanted || o.name == wanted)
                .map(|o| o.id)
            else {
                let known = orgs
                    .iter()
                    .map(|o| format!("{} {}", o.id, o.name))
                    .collect::<Vec<_>>()
                    .join("、");
                bail!("組織「{wanted}」が見つかりません。--org には次の ID か組織名を指定してください: {known}");
            };
            let id = svc
                .register_terminal(&sys, org_id, name, &fingerprint)
                .await?;
            println!(
                "端末 {id}「{}」を登録しました（SHA-256: {fingerprint}）",
                name.trim()
            );
        }
        TerminalCommand::Revoke { id } => {
            let ended = svc
                .revoke_terminal(
                    &Actor::system("端末失効（itaku admin terminal revoke）"),
                    *id,
                )
                .await?;
            println!("端末 {id} を失効させました（終了したセッション: {ended}）");
        }
        TerminalCommand::List => {
            for t in svc
                .terminals(&Actor::system("端末一覧（itaku admin terminal list）"))
                .await?
            {
                println!(
                    "{:>4}  {}（{}）  {}{}",
                    t.id,
                    t.name,
                    t.org_name,
                    t.fingerprint,
                    t.revoked_at
                        .map(|r| format!("  失効: {}", itaku_service::jst_display(&r)))
                        .unwrap_or_default()
                );
            }
        }
    }
    svc.close().await;
    Ok(ExitCode::SUCCESS)
}
