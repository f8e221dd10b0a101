//! Organisations, users, jobs and purposes, contracts and their staff.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub org_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub training_valid_until: Option<String>,
    pub active: i64,
}

pub struct NewUser<'a> {
    pub org_id: i64,
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub totp_secret: Option<&'a [u8]>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TrainingRow {
    pub id: i64,
    pub user_id: i64,
    pub course: String,
    pub completed_on: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub section: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct PurposeRow {
    pub id: i64,
    pub job_id: i64,
    pub code: String,
    pub name: String,
    pub items: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub job_id: i64,
    pub contractor_org_id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    pub allowed_networks: String,
    pub requires_client_cert: i64,
}

pub struct NewContract<'a> {
    pub job_id: i64,
    pub contractor_org_id: i64,
    pub name: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub allowed_networks: &'a str,
    pub requires_client_cert: bool,
}

#[derive(Debug, Clone, FromRow)]
pub struct StaffRow {
    pub contract_id: i64,
    pub user_id: i64,
    pub duty: String,
    pub purpose_code: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SubcontractRow {
    pub id: i64,
    pub contract_id: i64,
    pub org_id: i64,
    pub approved_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TerminalRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub cert_fingerprint: String,
    pub revoked_at: Option<String>,
}

const USER_COLS: &str = "id, org_id, login, display_name, role, password_hash, totp_secret, \
                         totp_last_step, training_valid_until, active";
const CONTRACT_COLS: &str = "id, job_id, contractor_org_id, name, starts_on, ends_on, status, \
                             allowed_networks, requires_client_cert";

impl Tx {
    /// The counter the policy tables' triggers move on every change
    /// (migration 11): equal counters mean equal policy facts.
    pub async fn policy_version(&mut self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT n FROM policy_version WHERE id = 1")
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n)
    }

    pub async fn insert_org(
        &mut self,
        kind: &str,
        name: &str,
        parent_id: Option<i64>,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO organisations (kind, name, parent_id, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(kind)
            .bind(name)
            .bind(parent_id)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn orgs(&mut self) -> Result<Vec<OrgRow>> {
        let sql = "SELECT id, kind, name, parent_id FROM organisations ORDER BY id";
        Ok(sqlx::query_as(sql).fetch_all(&mut *self.inner).await?)
    }

    pub async fn org(&mut self, id: i64) -> Result<Option<OrgRow>> {
        let sql = self.sql("SELECT id, kind, name, parent_id FROM organisations WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn insert_user(&mut self, u: &NewUser<'_>, now: &str) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO users (org_id, login, display_name, role, password_hash, totp_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(u.org_id)
            .bind(u.login)
            .bind(u.display_name)
            .bind(u.role)
            .bind(u.password_hash)
            .bind(u.totp_secret)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn user(&mut self, id: i64) -> Result<Option<UserRow>> {
        let sql = self
            .sql(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn user_by_login(&mut self, login: &str) -> Result<Option<UserRow>> {
        let sql = self
            .sql(&format!("SELECT {USER_COLS} FROM users WHERE login = $1"))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(login)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn users(&mut self) -> Result<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY id");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    pub async fn set_password_hash(&mut self, user_id: i64, hash: &str) -> Result<()> {
        let sql = self.sql("UPDATE users SET password_hash = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(hash)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn set_totp_last_step(&mut self, user_id: i64, step: i64) -> Result<()> {
        let sql = self.sql("UPDATE users SET totp_last_step = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(step)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn set_user_active(&mut self, user_id: i64, active: bool) -> Result<u64> {
        let sql = self.sql("UPDATE users SET active = $1 WHERE id = $2");
        Ok(sqlx::query(&sql)
            .bind(i64::from(active))
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn set_user_role(&mut self, user_id: i64, role: &str) -> Result<u64> {
        let sql = self.sql("UPDATE users SET role = $1 WHERE id = $2");
        Ok(sqlx::query(&sql)
            .bind(role)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    /// Records a course and moves the user's training validity to its end.
    pub async fn insert_training(
        &mut self,
        user_id: i64,
        course: &str,
        completed_on: &str,
        valid_until: &str,
        recorded_by: Option<i64>,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO training_records (user_id, course, completed_on, valid_until, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(course)
            .bind(completed_on)
            .bind(valid_until)
            .bind(recorded_by)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        let sql = self.sql(
            "UPDATE users SET training_valid_until = \
             (SELECT MAX(valid_until) FROM training_records WHERE user_id = $1) WHERE id = $1",
        );
        sqlx::query(&sql)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn trainings(&mut self, user_id: i64) -> Result<Vec<TrainingRow>> {
        let sql = self.sql(
            "SELECT id, user_id, course, completed_on, valid_until FROM training_records \
             WHERE user_id = $1 ORDER BY completed_on DESC",
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_job(&mut self, code: &str, name: &str, section: &str) -> Result<i64> {
        let sql =
            self.sql("INSERT INTO jobs (code, name, section) VALUES ($1, $2, $3) RETURNING id");
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(code)
            .bind(name)
            .bind(section)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn jobs(&mut self) -> Result<Vec<JobRow>> {
        Ok(
            sqlx::query_as("SELECT id, code, name, section FROM jobs ORDER BY id")
                .fetch_all(&mut *self.inner)
                .await?,
        )
    }

    pub async fn insert_purpose(
        &mut self,
        job_id: i64,
        code: &str,
        name: &str,
        items: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO purposes (job_id, code, name, items) VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(job_id)
            .bind(code)
            .bind(name)
            .bind(items)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn purposes(&mut self, job_id: i64) -> Result<Vec<PurposeRow>> {
        let sql = self.sql(
            "SELECT id, job_id, code, name, items FROM purposes WHERE job_id = $1 ORDER BY id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(job_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_contract(&mut self, c: &NewContract<'_>, now: &str) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO contracts (job_id, contractor_org_id, name, starts_on, ends_on, status, \
             allowed_networks, requires_client_cert, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(c.job_id)
            .bind(c.contractor_org_id)
            .bind(c.name)
            .bind(c.starts_on)
            .bind(c.ends_on)
            .bind(c.allowed_networks)
            .bind(i64::from(c.requires_client_cert))
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn contract(&mut self, id: i64) -> Result<Option<ContractRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {CONTRACT_COLS} FROM contracts WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn contracts(&mut self) -> Result<Vec<ContractRow>> {
        let sql = format!("SELECT {CONTRACT_COLS} FROM contracts ORDER BY id");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    pub async fn set_contract_status(&mut self, id: i64, status: &str, now: &str) -> Result<u64> {
        let sql = self.sql("UPDATE contracts SET status = $1, cancelled_at = $2 WHERE id = $3");
        Ok(sqlx::query(&sql)
            .bind(status)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn insert_staff(
        &mut self,
        contract_id: i64,
        user_id: i64,
        duty: &str,
        purpose_code: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO contract_staff (contract_id, user_id, duty, purpose_code) VALUES ($1, $2, $3, $4)",
        );
        sqlx::query(&sql)
            .bind(contract_id)
            .bind(user_id)
            .bind(duty)
            .bind(purpose_code)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn delete_staff(&mut self, contract_id: i64, user_id: i64) -> Result<u64> {
        let sql = self.sql("DELETE FROM contract_staff WHERE contract_id = $1 AND user_id = $2");
        Ok(sqlx::query(&sql)
            .bind(contract_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn staff(&mut self, contract_id: i64) -> Result<Vec<StaffRow>> {
        let sql = self.sql(
            "SELECT contract_id, user_id, duty, purpose_code FROM contract_staff \
             WHERE contract_id = $1 ORDER BY user_id, duty, purpose_code",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// For each purpose a user is designated for (every purpose of the
    /// contracts they are responsible for): the job's code, the purpose's
    /// code and its item codes. One query, for the session's menu.
    pub async fn designated_purposes(
        &mut self,
        user_id: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let sql = self.sql(
            "SELECT DISTINCT j.code, p.code, p.items FROM contract_staff s \
             JOIN contracts c ON c.id = s.contract_id \
             JOIN jobs j ON j.id = c.job_id \
             JOIN purposes p ON p.job_id = c.job_id \
             AND (s.duty = 'responsible' OR p.code = s.purpose_code) \
             WHERE s.user_id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn staff_of_user(&mut self, user_id: i64) -> Result<Vec<StaffRow>> {
        let sql = self.sql(
            "SELECT contract_id, user_id, duty, purpose_code FROM contract_staff \
             WHERE user_id = $1 ORDER BY contract_id, duty, purpose_code",
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_subcontract(
        &mut self,
        contract_id: i64,
        org_id: i64,
        approved_by: i64,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO subcontract_approvals (contract_id, org_id, approved_by, approved_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(org_id)
            .bind(approved_by)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn revoke_subcontract(
        &mut self,
        contract_id: i64,
        org_id: i64,
        now: &str,
    ) -> Result<u64> {
        let sql = self.sql(
            "UPDATE subcontract_approvals SET revoked_at = $1 \
             WHERE contract_id = $2 AND org_id = $3 AND revoked_at IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(contract_id)
            .bind(org_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn subcontracts(&mut self, contract_id: i64) -> Result<Vec<SubcontractRow>> {
        let sql = self.sql(
            "SELECT id, contract_id, org_id, approved_at, revoked_at FROM subcontract_approvals \
             WHERE contract_id = $1 ORDER BY id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_terminal(
        &mut self,
        org_id: i64,
        name: &str,
        fingerprint: &str,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO terminals (org_id, name, cert_fingerprint, registered_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(org_id)
            .bind(name)
            .bind(fingerprint)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn terminal_by_fingerprint(
        &mut self,
        fingerprint: &str,
    ) -> Result<Option<TerminalRow>> {
        let sql = self.sql(
            "SELECT id, org_id, name, cert_fingerprint, revoked_at FROM terminals WHERE cert_fingerprint = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(fingerprint)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Sign-in throttling is kept by login name, known or not, so that an
    /// unknown name behaves exactly like a known one.
    pub async fn throttle(&mut self, login: &str) -> Result<(i64, Option<String>)> {
        let sql = self.sql("SELECT failures, locked_until FROM signin_throttle WHERE login = $1");
        let row: Option<(i64, Option<String>)> = sqlx::query_as(&sql)
            .bind(login)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row.unwrap_or((0, None)))
    }

    pub async fn set_throttle(
        &mut self,
        login: &str,
        failures: i64,
        locked_until: Option<&str>,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO signin_throttle (login, failures, locked_until) VALUES ($1, $2, $3) \
             ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
        );
        sqlx::query(&sql)
            .bind(login)
            .bind(failures)
            .bind(locked_until)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}
