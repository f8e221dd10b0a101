//! Exhaustive checks of the policy: every role × action × scope, and each
//! condition of a handler's access removed one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use itaku_core::{ContractId, IpNet, Item, ItemSet, OrgId, OrgKind, Role, UserId};
use itaku_policy::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn call_items() -> ItemSet {
    [Item::Shimei, Item::KanaShimei, Item::DenwaBango]
        .into_iter()
        .collect()
}

fn analysis_items() -> ItemSet {
    [
        Item::KenshinKekka,
        Item::JushinkenNo,
        Item::Seinengappi,
        Item::Seibetsu,
    ]
    .into_iter()
    .collect()
}

fn contract() -> ContractFacts {
    ContractFacts {
        id: ContractId(7),
        contractor_org_id: OrgId(2),
        status: ContractStatus::Active,
        starts_on: d(2026, 4, 1),
        ends_on: d(2027, 3, 31),
        allowed_networks: vec![IpNet::parse("10.1.0.0/16").unwrap()],
        requires_client_cert: false,
        purposes: vec![
            PurposeFacts {
                code: "denwa_kansho".into(),
                items: call_items(),
            },
            PurposeFacts {
                code: "koka_bunseki".into(),
                items: analysis_items(),
            },
        ],
        responsible: vec![UserId(20)],
        handlers: vec![(UserId(21), "denwa_kansho".into())],
        subcontractors: vec![
            SubcontractFacts {
                org_id: OrgId(3),
                approved: true,
            },
            SubcontractFacts {
                org_id: OrgId(4),
                approved: false,
            },
        ],
    }
}

fn handler() -> Subject {
    Subject {
        user_id: UserId(21),
        role: Role::Handler,
        org_id: OrgId(2),
        org_kind: OrgKind::Contractor,
        active: true,
        training_valid_until: Some(d(2027, 3, 31)),
    }
}

fn terminal() -> Terminal {
    Terminal {
        ip: Some("10.1.2.3".parse().unwrap()),
        client_cert: None,
    }
}

fn ask(
    s: &Subject,
    c: &ContractFacts,
    action: Action,
    purpose: &str,
    items: &ItemSet,
    t: &Terminal,
) -> Decision {
    decide(
        s,
        Some(c),
        &Request {
            action,
            scope: Scope::Contract(ContractId(7)),
            purpose: Some(purpose),
            items,
            terminal: t,
            today: d(2026, 11, 22),
        },
    )
}

#[test]
fn designated_handler_on_active_contract_reads_call_items() {
    let got = ask(
        &handler(),
        &contract(),
        Action::Read,
        "denwa_kansho",
        &call_items(),
        &terminal(),
    );
    assert_eq!(
        got,
        Decision::Allow {
            items: call_items()
        }
    );
}

#[test]
fn every_missing_condition_is_refused_with_its_reason() {
    let items = call_items();
    let t = terminal();
    let cases: Vec<(Subject, ContractFacts, Terminal, Denial)> = vec![
        (
            handler(),
            ContractFacts {
                status: ContractStatus::Cancelled,
                ..contract()
            },
            t.clone(),
            Denial::ContractNotActive,
        ),
        (
            handler(),
            ContractFacts {
                ends_on: d(2026, 11, 21),
                ..contract()
            },
            t.clone(),
            Denial::ContractNotActive,
        ),
        (
            handler(),
            ContractFacts {
                starts_on: d(2026, 11, 23),
                ..contract()
            },
            t.clone(),
            Denial::ContractNotActive,
        ),
        (
            handler(),
            ContractFacts {
                handlers: vec![],
                ..contract()
            },
            t.clone(),
            Denial::NotDesignated,
        ),
        (
            Subject {
                training_valid_until: Some(d(2026, 11, 21)),
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::TrainingLapsed,
        ),
        (
            Subject {
                training_valid_until: None,
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::TrainingLapsed,
        ),
        (
            handler(),
            contract(),
            Terminal {
                ip: Some("192.168.0.9".parse().unwrap()),
                client_cert: None,
            },
            Denial::TerminalNotAllowed,
        ),
        (
            handler(),
            contract(),
            Terminal::default(),
            Denial::TerminalNotAllowed,
        ),
        (
            handler(),
            ContractFacts {
                requires_client_cert: true,
                ..contract()
            },
            t.clone(),
            Denial::CertificateRequired,
        ),
        (
            Subject {
                active: false,
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::UserInactive,
        ),
        (
            Subject {
                org_id: OrgId(99),
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::NotFound,
        ),
        (
            Subject {
                org_id: OrgId(4),
                org_kind: OrgKind::Subcontractor,
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::SubcontractNotApproved,
        ),
        (
            Subject {
                org_id: OrgId(5),
                org_kind: OrgKind::Subcontractor,
                ..handler()
            },
            contract(),
            t.clone(),
            Denial::NotFound,
        ),
    ];
    for (i, (s, c, t, want)) in cases.into_iter().enumerate() {
        assert_eq!(
            ask(&s, &c, Action::Read, "denwa_kansho", &items, &t),
            Decision::Deny(want),
            "case {i}"
        );
    }
}

#[test]
fn approved_subcontractor_handler_is_allowed() {
    let s = Subject {
        org_id: OrgId(3),
        org_kind: OrgKind::Subcontractor,
        ..handler()
    };
    assert!(ask(
        &s,
        &contract(),
        Action::Read,
        "denwa_kansho",
        &call_items(),
        &terminal()
    )
    .is_allowed());
}

#[test]
fn items_outside_the_purpose_are_refused_one_by_one() {
    let purpose = call_items();
    for &item in Item::ALL {
        let items: ItemSet = [item].into_iter().collect();
        let got = ask(
            &handler(),
            &contract(),
            Action::Read,
            "denwa_kansho",
            &items,
            &terminal(),
        );
        if purpose.contains(item) {
            assert!(got.is_allowed(), "{item:?}");
        } else {
            assert_eq!(
                got,
                Decision::Deny(Denial::ItemsOutsidePurpose(items)),
                "{item:?}"
            );
        }
    }
}

#[test]
fn handler_cannot_use_an_unassigned_purpose_but_responsible_can() {
    let got = ask(
        &handler(),
        &contract(),
        Action::Read,
        "koka_bunseki",
        &analysis_items(),
        &terminal(),
    );
    assert_eq!(got, Decision::Deny(Denial::PurposeNotAssigned));
    let resp = Subject {
        user_id: UserId(20),
        role: Role::ContractorResponsible,
        ..handler()
    };
    assert!(ask(
        &resp,
        &contract(),
        Action::Read,
        "koka_bunseki",
        &analysis_items(),
        &terminal()
    )
    .is_allowed());
    // Phone numbers are for calls only (seed 002), even for the responsible person.
    let with_phone: ItemSet = [Item::DenwaBango, Item::Seibetsu].into_iter().collect();
    assert!(!ask(
        &resp,
        &contract(),
        Action::Read,
        "koka_bunseki",
        &with_phone,
        &terminal()
    )
    .is_allowed());
    assert_eq!(
        ask(
            &handler(),
            &contract(),
            Action::Read,
            "no_such_purpose",
            &call_items(),
            &terminal()
        ),
        Decision::Deny(Denial::PurposeNotAssigned)
    );
}

#[test]
fn contractor_roles_never_export_provision_erase_or_administer() {
    for action in [
        Action::Export,
        Action::Provision,
        Action::Erase,
        Action::Administer,
    ] {
        for role in [Role::Handler, Role::ContractorResponsible] {
            let s = Subject {
                role,
                user_id: UserId(20),
                ..handler()
            };
            assert_eq!(
                ask(
                    &s,
                    &contract(),
                    action,
                    "denwa_kansho",
                    &call_items(),
                    &terminal()
                ),
                Decision::Deny(Denial::RoleNotPermitted),
                "{role:?} {action:?}"
            );
        }
    }
}

#[test]
fn role_action_scope_matrix() {
    let items = ItemSet::all();
    let t = terminal();
    let today = d(2026, 11, 22);
    let c = contract();
    for role in Role::ALL {
        let (org_id, org_kind) = if role.is_ward() || role == Role::System {
            (OrgId(1), OrgKind::Ward)
        } else {
            (OrgId(2), OrgKind::Contractor)
        };
        let s = Subject {
            user_id: UserId(20),
            role,
            org_id,
            org_kind,
            ..handler()
        };
        for action in Action::ALL {
            let ward = decide(
                &s,
                None,
                &Request {
                    action,
                    scope: Scope::Ward,
                    purpose: None,
                    items: &items,
                    terminal: &t,
                    today,
                },
            );
            let expect_ward = match role {
                Role::System => true,
                Role::WardStaff => !matches!(action, Action::Administer | Action::ViewAudit),
                Role::WardAdmin => matches!(action, Action::Administer | Action::Provision),
                Role::Inspector => matches!(action, Action::Read | Action::Search),
                Role::ContractorResponsible | Role::Handler => false,
            };
            assert_eq!(ward.is_allowed(), expect_ward, "ward {role:?} {action:?}");
            if !role.is_ward() && role != Role::System {
                assert_eq!(
                    ward,
                    Decision::Deny(Denial::NotFound),
                    "contractors cannot even see the ward vault"
                );
            }
            // A contract that does not exist answers like a foreign one.
            let missing = decide(
                &s,
                None,
                &Request {
                    action,
                    scope: Scope::Contract(ContractId(8)),
                    purpose: Some("denwa_kansho"),
                    items: &items,
                    terminal: &t,
                    today,
                },
            );
            assert_eq!(missing, Decision::Deny(Denial::NotFound));
            let other = decide(
                &s,
                Some(&c),
                &Request {
                    action,
                    scope: Scope::Contract(ContractId(8)),
                    purpose: Some("denwa_kansho"),
                    items: &items,
                    terminal: &t,
                    today,
                },
            );
            assert_eq!(
                other,
                Decision::Deny(Denial::NotFound),
                "facts of another contract are never used"
            );
        }
    }
}

#[test]
fn only_the_responsible_person_receives_and_returns_within_the_purposes_together() {
    let resp = Subject {
        user_id: UserId(20),
        role: Role::ContractorResponsible,
        ..handler()
    };
    let both: ItemSet = call_items().iter().chain(analysis_items().iter()).collect();
    let whole = |s: &Subject, action: Action, items: &ItemSet, t: &Terminal| {
        decide(
            s,
            Some(&contract()),
            &Request {
                action,
                scope: Scope::Contract(ContractId(7)),
                purpose: None,
                items,
                terminal: t,
                today: d(2026, 11, 22),
            },
        )
    };
    for action in [Action::Receive, Action::Return] {
        // Items of two purposes together: more than either purpose alone.
        assert_eq!(
            whole(&resp, action, &both, &terminal()),
            Decision::Allow {
                items: both.clone()
            },
            "{action:?}"
        );
        let with_address: ItemSet = [Item::Shimei, Item::Jusho].into_iter().collect();
        assert_eq!(
            whole(&resp, action, &with_address, &terminal()),
            Decision::Deny(Denial::ItemsOutsidePurpose(
                [Item::Jusho].into_iter().collect()
            ))
        );
        assert_eq!(
            whole(&handler(), action, &call_items(), &terminal()),
            Decision::Deny(Denial::RoleNotPermitted)
        );
        // The terminal rules still hold for the whole-contract actions.
        let outside = Terminal {
            ip: Some("192.168.0.9".parse().unwrap()),
            client_cert: None,
        };
        assert_eq!(
            whole(&resp, action, &call_items(), &outside),
            Decision::Deny(Denial::TerminalNotAllowed)
        );
    }
}

#[test]
fn ward_staff_read_a_contracts_ledger_but_none_of_its_vault() {
    let staff = Subject {
        user_id: UserId(5),
        role: Role::WardStaff,
        org_id: OrgId(1),
        org_kind: OrgKind::Ward,
        active: true,
        training_valid_until: Some(d(2027, 3, 31)),
    };
    let read = |items: &ItemSet| {
        decide(
            &staff,
            Some(&contract()),
            &Request {
                action: Action::Read,
                scope: Scope::Contract(ContractId(7)),
                purpose: None,
                items,
                terminal: &terminal(),
                today: d(2026, 11, 22),
            },
        )
    };
    assert!(read(&ItemSet::new()).is_allowed());
    assert_eq!(
        read(&[Item::Shimei].into_iter().collect()),
        Decision::Deny(Denial::RoleNotPermitted)
    );
}
