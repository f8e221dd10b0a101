//! `itaku erasure run | list | certificate | verify`: erasing a contract's
//! vault at the end of the contract, as a ward administrator who proves
//! password and code at the console. Every command first finishes any
//! erasure a crash interrupted.

use crate::console::{Console, Credentials};
use anyhow::{bail, Context};
use clap::Subcommand;
use itaku_core::SystemClock;
use itaku_service::{certificate_lines, Actor, Config, Service, SignedCertificate};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ErasureCommand {
    /// 契約の金庫を消去し、消去証明書を発行する（区の管理者がパスワードと確認コードで本人確認）
    Run {
        /// 消去する契約の番号
        #[arg(long, value_name = "ID")]
        contract: i64,
        /// 実施する区の管理者のログインID
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        /// パスワードを書いたファイル（省略時は入力を求める）
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// 認証アプリの確認コード（省略時は入力を求める）
        #[arg(long, value_name = "CODE")]
        totp: Option<String>,
        /// 勧奨が終了していない（返還が完了していない）まま消去する理由
        #[arg(long, value_name = "理由")]
        waiver: Option<String>,
        /// 消去証明書（署名付き JSON）の出力先（既定: erasure-certificate-契約番号.json）
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 消去の一覧（中断していた消去はここで完了させる）
    List,
    /// 発行済みの消去証明書を書き出す
    Certificate {
        #[arg(long, value_name = "ID")]
        contract: i64,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// 綴じ込み用の PDF（A4）も書き出す
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// 消去証明書を検証する（署名、鍵の破棄、記録が残っていないこと、監査ログ）
    Verify {
        #[arg(value_name = "CERT.json")]
        cert: PathBuf,
    },
}

fn default_out(contract: i64) -> PathBuf {
    PathBuf::from(format!("erasure-certificate-{contract}.json"))
}

/// Write the certificate's JSON, never over an existing file.
fn write_certificate(cert: &SignedCertificate, out: &Path) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| {
            format!(
                "{} を作成できません（既にあるファイルは上書きしません）",
                out.display()
            )
        })?;
    f.write_all(cert.to_json()?.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .with_context(|| format!("{} に書き込めません", out.display()))?;
    Ok(())
}

fn print_certificate(cert: &SignedCertificate, out: &Path) {
    for line in certificate_lines(&cert.certificate) {
        println!("{line}");
    }
    println!();
    println!("署名付きの証明書を {} に書き出しました。", out.display());
}

async fn resume(svc: &Service) -> anyhow::Result<()> {
    for c in svc.resume_erasures().await? {
        println!(
            "中断していた消去を完了しました: 契約 {}「{}」（消去証明書 第 {} 号）",
            c.certificate.contract.id, c.certificate.contract.name, c.certificate.erasure_id
        );
    }
    Ok(())
}

pub async fn run(config: &Config, cmd: &ErasureCommand) -> anyhow::Result<ExitCode> {
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    let code = run_with(&svc, cmd).await;
    svc.close().await;
    code
}

async fn run_with(svc: &Service, cmd: &ErasureCommand) -> anyhow::Result<ExitCode> {
    resume(svc).await?;
    let sys = Actor::system("消去の照会（itaku erasure）");
    match cmd {
        ErasureCommand::Run {
            contract,
            login,
            password_file,
            totp,
            waiver,
            out,
        } => {
            let out = out.clone().unwrap_or_else(|| default_out(*contract));
            if let Ok(cert) = svc.erasure_certificate(&sys, *contract).await {
                println!("契約 {contract} は消去済みです。");
                if !out.exists() {
                    write_certificate(&cert, &out)?;
                }
                print_certificate(&cert, &out);
                return Ok(ExitCode::SUCCESS);
            }
            if out.exists() {
                bail!(
                    "{} は既にあります。--out で別のファイル名を指定してください",
                    out.display()
                );
            }
            let console = Console::sign_in(
                svc,
                &Credentials {
                    login: login.clone(),
                    password_file: password_file.clone(),
                    totp: totp.clone(),
                },
                "erasure",
            )
            .await?;
            let actor = &console.actor;
            let erased = svc
                .erase_contract(actor, *contract, waiver.as_deref())
                .await;
            let signed_out = console.finish(svc).await;
            let cert = erased?;
            signed_out?;
            write_certificate(&cert, &out)?;
            print_certificate(&cert, &out);
            println!(
                "鍵預託ファイルを作り直してください（itaku backup keys）。古い鍵預託ファイルはこの契約の鍵を含むため破棄してください。"
            );
            Ok(ExitCode::SUCCESS)
        }
        ErasureCommand::List => {
            let list = svc.erasures(&sys).await?;
            if list.is_empty() {
                println!("消去の記録はありません。");
            }
            for e in list {
                println!(
                    "第 {} 号  契約 {}「{}」  {}  依頼 {}（{}）{}",
                    e.id,
                    e.contract_id,
                    e.contract_name,
                    e.step.label(),
                    itaku_service::jst_display(&e.requested_at),
                    e.operator,
                    e.waiver.map(|w| format!("  理由: {w}")).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ErasureCommand::Certificate { contract, out, pdf } => {
            let cert = svc.erasure_certificate(&sys, *contract).await?;
            let out = out.clone().unwrap_or_else(|| default_out(*contract));
            write_certificate(&cert, &out)?;
            print_certificate(&cert, &out);
            if let Some(path) = pdf {
                let bytes = svc.erasure_certificate_pdf(&cert)?;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(&bytes))
                    .with_context(|| {
                        format!(
                            "{} を作成できません（既にあるファイルは上書きしません）",
                            path.display()
                        )
                    })?;
                println!("PDF を {} に書き出しました。", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        ErasureCommand::Verify { cert } => {
            let text = std::fs::read_to_string(cert)
                .with_context(|| format!("{} を読めません", cert.display()))?;
            let signed = SignedCertificate::from_json(&text)?;
            let check = svc.verify_certificate(&signed).await?;
            if check.ok() {
                println!(
                    "消去証明書は正しく、契約 {} の金庫の鍵は破棄され、記録は残っていません（署名鍵 {}）",
                    signed.certificate.contract.id,
                    svc.audit_public_key_fingerprint()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("消去証明書を確認できません:");
                for p in &check.problems {
                    eprintln!("  - {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
