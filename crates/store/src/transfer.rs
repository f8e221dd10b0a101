//! The information-management ledger (情報管理台帳): provisions and
//! returns of a contract's data, and the exchange partners and contract
//! bindings behind packages between installations.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct TransferRow {
    pub id: i64,
    pub contract_id: i64,
    /// `provision` or `return`.
    pub direction: String,
    /// `vault` (within this installation), `package_sent`, `package_received`.
    pub channel: String,
    pub campaign_id: Option<i64>,
    pub list_id: Option<i64>,
    pub records: i64,
    pub items: String,
    pub digest: String,
    pub package_id: Option<String>,
    pub manifest_sha256: Option<String>,
    /// The signed manifest (JSON) of a package, to match its receipt.
    pub manifest: Option<String>,
    pub counterpart: Option<String>,
    pub receipt: Option<String>,
    pub receipt_at: Option<String>,
    pub created_at: String,
    pub user_id: Option<i64>,
    pub operator: String,
}

/// A new ledger line; the receipt comes later.
pub struct NewTransfer<'a> {
    pub contract_id: i64,
    pub direction: &'a str,
    pub channel: &'a str,
    pub campaign_id: Option<i64>,
    pub list_id: Option<i64>,
    pub records: i64,
    pub items: &'a str,
    pub digest: &'a str,
    pub package_id: Option<&'a str>,
    pub manifest_sha256: Option<&'a str>,
    pub manifest: Option<&'a str>,
    pub counterpart: Option<&'a str>,
    pub created_at: &'a str,
    pub user_id: Option<i64>,
    pub operator: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct PartnerRow {
    pub id: i64,
    pub org_name: String,
    pub fingerprint: String,
    pub public_key: String,
    pub confirmed_by: String,
    pub registered_at: String,
    pub registered_by: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct ContractExchangeRow {
    pub contract_id: i64,
    pub exchange_ref: String,
    pub partner_id: i64,
    pub bound_at: String,
    pub bound_by: String,
}

const TRANSFER_COLS: &str = "id, contract_id, direction, channel, campaign_id, list_id, records, \
    items, digest, package_id, manifest_sha256, manifest, counterpart, receipt, receipt_at, created_at, \
    user_id, operator";
const PARTNER_COLS: &str =
    "id, org_name, fingerprint, public_key, confirmed_by, registered_at, registered_by";

impl Tx {
    pub async fn insert_transfer(&mut self, t: &NewTransfer<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO transfers (contract_id, direction, channel, campaign_id, list_id, \
             records, items, digest, package_id, manifest_sha256, manifest, counterpart, \
             created_at, user_id, operator) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(t.contract_id)
            .bind(t.direction)
            .bind(t.channel)
            .bind(t.campaign_id)
            .bind(t.list_id)
            .bind(t.records)
            .bind(t.items)
            .bind(t.digest)
            .bind(t.package_id)
            .bind(t.manifest_sha256)
            .bind(t.manifest)
            .bind(t.counterpart)
            .bind(t.created_at)
            .bind(t.user_id)
            .bind(t.operator)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// A contract's ledger, oldest first.
    pub async fn transfers(&mut self, contract_id: i64) -> Result<Vec<TransferRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TRANSFER_COLS} FROM transfers WHERE contract_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn transfer_by_package(&mut self, package_id: &str) -> Result<Option<TransferRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TRANSFER_COLS} FROM transfers WHERE package_id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(package_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Attach the receiver's signed receipt; false if one is already there.
    pub async fn set_transfer_receipt(&mut self, id: i64, receipt: &str, at: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE transfers SET receipt = $1, receipt_at = $2 WHERE id = $3 AND receipt IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(receipt)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn insert_transfer_members(&mut self, transfer_id: i64, ids: &[i64]) -> Result<()> {
        for chunk in ids.chunks(400) {
            let mut sql =
                String::from("INSERT INTO transfer_members (transfer_id, ward_person_id) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("($1, ${})", i + 2));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql).bind(transfer_id);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(())
    }

    /// Of `ids`, those no package of the contract ever provided.
    pub async fn never_provided(&mut self, contract_id: i64, ids: &[i64]) -> Result<Vec<i64>> {
        let mut missing = Vec::new();
        for chunk in ids.chunks(400) {
            let mut sql = String::from(
                "SELECT DISTINCT m.ward_person_id FROM transfer_members m \
                 JOIN transfers t ON t.id = m.transfer_id \
                 WHERE t.contract_id = $1 AND t.direction = 'provision' AND m.ward_person_id IN (",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", i + 2));
            }
            sql.push(')');
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(contract_id);
            for id in chunk {
                q = q.bind(*id);
            }
            let found: std::collections::HashSet<i64> = q
                .fetch_all(&mut *self.inner)
                .await?
                .into_iter()
                .map(|r| r.0)
                .collect();
            missing.extend(chunk.iter().filter(|id| !found.contains(id)));
        }
        Ok(missing)
    }

    pub async fn insert_partner(
        &mut self,
        org_name: &str,
        fingerprint: &str,
        public_key: &str,
        confirmed_by: &str,
        now: &str,
        by: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO exchange_partners (org_name, fingerprint, public_key, confirmed_by, \
             registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(org_name)
            .bind(fingerprint)
            .bind(public_key)
            .bind(confirmed_by)
            .bind(now)
            .bind(by)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn partners(&mut self) -> Result<Vec<PartnerRow>> {
        let sql = format!("SELECT {PARTNER_COLS} FROM exchange_partners ORDER BY id");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    pub async fn partner(&mut self, id: i64) -> Result<Option<PartnerRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PARTNER_COLS} FROM exchange_partners WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Bind a contract to a package reference and a partner (again: replace).
    pub async fn bind_contract_exchange(
        &mut self,
        contract_id: i64,
        exchange_ref: &str,
        partner_id: i64,
        now: &str,
        by: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO contract_exchange (contract_id, exchange_ref, partner_id, bound_at, bound_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contract_id) DO UPDATE SET \
             exchange_ref = excluded.exchange_ref, partner_id = excluded.partner_id, \
             bound_at = excluded.bound_at, bound_by = excluded.bound_by",
        );
        sqlx::query(&sql)
            .bind(contract_id)
            .bind(exchange_ref)
            .bind(partner_id)
            .bind(now)
            .bind(by)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn contract_exchange(
        &mut self,
        contract_id: i64,
    ) -> Result<Option<ContractExchangeRow>> {
        let sql = self.sql(
            "SELECT contract_id, exchange_ref, partner_id, bound_at, bound_by \
             FROM contract_exchange WHERE contract_id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn contract_by_exchange_ref(
        &mut self,
        exchange_ref: &str,
    ) -> Result<Option<ContractExchangeRow>> {
        let sql = self.sql(
            "SELECT contract_id, exchange_ref, partner_id, bound_at, bound_by \
             FROM contract_exchange WHERE exchange_ref = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(exchange_ref)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Persons of a vault with the ward record each came from.
    pub async fn person_sources(
        &mut self,
        vault_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Option<i64>)>> {
        let sql = self.sql(
            "SELECT id, source_person_id FROM persons WHERE vault_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3",
        );
        Ok(sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}
