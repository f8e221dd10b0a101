//! Keeping a job's lease while it runs. A lease that runs out means "the
//! runner died": another runner takes the job over. An erasure of a large
//! vault may outlast one lease, so the running job's lease is renewed in
//! the background, from its own task (a renewal must not wait behind the
//! job's own write transaction on SQLite's single writer).

use super::LEASE;
use crate::time::ts;
use crate::Service;

/// How often a held lease is renewed: well inside the lease, so a slow
/// database or a missed beat still leaves the lease standing.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(120);

/// Renews a job's lease until dropped.
pub struct LeaseHold {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LeaseHold {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Service {
    /// Hold `runner`'s lease on job `id`: every `every`, extend it to a
    /// full [`LEASE`] from now (by the injected clock). Stops by itself
    /// when the lease is found lost.
    pub fn hold_job_lease(&self, id: i64, runner: &str, every: std::time::Duration) -> LeaseHold {
        let svc = self.clone();
        let runner = runner.to_owned();
        let task = tokio::spawn(async move {
            let mut beat = tokio::time::interval(every);
            beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The claim has just set a full lease.
            beat.tick().await;
            loop {
                beat.tick().await;
                match svc.renew_job_lease(id, &runner).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = id, runner = %runner, "定期処理のリースが他の実行者に移りました");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(job = id, error = %e, "定期処理のリースを延長できません");
                    }
                }
            }
        });
        LeaseHold { task }
    }

    async fn renew_job_lease(&self, id: i64, runner: &str) -> crate::Result<bool> {
        let until = ts(self.now() + LEASE);
        let mut tx = self.inner.store.begin().await?;
        let held = tx.renew_job_lease(id, runner, &until).await?;
        tx.commit().await?;
        Ok(held)
    }
}
