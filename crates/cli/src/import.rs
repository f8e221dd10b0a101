//! `itaku import targets`: a target list into the ward's vault, acting as a
//! named ward user, audited, with progress and a JSON report.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use itaku_core::{SystemClock, UserId};
use itaku_service::{Actor, Config, ImportProfile, Service, SHIPPED_PROFILES};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// 対象者名簿（CSV・固定長、CP932 / UTF-8）を区の名簿に取り込む
    Targets(TargetArgs),
    /// 同梱の取込設定を表示する
    Profiles,
}

#[derive(Args)]
pub struct TargetArgs {
    /// 取込設定（TOML ファイル、または同梱の設定名）
    #[arg(long, value_name = "FILE|NAME")]
    pub profile: String,
    /// 取り込むファイル
    #[arg(long, value_name = "FILE")]
    pub input: std::path::PathBuf,
    /// 取り込む区職員のログインID（監査ログに記録されます）
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: String,
    /// 検査だけ行い、登録しない
    #[arg(long)]
    pub dry_run: bool,
    /// 結果（件数・不備のある行・外字）を JSON で書き出す
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<std::path::PathBuf>,
}

fn load_profile(name: &str) -> anyhow::Result<ImportProfile> {
    let text = match SHIPPED_PROFILES
        .iter()
        .find(|(n, _)| *n == name || n.trim_end_matches(".toml") == name)
    {
        Some((_, t)) => (*t).to_owned(),
        None => std::fs::read_to_string(name)
            .with_context(|| format!("取込設定 {name} を読めません"))?,
    };
    Ok(ImportProfile::from_toml(&text)?)
}

pub async fn run(config: &Config, cmd: &ImportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImportCommand::Profiles => {
            for (name, text) in SHIPPED_PROFILES {
                println!("# {name}\n{text}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ImportCommand::Targets(a) => {
            let profile = load_profile(&a.profile)?;
            let file = std::fs::File::open(&a.input)
                .with_context(|| format!("{} を開けません", a.input.display()))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            let Some(uid) = svc.user_id_by_login(&a.as_login).await? else {
                bail!("利用者「{}」がいません", a.as_login);
            };
            let actor = Actor::user(
                UserId(uid),
                None,
                format!("cli-import-{}", std::process::id()),
            );
            eprintln!(
                "{} を取り込みます（{} バイト、取込設定「{}」{}）",
                a.input.display(),
                size,
                profile.name,
                if a.dry_run { "、検査のみ" } else { "" }
            );
            let started = std::time::Instant::now();
            let report = svc
                .import_targets(
                    &actor,
                    &profile,
                    std::io::BufReader::with_capacity(1 << 20, file),
                    a.dry_run,
                    |line| {
                        eprint!("\r{line} 行目まで処理");
                        let _ = std::io::stderr().flush();
                    },
                )
                .await?;
            eprintln!();
            let s = &report.scan;
            println!(
                "{}: データ {} 行、{} 件（新規 {}・更新 {}）、不備 {} 行、重複 {} 行、外字 {} 件、所要 {:.1} 秒",
                if a.dry_run { "検査結果" } else { "取込完了" },
                s.data_rows,
                if a.dry_run { s.accepted as i64 } else { report.inserted + report.updated },
                report.inserted,
                report.updated,
                s.rejected_rows,
                s.duplicate_rows,
                s.gaiji.len(),
                started.elapsed().as_secs_f64()
            );
            for r in s.rejections.iter().take(20) {
                println!("  {}行目 {}: {}", r.line, r.column, r.reason);
            }
            if s.rejections.len() > 20 {
                println!(
                    "  …ほか {} 件（--report で全件を書き出せます）",
                    s.rejections.len() - 20
                );
            }
            if !s.unknown_columns.is_empty() {
                println!("取り込まなかった列: {}", s.unknown_columns.join("、"));
            }
            if let Some(p) = &a.report {
                std::fs::write(p, serde_json::to_vec_pretty(&report)?)
                    .with_context(|| format!("{} に書き込めません", p.display()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
