//! Ward staff writing the ledger: their own history entries, corrections
//! (a new row superseding the old), payments checked against the year's
//! assessment, installment plans whose schedule must add up to the
//! agreed total, and the review of held notes.

use super::ledger::{parse_ward_page, put_entries, Source};
use super::line::{parse_amount, parse_page, parse_paper_date, LineInput, PageInput};
use super::read::open_entry;
use super::seal::{hh_aad, open_amount, seal_json};
use super::{set, LEDGER_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::time::jst_date;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_jp::Era;
use itaku_policy::{Action, Scope};
use itaku_store::HouseholdRow;

/// A note held by the screen, shown only to the ward's reviewer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeldLedgerNote {
    pub entry_id: i64,
    pub entry_on: String,
    pub flags: Vec<String>,
    pub text: String,
}

impl Service {
    async fn ward_write(&self, actor: &Actor, target: &'static str) -> Result<Op<'_>> {
        self.begin(
            actor,
            OpRequest::new(Action::Write, Scope::Ward, target).items(set(&LEDGER_ITEMS)),
        )
        .await
    }

    /// Ward staff add entries of their own to a household's history.
    pub async fn add_ledger_entries(
        &self,
        actor: &Actor,
        household_id: i64,
        page: &PageInput,
    ) -> Result<Vec<i64>> {
        let mut op = self.ward_write(actor, "tainou_entry").await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        household(&mut op, vault.id, household_id).await?;
        let lines = parse_ward_page(page, jst_date(self.now()))?;
        let src = Source {
            text: "区職員",
            page_id: None,
            supersedes: None,
        };
        let ids = put_entries(&mut op, vault.id, &key, household_id, &lines, &src).await?;
        op.finish(&ids, &format!("household {household_id}: entries added"))
            .await?;
        Ok(ids)
    }

    /// Correct one entry: the correction is a new entry that supersedes
    /// it; the old one stays in the history, marked.
    pub async fn correct_ledger_entry(
        &self,
        actor: &Actor,
        entry_id: i64,
        line: &LineInput,
    ) -> Result<i64> {
        let mut op = self.ward_write(actor, "tainou_entry").await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let id = correct_in(
            &mut op,
            vault.id,
            &key,
            entry_id,
            line,
            Era::Reiwa,
            "区職員（訂正）",
            jst_date(self.now()),
        )
        .await?;
        op.finish(&[entry_id, id], "entry corrected").await?;
        Ok(id)
    }

    /// A payment for one fiscal year; refused when the year's payments
    /// would exceed its assessment.
    pub async fn record_payment(
        &self,
        actor: &Actor,
        household_id: i64,
        fiscal_year: i32,
        paid_on: &str,
        amount: &str,
        plan_id: Option<i64>,
    ) -> Result<i64> {
        let mut op = self.ward_write(actor, "tainou_payment").await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let h = household(&mut op, vault.id, household_id).await?;
        let on = parse_paper_date(paid_on, Era::Reiwa, jst_date(self.now()))?;
        let amount = parse_amount("納付額", amount)?;
        if amount == 0 {
            return Err(ServiceError::Invalid("納付額が 0 円です".into()));
        }
        let fy = i64::from(fiscal_year);
        let mut assessed = 0;
        for a in op.tx.tainou_assessments(h.id).await? {
            if a.fiscal_year == fy {
                assessed += open_amount(
                    &key,
                    &hh_aad(vault.id, &h.row_key, &format!("fuka/{fy}")),
                    &a.amount,
                )?;
            }
        }
        let mut paid = 0;
        for p in op.tx.tainou_payments(h.id).await? {
            if p.fiscal_year == fy {
                paid += open_amount(&key, &hh_aad(vault.id, &h.row_key, "nofu"), &p.amount)?;
            }
        }
        if paid + amount > assessed {
            // The amounts were read: the refusal is audited like the read.
            // The message does not repeat them (it travels in the address
            // of the page that shows it); the ledger shows them, audited.
            op.finish(&[h.id], "payment refused: exceeds the assessment")
                .await?;
            return Err(ServiceError::Invalid(format!(
                "{}の納付額の合計が賦課額を超えます。台帳で賦課額と納付済額を確かめてください",
                super::read::fiscal_label(fiscal_year),
            )));
        }
        if let Some(p) = plan_id {
            if !op.tx.tainou_plans(h.id).await?.iter().any(|x| x.id == p) {
                return Err(ServiceError::Invalid(
                    "その分割納付の計画はこの世帯にありません".into(),
                ));
            }
        }
        let sealed = key.seal(
            &hh_aad(vault.id, &h.row_key, "nofu"),
            amount.to_string().as_bytes(),
        )?;
        let who = op.actor_label().to_owned();
        let now = op.now_ts();
        let id = op
            .tx
            .insert_tainou_payment(h.id, fy, &on.to_string(), plan_id, &sealed, &now, &who)
            .await?;
        op.finish(&[household_id], "payment recorded").await?;
        Ok(id)
    }

    /// An installment plan (分割納付誓約): the schedule's amounts must add
    /// up to the agreed total, and its dates must not go backwards.
    pub async fn create_plan(
        &self,
        actor: &Actor,
        household_id: i64,
        agreed_on: &str,
        total: &str,
        schedule: &[(String, String)],
    ) -> Result<i64> {
        let today = jst_date(self.now());
        let agreed = parse_paper_date(agreed_on, Era::Reiwa, today)?;
        let total = parse_amount("誓約額", total)?;
        let mut dues: Vec<(NaiveDate, i64)> = Vec::new();
        for (n, (d, a)) in schedule.iter().enumerate() {
            if d.trim().is_empty() && a.trim().is_empty() {
                continue;
            }
            let at = |e: ServiceError| ServiceError::Invalid(format!("{}回目: {e}", n + 1));
            let on = itaku_jp::parse_date_with_era_hint(d, Era::Reiwa)
                .map_err(|e| at(ServiceError::Invalid(format!("納期{e}"))))?;
            let amount = parse_amount("金額", a).map_err(at)?;
            if dues.last().is_some_and(|l| l.0 >= on) || on < agreed {
                return Err(at(ServiceError::Invalid(
                    "納期は誓約日より後で、回を追うごとに後の日付にしてください".into(),
                )));
            }
            dues.push((on, amount));
        }
        if dues.is_empty() {
            return Err(ServiceError::Invalid(
                "分割の納期と金額を入力してください".into(),
            ));
        }
        let sum: i64 = dues.iter().map(|d| d.1).sum();
        if sum != total {
            return Err(ServiceError::Invalid(format!(
                "分割の金額の合計 {}円 が誓約額 {}円 と一致しません",
                super::yen(sum),
                super::yen(total)
            )));
        }
        let mut op = self.ward_write(actor, "tainou_plan").await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let h = household(&mut op, vault.id, household_id).await?;
        let day = agreed.to_string();
        let t = key.seal(
            &hh_aad(vault.id, &h.row_key, &format!("plan/{day}/total")),
            total.to_string().as_bytes(),
        )?;
        let s = seal_json(
            &key,
            &hh_aad(vault.id, &h.row_key, &format!("plan/{day}/schedule")),
            &dues,
        )?;
        let who = op.actor_label().to_owned();
        let now = op.now_ts();
        let id = op
            .tx
            .insert_tainou_plan(h.id, &day, &t, &s, &now, &who)
            .await?;
        op.finish(&[household_id], "plan created").await?;
        Ok(id)
    }

    /// Notes of a household the screen held (思想・信条・宗教, 社会的差別,
    /// 犯罪 words), for a ward reviewer to release or delete.
    pub async fn held_ledger_notes(
        &self,
        actor: &Actor,
        household_id: i64,
    ) -> Result<Vec<HeldLedgerNote>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "tainou_entry").items(set(&LEDGER_ITEMS)),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        household(&mut op, vault.id, household_id).await?;
        let mut out = Vec::new();
        for e in op.tx.tainou_entries(household_id).await? {
            let (Some(sealed), "held") = (&e.note, e.note_state.as_str()) else {
                continue;
            };
            let aad = super::seal::entry_aad(vault.id, e.household_id, &e.row_key, "note");
            out.push(HeldLedgerNote {
                entry_id: e.id,
                entry_on: e.entry_on.clone(),
                flags: crate::held_note::flag_labels(&e.note_flags),
                text: super::seal::open_text(&key, &aad, sealed)?,
            });
        }
        let ids: Vec<i64> = out.iter().map(|n| n.entry_id).collect();
        op.finish(&ids, "held notes").await?;
        Ok(out)
    }

    /// Release a held note to view, or delete it.
    pub async fn review_ledger_note(
        &self,
        actor: &Actor,
        entry_id: i64,
        release: bool,
    ) -> Result<()> {
        let mut op = self.ward_write(actor, "tainou_entry").await?;
        if !op.tx.review_tainou_note(entry_id, release).await? {
            return Err(ServiceError::Conflict(
                "確認待ちの備考ではありません".into(),
            ));
        }
        op.finish(
            &[entry_id],
            if release {
                "note released"
            } else {
                "note deleted"
            },
        )
        .await?;
        Ok(())
    }
}

async fn household(op: &mut Op<'_>, vault_id: i64, id: i64) -> Result<HouseholdRow> {
    match op.tx.tainou_household(id).await? {
        Some(h) if h.vault_id == vault_id => Ok(h),
        _ => Err(ServiceError::not_found()),
    }
}

/// Supersede `entry_id` by the corrected line, inside the caller's op.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn correct_in(
    op: &mut Op<'_>,
    vault_id: i64,
    key: &itaku_crypto::DataKey,
    entry_id: i64,
    line: &LineInput,
    era: Era,
    source: &str,
    today: NaiveDate,
) -> Result<i64> {
    let Some(old) = op.tx.tainou_entry(entry_id).await? else {
        return Err(ServiceError::not_found());
    };
    if old.superseded_by.is_some() {
        return Err(ServiceError::Conflict(
            "この記録はすでに訂正されています。最新の記録を訂正してください".into(),
        ));
    }
    // Only a readable entry of this vault can be corrected.
    open_entry(vault_id, key, &old)?;
    let lines = parse_page(
        &PageInput {
            lines: vec![line.clone()],
            page_total: line.amount.clone(),
        },
        era,
        today,
    )?;
    let src = Source {
        text: source,
        page_id: old.page_id,
        supersedes: Some(old.id),
    };
    let ids = put_entries(op, vault_id, key, old.household_id, &lines, &src).await?;
    let new = ids
        .first()
        .copied()
        .ok_or_else(|| ServiceError::Internal("訂正の記録".into()))?;
    if !op.tx.supersede_tainou_entry(old.id, new).await? {
        return Err(ServiceError::Conflict(
            "この記録は同時に訂正されました".into(),
        ));
    }
    Ok(new)
}
