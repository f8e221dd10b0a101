//! What the service hands out about configuration: plain values for pages,
//! the API and the CLI.

use crate::error::{Result, ServiceError};
use crate::Service;
use itaku_core::{Item, ItemSet, OrgKind, Role};
use itaku_store::Tx;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub training_valid_until: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub kind: OrgKind,
    pub kind_label: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PurposeView {
    pub code: String,
    pub name: String,
    pub items: Vec<Item>,
    pub item_labels: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub section: String,
    pub purposes: Vec<PurposeView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub user_id: i64,
    pub display_name: String,
    pub duty: String,
    pub purpose_code: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubcontractView {
    pub org_id: i64,
    pub org_name: String,
    pub approved_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: i64,
    pub name: String,
    pub job_id: i64,
    pub job_name: String,
    pub contractor_org_id: i64,
    pub contractor_name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    pub status_label: String,
    pub allowed_networks: String,
    pub requires_client_cert: bool,
    pub purposes: Vec<PurposeView>,
    pub staff: Vec<StaffView>,
    pub subcontractors: Vec<SubcontractView>,
    pub persons_held: i64,
}

/// A contract and purpose a user may work under, for the navigation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkContext {
    pub contract_id: i64,
    pub contract_name: String,
    pub purpose_code: String,
    pub purpose_name: String,
    pub item_labels: String,
}

pub(crate) fn purpose_view(code: String, name: String, items: &str) -> Result<PurposeView> {
    let set = ItemSet::parse_codes(items)?;
    Ok(PurposeView {
        code,
        name,
        item_labels: set.labels(),
        items: set.iter().collect(),
    })
}

impl Service {
    pub(crate) async fn user_view(&self, tx: &mut Tx, user_id: i64) -> Result<UserView> {
        let u = tx
            .user(user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let org = tx
            .org(u.org_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let role = Role::parse(&u.role)?;
        Ok(UserView {
            id: u.id,
            login: u.login,
            display_name: u.display_name,
            role,
            role_label: role.label().into(),
            org_id: org.id,
            org_name: org.name,
            org_kind: OrgKind::parse(&org.kind)?,
            training_valid_until: u.training_valid_until,
            active: u.active != 0,
        })
    }

    pub(crate) async fn contract_view(&self, tx: &mut Tx, id: i64) -> Result<ContractView> {
        let c = tx.contract(id).await?.ok_or_else(ServiceError::not_found)?;
        let job = tx.jobs().await?.into_iter().find(|j| j.id == c.job_id);
        let orgs = tx.orgs().await?;
        let org_name = |oid: i64| {
            orgs.iter()
                .find(|o| o.id == oid)
                .map(|o| o.name.clone())
                .unwrap_or_default()
        };
        let purposes = tx
            .purposes(c.job_id)
            .await?
            .into_iter()
            .map(|p| purpose_view(p.code, p.name, &p.items))
            .collect::<Result<Vec<_>>>()?;
        let mut staff = Vec::new();
        for s in tx.staff(id).await? {
            let name = tx
                .user(s.user_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            staff.push(StaffView {
                user_id: s.user_id,
                display_name: name,
                duty: s.duty,
                purpose_code: s.purpose_code,
            });
        }
        let subcontractors = tx
            .subcontracts(id)
            .await?
            .into_iter()
            .map(|s| SubcontractView {
                org_id: s.org_id,
                org_name: org_name(s.org_id),
                approved_at: s.approved_at,
                revoked_at: s.revoked_at,
            })
            .collect();
        let persons_held = match tx.vault_for(Some(id)).await? {
            Some(v) => tx.count_persons(v.id).await?,
            None => 0,
        };
        let status = itaku_policy::ContractStatus::parse(&c.status);
        Ok(ContractView {
            id: c.id,
            name: c.name,
            job_id: c.job_id,
            job_name: job.map(|j| j.name).unwrap_or_default(),
            contractor_org_id: c.contractor_org_id,
            contractor_name: org_name(c.contractor_org_id),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            status_label: status.map(|s| s.label()).unwrap_or("不明").into(),
            status: c.status,
            allowed_networks: c.allowed_networks,
            requires_client_cert: c.requires_client_cert != 0,
            purposes,
            staff,
            subcontractors,
            persons_held,
        })
    }

    /// The contracts and purposes this user is designated for. Whether each
    /// is usable right now is still decided per operation.
    pub async fn work_contexts(&self, user_id: i64) -> Result<Vec<WorkContext>> {
        let mut tx = self.inner.store.begin().await?;
        let mut out = Vec::new();
        for s in tx.staff_of_user(user_id).await? {
            let Some(c) = tx.contract(s.contract_id).await? else {
                continue;
            };
            for p in tx.purposes(c.job_id).await? {
                if s.duty == "responsible" || p.code == s.purpose_code {
                    if out
                        .iter()
                        .any(|w: &WorkContext| w.contract_id == c.id && w.purpose_code == p.code)
                    {
                        continue;
                    }
                    out.push(WorkContext {
                        contract_id: c.id,
                        contract_name: c.name.clone(),
                        item_labels: ItemSet::parse_codes(&p.items)?.labels(),
                        purpose_code: p.code,
                        purpose_name: p.name,
                    });
                }
            }
        }
        tx.rollback().await?;
        Ok(out)
    }
}
