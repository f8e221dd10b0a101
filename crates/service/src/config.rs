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
        Ok(Config {
            data_dir,
            database_url,
            listen,
            master_key_file,
            master_key,
            log_format,
            session_idle_minutes: idle,
            session_absolute_hours: absolute,
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
}
