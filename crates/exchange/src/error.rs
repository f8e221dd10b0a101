//! The crate's one error type. Each message tells the clerk what happened and
//! what to do next; none carries record contents, passphrases or keys.

use thiserror::Error;

/// `Result` with [`ExchangeError`].
pub type Result<T> = std::result::Result<T, ExchangeError>;

/// Everything that can go wrong writing or reading a package, key or receipt.
#[derive(Debug, Error)]
pub enum ExchangeError {
    /// The file is encrypted to another organisation's key (or the signed
    /// manifest names another recipient: a package forwarded elsewhere).
    #[error("この受け渡しファイルはあなたの組織宛てではありません。送付元に、こちらの公開鍵で作り直すよう依頼してください")]
    WrongRecipient,

    /// Any change or cut in the encrypted file, or a container that does not
    /// follow the format. `detail` is a fixed description of where.
    #[error("受け渡しファイルが壊れているか、途中で切れています（{detail}）。何も取り込んでいません。送付元に再送を依頼してください")]
    Corrupted {
        /// Where the check failed.
        detail: String,
    },

    /// The manifest's signature does not verify with the sender's key.
    #[error("受け渡しファイルの署名が正しくありません。改ざんのおそれがあるため何も取り込んでいません。送付元に連絡してください")]
    BadSignature,

    /// The manifest names a sender (key fingerprint) we do not trust.
    #[error("送付元「{org}」（鍵の指紋 {fingerprint}）は信頼する送付元に登録されていません。何も取り込んでいません。送付元に電話で指紋を確認し、公開鍵を登録してから取り込んでください")]
    UnknownSender {
        /// The organisation the manifest claims.
        org: String,
        /// The key fingerprint the manifest claims.
        fingerprint: String,
    },

    /// The package belongs to a different contract than the one importing it.
    #[error("この受け渡しファイルは契約「{found}」のものです。取り込み先の契約「{expected}」とは違うため、何も取り込んでいません")]
    WrongContract {
        /// The contract the caller is importing into.
        expected: String,
        /// The contract named in the package.
        found: String,
    },

    /// A provision where a return was expected, or the other way round.
    #[error("受け渡しファイルの種類が違います（ファイルは{found}、取り込み先は{expected}）。何も取り込んでいません")]
    WrongKind {
        /// What the caller expected.
        expected: String,
        /// What the package says.
        found: String,
    },

    /// Items the contract's purposes do not allow.
    #[error("契約の利用目的で認められていない項目が含まれています: {}。何も取り込んでいません。送付元に項目を確認してください", items.join("、"))]
    ItemsOutsidePurpose {
        /// The offending item codes, sorted.
        items: Vec<String>,
    },

    /// The payload holds a different number of records than the manifest.
    #[error("件数が合いません（送り状 {declared} 件、実際 {actual} 件）。何も取り込んでいません。送付元に再送を依頼してください")]
    CountMismatch {
        /// Count in the signed manifest.
        declared: u64,
        /// Records actually found.
        actual: u64,
    },

    /// The payload's SHA-256 differs from the signed manifest's.
    #[error("データのハッシュ値が送り状と合いません。何も取り込んでいません。送付元に再送を依頼してください")]
    DigestMismatch,

    /// A record line that is not valid (bad JSON, undeclared item, duplicate id).
    #[error("{line} 件目のレコードが正しくありません（{reason}）。何も取り込んでいません。送付元に確認してください")]
    MalformedRecord {
        /// 1-based record number.
        line: u64,
        /// What is wrong, without the record's contents.
        reason: String,
    },

    /// Wrong passphrase for a passphrase-protected package.
    #[error("パスフレーズが違います。送付元から別の経路（電話など）で伝えられたパスフレーズを確認してください")]
    BadPassphrase,

    /// The passphrase stanza demands more scrypt work than we allow.
    #[error("パスフレーズの計算量 2^{required} が上限 2^{max} を超えています。不審なファイルのおそれがあるため開いていません。送付元に確認してください")]
    WorkFactorTooHigh {
        /// The file's log2(N).
        required: u8,
        /// Our limit.
        max: u8,
    },

    /// An age or container version this build cannot read.
    #[error("対応していない形式の版です（{0}）。何も取り込んでいません。itaku の更新が必要か、送付元に確認してください")]
    UnsupportedVersion(String),

    /// A value given to this crate is not acceptable (name, code, time, passphrase).
    #[error("{what}が正しくありません: {reason}")]
    InvalidValue {
        /// What was being checked, in Japanese.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// A key file or identity text that cannot be read.
    #[error("鍵ファイルを読み取れません（{0}）。受け取った公開鍵ファイルを確認してください")]
    InvalidKeyFile(String),

    /// A receipt whose signature or contents do not match our ledger.
    #[error("受領書が正しくありません（{0}）。受領先に確認してください")]
    BadReceipt(String),

    /// Reading the input or writing the output failed (disk, network share).
    #[error("ファイルの読み書きに失敗しました（{0}）。保存先の空き容量や権限を確認してください")]
    Io(std::io::Error),
}

impl ExchangeError {
    pub(crate) fn corrupted(detail: impl Into<String>) -> Self {
        Self::Corrupted {
            detail: detail.into(),
        }
    }
}

impl From<std::io::Error> for ExchangeError {
    /// Errors the container parser raised inside an `io::Error` come back
    /// out as themselves; malformed or cut data becomes [`Self::Corrupted`].
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind;
        let e_kind = e.kind();
        match e_kind {
            ErrorKind::InvalidData | ErrorKind::UnexpectedEof => {
                match e
                    .into_inner()
                    .map(|inner| inner.downcast::<ExchangeError>())
                {
                    Some(Ok(ours)) => *ours,
                    // age's own messages are English and name internals; the
                    // clerk's action is the same either way.
                    Some(Err(_)) => Self::corrupted("暗号化された内容の検証に失敗しました"),
                    None if e_kind == ErrorKind::UnexpectedEof => {
                        Self::corrupted("ファイルが途中で終わっています")
                    }
                    None => Self::corrupted("暗号化された内容の検証に失敗しました"),
                }
            }
            _ => Self::Io(e),
        }
    }
}

/// Wraps one of our errors for transport through `io::Read`.
pub(crate) fn into_io(e: ExchangeError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}
