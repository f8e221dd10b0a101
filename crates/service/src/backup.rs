//! Logical backups: every table in foreign-key order as JSON Lines inside
//! an age file, taken from one consistent snapshot, verified by reading it
//! back before it is given its name. The same file restores into SQLite or
//! PostgreSQL. Vault keys are never in it: they go into a separate key
//! escrow file holding only live keys, so destroying a vault's key also
//! defeats every earlier database backup of that vault.

mod escrow;
mod format;
mod key;
mod restore;

pub use escrow::{read_key_escrow, DestroyedVault, EscrowReport, EscrowedKey, KeyEscrow};
pub use format::{BackupHeader, TableDigest, BACKUP_FORMAT, NEVER_BACKED_UP};
pub use key::BackupKey;
pub use restore::{restore_backup, RestoreReport};

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::ts;
use crate::{Actor, Service};
use format::{parse_line, parse_row, row_line, start_kinds, table_start, withheld, Digest, Line};
use itaku_crypto::sha256_hex;
use itaku_policy::Action;
use itaku_store::Cell;
use serde::Serialize;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub created_at: String,
    pub tables: Vec<TableDigest>,
    pub rows: u64,
    pub bytes: u64,
    /// SHA-256 of the encrypted file, for the backup log.
    pub file_sha256: String,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("{} の読み書きに失敗しました: {e}", path.display()))
}

/// `FILE.partial` beside `FILE`: written, verified, then renamed.
pub(crate) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Write with `f` into `out` atomically: a `.partial` file first, checked
/// by `verify`, renamed only when both succeed; removed otherwise.
pub(crate) fn write_verified<T>(
    out: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
    verify: impl FnOnce(&Path, &T) -> Result<()>,
) -> Result<T> {
    if out.exists() {
        return Err(ServiceError::Invalid(format!(
            "{} は既にあります。別のファイル名を指定してください",
            out.display()
        )));
    }
    let partial = partial_path(out);
    let run = || -> Result<T> {
        let file = key::create_private(&partial)?;
        let mut w = BufWriter::new(file);
        let made = write(&mut w)?;
        let file = w.into_inner().map_err(|e| io_error(&partial, e))?;
        file.sync_all().map_err(|e| io_error(&partial, e))?;
        verify(&partial, &made)?;
        std::fs::rename(&partial, out).map_err(|e| io_error(out, e))?;
        Ok(made)
    };
    let result = run();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Read a whole backup file, checking every table's count and digest
/// against its closing line. Returns the header and the digests.
pub fn verify_backup_file(
    path: &Path,
    key: &BackupKey,
) -> Result<(BackupHeader, Vec<TableDigest>)> {
    let mut reader = BackupReader::open(path, key)?;
    let mut digests = Vec::new();
    while let Some(event) = reader.next_event()? {
        if let Event::TableEnd(d) = event {
            digests.push(d);
        }
    }
    Ok((reader.header, digests))
}

/// What the reader hands out, in file order.
pub(crate) enum Event {
    TableStart(format::TableStart),
    Row(Vec<Cell>),
    /// The table's rows matched its closing line's count and digest.
    TableEnd(TableDigest),
}

/// A backup file read line by line: every table's digest is checked at its
/// closing line, and the end of the stream only counts after the end line.
pub(crate) struct BackupReader {
    lines: std::io::Lines<Box<dyn BufRead>>,
    pub header: BackupHeader,
    current: Option<(format::TableStart, Vec<itaku_store::ColumnKind>, Digest)>,
    seen: Vec<String>,
    total: u64,
    finished: bool,
}

fn damaged(what: &str) -> ServiceError {
    ServiceError::Invalid(format!("バックアップファイルが壊れています（{what}）"))
}

impl BackupReader {
    pub fn open(path: &Path, key: &BackupKey) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        let reader: Box<dyn BufRead> =
            Box::new(BufReader::with_capacity(1 << 20, key.decrypt(file)?));
        let mut lines = reader.lines();
        let first = lines
            .next()
            .transpose()
            .map_err(|e| damaged(&format!("読み取り: {e}")))?
            .ok_or_else(|| damaged("空のファイル"))?;
        let header: BackupHeader = serde_json::from_str(&first).map_err(|_| damaged("見出し"))?;
        if header.format != BACKUP_FORMAT {
            return Err(ServiceError::Invalid(format!(
                "itaku のバックアップファイル（{BACKUP_FORMAT}）ではありません"
            )));
        }
        Ok(Self {
            lines,
            header,
            current: None,
            seen: Vec::new(),
            total: 0,
            finished: false,
        })
    }

    fn line(&mut self) -> Result<Option<String>> {
        self.lines
            .next()
            .transpose()
            .map_err(|e| damaged(&format!("読み取り: {e}")))
    }

    /// The next event; None once the end line has been read and checked.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        if self.finished {
            return Ok(None);
        }
        let Some(line) = self.line()? else {
            return Err(damaged("途中で切れています"));
        };
        match (parse_line(line)?, self.current.as_mut()) {
            (Line::Start(s), None) => {
                let kinds = start_kinds(&s)?;
                self.current = Some((s.clone(), kinds, Digest::default()));
                Ok(Some(Event::TableStart(s)))
            }
            (Line::Row(l), Some((_, kinds, digest))) => {
                digest.add(l.as_bytes());
                Ok(Some(Event::Row(parse_row(&l, kinds)?)))
            }
            (Line::End(e), Some((start, _, digest))) if e.end == start.table => {
                let d = digest.finish(&start.table);
                if d.rows != e.rows || d.digest != e.digest {
                    return Err(damaged(&format!("表 {} のダイジェスト不一致", e.end)));
                }
                self.total += d.rows;
                self.seen.push(d.table.clone());
                self.current = None;
                Ok(Some(Event::TableEnd(d)))
            }
            (Line::Finish(f), None) => {
                if !f.end_of_backup || f.tables != self.seen.len() as u64 || f.rows != self.total {
                    return Err(damaged("末尾の件数"));
                }
                if self.seen != self.header.tables {
                    return Err(damaged("表の一覧"));
                }
                if self.line()?.is_some() {
                    return Err(damaged("末尾の後のデータ"));
                }
                self.finished = true;
                Ok(None)
            }
            _ => Err(damaged("行の順序")),
        }
    }
}

fn write_line(w: &mut dyn Write, line: &str) -> Result<()> {
    w.write_all(line.as_bytes())
        .and_then(|_| w.write_all(b"\n"))
        .map_err(|e| ServiceError::Internal(format!("バックアップの書き込みに失敗しました: {e}")))
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Service {
    /// Write a logical backup of the whole database to `out`, encrypted
    /// with `key`, and verify it by reading it back. Audited before and
    /// after (ward administrators and the system only).
    pub async fn backup_to(
        &self,
        actor: &Actor,
        out: &Path,
        key: &BackupKey,
    ) -> Result<BackupReport> {
        if out.exists() {
            return Err(ServiceError::Invalid(format!(
                "{} は既にあります。別のファイル名を指定してください",
                out.display()
            )));
        }
        let op = self
            .begin(actor, OpRequest::system(Action::Export, "backup"))
            .await?;
        op.finish(&[], &format!("backup started: {}", out.display()))
            .await?;
        let migrations = self.inner.store.applied_migrations().await?;
        let mut tx = self.inner.store.begin_snapshot().await?;
        let tables = tx.schema_tables().await?;
        let header = BackupHeader {
            format: BACKUP_FORMAT.into(),
            created_at: ts(self.now()),
            backend: self.backend_name().into(),
            migrations,
            audit_public_key: hex::encode(self.inner.signer.verifying_key().to_bytes()),
            tables: tables.iter().map(|t| t.name.clone()).collect(),
        };
        // The file is written from inside the snapshot's transaction; the
        // writer is synchronous, so it is driven row by row from here.
        let partial = partial_path(out);
        let f = key::create_private(&partial)?;
        let written = async {
            let mut w = key.encrypt(BufWriter::with_capacity(1 << 20, f))?;
            write_line(&mut w, &json(&header)?)?;
            let mut digests = Vec::with_capacity(tables.len());
            for t in &tables {
                write_line(&mut w, &json(&table_start(t))?)?;
                let hide = withheld(t);
                let mut digest = Digest::default();
                tx.each_row(t, |mut cells: Vec<Cell>| -> Result<()> {
                    for (c, h) in cells.iter_mut().zip(&hide) {
                        if *h {
                            *c = Cell::Null;
                        }
                    }
                    let line = row_line(&cells);
                    digest.add(line.as_bytes());
                    write_line(&mut w, &line)
                })
                .await?;
                let d = digest.finish(&t.name);
                write_line(
                    &mut w,
                    &json(&format::TableEnd {
                        end: t.name.clone(),
                        rows: d.rows,
                        digest: d.digest.clone(),
                    })?,
                )?;
                digests.push(d);
            }
            let rows = digests.iter().map(|d| d.rows).sum();
            write_line(
                &mut w,
                &json(&format::BackupEnd {
                    end_of_backup: true,
                    tables: digests.len() as u64,
                    rows,
                })?,
            )?;
            let buf = w.finish().map_err(|e| io_error(&partial, e))?;
            let f = buf.into_inner().map_err(|e| io_error(&partial, e))?;
            f.sync_all().map_err(|e| io_error(&partial, e))?;
            Ok::<_, ServiceError>((digests, rows))
        }
        .await;
        tx.rollback().await?;
        let checked = written.and_then(|(digests, rows)| {
            // Read back what was written: every table must come back with
            // the digest computed from the database.
            let (_, back) = verify_backup_file(&partial, key)?;
            if back != digests {
                return Err(ServiceError::Internal(
                    "書き込んだバックアップを読み戻した結果が一致しません".into(),
                ));
            }
            std::fs::rename(&partial, out).map_err(|e| io_error(out, e))?;
            Ok((digests, rows))
        });
        let (tables, rows) = match checked {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        let bytes = std::fs::read(out).map_err(|e| io_error(out, e))?;
        let report = BackupReport {
            path: out.to_owned(),
            created_at: header.created_at,
            tables,
            rows,
            bytes: bytes.len() as u64,
            file_sha256: sha256_hex(&bytes),
        };
        let op = self
            .begin(actor, OpRequest::system(Action::Export, "backup"))
            .await?;
        op.finish(
            &[],
            &format!(
                "backup written and verified: {} tables, {} rows, {} bytes, sha256={} (vault keys not included)",
                report.tables.len(),
                report.rows,
                report.bytes,
                report.file_sha256
            ),
        )
        .await?;
        Ok(report)
    }
}

/// One table of a backup as JSON objects by column name (BLOBs base64),
/// for inspection and tests. The whole file is read and checked.
pub fn backup_table(
    path: &Path,
    key: &BackupKey,
    table: &str,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut reader = BackupReader::open(path, key)?;
    let mut columns: Option<Vec<String>> = None;
    let mut out = Vec::new();
    while let Some(event) = reader.next_event()? {
        match event {
            Event::TableStart(s) => {
                columns = (s.table == table).then(|| s.columns.into_iter().map(|c| c.0).collect())
            }
            Event::Row(cells) => {
                if let Some(cols) = &columns {
                    let values: Vec<serde_json::Value> =
                        serde_json::from_str(&row_line(&cells)).unwrap_or_default();
                    out.push(cols.iter().cloned().zip(values).collect());
                }
            }
            Event::TableEnd(_) => columns = None,
        }
    }
    Ok(out)
}

/// Read a backup's header only (to say what a file is before restoring).
pub fn backup_header(path: &Path, key: &BackupKey) -> Result<BackupHeader> {
    Ok(BackupReader::open(path, key)?.header)
}
