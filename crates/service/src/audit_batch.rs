//! Group commit of the audit entries of read-only operations.
//!
//! A search or read runs in a plain read transaction, so on SQLite readers
//! no longer queue behind one another for the write lock. Its finished entry
//! is queued here; one flush at a time takes the write lock, appends every
//! queued entry to the hash chain in arrival order (exactly as a single
//! append would: same `seq`, same chaining, same checkpoints), commits once,
//! and then wakes each waiting operation. An operation hands out its data
//! only after its own entry is committed; if the batch fails, every
//! operation in it fails with `AuditFailed` and returns nothing.
//!
//! The flush runs as its own task, so a request dropped half-way (the client
//! went away) cannot cancel a batch that other operations are waiting on.

use crate::error::{Result, ServiceError};
use crate::Service;
use itaku_store::NewAuditEntry;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Entries waiting for the next flush, and the lock that makes flushes take
/// turns (the database's write lock would serialize them anyway; this keeps
/// them from queueing on its busy timeout).
#[derive(Default)]
pub(crate) struct AuditBatcher {
    queue: Mutex<Vec<Pending>>,
    flushing: Arc<tokio::sync::Mutex<()>>,
}

struct Pending {
    entry: NewAuditEntry,
    done: oneshot::Sender<Result<i64>>,
}

/// At most this many entries go into one transaction, so one flush stays
/// short even when thousands are queued.
const MAX_BATCH: usize = 512;

impl Service {
    /// Append `entry` through the next group commit and wait until it is
    /// committed. Returns the entry's sequence number.
    pub(crate) async fn append_audit_batched(&self, entry: NewAuditEntry) -> Result<i64> {
        let (done, committed) = oneshot::channel();
        self.inner
            .audit_batcher
            .queue
            .lock()
            .map_err(|_| ServiceError::AuditFailed)?
            .push(Pending { entry, done });
        let svc = self.clone();
        tokio::spawn(async move { svc.flush_audit_queue().await });
        // A dropped sender means the flush died before answering: the entry
        // may not be committed, so nothing may be handed out.
        committed.await.unwrap_or(Err(ServiceError::AuditFailed))
    }

    async fn flush_audit_queue(&self) {
        let batcher = &self.inner.audit_batcher;
        let _turn = batcher.flushing.clone().lock_owned().await;
        loop {
            let batch: Vec<Pending> = match batcher.queue.lock() {
                Ok(mut q) => {
                    let n = q.len().min(MAX_BATCH);
                    q.drain(..n).collect()
                }
                Err(_) => return,
            };
            if batch.is_empty() {
                return;
            }
            match self.commit_audit_batch(&batch).await {
                Ok(seqs) => {
                    for (p, seq) in batch.into_iter().zip(seqs) {
                        let _ = p.done.send(Ok(seq));
                    }
                }
                Err(_) => {
                    for p in batch {
                        let _ = p.done.send(Err(ServiceError::AuditFailed));
                    }
                }
            }
        }
    }

    async fn commit_audit_batch(&self, batch: &[Pending]) -> Result<Vec<i64>> {
        let mut tx = self.inner.store.begin().await?;
        let mut seqs = Vec::with_capacity(batch.len());
        for p in batch {
            seqs.push(self.append_audit(&mut tx, &p.entry).await?);
        }
        tx.commit().await.map_err(|_| ServiceError::AuditFailed)?;
        Ok(seqs)
    }
}
