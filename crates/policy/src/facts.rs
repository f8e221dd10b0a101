use chrono::NaiveDate;
use itaku_core::{ContractId, IpNet, ItemSet, OrgId, OrgKind, Role, UserId};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What is being done. Reads include search hits; prints and exports are
/// separate because contracts forbid copies (複写等の禁止).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Search,
    Write,
    Export,
    Print,
    /// Copy from the ward's vault into a contract's vault.
    Provision,
    Erase,
    ViewAudit,
    Administer,
    /// A contractor's 責任者 takes a package the ward sent into the
    /// contract's vault (受領), on a separate installation.
    Receive,
    /// A contractor's 責任者 hands results back to the ward (返還): the one
    /// bulk movement of data a contract asks of the contractor.
    Return,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Read,
        Action::Search,
        Action::Write,
        Action::Export,
        Action::Print,
        Action::Provision,
        Action::Erase,
        Action::ViewAudit,
        Action::Administer,
        Action::Receive,
        Action::Return,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Search => "search",
            Action::Write => "write",
            Action::Export => "export",
            Action::Print => "print",
            Action::Provision => "provision",
            Action::Erase => "erase",
            Action::ViewAudit => "view_audit",
            Action::Administer => "administer",
            Action::Receive => "receive",
            Action::Return => "return",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Action::Read => "閲覧",
            Action::Search => "検索",
            Action::Write => "登録・更新",
            Action::Export => "出力",
            Action::Print => "印刷",
            Action::Provision => "提供",
            Action::Erase => "消去",
            Action::ViewAudit => "ログ閲覧",
            Action::Administer => "管理",
            Action::Receive => "受領",
            Action::Return => "返還",
        }
    }
    pub fn is_read_only(self) -> bool {
        matches!(self, Action::Read | Action::Search | Action::ViewAudit)
    }
}

/// Whose vault the operation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Configuration, not personal data.
    System,
    Ward,
    Contract(ContractId),
}

#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: UserId,
    pub role: Role,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub active: bool,
    /// Last day the user's privacy training counts (教育).
    pub training_valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Active,
    /// 契約解除: every access ends at once.
    Cancelled,
    /// Ended and erased.
    Closed,
}

impl ContractStatus {
    pub fn code(self) -> &'static str {
        match self {
            ContractStatus::Active => "active",
            ContractStatus::Cancelled => "cancelled",
            ContractStatus::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ContractStatus::Active => "契約中",
            ContractStatus::Cancelled => "契約解除",
            ContractStatus::Closed => "終了",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Cancelled, Self::Closed]
            .into_iter()
            .find(|c| c.code() == s)
    }
}

#[derive(Debug, Clone)]
pub struct PurposeFacts {
    pub code: String,
    pub items: ItemSet,
}

#[derive(Debug, Clone)]
pub struct SubcontractFacts {
    pub org_id: OrgId,
    /// Recorded by the ward and not revoked.
    pub approved: bool,
}

#[derive(Debug, Clone)]
pub struct ContractFacts {
    pub id: ContractId,
    pub contractor_org_id: OrgId,
    pub status: ContractStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Empty means: no network restriction recorded.
    pub allowed_networks: Vec<IpNet>,
    pub requires_client_cert: bool,
    pub purposes: Vec<PurposeFacts>,
    pub responsible: Vec<UserId>,
    /// (handler, purpose code) pairs: 取扱者 per purpose.
    pub handlers: Vec<(UserId, String)>,
    pub subcontractors: Vec<SubcontractFacts>,
}

/// Where the request comes from.
#[derive(Debug, Clone, Default)]
pub struct Terminal {
    pub ip: Option<IpAddr>,
    /// Fingerprint of a verified client certificate registered to a terminal.
    pub client_cert: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub action: Action,
    pub scope: Scope,
    pub purpose: Option<&'a str>,
    pub items: &'a ItemSet,
    pub terminal: &'a Terminal,
    pub today: NaiveDate,
}
