//! Configuration by the ward: organisations, users and their training, jobs
//! and purposes, contracts with their designated staff, sub-contracting
//! approvals, and cancellation. Every change is an audited operation.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::view::{purpose_view, ContractView, JobView, OrgView, UserView};
use crate::{Actor, Service};
use itaku_core::{IpNet, ItemSet, OrgKind, Role};
use itaku_crypto::{hash_password, DataKey, TotpSecret};
use itaku_policy::{Action, Scope};
use itaku_store::{NewContract, NewUser};

pub struct NewUserSpec<'a> {
    pub org_id: i64,
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

pub struct NewContractSpec<'a> {
    pub job_id: i64,
    pub contractor_org_id: i64,
    pub name: &'a str,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub allowed_networks: &'a [IpNet],
    pub requires_client_cert: bool,
}

fn check_login(login: &str) -> Result<()> {
    let ok = (3..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Invalid(
            "ログインIDは半角英数字と . _ - の3〜64文字で指定してください".into(),
        ))
    }
}

/// Codes of jobs and purposes appear in addresses (/c/1/denwa_kansho/…).
fn check_code(what: &str, code: &str) -> Result<()> {
    let ok = (2..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Invalid(format!(
            "{what}は半角英小文字・数字と _ - の2〜64文字で指定してください"
        )))
    }
}

fn require_text(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(ServiceError::Invalid(format!("{what}を入力してください")))
    } else {
        Ok(())
    }
}

/// A unique constraint becomes a message for the person at the form.
fn conflict(message: String) -> impl FnOnce(itaku_store::StoreError) -> ServiceError {
    move |e| match e {
        itaku_store::StoreError::Conflict(_) => ServiceError::Conflict(message),
        e => e.into(),
    }
}

pub fn check_password_strength(pw: &str) -> Result<()> {
    if pw.chars().count() < 12 {
        return Err(ServiceError::Invalid(
            "パスワードは12文字以上にしてください".into(),
        ));
    }
    Ok(())
}

impl Service {
    pub async fn create_org(
        &self,
        actor: &Actor,
        kind: OrgKind,
        name: &str,
        parent_id: Option<i64>,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ServiceError::Invalid("組織名を入力してください".into()));
        }
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "organisation"))
            .await?;
        if kind == OrgKind::Subcontractor {
            let parent = match parent_id {
                Some(p) => op.tx.org(p).await?,
                None => None,
            };
            if parent.is_none_or(|p| p.kind != OrgKind::Contractor.code()) {
                return Err(ServiceError::Invalid(
                    "再委託先には委託元の事業者を指定してください".into(),
                ));
            }
        }
        let parent_id = if kind == OrgKind::Subcontractor {
            parent_id
        } else {
            None
        };
        let now = op.now_ts();
        let id = op
            .tx
            .insert_org(kind.code(), name, parent_id, &now)
            .await
            .map_err(conflict(format!(
                "組織名「{name}」はすでに登録されています"
            )))?;
        op.finish(&[id], &format!("create {} {name}", kind.code()))
            .await?;
        Ok(id)
    }

    pub async fn orgs(&self, actor: &Actor) -> Result<Vec<OrgView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "organisation"))
            .await?;
        let rows = op.tx.orgs().await?;
        op.finish(&[], "list").await?;
        rows.into_iter()
            .map(|o| {
                let kind = OrgKind::parse(&o.kind)?;
                Ok(OrgView {
                    id: o.id,
                    kind,
                    kind_label: kind.label().into(),
                    name: o.name,
                    parent_id: o.parent_id,
                })
            })
            .collect()
    }

    /// Create a user; returns the id and the TOTP secret (base32) to enrol
    /// in an authenticator. The secret is stored sealed.
    pub async fn create_user(
        &self,
        actor: &Actor,
        spec: &NewUserSpec<'_>,
    ) -> Result<(i64, String)> {
        check_login(spec.login)?;
        require_text("氏名", spec.display_name)?;
        check_password_strength(spec.password)?;
        if spec.role == Role::System {
            return Err(ServiceError::Invalid(
                "システム利用者は作成できません".into(),
            ));
        }
        let hash = hash_password(spec.password)?;
        let secret = TotpSecret::generate();
        let sealed = self.inner.user_secrets.seal(
            &crate::auth::totp_aad(spec.login),
            secret.to_base32().as_bytes(),
        )?;
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "user"))
            .await?;
        let org = op
            .tx
            .org(spec.org_id)
            .await?
            .ok_or_else(|| ServiceError::Invalid("組織が見つかりません".into()))?;
        let org_kind = OrgKind::parse(&org.kind)?;
        if spec.role.is_ward() != (org_kind == OrgKind::Ward) {
            return Err(ServiceError::Invalid(format!(
                "{}の利用者に「{}」の役割は設定できません",
                org_kind.label(),
                spec.role.label()
            )));
        }
        let now = op.now_ts();
        let id = op
            .tx
            .insert_user(
                &NewUser {
                    org_id: spec.org_id,
                    login: spec.login,
                    display_name: spec.display_name.trim(),
                    role: spec.role.code(),
                    password_hash: &hash,
                    totp_secret: Some(&sealed),
                },
                &now,
            )
            .await
            .map_err(|e| match e {
                itaku_store::StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "ログインID「{}」はすでに使われています",
                    spec.login
                )),
                e => e.into(),
            })?;
        op.finish(
            &[id],
            &format!("create user {} role={}", spec.login, spec.role.code()),
        )
        .await?;
        Ok((id, secret.to_base32()))
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "user"))
            .await?;
        let ids: Vec<i64> = op.tx.users().await?.into_iter().map(|u| u.id).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.user_view(&mut op.tx, id).await?);
        }
        op.finish(&[], "list").await?;
        Ok(out)
    }

    /// Role changes need a fresh step-up. A role must fit the user's
    /// organisation (ward roles only for the ward's people), and nobody
    /// changes their own role.
    pub async fn set_user_role(&self, actor: &Actor, user_id: i64, role: Role) -> Result<()> {
        // Whoever may not administer is refused as such, step-up or not.
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "user"))
            .await?;
        if !actor.stepped_up {
            return Err(ServiceError::StepUpRequired);
        }
        if actor.user_id().map(|u| u.0) == Some(user_id) {
            return Err(ServiceError::Invalid(
                "自分自身の役割は変更できません".into(),
            ));
        }
        let u = op
            .tx
            .user(user_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let org = op
            .tx
            .org(u.org_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let org_kind = OrgKind::parse(&org.kind)?;
        if role == Role::System || role.is_ward() != (org_kind == OrgKind::Ward) {
            return Err(ServiceError::Invalid(format!(
                "{}の利用者に「{}」の役割は設定できません",
                org_kind.label(),
                role.label()
            )));
        }
        if op.tx.set_user_role(user_id, role.code()).await? == 0 {
            return Err(ServiceError::not_found());
        }
        let now = op.now_ts();
        op.tx
            .end_sessions_of_user(user_id, &now, "role_changed")
            .await?;
        op.finish(&[user_id], &format!("role={}", role.code()))
            .await
    }

    pub async fn set_user_active(&self, actor: &Actor, user_id: i64, active: bool) -> Result<()> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "user"))
            .await?;
        if !active && actor.user_id().map(|u| u.0) == Some(user_id) {
            return Err(ServiceError::Invalid(
                "自分自身を停止することはできません".into(),
            ));
        }
        if op.tx.set_user_active(user_id, active).await? == 0 {
            return Err(ServiceError::not_found());
        }
        if !active {
            let now = op.now_ts();
            op.tx
                .end_sessions_of_user(user_id, &now, "deactivated")
                .await?;
        }
        op.finish(&[user_id], if active { "activate" } else { "deactivate" })
            .await
    }

    /// Record a completed privacy training (教育); it counts until `valid_until`.
    pub async fn record_training(
        &self,
        actor: &Actor,
        user_id: i64,
        course: &str,
        completed_on: chrono::NaiveDate,
        valid_until: chrono::NaiveDate,
    ) -> Result<()> {
        require_text("研修名", course)?;
        let course = course.trim();
        if valid_until < completed_on {
            return Err(ServiceError::Invalid(
                "有効期限は受講日以降にしてください".into(),
            ));
        }
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "training"))
            .await?;
        if op.tx.user(user_id).await?.is_none() {
            return Err(ServiceError::not_found());
        }
        let now = op.now_ts();
        let by = op.actor_user();
        op.tx
            .insert_training(
                user_id,
                course,
                &completed_on.to_string(),
                &valid_until.to_string(),
                by,
                &now,
            )
            .await?;
        op.finish(
            &[user_id],
            &format!("training {course} until {valid_until}"),
        )
        .await
    }

    pub async fn create_job(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        section: &str,
    ) -> Result<i64> {
        check_code("業務コード", code)?;
        require_text("業務名", name)?;
        let (name, section) = (name.trim(), section.trim());
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "job"))
            .await?;
        let id = op
            .tx
            .insert_job(code, name, section)
            .await
            .map_err(conflict(format!(
                "業務コード「{code}」はすでに使われています"
            )))?;
        op.finish(&[id], &format!("create job {code}")).await?;
        Ok(id)
    }

    pub async fn add_purpose(
        &self,
        actor: &Actor,
        job_id: i64,
        code: &str,
        name: &str,
        items: &ItemSet,
    ) -> Result<()> {
        check_code("利用目的コード", code)?;
        require_text("利用目的の名称", name)?;
        if items.is_empty() {
            return Err(ServiceError::Invalid(
                "利用目的には少なくとも1つの項目が必要です".into(),
            ));
        }
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "purpose"))
            .await?;
        if !op.tx.jobs().await?.iter().any(|j| j.id == job_id) {
            return Err(ServiceError::Invalid("業務が見つかりません".into()));
        }
        op.tx
            .insert_purpose(job_id, code, name.trim(), &items.to_codes())
            .await
            .map_err(conflict(format!(
                "利用目的コード「{code}」はこの業務にすでにあります"
            )))?;
        op.finish(&[job_id], &format!("purpose {code}: {}", items.to_codes()))
            .await
    }

    pub async fn jobs(&self, actor: &Actor) -> Result<Vec<JobView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "job"))
            .await?;
        let mut out = Vec::new();
        for j in op.tx.jobs().await? {
            let purposes = op
                .tx
                .purposes(j.id)
                .await?
                .into_iter()
                .map(|p| purpose_view(p.code, p.name, &p.items))
                .collect::<Result<Vec<_>>>()?;
            out.push(JobView {
                id: j.id,
                code: j.code,
                name: j.name,
                section: j.section,
                purposes,
            });
        }
        op.finish(&[], "list").await?;
        Ok(out)
    }

    /// A contract gets its own vault with its own data key.
    pub async fn create_contract(&self, actor: &Actor, spec: &NewContractSpec<'_>) -> Result<i64> {
        require_text("契約名", spec.name)?;
        if spec.ends_on < spec.starts_on {
            return Err(ServiceError::Invalid(
                "契約の終了日は開始日以降にしてください".into(),
            ));
        }
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "contract"))
            .await?;
        let org = op.tx.org(spec.contractor_org_id).await?;
        if org.is_none_or(|o| o.kind != OrgKind::Contractor.code()) {
            return Err(ServiceError::Invalid(
                "契約の相手方には委託事業者（乙）を指定してください".into(),
            ));
        }
        if !op.tx.jobs().await?.iter().any(|j| j.id == spec.job_id) {
            return Err(ServiceError::Invalid("業務が見つかりません".into()));
        }
        let now = op.now_ts();
        let nets = spec
            .allowed_networks
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let id = op
            .tx
            .insert_contract(
                &NewContract {
                    job_id: spec.job_id,
                    contractor_org_id: spec.contractor_org_id,
                    name: spec.name.trim(),
                    starts_on: &spec.starts_on.to_string(),
                    ends_on: &spec.ends_on.to_string(),
                    allowed_networks: &nets,
                    requires_client_cert: spec.requires_client_cert,
                },
                &now,
            )
            .await?;
        let key = DataKey::generate();
        let wrapped = key.wrap(
            &self.inner.master,
            &crate::bootstrap::contract_vault_aad(id),
        )?;
        op.tx.insert_vault(Some(id), &wrapped, &now).await?;
        op.finish(&[id], &format!("create contract {}", spec.name))
            .await?;
        Ok(id)
    }

    /// Designate a 取扱責任者 (`purpose` None) or a 取扱者 for one purpose.
    pub async fn assign_staff(
        &self,
        actor: &Actor,
        contract_id: i64,
        user_id: i64,
        purpose: Option<&str>,
    ) -> Result<()> {
        let mut op = self
            .administer_contract(actor, contract_id, "contract_staff")
            .await?;
        let c = op.contract.clone().ok_or_else(ServiceError::not_found)?;
        let u = op
            .tx
            .user(user_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let org = op
            .tx
            .org(u.org_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let belongs = org.id == c.contractor_org_id.0
            || (org.kind == OrgKind::Subcontractor.code()
                && org.parent_id == Some(c.contractor_org_id.0));
        if !belongs {
            return Err(ServiceError::Invalid(
                "契約の事業者（または再委託先）の利用者だけを指定できます".into(),
            ));
        }
        let (duty, code) = match purpose {
            None => ("responsible", ""),
            Some(p) => {
                if !c.purposes.iter().any(|x| x.code == p) {
                    return Err(ServiceError::Invalid(format!(
                        "利用目的「{p}」はこの契約の業務にありません"
                    )));
                }
                ("handler", p)
            }
        };
        op.tx
            .insert_staff(contract_id, user_id, duty, code)
            .await
            .map_err(|e| match e {
                itaku_store::StoreError::Conflict(_) => {
                    ServiceError::Conflict("すでに指定されています".into())
                }
                e => e.into(),
            })?;
        op.finish(&[user_id], &format!("{duty} {code}")).await
    }

    pub async fn remove_staff(&self, actor: &Actor, contract_id: i64, user_id: i64) -> Result<()> {
        let mut op = self
            .administer_contract(actor, contract_id, "contract_staff")
            .await?;
        op.tx.delete_staff(contract_id, user_id).await?;
        op.finish(&[user_id], "removed").await
    }

    /// The ward's recorded approval of a sub-contractor for one contract.
    pub async fn approve_subcontract(
        &self,
        actor: &Actor,
        contract_id: i64,
        org_id: i64,
    ) -> Result<()> {
        let mut op = self
            .administer_contract(actor, contract_id, "subcontract")
            .await?;
        let c = op.contract.clone().ok_or_else(ServiceError::not_found)?;
        let org = op
            .tx
            .org(org_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        if org.kind != OrgKind::Subcontractor.code() || org.parent_id != Some(c.contractor_org_id.0)
        {
            return Err(ServiceError::Invalid(
                "この契約の事業者の再委託先ではありません".into(),
            ));
        }
        if c.subcontractors
            .iter()
            .any(|s| s.org_id.0 == org_id && s.approved)
        {
            return Err(ServiceError::Conflict(
                "この再委託先はすでに承認されています".into(),
            ));
        }
        let now = op.now_ts();
        let by = op.actor_user().unwrap_or(0);
        op.tx
            .insert_subcontract(contract_id, org_id, by, &now)
            .await?;
        op.finish(&[org_id], "approved").await
    }

    /// Revoking cuts the sub-contractor off at once, sessions included.
    pub async fn revoke_subcontract(
        &self,
        actor: &Actor,
        contract_id: i64,
        org_id: i64,
    ) -> Result<()> {
        let mut op = self
            .administer_contract(actor, contract_id, "subcontract")
            .await?;
        let now = op.now_ts();
        if op.tx.revoke_subcontract(contract_id, org_id, &now).await? == 0 {
            return Err(ServiceError::not_found());
        }
        let ended = op
            .tx
            .end_sessions_of_org(org_id, &now, "subcontract_revoked")
            .await?;
        op.finish(&[org_id], &format!("revoked; sessions ended: {ended}"))
            .await
    }

    /// 契約解除: every access of the contractor and its sub-contractors ends now.
    pub async fn cancel_contract(&self, actor: &Actor, contract_id: i64) -> Result<u64> {
        let mut op = self
            .administer_contract(actor, contract_id, "contract")
            .await?;
        let c = op.contract.clone().ok_or_else(ServiceError::not_found)?;
        let now = op.now_ts();
        op.tx
            .set_contract_status(contract_id, "cancelled", &now)
            .await?;
        let mut ended = op
            .tx
            .end_sessions_of_org(c.contractor_org_id.0, &now, "contract_cancelled")
            .await?;
        for s in &c.subcontractors {
            ended += op
                .tx
                .end_sessions_of_org(s.org_id.0, &now, "contract_cancelled")
                .await?;
        }
        op.finish(
            &[contract_id],
            &format!("cancelled; sessions ended: {ended}"),
        )
        .await?;
        Ok(ended)
    }

    pub async fn contracts(&self, actor: &Actor) -> Result<Vec<ContractView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "contract"))
            .await?;
        let ids: Vec<i64> = op.tx.contracts().await?.into_iter().map(|c| c.id).collect();
        let mut out = Vec::new();
        for id in ids {
            out.push(self.contract_view(&mut op.tx, id).await?);
        }
        op.finish(&[], "list").await?;
        Ok(out)
    }

    /// Live sessions, for administrators who may end them.
    pub async fn live_sessions(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, UserView, String, Option<String>)>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "session"))
            .await?;
        let now = op.now_ts();
        let mut out = Vec::new();
        for s in op.tx.live_sessions(&now).await? {
            let u = self.user_view(&mut op.tx, s.user_id).await?;
            out.push((s.id_digest, u, s.created_at, s.ip));
        }
        op.finish(&[], "list").await?;
        Ok(out)
    }

    pub async fn end_session_by_admin(&self, actor: &Actor, digest: &str) -> Result<()> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "session"))
            .await?;
        let now = op.now_ts();
        let row = op
            .tx
            .session(digest)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        op.tx.end_session(digest, &now, "ended_by_admin").await?;
        op.finish(&[row.user_id], "session ended").await
    }

    /// For CLI and tests: the id of a login.
    pub async fn user_id_by_login(&self, login: &str) -> Result<Option<i64>> {
        let mut tx = self.inner.store.begin().await?;
        let id = tx.user_by_login(login).await?.map(|u| u.id);
        tx.rollback().await?;
        Ok(id)
    }
}

impl Service {
    /// A page of the ward's own work asked for by someone whose role does
    /// not do it: the refusal is decided and audited like any other.
    pub async fn refuse_ward_work(&self, actor: &Actor, page: &str) -> Result<()> {
        let op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "ward_page"),
            )
            .await?;
        // Allowed after all (ward staff): nothing to refuse.
        op.finish(&[], page).await
    }
}
