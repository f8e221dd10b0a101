//! Questionnaires (アンケート, seed 003): the contract's work rows
//! (questionnaires, questions, choices, approvals, responses, paper sheets
//! and keyings), all carrying the contract id and listed in
//! WORK_ROWS_OF_CONTRACT; and the ward's record of what came back.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct QuestionnaireRow {
    pub id: i64,
    pub contract_id: i64,
    pub event_id: Option<i64>,
    pub title: String,
    pub intro: String,
    pub mode: String,
    pub status: String,
    pub version: i64,
    pub token: String,
    pub wrapped_key: Option<Vec<u8>>,
    pub key_id: String,
    pub aggregate: Option<Vec<u8>>,
    pub created_at: String,
    pub created_by: String,
    pub published_at: Option<String>,
    pub closed_at: Option<String>,
    pub aggregated_at: Option<String>,
    pub returned_at: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct QuestionRow {
    pub id: i64,
    pub questionnaire_id: i64,
    pub contract_id: i64,
    pub position: i64,
    pub kind: String,
    pub text: String,
    pub required: i64,
    pub scale_min: i64,
    pub scale_max: i64,
    pub min_label: String,
    pub max_label: String,
    pub show_if_question: Option<i64>,
    pub show_if_choice: Option<i64>,
    /// Codes of the screen's flags, comma-separated ("" when clean).
    pub flags: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct ChoiceRow {
    pub id: i64,
    pub question_id: i64,
    pub contract_id: i64,
    pub position: i64,
    pub label: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct ApprovalRow {
    pub id: i64,
    pub question_id: i64,
    pub contract_id: i64,
    pub text_digest: String,
    pub flags: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_user_id: Option<i64>,
    pub approved_at: String,
}

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

/// A new question (its choices are inserted separately).
pub struct NewQuestion<'a> {
    pub questionnaire_id: i64,
    pub contract_id: i64,
    pub position: i64,
    pub kind: &'a str,
    pub text: &'a str,
    pub required: bool,
    pub scale: (i64, i64),
    pub labels: (&'a str, &'a str),
    pub show_if: Option<(i64, i64)>,
    pub flags: &'a str,
}

const Q_COLS: &str = "id, contract_id, event_id, title, intro, mode, status, version, token, \
    wrapped_key, key_id, aggregate, created_at, created_by, published_at, closed_at, \
    aggregated_at, returned_at";
const QN_COLS: &str = "id, questionnaire_id, contract_id, position, kind, text, required, \
    scale_min, scale_max, min_label, max_label, show_if_question, show_if_choice, flags";
const R_COLS: &str = "id, questionnaire_id, contract_id, version, channel, registration_id, \
    sheet_no, answers, created_at";
const S_COLS: &str =
    "id, questionnaire_id, contract_id, sheet_no, state, settled_by, settled_at, response_id";
const K_COLS: &str = "id, sheet_id, contract_id, pass, user_id, operator, keyed_at, answers";

impl Tx {
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_questionnaire(
        &mut self,
        contract_id: i64,
        event_id: Option<i64>,
        title: &str,
        intro: &str,
        mode: &str,
        token: &str,
        wrapped_key: &[u8],
        key_id: &str,
        now: &str,
        actor: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_questionnaires (contract_id, event_id, title, intro, mode, status, \
             version, token, wrapped_key, key_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, 'draft', 0, $6, $7, $8, $9, $10) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(event_id)
            .bind(title)
            .bind(intro)
            .bind(mode)
            .bind(token)
            .bind(wrapped_key)
            .bind(key_id)
            .bind(now)
            .bind(actor)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// A contract's questionnaires, newest first.
    pub async fn questionnaires(&mut self, contract_id: i64) -> Result<Vec<QuestionnaireRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {Q_COLS} FROM anketo_questionnaires WHERE contract_id = $1 ORDER BY id DESC"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Questionnaires of every contract with the given status.
    pub async fn questionnaires_in(&mut self, status: &str) -> Result<Vec<QuestionnaireRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {Q_COLS} FROM anketo_questionnaires WHERE status = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(status)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn questionnaire(&mut self, id: i64) -> Result<Option<QuestionnaireRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {Q_COLS} FROM anketo_questionnaires WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn questionnaire_by_token(
        &mut self,
        token: &str,
    ) -> Result<Option<QuestionnaireRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {Q_COLS} FROM anketo_questionnaires WHERE token = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(token)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Move a questionnaire from one status to another (false if it was
    /// not in `from`); `stamp` names the timestamp column set to `now`.
    pub async fn set_questionnaire_status(
        &mut self,
        id: i64,
        from: &str,
        to: &str,
        stamp: Option<&str>,
        now: &str,
    ) -> Result<bool> {
        let col = match stamp {
            Some("published_at") => ", published_at = $4, version = version + 1",
            Some("closed_at") => ", closed_at = $4",
            Some("aggregated_at") => ", aggregated_at = $4",
            Some("returned_at") => ", returned_at = $4",
            _ => ", created_at = COALESCE(created_at, $4)",
        };
        let sql = self
            .sql(&format!(
                "UPDATE anketo_questionnaires SET status = $1{col} WHERE id = $2 AND status = $3"
            ))
            .into_owned();
        let n = sqlx::query(&sql)
            .bind(to)
            .bind(id)
            .bind(from)
            .bind(now)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// The contractor's sealed copy of the aggregate (None deletes it).
    pub async fn set_questionnaire_aggregate(
        &mut self,
        id: i64,
        aggregate: Option<&[u8]>,
    ) -> Result<()> {
        let sql = self.sql("UPDATE anketo_questionnaires SET aggregate = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(aggregate)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Cryptographic erase of one questionnaire: its wrapped key is gone.
    pub async fn destroy_questionnaire_key(&mut self, id: i64) -> Result<()> {
        let sql = self.sql("UPDATE anketo_questionnaires SET wrapped_key = NULL WHERE id = $1");
        sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        Ok(())
    }

    pub async fn insert_question(&mut self, q: &NewQuestion<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_questions (questionnaire_id, contract_id, position, kind, text, \
             required, scale_min, scale_max, min_label, max_label, show_if_question, \
             show_if_choice, flags) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(q.questionnaire_id)
            .bind(q.contract_id)
            .bind(q.position)
            .bind(q.kind)
            .bind(q.text)
            .bind(i64::from(q.required))
            .bind(q.scale.0)
            .bind(q.scale.1)
            .bind(q.labels.0)
            .bind(q.labels.1)
            .bind(q.show_if.map(|s| s.0))
            .bind(q.show_if.map(|s| s.1))
            .bind(q.flags)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn insert_choice(
        &mut self,
        question_id: i64,
        contract_id: i64,
        position: i64,
        label: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_choices (question_id, contract_id, position, label) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(question_id)
            .bind(contract_id)
            .bind(position)
            .bind(label)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn questions(&mut self, questionnaire_id: i64) -> Result<Vec<QuestionRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {QN_COLS} FROM anketo_questions WHERE questionnaire_id = $1 \
                 ORDER BY position, id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn question(&mut self, id: i64) -> Result<Option<QuestionRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {QN_COLS} FROM anketo_questions WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Choices of every question of a questionnaire, in order.
    pub async fn questionnaire_choices(&mut self, questionnaire_id: i64) -> Result<Vec<ChoiceRow>> {
        let sql = self.sql(
            "SELECT c.id, c.question_id, c.contract_id, c.position, c.label \
             FROM anketo_choices c JOIN anketo_questions q ON q.id = c.question_id \
             WHERE q.questionnaire_id = $1 ORDER BY c.question_id, c.position, c.id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Remove a draft's question with its choices and approvals.
    pub async fn delete_question(&mut self, id: i64) -> Result<()> {
        for t in ["anketo_approvals", "anketo_choices"] {
            let sql = self
                .sql(&format!("DELETE FROM {t} WHERE question_id = $1"))
                .into_owned();
            sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        }
        let sql = self.sql("DELETE FROM anketo_questions WHERE id = $1");
        sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_approval(
        &mut self,
        question_id: i64,
        contract_id: i64,
        text_digest: &str,
        flags: &str,
        reason: &str,
        approved_by: &str,
        approved_user_id: Option<i64>,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO anketo_approvals (question_id, contract_id, text_digest, flags, reason, \
             approved_by, approved_user_id, approved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(question_id)
            .bind(contract_id)
            .bind(text_digest)
            .bind(flags)
            .bind(reason)
            .bind(approved_by)
            .bind(approved_user_id)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn questionnaire_approvals(
        &mut self,
        questionnaire_id: i64,
    ) -> Result<Vec<ApprovalRow>> {
        let sql = self.sql(
            "SELECT a.id, a.question_id, a.contract_id, a.text_digest, a.flags, a.reason, \
             a.approved_by, a.approved_user_id, a.approved_at \
             FROM anketo_approvals a JOIN anketo_questions q ON q.id = a.question_id \
             WHERE q.questionnaire_id = $1 ORDER BY a.id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(questionnaire_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

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
}
