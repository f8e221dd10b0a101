//! The reader's first pass over the payload, on two threads: this one
//! decrypts (the input is the caller's plain `Read`, which stays here) and
//! hashes; a helper checks every record and id. Pieces of plaintext go to
//! the helper in order through a short queue; nothing leaves
//! [`scan_payload`] but a count and a digest.

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
            (Ok(digest), Some(count)) => Ok(Scanned { count, digest }),
            (Err(e), _) => Err(e),
            // It stopped only because reading did.
            (Ok(_), None) => Err(helper_failed()),
        }
    })
}

/// Sends the payload piece by piece, then `End`; returns its digest.
/// Returns early (and `Ok`) if the helper has stopped: it found a fault
/// and reports it.
fn read_pieces<R: Read>(
    stream: &mut PayloadStream<R>,
    pieces: &SyncSender<Message>,
    spares: &Receiver<Vec<u8>>,
) -> Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut reader = PieceReader::new();
    while let Some(piece) = reader.next(stream, spares.try_recv().unwrap_or_default())? {
        hasher.update(&piece);
        if pieces.send(Message::Data(piece)).is_err() {
            break;
        }
    }
    // A stopped helper has its own error to report.
    let _ = pieces.send(Message::End);
    Ok(hasher.finalize().into())
}

/// The helper: checks the pieces' records; returns their count. `Ok(None)`
/// if the pieces stopped before `End` without a fault in them.
fn check_pieces(
    inbox: Receiver<Message>,
    spares: SyncSender<Vec<u8>>,
    codes: &ItemCodes,
) -> Result<Option<u64>> {
    let mut lines = LineCursor::new();
    let mut ids = IdSet::new();
    let mut hashes = Vec::new();
    for message in inbox {
        let Message::Data(piece) = message else {
            lines.finish()?;
            return Ok(Some(lines.count()));
        };
        // Ids are inserted a piece at a time (see `IdSet::insert_all`); a
        // repeated id before a faulty line is still reported first.
        let first = lines.count() + 1;
        hashes.clear();
        let fault = lines
            .feed(&piece, |number, line| {
                let id =
                    check_record(line, codes).map_err(|reason| ExchangeError::MalformedRecord {
                        line: number,
                        reason,
                    })?;
                hashes.push(ids.hash(&id));
                Ok(())
            })
            .err();
        let _ = spares.try_send(piece);
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
