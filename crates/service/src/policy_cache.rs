//! The policy facts read operations decided on, kept for the next read
//! while nothing they depend on has changed.
//!
//! Migration 11's triggers move `policy_version` in the same transaction as
//! any change to organisations, users, jobs, purposes, contracts, their staff
//! or sub-contract approvals. A read operation reads the counter in its own
//! snapshot and uses cached facts only when they were read at that same
//! counter, so a cancellation or a removed handler takes effect for the very
//! next operation, exactly as with fresh reads. Only read operations fill
//! the cache: their transactions never write, so nothing uncommitted can
//! end up in it.

use crate::actor::{Actor, ActorKind};
use crate::error::Result;
use crate::Service;
use itaku_core::ContractId;
use itaku_policy::{ContractFacts, Subject};
use itaku_store::Tx;
use std::collections::HashMap;

/// A subject and the name and login its audit entries carry.
pub(crate) type SubjectFacts = (Subject, Option<(String, String)>);

#[derive(Default)]
pub(crate) struct PolicyCache {
    version: i64,
    subjects: HashMap<i64, SubjectFacts>,
    contracts: HashMap<i64, Option<ContractFacts>>,
}

/// Past this many entries the cache starts over rather than grow.
const MAX_ENTRIES: usize = 10_000;

impl PolicyCache {
    /// Forget everything read at another version.
    fn at(&mut self, version: i64) -> &mut Self {
        if self.version != version || self.subjects.len() + self.contracts.len() > MAX_ENTRIES {
            self.version = version;
            self.subjects.clear();
            self.contracts.clear();
        }
        self
    }
}

impl Service {
    /// The actor's subject: from the cache when `version` (the counter read
    /// in `tx`) matches, else fresh from `tx`.
    pub(crate) async fn subject_at(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        version: Option<i64>,
    ) -> Result<SubjectFacts> {
        let (Some(v), ActorKind::User(id)) = (version, &actor.kind) else {
            return self.subject(tx, actor).await;
        };
        if let Some(hit) = self.with_cache(v, |c| c.subjects.get(&id.0).cloned()) {
            return Ok(hit);
        }
        let fresh = self.subject(tx, actor).await?;
        self.with_cache(v, |c| c.subjects.insert(id.0, fresh.clone()));
        Ok(fresh)
    }

    /// A contract's facts, cached the same way.
    pub(crate) async fn contract_facts_at(
        &self,
        tx: &mut Tx,
        id: ContractId,
        version: Option<i64>,
    ) -> Result<Option<ContractFacts>> {
        let Some(v) = version else {
            return self.contract_facts(tx, id).await;
        };
        if let Some(hit) = self.with_cache(v, |c| c.contracts.get(&id.0).cloned()) {
            return Ok(hit);
        }
        let fresh = self.contract_facts(tx, id).await?;
        self.with_cache(v, |c| c.contracts.insert(id.0, fresh.clone()));
        Ok(fresh)
    }

    /// A poisoned lock only means another thread panicked mid-update: the
    /// cache is then bypassed, never trusted.
    fn with_cache<T>(
        &self,
        version: i64,
        f: impl FnOnce(&mut PolicyCache) -> Option<T>,
    ) -> Option<T> {
        let mut cache = self.inner.policy_cache.lock().ok()?;
        f(cache.at(version))
    }
}
