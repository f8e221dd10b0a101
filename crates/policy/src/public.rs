//! The one kind of actor that is not signed in yet touches personal data:
//! a resident registering for a seminar (seed 003). They write their own
//! 氏名 into the contract's vault, see it back on their private page and
//! cancel. Nothing else.
//!
//! Why a separate decision instead of a role: a registrant has no user, no
//! organisation and no training, so none of `decide`'s checks apply; what
//! bounds them is the contract (active, within its dates), the one purpose
//! the service opened to the public (an event open for registration under
//! the reception purpose), and that purpose's items. The service states the
//! opening as a fact (`PublicWindow`) read in the operation's transaction;
//! without one every anonymous request is refused.

use crate::decide::{Decision, Denial};
use crate::facts::{Action, ContractFacts, ContractStatus, Request, Scope};
use itaku_core::ContractId;

/// A contract's purpose opened to residents' own registrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicWindow {
    pub contract: ContractId,
    pub purpose: String,
}

/// Decide an anonymous registrant's operation.
pub fn decide_registrant(
    contract: Option<&ContractFacts>,
    window: Option<&PublicWindow>,
    req: &Request<'_>,
) -> Decision {
    let Some(w) = window else {
        return Decision::Deny(Denial::RoleNotPermitted);
    };
    let Scope::Contract(id) = req.scope else {
        return Decision::Deny(Denial::RoleNotPermitted);
    };
    let Some(c) = contract.filter(|c| c.id == id && w.contract == id) else {
        return Decision::Deny(Denial::NotFound);
    };
    if c.status != ContractStatus::Active || req.today < c.starts_on || req.today > c.ends_on {
        return Decision::Deny(Denial::ContractNotActive);
    }
    // Their own record only: write it, read it back, cancel it.
    if !matches!(req.action, Action::Write | Action::Read) {
        return Decision::Deny(Denial::RoleNotPermitted);
    }
    if req.purpose != Some(w.purpose.as_str()) {
        return Decision::Deny(Denial::PurposeNotAssigned);
    }
    let Some(p) = c.purposes.iter().find(|p| p.code == w.purpose) else {
        return Decision::Deny(Denial::PurposeNotAssigned);
    };
    let outside = req.items.difference(&p.items);
    if !outside.is_empty() {
        return Decision::Deny(Denial::ItemsOutsidePurpose(outside));
    }
    Decision::Allow {
        items: req.items.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{PurposeFacts, Terminal};
    use chrono::NaiveDate;
    use itaku_core::{Item, ItemSet, OrgId};

    fn contract() -> ContractFacts {
        ContractFacts {
            id: ContractId(7),
            contractor_org_id: OrgId(2),
            status: ContractStatus::Active,
            starts_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            allowed_networks: vec![],
            requires_client_cert: false,
            purposes: vec![
                PurposeFacts {
                    code: "uketsuke".into(),
                    items: [Item::Shimei].into_iter().collect(),
                },
                PurposeFacts {
                    code: "anketo".into(),
                    items: [Item::Anketo].into_iter().collect(),
                },
            ],
            responsible: vec![],
            handlers: vec![],
            subcontractors: vec![],
        }
    }

    fn ask(
        window: Option<&PublicWindow>,
        purpose: &str,
        items: &[Item],
        action: Action,
    ) -> Decision {
        let items: ItemSet = items.iter().copied().collect();
        let t = Terminal::default();
        decide_registrant(
            Some(&contract()),
            window,
            &Request {
                action,
                scope: Scope::Contract(ContractId(7)),
                purpose: Some(purpose),
                items: &items,
                terminal: &t,
                today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            },
        )
    }

    #[test]
    fn only_the_opened_purpose_and_its_items() {
        let w = PublicWindow {
            contract: ContractId(7),
            purpose: "uketsuke".into(),
        };
        assert!(ask(Some(&w), "uketsuke", &[Item::Shimei], Action::Write).is_allowed());
        assert_eq!(
            ask(None, "uketsuke", &[Item::Shimei], Action::Write),
            Decision::Deny(Denial::RoleNotPermitted)
        );
        assert!(!ask(Some(&w), "anketo", &[Item::Anketo], Action::Write).is_allowed());
        assert!(!ask(
            Some(&w),
            "uketsuke",
            &[Item::Shimei, Item::Jusho],
            Action::Write
        )
        .is_allowed());
        assert!(!ask(Some(&w), "uketsuke", &[Item::Shimei], Action::Search).is_allowed());
        assert!(!ask(Some(&w), "uketsuke", &[Item::Shimei], Action::Export).is_allowed());
        let other = PublicWindow {
            contract: ContractId(8),
            purpose: "uketsuke".into(),
        };
        assert!(!ask(Some(&other), "uketsuke", &[Item::Shimei], Action::Write).is_allowed());
    }
}
