//! The reader's second pass: records of a verified package, decrypted
//! again from the spooled ciphertext. A helper thread decrypts and hashes
//! (everything it reads is ours: the spool, the remembered file key); the
//! caller's thread parses each record as it takes it (so that a record's
//! memory is usually the last one's, freed by the caller). Each record is
//! checked again, and so are the count, the digest and the manifest at the
//! end.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use std::thread;

use sha2::{Digest, Sha256};

use crate::agefile::AgeReader;
use crate::container::{PayloadStream, Tail};
use crate::error::{ExchangeError, Result};
use crate::lines::{LineCursor, PieceReader};
use crate::manifest::{Manifest, Record};
use crate::payload::parse_record;
use crate::plain::ItemCodes;
use crate::read::check_totals;
use crate::scan::{helper_failed, QUEUE};
use crate::spool::SpoolReader;

type Stream = PayloadStream<AgeReader<SpoolReader>>;

enum Message {
    Data(Vec<u8>),
    End { tail: Tail, digest: [u8; 32] },
    Failed(ExchangeError),
}

/// Iterator over a verified package's records. Yields an error only if the
/// spooled copy can no longer be read or differs from what was verified.
pub struct Records {
    /// In a mutex only so that `Records` stays `Sync`, as it was before it
    /// had a helper thread; never locked (`get_mut`).
    inbox: Mutex<Receiver<Message>>,
    spares: SyncSender<Vec<u8>>,
    lines: LineCursor,
    codes: ItemCodes,
    manifest: Manifest,
    manifest_sha256: String,
    done: bool,
}

impl Records {
    pub(crate) fn start(
        stream: Stream,
        manifest: Manifest,
        manifest_sha256: String,
    ) -> Result<Self> {
        let (outbox, inbox) = sync_channel(QUEUE);
        let (spares, spares_back) = sync_channel(QUEUE + 2);
        // Not joined: it ends when its work is done or when the records are
        // dropped (its next send then fails).
        thread::Builder::new()
            .name("xchg-records".into())
            .spawn(move || decrypt_pieces(stream, &outbox, &spares_back))
            .map_err(ExchangeError::Io)?;
        Ok(Self {
            inbox: Mutex::new(inbox),
            spares,
            lines: LineCursor::new(),
            codes: ItemCodes::new(&manifest.head.items),
            manifest,
            manifest_sha256,
            done: false,
        })
    }

    fn step(&mut self) -> Result<Option<Record>> {
        loop {
            if let Some((number, line)) = self.lines.next_line()? {
                return parse_record(line, &self.codes).map(Some).map_err(|reason| {
                    ExchangeError::MalformedRecord {
                        line: number,
                        reason,
                    }
                });
            }
            let inbox = self.inbox.get_mut().map_err(|_| helper_failed())?;
            match inbox.recv().map_err(|_| helper_failed())? {
                Message::Data(piece) => {
                    let _ = self.spares.try_send(self.lines.refill(piece));
                }
                Message::End { tail, digest } => {
                    self.finish(&tail, &digest)?;
                    return Ok(None);
                }
                Message::Failed(e) => return Err(e),
            }
        }
    }

    fn finish(&self, tail: &Tail, digest: &[u8; 32]) -> Result<()> {
        self.lines.finish()?;
        if itaku_crypto::sha256_hex(&tail.manifest) != self.manifest_sha256 {
            return Err(ExchangeError::corrupted(
                "二度目の読み取りで送り状が変わっています",
            ));
        }
        check_totals(&self.manifest, self.lines.count(), digest)
    }
}

// Callers may hold records across threads, as they could before.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Records>();
};

impl Iterator for Records {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.step();
        self.done = !matches!(step, Ok(Some(_)));
        step.transpose()
    }
}

/// The helper: decrypts the payload piece by piece, hashing it on the way.
fn decrypt_pieces(mut stream: Stream, outbox: &SyncSender<Message>, spares: &Receiver<Vec<u8>>) {
    let mut hasher = Sha256::new();
    let mut reader = PieceReader::new();
    let last = loop {
        match reader.next(&mut stream, spares.try_recv().unwrap_or_default()) {
            Ok(Some(piece)) => {
                hasher.update(&piece);
                if outbox.send(Message::Data(piece)).is_err() {
                    return; // the records were dropped
                }
            }
            Ok(None) => {
                break match stream.finish() {
                    Ok(tail) => Message::End {
                        tail,
                        digest: hasher.finalize().into(),
                    },
                    Err(e) => Message::Failed(e),
                }
            }
            Err(e) => break Message::Failed(e),
        }
    };
    let _ = outbox.send(last);
}
