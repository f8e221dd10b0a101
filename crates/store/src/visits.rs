//! Home visits (seed 001 訪問勧奨): visit lists frozen from a campaign, the
//! print register of their two halves, the sign-out/in register (授受簿)
//! and what each visit found.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct VisitListRow {
    pub id: i64,
    pub contract_id: i64,
    pub campaign_id: i64,
    /// `arm:<code>` or `not_reached`.
    pub source: String,
    /// The 町丁目, one per line, in list order.
    pub areas: String,
    pub members: i64,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct VisitTargetRow {
    pub list_id: i64,
    pub contract_id: i64,
    pub campaign_id: i64,
    pub person_id: i64,
    pub code: String,
    pub area: String,
    pub seq: i64,
    pub state: String,
    pub visits: i64,
    pub last_outcome: Option<String>,
    pub contacted: i64,
}

/// A person going onto a list.
pub struct NewVisitTarget<'a> {
    pub person_id: i64,
    pub code: &'a str,
    pub area: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct VisitPrintRow {
    pub id: i64,
    pub list_id: i64,
    pub contract_id: i64,
    pub half: String,
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub persons: i64,
    pub sheets: i64,
    pub downloads: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct VisitHandoutRow {
    pub id: i64,
    pub print_id: i64,
    pub list_id: i64,
    pub contract_id: i64,
    pub half: String,
    pub visitor: String,
    pub sheets_out: i64,
    pub out_at: String,
    pub out_by: Option<i64>,
    pub due_at: String,
    pub sheets_in: Option<i64>,
    pub in_at: Option<String>,
    pub in_by: Option<i64>,
    pub in_note: String,
    pub alarm_at: Option<String>,
}

pub struct NewHandout<'a> {
    pub print_id: i64,
    pub list_id: i64,
    pub contract_id: i64,
    pub half: &'a str,
    pub visitor: &'a str,
    pub sheets_out: i64,
    pub out_at: &'a str,
    pub out_by: Option<i64>,
    pub due_at: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct VisitRecordRow {
    pub id: i64,
    pub list_id: i64,
    pub contract_id: i64,
    pub person_id: i64,
    pub user_id: Option<i64>,
    pub at: String,
    pub outcome: String,
    pub reasons: String,
    pub requests: String,
    pub note: Option<Vec<u8>>,
    pub note_flags: String,
    pub note_state: String,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<String>,
}

pub struct NewVisitRecord<'a> {
    pub list_id: i64,
    pub contract_id: i64,
    pub person_id: i64,
    pub user_id: Option<i64>,
    pub at: &'a str,
    pub outcome: &'a str,
    pub reasons: &'a str,
    pub requests: &'a str,
    pub note: Option<Vec<u8>>,
    pub note_flags: &'a str,
    pub note_state: &'a str,
}

const LIST_COLS: &str =
    "id, contract_id, campaign_id, source, areas, members, created_at, created_by, actor";
const TARGET_COLS: &str = "list_id, contract_id, campaign_id, person_id, code, area, seq, state, \
    visits, last_outcome, contacted";
const PRINT_COLS: &str =
    "id, list_id, contract_id, half, at, user_id, actor, persons, sheets, downloads";
const HANDOUT_COLS: &str = "id, print_id, list_id, contract_id, half, visitor, sheets_out, \
    out_at, out_by, due_at, sheets_in, in_at, in_by, in_note, alarm_at";
const RECORD_COLS: &str = "id, list_id, contract_id, person_id, user_id, at, outcome, reasons, \
    requests, note, note_flags, note_state, reviewed_by, reviewed_at";

impl Tx {
    /// Members of a campaign who may go on a visit list from `source`
    /// (`arm:<code>`, or `not_reached`: no phone, or called to the end
    /// without contact), not returned as undeliverable and not already on
    /// one of the campaign's visit lists.
    pub async fn visit_candidates(&mut self, campaign_id: i64, source: &str) -> Result<Vec<i64>> {
        let base = "SELECT m.person_id FROM campaign_members m \
             WHERE m.campaign_id = $1 AND m.returned_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM visit_targets v \
                 WHERE v.campaign_id = m.campaign_id AND v.person_id = m.person_id)";
        let rows: Vec<(i64,)> = match source.strip_prefix("arm:") {
            Some(arm) => {
                let sql = self
                    .sql(&format!("{base} AND m.arm = $2 ORDER BY m.person_id"))
                    .into_owned();
                sqlx::query_as(&sql)
                    .bind(campaign_id)
                    .bind(arm)
                    .fetch_all(&mut *self.inner)
                    .await?
            }
            None => {
                let sql = self
                    .sql(&format!(
                        "{base} AND (m.callable = 0 OR EXISTS (SELECT 1 FROM call_targets t \
                         WHERE t.campaign_id = m.campaign_id AND t.person_id = m.person_id \
                         AND t.state = 'done' AND t.contacted = 0)) ORDER BY m.person_id"
                    ))
                    .into_owned();
                sqlx::query_as(&sql)
                    .bind(campaign_id)
                    .fetch_all(&mut *self.inner)
                    .await?
            }
        };
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every visit code of a contract, to draw new ones that differ.
    pub async fn visit_codes(&mut self, contract_id: i64) -> Result<Vec<String>> {
        let sql = self.sql("SELECT code FROM visit_targets WHERE contract_id = $1");
        let rows: Vec<(String,)> = sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A list and its members (numbered in the order given).
    pub async fn insert_visit_list(
        &mut self,
        l: &VisitListRow,
        targets: &[NewVisitTarget<'_>],
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO visit_lists (contract_id, campaign_id, source, areas, members, \
             created_at, created_by, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(l.contract_id)
            .bind(l.campaign_id)
            .bind(&l.source)
            .bind(&l.areas)
            .bind(targets.len() as i64)
            .bind(&l.created_at)
            .bind(l.created_by)
            .bind(&l.actor)
            .fetch_one(&mut *self.inner)
            .await?;
        for (n, chunk) in targets.chunks(1000).enumerate() {
            let mut sql = String::from(
                "INSERT INTO visit_targets (list_id, contract_id, campaign_id, person_id, code, \
                 area, seq, state) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 4;
                sql.push_str(&format!(
                    "($1, $2, $3, ${}, ${}, ${}, ${}, 'open')",
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                ));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql)
                .bind(id)
                .bind(l.contract_id)
                .bind(l.campaign_id);
            for (i, t) in chunk.iter().enumerate() {
                q = q
                    .bind(t.person_id)
                    .bind(t.code)
                    .bind(t.area)
                    .bind((n * 1000 + i + 1) as i64);
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(id)
    }

    pub async fn visit_lists(&mut self, contract_id: i64) -> Result<Vec<VisitListRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {LIST_COLS} FROM visit_lists WHERE contract_id = $1 ORDER BY id DESC"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn visit_list(&mut self, id: i64) -> Result<Option<VisitListRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {LIST_COLS} FROM visit_lists WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// A list's members in walking order.
    pub async fn visit_targets(&mut self, list_id: i64) -> Result<Vec<VisitTargetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TARGET_COLS} FROM visit_targets WHERE list_id = $1 ORDER BY seq"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(list_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn visit_target_by_code(
        &mut self,
        contract_id: i64,
        code: &str,
    ) -> Result<Option<VisitTargetRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {TARGET_COLS} FROM visit_targets WHERE contract_id = $1 AND code = $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(code)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn update_visit_target(
        &mut self,
        list_id: i64,
        person_id: i64,
        state: &str,
        outcome: &str,
        contacted: bool,
    ) -> Result<()> {
        let sql = self.sql(
            "UPDATE visit_targets SET state = $1, last_outcome = $2, visits = visits + 1, \
             contacted = CASE WHEN $3 = 1 THEN 1 ELSE contacted END \
             WHERE list_id = $4 AND person_id = $5",
        );
        sqlx::query(&sql)
            .bind(state)
            .bind(outcome)
            .bind(i64::from(contacted))
            .bind(list_id)
            .bind(person_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn insert_visit_print(&mut self, p: &VisitPrintRow) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO visit_prints (list_id, contract_id, half, at, user_id, actor, persons, \
             sheets, downloads) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(p.list_id)
            .bind(p.contract_id)
            .bind(&p.half)
            .bind(&p.at)
            .bind(p.user_id)
            .bind(&p.actor)
            .bind(p.persons)
            .bind(p.sheets)
            .bind(p.downloads)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn visit_prints(&mut self, list_id: i64) -> Result<Vec<VisitPrintRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PRINT_COLS} FROM visit_prints WHERE list_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(list_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn visit_print(&mut self, id: i64) -> Result<Option<VisitPrintRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PRINT_COLS} FROM visit_prints WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn set_visit_print_sheets(&mut self, id: i64, sheets: i64) -> Result<()> {
        let sql = self.sql("UPDATE visit_prints SET sheets = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(sheets)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Count one more download of a printed copy.
    pub async fn count_visit_download(&mut self, id: i64) -> Result<()> {
        let sql = self.sql("UPDATE visit_prints SET downloads = downloads + 1 WHERE id = $1");
        sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        Ok(())
    }

    pub async fn insert_handout(&mut self, h: &NewHandout<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO visit_handouts (print_id, list_id, contract_id, half, visitor, \
             sheets_out, out_at, out_by, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(h.print_id)
            .bind(h.list_id)
            .bind(h.contract_id)
            .bind(h.half)
            .bind(h.visitor)
            .bind(h.sheets_out)
            .bind(h.out_at)
            .bind(h.out_by)
            .bind(h.due_at)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn handouts_of_list(&mut self, list_id: i64) -> Result<Vec<VisitHandoutRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {HANDOUT_COLS} FROM visit_handouts WHERE list_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(list_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn handout(&mut self, id: i64) -> Result<Option<VisitHandoutRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {HANDOUT_COLS} FROM visit_handouts WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Check a handout back in; false when it was already in.
    pub async fn return_handout(
        &mut self,
        id: i64,
        sheets_in: i64,
        at: &str,
        by: Option<i64>,
        note: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE visit_handouts SET sheets_in = $1, in_at = $2, in_by = $3, in_note = $4 \
             WHERE id = $5 AND in_at IS NULL",
        );
        let n = sqlx::query(&sql)
            .bind(sheets_in)
            .bind(at)
            .bind(by)
            .bind(note)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Handouts still out after their due time, of one contract or all;
    /// with `unraised`, only those no alarm has been raised for yet.
    pub async fn overdue_handouts(
        &mut self,
        contract_id: Option<i64>,
        now: &str,
        unraised: bool,
    ) -> Result<Vec<VisitHandoutRow>> {
        let mut sql = format!(
            "SELECT {HANDOUT_COLS} FROM visit_handouts WHERE in_at IS NULL AND due_at <= $1 \
             AND ($2 = 0 OR contract_id = $2)"
        );
        if unraised {
            sql.push_str(" AND alarm_at IS NULL");
        }
        sql.push_str(" ORDER BY id");
        let sql = self.sql(&sql).into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(now)
            .bind(contract_id.unwrap_or(0))
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Mark a handout's alarm raised; false when another check did first.
    pub async fn raise_handout_alarm(&mut self, id: i64, at: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE visit_handouts SET alarm_at = $1 WHERE id = $2 AND alarm_at IS NULL \
             AND in_at IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn insert_visit_record(&mut self, r: &NewVisitRecord<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO visit_records (list_id, contract_id, person_id, user_id, at, outcome, \
             reasons, requests, note, note_flags, note_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(r.list_id)
            .bind(r.contract_id)
            .bind(r.person_id)
            .bind(r.user_id)
            .bind(r.at)
            .bind(r.outcome)
            .bind(r.reasons)
            .bind(r.requests)
            .bind(r.note.clone())
            .bind(r.note_flags)
            .bind(r.note_state)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn visit_records_of(
        &mut self,
        list_id: i64,
        person_id: i64,
    ) -> Result<Vec<VisitRecordRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RECORD_COLS} FROM visit_records WHERE list_id = $1 AND person_id = $2 \
                 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(list_id)
            .bind(person_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn visit_record(&mut self, id: i64) -> Result<Option<VisitRecordRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RECORD_COLS} FROM visit_records WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn held_visit_records(&mut self, contract_id: i64) -> Result<Vec<VisitRecordRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RECORD_COLS} FROM visit_records WHERE contract_id = $1 \
                 AND note_state = 'held' ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Release a held note, or delete it (the sealed text goes).
    pub async fn review_visit_note(
        &mut self,
        id: i64,
        release: bool,
        by: Option<i64>,
        at: &str,
    ) -> Result<bool> {
        let sql = if release {
            "UPDATE visit_records SET note_state = 'released', reviewed_by = $1, reviewed_at = $2 \
             WHERE id = $3 AND note_state = 'held'"
        } else {
            "UPDATE visit_records SET note_state = 'deleted', note = NULL, reviewed_by = $1, \
             reviewed_at = $2 WHERE id = $3 AND note_state = 'held'"
        };
        let sql = self.sql(sql);
        Ok(sqlx::query(&sql)
            .bind(by)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected()
            == 1)
    }
}
