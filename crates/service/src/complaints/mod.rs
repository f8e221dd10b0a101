//! The complaints record (苦情処理簿) for every job. Contract clause 19
//! (seeds 001, 003): a contractor that receives a complaint about how
//! personal data is handled answers it promptly and reports how it was
//! dealt with to the ward. So contractors record what they received and
//! how they answered, and report it; the desk files its complaints here
//! too; ward staff see all jobs' complaints, record their own and answer.
//!
//! Everything is sealed with the ward's key: the record is the ward's and
//! outlives the contract's erasure (its rows are not work rows).

use crate::desk::{open_text, ward_aad, ComplaintAnswer, ComplaintView, MAX_NOTE_CHARS};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_policy::{Action, Scope};
use itaku_store::{ComplaintRow, ComplaintUpdate, NewComplaint};
use std::collections::BTreeMap;

mod contract;
pub use contract::ComplaintHandling;

const LIST_LIMIT: i64 = 500;

/// How a complaint reached whoever records it.
pub const CHANNELS: [(&str, &str); 6] = [
    ("phone", "電話"),
    ("counter", "窓口"),
    ("venue", "会場"),
    ("visit", "訪問"),
    ("mail", "郵便"),
    ("email", "電子メール"),
];

fn channel_label(code: &str) -> &str {
    CHANNELS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or(code)
}

fn source_label(code: &str) -> &str {
    match code {
        "desk" => "問合せ窓口",
        "call" => "電話勧奨",
        "visit" => "訪問勧奨",
        "contractor" => "受託者",
        "ward" => "区",
        other => other,
    }
}

/// A complaint as received.
#[derive(Debug, Clone)]
pub struct NewComplaintSpec {
    pub received_on: NaiveDate,
    /// One of [`CHANNELS`]' codes.
    pub channel: String,
    pub summary: String,
}

/// Which complaints the ward lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplaintFilter {
    pub job_id: Option<i64>,
    /// Only those without an answer yet.
    pub open_only: bool,
}

impl NewComplaintSpec {
    fn check(&self, today: NaiveDate) -> Result<String> {
        if !CHANNELS.iter().any(|(c, _)| *c == self.channel) {
            return Err(ServiceError::Invalid("受付方法を選んでください".into()));
        }
        if self.received_on > today {
            return Err(ServiceError::Invalid(
                "受付日が今日より後になっています".into(),
            ));
        }
        checked_text("苦情の内容", &self.summary, true)
    }
}

fn checked_text(label: &str, s: &str, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(ServiceError::Invalid(format!("{label}を入力してください")));
    }
    if t.chars().count() > MAX_NOTE_CHARS {
        return Err(ServiceError::Invalid(format!(
            "{label}は {MAX_NOTE_CHARS} 文字以内にしてください"
        )));
    }
    Ok(t.to_owned())
}

/// The dates written on a complaint must follow its receipt.
fn check_dates(row: &ComplaintRow, a: &ComplaintAnswer) -> Result<()> {
    let received = NaiveDate::parse_from_str(&row.received_on, "%Y-%m-%d").ok();
    for (label, d) in [("回答日", a.answered_on), ("区への報告日", a.reported_on)] {
        if let (Some(d), Some(r)) = (d, received) {
            if d < r {
                return Err(ServiceError::Invalid(format!(
                    "{label}が受付日（{r}）より前になっています"
                )));
            }
        }
    }
    if a.answered_on.is_some() && a.answer.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "回答日を入れるときは回答の内容も入力してください".into(),
        ));
    }
    Ok(())
}

impl Service {
    async fn complaint_views(
        &self,
        op: &mut Op<'_>,
        rows: &[ComplaintRow],
    ) -> Result<Vec<ComplaintView>> {
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let jobs: BTreeMap<i64, String> = op
            .tx
            .jobs()
            .await?
            .into_iter()
            .map(|j| (j.id, j.name))
            .collect();
        let mut contracts = BTreeMap::new();
        for id in rows.iter().filter_map(|r| r.contract_id) {
            if let std::collections::btree_map::Entry::Vacant(e) = contracts.entry(id) {
                if let Some(c) = op.tx.contract(id).await? {
                    e.insert(c.name);
                }
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let answer = match &r.answer {
                Some(a) => open_text(&key, &ward_aad("complaints", &r.seal_ref, "answer"), a)?,
                None => String::new(),
            };
            out.push(ComplaintView {
                id: r.id,
                job_id: r.job_id,
                job_name: jobs.get(&r.job_id).cloned().unwrap_or_default(),
                contract_id: r.contract_id,
                contract_name: r
                    .contract_id
                    .and_then(|c| contracts.get(&c).cloned())
                    .unwrap_or_else(|| "区の直営".into()),
                source: source_label(&r.source).to_owned(),
                received_on: r.received_on.clone(),
                channel: channel_label(&r.channel).to_owned(),
                summary: open_text(
                    &key,
                    &ward_aad("complaints", &r.seal_ref, "summary"),
                    &r.summary,
                )?,
                answered_on: r.answered_on.clone(),
                answer,
                reported_on: r.reported_on.clone(),
            });
        }
        Ok(out)
    }

    /// The complaints record for ward staff, unanswered first.
    pub async fn ward_complaints(&self, actor: &Actor) -> Result<Vec<ComplaintView>> {
        self.ward_complaints_filtered(actor, ComplaintFilter::default())
            .await
    }

    /// The complaints record for ward staff, for one job or unanswered only.
    pub async fn ward_complaints_filtered(
        &self,
        actor: &Actor,
        f: ComplaintFilter,
    ) -> Result<Vec<ComplaintView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "complaint"),
            )
            .await?;
        let rows: Vec<ComplaintRow> = op
            .tx
            .complaints(LIST_LIMIT)
            .await?
            .into_iter()
            .filter(|r| f.job_id.is_none_or(|j| r.job_id == j))
            .filter(|r| !f.open_only || r.answered_on.is_none())
            .collect();
        let out = self.complaint_views(&mut op, &rows).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        op.finish(&ids, &format!("complaints: {} listed", ids.len()))
            .await?;
        Ok(out)
    }

    /// Ward staff record a complaint the ward received itself, for a job
    /// (and the contract it concerns, if any). It is reported on receipt.
    pub async fn record_ward_complaint(
        &self,
        actor: &Actor,
        job_id: i64,
        contract_id: Option<i64>,
        spec: &NewComplaintSpec,
    ) -> Result<i64> {
        let summary = spec.check(crate::time::jst_date(self.now()))?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "complaint"),
            )
            .await?;
        if !op.tx.jobs().await?.iter().any(|j| j.id == job_id) {
            op.finish(&[], "complaint: no such job").await?;
            return Err(ServiceError::Invalid("業務を選んでください".into()));
        }
        if let Some(c) = contract_id {
            if op.tx.contract(c).await?.is_none_or(|c| c.job_id != job_id) {
                op.finish(&[], "complaint: contract not of the job").await?;
                return Err(ServiceError::Invalid(
                    "契約はその業務のものを選んでください".into(),
                ));
            }
        }
        let day = spec.received_on.to_string();
        let id = self
            .insert_complaint(
                &mut op,
                job_id,
                contract_id,
                ("ward", None),
                spec,
                &summary,
                Some(&day),
            )
            .await?;
        op.finish(&[id], &format!("complaint {id} recorded by the ward"))
            .await?;
        Ok(id)
    }

    /// Ward staff write the answer (and when it was given) on a complaint.
    pub async fn answer_complaint(
        &self,
        actor: &Actor,
        id: i64,
        a: &ComplaintAnswer,
    ) -> Result<()> {
        let answer = checked_text("回答", &a.answer, false)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "complaint"),
            )
            .await?;
        let Some(row) = op.tx.complaint(id).await? else {
            op.finish(&[id], "complaint not found").await?;
            return Err(ServiceError::not_found());
        };
        if let Err(e) = check_dates(&row, a) {
            op.finish(&[id], "complaint answer refused").await?;
            return Err(e);
        }
        self.write_answer(&mut op, &row, &answer, a).await?;
        op.finish(&[id], &format!("complaint {id} answered")).await
    }

    async fn write_answer(
        &self,
        op: &mut Op<'_>,
        row: &ComplaintRow,
        answer: &str,
        a: &ComplaintAnswer,
    ) -> Result<()> {
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let sealed = if answer.is_empty() {
            None
        } else {
            Some(key.seal(
                &ward_aad("complaints", &row.seal_ref, "answer"),
                answer.as_bytes(),
            )?)
        };
        let answered = a.answered_on.map(|d| d.to_string());
        let reported = a.reported_on.map(|d| d.to_string());
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        op.tx
            .update_complaint(
                row.id,
                &ComplaintUpdate {
                    answered_on: answered.as_deref(),
                    answer: sealed.as_deref(),
                    reported_on: reported.as_deref().or(row.reported_on.as_deref()),
                    at: &now,
                    by: &by,
                },
            )
            .await?;
        Ok(())
    }

    /// The one insert into the record (sealed with the ward's key), for
    /// every channel: `source` names who took it, `source_id` its record
    /// there (the desk's inquiry).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_complaint(
        &self,
        op: &mut Op<'_>,
        job_id: i64,
        contract_id: Option<i64>,
        (source, source_id): (&str, Option<i64>),
        spec: &NewComplaintSpec,
        summary: &str,
        reported_on: Option<&str>,
    ) -> Result<i64> {
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let seal_ref = itaku_crypto::random_token();
        let sealed = key.seal(
            &ward_aad("complaints", &seal_ref, "summary"),
            summary.as_bytes(),
        )?;
        let day = spec.received_on.to_string();
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        Ok(op
            .tx
            .insert_complaint(&NewComplaint {
                job_id,
                contract_id,
                source,
                source_id,
                received_on: &day,
                channel: &spec.channel,
                seal_ref: &seal_ref,
                summary: &sealed,
                reported_on,
                created_at: &now,
                created_by: &by,
            })
            .await?)
    }
}

/// A job and its contracts, for choosing what a ward complaint concerns.
#[derive(Debug, Clone)]
pub struct ComplaintTarget {
    pub job_id: i64,
    pub job_name: String,
    pub contracts: Vec<(i64, String)>,
}

impl Service {
    /// The jobs and contracts a ward complaint can concern.
    pub async fn complaint_targets(&self, actor: &Actor) -> Result<Vec<ComplaintTarget>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "complaint_targets"),
            )
            .await?;
        let mut out: Vec<ComplaintTarget> = op
            .tx
            .jobs()
            .await?
            .into_iter()
            .map(|j| ComplaintTarget {
                job_id: j.id,
                job_name: j.name,
                contracts: Vec::new(),
            })
            .collect();
        for c in op.tx.contracts().await? {
            if let Some(t) = out.iter_mut().find(|t| t.job_id == c.job_id) {
                t.contracts.push((c.id, c.name));
            }
        }
        op.finish(&[], "complaint targets").await?;
        Ok(out)
    }
}
