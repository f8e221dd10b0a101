//! A whole file, pulled row by row: header, rejections, duplicates within
//! the file (stored once), likely duplicates across keys (listed for a
//! person to decide), 外字 flags, and the counts of the report.

use crate::profile::{Format, Profile, ProfileError};
use crate::reader::RecordReader;
use crate::row::{GaijiFlag, ParsedRow, Rejection, RowParser};
use itaku_core::Item;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;

/// Two rows with different 宛名番号 that look like the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LikelyDuplicate {
    pub line: u64,
    pub atena_no: String,
    pub other_line: u64,
    pub other_atena_no: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    pub profile: String,
    pub data_rows: u64,
    pub accepted: u64,
    pub rejected_rows: u64,
    pub duplicate_rows: u64,
    pub rejections: Vec<Rejection>,
    pub notes: Vec<Rejection>,
    pub gaiji: Vec<GaijiFlag>,
    pub unknown_columns: Vec<String>,
    pub likely_duplicates: Vec<LikelyDuplicate>,
}

impl ScanReport {
    /// Lines the import did not store (rejected or duplicate).
    pub fn rejected_lines(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.rejections.iter().map(|r| r.line).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

pub struct Scanner<R: Read> {
    reader: RecordReader<R>,
    parser: RowParser,
    report: ScanReport,
    /// hash(宛名番号) → (line, fingerprint of the values). Hashes, not
    /// strings, keep a million-row file's maps to tens of megabytes.
    seen: HashMap<u64, (u64, u64)>,
    /// hash(kana key, birth date, address key) → (line, compact 宛名番号).
    lookalike: HashMap<u64, (u64, Compact)>,
    /// The item rows are matched on (宛名番号, or 受診券整理番号 for results).
    key: Item,
}

/// A 宛名番号 in 9 bytes: its digits as a number and their count (0 when
/// it is not all digits, and only its hash is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Compact(u64, u8);

impl Compact {
    fn of(atena: &str) -> Self {
        match atena.parse::<u64>() {
            Ok(n) if atena.len() <= 19 && atena.bytes().all(|b| b.is_ascii_digit()) => {
                Compact(n, atena.len() as u8)
            }
            _ => Compact(hash_of(atena), 0),
        }
    }

    fn text(self) -> String {
        match self.1 {
            0 => String::new(),
            w => format!("{:0w$}", self.0, w = usize::from(w)),
        }
    }
}

fn hash_of(v: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn fingerprint(values: &std::collections::BTreeMap<Item, String>) -> u64 {
    let mut h = DefaultHasher::new();
    values.hash(&mut h);
    h.finish()
}

impl<R: Read> Scanner<R> {
    /// Read the header (or take the fixed layout) and check it against the profile.
    pub fn new(input: R, profile: &Profile) -> Result<Self, ProfileError> {
        let mut reader = RecordReader::new(input, profile)?;
        let encoding = profile.source_encoding()?;
        let names = match profile.format {
            Format::Csv if profile.header => match reader.next_record() {
                Some(Ok(rec)) => RowParser::header_names(&rec, encoding)
                    .map_err(|r| ProfileError::Toml(r.reason))?,
                Some(Err((_, reason))) => return Err(ProfileError::Toml(reason)),
                None => Vec::new(),
            },
            Format::Csv => {
                return Err(ProfileError::Toml(
                    "CSVには見出し行が必要です（header = true）".into(),
                ))
            }
            Format::Fixed => {
                if profile.header {
                    let _ = reader.next_record();
                }
                profile.fixed.iter().map(|c| c.name.clone()).collect()
            }
        };
        let (parser, unknown) = RowParser::new(profile, names)?;
        let report = ScanReport {
            profile: profile.name.clone(),
            unknown_columns: unknown,
            ..Default::default()
        };
        Ok(Self {
            reader,
            parser,
            report,
            seen: HashMap::new(),
            lookalike: HashMap::new(),
            key: profile.key_item()?,
        })
    }

    pub fn column_names(&self) -> &[String] {
        self.parser.column_names()
    }

    /// The next row to store; rejected and duplicate rows are recorded and skipped.
    pub fn next_row(&mut self) -> Option<ParsedRow> {
        loop {
            let rec = match self.reader.next_record()? {
                Ok(r) => r,
                Err((line, reason)) => {
                    self.report.data_rows += 1;
                    self.report.rejected_rows += 1;
                    self.report.rejections.push(Rejection {
                        line,
                        column: String::new(),
                        value: String::new(),
                        reason,
                    });
                    continue;
                }
            };
            if rec
                .fields
                .iter()
                .all(|f| f.iter().all(|b| b.is_ascii_whitespace()))
            {
                continue; // blank line
            }
            self.report.data_rows += 1;
            match self.parser.parse(&rec) {
                Err(rs) => {
                    self.report.rejected_rows += 1;
                    self.report.rejections.extend(rs);
                }
                Ok(row) => {
                    let atena = row.values.get(&self.key).cloned().unwrap_or_default();
                    if atena.is_empty() {
                        // Only an optional key (受診券整理番号) can be blank.
                        self.report.rejected_rows += 1;
                        self.report.rejections.push(Rejection {
                            line: row.line,
                            column: self.key.label().into(),
                            value: String::new(),
                            reason: format!("{}が空です", self.key.label()),
                        });
                        continue;
                    }
                    let fp = fingerprint(&row.values);
                    let atena_hash = hash_of(&atena);
                    if let Some((first, first_fp)) = self.seen.get(&atena_hash).copied() {
                        self.report.duplicate_rows += 1;
                        let reason = if first_fp == fp {
                            format!("{first}行目と同じ内容の重複です（1件として登録します）")
                        } else {
                            format!("{}が{first}行目と同じで内容が異なります（{first}行目を登録し、この行は登録しません）", self.key.label())
                        };
                        self.report.rejections.push(Rejection {
                            line: row.line,
                            column: self.key.label().into(),
                            value: atena,
                            reason,
                        });
                        continue;
                    }
                    self.seen.insert(atena_hash, (row.line, fp));
                    self.note_lookalike(&row, &atena);
                    self.report.accepted += 1;
                    self.report.gaiji.extend(row.gaiji.iter().cloned());
                    self.report.notes.extend(row.notes.iter().cloned());
                    return Some(row);
                }
            }
        }
    }

    fn note_lookalike(&mut self, row: &ParsedRow, atena: &str) {
        let (Some(kana), Some(birth)) = (
            row.values.get(&Item::KanaShimei),
            row.values.get(&Item::Seinengappi),
        ) else {
            return;
        };
        let addr = row
            .values
            .get(&Item::Jusho)
            .map(|a| itaku_jp::address_compare_key(a))
            .unwrap_or_default();
        let mut h = DefaultHasher::new();
        (itaku_jp::search_key(kana), birth, addr).hash(&mut h);
        let key = h.finish();
        let me = Compact::of(atena);
        match self.lookalike.get(&key).copied() {
            // The same 宛名番号 again is a duplicate, reported as such.
            Some((line, other)) if other != me => {
                self.report.likely_duplicates.push(LikelyDuplicate {
                    line: row.line,
                    atena_no: atena.to_owned(),
                    other_line: line,
                    other_atena_no: other.text(),
                })
            }
            Some(_) => {}
            None => {
                self.lookalike.insert(key, (row.line, me));
            }
        }
    }

    pub fn finish(mut self) -> ScanReport {
        self.report.rejections.sort_by_key(|r| r.line);
        self.report
    }
}
