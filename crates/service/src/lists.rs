//! Extraction from the ward's register: preview a rule's count, freeze the
//! chosen people as a target list with the rule, its parameters and the
//! time; and the import profiles saved in itaku.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::persons::PersonView;
use crate::{Actor, Service};
use itaku_import::{Profile, Rule, SHIPPED_PROFILES};
use itaku_policy::{Action, Scope};
use serde::Serialize;

const LISTED_IDS: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct TargetListView {
    pub id: i64,
    pub name: String,
    pub rule: Rule,
    pub description: String,
    pub fiscal_year: i64,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub members: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SavedProfile {
    pub name: String,
    pub toml: String,
    pub shipped: bool,
    pub updated_at: Option<String>,
}

fn list_view(r: itaku_store::TargetListRow) -> Result<TargetListView> {
    let rule: Rule =
        serde_json::from_str(&r.rule).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(TargetListView {
        id: r.id,
        name: r.name,
        description: rule.describe(),
        rule,
        fiscal_year: r.fiscal_year,
        created_at: r.created_at,
        created_by: r.created_by,
        members: r.members,
    })
}

impl Service {
    /// Everyone in the ward's register the rule selects. Reads only the
    /// items the rule needs.
    async fn select(&self, op: &mut crate::op::Op<'_>, rule: &Rule) -> Result<Vec<i64>> {
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let mut chosen = Vec::new();
        let mut after = 0;
        loop {
            let ids = op.tx.person_ids(vault.id, after, 1000).await?;
            let Some(last) = ids.last() else { break };
            after = *last;
            for p in self.open_persons(op, vault.id, &key, &ids).await? {
                if rule.matches(&p.values) {
                    chosen.push(p.id);
                }
            }
        }
        Ok(chosen)
    }

    /// How many people a rule selects now, before it is saved.
    pub async fn preview_rule(&self, actor: &Actor, rule: &Rule) -> Result<i64> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Search, Scope::Ward, "person").items(rule.items()),
            )
            .await?;
        let chosen = self.select(&mut op, rule).await?;
        let listed: Vec<i64> = chosen.iter().copied().take(LISTED_IDS).collect();
        op.finish(
            &listed,
            &format!(
                "rule preview: {} selected ({})",
                chosen.len(),
                rule.describe()
            ),
        )
        .await?;
        Ok(chosen.len() as i64)
    }

    /// Freeze the people a rule selects as a named target list. It writes,
    /// so inspectors (who may only look) are refused.
    pub async fn freeze_list(
        &self,
        actor: &Actor,
        name: &str,
        rule: &Rule,
    ) -> Result<TargetListView> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ServiceError::Invalid("名簿の名前を入力してください".into()));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "person").items(rule.items()),
            )
            .await?;
        let chosen = self.select(&mut op, rule).await?;
        let now = op.now_ts();
        let by = op.actor_user();
        let rule_json =
            serde_json::to_string(rule).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let id = op
            .tx
            .insert_target_list(
                name,
                &rule_json,
                i64::from(rule.fiscal_year),
                by,
                &now,
                &chosen,
            )
            .await?;
        let row = op
            .tx
            .target_list(id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let listed: Vec<i64> = chosen.iter().copied().take(LISTED_IDS).collect();
        op.finish(
            &listed,
            &format!(
                "list {id}「{name}」frozen: {} people ({})",
                chosen.len(),
                rule.describe()
            ),
        )
        .await?;
        list_view(row)
    }

    pub async fn target_lists(&self, actor: &Actor) -> Result<Vec<TargetListView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "target_list"),
            )
            .await?;
        let rows = op.tx.target_lists().await?;
        op.finish(&[], "list").await?;
        rows.into_iter().map(list_view).collect()
    }

    /// A page of a frozen list's members, with the actor's items.
    pub async fn target_list_members(
        &self,
        actor: &Actor,
        list_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(TargetListView, Vec<PersonView>)> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "person")
                    .items(itaku_core::ItemSet::all()),
            )
            .await?;
        let row = op
            .tx
            .target_list(list_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let ids = op
            .tx
            .target_list_members(list_id, after, limit.clamp(1, 500))
            .await?;
        let people = self.open_persons(&mut op, vault.id, &key, &ids).await?;
        op.finish(&ids, &format!("target list {list_id}")).await?;
        Ok((list_view(row)?, people))
    }

    /// Shipped profiles and those saved in itaku (a saved one overrides a
    /// shipped one of the same name).
    pub async fn import_profiles(&self, actor: &Actor) -> Result<Vec<SavedProfile>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "import_profile"),
            )
            .await?;
        let saved = op.tx.profiles().await?;
        op.finish(&[], "list").await?;
        let mut out: Vec<SavedProfile> = SHIPPED_PROFILES
            .iter()
            .filter(|(n, _)| !saved.iter().any(|s| s.name == *n))
            .map(|(n, t)| SavedProfile {
                name: (*n).into(),
                toml: (*t).into(),
                shipped: true,
                updated_at: None,
            })
            .collect();
        out.extend(saved.into_iter().map(|s| SavedProfile {
            name: s.name,
            toml: s.toml,
            shipped: false,
            updated_at: Some(s.updated_at),
        }));
        Ok(out)
    }

    /// Validate and save a profile under a name.
    pub async fn save_import_profile(
        &self,
        actor: &Actor,
        name: &str,
        toml: &str,
    ) -> Result<Profile> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(ServiceError::Invalid(
                "取込設定の名前を100文字以内で入力してください".into(),
            ));
        }
        let profile = Profile::from_toml(toml).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "import_profile"),
            )
            .await?;
        let now = op.now_ts();
        let by = op.actor_user();
        op.tx.save_profile(name, toml, by, &now).await?;
        op.finish(&[], &format!("profile「{name}」saved")).await?;
        Ok(profile)
    }
}
