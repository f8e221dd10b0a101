//! Progress toward the four-month goal: pages entered against the pages
//! assigned, the rate needed over the contract's remaining working days
//! (開庁日) against the rate achieved so far, per batch and per operator.

use super::entry::{batch_view, BatchView};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::{jst_date, parse_date};
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::ContractId;
use itaku_policy::{Action, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct OperatorProgress {
    pub user_id: i64,
    pub name: String,
    pub keyings: i64,
    pub today: i64,
    /// Days with at least one keying.
    pub days_worked: i64,
    pub per_day: f64,
    /// (batch id, keyings).
    pub by_batch: Vec<(i64, i64)>,
}

pub type BatchProgress = BatchView;

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub contract_id: i64,
    pub contract_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub today: NaiveDate,
    pub pages: i64,
    pub done: i64,
    pub working_days_elapsed: i64,
    pub working_days_left: i64,
    /// Pages a day still needed to finish by the end of the contract.
    pub needed_per_day: f64,
    /// Pages a day entered so far.
    pub achieved_per_day: f64,
    pub on_track: bool,
    pub batches: Vec<BatchProgress>,
    pub operators: Vec<OperatorProgress>,
}

/// 開庁日 from `from` to `to`, both included.
pub fn working_days(from: NaiveDate, to: NaiveDate) -> i64 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !itaku_jp::is_heichobi(*d))
        .count() as i64
}

impl Service {
    pub async fn entry_progress(&self, actor: &Actor, contract_id: i64) -> Result<Progress> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "tainou_batch",
                ),
            )
            .await?;
        let c = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let bad = || ServiceError::Internal(format!("契約 {contract_id} の日付が不正です"));
        let starts_on = parse_date(&c.starts_on).ok_or_else(bad)?;
        let ends_on = parse_date(&c.ends_on).ok_or_else(bad)?;
        let today = jst_date(self.now());
        let mut batches = Vec::new();
        for b in op.tx.tainou_batches(contract_id).await? {
            batches.push(batch_view(&mut op, &b).await?);
        }
        let pages: i64 = batches.iter().map(|b| b.pages).sum();
        let done: i64 = batches.iter().map(|b| b.done()).sum();
        let elapsed = working_days(starts_on, today.min(ends_on)).max(1);
        let left = match today.succ_opt() {
            Some(next) if today < ends_on => working_days(next, ends_on),
            _ => 0,
        };
        // Today counts as left while there is work to do today.
        let left_incl_today = left + i64::from(!itaku_jp::is_heichobi(today) && today <= ends_on);
        let remaining = pages - done;
        let needed_per_day = if remaining <= 0 {
            0.0
        } else if left_incl_today == 0 {
            remaining as f64
        } else {
            remaining as f64 / left_incl_today as f64
        };
        let achieved_per_day = done as f64 / elapsed as f64;

        let today_key = today.to_string();
        let mut ops: BTreeMap<i64, OperatorProgress> = BTreeMap::new();
        let mut days: BTreeMap<i64, std::collections::BTreeSet<String>> = BTreeMap::new();
        for r in op.tx.tainou_keying_counts(contract_id).await? {
            let o = ops.entry(r.user_id).or_insert_with(|| OperatorProgress {
                user_id: r.user_id,
                name: String::new(),
                keyings: 0,
                today: 0,
                days_worked: 0,
                per_day: 0.0,
                by_batch: Vec::new(),
            });
            o.keyings += r.keyings;
            if r.day == today_key {
                o.today += r.keyings;
            }
            match o.by_batch.iter_mut().find(|b| b.0 == r.batch_id) {
                Some(b) => b.1 += r.keyings,
                None => o.by_batch.push((r.batch_id, r.keyings)),
            }
            days.entry(r.user_id).or_default().insert(r.day);
        }
        let mut operators = Vec::new();
        for (id, mut o) in ops {
            o.name = match op.tx.user(id).await? {
                Some(u) => format!("{}（{}）", u.display_name, u.login),
                None => format!("利用者 {id}"),
            };
            o.days_worked = days.get(&id).map(|d| d.len() as i64).unwrap_or(0);
            o.per_day = o.keyings as f64 / o.days_worked.max(1) as f64;
            operators.push(o);
        }
        op.finish(&[], "progress").await?;
        Ok(Progress {
            contract_id,
            contract_name: c.name,
            starts_on,
            ends_on,
            today,
            pages,
            done,
            working_days_elapsed: elapsed,
            working_days_left: left_incl_today,
            needed_per_day,
            achieved_per_day,
            on_track: remaining <= 0 || achieved_per_day >= needed_per_day,
            batches,
            operators,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        // 2026-11-23 is 勤労感謝の日 (Monday); 11-21/22 a weekend.
        assert_eq!(working_days(d(11, 20), d(11, 24)), 2);
        assert_eq!(working_days(d(11, 24), d(11, 20)), 0);
    }
}
