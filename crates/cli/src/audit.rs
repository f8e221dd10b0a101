use anyhow::Context;
use clap::Subcommand;
use itaku_core::SystemClock;
use itaku_service::{Actor, Checkpoint, Config, Service};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 監査ログの改ざん検査（チェックポイントを渡すと末尾の書き換えも検出）
    Verify {
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// 現在の監査ログに署名したチェックポイントを書き出す（システム外に保管する）
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

pub async fn run(config: &Config, cmd: &AuditCommand) -> anyhow::Result<ExitCode> {
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    match cmd {
        AuditCommand::Verify { checkpoint } => {
            let cp: Option<Checkpoint> = match checkpoint {
                Some(p) => Some(
                    serde_json::from_slice(
                        &std::fs::read(p)
                            .with_context(|| format!("{} を読めません", p.display()))?,
                    )
                    .with_context(|| {
                        format!("{} はチェックポイントファイルではありません", p.display())
                    })?,
                ),
                None => None,
            };
            let report = svc.audit_verify(cp.as_ref()).await?;
            if report.ok() {
                println!(
                    "監査ログは正常です（{}件、チェックポイント {}件を確認）",
                    report.entries, report.checkpoints_checked
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("監査ログに異常があります（{}件まで確認）:", report.entries);
                for p in &report.problems {
                    eprintln!("  - {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        AuditCommand::Checkpoint { out } => {
            let cp = svc
                .audit_checkpoint(&Actor::system(
                    "チェックポイント書き出し（itaku audit checkpoint）",
                ))
                .await?;
            std::fs::write(out, serde_json::to_vec_pretty(&cp)?)
                .with_context(|| format!("{} に書き込めません", out.display()))?;
            println!(
                "連番 {} のチェックポイントを {} に書き出しました（署名鍵 {}）",
                cp.seq,
                out.display(),
                svc.audit_public_key_fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
