//! `itaku`: the one binary. Every subcommand works on the data directory
//! named by `--data` (or `ITAKU_DATA`, default `./itaku-data`).

mod admin;
mod analysis;
mod audit;
mod backup;
mod console;
mod demo;
mod erasure;
mod exchange;
mod import;
mod jobs;
mod serve;

use clap::{Parser, Subcommand};
use itaku_service::{Config, Overrides};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "itaku",
    version,
    about = "itaku — 委託業務における個人情報の取扱いを、契約の特記事項どおりに強制するシステム",
    long_about = None,
    help_template = "{about}\n\n使い方: {usage}\n\n{all-args}",
    disable_help_subcommand = true
)]
struct Cli {
    /// データディレクトリ（既定: ./itaku-data）
    #[arg(long, global = true, env = "ITAKU_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// 設定ファイル（TOML）
    #[arg(long, global = true, env = "ITAKU_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// データベース（sqlite://… または postgres://…）。既定はデータディレクトリ内の SQLite
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Webサーバーを起動する
    Serve(serve::ServeArgs),
    /// デモ区を作成して起動する（合成データ・ログイン情報を表示）
    Demo(demo::DemoArgs),
    /// データベースを最新の版に更新する
    Migrate,
    /// 初期設定・利用者の管理
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// 対象者名簿などの取り込み
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// 効果分析（件数の表から統計を再計算する）
    #[command(subcommand)]
    Analysis(analysis::AnalysisCommand),
    /// 監査ログの検証・チェックポイント
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// 契約終了時の金庫の消去と消去証明書
    #[command(subcommand)]
    Erasure(erasure::ErasureCommand),
    /// 別の環境（区・受託者）との暗号化パッケージのやり取りと情報管理台帳
    #[command(subcommand)]
    Exchange(exchange::ExchangeCommand),
    /// 暗号化したバックアップ（金庫の鍵は別の鍵預託ファイルへ）
    Backup(backup::BackupArgs),
    /// バックアップを新しいデータディレクトリに復元する
    Restore(backup::RestoreArgs),
    /// 定期処理（保存期間の返還・消去、訪問名簿の返却確認）
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
}

impl Cli {
    fn overrides(&self, listen: Option<String>) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            data_dir: self.data.clone(),
            database_url: self.database_url.clone(),
            listen,
        }
    }
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        itaku_service::LogFormat::Json => builder.json().try_init(),
        itaku_service::LogFormat::Text => builder.try_init(),
    };
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("エラー: 実行環境を準備できません: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve(args) => {
            let config = Config::from_env(&cli.overrides(args.listen.clone()))?;
            init_logging(&config);
            serve::run(&config).await
        }
        Command::Demo(args) => {
            let config = Config::from_env(&cli.overrides(args.listen.clone()))?;
            init_logging(&config);
            demo::run(&config, args).await
        }
        Command::Migrate => {
            let config = Config::from_env(&cli.overrides(None))?;
            serve::ensure_data_dir(&config)?;
            let versions = itaku_service::Service::migrate_only(&config.database_url).await?;
            println!("データベースは最新です（適用済みの版: {versions:?}）");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            admin::run(&config, cmd).await
        }
        Command::Import(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            import::run(&config, cmd).await
        }
        Command::Analysis(cmd) => analysis::run(cmd),
        Command::Audit(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            audit::run(&config, cmd).await
        }
        Command::Erasure(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            erasure::run(&config, cmd).await
        }
        Command::Exchange(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            exchange::run(&config, cmd).await
        }
        Command::Backup(args) => {
            let config = Config::from_env(&cli.overrides(None))?;
            backup::backup(&config, args).await
        }
        Command::Restore(args) => {
            let config = Config::from_env(&cli.overrides(None))?;
            backup::restore(&config, args).await
        }
        Command::Jobs(cmd) => {
            let config = Config::from_env(&cli.overrides(None))?;
            jobs::run(&config, cmd).await
        }
    }
}
