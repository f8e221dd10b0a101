//! The writer's records on two threads. The caller's thread takes records
//! from the caller's iterator, checks their items, and encrypts and writes
//! the output, which stays on that thread; a helper checks that ids are
//! unique, turns batches of records into JSON Lines and hashes them.
//! Batches and their lines travel in order through short queues, and of
//! several faults the first record's is reported.
//!
//! The records are dropped back on the caller's thread: freed where they
//! were allocated, their memory serves the caller's next records at once
//! (freeing them on the helper cost a third more CPU time when records are
//! made as they are written).

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{self, Scope, ScopedJoinHandle};

use sha2::{Digest, Sha256};

use crate::container::{write_section, DATA_TARGET, MAX_DATA, MAX_LINE, TAG_DATA};
use crate::error::{ExchangeError, Result};
use crate::ids::IdSet;
use crate::jsonl::push_record;
use crate::manifest::Record;
use crate::scan::helper_failed;

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
    /// The first fault in the batch: a repeated id or a line too long.
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
    batch_bytes: usize,
    /// Number of the first record of `batch`.
    first: u64,
    /// Batches sent and not yet received back.
    pending: usize,
    spare_lines: Vec<Vec<u8>>,
    spare_records: Vec<Vec<Record>>,
}

impl<'scope> Encoder<'scope> {
    pub fn start<'env>(scope: &'scope Scope<'scope, 'env>) -> Result<Self> {
        let (outbox, helper_inbox) = sync_channel(1);
        let (helper_outbox, inbox) = sync_channel(1);
        let helper = thread::Builder::new()
            .name("xchg-encode".into())
            .spawn_scoped(scope, move || encode_batches(helper_inbox, helper_outbox))
            .map_err(ExchangeError::Io)?;
        Ok(Self {
            outbox,
            inbox,
            helper,
            batch: Vec::new(),
            batch_bytes: 0,
            first: 1,
            pending: 0,
            spare_lines: Vec::new(),
            spare_records: Vec::new(),
        })
    }

    /// Adds a checked record, whose line is about `size` bytes long;
    /// writes whatever lines are ready to `out`.
    pub fn push(&mut self, record: Record, size: usize, out: &mut impl Write) -> Result<()> {
        self.batch_bytes += size;
        self.batch.push(record);
        if self.batch_bytes >= DATA_TARGET {
            self.send()?;
            // One batch is encoded while this thread writes the one before.
            if self.pending > 1 {
                self.receive(Some(out))?;
            }
        }
        Ok(())
    }

    /// Writes the rest and returns the payload's SHA-256.
    pub fn finish(mut self, out: &mut impl Write) -> Result<[u8; 32]> {
        if !self.batch.is_empty() {
            self.send()?;
        }
        while self.pending > 0 {
            self.receive(Some(&mut *out))?;
        }
        let Self { outbox, helper, .. } = self;
        drop(outbox);
        helper.join().map_err(|_| helper_failed())
    }

    /// The error to report when the next record failed its checks with
    /// `error`: a fault of a record before it comes first, as it would in
    /// one pass.
    pub fn fail(mut self, error: ExchangeError) -> ExchangeError {
        if !self.batch.is_empty() {
            if let Err(e) = self.send() {
                return e;
            }
        }
        while self.pending > 0 {
            if let Err(earlier) = self.receive(None::<&mut Vec<u8>>) {
                return earlier;
            }
        }
        error
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
        self.batch_bytes = 0;
        // The helper only stops when this side does, or by a fault of its own.
        self.outbox.send(batch).map_err(|_| helper_failed())?;
        self.pending += 1;
        Ok(())
    }

    /// Takes the oldest batch back and writes its lines to `out`, if given.
    fn receive(&mut self, out: Option<&mut impl Write>) -> Result<()> {
        let encoded = self.inbox.recv().map_err(|_| helper_failed())?;
        self.pending -= 1;
        match encoded {
            Encoded::Failed(e) => Err(e),
            Encoded::Lines { lines, records } => {
                if let Some(out) = out {
                    for section in lines.chunks(MAX_DATA as usize) {
                        write_section(out, TAG_DATA, section)?;
                    }
                }
                self.spare_lines.push(lines);
                let mut records = records;
                records.clear(); // see the module's documentation
                self.spare_records.push(records);
                Ok(())
            }
        }
    }
}

/// The helper: checks ids, encodes and hashes batches until the queue
/// closes.
fn encode_batches(inbox: Receiver<Batch>, outbox: SyncSender<Encoded>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut ids = IdSet::new();
    let mut hashes = Vec::new();
    for mut batch in inbox {
        hashes.clear();
        hashes.extend(batch.records.iter().map(|r| ids.hash(r.id.as_str())));
        let repeated = ids.insert_all(&hashes).unwrap_or(batch.records.len());
        batch.lines.clear();
        let mut failed = None;
        for (number, record) in (batch.first..).zip(&batch.records[..repeated]) {
            let start = batch.lines.len();
            push_record(&mut batch.lines, record);
            if batch.lines.len() - start > MAX_LINE {
                failed = Some(fault(number, "1 件が 1 MiB を超えています"));
                break;
            }
            batch.lines.push(b'\n');
        }
        if failed.is_none() && repeated < batch.records.len() {
            let number = batch.first + repeated as u64;
            failed = Some(fault(number, "レコード番号が重複しています"));
        }
        let encoded = match failed {
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
