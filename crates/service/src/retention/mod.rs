//! Retention rules (保存期間): what happens to a contract's data and when.
//! The ward sets them on the contract; each rule becomes a scheduled job
//! as soon as its time is known, and the job runner carries it out with
//! the same return and erasure path, and the same certificate, as the
//! ward's own erasure.
//!
//! A rule is a trigger and an action. Triggers: so many days after the
//! contract ends, on a date, or so many days after a named event of the
//! contract that another part of itaku reports with
//! [`Service::retention_event`] (seed 003: 受付終了 → participant data
//! returned; 集計完了 → the contractor's questionnaire copy deleted). The
//! one action today is "return, then erase the contract's vault"; the
//! `items` column is there for a narrower action to come.

mod rules;
mod run;

pub use rules::{RetentionRuleSpec, RetentionRuleView};

use crate::error::{Result, ServiceError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

/// Jobs of a rule run at 09:00 JST, when someone is at the office to
/// look at a failure.
pub const RUN_AT_JST: (u32, u32) = (9, 0);
/// More days than this after a trigger is a typing mistake.
pub const MAX_OFFSET_DAYS: u32 = 3650;

/// A named event of a contract that can start a rule, such as
/// `reception_closed`: lower-case ASCII letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionEvent(String);

impl RetentionEvent {
    /// The events itaku knows a label for (others may be reported too).
    pub const KNOWN: [(&'static str, &'static str); 2] = [
        ("reception_closed", "受付終了"),
        ("aggregation_done", "アンケート集計完了"),
    ];
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty()
            || s.len() > 40
            || !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ServiceError::Invalid(
                "きっかけとなる出来事の名前は、英小文字・数字・_ の 40 文字以内で指定してください"
                    .into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn code(&self) -> &str {
        &self.0
    }
    pub fn label(&self) -> String {
        Self::KNOWN
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, l)| (*l).to_owned())
            .unwrap_or_else(|| self.0.clone())
    }
}

/// When a rule comes due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RetentionTrigger {
    AfterContractEnd { days: u32 },
    OnDate { date: NaiveDate },
    AfterEvent { event: RetentionEvent, days: u32 },
}

impl RetentionTrigger {
    pub fn code(&self) -> &'static str {
        match self {
            RetentionTrigger::AfterContractEnd { .. } => "contract_end",
            RetentionTrigger::OnDate { .. } => "date",
            RetentionTrigger::AfterEvent { .. } => "event",
        }
    }
    pub fn label(&self) -> String {
        match self {
            RetentionTrigger::AfterContractEnd { days: 0 } => "契約終了日".into(),
            RetentionTrigger::AfterContractEnd { days } => format!("契約終了日の {days} 日後"),
            RetentionTrigger::OnDate { date } => format!("{date}"),
            RetentionTrigger::AfterEvent { event, days: 0 } => format!("{}の日", event.label()),
            RetentionTrigger::AfterEvent { event, days } => {
                format!("{}の {days} 日後", event.label())
            }
        }
    }
    fn days(&self) -> u32 {
        match self {
            RetentionTrigger::AfterContractEnd { days }
            | RetentionTrigger::AfterEvent { days, .. } => *days,
            RetentionTrigger::OnDate { .. } => 0,
        }
    }
    pub(crate) fn check(&self) -> Result<()> {
        if self.days() > MAX_OFFSET_DAYS {
            return Err(ServiceError::Invalid(format!(
                "日数は {MAX_OFFSET_DAYS} 日以内で指定してください"
            )));
        }
        Ok(())
    }
}

/// What a rule does when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Results come back to the ward first (or the ward waived that with
    /// a reason when it set the rule), then the contract's vault is erased
    /// and the certificate of erasure issued.
    ReturnThenErase,
    /// Seed 003's 「アンケート集計後、アンケートを返却させ、集計結果は削除させる」:
    /// the contract's aggregated questionnaires come back to the ward and
    /// the contractor's responses and aggregate copy are erased (each
    /// questionnaire's own key destroyed), each with its certificate. The
    /// contract and its vault go on.
    ReturnQuestionnaires,
    /// Seminars (seed 003): each event whose reception has closed has its
    /// participant list returned to the ward and the contractor's copy
    /// erased (its event key destroyed), with a signed certificate. The
    /// rest of the contract's vault stays.
    ReturnRegistrations,
}

impl RetentionAction {
    /// Every action, as the administrator chooses among them.
    pub const ALL: [RetentionAction; 3] = [
        RetentionAction::ReturnThenErase,
        RetentionAction::ReturnRegistrations,
        RetentionAction::ReturnQuestionnaires,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RetentionAction::ReturnThenErase => "return_then_erase",
            RetentionAction::ReturnQuestionnaires => "return_questionnaires",
            RetentionAction::ReturnRegistrations => "return_registrations",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RetentionAction::ReturnThenErase => {
                "返還を受けてから契約金庫を消去し、消去証明書を発行"
            }
            RetentionAction::ReturnQuestionnaires => {
                "集計済みアンケートを区へ返却し、受託者の回答・集計結果を消去して消去証明書を発行"
            }
            RetentionAction::ReturnRegistrations => {
                "受付終了したイベントの参加者情報を区に返却し、委託先の控えを消去して消去証明書を発行"
            }
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "return_then_erase" => Ok(RetentionAction::ReturnThenErase),
            "return_questionnaires" => Ok(RetentionAction::ReturnQuestionnaires),
            "return_registrations" => Ok(RetentionAction::ReturnRegistrations),
            _ => Err(ServiceError::Internal(format!(
                "unknown retention action {s}"
            ))),
        }
    }
}

/// 09:00 JST on `day`, as UTC.
pub(crate) fn morning_of(day: NaiveDate) -> DateTime<Utc> {
    let at = NaiveTime::from_hms_opt(RUN_AT_JST.0, RUN_AT_JST.1, 0).unwrap_or(NaiveTime::MIN);
    day.and_time(at).and_utc() - Duration::hours(9)
}
