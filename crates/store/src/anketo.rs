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
}
