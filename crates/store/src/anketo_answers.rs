//! Questionnaires' answers (seed 003): responses, paper sheets with their
//! two keyings, and the ward's record of what came back. The contract's
//! rows carry its id and are listed in WORK_ROWS_OF_CONTRACT;
//! anketo_returns is the ward's and stays.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ResponseRow {
    pub id: i64,
    pub questionnaire_id: i64,
    pub contract_id: i64,
    pub version: i64,
    pub channel: String,
    pub registration_id: Option<i64>,
    pub sheet_no: Option<i64>,
    pub answers: Vec<u8>,
    pub created_at: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SheetRow {
    pub id: i64,
    pub questionnaire_id: i64,
    pub contract_id: i64,
    pub sheet_no: i64,
    pub state: String,
    pub settled_by: Option<i64>,
    pub settled_at: Option<String>,
    pub response_id: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct SheetKeyingRow {
    pub id: i64,
    pub sheet_id: i64,
    pub contract_id: i64,
    pub pass: i64,
    pub user_id: i64,
    pub operator: String,
    pub keyed_at: String,
    pub answers: Vec<u8>,
}

#[derive(Debug, Clone, FromRow)]
pub struct AnketoReturnRow {
    pub id: i64,
    pub questionnaire_id: i64,
    pub contract_id: i64,
    pub title: String,
    pub responses: i64,
    pub digest: String,
    pub content: Vec<u8>,
    pub returned_at: String,
    pub certificate: Option<String>,
}

const R_COLS: &str = "id, questionnaire_id, contract_id, version, channel, registration_id, \
    sheet_no, answers, created_at";

const S_COLS: &str =
    "id, questionnaire_id, contract_id, sheet_no, state, settled_by, settled_at, response_id";

const K_COLS: &str = "id, sheet_id, contract_id, pass, user_id, operator, keyed_at, answers";

impl Tx {
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_response(
        &mut self,
        questionnaire_id: i64,
        contract_id: i64,
        version: i64,
        channel: &str,
        registration_id: Option<i64>,
        sheet_no: Option<i64>,
        answers: &[u8],
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_responses (questionnaire_id, contract_id, version, channel, \
             registration_id, sheet_no, answers, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .bind(contract_id)
            .bind(version)
            .bind(channel)
            .bind(registration_id)
            .bind(sheet_no)
            .bind(answers)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn responses(&mut self, questionnaire_id: i64) -> Result<Vec<ResponseRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {R_COLS} FROM anketo_responses WHERE questionnaire_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Whether a registration already answered (linked mode: one each).
    pub async fn response_of_registration(
        &mut self,
        questionnaire_id: i64,
        registration_id: i64,
    ) -> Result<bool> {
        let sql = self.sql(
            "SELECT COUNT(*) FROM anketo_responses \
             WHERE questionnaire_id = $1 AND registration_id = $2",
        );
        let (n,): (i64,) = sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .bind(registration_id)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n > 0)
    }

    pub async fn sheet(
        &mut self,
        questionnaire_id: i64,
        sheet_no: i64,
    ) -> Result<Option<SheetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {S_COLS} FROM anketo_sheets WHERE questionnaire_id = $1 AND sheet_no = $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .bind(sheet_no)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn sheets(&mut self, questionnaire_id: i64) -> Result<Vec<SheetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {S_COLS} FROM anketo_sheets WHERE questionnaire_id = $1 ORDER BY sheet_no"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_sheet(
        &mut self,
        questionnaire_id: i64,
        contract_id: i64,
        sheet_no: i64,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_sheets (questionnaire_id, contract_id, sheet_no, state) \
             VALUES ($1, $2, $3, 'keyed_once') RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .bind(contract_id)
            .bind(sheet_no)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// A sheet's new state; `settled_by` and `response_id` when it entered.
    pub async fn set_sheet_state(
        &mut self,
        sheet_id: i64,
        state: &str,
        settled_by: Option<i64>,
        response_id: Option<i64>,
        now: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "UPDATE anketo_sheets SET state = $1, settled_by = COALESCE($2, settled_by), \
             settled_at = CASE WHEN $2 IS NULL THEN settled_at ELSE $3 END, \
             response_id = COALESCE($4, response_id) WHERE id = $5",
        );
        sqlx::query(&sql)
            .bind(state)
            .bind(settled_by)
            .bind(now)
            .bind(response_id)
            .bind(sheet_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_sheet_keying(
        &mut self,
        sheet_id: i64,
        contract_id: i64,
        pass: i64,
        user_id: i64,
        operator: &str,
        answers: &[u8],
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_keyings (sheet_id, contract_id, pass, user_id, operator, \
             keyed_at, answers) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(sheet_id)
            .bind(contract_id)
            .bind(pass)
            .bind(user_id)
            .bind(operator)
            .bind(now)
            .bind(answers)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn sheet_keyings(&mut self, sheet_id: i64) -> Result<Vec<SheetKeyingRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {K_COLS} FROM anketo_keyings WHERE sheet_id = $1 ORDER BY pass"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(sheet_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Delete the contractor's responses, sheets and keyings of one
    /// questionnaire; the rows deleted (responses, sheets, keyings).
    pub async fn delete_questionnaire_answers(
        &mut self,
        questionnaire_id: i64,
    ) -> Result<(i64, i64, i64)> {
        let mut n = [0i64; 3];
        let stmts = [
            "DELETE FROM anketo_keyings WHERE sheet_id IN \
             (SELECT id FROM anketo_sheets WHERE questionnaire_id = $1)",
            "DELETE FROM anketo_sheets WHERE questionnaire_id = $1",
            "DELETE FROM anketo_responses WHERE questionnaire_id = $1",
        ];
        for (slot, s) in n.iter_mut().zip(stmts) {
            let sql = self.sql(s).into_owned();
            *slot = sqlx::query(&sql)
                .bind(questionnaire_id)
                .execute(&mut *self.inner)
                .await?
                .rows_affected() as i64;
        }
        Ok((n[2], n[1], n[0]))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_anketo_return(
        &mut self,
        questionnaire_id: i64,
        contract_id: i64,
        title: &str,
        responses: i64,
        digest: &str,
        content: &[u8],
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_returns (questionnaire_id, contract_id, title, responses, digest, \
             content, returned_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .bind(contract_id)
            .bind(title)
            .bind(responses)
            .bind(digest)
            .bind(content)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn set_anketo_return_certificate(
        &mut self,
        id: i64,
        certificate: &str,
    ) -> Result<()> {
        let sql = self.sql("UPDATE anketo_returns SET certificate = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(certificate)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn anketo_returns(&mut self, contract_id: i64) -> Result<Vec<AnketoReturnRow>> {
        let sql = self.sql(
            "SELECT id, questionnaire_id, contract_id, title, responses, digest, content, \
             returned_at, certificate FROM anketo_returns WHERE contract_id = $1 ORDER BY id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// One returned questionnaire, with its sealed content.
    pub async fn anketo_return(&mut self, id: i64) -> Result<Option<AnketoReturnRow>> {
        let sql = self.sql(
            "SELECT id, questionnaire_id, contract_id, title, responses, digest, content, \
             returned_at, certificate FROM anketo_returns WHERE id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Every returned questionnaire, newest first (the ward's list).
    pub async fn all_anketo_returns(&mut self) -> Result<Vec<AnketoReturnRow>> {
        let sql = self.sql(
            "SELECT id, questionnaire_id, contract_id, title, responses, digest, content, \
             returned_at, certificate FROM anketo_returns ORDER BY id DESC",
        );
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }
}
