//! What encrypts and opens backups and key escrow files: an age X25519
//! identity kept in a key file, or a passphrase (scrypt).

use crate::error::{Result, ServiceError};
use age::secrecy::{ExposeSecret, SecretString};
use age::{scrypt, x25519, Decryptor, Encryptor};
use std::io::{BufReader, Read, Write};
use std::path::Path;

/// scrypt work factor (log2 N) written for passphrase files: about a
/// second and 256 MiB; opening accepts up to 2^20 and no more.
const WRITE_WORK_FACTOR: u8 = 18;
const MAX_WORK_FACTOR: u8 = 20;
const MIN_PASSPHRASE_CHARS: usize = 12;

pub enum BackupKey {
    /// An age identity (`AGE-SECRET-KEY-1…`); its public half encrypts.
    Identity(Box<x25519::Identity>),
    Passphrase(SecretString),
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!("{} を読めません（{e}）", path.display()))
}

/// Create a file for secrets: new (never overwriting), owner-only.
pub(crate) fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| {
        ServiceError::Invalid(format!(
            "{} を作成できません（{e}）。既にあるファイルは上書きしません",
            path.display()
        ))
    })
}

impl BackupKey {
    /// Generate a new identity into `path` (owner-only, never overwriting);
    /// returns its public recipient (`age1…`).
    pub fn generate_identity_file(path: &Path) -> Result<String> {
        let id = x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let mut f = create_private(path)?;
        let text = format!(
            "# itaku バックアップ鍵（age X25519）。バックアップと鍵預託ファイルを開く鍵です。\n# public key: {recipient}\n{}\n",
            id.to_string().expose_secret()
        );
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| file_error(path, e))?;
        Ok(recipient)
    }

    /// Read an age identity file (comments allowed, one key).
    pub fn from_identity_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        let id: x25519::Identity = line.parse().map_err(|_| {
            ServiceError::Invalid(format!(
                "{} は age の秘密鍵（AGE-SECRET-KEY-1…）のファイルではありません。`itaku backup keygen` で作成した鍵ファイルを指定してください",
                path.display()
            ))
        })?;
        Ok(BackupKey::Identity(Box::new(id)))
    }

    pub fn from_passphrase(passphrase: &str) -> Result<Self> {
        let p = passphrase.trim_end_matches(['\r', '\n']);
        if p.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(ServiceError::Invalid(format!(
                "パスフレーズは {MIN_PASSPHRASE_CHARS} 文字以上にしてください"
            )));
        }
        Ok(BackupKey::Passphrase(SecretString::from(p.to_owned())))
    }

    pub fn from_passphrase_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        Self::from_passphrase(&text)
    }

    /// The public recipient, for an identity.
    pub fn recipient(&self) -> Option<String> {
        match self {
            BackupKey::Identity(id) => Some(id.to_public().to_string()),
            BackupKey::Passphrase(_) => None,
        }
    }

    fn encryptor(&self) -> Result<Encryptor> {
        let made = match self {
            BackupKey::Identity(id) => {
                let r = id.to_public();
                Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
            }
            BackupKey::Passphrase(p) => {
                let mut r = scrypt::Recipient::new(p.clone());
                r.set_work_factor(WRITE_WORK_FACTOR);
                Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
            }
        };
        made.map_err(|e| ServiceError::Internal(format!("暗号化の準備に失敗しました: {e}")))
    }

    /// Encrypting writer around `out`; call `finish` on it at the end.
    pub(crate) fn encrypt<W: Write>(&self, out: W) -> Result<age::stream::StreamWriter<W>> {
        self.encryptor()?
            .wrap_output(out)
            .map_err(|e| ServiceError::Internal(format!("書き込みに失敗しました: {e}")))
    }

    /// Decrypting reader over `input`: reads return only authenticated data.
    pub(crate) fn decrypt<R: Read>(&self, input: R) -> Result<impl Read> {
        let d = Decryptor::new_buffered(BufReader::new(input)).map_err(|e| {
            ServiceError::Invalid(format!("age で暗号化されたファイルではありません（{e}）"))
        })?;
        let wrong = |e: age::DecryptError| {
            ServiceError::Invalid(format!(
                "ファイルを開けません。鍵ファイルまたはパスフレーズが違います（{e}）"
            ))
        };
        match self {
            BackupKey::Identity(id) => d
                .decrypt(std::iter::once(id.as_ref() as &dyn age::Identity))
                .map_err(wrong),
            BackupKey::Passphrase(p) => {
                let mut id = scrypt::Identity::new(p.clone());
                id.set_max_work_factor(MAX_WORK_FACTOR);
                d.decrypt(std::iter::once(&id as &dyn age::Identity))
                    .map_err(wrong)
            }
        }
    }
}
