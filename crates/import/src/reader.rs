//! Streaming records out of an export, in bytes: CSV is split on bytes
//! (CP932's trail bytes never equal `,` `"` CR or LF, so this is safe) and
//! each field is decoded on its own, so a bad byte rejects one row, not the
//! file. Memory stays bounded whatever the file size.

use crate::profile::{Format, Profile, ProfileError};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

/// Counts line ends as bytes pass to the CSV parser, so a record's physical
/// line is known exactly (quoted fields may hold line breaks, blank lines
/// are skipped by the parser).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    newlines: Rc<RefCell<VecDeque<u64>>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.newlines.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                q.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// One record as it stood in the file.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based physical line where the record starts (the header is line 1).
    pub line: u64,
    pub fields: Vec<Vec<u8>>,
}

enum Inner<R: Read> {
    Csv {
        reader: Box<csv::Reader<LineCounter<R>>>,
        record: csv::ByteRecord,
        newlines: Rc<RefCell<VecDeque<u64>>>,
        /// Line ends already passed.
        passed: u64,
    },
    Fixed {
        lines: BufReader<R>,
        widths: Vec<usize>,
        line: u64,
        buf: Vec<u8>,
    },
}

pub struct RecordReader<R: Read> {
    inner: Inner<R>,
    first: bool,
}

impl<R: Read> RecordReader<R> {
    pub fn new(input: R, profile: &Profile) -> Result<Self, ProfileError> {
        let inner = match profile.format {
            Format::Csv => {
                let newlines = Rc::new(RefCell::new(VecDeque::new()));
                let counter = LineCounter {
                    inner: input,
                    offset: 0,
                    newlines: newlines.clone(),
                };
                Inner::Csv {
                    reader: Box::new(
                        csv::ReaderBuilder::new()
                            .has_headers(false)
                            .flexible(true)
                            .from_reader(counter),
                    ),
                    record: csv::ByteRecord::new(),
                    newlines,
                    passed: 0,
                }
            }
            Format::Fixed => {
                if profile.fixed.is_empty() {
                    return Err(ProfileError::NoFixedColumns);
                }
                Inner::Fixed {
                    lines: BufReader::with_capacity(1 << 16, input),
                    widths: profile.fixed.iter().map(|c| c.bytes).collect(),
                    line: 0,
                    buf: Vec::new(),
                }
            }
        };
        Ok(Self { inner, first: true })
    }

    /// The next record, or an unreadable line (line number, reason).
    pub fn next_record(&mut self) -> Option<Result<RawRecord, (u64, String)>> {
        let strip_bom = std::mem::replace(&mut self.first, false);
        let mut rec = match &mut self.inner {
            Inner::Csv {
                reader,
                record,
                newlines,
                passed,
            } => {
                let read = reader.read_byte_record(record);
                let start = match &read {
                    Ok(_) => record.position().map(|p| p.byte()).unwrap_or(0),
                    Err(e) => e.position().map(|p| p.byte()).unwrap_or(0),
                };
                let mut q = newlines.borrow_mut();
                // After CRLF the parser puts the next record at the LF: count it too.
                while q.front().is_some_and(|o| *o <= start) {
                    q.pop_front();
                    *passed += 1;
                }
                let line = *passed + 1;
                match read {
                    Ok(false) => return None,
                    Ok(true) => RawRecord {
                        line,
                        fields: record.iter().map(<[u8]>::to_vec).collect(),
                    },
                    Err(e) => return Some(Err((line, format!("CSVとして読めません（{e}）")))),
                }
            }
            Inner::Fixed {
                lines,
                widths,
                line,
                buf,
            } => {
                buf.clear();
                match lines.read_until(b'\n', buf) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err((*line + 1, format!("読み込めません（{e}）")))),
                }
                *line += 1;
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                let body = if strip_bom {
                    itaku_jp::strip_bom(buf)
                } else {
                    &buf[..]
                };
                let total: usize = widths.iter().sum();
                if body.len() != total {
                    return Some(Err((
                        *line,
                        format!(
                            "固定長の行の長さが {} バイトです（設定では {total} バイト）",
                            body.len()
                        ),
                    )));
                }
                let mut fields = Vec::with_capacity(widths.len());
                let mut at = 0;
                for w in widths.iter() {
                    fields.push(body[at..at + w].to_vec());
                    at += w;
                }
                return Some(Ok(RawRecord {
                    line: *line,
                    fields,
                }));
            }
        };
        if strip_bom {
            if let Some(f) = rec.fields.first_mut() {
                let stripped = itaku_jp::strip_bom(f).to_vec();
                *f = stripped;
            }
        }
        Some(Ok(rec))
    }
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<RawRecord, (u64, String)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}
