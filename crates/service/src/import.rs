//! Importing a target list into the ward's vault: one audited operation,
//! all or nothing (one transaction), idempotent by 宛名番号, streamed in
//! batches so memory stays bounded whatever the file size.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::persons::NewPerson;
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_import::{Profile, ScanReport, Scanner};
use itaku_policy::{Action, Scope};
use serde::Serialize;
use std::io::Read;

const BATCH: usize = 1000;
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

impl Service {
    /// Import a target list with a profile. `progress` is told the number
    /// of data rows read so far. With `dry_run` nothing is stored.
    pub async fn import_targets(
        &self,
        actor: &Actor,
        profile: &Profile,
        input: impl Read,
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
        let mut scanner =
            Scanner::new(input, profile).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let items: ItemSet = profile
            .item_sources()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "person").items(items.clone()),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let now = op.now_ts();
        let (mut inserted, mut updated) = (0i64, 0i64);
        let mut ids: Vec<i64> = Vec::new();
        let (mut first_id, mut last_id) = (i64::MAX, i64::MIN);
        let mut batch: Vec<NewPerson> = Vec::with_capacity(BATCH);
        let mut read = 0u64;
        loop {
            let row = scanner.next_row();
            let done = row.is_none();
            if let Some(r) = row {
                read = r.line;
                batch.push(NewPerson { values: r.values });
            }
            if batch.len() == BATCH || (done && !batch.is_empty()) {
                if !dry_run {
                    let identities = crate::persons::ward_identities(&key, &batch);
                    let (stored, new) = self
                        .store_persons(
                            &mut op.tx,
                            (vault.id, &key),
                            &items,
                            &batch,
                            identities,
                            &now,
                        )
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
                }
                batch.clear();
                progress(read);
            }
            if done {
                break;
            }
        }
        let scan = scanner.finish();
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
