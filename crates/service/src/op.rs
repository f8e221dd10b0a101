//! One operation: transaction, policy decision, audit entry, commit. A denial
//! is audited and committed on its own; an error anywhere drops the
//! transaction, so neither data nor a half-written entry survives.

use crate::actor::ActorKind;
use crate::audit::record_ids_text;
use crate::error::{Result, ServiceError};
use crate::time::{jst_date, parse_date, ts};
use crate::{Actor, Service};
use itaku_core::{ContractId, IpNet, ItemSet, OrgId, OrgKind, Role, UserId};
use itaku_policy::{
    decide, decide_registrant, Action, ContractFacts, ContractStatus, Decision, PublicWindow,
    PurposeFacts, Request, Scope, SubcontractFacts, Subject, Terminal,
};
use itaku_store::{NewAuditEntry, Tx};

pub(crate) struct OpRequest {
    pub action: Action,
    pub scope: Scope,
    pub items: ItemSet,
    pub target: &'static str,
    /// Ask for every item the actor's context covers (the purpose's items in
    /// a contract, all items in the ward's vault), taken from the facts the
    /// decision reads anyway instead of a transaction of their own.
    context_items: bool,
    /// For an anonymous actor: the purpose the service opened to residents'
    /// own registrations (seminars), the only way one is ever allowed.
    public: Option<PublicWindow>,
}

impl OpRequest {
    pub fn new(action: Action, scope: Scope, target: &'static str) -> Self {
        Self {
            action,
            scope,
            items: ItemSet::new(),
            target,
            context_items: false,
            public: None,
        }
    }
    pub fn system(action: Action, target: &'static str) -> Self {
        Self::new(action, Scope::System, target)
    }
    pub fn items(mut self, items: ItemSet) -> Self {
        self.items = items;
        self
    }
    pub fn context_items(mut self) -> Self {
        self.context_items = true;
        self
    }
    pub fn public(mut self, window: PublicWindow) -> Self {
        self.public = Some(window);
        self
    }
}

pub(crate) struct Op<'s> {
    svc: &'s Service,
    pub tx: Tx,
    entry: NewAuditEntry,
    pub allowed: ItemSet,
    pub contract: Option<ContractFacts>,
    /// Opened by `begin_read`: nothing may be written in `tx` (it is rolled
    /// back), and the entry goes through the group commit.
    read_only: bool,
}

impl Service {
    pub(crate) async fn begin(&self, actor: &Actor, req: OpRequest) -> Result<Op<'_>> {
        let mut tx = self.inner.store.begin().await?;
        // On SQLite the transaction takes the write lock with its first
        // statement, so a later write never fails to upgrade; the chain head
        // is that statement. PostgreSQL locks the head row only when the
        // entry is appended, so a long import does not stall everyone else.
        if tx.backend() == itaku_store::Backend::Sqlite {
            tx.audit_lock_head()
                .await
                .map_err(|_| ServiceError::AuditFailed)?;
        }
        self.decide_op(tx, actor, req, false).await
    }

    /// An operation that only reads: a read transaction (on SQLite, readers
    /// run side by side instead of queueing for the write lock) whose audit
    /// entry is appended by the group commit (`audit_batch.rs`) before
    /// `finish` returns. Nothing written in its `tx` is kept.
    pub(crate) async fn begin_read(&self, actor: &Actor, req: OpRequest) -> Result<Op<'_>> {
        let tx = self.inner.store.begin().await?;
        self.decide_op(tx, actor, req, true).await
    }

    async fn decide_op(
        &self,
        mut tx: Tx,
        actor: &Actor,
        mut req: OpRequest,
        read_only: bool,
    ) -> Result<Op<'_>> {
        let now = self.now();
        // Read operations may reuse the facts of earlier ones while the
        // policy tables are unchanged (policy_cache.rs).
        let version = match read_only {
            true => Some(tx.policy_version().await?),
            false => None,
        };
        // An anonymous actor (a resident registering) has no subject; the
        // policy's `decide_registrant` decides for them.
        let (subject, user_label) = match actor.kind {
            ActorKind::Anonymous => (None, None),
            _ => {
                let (s, l) = self.subject_at(&mut tx, actor, version).await?;
                (Some(s), l)
            }
        };
        // Only a registered, unrevoked terminal's certificate counts.
        let terminal = match &subject {
            Some(s) => {
                self.registered_terminal(&mut tx, s, &actor.terminal)
                    .await?
            }
            None => Terminal {
                ip: actor.terminal.ip,
                client_cert: None,
            },
        };
        let contract = match req.scope {
            Scope::Contract(id) => self.contract_facts_at(&mut tx, id, version).await?,
            _ => None,
        };
        let purpose = actor.purpose.as_deref();
        if req.context_items {
            req.items = match &contract {
                Some(c) => c
                    .purposes
                    .iter()
                    .find(|p| Some(p.code.as_str()) == purpose)
                    .map(|p| p.items.clone())
                    .unwrap_or_default(),
                None if matches!(req.scope, Scope::Contract(_)) => ItemSet::new(),
                None => ItemSet::all(),
            };
        }
        let request = Request {
            action: req.action,
            scope: req.scope,
            purpose,
            items: &req.items,
            terminal: &terminal,
            today: jst_date(now),
        };
        let decision = match &subject {
            Some(s) => decide(s, contract.as_ref(), &request),
            None => decide_registrant(contract.as_ref(), req.public.as_ref(), &request),
        };
        let actor_label = match &actor.kind {
            ActorKind::User(_) => String::new(),
            ActorKind::System { reason } => format!("system: {reason}"),
            ActorKind::Anonymous => "anonymous".into(),
        };
        let mut entry = NewAuditEntry {
            at: ts(now),
            actor_user_id: actor.user_id().map(|u| u.0),
            actor: actor_label,
            role: subject
                .as_ref()
                .map(|s| s.role.code())
                .unwrap_or("anonymous")
                .into(),
            terminal: actor.terminal_label(),
            contract_id: match req.scope {
                Scope::Contract(c) => Some(c.0),
                _ => None,
            },
            purpose: purpose.unwrap_or_default().into(),
            action: req.action.code().into(),
            target: req.target.into(),
            record_ids: String::new(),
            items: req.items.to_codes(),
            outcome: "allow".into(),
            reason: String::new(),
            request_id: actor.request_id.clone(),
        };
        if let Some((name, login)) = &user_label {
            entry.actor = format!("{name} ({login})");
        }
        match decision {
            Decision::Allow { items } => Ok(Op {
                svc: self,
                tx,
                entry,
                allowed: items,
                contract,
                read_only,
            }),
            Decision::Deny(denial) => {
                entry.outcome = "deny".into();
                entry.reason = denial.code().into();
                if read_only {
                    tx.rollback().await?;
                    self.append_audit_batched(entry).await?;
                } else {
                    self.append_audit(&mut tx, &entry).await?;
                    tx.commit().await.map_err(|_| ServiceError::AuditFailed)?;
                }
                Err(ServiceError::Denied(denial))
            }
        }
    }

    /// The ward's administration of one contract (staff, approvals, cancellation).
    pub(crate) async fn administer_contract(
        &self,
        actor: &Actor,
        contract_id: i64,
        target: &'static str,
    ) -> Result<Op<'_>> {
        self.begin(
            actor,
            OpRequest::new(
                Action::Administer,
                Scope::Contract(ContractId(contract_id)),
                target,
            ),
        )
        .await
    }

    /// The policy's subject, and the user's name and login for the entry.
    pub(crate) async fn subject(
        &self,
        tx: &mut Tx,
        actor: &Actor,
    ) -> Result<(Subject, Option<(String, String)>)> {
        match &actor.kind {
            ActorKind::User(id) => {
                let u = tx.user(id.0).await?.ok_or(ServiceError::Unauthenticated)?;
                let org = tx
                    .org(u.org_id)
                    .await?
                    .ok_or(ServiceError::Unauthenticated)?;
                let subject = Subject {
                    user_id: UserId(u.id),
                    role: Role::parse(&u.role)?,
                    org_id: OrgId(org.id),
                    org_kind: OrgKind::parse(&org.kind)?,
                    active: u.active != 0,
                    training_valid_until: u.training_valid_until.as_deref().and_then(parse_date),
                };
                Ok((subject, Some((u.display_name, u.login))))
            }
            ActorKind::System { .. } => Ok((
                Subject {
                    user_id: UserId(0),
                    role: Role::System,
                    org_id: OrgId(0),
                    org_kind: OrgKind::Ward,
                    active: true,
                    training_valid_until: None,
                },
                None,
            )),
            ActorKind::Anonymous => Err(ServiceError::Unauthenticated),
        }
    }

    /// Everything the policy needs to know about one contract, read fresh in
    /// the operation's transaction so a cancellation takes effect at once.
    pub(crate) async fn contract_facts(
        &self,
        tx: &mut Tx,
        id: ContractId,
    ) -> Result<Option<ContractFacts>> {
        let Some(c) = tx.contract(id.0).await? else {
            return Ok(None);
        };
        let purposes = tx
            .purposes(c.job_id)
            .await?
            .into_iter()
            .map(|p| {
                Ok(PurposeFacts {
                    code: p.code,
                    items: ItemSet::parse_codes(&p.items)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let staff = tx.staff(c.id).await?;
        // One fact per sub-contractor: approved while any of its approvals
        // (a revoked one may be followed by a new one) is not revoked.
        let mut subcontractors: Vec<SubcontractFacts> = Vec::new();
        for s in tx.subcontracts(c.id).await? {
            let approved = s.revoked_at.is_none();
            match subcontractors.iter_mut().find(|f| f.org_id.0 == s.org_id) {
                Some(f) => f.approved |= approved,
                None => subcontractors.push(SubcontractFacts {
                    org_id: OrgId(s.org_id),
                    approved,
                }),
            }
        }
        let allowed_networks = c
            .allowed_networks
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(IpNet::parse)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let bad_date = || ServiceError::Internal(format!("契約 {} の日付が不正です", c.id));
        Ok(Some(ContractFacts {
            id,
            contractor_org_id: OrgId(c.contractor_org_id),
            status: ContractStatus::parse(&c.status).ok_or_else(bad_date)?,
            starts_on: parse_date(&c.starts_on).ok_or_else(bad_date)?,
            ends_on: parse_date(&c.ends_on).ok_or_else(bad_date)?,
            allowed_networks,
            requires_client_cert: c.requires_client_cert != 0,
            purposes,
            responsible: staff
                .iter()
                .filter(|s| s.duty == "responsible")
                .map(|s| UserId(s.user_id))
                .collect(),
            handlers: staff
                .iter()
                .filter(|s| s.duty == "handler")
                .map(|s| (UserId(s.user_id), s.purpose_code.clone()))
                .collect(),
            subcontractors,
        }))
    }
}

impl Op<'_> {
    /// Record what was touched, append the entry and commit.
    pub async fn finish(mut self, record_ids: &[i64], detail: &str) -> Result<()> {
        self.entry.record_ids = record_ids_text(record_ids);
        if !detail.is_empty() {
            // Long enough for a listing's ids (500 rows), bounded all the same.
            self.entry.reason = detail.chars().take(4000).collect();
        }
        if self.read_only {
            self.tx.rollback().await?;
            self.svc.append_audit_batched(self.entry).await?;
            return Ok(());
        }
        self.svc.append_audit(&mut self.tx, &self.entry).await?;
        self.tx
            .commit()
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        Ok(())
    }

    pub fn now_ts(&self) -> String {
        self.entry.at.clone()
    }

    pub fn actor_user(&self) -> Option<i64> {
        self.entry.actor_user_id
    }

    /// Who acts, as the audit entry names them.
    pub fn actor_label(&self) -> &str {
        &self.entry.actor
    }
}
