//! 授受簿 (seed 001: 訪問リストの配布枚数等の管理を徹底するため、訪問開始時と
//! 終了時の授受簿をつけさせる): who took which printed copy, how many sheets,
//! when; the sheets counted back in; and an alarm for the 責任者 when a copy
//! is still out at the end of the working day.
//!
//! The end of the day is 17:15 JST (the ward's closing time) unless the
//! ward sets another with [`Service::set_visit_return_time`]. It is fixed
//! on each sign-out: a copy taken after that time is due by midnight JST.

use super::print::{run_ref, Half};
use crate::actor::Actor;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::{jst_date, jst_display, ts};
use crate::Service;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use itaku_policy::{Action, Scope};
use itaku_store::{NewHandout, VisitHandoutRow};
use serde::Serialize;

/// 17:15, when the ward's offices close.
pub const DEFAULT_RETURN_BY: (u32, u32) = (17, 15);
const RETURN_BY_KEY: &str = "visits.return_by";

#[derive(Debug, Clone, Serialize)]
pub struct HandoutView {
    pub id: i64,
    pub print_id: i64,
    pub run_ref: String,
    pub half: Half,
    pub half_label: &'static str,
    pub visitor: String,
    pub sheets_out: i64,
    pub out_at: String,
    pub due_at: String,
    pub sheets_in: Option<i64>,
    pub in_at: Option<String>,
    pub in_note: String,
    /// Returned sheets minus sheets taken (negative: missing).
    pub difference: Option<i64>,
    pub overdue: bool,
    pub alarm_at: Option<String>,
}

impl HandoutView {
    pub(crate) fn of(h: &VisitHandoutRow, now: &str) -> Result<Self> {
        let half = Half::parse(&h.half)?;
        Ok(Self {
            id: h.id,
            print_id: h.print_id,
            run_ref: run_ref(h.print_id),
            half,
            half_label: half.label(),
            visitor: h.visitor.clone(),
            sheets_out: h.sheets_out,
            out_at: jst_display(&h.out_at),
            due_at: jst_display(&h.due_at),
            sheets_in: h.sheets_in,
            in_at: h.in_at.as_deref().map(jst_display),
            in_note: h.in_note.clone(),
            difference: h.sheets_in.map(|n| n - h.sheets_out),
            overdue: h.in_at.is_none() && h.due_at.as_str() <= now,
            alarm_at: h.alarm_at.as_deref().map(jst_display),
        })
    }
}

/// A copy still out after its due time.
#[derive(Debug, Clone, Serialize)]
pub struct VisitAlarm {
    pub handout_id: i64,
    pub list_id: i64,
    pub run_ref: String,
    pub half_label: &'static str,
    pub visitor: String,
    pub sheets_out: i64,
    pub out_at: String,
    pub due_at: String,
}

fn alarm_of(h: &VisitHandoutRow) -> Result<VisitAlarm> {
    Ok(VisitAlarm {
        handout_id: h.id,
        list_id: h.list_id,
        run_ref: run_ref(h.print_id),
        half_label: Half::parse(&h.half)?.label(),
        visitor: h.visitor.clone(),
        sheets_out: h.sheets_out,
        out_at: jst_display(&h.out_at),
        due_at: jst_display(&h.due_at),
    })
}

/// When a copy signed out at `out` must be back.
pub(crate) fn due_at(out: DateTime<Utc>, return_by: NaiveTime) -> DateTime<Utc> {
    let day = jst_date(out);
    let at = day.and_time(return_by).and_utc() - Duration::hours(9);
    if out < at {
        at
    } else {
        (day + Duration::days(1)).and_time(NaiveTime::MIN).and_utc() - Duration::hours(9)
    }
}

/// A visitor's name as written in the register, for comparing two entries.
fn same_person(a: &str, b: &str) -> bool {
    itaku_jp::search_key(a) == itaku_jp::search_key(b)
}

impl Service {
    /// The time of day (JST) copies must be back by.
    pub async fn visit_return_time(&self) -> Result<NaiveTime> {
        let mut tx = self.inner.store.begin().await?;
        let v = tx.meta_get(RETURN_BY_KEY).await?;
        tx.rollback().await?;
        let default = NaiveTime::from_hms_opt(DEFAULT_RETURN_BY.0, DEFAULT_RETURN_BY.1, 0)
            .unwrap_or(NaiveTime::MIN);
        Ok(v.and_then(|s| NaiveTime::parse_from_str(&s, "%H:%M").ok())
            .unwrap_or(default))
    }

    /// The ward's administrator sets the return time for every contract.
    pub async fn set_visit_return_time(&self, actor: &Actor, at: NaiveTime) -> Result<()> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Administer, Scope::System, "visit_settings"),
            )
            .await?;
        let v = at.format("%H:%M").to_string();
        op.tx.meta_set(RETURN_BY_KEY, &v).await?;
        op.finish(&[], &format!("visit lists due back by {v} JST"))
            .await
    }

    /// Sign a printed copy out to a visitor. A copy is out to one visitor
    /// at a time, and one visitor never holds both halves of a list.
    pub async fn sign_out_visit_half(
        &self,
        actor: &Actor,
        print_id: i64,
        visitor: &str,
        sheets: i64,
    ) -> Result<i64> {
        let visitor = visitor.trim();
        if visitor.is_empty() || visitor.chars().count() > 40 {
            return Err(ServiceError::Invalid(
                "持ち出す訪問員の氏名を 40 文字以内で入力してください".into(),
            ));
        }
        let return_by = self.visit_return_time().await?;
        let (mut op, contract) = self
            .visit_op(actor, Action::Write, Default::default(), "visit_handout")
            .await?;
        let p = match op.tx.visit_print(print_id).await? {
            Some(p) if p.contract_id == contract.0 => p,
            _ => {
                op.finish(&[], &format!("visit print {print_id}: not found"))
                    .await?;
                return Err(ServiceError::not_found());
            }
        };
        if sheets < 1 || sheets > p.sheets {
            return Err(ServiceError::Invalid(format!(
                "持ち出す枚数は 1〜{} 枚で入力してください（{} は {} 枚）",
                p.sheets,
                run_ref(p.id),
                p.sheets
            )));
        }
        let half = Half::parse(&p.half)?;
        let handouts = op.tx.handouts_of_list(p.list_id).await?;
        let open = handouts.iter().filter(|h| h.in_at.is_none());
        for h in open {
            if h.print_id == p.id {
                return Err(ServiceError::Conflict(format!(
                    "{} は {} さんが持ち出し中です。返却を記録してから持ち出してください",
                    run_ref(p.id),
                    h.visitor
                )));
            }
            if h.half == half.other().code() && same_person(&h.visitor, visitor) {
                return Err(ServiceError::Conflict(format!(
                    "{} さんは同じ名簿の{}を持ち出し中です。名前の票と住所の票は別々の訪問員が持ちます",
                    visitor,
                    half.other().label()
                )));
            }
        }
        let now = self.now();
        let due = ts(due_at(now, return_by));
        let id = op
            .tx
            .insert_handout(&NewHandout {
                print_id: p.id,
                list_id: p.list_id,
                contract_id: contract.0,
                half: half.code(),
                visitor,
                sheets_out: sheets,
                out_at: &ts(now),
                out_by: op.actor_user(),
                due_at: &due,
            })
            .await?;
        op.finish(
            &[],
            &format!(
                "授受簿 {id}: {} {} signed out to {visitor}, {sheets} sheets, due {}",
                run_ref(p.id),
                half.code(),
                jst_display(&due)
            ),
        )
        .await?;
        Ok(id)
    }

    /// Count a copy back in. A count that differs from what was taken is
    /// recorded with the reason, which is then required.
    pub async fn sign_in_visit_half(
        &self,
        actor: &Actor,
        handout_id: i64,
        sheets: i64,
        note: &str,
    ) -> Result<()> {
        let note = note.trim();
        let (mut op, contract) = self
            .visit_op(actor, Action::Write, Default::default(), "visit_handout")
            .await?;
        let h = match op.tx.handout(handout_id).await? {
            Some(h) if h.contract_id == contract.0 => h,
            _ => {
                op.finish(&[], &format!("handout {handout_id}: not found"))
                    .await?;
                return Err(ServiceError::not_found());
            }
        };
        if h.in_at.is_some() {
            return Err(ServiceError::Conflict(format!(
                "{} の返却はすでに記録されています",
                run_ref(h.print_id)
            )));
        }
        if sheets < 0 {
            return Err(ServiceError::Invalid("返却枚数を入力してください".into()));
        }
        if sheets != h.sheets_out && note.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "持出し {} 枚に対して返却 {sheets} 枚です。差異の理由を入力してください",
                h.sheets_out
            )));
        }
        if note.chars().count() > 200 {
            return Err(ServiceError::Invalid(
                "差異の理由は 200 文字以内で入力してください".into(),
            ));
        }
        let now = op.now_ts();
        op.tx
            .return_handout(handout_id, sheets, &now, op.actor_user(), note)
            .await?;
        let diff = sheets - h.sheets_out;
        op.finish(
            &[],
            &format!(
                "授受簿 {handout_id}: {} returned by {}, {sheets}/{} sheets{}",
                run_ref(h.print_id),
                h.visitor,
                h.sheets_out,
                if diff == 0 {
                    String::new()
                } else {
                    format!(", difference {diff}: {note}")
                }
            ),
        )
        .await
    }

    /// The end-of-day check for the actor's contract: copies still out
    /// after their due time get their alarm raised (once, with an audit
    /// entry naming them), and every open alarm is returned for the page.
    pub async fn visit_alarms(&self, actor: &Actor) -> Result<Vec<VisitAlarm>> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, Default::default(), "visit_handout")
            .await?;
        let now = op.now_ts();
        let pending = op.tx.overdue_handouts(Some(contract.0), &now, true).await?;
        let open = op
            .tx
            .overdue_handouts(Some(contract.0), &now, false)
            .await?;
        op.finish(&[], "visit list returns checked").await?;
        if !pending.is_empty() {
            self.raise_alarms(actor, &pending).await?;
        }
        open.iter().map(alarm_of).collect()
    }

    /// The same check over every contract, for a job runner (as the
    /// system, with its reason in the audit log). The number raised.
    pub async fn check_visit_returns(&self) -> Result<usize> {
        let now = ts(self.now());
        let pending = {
            let mut tx = self.inner.store.begin().await?;
            let p = tx.overdue_handouts(None, &now, true).await?;
            tx.rollback().await?;
            p
        };
        let mut raised = 0;
        let mut contracts: Vec<i64> = pending.iter().map(|h| h.contract_id).collect();
        contracts.dedup();
        for c in contracts {
            let actor = Actor::system("訪問名簿の返却確認（終業時刻）")
                .in_contract(itaku_core::ContractId(c), None);
            let mine: Vec<VisitHandoutRow> = pending
                .iter()
                .filter(|h| h.contract_id == c)
                .cloned()
                .collect();
            raised += self.raise_alarms(&actor, &mine).await?;
        }
        Ok(raised)
    }

    async fn raise_alarms(&self, actor: &Actor, pending: &[VisitHandoutRow]) -> Result<usize> {
        let (mut op, _) = self
            .visit_op(actor, Action::Write, Default::default(), "visit_handout")
            .await?;
        let now = op.now_ts();
        let mut raised = Vec::new();
        for h in pending {
            // Another check may have raised it in the meantime.
            if op.tx.raise_handout_alarm(h.id, &now).await? {
                raised.push(h);
            }
        }
        if raised.is_empty() {
            // Nothing changed: no entry, no commit needed.
            drop(op);
            return Ok(0);
        }
        let ids: Vec<i64> = raised.iter().map(|h| h.id).collect();
        let detail = raised
            .iter()
            .map(|h| {
                format!(
                    "{} {} ({}, {} sheets, due {})",
                    run_ref(h.print_id),
                    h.half,
                    h.visitor,
                    h.sheets_out,
                    jst_display(&h.due_at)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        op.finish(&ids, &format!("ALARM visit list not returned: {detail}"))
            .await?;
        Ok(ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn due_at_the_end_of_the_working_day_in_jst() {
        let by = NaiveTime::from_hms_opt(17, 15, 0).unwrap();
        // 10:00 JST → 17:15 JST the same day (08:15 UTC).
        let out = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
        assert_eq!(
            due_at(out, by),
            Utc.with_ymd_and_hms(2026, 11, 22, 8, 15, 0).unwrap()
        );
        // 18:00 JST → midnight JST.
        let late = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
        assert_eq!(
            due_at(late, by),
            Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).unwrap()
        );
        // 08:00 JST on the 23rd is 23:00 UTC on the 22nd: due the 23rd.
        let early = Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).unwrap();
        assert_eq!(
            due_at(early, by),
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 15, 0).unwrap()
        );
    }
}
