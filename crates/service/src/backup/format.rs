//! The backup file inside its age encryption: JSON Lines. A header, then
//! per table a line naming its columns, one JSON array per row (BLOBs in
//! base64) and a closing line with the row count and digest, then an end
//! line. Nothing in it depends on the backend it came from.

use crate::error::{Result, ServiceError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use itaku_crypto::{sha256, sha256_hex};
use itaku_store::{Cell, ColumnKind, TableSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const BACKUP_FORMAT: &str = "itaku-backup/v1";

/// Columns never written to a database backup: vault keys — and the
/// narrower keys of seminar events and questionnaires — live only in the
/// key escrow, so destroying a key also defeats every old backup.
pub const NEVER_BACKED_UP: [(&str, &str); 3] = [
    ("vaults", "wrapped_key"),
    ("seminar_events", "wrapped_key"),
    ("anketo_questionnaires", "wrapped_key"),
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BackupHeader {
    pub format: String,
    pub created_at: String,
    /// The backend the backup was taken from (for information only).
    pub backend: String,
    /// Migrations applied to the source; a restore target must match.
    pub migrations: Vec<i64>,
    /// The installation's audit public key (hex).
    pub audit_public_key: String,
    pub tables: Vec<String>,
}

/// A table's opening line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableStart {
    pub table: String,
    pub columns: Vec<(String, String)>,
}

/// A table's closing line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableEnd {
    pub end: String,
    pub rows: u64,
    pub digest: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupEnd {
    pub end_of_backup: bool,
    pub tables: u64,
    pub rows: u64,
}

/// One table's count and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDigest {
    pub table: String,
    pub rows: u64,
    pub digest: String,
}

/// An order-independent digest of a table's rows: the sum (mod 2^256) of
/// each row line's SHA-256. The same rows read back in another order, from
/// another backend, give the same digest.
#[derive(Debug, Clone, Default)]
pub(crate) struct Digest {
    rows: u64,
    sum: [u8; 32],
}

impl Digest {
    pub fn add(&mut self, line: &[u8]) {
        let h = sha256(line);
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let s = u16::from(self.sum[i]) + u16::from(h[i]) + carry;
            self.sum[i] = (s & 0xff) as u8;
            carry = s >> 8;
        }
        self.rows += 1;
    }

    pub fn finish(&self, table: &str) -> TableDigest {
        let mut m = b"itaku-backup-table\0".to_vec();
        m.extend_from_slice(table.as_bytes());
        m.push(0);
        m.extend_from_slice(&self.rows.to_be_bytes());
        m.extend_from_slice(&self.sum);
        TableDigest {
            table: table.to_owned(),
            rows: self.rows,
            digest: sha256_hex(&m),
        }
    }
}

/// Which of a table's columns are written as NULL.
pub(crate) fn withheld(table: &TableSchema) -> Vec<bool> {
    table
        .columns
        .iter()
        .map(|(c, _)| NEVER_BACKED_UP.contains(&(table.name.as_str(), c.as_str())))
        .collect()
}

pub(crate) fn table_start(table: &TableSchema) -> TableStart {
    TableStart {
        table: table.name.clone(),
        columns: table
            .columns
            .iter()
            .map(|(c, k)| (c.clone(), k.code().to_owned()))
            .collect(),
    }
}

/// A row as its JSON line (no newline).
pub(crate) fn row_line(cells: &[Cell]) -> String {
    let values: Vec<Value> = cells
        .iter()
        .map(|c| match c {
            Cell::Null => Value::Null,
            Cell::Int(v) => Value::from(*v),
            Cell::Text(s) => Value::from(s.as_str()),
            Cell::Blob(b) => Value::from(STANDARD.encode(b)),
        })
        .collect();
    Value::Array(values).to_string()
}

fn bad(what: &str) -> ServiceError {
    ServiceError::Invalid(format!(
        "バックアップファイルの内容が壊れています（{what}）"
    ))
}

/// A row line back into cells, by the columns' kinds.
pub(crate) fn parse_row(line: &str, kinds: &[ColumnKind]) -> Result<Vec<Cell>> {
    let values: Vec<Value> = serde_json::from_str(line).map_err(|_| bad("行"))?;
    if values.len() != kinds.len() {
        return Err(bad("列の数"));
    }
    values
        .into_iter()
        .zip(kinds)
        .map(|(v, k)| match (v, k) {
            (Value::Null, _) => Ok(Cell::Null),
            (Value::Number(n), ColumnKind::Int) => {
                n.as_i64().map(Cell::Int).ok_or_else(|| bad("整数"))
            }
            (Value::String(s), ColumnKind::Text) => Ok(Cell::Text(s)),
            (Value::String(s), ColumnKind::Blob) => STANDARD
                .decode(s.as_bytes())
                .map(Cell::Blob)
                .map_err(|_| bad("base64")),
            _ => Err(bad("値の型")),
        })
        .collect()
}

/// One line of a backup file, as read.
pub(crate) enum Line {
    Start(TableStart),
    Row(String),
    End(TableEnd),
    Finish(BackupEnd),
}

pub(crate) fn parse_line(line: String) -> Result<Line> {
    if line.starts_with('[') {
        return Ok(Line::Row(line));
    }
    let v: Value = serde_json::from_str(&line).map_err(|_| bad("制御行"))?;
    let decode = |v: Value| -> Result<Line> {
        if v.get("table").is_some() {
            serde_json::from_value(v).map(Line::Start)
        } else if v.get("end").is_some() {
            serde_json::from_value(v).map(Line::End)
        } else {
            serde_json::from_value(v).map(Line::Finish)
        }
        .map_err(|_| bad("制御行"))
    };
    decode(v)
}

/// The kinds named by a table's opening line.
pub(crate) fn start_kinds(s: &TableStart) -> Result<Vec<ColumnKind>> {
    s.columns
        .iter()
        .map(|(_, k)| ColumnKind::parse(k).ok_or_else(|| bad("列の型")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_ignores_order_but_not_content_or_duplicates() {
        let mut a = Digest::default();
        let mut b = Digest::default();
        for l in ["[1,\"a\"]", "[2,\"b\"]", "[3,null]"] {
            a.add(l.as_bytes());
        }
        for l in ["[3,null]", "[1,\"a\"]", "[2,\"b\"]"] {
            b.add(l.as_bytes());
        }
        assert_eq!(a.finish("t"), b.finish("t"));
        assert_ne!(a.finish("t").digest, a.finish("u").digest);
        let mut c = a.clone();
        c.add(b"[1,\"a\"]");
        assert_ne!(c.finish("t").digest, a.finish("t").digest);
        let mut d = Digest::default();
        for l in ["[1,\"a\"]", "[2,\"b\"]", "[3,0]"] {
            d.add(l.as_bytes());
        }
        assert_ne!(d.finish("t").digest, a.finish("t").digest);
    }

    #[test]
    fn rows_round_trip_by_column_kind() {
        let cells = vec![
            Cell::Int(-7),
            Cell::Text("髙橋　花子 \"quoted\"\n".into()),
            Cell::Blob(vec![0, 255, 10, 13]),
            Cell::Null,
        ];
        let kinds = [
            ColumnKind::Int,
            ColumnKind::Text,
            ColumnKind::Blob,
            ColumnKind::Blob,
        ];
        let line = row_line(&cells);
        assert!(!line.contains('\n'));
        assert_eq!(parse_row(&line, &kinds).unwrap(), cells);
        assert!(parse_row(&line, &kinds[..3]).is_err());
        assert!(parse_row("[\"x\",\"y\",\"z\",null]", &kinds).is_err());
    }
}
