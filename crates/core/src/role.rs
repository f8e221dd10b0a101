use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The parties of the contracts: the ward (甲), contractors (乙), sub-contractors (丙).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Ward,
    Contractor,
    Subcontractor,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Ward, OrgKind::Contractor, OrgKind::Subcontractor];
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Ward => "ward",
            OrgKind::Contractor => "contractor",
            OrgKind::Subcontractor => "subcontractor",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Ward => "区（甲）",
            OrgKind::Contractor => "委託事業者（乙）",
            OrgKind::Subcontractor => "再委託先（丙）",
        }
    }
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| DomainError::UnknownOrgKind(code.to_owned()))
    }
}

/// What a user is. Which contract and purpose they act under is decided per
/// request by the policy layer, from the contract's handler list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 区の管理者: configures organisations, contracts, users.
    WardAdmin,
    /// 区の職員 (保健師, 事務職員): works with the ward's own vault.
    WardStaff,
    /// 監査: read-only over records and logs.
    Inspector,
    /// 取扱責任者 of a contractor.
    ContractorResponsible,
    /// 取扱者: reaches a contract's data only for the purposes listed for them.
    Handler,
    /// Background work, acting with an explicit reason.
    System,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::WardAdmin,
        Role::WardStaff,
        Role::Inspector,
        Role::ContractorResponsible,
        Role::Handler,
        Role::System,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Role::WardAdmin => "ward_admin",
            Role::WardStaff => "ward_staff",
            Role::Inspector => "inspector",
            Role::ContractorResponsible => "contractor_responsible",
            Role::Handler => "handler",
            Role::System => "system",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::WardAdmin => "区管理者",
            Role::WardStaff => "区職員",
            Role::Inspector => "監査担当",
            Role::ContractorResponsible => "取扱責任者",
            Role::Handler => "取扱者",
            Role::System => "システム",
        }
    }
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| DomainError::UnknownRole(code.to_owned()))
    }
    pub fn is_ward(self) -> bool {
        matches!(self, Role::WardAdmin | Role::WardStaff | Role::Inspector)
    }
    /// Roles that may ever see personal data, and so must use a second factor.
    pub fn reaches_personal_data(self) -> bool {
        !matches!(self, Role::System)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()).unwrap(), r);
        }
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.code()).unwrap(), k);
        }
        assert!(Role::parse("root").is_err());
    }
}
