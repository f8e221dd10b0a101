//! `itaku demo`: a fresh demo ward, served on localhost, with the sign-ins
//! printed; and `itaku demo generate` for synthetic target lists.

use crate::serve::{bind, ensure_data_dir, shutdown_signal, JobRunner};
use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use itaku_core::SystemClock;
use itaku_service::{create_master_key_file, Config, DemoSummary, Service};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub generate: Option<DemoCommand>,
    /// 待ち受けアドレス（既定: 127.0.0.1:8080）
    #[arg(long, env = "ITAKU_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// 合成する区民の人数
    #[arg(long, default_value_t = 3000)]
    pub people: u64,
    /// 乱数の種（同じ種なら同じ区民）
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// 既存のデモデータを消して作り直す
    #[arg(long)]
    pub fresh: bool,
    /// 作成だけして起動しない
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// 合成の対象者名簿を書き出す（ベンチマーク・試験用）
    Generate(GenerateArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    #[value(name = "cp932-csv")]
    Cp932Csv,
    #[value(name = "utf8-csv")]
    Utf8Csv,
    Jsonl,
}

#[derive(Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 1000)]
    pub people: u64,
    #[arg(long, value_enum, default_value = "cp932-csv")]
    pub format: Format,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// 他の自治体の出力のような揺れ（和暦・半角カナ・不正行・重複）を混ぜる
    #[arg(long)]
    pub messy: bool,
    /// 出力先（省略時は標準出力）
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

const LOGINS_FILE: &str = "demo-logins.txt";

pub async fn run(config: &Config, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    if let Some(DemoCommand::Generate(g)) = &args.generate {
        return generate(g);
    }
    let dir = &config.data_dir;
    // On PostgreSQL the database itself says whether the demo is there.
    let existed = if config.uses_sqlite() {
        dir.join("itaku.db").exists()
    } else {
        config.master_key_file.exists()
    };
    if existed && args.fresh {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("{} を削除できません", dir.display()))?;
        let _ = std::fs::remove_file(&config.master_key_file);
    }
    let fresh = !existed || args.fresh;
    let listener = if args.no_serve {
        None
    } else {
        Some(bind(config).await?)
    };
    let created_dir = !dir.exists();
    ensure_data_dir(config)?;
    let result = async {
        if fresh {
            if !config.master_key_file.exists() {
                create_master_key_file(&config.master_key_file)?;
            }
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            eprintln!("デモ区を作成しています（区民 {} 人）…", args.people);
            let summary = svc.seed_demo(args.people, args.seed).await?;
            svc.seed_demo_calls(summary.contract_id).await?;
            svc.seed_demo_analysis(summary.contract_id).await?;
            write_logins(dir, &summary)?;
            Ok::<_, anyhow::Error>(svc)
        } else {
            let svc = Service::open(config, Arc::new(SystemClock)).await?;
            if !svc.is_demo().await? {
                bail!(
                    "{} はデモ用ではないデータです。別の --data を指定してください",
                    dir.display()
                );
            }
            Ok(svc)
        }
    }
    .await;
    let svc = match result {
        Ok(s) => s,
        Err(e) => {
            // Nothing half-created stays behind.
            if fresh && created_dir {
                let _ = std::fs::remove_dir_all(dir);
                let _ = std::fs::remove_file(&config.master_key_file);
            }
            return Err(e);
        }
    };
    let logins = std::fs::read_to_string(dir.join(LOGINS_FILE)).unwrap_or_default();
    let Some(listener) = listener else {
        println!("{logins}");
        return Ok(ExitCode::SUCCESS);
    };
    let addr = listener.local_addr()?;
    println!("\nitaku デモ区: http://{addr}/\n");
    println!("{logins}");
    println!(
        "確認コード（6桁）は認証アプリに上の秘密鍵を登録するか、次で表示できます（デモのみ）:"
    );
    println!(
        "  itaku --data {} admin totp-code <ログインID>\n",
        dir.display()
    );
    println!("停止: Ctrl+C");
    std::io::stdout().flush()?;
    let runner = JobRunner::start(&svc);
    itaku_web::serve(svc.clone(), listener, shutdown_signal()).await?;
    runner.stop().await;
    svc.close().await;
    Ok(ExitCode::SUCCESS)
}

fn write_logins(dir: &Path, s: &DemoSummary) -> anyhow::Result<()> {
    let mut out = format!(
        "デモ区の区民 {} 人（うち {} 人を受診勧奨契約へ提供済み）\n\
         勧奨 No.{}（下書き）: mirai-tsuchi で区分・文面・割付・印刷、hokenshi で新しい勧奨の作成\n\
         サインイン（パスワードは全員 {}）:\n",
        s.persons,
        s.provided,
        s.campaign_id,
        s.logins
            .first()
            .map(|l| l.password.as_str())
            .unwrap_or_default()
    );
    for l in &s.logins {
        out.push_str(&format!(
            "  {:<15} {}（{}・{}） TOTP秘密鍵 {}\n      {}\n",
            l.login, l.display_name, l.org_name, l.role_label, l.totp_secret, l.what
        ));
    }
    std::fs::write(dir.join(LOGINS_FILE), out).context("ログイン情報を書き込めません")?;
    Ok(())
}

fn generate(g: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let residents = itaku_synth::Generator::new(g.seed, 100_000_000).take(g.people as usize);
    let sink: Box<dyn Write> = match &g.out {
        Some(p) => Box::new(
            std::fs::File::create(p)
                .with_context(|| format!("{} を作成できません", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let w = std::io::BufWriter::with_capacity(1 << 20, sink);
    let total = g.people;
    let show = g.out.is_some();
    let progress = move |n: u64| {
        if show && (n.is_multiple_of(100_000) || n == total) {
            eprint!("\r{n} / {total} 行");
        }
    };
    let csv_format = match g.format {
        Format::Cp932Csv => Some(itaku_synth::CsvFormat::Cp932),
        Format::Utf8Csv => Some(itaku_synth::CsvFormat::Utf8Bom),
        Format::Jsonl => None,
    };
    match csv_format {
        None => {
            itaku_synth::write_jsonl(w, residents, progress)?;
        }
        Some(f) if g.messy => {
            let truth = itaku_synth::write_messy_csv(
                w,
                residents,
                f,
                &itaku_synth::Messiness::typical(g.seed),
                progress,
            )?;
            if let Some(p) = &g.out {
                let tp = p.with_extension("truth.json");
                std::fs::write(&tp, serde_json::to_vec_pretty(&truth)?)?;
                eprintln!("\n不正行・揺れの正解: {}", tp.display());
            }
        }
        Some(f) => {
            itaku_synth::write_csv(w, residents, f, progress)?;
        }
    }
    if show {
        eprintln!();
    }
    Ok(ExitCode::SUCCESS)
}
