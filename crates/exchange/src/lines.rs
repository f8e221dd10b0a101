//! Splitting the payload into record lines as it arrives in pieces: a
//! line may span pieces (and data sections). Each line is at most
//! [`MAX_LINE`] bytes and ends with `\n`, the last one too. The thread
//! that reads cuts pieces after their last line end ([`PieceReader`]), so
//! that few lines span two and need copying ([`LineCursor`]).

use std::io::Read;

use crate::container::{PayloadStream, MAX_LINE};
use crate::error::{ExchangeError, Result};

/// Payload is read in pieces of about this size.
pub(crate) const PIECE: usize = 256 * 1024;

/// Reads the payload in pieces that end at a line end where possible.
pub(crate) struct PieceReader {
    /// The start of a line read with the previous piece.
    rest: Vec<u8>,
    /// An error met after the bytes of the last piece.
    failed: Option<ExchangeError>,
}

impl PieceReader {
    pub fn new() -> Self {
        Self {
            rest: Vec::new(),
            failed: None,
        }
    }

    /// The next piece, `None` at the end of the payload. `buffer` (an old
    /// piece) is reused. On a read error the bytes read before it come
    /// first, as a piece, and the error with the next call: whoever checks
    /// the pieces then reports the fault that comes first in the file.
    pub fn next<R: Read>(
        &mut self,
        stream: &mut PayloadStream<R>,
        mut buffer: Vec<u8>,
    ) -> Result<Option<Vec<u8>>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        buffer.clear();
        buffer.append(&mut self.rest);
        if let Err(e) = stream.fill(&mut buffer, PIECE) {
            if buffer.is_empty() {
                return Err(e);
            }
            self.failed = Some(e);
            return Ok(Some(buffer));
        }
        if buffer.is_empty() {
            return Ok(None);
        }
        if buffer.len() == PIECE {
            if let Some(end) = memchr::memrchr(b'\n', &buffer) {
                self.rest.extend_from_slice(&buffer[end + 1..]);
                buffer.truncate(end + 1);
            }
        }
        Ok(Some(buffer))
    }
}

/// Lines of the pieces given to [`Self::refill`], in order. A line that
/// lies wholly in one piece is handed out where it is; only a line that
/// spans pieces is copied.
pub(crate) struct LineCursor {
    piece: Vec<u8>,
    pos: usize,
    /// The start of a line whose end is in a later piece.
    carry: Vec<u8>,
    /// The last line handed out was `carry`, to be cleared on the next call.
    carry_given: bool,
    count: u64,
}

fn too_long(line: u64) -> ExchangeError {
    ExchangeError::MalformedRecord {
        line,
        reason: "1 件が 1 MiB を超えています".into(),
    }
}

impl LineCursor {
    pub fn new() -> Self {
        Self {
            piece: Vec::new(),
            pos: 0,
            carry: Vec::new(),
            carry_given: false,
            count: 0,
        }
    }

    /// Lines handed out so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Takes the next piece once [`Self::next_line`] has returned `None`;
    /// returns the previous one, for reuse.
    pub fn refill(&mut self, piece: Vec<u8>) -> Vec<u8> {
        self.pos = 0;
        std::mem::replace(&mut self.piece, piece)
    }

    /// The next line without its `\n`, with its 1-based number, or `None`
    /// when the current piece is used up.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        if self.carry_given {
            self.carry.clear();
            self.carry_given = false;
        }
        let rest = &self.piece[self.pos..];
        let Some(len) = memchr::memchr(b'\n', rest) else {
            self.carry.extend_from_slice(rest);
            self.pos = self.piece.len();
            if self.carry.len() > MAX_LINE {
                return Err(too_long(self.count + 1));
            }
            return Ok(None);
        };
        let (start, end) = (self.pos, self.pos + len);
        self.pos = end + 1;
        self.count += 1;
        let line = if self.carry.is_empty() {
            &self.piece[start..end]
        } else {
            self.carry.extend_from_slice(&self.piece[start..end]);
            self.carry_given = true;
            &self.carry
        };
        if line.len() > MAX_LINE {
            return Err(too_long(self.count));
        }
        Ok(Some((self.count, line)))
    }

    /// At the end of the payload: no line may be left unfinished.
    pub fn finish(&self) -> Result<()> {
        if self.carry_given || self.carry.is_empty() {
            Ok(())
        } else {
            Err(ExchangeError::MalformedRecord {
                line: self.count + 1,
                reason: "最後のレコードに改行がありません".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{
        write_preamble, write_section, MAX_DATA, TAG_DATA, TAG_HEAD, TAG_MANIFEST, TAG_SIGNATURE,
    };

    /// A container (not encrypted) holding `payload`, then `after` in
    /// place of the manifest and signature.
    fn container(payload: &[u8], after: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::new();
        write_preamble(&mut out).unwrap();
        write_section(&mut out, TAG_HEAD, b"{}").unwrap();
        for section in payload.chunks(MAX_DATA as usize / 3) {
            write_section(&mut out, TAG_DATA, section).unwrap();
        }
        match after {
            None => {
                write_section(&mut out, TAG_MANIFEST, b"{}").unwrap();
                write_section(&mut out, TAG_SIGNATURE, &[0; 64]).unwrap();
            }
            Some(bytes) => out.extend_from_slice(bytes),
        }
        out
    }

    fn pieces(file: &[u8]) -> (Vec<Vec<u8>>, Option<ExchangeError>) {
        let (mut stream, _) = PayloadStream::start(file).unwrap();
        let mut reader = PieceReader::new();
        let mut out = Vec::new();
        loop {
            match reader.next(&mut stream, Vec::new()) {
                Ok(Some(piece)) => out.push(piece),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn pieces_end_at_line_ends_and_hold_the_payload() {
        let mut payload = Vec::new();
        let mut n = 0;
        while payload.len() < 3 * PIECE {
            payload.extend_from_slice(format!("{n} 新宿区{}\n", "あ".repeat(n % 97)).as_bytes());
            n += 1;
        }
        payload.extend(vec![b'x'; PIECE + 10]);
        payload.extend_from_slice("花\n最後".as_bytes());
        let (got, error) = pieces(&container(&payload, None));
        assert!(error.is_none());
        let mut joined = Vec::new();
        for bytes in &got {
            // Cut after the last line end in it, unless it is the last
            // piece or part of one long line.
            assert!(
                bytes.ends_with(b"\n")
                    || !bytes.contains(&b'\n')
                    || joined.len() + bytes.len() == payload.len()
            );
            joined.extend_from_slice(bytes);
        }
        assert_eq!(joined, payload);
        assert!(got.len() >= 5);
    }

    #[test]
    fn bytes_before_a_fault_come_before_it() {
        let payload = b"one\ntwo\nthr";
        let (got, error) = pieces(&container(payload, Some(b"Z\0\0\0\x01z")));
        let joined: Vec<u8> = got.concat();
        assert_eq!(joined, payload);
        assert!(
            matches!(error, Some(ExchangeError::Corrupted { .. })),
            "{error:?}"
        );
    }

    /// All lines of `payload` cut into pieces of `size`, or the error.
    fn lines(payload: &[u8], size: usize) -> Result<Vec<Vec<u8>>> {
        let mut cursor = LineCursor::new();
        let mut out = Vec::new();
        for piece in payload.chunks(size) {
            cursor.refill(piece.to_vec());
            while let Some((number, line)) = cursor.next_line()? {
                assert_eq!(number, out.len() as u64 + 1);
                out.push(line.to_vec());
            }
        }
        cursor.finish()?;
        assert_eq!(cursor.count(), out.len() as u64);
        Ok(out)
    }

    #[test]
    fn same_lines_whatever_the_pieces() {
        let payload = b"a\n\nbcd\nefghij\n".to_vec();
        let want: Vec<Vec<u8>> = vec![b"a".to_vec(), vec![], b"bcd".to_vec(), b"efghij".to_vec()];
        for size in 1..=payload.len() {
            assert_eq!(lines(&payload, size).unwrap(), want, "{size}");
        }
        assert!(lines(b"", 1).unwrap().is_empty());
    }

    #[test]
    fn last_line_needs_its_newline() {
        for size in [1, 2, 100] {
            let e = lines(b"a\nb", size).unwrap_err();
            assert!(
                matches!(e, ExchangeError::MalformedRecord { line: 2, ref reason } if reason.contains("改行")),
                "{e:?}"
            );
        }
    }

    #[test]
    fn lines_longer_than_the_limit() {
        let mut payload = vec![b'x'; MAX_LINE];
        payload.push(b'\n');
        for size in [4096, MAX_LINE + 1] {
            assert_eq!(lines(&payload, size).unwrap().len(), 1);
        }
        let mut long = b"a\n".to_vec();
        long.extend(vec![b'x'; MAX_LINE + 1]);
        for tail in [&b"\n"[..], b""] {
            let mut payload = long.clone();
            payload.extend_from_slice(tail);
            for size in [4096, 3 * MAX_LINE] {
                let e = lines(&payload, size).unwrap_err();
                assert!(
                    matches!(e, ExchangeError::MalformedRecord { line: 2, ref reason } if reason.contains("1 MiB")),
                    "{e:?}"
                );
            }
        }
    }
}
