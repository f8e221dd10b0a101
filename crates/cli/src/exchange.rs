//! `itaku exchange`: encrypted packages between two installations (ward and
//! contractor). Keys, partners and bindings are the installation
//! administrator's console work; sending and receiving personal data is
//! done by a person who signs in for that one command.

use crate::console::{Console, Credentials};
use anyhow::{bail, Context};
use clap::Subcommand;
use itaku_core::SystemClock;
use itaku_service::{jst_display, Actor, Config, Ledger, PackageTo, SecretString, Service};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// この環境の交換鍵（公開鍵）を表示する。相手に渡し、指紋を電話で読み合わせる
    Key {
        /// 公開鍵（TOML）の書き出し先
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// この環境の交換鍵を作る（最初に一度）
    Keygen {
        /// 相手から見たこの組織の名前
        #[arg(long, value_name = "名前")]
        org: String,
    },
    /// 相手の公開鍵
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// 契約をパッケージでやり取りする相手と、両環境で共通の参照番号を決める
    Bind {
        #[arg(long, value_name = "ID")]
        contract: i64,
        /// 両環境で同じ参照番号（例: R8-健-001）
        #[arg(long = "ref", value_name = "REF")]
        exchange_ref: String,
        /// 相手の公開鍵の指紋
        #[arg(long, value_name = "FINGERPRINT")]
        partner: String,
    },
    /// パッケージを作る: 区は名簿の提供、受託者は結果の返還
    Send {
        #[arg(long, value_name = "ID")]
        contract: i64,
        /// 提供する凍結済み名簿の番号（区のみ）
        #[arg(long, value_name = "ID")]
        list: Option<i64>,
        /// 書き出し先（既にあるファイルは上書きしません）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 媒体で渡すとき: 合言葉を書いたファイル（相手の公開鍵ではなく合言葉で暗号化）
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        #[command(flatten)]
        who: Credentials,
    },
    /// 相手から届いたパッケージを取り込み、受領書を書き出す
    Receive {
        #[arg(long, value_name = "ID")]
        contract: i64,
        #[arg(value_name = "PACKAGE")]
        package: PathBuf,
        /// 受領書（署名付き JSON）の書き出し先
        #[arg(long, value_name = "FILE")]
        receipt_out: PathBuf,
        /// 合言葉で暗号化されたパッケージのとき、合言葉を書いたファイル
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        #[command(flatten)]
        who: Credentials,
    },
    /// 相手から戻った受領書を確認し、台帳の送付を完了にする
    Receipt {
        #[arg(value_name = "RECEIPT.json")]
        receipt: PathBuf,
    },
    /// 契約の情報管理台帳（提供・返還・受領書・保有件数）
    Ledger {
        #[arg(long, value_name = "ID")]
        contract: i64,
    },
}

#[derive(Subcommand)]
pub enum PartnerCommand {
    /// 相手の公開鍵を登録する（指紋を読み合わせた記録とともに）
    Add {
        #[arg(value_name = "PUBLIC-KEY.toml")]
        file: PathBuf,
        /// 誰と、どの手段で指紋を確認したか
        #[arg(long, value_name = "記録")]
        confirmed_by: String,
    },
    /// 登録済みの公開鍵
    List,
}

pub async fn run(config: &Config, cmd: &ExchangeCommand) -> anyhow::Result<ExitCode> {
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    let code = run_with(&svc, cmd).await;
    svc.close().await;
    code
}

fn create_new(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "{} を作成できません（既にあるファイルは上書きしません）",
                path.display()
            )
        })
}

fn passphrase(file: &Option<PathBuf>) -> anyhow::Result<Option<SecretString>> {
    file.as_ref()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{} を読めません", p.display()))?;
            Ok(SecretString::from(
                text.trim_end_matches(['\r', '\n']).to_owned(),
            ))
        })
        .transpose()
}

async fn run_with(svc: &Service, cmd: &ExchangeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExchangeCommand::Key { out } => {
            let Some(key) = svc.exchange_public_key().await? else {
                bail!("この環境には交換鍵がありません。itaku exchange keygen --org 名前 で作成してください");
            };
            if let Some(path) = out {
                create_new(path)?.write_all(key.to_toml().as_bytes())?;
                println!("公開鍵を {} に書き出しました。", path.display());
            } else {
                print!("{}", key.to_toml());
            }
            println!("組織: {}", key.org_name());
            println!(
                "指紋: {}（相手と電話で読み合わせてください）",
                key.fingerprint()
            );
        }
        ExchangeCommand::Keygen { org } => {
            let sys = Actor::system("交換鍵の作成（itaku exchange keygen）");
            let key = svc.exchange_keygen(&sys, org).await?;
            println!("交換鍵を作成しました。");
            println!("組織: {}", key.org_name());
            println!("指紋: {}", key.fingerprint());
        }
        ExchangeCommand::Partner(PartnerCommand::Add { file, confirmed_by }) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("{} を読めません", file.display()))?;
            let sys = Actor::system("相手の公開鍵の登録（itaku exchange partner add）");
            let p = svc.register_partner(&sys, &text, confirmed_by).await?;
            println!(
                "「{}」の公開鍵を登録しました（指紋 {}）。",
                p.org_name, p.fingerprint
            );
        }
        ExchangeCommand::Partner(PartnerCommand::List) => {
            let sys = Actor::system("相手の公開鍵の一覧（itaku exchange partner list）");
            let list = svc.partners(&sys).await?;
            if list.is_empty() {
                println!("登録済みの公開鍵はありません。");
            }
            for p in list {
                println!(
                    "{}  指紋 {}  確認: {}  登録 {}",
                    p.org_name,
                    p.fingerprint,
                    p.confirmed_by,
                    jst_display(&p.registered_at)
                );
            }
        }
        ExchangeCommand::Bind {
            contract,
            exchange_ref,
            partner,
        } => {
            let sys = Actor::system("契約の交換設定（itaku exchange bind）");
            let b = svc
                .bind_contract_exchange(&sys, *contract, exchange_ref, partner)
                .await?;
            println!(
                "契約 {} は参照番号 {} で「{}」とパッケージをやり取りします。",
                b.contract_id, b.exchange_ref, b.partner.org_name
            );
        }
        ExchangeCommand::Send {
            contract,
            list,
            out,
            passphrase_file,
            who,
        } => {
            let to = match passphrase(passphrase_file)? {
                Some(p) => PackageTo::Passphrase {
                    passphrase: p,
                    work_factor: itaku_service::PACKAGE_WORK_FACTOR,
                },
                None => PackageTo::Partner,
            };
            let file = create_new(out)?;
            let console = Console::sign_in(svc, who, "exchange-send").await?;
            let writer = std::io::BufWriter::new(file);
            let sent = match list {
                Some(l) => {
                    svc.send_provision_package(&console.actor, *contract, *l, to, writer)
                        .await
                }
                None => {
                    svc.send_return_package(&console.actor, *contract, to, writer)
                        .await
                }
            };
            let signed_out = console.finish(svc).await;
            let sent = match sent {
                Ok(s) => s,
                Err(e) => {
                    // A half-written package is no package.
                    let _ = std::fs::remove_file(out);
                    return Err(e.into());
                }
            };
            signed_out?;
            println!(
                "{} 件を「{}」宛てのパッケージにしました: {}",
                sent.records,
                sent.recipient_org,
                out.display()
            );
            println!("受け渡し番号: {}", sent.package_id);
            println!("送り状の SHA-256: {}", sent.manifest_sha256);
            println!("相手の受領書が届いたら itaku exchange receipt で台帳を完了にしてください。");
        }
        ExchangeCommand::Receive {
            contract,
            package,
            receipt_out,
            passphrase_file,
            who,
        } => {
            let pass = passphrase(passphrase_file)?;
            let input = std::fs::File::open(package)
                .with_context(|| format!("{} を開けません", package.display()))?;
            let mut receipt_file = create_new(receipt_out)?;
            let console = Console::sign_in(svc, who, "exchange-receive").await?;
            let got = svc
                .receive_package(
                    &console.actor,
                    *contract,
                    std::io::BufReader::new(input),
                    pass.as_ref(),
                )
                .await;
            let signed_out = console.finish(svc).await;
            let got = match got {
                Ok(g) => g,
                Err(e) => {
                    let _ = std::fs::remove_file(receipt_out);
                    return Err(e.into());
                }
            };
            signed_out?;
            receipt_file.write_all(got.receipt_json.as_bytes())?;
            println!(
                "「{}」からの{}パッケージを取り込みました: {} 件（受け渡し番号 {}）",
                got.sender_org,
                got.direction.label(),
                got.records,
                got.package_id
            );
            println!(
                "受領書を {} に書き出しました。送り主に返送してください。",
                receipt_out.display()
            );
        }
        ExchangeCommand::Receipt { receipt } => {
            let text = std::fs::read_to_string(receipt)
                .with_context(|| format!("{} を読めません", receipt.display()))?;
            let sys = Actor::system("受領書の確認（itaku exchange receipt）");
            let line = svc.accept_receipt(&sys, &text).await?;
            println!(
                "受領書を確認しました: 契約の台帳 第 {} 行（{} {} 件）を受領済みにしました。",
                line.id,
                line.direction.label(),
                line.records
            );
        }
        ExchangeCommand::Ledger { contract } => {
            let sys = Actor::system("情報管理台帳の表示（itaku exchange ledger）");
            print_ledger(&svc.ledger(&sys, *contract).await?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_ledger(l: &Ledger) {
    println!(
        "情報管理台帳: 契約 {}「{}」",
        l.contract_id, l.contract_name
    );
    for line in &l.lines {
        println!(
            "{:>4}  {}  {}  {}  {} 件  {}  {}{}",
            line.id,
            jst_display(&line.created_at),
            line.direction.label(),
            line.channel.label(),
            line.records,
            line.items.labels(),
            line.counterpart.as_deref().unwrap_or("—"),
            if line.awaiting_receipt() {
                "  （受領書待ち）"
            } else if line.receipt_at.is_some() {
                "  （受領書あり）"
            } else {
                ""
            }
        );
    }
    println!(
        "提供 {} 件、返還 {} 件、現在の保有 {} 件{}",
        l.provided(),
        l.returned(),
        l.held,
        if l.erased { "（消去済み）" } else { "" }
    );
}
