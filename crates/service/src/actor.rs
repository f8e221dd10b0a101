//! Who asks: every operation carries an actor (user or system with a
//! reason), the terminal it came from, and the contract and purpose it acts
//! under.

use itaku_core::{ContractId, UserId};
use itaku_policy::Terminal;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    User(UserId),
    /// Background work and administration from the console, with its reason.
    System {
        reason: String,
    },
    /// Not signed in (sign-in attempts, public pages).
    Anonymous,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    pub terminal: Terminal,
    pub contract: Option<ContractId>,
    pub purpose: Option<String>,
    pub request_id: String,
    /// Password and code re-entered recently (exports, erasure, role changes).
    pub stepped_up: bool,
}

impl Actor {
    pub fn user(id: UserId, ip: Option<IpAddr>, request_id: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::User(id),
            terminal: Terminal {
                ip,
                client_cert: None,
            },
            contract: None,
            purpose: None,
            request_id: request_id.into(),
            stepped_up: false,
        }
    }

    pub fn system(reason: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::System {
                reason: reason.into(),
            },
            terminal: Terminal::default(),
            contract: None,
            purpose: None,
            request_id: String::new(),
            stepped_up: true,
        }
    }

    pub fn anonymous(ip: Option<IpAddr>, request_id: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Anonymous,
            terminal: Terminal {
                ip,
                client_cert: None,
            },
            contract: None,
            purpose: None,
            request_id: request_id.into(),
            stepped_up: false,
        }
    }

    pub fn in_contract(mut self, contract: ContractId, purpose: Option<String>) -> Self {
        self.contract = Some(contract);
        self.purpose = purpose;
        self
    }

    pub fn with_cert(mut self, fingerprint: Option<String>) -> Self {
        self.terminal.client_cert = fingerprint;
        self
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self.kind {
            ActorKind::User(id) => Some(id),
            _ => None,
        }
    }

    pub(crate) fn terminal_label(&self) -> String {
        let mut s = self
            .terminal
            .ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "console".into());
        if let Some(fp) = &self.terminal.client_cert {
            s.push_str(" cert:");
            s.push_str(fp);
        }
        s
    }
}
