//! Mail campaigns: the campaign and its state history, members (vault ids
//! with their segment and arm), versioned message templates, and the print
//! register. No personal data in the clear lives in these tables.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub contract_id: i64,
    pub purpose: String,
    pub list_id: i64,
    pub fiscal_year: i64,
    pub state: String,
    pub deadline: String,
    pub desk_phone: String,
    pub clinics: String,
    pub segmentation: String,
    pub design: String,
    pub created_at: String,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct CampaignEventRow {
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub person_id: i64,
    pub ward_person_id: i64,
    pub callable: i64,
    pub segment: Option<String>,
    pub stratum: Option<String>,
    pub arm: Option<String>,
    pub block_no: Option<i64>,
    pub block_pos: Option<i64>,
    pub returned_at: Option<String>,
    pub returned_reason: Option<String>,
}

/// One member's place in the randomisation.
pub struct MemberAllocation<'a> {
    pub person_id: i64,
    pub stratum: &'a str,
    pub arm: Option<&'a str>,
    pub block_no: i64,
    pub block_pos: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct TemplateRow {
    pub segment: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub created_at: String,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct PrintRunRow {
    pub id: i64,
    pub campaign_id: i64,
    pub kind: String,
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub from_vault: String,
    pub persons: i64,
    pub pages: i64,
    pub template_versions: String,
    pub note: String,
}

pub struct NewPrintRun<'a> {
    pub campaign_id: i64,
    pub kind: &'a str,
    pub at: &'a str,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub from_vault: &'a str,
    pub pages: i64,
    pub template_versions: &'a str,
    pub note: &'a str,
}

const CAMPAIGN_COLS: &str = "id, name, kind, contract_id, purpose, list_id, fiscal_year, state, \
     deadline, desk_phone, clinics, segmentation, design, created_at, created_by";
const MEMBER_COLS: &str = "person_id, ward_person_id, callable, segment, stratum, arm, block_no, \
     block_pos, returned_at, returned_reason";
const RUN_COLS: &str = "id, campaign_id, kind, at, user_id, actor, from_vault, persons, pages, \
     template_versions, note";

impl Tx {
    pub async fn insert_campaign(&mut self, c: &CampaignRow) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO campaigns (name, kind, contract_id, purpose, list_id, fiscal_year, state, \
             deadline, desk_phone, clinics, segmentation, design, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(&c.name)
            .bind(&c.kind)
            .bind(c.contract_id)
            .bind(&c.purpose)
            .bind(c.list_id)
            .bind(c.fiscal_year)
            .bind(&c.state)
            .bind(&c.deadline)
            .bind(&c.desk_phone)
            .bind(&c.clinics)
            .bind(&c.segmentation)
            .bind(&c.design)
            .bind(&c.created_at)
            .bind(c.created_by)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn campaign(&mut self, id: i64) -> Result<Option<CampaignRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {CAMPAIGN_COLS} FROM campaigns WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn campaigns(&mut self) -> Result<Vec<CampaignRow>> {
        let sql = format!("SELECT {CAMPAIGN_COLS} FROM campaigns ORDER BY id DESC");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    /// Set one of the campaign's text settings (state, segmentation, design).
    pub async fn update_campaign(
        &mut self,
        id: i64,
        column: CampaignColumn,
        v: &str,
    ) -> Result<()> {
        let col = match column {
            CampaignColumn::State => "state",
            CampaignColumn::Segmentation => "segmentation",
            CampaignColumn::Design => "design",
        };
        let sql = self
            .sql(&format!("UPDATE campaigns SET {col} = $1 WHERE id = $2"))
            .into_owned();
        sqlx::query(&sql)
            .bind(v)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn insert_campaign_event(
        &mut self,
        campaign_id: i64,
        e: &CampaignEventRow,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO campaign_events (campaign_id, at, user_id, actor, from_state, to_state, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        );
        sqlx::query(&sql)
            .bind(campaign_id)
            .bind(&e.at)
            .bind(e.user_id)
            .bind(&e.actor)
            .bind(&e.from_state)
            .bind(&e.to_state)
            .bind(&e.note)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn campaign_events(&mut self, campaign_id: i64) -> Result<Vec<CampaignEventRow>> {
        let sql = self.sql(
            "SELECT at, user_id, actor, from_state, to_state, note FROM campaign_events \
             WHERE campaign_id = $1 ORDER BY id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// (contract-vault person id, ward person id, callable).
    pub async fn insert_campaign_members(
        &mut self,
        campaign_id: i64,
        members: &[(i64, i64, bool)],
    ) -> Result<()> {
        for chunk in members.chunks(2000) {
            let mut sql = String::from(
                "INSERT INTO campaign_members (campaign_id, person_id, ward_person_id, callable) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 3;
                sql.push_str(&format!("($1, ${}, ${}, ${})", b + 2, b + 3, b + 4));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql).bind(campaign_id);
            for (p, w, c) in chunk {
                q = q.bind(*p).bind(*w).bind(i64::from(*c));
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(())
    }

    pub async fn campaign_members(&mut self, campaign_id: i64) -> Result<Vec<MemberRow>> {
        let sql = self
            .sql(&format!(
            "SELECT {MEMBER_COLS} FROM campaign_members WHERE campaign_id = $1 ORDER BY person_id"
        ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn campaign_member(
        &mut self,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<Option<MemberRow>> {
        let sql = self
            .sql(&format!(
            "SELECT {MEMBER_COLS} FROM campaign_members WHERE campaign_id = $1 AND person_id = $2"
        ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(person_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Put members in segments; clears any allocation (it depended on them).
    pub async fn set_member_segments(
        &mut self,
        campaign_id: i64,
        segments: &[(i64, &str)],
    ) -> Result<()> {
        let sql = self.sql(
            "UPDATE campaign_members SET segment = $1, stratum = NULL, arm = NULL, block_no = NULL, \
             block_pos = NULL WHERE campaign_id = $2 AND person_id = $3",
        );
        for (person, seg) in segments {
            sqlx::query(&sql)
                .bind(*seg)
                .bind(campaign_id)
                .bind(*person)
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }

    pub async fn set_member_allocations(
        &mut self,
        campaign_id: i64,
        rows: &[MemberAllocation<'_>],
    ) -> Result<()> {
        let sql = self.sql(
            "UPDATE campaign_members SET stratum = $1, arm = $2, block_no = $3, block_pos = $4 \
             WHERE campaign_id = $5 AND person_id = $6",
        );
        for r in rows {
            sqlx::query(&sql)
                .bind(r.stratum)
                .bind(r.arm)
                .bind(r.block_no)
                .bind(r.block_pos)
                .bind(campaign_id)
                .bind(r.person_id)
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }

    /// Record a postcard returned as undeliverable; false if it already was.
    pub async fn mark_member_returned(
        &mut self,
        campaign_id: i64,
        person_id: i64,
        at: &str,
        by: Option<i64>,
        reason: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE campaign_members SET returned_at = $1, returned_by = $2, returned_reason = $3 \
             WHERE campaign_id = $4 AND person_id = $5 AND returned_at IS NULL",
        );
        let r = sqlx::query(&sql)
            .bind(at)
            .bind(by)
            .bind(reason)
            .bind(campaign_id)
            .bind(person_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Save a new version of a segment's message; returns its number.
    pub async fn insert_template(
        &mut self,
        campaign_id: i64,
        segment: &str,
        title: &str,
        body: &str,
        by: Option<i64>,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "SELECT COALESCE(MAX(version), 0) FROM message_templates WHERE campaign_id = $1 AND segment = $2",
        );
        let (last,): (i64,) = sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(segment)
            .fetch_one(&mut *self.inner)
            .await?;
        let sql = self.sql(
            "INSERT INTO message_templates (campaign_id, segment, version, title, body, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        );
        sqlx::query(&sql)
            .bind(campaign_id)
            .bind(segment)
            .bind(last + 1)
            .bind(title)
            .bind(body)
            .bind(now)
            .bind(by)
            .execute(&mut *self.inner)
            .await?;
        Ok(last + 1)
    }

    /// Every version of every segment's message, newest first per segment.
    pub async fn templates(&mut self, campaign_id: i64) -> Result<Vec<TemplateRow>> {
        let sql = self.sql(
            "SELECT segment, version, title, body, created_at, created_by FROM message_templates \
             WHERE campaign_id = $1 ORDER BY segment, version DESC",
        );
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// A run and the members it prints, in page order.
    pub async fn insert_print_run(&mut self, r: &NewPrintRun<'_>, persons: &[i64]) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO print_runs (campaign_id, kind, at, user_id, actor, from_vault, persons, pages, \
             template_versions, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(r.campaign_id)
            .bind(r.kind)
            .bind(r.at)
            .bind(r.user_id)
            .bind(r.actor)
            .bind(r.from_vault)
            .bind(persons.len() as i64)
            .bind(r.pages)
            .bind(r.template_versions)
            .bind(r.note)
            .fetch_one(&mut *self.inner)
            .await?;
        let numbered: Vec<(i64, i64)> = persons
            .iter()
            .enumerate()
            .map(|(i, p)| (i as i64 + 1, *p))
            .collect();
        for chunk in numbered.chunks(3000) {
            let mut sql =
                String::from("INSERT INTO print_run_items (run_id, seq, person_id) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("($1, ${}, ${})", i * 2 + 2, i * 2 + 3));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql).bind(id);
            for (seq, p) in chunk {
                q = q.bind(*seq).bind(*p);
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(id)
    }

    pub async fn print_runs(&mut self, campaign_id: i64) -> Result<Vec<PrintRunRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RUN_COLS} FROM print_runs WHERE campaign_id = $1 ORDER BY id DESC"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(campaign_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn print_run(&mut self, id: i64) -> Result<Option<PrintRunRow>> {
        let sql = self
            .sql(&format!("SELECT {RUN_COLS} FROM print_runs WHERE id = $1"))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// (seq, member person id) for seq in from..=to.
    pub async fn print_run_items(
        &mut self,
        run_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let sql = self.sql(
            "SELECT seq, person_id FROM print_run_items WHERE run_id = $1 AND seq >= $2 AND seq <= $3 \
             ORDER BY seq",
        );
        Ok(sqlx::query_as(&sql)
            .bind(run_id)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_print_download(
        &mut self,
        run_id: i64,
        batch: i64,
        at: &str,
        by: Option<i64>,
        pages: i64,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO print_downloads (run_id, batch, at, user_id, pages) VALUES ($1, $2, $3, $4, $5)",
        );
        sqlx::query(&sql)
            .bind(run_id)
            .bind(batch)
            .bind(at)
            .bind(by)
            .bind(pages)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// (batch, times downloaded, pages in all) per batch of a run.
    pub async fn print_downloads(&mut self, run_id: i64) -> Result<Vec<(i64, i64, i64)>> {
        let sql = self.sql(
            "SELECT batch, COUNT(*), CAST(SUM(pages) AS BIGINT) FROM print_downloads WHERE run_id = $1 \
             GROUP BY batch ORDER BY batch",
        );
        Ok(sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum CampaignColumn {
    State,
    Segmentation,
    Design,
}
