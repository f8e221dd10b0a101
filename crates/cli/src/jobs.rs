//! `itaku jobs run-due | list`: the job runner from the command line, for
//! cron-style use where no server runs, and for tests. The same claims
//! and leases as the loop of `itaku serve`, so both may run at once.

use anyhow::Context;
use clap::Subcommand;
use itaku_core::SystemClock;
use itaku_service::{jst_display, Actor, Config, Service};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// 実行時刻を過ぎた定期処理を実行する（cron などから）
    RunDue,
    /// 定期処理の一覧（予定・実行済み・失敗）
    List,
}

/// Names this process in a job's lease (host, process id, start time).
pub fn runner_id(what: &str) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    format!(
        "{what}@{host}:{}:{}",
        std::process::id(),
        chrono::Utc::now().timestamp()
    )
}

pub async fn run(config: &Config, cmd: &JobsCommand) -> anyhow::Result<ExitCode> {
    let svc = Service::open(config, Arc::new(SystemClock))
        .await
        .context("データベースを開けません")?;
    let code = match cmd {
        JobsCommand::RunDue => {
            svc.ensure_daily_jobs().await?;
            let r = svc.run_due_jobs(&runner_id("itaku-jobs")).await?;
            println!(
                "定期処理: 完了 {} 件、失敗 {} 件",
                r.done.len(),
                r.failed.len()
            );
            for (id, e) in r.failed.iter().zip(&r.errors) {
                println!("  第{id}号: {e}");
            }
            if r.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
        JobsCommand::List => {
            let sys = Actor::system("定期処理の一覧（itaku jobs list）");
            for j in svc.scheduled_jobs(&sys).await? {
                println!(
                    "第{}号 {} {} 試行{}/{} {}{}",
                    j.id,
                    jst_display(&j.run_at),
                    j.state.label(),
                    j.attempts,
                    j.max_attempts,
                    j.label,
                    j.last_error.map(|e| format!(" — {e}")).unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
    };
    svc.close().await;
    Ok(code)
}
