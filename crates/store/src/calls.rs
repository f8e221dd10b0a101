//! Phone outreach: a campaign's call plan, its targets (held by one
//! operator at a time) and the attempts made. Notes are sealed by the
//! caller; nothing here is personal data in the clear.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct CallPlanRow {
    pub campaign_id: i64,
    pub contract_id: i64,
    pub arm: String,
    pub rules: String,
    pub opened_at: String,
    pub opened_by: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct CallTargetRow {
    pub campaign_id: i64,
    pub person_id: i64,
    pub ward_person_id: i64,
    pub state: String,
    pub attempts: i64,
    pub next_at: String,
    pub callback_user: Option<i64>,
    pub held_by: Option<i64>,
    pub held_until: Option<String>,
    pub last_outcome: Option<String>,
    pub contacted: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct CallAttemptRow {
    pub id: i64,
    pub campaign_id: i64,
    pub person_id: i64,
    pub user_id: i64,
    pub at: String,
    pub outcome: String,
    pub reasons: String,
    pub requests: String,
    pub callback_at: Option<String>,
    pub note: Option<Vec<u8>>,
    pub note_flags: String,
    pub note_state: String,
}

pub struct NewCallAttempt<'a> {
    pub campaign_id: i64,
    pub person_id: i64,
    pub contract_id: i64,
    pub user_id: i64,
    pub at: &'a str,
    pub outcome: &'a str,
    pub reasons: &'a str,
    pub requests: &'a str,
    pub callback_at: Option<&'a str>,
    pub note: Option<Vec<u8>>,
    pub note_flags: &'a str,
    pub note_state: &'a str,
}

/// The target's state after a call.
pub struct TargetUpdate<'a> {
    pub attempts: i64,
    pub state: &'a str,
    pub next_at: &'a str,
    pub callback_user: Option<i64>,
    pub last_outcome: &'a str,
    pub contacted: bool,
}

const TARGET_COLS: &str = "campaign_id, person_id, ward_person_id, state, attempts, next_at, \
    callback_user, held_by, held_until, last_outcome, contacted";
const ATTEMPT_COLS: &str = "id, campaign_id, person_id, user_id, at, outcome, reasons, \
    requests, callback_at, note, note_flags, note_state";

impl Tx {
    pub async fn insert_call_plan(&mut self, p: &CallPlanRow) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO call_plans (campaign_id, contract_id, arm, rules, opened_at, opened_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        );
        sqlx::query(&sql)
            .bind(p.campaign_id)
            .bind(p.contract_id)
            .bind(&p.arm)
            .bind(&p.rules)
            .bind(&p.opened_at)
            .bind(p.opened_by)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn call_plan(&mut self, campaign_id: i64) -> Result<Option<CallPlanRow>> {
        let sql = self.sql(
            "SELECT campaign_id, contract_id, arm, rules, opened_at, opened_by \
             FROM call_plans WHERE campaign_id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn call_plans(&mut self, contract_id: i64) -> Result<Vec<CallPlanRow>> {
        let sql = self.sql(
            "SELECT campaign_id, contract_id, arm, rules, opened_at, opened_by \
             FROM call_plans WHERE contract_id = $1 ORDER BY campaign_id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn set_call_rules(&mut self, campaign_id: i64, rules: &str) -> Result<()> {
        let sql = self.sql("UPDATE call_plans SET rules = $1 WHERE campaign_id = $2");
        sqlx::query(&sql)
            .bind(rules)
            .bind(campaign_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Targets `(person_id, ward_person_id, state)`, due from `next_at`.
    pub async fn insert_call_targets(
        &mut self,
        campaign_id: i64,
        contract_id: i64,
        next_at: &str,
        targets: &[(i64, i64, &str)],
    ) -> Result<()> {
        for chunk in targets.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO call_targets (campaign_id, person_id, contract_id, ward_person_id, \
                 state, next_at, last_outcome) VALUES ",
            );
            for (i, _) in chunk.iter().enumerate() {
                let b = i * 7;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                ));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql);
            for (person, ward, state) in chunk {
                let outcome = (*state == "done").then_some("do_not_call_registered");
                q = q
                    .bind(campaign_id)
                    .bind(*person)
                    .bind(contract_id)
                    .bind(*ward)
                    .bind(*state)
                    .bind(next_at)
                    .bind(outcome);
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(())
    }

    pub async fn call_target(
        &mut self,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<Option<CallTargetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TARGET_COLS} FROM call_targets WHERE campaign_id = $1 AND person_id = $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(person_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// The target `user_id` holds now in this campaign, if any.
    pub async fn held_call_target(
        &mut self,
        campaign_id: i64,
        user_id: i64,
        now: &str,
    ) -> Result<Option<CallTargetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TARGET_COLS} FROM call_targets WHERE campaign_id = $1 AND held_by = $2 \
             AND held_until > $3 AND state = 'open' ORDER BY person_id LIMIT 1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(user_id)
            .bind(now)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Open targets due at `now` that nobody holds, that are not promised
    /// to another operator's callback, and whose person has not asked to
    /// be left alone: callbacks first, then the longest waiting.
    pub async fn due_call_targets(
        &mut self,
        campaign_id: i64,
        user_id: i64,
        now: &str,
        limit: i64,
    ) -> Result<Vec<CallTargetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TARGET_COLS} FROM call_targets WHERE campaign_id = $1 AND state = 'open' \
             AND next_at <= $2 AND (held_by IS NULL OR held_until <= $2) \
             AND (callback_user IS NULL OR callback_user = $3) \
             AND ward_person_id NOT IN (SELECT ward_person_id FROM do_not_call) \
             ORDER BY CASE WHEN callback_user = $3 THEN 0 ELSE 1 END, next_at, person_id \
             LIMIT $4"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(now)
            .bind(user_id)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Take a target for `user_id` until `until`, if it is still free and
    /// due at `now`. Every condition of [`Tx::due_call_targets`] is
    /// re-checked by the database under the row's lock: between the list
    /// and this update another operator may have taken the target and
    /// recorded a call (freeing it, but no longer due), and of two
    /// operators racing for it exactly one wins.
    pub async fn try_hold_call_target(
        &mut self,
        campaign_id: i64,
        person_id: i64,
        user_id: i64,
        now: &str,
        until: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE call_targets SET held_by = $1, held_until = $2 \
             WHERE campaign_id = $3 AND person_id = $4 AND state = 'open' \
             AND (held_by IS NULL OR held_until <= $5) AND next_at <= $5 \
             AND (callback_user IS NULL OR callback_user = $1) \
             AND ward_person_id NOT IN (SELECT ward_person_id FROM do_not_call)",
        );
        let n = sqlx::query(&sql)
            .bind(user_id)
            .bind(until)
            .bind(campaign_id)
            .bind(person_id)
            .bind(now)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Give a held target back untouched.
    pub async fn release_call_target(
        &mut self,
        campaign_id: i64,
        person_id: i64,
        user_id: i64,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE call_targets SET held_by = NULL, held_until = NULL \
             WHERE campaign_id = $1 AND person_id = $2 AND held_by = $3",
        );
        let n = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(person_id)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Record a call's effect on its target and release it; only the
    /// operator holding it (still within the hold) can.
    pub async fn finish_call_target(
        &mut self,
        campaign_id: i64,
        person_id: i64,
        user_id: i64,
        now: &str,
        u: &TargetUpdate<'_>,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE call_targets SET attempts = $1, state = $2, next_at = $3, \
             callback_user = $4, last_outcome = $5, \
             contacted = CASE WHEN $6 = 1 THEN 1 ELSE contacted END, \
             held_by = NULL, held_until = NULL \
             WHERE campaign_id = $7 AND person_id = $8 AND held_by = $9 AND held_until > $10",
        );
        let n = sqlx::query(&sql)
            .bind(u.attempts)
            .bind(u.state)
            .bind(u.next_at)
            .bind(u.callback_user)
            .bind(u.last_outcome)
            .bind(i64::from(u.contacted))
            .bind(campaign_id)
            .bind(person_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn insert_call_attempt(&mut self, a: &NewCallAttempt<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO call_attempts (campaign_id, person_id, contract_id, user_id, at, \
             outcome, reasons, requests, callback_at, note, note_flags, note_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(a.campaign_id)
            .bind(a.person_id)
            .bind(a.contract_id)
            .bind(a.user_id)
            .bind(a.at)
            .bind(a.outcome)
            .bind(a.reasons)
            .bind(a.requests)
            .bind(a.callback_at)
            .bind(a.note.as_deref())
            .bind(a.note_flags)
            .bind(a.note_state)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn call_attempts_of(
        &mut self,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<Vec<CallAttemptRow>> {
        let sql = self
            .sql(&format!(
            "SELECT {ATTEMPT_COLS} FROM call_attempts WHERE campaign_id = $1 AND person_id = $2 \
             ORDER BY id"
        ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(person_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Notes held for review in a contract's campaigns.
    pub async fn held_call_notes(&mut self, contract_id: i64) -> Result<Vec<CallAttemptRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ATTEMPT_COLS} FROM call_attempts WHERE contract_id = $1 \
             AND note_state = 'held' ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn call_attempt(&mut self, id: i64) -> Result<Option<(i64, CallAttemptRow)>> {
        let sql = self
            .sql(&format!(
                "SELECT contract_id, {ATTEMPT_COLS} FROM call_attempts WHERE id = $1"
            ))
            .into_owned();
        let row: Option<CallAttemptWithContract> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row.map(|r| (r.contract_id, r.attempt)))
    }

    /// A reviewer releases a held note (`released`) or deletes it
    /// (`deleted`: the ciphertext is overwritten with NULL).
    pub async fn review_call_note(
        &mut self,
        id: i64,
        state: &str,
        user_id: Option<i64>,
        at: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE call_attempts SET note_state = $1, reviewed_by = $2, reviewed_at = $3, \
             note = CASE WHEN $1 = 'deleted' THEN NULL ELSE note END \
             WHERE id = $4 AND note_state = 'held'",
        );
        let n = sqlx::query(&sql)
            .bind(state)
            .bind(user_id)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// `(user_id, outcome, count)` over a campaign's attempts.
    pub async fn call_outcome_counts(
        &mut self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        let sql = self.sql(
            "SELECT user_id, outcome, COUNT(*) FROM call_attempts WHERE campaign_id = $1 \
             GROUP BY user_id, outcome ORDER BY user_id, outcome",
        );
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// `(state, contacted, due now, count)` over a campaign's targets.
    pub async fn call_target_counts(
        &mut self,
        campaign_id: i64,
        now: &str,
    ) -> Result<Vec<(String, i64, i64, i64)>> {
        let sql = self.sql(
            "SELECT state, contacted, CASE WHEN next_at <= $2 THEN 1 ELSE 0 END, COUNT(*) \
             FROM call_targets WHERE campaign_id = $1 GROUP BY state, contacted, \
             CASE WHEN next_at <= $2 THEN 1 ELSE 0 END",
        );
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(now)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}

#[derive(FromRow)]
struct CallAttemptWithContract {
    contract_id: i64,
    #[sqlx(flatten)]
    attempt: CallAttemptRow,
}
