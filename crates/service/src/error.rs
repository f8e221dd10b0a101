use itaku_policy::Denial;
use thiserror::Error;

/// The service layer's one error type. The web maps each variant to a
/// status and shows `Display`, which never carries internals.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("{}", .0.message())]
    Denied(Denial),
    #[error("ログインID、パスワードまたは確認コードが違います。")]
    SignInFailed,
    #[error("サインインが必要です。")]
    Unauthenticated,
    #[error("この操作の前に、パスワードと確認コードで本人確認をやり直してください。")]
    StepUpRequired,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("マスターキーを使えません: {0}")]
    MasterKey(String),
    #[error("{0}")]
    Store(#[from] itaku_store::StoreError),
    #[error("暗号処理に失敗しました: {0}")]
    Crypto(#[from] itaku_crypto::CryptoError),
    /// A package, key or receipt refused; the message says why in Japanese.
    #[error(transparent)]
    Exchange(#[from] itaku_exchange::ExchangeError),
    #[error("監査ログの記録に失敗したため、操作を中止しました。")]
    AuditFailed,
    #[error("内部エラー: {0}")]
    Internal(String),
}

impl From<itaku_core::DomainError> for ServiceError {
    fn from(e: itaku_core::DomainError) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}

impl ServiceError {
    pub fn not_found() -> Self {
        ServiceError::Denied(Denial::NotFound)
    }
    pub fn is_not_found(&self) -> bool {
        matches!(self, ServiceError::Denied(Denial::NotFound))
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// A stored JSON record (`what`) that does not decode, told by where it
/// failed, without serde's message: that message quotes the offending
/// value, and the value is an opened (personal) field that must not reach
/// a log.
pub(crate) fn corrupt_record(what: &'static str) -> impl FnOnce(serde_json::Error) -> ServiceError {
    move |e| {
        ServiceError::Internal(format!(
            "{what}が読めません（{:?}, {}行 {}列）",
            e.classify(),
            e.line(),
            e.column()
        ))
    }
}
