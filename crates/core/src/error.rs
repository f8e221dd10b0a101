use thiserror::Error;

/// Errors of domain values and rules; messages are for the person at the screen.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    #[error("不明な項目コードです: {0}")]
    UnknownItem(String),
    #[error("不明な役割です: {0}")]
    UnknownRole(String),
    #[error("不明な組織区分です: {0}")]
    UnknownOrgKind(String),
    #[error("ネットワーク指定「{0}」が正しくありません（例: 10.0.0.0/8, 192.168.1.10）")]
    BadNetwork(String),
    #[error("{field}が正しくありません: {reason}")]
    Invalid { field: &'static str, reason: String },
}
