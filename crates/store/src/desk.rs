//! The inquiry desk's records (問合せ窓口): inquiries with their sealed
//! payload and note, the voucher re-issue queue, changes of address for the
//! ward. Sealed
//! columns are opaque bytes here; the service seals and opens them.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct InquiryRow {
    pub id: i64,
    pub contract_id: i64,
    pub purpose: String,
    pub kind: String,
    pub person_id: Option<i64>,
    pub seal_ref: String,
    pub payload: Vec<u8>,
    pub caller_items: String,
    pub purpose_read: i64,
    pub note: Option<Vec<u8>>,
    pub note_state: String,
    pub note_flags: String,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub received_at: String,
    pub user_id: Option<i64>,
    pub operator: String,
}

const INQUIRY_COLS: &str = "id, contract_id, purpose, kind, person_id, seal_ref, payload, \
    caller_items, purpose_read, note, note_state, note_flags, reviewed_at, reviewed_by, \
    received_at, user_id, operator";

pub struct NewInquiry<'a> {
    pub contract_id: i64,
    pub purpose: &'a str,
    pub kind: &'a str,
    pub person_id: Option<i64>,
    pub seal_ref: &'a str,
    pub payload: &'a [u8],
    pub caller_items: &'a str,
    pub purpose_read: bool,
    pub note: Option<&'a [u8]>,
    pub note_state: &'a str,
    pub note_flags: &'a str,
    pub received_at: &'a str,
    pub user_id: Option<i64>,
    pub operator: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct ReissueRow {
    pub id: i64,
    pub contract_id: i64,
    pub inquiry_id: i64,
    pub campaign_id: i64,
    pub person_id: i64,
    pub queued_at: String,
    pub print_run_id: Option<i64>,
    pub printed_at: Option<String>,
}

const REISSUE_COLS: &str =
    "id, contract_id, inquiry_id, campaign_id, person_id, queued_at, print_run_id, printed_at";

#[derive(Debug, Clone, FromRow)]
pub struct AddressChangeRow {
    pub id: i64,
    pub contract_id: i64,
    pub inquiry_id: i64,
    pub ward_person_id: Option<i64>,
    pub seal_ref: String,
    pub sealed: Vec<u8>,
    pub received_at: String,
    pub handled_at: Option<String>,
    pub handled_by: Option<String>,
}

const ADDRESS_COLS: &str = "id, contract_id, inquiry_id, ward_person_id, seal_ref, sealed, \
    received_at, handled_at, handled_by";

impl Tx {
    pub async fn insert_inquiry(&mut self, n: &NewInquiry<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO desk_inquiries (contract_id, purpose, kind, person_id, seal_ref, payload, \
             caller_items, purpose_read, note, note_state, note_flags, received_at, user_id, operator) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(n.contract_id)
            .bind(n.purpose)
            .bind(n.kind)
            .bind(n.person_id)
            .bind(n.seal_ref)
            .bind(n.payload)
            .bind(n.caller_items)
            .bind(i64::from(n.purpose_read))
            .bind(n.note)
            .bind(n.note_state)
            .bind(n.note_flags)
            .bind(n.received_at)
            .bind(n.user_id)
            .bind(n.operator)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn inquiry(&mut self, contract_id: i64, id: i64) -> Result<Option<InquiryRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {INQUIRY_COLS} FROM desk_inquiries WHERE contract_id = $1 AND id = $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// The contract's inquiries, newest first; `state` filters on the
    /// note's state (e.g. only the held ones).
    pub async fn inquiries(
        &mut self,
        contract_id: i64,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<InquiryRow>> {
        let filter = if state.is_some() {
            " AND note_state = $3"
        } else {
            ""
        };
        let sql = self
            .sql(&format!(
                "SELECT {INQUIRY_COLS} FROM desk_inquiries WHERE contract_id = $1{filter} \
                 ORDER BY id DESC LIMIT $2"
            ))
            .into_owned();
        let mut q = sqlx::query_as(&sql).bind(contract_id).bind(limit);
        if let Some(s) = state {
            q = q.bind(s);
        }
        Ok(q.fetch_all(&mut *self.inner).await?)
    }

    /// Move a held note on: released (kept) or deleted (the sealed text is
    /// overwritten with NULL). Only a held note moves; returns whether it did.
    pub async fn review_inquiry_note(
        &mut self,
        contract_id: i64,
        id: i64,
        release: bool,
        at: &str,
        by: &str,
    ) -> Result<bool> {
        let sql = if release {
            "UPDATE desk_inquiries SET note_state = 'released', reviewed_at = $3, reviewed_by = $4 \
             WHERE contract_id = $1 AND id = $2 AND note_state = 'held'"
        } else {
            "UPDATE desk_inquiries SET note_state = 'deleted', note = NULL, reviewed_at = $3, \
             reviewed_by = $4 WHERE contract_id = $1 AND id = $2 AND note_state = 'held'"
        };
        let sql = self.sql(sql);
        let n = sqlx::query(&sql)
            .bind(contract_id)
            .bind(id)
            .bind(at)
            .bind(by)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn insert_reissue(
        &mut self,
        contract_id: i64,
        inquiry_id: i64,
        campaign_id: i64,
        person_id: i64,
        at: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO desk_reissues (contract_id, inquiry_id, campaign_id, person_id, queued_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(inquiry_id)
            .bind(campaign_id)
            .bind(person_id)
            .bind(at)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Re-issues of the contract: the queued ones (not yet printed), or
    /// the last `limit` printed ones.
    pub async fn reissues(
        &mut self,
        contract_id: i64,
        printed: bool,
        limit: i64,
    ) -> Result<Vec<ReissueRow>> {
        let cond = if printed {
            "print_run_id IS NOT NULL ORDER BY id DESC"
        } else {
            "print_run_id IS NULL ORDER BY id"
        };
        let sql = self
            .sql(&format!(
                "SELECT {REISSUE_COLS} FROM desk_reissues WHERE contract_id = $1 AND {cond} LIMIT $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Mark queued re-issues as printed in `run_id`. Only still-queued rows
    /// change; returns how many did.
    pub async fn mark_reissues_printed(
        &mut self,
        ids: &[i64],
        run_id: i64,
        at: &str,
    ) -> Result<u64> {
        let mut n = 0;
        let sql = self.sql(
            "UPDATE desk_reissues SET print_run_id = $1, printed_at = $2 \
             WHERE id = $3 AND print_run_id IS NULL",
        );
        for id in ids {
            n += sqlx::query(&sql)
                .bind(run_id)
                .bind(at)
                .bind(*id)
                .execute(&mut *self.inner)
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    pub async fn insert_address_change(
        &mut self,
        contract_id: i64,
        inquiry_id: i64,
        ward_person_id: Option<i64>,
        seal_ref: &str,
        sealed: &[u8],
        at: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO desk_address_changes (contract_id, inquiry_id, ward_person_id, seal_ref, \
             sealed, received_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(inquiry_id)
            .bind(ward_person_id)
            .bind(seal_ref)
            .bind(sealed)
            .bind(at)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Changes of address, open ones first, then newest.
    pub async fn address_changes(&mut self, limit: i64) -> Result<Vec<AddressChangeRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ADDRESS_COLS} FROM desk_address_changes \
                 ORDER BY CASE WHEN handled_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn mark_address_change_handled(
        &mut self,
        id: i64,
        at: &str,
        by: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE desk_address_changes SET handled_at = $1, handled_by = $2 \
             WHERE id = $3 AND handled_at IS NULL",
        );
        let n = sqlx::query(&sql)
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Changes of address a contract's desk passed on that the ward has not
    /// yet handled (they must reach the register before the contract's
    /// records are erased).
    pub async fn unhandled_address_changes(&mut self, contract_id: i64) -> Result<i64> {
        let sql = self.sql(
            "SELECT COUNT(*) FROM desk_address_changes \
             WHERE contract_id = $1 AND handled_at IS NULL",
        );
        let (n,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n)
    }

    /// The ward record a contract-vault person was provided from.
    pub async fn person_source(&mut self, vault_id: i64, person_id: i64) -> Result<Option<i64>> {
        let sql = self.sql("SELECT source_person_id FROM persons WHERE vault_id = $1 AND id = $2");
        let row: Option<(Option<i64>,)> = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(person_id)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row.and_then(|r| r.0))
    }
}

impl Tx {
    /// Persons of a vault holding every one of the tokens, found from the
    /// first token's index entries. Left to plan it, both backends may walk
    /// the whole vault in id order for the `ORDER BY … LIMIT` and probe
    /// each person (SQLite without statistics, PostgreSQL with a generic
    /// plan), which grows with the vault: the first token's entries are
    /// materialised and `CROSS JOIN` keeps them first.
    pub async fn persons_with_all_tokens(
        &mut self,
        vault_id: i64,
        tokens: &[Vec<u8>],
        limit: i64,
    ) -> Result<Vec<i64>> {
        let Some((first, rest)) = tokens.split_first() else {
            return Ok(Vec::new());
        };
        if !rest.is_empty() && !self.all_tokens_exist(tokens).await? {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "WITH s AS MATERIALIZED (SELECT person_id FROM person_search WHERE token = $2) \
             SELECT s.person_id FROM s CROSS JOIN persons p \
             WHERE p.id = s.person_id AND p.vault_id = $1",
        );
        for i in 0..rest.len() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM person_search t WHERE t.person_id = s.person_id AND t.token = ${})",
                i + 3
            ));
        }
        sql.push_str(&format!(" ORDER BY s.person_id LIMIT ${}", rest.len() + 3));
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (i64,)>(&sql)
            .bind(vault_id)
            .bind(first.as_slice());
        for t in rest {
            q = q.bind(t.as_slice());
        }
        let rows = q.bind(limit).fetch_all(&mut *self.inner).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Whether every token has an entry: one index probe each. A search
    /// whose text cannot be a name (a phone number, a date) has bigrams no
    /// one holds; answering it here spares PostgreSQL planning a join of
    /// one subquery per token (about 1 ms each at 200,000 people).
    async fn all_tokens_exist(&mut self, tokens: &[Vec<u8>]) -> Result<bool> {
        let probes: Vec<String> = (1..=tokens.len())
            .map(|i| format!("EXISTS (SELECT 1 FROM person_search WHERE token = ${i})"))
            .collect();
        let sql = format!(
            "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
            probes.join(" AND ")
        );
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (i64,)>(&sql);
        for t in tokens {
            q = q.bind(t.as_slice());
        }
        Ok(q.fetch_one(&mut *self.inner).await?.0 == 1)
    }
}
