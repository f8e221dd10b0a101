//! Signing in at the console for one command: password and code are
//! checked by this command, for its one action, and the session lives only
//! while it runs.

use anyhow::Context;
use itaku_core::UserId;
use itaku_service::{Actor, Service, SignIn};
use std::io::{BufRead, IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Who signs in, as the command line gave it.
#[derive(clap::Args, Clone)]
pub struct Credentials {
    /// 実施する利用者のログインID
    #[arg(long = "as", value_name = "LOGIN")]
    pub login: String,
    /// パスワードを書いたファイル（省略時は入力を求める）
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// 認証アプリの確認コード（省略時は入力を求める）
    #[arg(long, value_name = "CODE")]
    pub totp: Option<String>,
}

/// A signed-in person; `finish` ends the session.
pub struct Console {
    pub actor: Actor,
    token: String,
    request_id: String,
}

impl Console {
    pub async fn sign_in(svc: &Service, c: &Credentials, what: &str) -> anyhow::Result<Self> {
        let password = match &c.password_file {
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("{} を読めません", p.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
            None => prompt("パスワード", true)?,
        };
        let totp = match &c.totp {
            Some(t) => t.clone(),
            None => prompt("確認コード（6桁）", false)?,
        };
        let request_id = format!("cli-{what}-{}", std::process::id());
        let signed = svc
            .sign_in(SignIn {
                login: c.login.clone(),
                password,
                totp,
                // The console is this machine itself.
                ip: Some(LOOPBACK),
                client_cert: None,
                request_id: request_id.clone(),
                previous_session: None,
            })
            .await?;
        let mut actor = Actor::user(UserId(signed.user.id), Some(LOOPBACK), request_id.clone());
        // Password and code were proved just now, for this one command.
        actor.stepped_up = true;
        Ok(Self {
            actor,
            token: signed.token,
            request_id,
        })
    }

    pub async fn finish(self, svc: &Service) -> anyhow::Result<()> {
        svc.sign_out(&self.token, &self.request_id).await?;
        Ok(())
    }
}

/// Ask on the terminal; a secret is read with echo off where `stty` can
/// turn it off.
pub fn prompt(label: &str, secret: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    eprint!("{label}: ");
    let _ = std::io::stderr().flush();
    let stty = |arg: &str| {
        if secret && tty {
            let _ = std::process::Command::new("stty")
                .arg(arg)
                .stdin(std::process::Stdio::inherit())
                .status();
        }
    };
    stty("-echo");
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    stty("echo");
    if secret && tty {
        eprintln!();
    }
    read.context("入力を読めません")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
