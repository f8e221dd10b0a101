use crate::facts::{Action, ContractFacts, ContractStatus, Request, Scope, Subject};
use itaku_core::{ItemSet, OrgKind, Role};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, for exactly these items.
    Allow {
        items: ItemSet,
    },
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// Why an operation was refused. `NotFound` is what a foreign contract's
/// record looks like: the same as a record that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Denial {
    NotFound,
    UserInactive,
    RoleNotPermitted,
    ContractNotActive,
    NotDesignated,
    PurposeRequired,
    PurposeNotAssigned,
    ItemsOutsidePurpose(ItemSet),
    TrainingLapsed,
    TerminalNotAllowed,
    CertificateRequired,
    SubcontractNotApproved,
}

impl Denial {
    pub fn code(&self) -> &'static str {
        match self {
            Denial::NotFound => "not_found",
            Denial::UserInactive => "user_inactive",
            Denial::RoleNotPermitted => "role_not_permitted",
            Denial::ContractNotActive => "contract_not_active",
            Denial::NotDesignated => "not_designated",
            Denial::PurposeRequired => "purpose_required",
            Denial::PurposeNotAssigned => "purpose_not_assigned",
            Denial::ItemsOutsidePurpose(_) => "items_outside_purpose",
            Denial::TrainingLapsed => "training_lapsed",
            Denial::TerminalNotAllowed => "terminal_not_allowed",
            Denial::CertificateRequired => "certificate_required",
            Denial::SubcontractNotApproved => "subcontract_not_approved",
        }
    }

    /// Shown to the user. Never says more than they may know.
    pub fn message(&self) -> String {
        match self {
            Denial::NotFound => "該当する記録はありません。".into(),
            Denial::UserInactive => "このアカウントは無効です。".into(),
            Denial::RoleNotPermitted => "この操作を行う権限がありません。".into(),
            Denial::ContractNotActive => {
                "契約期間外または契約解除のため、この契約のデータは利用できません。".into()
            }
            Denial::NotDesignated => "この契約の取扱者として指定されていません。".into(),
            Denial::PurposeRequired => "利用目的を選んでください。".into(),
            Denial::PurposeNotAssigned => "この利用目的の取扱者として指定されていません。".into(),
            Denial::ItemsOutsidePurpose(items) => {
                format!("利用目的の範囲外の項目です: {}", items.labels())
            }
            Denial::TrainingLapsed => {
                "個人情報保護研修の受講記録が有効期限切れです。研修を受講してください。".into()
            }
            Denial::TerminalNotAllowed => "この端末・ネットワークからは利用できません。".into(),
            Denial::CertificateRequired => {
                "この契約では登録された端末の電子証明書が必要です。".into()
            }
            Denial::SubcontractNotApproved => "区による再委託の承認が記録されていません。".into(),
        }
    }
}

fn deny(d: Denial) -> Decision {
    Decision::Deny(d)
}

/// Decide one operation. `contract` must be the contract the scope names
/// (None for the ward's vault or system scope, or when it does not exist).
pub fn decide(subject: &Subject, contract: Option<&ContractFacts>, req: &Request<'_>) -> Decision {
    if !subject.active {
        return deny(Denial::UserInactive);
    }
    match req.scope {
        Scope::System => decide_system(subject, req),
        Scope::Ward => decide_ward(subject, req),
        Scope::Contract(id) => match contract.filter(|c| c.id == id) {
            Some(c) => decide_contract(subject, c, req),
            None => deny(Denial::NotFound),
        },
    }
}

fn decide_system(subject: &Subject, req: &Request<'_>) -> Decision {
    let ok = match subject.role {
        Role::System | Role::WardAdmin => true,
        Role::Inspector => req.action == Action::ViewAudit,
        _ => false,
    };
    if ok {
        Decision::Allow {
            items: ItemSet::new(),
        }
    } else {
        deny(Denial::RoleNotPermitted)
    }
}

/// The ward's own vault: ward staff do the ward's business with every item;
/// inspectors only look; contractors never reach it.
fn decide_ward(subject: &Subject, req: &Request<'_>) -> Decision {
    let allowed = match subject.role {
        Role::System => true,
        Role::WardStaff => !matches!(req.action, Action::Administer | Action::ViewAudit),
        Role::WardAdmin => matches!(req.action, Action::Administer | Action::Provision),
        Role::Inspector => matches!(req.action, Action::Read | Action::Search),
        Role::ContractorResponsible | Role::Handler => return deny(Denial::NotFound),
    };
    if !allowed {
        return deny(Denial::RoleNotPermitted);
    }
    Decision::Allow {
        items: req.items.clone(),
    }
}

/// A read of no items: what the contract holds and moved (the 情報管理台帳's
/// counts and digests), never a value from its vault.
fn reads_only_the_ledger(req: &Request<'_>) -> bool {
    req.action == Action::Read && req.items.is_empty()
}

fn decide_contract(subject: &Subject, c: &ContractFacts, req: &Request<'_>) -> Decision {
    match subject.role {
        Role::System => {
            return Decision::Allow {
                items: req.items.clone(),
            }
        }
        // The ward inspects a contractor's (or sub-contractor's) vault directly.
        Role::Inspector => {
            return if matches!(
                req.action,
                Action::Read | Action::Search | Action::ViewAudit
            ) {
                Decision::Allow {
                    items: req.items.clone(),
                }
            } else {
                deny(Denial::RoleNotPermitted)
            };
        }
        Role::WardAdmin => {
            return if matches!(
                req.action,
                Action::Administer | Action::Provision | Action::Erase | Action::ViewAudit
            ) || reads_only_the_ledger(req)
            {
                Decision::Allow {
                    items: req.items.clone(),
                }
            } else {
                deny(Denial::RoleNotPermitted)
            };
        }
        Role::WardStaff => {
            return if req.action == Action::Provision || reads_only_the_ledger(req) {
                Decision::Allow {
                    items: req.items.clone(),
                }
            } else {
                deny(Denial::RoleNotPermitted)
            };
        }
        Role::ContractorResponsible | Role::Handler => {}
    }

    // From here on: a contractor's or sub-contractor's user.
    match subject.org_kind {
        OrgKind::Ward => return deny(Denial::RoleNotPermitted),
        OrgKind::Contractor if subject.org_id != c.contractor_org_id => {
            return deny(Denial::NotFound)
        }
        OrgKind::Contractor => {}
        OrgKind::Subcontractor => {
            match c.subcontractors.iter().find(|s| s.org_id == subject.org_id) {
                None => return deny(Denial::NotFound),
                Some(s) if !s.approved => return deny(Denial::SubcontractNotApproved),
                Some(_) => {}
            }
        }
    }
    if c.status != ContractStatus::Active || req.today < c.starts_on || req.today > c.ends_on {
        return deny(Denial::ContractNotActive);
    }
    let is_responsible = c.responsible.contains(&subject.user_id);
    let assigned: Vec<&str> = c
        .handlers
        .iter()
        .filter(|(u, _)| *u == subject.user_id)
        .map(|(_, p)| p.as_str())
        .collect();
    if !is_responsible && assigned.is_empty() {
        return deny(Denial::NotDesignated);
    }
    if subject
        .training_valid_until
        .is_none_or(|until| until < req.today)
    {
        return deny(Denial::TrainingLapsed);
    }
    if !c.allowed_networks.is_empty() {
        let inside = req
            .terminal
            .ip
            .is_some_and(|ip| c.allowed_networks.iter().any(|n| n.contains(ip)));
        if !inside {
            return deny(Denial::TerminalNotAllowed);
        }
    }
    if c.requires_client_cert && req.terminal.client_cert.is_none() {
        return deny(Denial::CertificateRequired);
    }
    // No bulk copies for contractor roles (複写等の禁止), and only the ward
    // moves data between vaults or erases them.
    if matches!(
        req.action,
        Action::Export | Action::Provision | Action::Erase | Action::Administer
    ) {
        return deny(Denial::RoleNotPermitted);
    }
    // Receiving a package and returning results move the contract's data
    // as a whole: the 責任者 does it, within what the contract's purposes
    // allow together (one purpose alone may be narrower than a package).
    if matches!(req.action, Action::Receive | Action::Return) {
        if !is_responsible {
            return deny(Denial::RoleNotPermitted);
        }
        let mut allowed = ItemSet::new();
        for p in &c.purposes {
            for item in p.items.iter() {
                allowed.insert(item);
            }
        }
        let outside = req.items.difference(&allowed);
        if !outside.is_empty() {
            return deny(Denial::ItemsOutsidePurpose(outside));
        }
        return Decision::Allow {
            items: req.items.clone(),
        };
    }
    if req.action == Action::ViewAudit {
        return if is_responsible {
            Decision::Allow {
                items: ItemSet::new(),
            }
        } else {
            deny(Denial::RoleNotPermitted)
        };
    }
    let Some(purpose_code) = req.purpose else {
        return deny(Denial::PurposeRequired);
    };
    let Some(purpose) = c.purposes.iter().find(|p| p.code == purpose_code) else {
        return deny(Denial::PurposeNotAssigned);
    };
    if !is_responsible && !assigned.contains(&purpose_code) {
        return deny(Denial::PurposeNotAssigned);
    }
    let outside = req.items.difference(&purpose.items);
    if !outside.is_empty() {
        return deny(Denial::ItemsOutsidePurpose(outside));
    }
    Decision::Allow {
        items: req.items.clone(),
    }
}
