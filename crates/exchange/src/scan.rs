//! The reader's first pass over the payload, on two threads: this one
//! decrypts (the input is the caller's plain `Read`, which stays here); a
//! helper hashes the plaintext and checks every record and id. Pieces of
//! plaintext go to the helper in order through a short queue; nothing
//! leaves [`scan_payload`] but a count and a digest.

use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

use sha2::{Digest, Sha256};

use crate::container::PayloadStream;
use crate::error::{ExchangeError, Result};
use crate::ids::IdSet;
use crate::lines::{LineCursor, PieceReader};
use crate::payload::check_record;
use crate::plain::ItemCodes;

/// Pieces decrypted ahead of their checks, at most.
pub(crate) const QUEUE: usize = 2;

/// What the first pass found in a payload that passed every record check.
pub(crate) struct Scanned {
    pub count: u64,
    pub digest: [u8; 32],
}

enum Message {
    Data(Vec<u8>),
    End,
}

pub(crate) fn helper_failed() -> ExchangeError {
    ExchangeError::Io(std::io::Error::other("作業用のスレッドが異常終了しました"))
}

/// Reads `stream`'s payload to its end and checks it. Of several faults
/// the one that comes first in the file is reported, as a single pass
/// would.
pub(crate) fn scan_payload<R: Read>(
    stream: &mut PayloadStream<R>,
    codes: &ItemCodes,
) -> Result<Scanned> {
    thread::scope(|scope| {
        let (pieces, inbox) = sync_channel(QUEUE);
        let (spares_back, spares) = sync_channel(QUEUE + 2);
        let helper = thread::Builder::new()
            .name("xchg-check".into())
            .spawn_scoped(scope, move || check_pieces(inbox, spares_back, codes))
            .map_err(ExchangeError::Io)?;
        let read = read_pieces(stream, &pieces, &spares);
        drop(pieces);
        let checked = helper.join().map_err(|_| helper_failed())?;
        // The helper has seen everything read before a read error, so its
        // own error lies earlier in the file.
        match (read, checked?) {
            (Ok(()), Some(scanned)) => Ok(scanned),
            (Err(e), _) => Err(e),
            // It stopped only because reading did.
            (Ok(_), None) => Err(helper_failed()),
        }
    })
}

/// Sends the payload piece by piece, then `End`. Returns early (and
/// `Ok`) if the helper has stopped: it found a fault and reports it.
fn read_pieces<R: Read>(
    stream: &mut PayloadStream<R>,
    pieces: &SyncSender<Message>,
    spares: &Receiver<Vec<u8>>,
) -> Result<()> {
    let mut reader = PieceReader::new();
    while let Some(piece) = reader.next(stream, spares.try_recv().unwrap_or_default())? {
        if pieces.send(Message::Data(piece)).is_err() {
            return Ok(());
        }
    }
    // A stopped helper has its own error to report.
    let _ = pieces.send(Message::End);
    Ok(())
}

/// The helper: hashes the pieces and checks their records. `Ok(None)` if
/// the pieces stopped before `End` without a fault in them.
fn check_pieces(
    inbox: Receiver<Message>,
    spares: SyncSender<Vec<u8>>,
    codes: &ItemCodes,
) -> Result<Option<Scanned>> {
    let mut hasher = Sha256::new();
    let mut lines = LineCursor::new();
    let mut ids = IdSet::new();
    let mut hashes = Vec::new();
    for message in inbox {
        let Message::Data(piece) = message else {
            lines.finish()?;
            return Ok(Some(Scanned {
                count: lines.count(),
                digest: hasher.finalize().into(),
            }));
        };
        hasher.update(&piece);
        let _ = spares.try_send(lines.refill(piece));
        // Ids are inserted a piece at a time (see `IdSet::insert_all`); a
        // repeated id before a faulty line is still reported first.
        let first = lines.count() + 1;
        hashes.clear();
        let fault = loop {
            match lines.next_line() {
                Ok(None) => break None,
                Ok(Some((number, line))) => match check_record(line, codes) {
                    Ok(id) => hashes.push(ids.hash(&id)),
                    Err(reason) => {
                        break Some(ExchangeError::MalformedRecord {
                            line: number,
                            reason,
                        })
                    }
                },
                Err(e) => break Some(e),
            }
        };
        if let Some(i) = ids.insert_all(&hashes) {
            return Err(ExchangeError::MalformedRecord {
                line: first + i as u64,
                reason: "レコード番号が重複しています".into(),
            });
        }
        if let Some(e) = fault {
            return Err(e);
        }
    }
    Ok(None)
}
