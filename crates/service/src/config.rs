//! Configuration: defaults that need no file, a TOML file, then `ITAKU_`
//! environment variables; secrets may come from files (`*_FILE`). Every
//! problem is reported in one clear sentence with what to do.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const CONFIG_VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("設定ファイル {path} を読めません: {detail}")]
    Read { path: String, detail: String },
    #[error("設定ファイル {path} の書式が正しくありません: {detail}")]
    Parse { path: String, detail: String },
    #[error("設定 {key} の値「{value}」が正しくありません: {hint}")]
    Invalid {
        key: String,
        value: String,
        hint: String,
    },
    #[error("設定ファイルの version = {0} には対応していません（対応: {CONFIG_VERSION}）")]
    Version(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Whether terminals must present a client certificate during the TLS
/// handshake. With `Optional` a connection without one is accepted, and
/// contracts that require certificates refuse it (`certificate_required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    Off,
    Optional,
    Required,
}

impl ClientAuth {
    fn parse(key: &str, v: &str) -> Result<ClientAuth, ConfigError> {
        match v.trim() {
            "off" => Ok(ClientAuth::Off),
            "optional" => Ok(ClientAuth::Optional),
            "required" => Ok(ClientAuth::Required),
            _ => Err(ConfigError::Invalid {
                key: key.into(),
                value: v.into(),
                hint: "off・optional・required のいずれかで指定してください".into(),
            }),
        }
    }
}

/// HTTPS with an optional client-certificate check (mutual TLS). Files are
/// PEM; they are read when the server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The server's certificate chain.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// The CA that issues terminal certificates (None when `client_auth` is off).
    pub client_ca_file: Option<PathBuf>,
    /// Revocation lists of that CA.
    pub client_crl_files: Vec<PathBuf>,
    pub client_auth: ClientAuth,
}

/// The TOML file. Unknown keys are errors, so a typo never silently falls
/// back to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    version: Option<u32>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
    listen: Option<String>,
    master_key_file: Option<PathBuf>,
    log_format: Option<LogFormat>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    tls_cert_file: Option<PathBuf>,
    tls_key_file: Option<PathBuf>,
    tls_client_ca_file: Option<PathBuf>,
    tls_client_crl_files: Option<Vec<PathBuf>>,
    tls_client_auth: Option<ClientAuth>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Where the master key is read from. Never inside the data directory,
    /// so a copy of the data is not a copy of the key.
    pub master_key_file: PathBuf,
    /// A master key given directly (ITAKU_MASTER_KEY), taking precedence.
    pub master_key: Option<String>,
    pub log_format: LogFormat,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// HTTPS (and terminal certificates); None serves plain HTTP.
    pub tls: Option<TlsConfig>,
}

/// What the command line says; it wins over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

impl Config {
    /// Defaults, then the file, then the environment, then the overrides.
    pub fn load(
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let file_path = overrides
            .config_file
            .clone()
            .or_else(|| env("ITAKU_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(p) => read_file_config(p)?,
            None => FileConfig::default(),
        };
        if let Some(v) = file.version {
            if v != CONFIG_VERSION {
                return Err(ConfigError::Version(v));
            }
        }
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env("ITAKU_DATA").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./itaku-data"));

        let database_url = match overrides.database_url.clone() {
            Some(u) => Some(u),
            None => match env("ITAKU_DATABASE_URL") {
                Some(u) => Some(u),
                None => match env("ITAKU_DATABASE_URL_FILE").map(PathBuf::from) {
                    Some(p) => Some(read_secret("ITAKU_DATABASE_URL_FILE", &p)?),
                    None => match (file.database_url, file.database_url_file) {
                        (Some(u), _) => Some(u),
                        (None, Some(p)) => Some(read_secret("database_url_file", &p)?),
                        (None, None) => None,
                    },
                },
            },
        };
        let database_url = match database_url {
            Some(u) => {
                let u = u.trim().to_owned();
                if !(u.starts_with("sqlite:")
                    || u.starts_with("postgres://")
                    || u.starts_with("postgresql://"))
                {
                    return Err(ConfigError::Invalid {
                        key: "database_url".into(),
                        value: redact(&u),
                        hint: "sqlite://ファイル名 または postgres://ユーザー@ホスト:ポート/DB名 で指定してください".into(),
                    });
                }
                u
            }
            None => format!("sqlite://{}", data_dir.join("itaku.db").display()),
        };

        let listen_raw = overrides
            .listen
            .clone()
            .or_else(|| env("ITAKU_LISTEN"))
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw
            .trim()
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                key: "listen".into(),
                value: listen_raw.clone(),
                hint: "127.0.0.1:8080 のように アドレス:ポート で指定してください".into(),
            })?;

        let master_key = env("ITAKU_MASTER_KEY");
        let master_key_file = env("ITAKU_MASTER_KEY_FILE")
            .map(PathBuf::from)
            .or(file.master_key_file)
            .unwrap_or_else(|| default_master_key_file(&data_dir));

        let log_format = match env("ITAKU_LOG_FORMAT") {
            Some(v) => match v.trim() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "ITAKU_LOG_FORMAT".into(),
                        value: v,
                        hint: "text または json".into(),
                    })
                }
            },
            None => file.log_format.unwrap_or(LogFormat::Text),
        };
        let idle = positive(
            "session_idle_minutes",
            env("ITAKU_SESSION_IDLE_MINUTES"),
            file.session_idle_minutes,
            30,
        )?;
        let absolute = positive(
            "session_absolute_hours",
            env("ITAKU_SESSION_ABSOLUTE_HOURS"),
            file.session_absolute_hours,
            10,
        )?;
        let tls = tls_config(
            env,
            FileTls {
                cert_file: file.tls_cert_file,
                key_file: file.tls_key_file,
                client_ca_file: file.tls_client_ca_file,
                client_crl_files: file.tls_client_crl_files,
                client_auth: file.tls_client_auth,
            },
        )?;
        Ok(Config {
            data_dir,
            database_url,
            listen,
            master_key_file,
            master_key,
            log_format,
            session_idle_minutes: idle,
            session_absolute_hours: absolute,
            tls,
        })
    }

    /// Load with the process environment.
    pub fn from_env(overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::load(overrides, &|k| std::env::var(k).ok())
    }

    pub fn uses_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// `./itaku-data` → `./itaku-data.master-key`: beside the directory, not in it.
pub fn default_master_key_file(data_dir: &Path) -> PathBuf {
    let mut name = data_dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "itaku-data".into());
    name.push(".master-key");
    match data_dir.parent() {
        Some(p) => p.join(name),
        None => PathBuf::from(name),
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.display().to_string(),
        detail: e.message().to_owned(),
    })
}

fn read_secret(key: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| ConfigError::Invalid {
            key: key.into(),
            value: path.display().to_string(),
            hint: format!("ファイルを読めません（{e}）"),
        })
}

fn positive(
    key: &str,
    env_value: Option<String>,
    file_value: Option<i64>,
    default: i64,
) -> Result<i64, ConfigError> {
    let v = match env_value {
        Some(s) => s.trim().parse::<i64>().map_err(|_| ConfigError::Invalid {
            key: key.into(),
            value: s.clone(),
            hint: "正の整数で指定してください".into(),
        })?,
        None => file_value.unwrap_or(default),
    };
    if v <= 0 {
        return Err(ConfigError::Invalid {
            key: key.into(),
            value: v.to_string(),
            hint: "正の整数で指定してください".into(),
        });
    }
    Ok(v)
}

struct FileTls {
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_ca_file: Option<PathBuf>,
    client_crl_files: Option<Vec<PathBuf>>,
    client_auth: Option<ClientAuth>,
}

/// The TLS keys, each from `ITAKU_TLS_*` or else the file. Combinations
/// that cannot work (a certificate without its key, a client check without
/// a CA) are refused here rather than at the first connection.
fn tls_config(
    env: &dyn Fn(&str) -> Option<String>,
    file: FileTls,
) -> Result<Option<TlsConfig>, ConfigError> {
    let path = |k: &str, f: Option<PathBuf>| {
        env(k)
            .filter(|v| !v.trim().is_empty())
            .map(|v| PathBuf::from(v.trim()))
            .or(f)
    };
    let cert_file = path("ITAKU_TLS_CERT_FILE", file.cert_file);
    let key_file = path("ITAKU_TLS_KEY_FILE", file.key_file);
    let client_ca_file = path("ITAKU_TLS_CLIENT_CA_FILE", file.client_ca_file);
    let client_crl_files = match env("ITAKU_TLS_CLIENT_CRL_FILES") {
        Some(v) => v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
        None => file.client_crl_files.unwrap_or_default(),
    };
    let client_auth = match env("ITAKU_TLS_CLIENT_AUTH") {
        Some(v) => Some(ClientAuth::parse("ITAKU_TLS_CLIENT_AUTH", &v)?),
        None => file.client_auth,
    };
    let invalid = |key: &str, value: String, hint: &str| ConfigError::Invalid {
        key: key.into(),
        value,
        hint: hint.into(),
    };
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let (cert_file, key_file) = match (cert_file, key_file) {
        (Some(c), Some(k)) => (c, k),
        (Some(c), None) => {
            return Err(invalid(
                "tls_cert_file",
                c.display().to_string(),
                "サーバー証明書には秘密鍵が必要です。tls_key_file（ITAKU_TLS_KEY_FILE）も指定してください",
            ))
        }
        (None, Some(k)) => {
            return Err(invalid(
                "tls_key_file",
                k.display().to_string(),
                "秘密鍵だけでは HTTPS にできません。tls_cert_file（ITAKU_TLS_CERT_FILE）にサーバー証明書も指定してください",
            ))
        }
        (None, None) => {
            if client_ca_file.is_some() || !client_crl_files.is_empty() {
                return Err(invalid(
                    "tls_client_ca_file",
                    shown(&client_ca_file),
                    "端末証明書の確認には HTTPS が必要です。tls_cert_file と tls_key_file にサーバー証明書と秘密鍵を指定してください",
                ));
            }
            if let Some(a) = client_auth.filter(|a| *a != ClientAuth::Off) {
                return Err(invalid(
                    "tls_client_auth",
                    format!("{a:?}").to_lowercase(),
                    "端末証明書の確認には HTTPS が必要です。tls_cert_file と tls_key_file にサーバー証明書と秘密鍵を指定してください",
                ));
            }
            return Ok(None);
        }
    };
    // A CA without a mode means the ward wants terminals checked: required.
    let client_auth = client_auth.unwrap_or(if client_ca_file.is_some() {
        ClientAuth::Required
    } else {
        ClientAuth::Off
    });
    match (client_auth, &client_ca_file) {
        (ClientAuth::Off, Some(ca)) => {
            return Err(invalid(
                "tls_client_auth",
                "off".into(),
                &format!(
                    "端末証明書の発行元 {} が指定されています。確認するなら optional か required を、しないなら tls_client_ca_file を外してください",
                    ca.display()
                ),
            ))
        }
        (ClientAuth::Optional | ClientAuth::Required, None) => {
            return Err(invalid(
                "tls_client_auth",
                format!("{client_auth:?}").to_lowercase(),
                "端末証明書を確認するには、発行元の CA 証明書を tls_client_ca_file（ITAKU_TLS_CLIENT_CA_FILE）に指定してください",
            ))
        }
        _ => {}
    }
    if !client_crl_files.is_empty() && client_ca_file.is_none() {
        return Err(invalid(
            "tls_client_crl_files",
            client_crl_files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(","),
            "失効リストは端末証明書の確認（tls_client_ca_file）と組み合わせて指定してください",
        ));
    }
    Ok(Some(TlsConfig {
        cert_file,
        key_file,
        client_ca_file,
        client_crl_files,
        client_auth,
    }))
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: Option<&str>, env: &[(&str, &str)], o: Overrides) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let mut o = o;
        if let Some(text) = file {
            let p = dir.path().join("itaku.toml");
            std::fs::write(&p, text).unwrap();
            o.config_file = Some(p);
        }
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(&o, &|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_file() {
        let c = load(None, &[], Overrides::default()).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("./itaku-data"));
        assert_eq!(c.database_url, "sqlite://./itaku-data/itaku.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.master_key_file, PathBuf::from("./itaku-data.master-key"));
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn precedence_file_then_env_then_flags() {
        let file = "version = 1\nlisten = \"127.0.0.1:9000\"\ndata_dir = \"/srv/a\"\nlog_format = \"json\"\n";
        let c = load(Some(file), &[], Overrides::default()).unwrap();
        assert_eq!(
            (c.listen.port(), c.data_dir.clone(), c.log_format),
            (9000, PathBuf::from("/srv/a"), LogFormat::Json)
        );
        let c = load(
            Some(file),
            &[("ITAKU_LISTEN", "127.0.0.1:9100"), ("ITAKU_DATA", "/srv/b")],
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            (c.listen.port(), c.data_dir.clone()),
            (9100, PathBuf::from("/srv/b"))
        );
        let o = Overrides {
            listen: Some("127.0.0.1:9200".into()),
            data_dir: Some("/srv/c".into()),
            ..Default::default()
        };
        let c = load(Some(file), &[("ITAKU_LISTEN", "127.0.0.1:9100")], o).unwrap();
        assert_eq!(
            (c.listen.port(), c.data_dir),
            (9200, PathBuf::from("/srv/c"))
        );
    }

    #[test]
    fn secrets_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db-url");
        std::fs::write(&p, "postgres://itaku:s3cret@db/itaku\n").unwrap();
        let c = load(
            None,
            &[("ITAKU_DATABASE_URL_FILE", p.to_str().unwrap())],
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.database_url, "postgres://itaku:s3cret@db/itaku");
        let err = load(
            None,
            &[("ITAKU_DATABASE_URL_FILE", "/nonexistent/x")],
            Overrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("読めません"), "{err}");
    }

    #[test]
    fn bad_input_is_explained() {
        let e = load(
            Some("version = 1\nlisten_port = 80\n"),
            &[],
            Overrides::default(),
        )
        .unwrap_err();
        assert!(
            matches!(e, ConfigError::Parse { .. }) && e.to_string().contains("listen_port"),
            "{e}"
        );
        let e = load(Some("version = 2\n"), &[], Overrides::default()).unwrap_err();
        assert!(matches!(e, ConfigError::Version(2)), "{e}");
        let e = load(
            None,
            &[("ITAKU_DATABASE_URL", "mysql://x:pw@h/db")],
            Overrides::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("postgres://") && !e.to_string().contains("pw@"),
            "{e}"
        );
        let e = load(None, &[("ITAKU_LISTEN", "localhost")], Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        let e = load(
            None,
            &[("ITAKU_SESSION_IDLE_MINUTES", "0")],
            Overrides::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("正の整数"), "{e}");
        let e = load(Some("version = \"one\"\n"), &[], Overrides::default()).unwrap_err();
        assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
    }

    #[test]
    fn tls_is_off_by_default_and_set_by_file_or_env() {
        let c = load(None, &[], Overrides::default()).unwrap();
        assert_eq!(c.tls, None);
        let file = "version = 1\ntls_cert_file = \"/etc/itaku/server.pem\"\n\
                    tls_key_file = \"/etc/itaku/server.key\"\n\
                    tls_client_ca_file = \"/etc/itaku/terminal-ca.pem\"\n\
                    tls_client_crl_files = [\"/etc/itaku/a.crl\", \"/etc/itaku/b.crl\"]\n\
                    tls_client_auth = \"optional\"\n";
        let t = load(Some(file), &[], Overrides::default())
            .unwrap()
            .tls
            .unwrap();
        assert_eq!(t.cert_file, PathBuf::from("/etc/itaku/server.pem"));
        assert_eq!(t.key_file, PathBuf::from("/etc/itaku/server.key"));
        assert_eq!(
            t.client_ca_file,
            Some(PathBuf::from("/etc/itaku/terminal-ca.pem"))
        );
        assert_eq!(t.client_crl_files.len(), 2);
        assert_eq!(t.client_auth, ClientAuth::Optional);
        // The environment wins, key by key.
        let t = load(
            Some(file),
            &[
                ("ITAKU_TLS_CLIENT_AUTH", "required"),
                ("ITAKU_TLS_CLIENT_CRL_FILES", "/x/1.crl, /x/2.crl,/x/3.crl"),
                ("ITAKU_TLS_CERT_FILE", "/run/secrets/cert.pem"),
            ],
            Overrides::default(),
        )
        .unwrap()
        .tls
        .unwrap();
        assert_eq!(t.client_auth, ClientAuth::Required);
        assert_eq!(t.cert_file, PathBuf::from("/run/secrets/cert.pem"));
        assert_eq!(t.client_crl_files[2], PathBuf::from("/x/3.crl"));
        // Environment only; a CA without a mode means required.
        let t = load(
            None,
            &[
                ("ITAKU_TLS_CERT_FILE", "/c.pem"),
                ("ITAKU_TLS_KEY_FILE", "/k.pem"),
                ("ITAKU_TLS_CLIENT_CA_FILE", "/ca.pem"),
            ],
            Overrides::default(),
        )
        .unwrap()
        .tls
        .unwrap();
        assert_eq!(t.client_auth, ClientAuth::Required);
        // HTTPS without terminal certificates.
        let t = load(
            None,
            &[
                ("ITAKU_TLS_CERT_FILE", "/c.pem"),
                ("ITAKU_TLS_KEY_FILE", "/k.pem"),
            ],
            Overrides::default(),
        )
        .unwrap()
        .tls
        .unwrap();
        assert_eq!((t.client_auth, t.client_ca_file), (ClientAuth::Off, None));
    }

    #[test]
    fn tls_mistakes_are_explained() {
        let err = |env: &[(&str, &str)]| load(None, env, Overrides::default()).unwrap_err();
        let e = err(&[("ITAKU_TLS_CERT_FILE", "/c.pem")]);
        assert!(e.to_string().contains("秘密鍵が必要"), "{e}");
        let e = err(&[("ITAKU_TLS_KEY_FILE", "/k.pem")]);
        assert!(e.to_string().contains("tls_cert_file"), "{e}");
        let e = err(&[("ITAKU_TLS_CLIENT_CA_FILE", "/ca.pem")]);
        assert!(e.to_string().contains("HTTPS が必要"), "{e}");
        let e = err(&[("ITAKU_TLS_CLIENT_AUTH", "required")]);
        assert!(e.to_string().contains("HTTPS が必要"), "{e}");
        let tls = [
            ("ITAKU_TLS_CERT_FILE", "/c.pem"),
            ("ITAKU_TLS_KEY_FILE", "/k.pem"),
        ];
        let e = err(&[tls[0], tls[1], ("ITAKU_TLS_CLIENT_AUTH", "required")]);
        assert!(e.to_string().contains("tls_client_ca_file"), "{e}");
        let e = err(&[tls[0], tls[1], ("ITAKU_TLS_CLIENT_AUTH", "yes")]);
        assert!(e.to_string().contains("off・optional・required"), "{e}");
        let e = err(&[
            tls[0],
            tls[1],
            ("ITAKU_TLS_CLIENT_CA_FILE", "/ca.pem"),
            ("ITAKU_TLS_CLIENT_AUTH", "off"),
        ]);
        assert!(e.to_string().contains("optional か required"), "{e}");
        let e = err(&[tls[0], tls[1], ("ITAKU_TLS_CLIENT_CRL_FILES", "/a.crl")]);
        assert!(e.to_string().contains("失効リスト"), "{e}");
        let e = load(
            Some("version = 1\ntls_client_auth = \"sometimes\"\n"),
            &[],
            Overrides::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
    }
}
