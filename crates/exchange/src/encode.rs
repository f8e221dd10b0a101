//! The writer's records on two threads. The caller's thread takes records
//! from the caller's iterator and encrypts and writes the output, which
//! stays on that thread; a helper checks each record (items declared, id
//! not seen before, line not too long), turns batches of records into
//! JSON Lines and hashes them. Batches and their lines travel in order
//! through short queues; the fault reported is the first record's, and for
//! one record items, id and length are checked in that order, as in one
//! pass.
//!
//! The records are dropped back on the caller's thread: freed where they
//! were allocated, their memory serves the caller's next records at once
//! (freeing them on the helper cost a third more CPU time when records are
//! made as they are written).

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{self, Scope, ScopedJoinHandle};

use sha2::{Digest, Sha256};

use crate::container::{write_section, DATA_TARGET, MAX_DATA, MAX_LINE, TAG_DATA};
use crate::error::{ExchangeError, Result};
use crate::ids::IdSet;
use crate::jsonl::push_record;
use crate::manifest::Record;
use crate::names::Code;
use crate::plain::ItemCodes;
use crate::scan::helper_failed;

/// Records per batch at first; later batches are sized from the lines of
/// earlier ones to about [`DATA_TARGET`] bytes.
const FIRST_BATCH: usize = 256;

/// Records to encode, numbered from `first` (1-based), and a buffer for
/// their lines.
struct Batch {
    first: u64,
    records: Vec<Record>,
    lines: Vec<u8>,
}

enum Encoded {
    /// The batch's lines, and its records back, to be dropped.
    Lines {
        lines: Vec<u8>,
        records: Vec<Record>,
    },
    /// The first fault in the batch.
    Failed(ExchangeError),
}

fn fault(line: u64, reason: &str) -> ExchangeError {
    ExchangeError::MalformedRecord {
        line,
        reason: reason.into(),
    }
}

pub(crate) struct Encoder<'scope> {
    outbox: SyncSender<Batch>,
    inbox: Receiver<Encoded>,
    helper: ScopedJoinHandle<'scope, [u8; 32]>,
    batch: Vec<Record>,
    batch_size: usize,
    /// Number of the first record of `batch`.
    first: u64,
    /// Batches sent and not yet received back.
    pending: usize,
    spare_lines: Vec<Vec<u8>>,
    spare_records: Vec<Vec<Record>>,
}

impl<'scope> Encoder<'scope> {
    /// Starts the helper; records may only carry `items`.
    pub fn start<'env>(
        scope: &'scope Scope<'scope, 'env>,
        items: &'scope BTreeSet<Code>,
    ) -> Result<Self> {
        let (outbox, helper_inbox) = sync_channel(1);
        let (helper_outbox, inbox) = sync_channel(1);
        let helper = thread::Builder::new()
            .name("xchg-encode".into())
            .spawn_scoped(scope, move || {
                encode_batches(helper_inbox, helper_outbox, items)
            })
            .map_err(ExchangeError::Io)?;
        Ok(Self {
            outbox,
            inbox,
            helper,
            batch: Vec::new(),
            batch_size: FIRST_BATCH,
            first: 1,
            pending: 0,
            spare_lines: Vec::new(),
            spare_records: Vec::new(),
        })
    }

    /// Adds a record; writes whatever lines are ready to `out`.
    pub fn push(&mut self, record: Record, out: &mut impl Write) -> Result<()> {
        self.batch.push(record);
        if self.batch.len() >= self.batch_size {
            self.send()?;
            // One batch is encoded while this thread writes the one before.
            if self.pending > 1 {
                self.receive(out)?;
            }
        }
        Ok(())
    }

    /// Writes the rest; returns the number of records and the payload's
    /// SHA-256.
    pub fn finish(mut self, out: &mut impl Write) -> Result<(u64, [u8; 32])> {
        if !self.batch.is_empty() {
            self.send()?;
        }
        while self.pending > 0 {
            self.receive(&mut *out)?;
        }
        let Self {
            outbox,
            helper,
            first,
            ..
        } = self;
        drop(outbox);
        let digest = helper.join().map_err(|_| helper_failed())?;
        Ok((first - 1, digest))
    }

    fn send(&mut self) -> Result<()> {
        let records = std::mem::replace(
            &mut self.batch,
            self.spare_records.pop().unwrap_or_default(),
        );
        let count = records.len() as u64;
        let batch = Batch {
            first: self.first,
            records,
            lines: self.spare_lines.pop().unwrap_or_default(),
        };
        self.first += count;
        // The helper only stops when this side does, or by a fault of its own.
        self.outbox.send(batch).map_err(|_| helper_failed())?;
        self.pending += 1;
        Ok(())
    }

    /// Takes the oldest batch back and writes its lines to `out`.
    fn receive(&mut self, out: &mut impl Write) -> Result<()> {
        let encoded = self.inbox.recv().map_err(|_| helper_failed())?;
        self.pending -= 1;
        let (lines, mut records) = match encoded {
            Encoded::Failed(e) => return Err(e),
            Encoded::Lines { lines, records } => (lines, records),
        };
        for section in lines.chunks(MAX_DATA as usize) {
            write_section(out, TAG_DATA, section)?;
        }
        // Size the next batches from this one's lines.
        if !lines.is_empty() {
            let per_record = lines.len().div_ceil(records.len().max(1));
            self.batch_size = (DATA_TARGET / per_record).clamp(1, 1 << 16);
        }
        records.clear(); // see the module's documentation
        self.spare_lines.push(lines);
        self.spare_records.push(records);
        Ok(())
    }
}

/// The first fault in `batch`, checking each record in order for its
/// items, its id and its line's length; its lines are in `batch.lines`.
fn encode_batch(
    batch: &mut Batch,
    codes: &ItemCodes,
    items: &BTreeSet<Code>,
    ids: &mut IdSet,
    hashes: &mut Vec<u128>,
) -> Option<ExchangeError> {
    let number = |i: usize| batch.first + i as u64;
    let records = &batch.records;
    // Items first: one walk of two sorted lists per record.
    let outside = records.iter().position(|record| {
        let mut walk = codes.walk();
        !record
            .values
            .keys()
            .all(|code| walk.find(code.as_str()).is_some())
    });
    let checked = &records[..outside.unwrap_or(records.len())];
    hashes.clear();
    hashes.extend(checked.iter().map(|r| ids.hash(r.id.as_str())));
    let repeated = ids.insert_all(hashes);
    batch.lines.clear();
    for (i, record) in checked[..repeated.unwrap_or(checked.len())]
        .iter()
        .enumerate()
    {
        let start = batch.lines.len();
        push_record(&mut batch.lines, record);
        if batch.lines.len() - start > MAX_LINE {
            return Some(fault(number(i), "1 件が 1 MiB を超えています"));
        }
        batch.lines.push(b'\n');
    }
    if let Some(i) = repeated {
        return Some(fault(number(i), "レコード番号が重複しています"));
    }
    let record = &records[outside?];
    Some(ExchangeError::ItemsOutsidePurpose {
        items: record
            .values
            .keys()
            .filter(|k| !items.contains(*k))
            .map(|k| k.to_string())
            .collect(),
    })
}

/// The helper: checks, encodes and hashes batches until the queue closes.
fn encode_batches(
    inbox: Receiver<Batch>,
    outbox: SyncSender<Encoded>,
    items: &BTreeSet<Code>,
) -> [u8; 32] {
    let codes = ItemCodes::new(items);
    let mut hasher = Sha256::new();
    let mut ids = IdSet::new();
    let mut hashes = Vec::new();
    for mut batch in inbox {
        let encoded = match encode_batch(&mut batch, &codes, items, &mut ids, &mut hashes) {
            Some(e) => Encoded::Failed(e),
            None => {
                hasher.update(&batch.lines);
                Encoded::Lines {
                    lines: batch.lines,
                    records: batch.records,
                }
            }
        };
        if outbox.send(encoded).is_err() {
            break;
        }
    }
    hasher.finalize().into()
}
