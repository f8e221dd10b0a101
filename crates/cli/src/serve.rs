use anyhow::{bail, Context};
use clap::Args;
use itaku_core::SystemClock;
use itaku_service::{ClientAuth, Config, Service};
use std::process::ExitCode;
use std::sync::Arc;

/// How often the job runner looks for due jobs. A job runs at most this
/// late; the daily visit check and retention rules need no finer timing.
const JOB_PASS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Args)]
pub struct ServeArgs {
    /// 待ち受けアドレス（既定: 127.0.0.1:8080）
    #[arg(long, env = "ITAKU_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
}

/// The data directory must exist and be writable (SQLite lives there).
pub fn ensure_data_dir(config: &Config) -> anyhow::Result<()> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).with_context(|| {
        format!("データディレクトリ {} を作成できません。書き込み権限のある場所を --data で指定してください", dir.display())
    })?;
    let probe = dir.join(".itaku-write-test");
    std::fs::write(&probe, b"").with_context(|| {
        format!("データディレクトリ {} に書き込めません。権限を確認するか、--data で別の場所を指定してください", dir.display())
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

pub async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "{} はすでに使われています。起動中の itaku を止めるか、--listen 127.0.0.1:8081 のように別のポートを指定してください",
            config.listen
        ),
        Err(e) => bail!("{} で待ち受けできません: {e}", config.listen),
    }
}

pub async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("停止します");
}

pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    if config.uses_sqlite() {
        ensure_data_dir(config)?;
    }
    // TLS files are read and checked before anything else is opened.
    let tls = match &config.tls {
        Some(t) => Some((itaku_web::tls::server_config(t)?, t.client_auth)),
        None => None,
    };
    // Bind first: a busy port is reported before anything is opened.
    let listener = bind(config).await?;
    let svc = Service::open(config, Arc::new(SystemClock)).await?;
    // An erasure a crash interrupted is finished before anyone works.
    for c in svc.resume_erasures().await? {
        println!(
            "中断していた消去を完了しました: 契約 {}（消去証明書 第 {} 号）",
            c.certificate.contract.id, c.certificate.erasure_id
        );
    }
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "itaku を起動しました: {scheme}://{addr}/  （データベース: {}）",
        svc.backend_name()
    );
    let runner = JobRunner::start(&svc);
    match tls {
        Some((tls, mode)) => {
            println!("{}", client_auth_label(mode));
            itaku_web::serve_tls(svc.clone(), listener, tls, shutdown_signal()).await?;
        }
        None => itaku_web::serve(svc.clone(), listener, shutdown_signal()).await?,
    }
    runner.stop().await;
    svc.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The job runner, working alongside the pages until the server stops.
pub struct JobRunner {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl JobRunner {
    pub fn start(svc: &Service) -> JobRunner {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let svc = svc.clone();
        let id = crate::jobs::runner_id("itaku-serve");
        let task = tokio::spawn(async move {
            svc.run_jobs_until(&id, JOB_PASS_EVERY, async {
                let _ = stopped.await;
            })
            .await;
        });
        JobRunner { stop, task }
    }

    /// Lets a job under way finish its step, then ends the loop.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn client_auth_label(mode: ClientAuth) -> &'static str {
    match mode {
        ClientAuth::Off => "端末証明書: 確認しない",
        ClientAuth::Optional => {
            "端末証明書: 提示されれば確認する（証明書を必須とする契約は、登録端末からのみ利用可）"
        }
        ClientAuth::Required => "端末証明書: 必須（証明書のない接続は拒否）",
    }
}
