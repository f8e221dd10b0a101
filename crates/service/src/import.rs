//! Importing a target list into the ward's vault: one audited operation,
//! all or nothing (one transaction), idempotent by 宛名番号, streamed in
//! batches so memory stays bounded whatever the file size.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::persons::{seal_persons, NewPerson, SealedPerson};
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_crypto::DataKey;
use itaku_import::{Profile, ScanReport, Scanner};
use itaku_policy::{Action, Scope};
use serde::Serialize;
use std::io::Read;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

const BATCH: usize = 1000;
/// After this many stored rows an import judges whether to build the
/// search-token index once at the end instead of row by row.
const DEFER_INDEX_AFTER: i64 = 20_000;
/// Sealed batches the reading thread may have ready ahead of the database.
const AHEAD: usize = 2;
/// Up to this many record ids are listed in the audit entry; a larger
/// import records its id range and count instead.
const LISTED_IDS: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub inserted: i64,
    pub updated: i64,
    #[serde(flatten)]
    pub scan: ScanReport,
}

/// What the reading thread hands the storing side.
enum Reading {
    /// Rows up to `line` read; `sealed` is empty on a dry run.
    Batch {
        line: u64,
        sealed: Vec<SealedPerson>,
    },
    Done(ScanReport),
}

/// What the reading thread needs once the operation has been allowed: the
/// vault to seal for, or nothing on a dry run.
type SealFor = Option<(i64, Arc<DataKey>)>;

impl Service {
    /// Import a target list with a profile. `progress` is told the number
    /// of data rows read so far. With `dry_run` nothing is stored.
    ///
    /// Reading, parsing and sealing run on their own thread, one batch ahead
    /// of the database, so the two overlap; at most [`AHEAD`] batches wait
    /// between them, which keeps memory bounded.
    pub async fn import_targets(
        &self,
        actor: &Actor,
        profile: &Profile,
        input: impl Read + Send + 'static,
        dry_run: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportReport> {
        // A profile keyed by 受診券整理番号 is a results file, not a list of residents.
        if profile
            .key_item()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?
            != itaku_core::Item::AtenaNo
        {
            return Err(ServiceError::Invalid(
                "この取込設定は受診結果用です（対象者名簿の取込には宛名番号で照合する設定を選んでください）".into(),
            ));
        }
        let items: ItemSet = profile
            .item_sources()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (seal_tx, seal_rx) = oneshot::channel();
        let (out_tx, mut out_rx) = mpsc::channel(AHEAD);
        {
            let (profile, items) = (profile.clone(), items.clone());
            std::thread::Builder::new()
                .name("itaku-import".into())
                .spawn(move || read_and_seal(input, &profile, &items, ready_tx, seal_rx, out_tx))
                .map_err(|e| {
                    ServiceError::Internal(format!("取込の読み込みを開始できません: {e}"))
                })?;
        }
        // A file whose header does not fit the profile is refused before
        // the operation begins, as it always was.
        ready_rx
            .await
            .map_err(|_| reader_stopped())?
            .map_err(ServiceError::Invalid)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "person").items(items.clone()),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let now = op.now_ts();
        if seal_tx.send((!dry_run).then_some((vault.id, key))).is_err() {
            return Err(reader_stopped());
        }
        let (mut inserted, mut updated) = (0i64, 0i64);
        let mut ids: Vec<i64> = Vec::new();
        let (mut first_id, mut last_id) = (i64::MAX, i64::MIN);
        let (mut tokens, mut index_deferred, mut judged) = (0i64, false, false);
        let scan = loop {
            match out_rx.recv().await.ok_or_else(reader_stopped)?? {
                Reading::Batch { line, sealed } => {
                    if !sealed.is_empty() {
                        tokens += sealed.iter().map(|(_, t)| t.len() as i64).sum::<i64>();
                        let (stored, new) = self
                            .store_sealed(&mut op.tx, vault.id, &items, sealed, &now)
                            .await?;
                        inserted += new;
                        updated += stored.len() as i64 - new;
                        for id in &stored {
                            first_id = first_id.min(*id);
                            last_id = last_id.max(*id);
                        }
                        if ids.len() < LISTED_IDS {
                            ids.extend(stored.iter().take(LISTED_IDS - ids.len()));
                        }
                        if !judged
                            && inserted + updated >= DEFER_INDEX_AFTER
                            && op.tx.backend() == itaku_store::Backend::Sqlite
                        {
                            judged = true;
                            // Worth it only when this import is large beside
                            // what the index already holds: building it
                            // again covers every vault's tokens (this
                            // import's own are stored by now).
                            let before = op.tx.count_search_tokens().await? - tokens;
                            if tokens * 4 >= before {
                                index_deferred = op.tx.defer_token_index().await?;
                            }
                        }
                    }
                    progress(line);
                }
                Reading::Done(report) => break report,
            }
        };
        if index_deferred {
            op.tx.restore_token_index().await?;
        }
        let stored = inserted + updated;
        let detail = if dry_run {
            format!(
                "dry run: {} rows, {} accepted, {} rejected",
                scan.data_rows,
                scan.accepted,
                scan.rejected_rows + scan.duplicate_rows
            )
        } else if (stored as usize) > LISTED_IDS {
            format!("imported {stored} (new {inserted}, updated {updated}), ids {first_id}..={last_id}, rejected {}", scan.rejected_rows + scan.duplicate_rows)
        } else {
            format!(
                "imported {stored} (new {inserted}, updated {updated}), rejected {}",
                scan.rejected_rows + scan.duplicate_rows
            )
        };
        if dry_run {
            ids.clear();
        }
        op.finish(&ids, &format!("profile「{}」 {detail}", profile.name))
            .await?;
        Ok(ImportReport {
            dry_run,
            inserted,
            updated,
            scan,
        })
    }
}

fn reader_stopped() -> ServiceError {
    ServiceError::Internal("取込ファイルの読み込みが異常終了しました".into())
}

/// The reading side of an import, on its own thread (the scanner is not
/// `Send`, and parsing must not hold up the runtime). It stops quietly as
/// soon as the storing side goes away (refused, failed or finished).
fn read_and_seal(
    input: impl Read,
    profile: &Profile,
    items: &ItemSet,
    ready: oneshot::Sender<std::result::Result<(), String>>,
    seal_for: oneshot::Receiver<SealFor>,
    out: mpsc::Sender<Result<Reading>>,
) {
    let mut scanner = match Scanner::new(input, profile) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    let Ok(seal_for) = seal_for.blocking_recv() else {
        return;
    };
    let mut batch: Vec<NewPerson> = Vec::with_capacity(BATCH);
    let (mut line, mut pending) = (0u64, 0usize);
    loop {
        let row = scanner.next_row();
        let done = row.is_none();
        if let Some(r) = row {
            line = r.line;
            pending += 1;
            if seal_for.is_some() {
                batch.push(NewPerson { values: r.values });
            }
        }
        if pending == BATCH || (done && pending > 0) {
            pending = 0;
            let sealed = match &seal_for {
                Some((vault_id, key)) if !batch.is_empty() => {
                    let identities = crate::persons::ward_identities(key, &batch);
                    seal_persons((*vault_id, key), items, &batch, identities)
                }
                _ => Ok(Vec::new()),
            };
            batch.clear();
            let failed = sealed.is_err();
            if out
                .blocking_send(sealed.map(|sealed| Reading::Batch { line, sealed }))
                .is_err()
                || failed
            {
                return;
            }
        }
        if done {
            let _ = out.blocking_send(Ok(Reading::Done(scanner.finish())));
            return;
        }
    }
}

impl Service {
    /// Showing rows of an uploaded file again (a preview or a report kept
    /// in memory) is a read of personal data like any other: it is decided
    /// and audited here before the page shows anything.
    pub async fn record_file_view(
        &self,
        actor: &Actor,
        profile: &Profile,
        detail: &str,
    ) -> Result<()> {
        let items: ItemSet = profile
            .item_sources()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "import_file").items(items),
            )
            .await?;
        op.finish(&[], detail).await
    }
}
