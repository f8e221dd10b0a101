//! Call outcomes, modelled on the AAPOR standard final and temporary
//! disposition codes for telephone surveys (Standard Definitions, 10th ed.):
//! each code carries whether the person is called again and when, whether
//! the call reached the person, and whether a note is required.

use crate::error::{Result, ServiceError};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Intends,
    AlreadyAttended,
    Undecided,
    Refused,
    DoNotCall,
    Callback,
    NotAvailable,
    NoAnswer,
    Busy,
    AnsweringMachine,
    WrongNumber,
    NotInService,
    NotEligible,
    LanguageBarrier,
}

/// What an outcome means for the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutcomeRule {
    /// The person is called again (within the plan's maximum attempts).
    pub retry: bool,
    /// Minutes until the next call; the plan's minimum gap and calling
    /// hours apply on top. A callback uses the time the person asked for.
    pub retry_minutes: i64,
    /// The call reached the person (AAPOR 1.x and person-level 2.1x).
    pub contacted: bool,
    pub note_required: bool,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 14] = [
        CallOutcome::Intends,
        CallOutcome::AlreadyAttended,
        CallOutcome::Undecided,
        CallOutcome::Refused,
        CallOutcome::DoNotCall,
        CallOutcome::Callback,
        CallOutcome::NotAvailable,
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::AnsweringMachine,
        CallOutcome::WrongNumber,
        CallOutcome::NotInService,
        CallOutcome::NotEligible,
        CallOutcome::LanguageBarrier,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CallOutcome::Intends => "intends",
            CallOutcome::AlreadyAttended => "already_attended",
            CallOutcome::Undecided => "undecided",
            CallOutcome::Refused => "refused",
            CallOutcome::DoNotCall => "do_not_call",
            CallOutcome::Callback => "callback",
            CallOutcome::NotAvailable => "not_available",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::Busy => "busy",
            CallOutcome::AnsweringMachine => "answering_machine",
            CallOutcome::WrongNumber => "wrong_number",
            CallOutcome::NotInService => "not_in_service",
            CallOutcome::NotEligible => "not_eligible",
            CallOutcome::LanguageBarrier => "language_barrier",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallOutcome::Intends => "受診する意向あり",
            CallOutcome::AlreadyAttended => "受診済み",
            CallOutcome::Undecided => "検討する",
            CallOutcome::Refused => "受診しない",
            CallOutcome::DoNotCall => "今後の電話を断る",
            CallOutcome::Callback => "かけ直し希望",
            CallOutcome::NotAvailable => "本人不在（家族等が応答）",
            CallOutcome::NoAnswer => "応答なし",
            CallOutcome::Busy => "話し中",
            CallOutcome::AnsweringMachine => "留守番電話",
            CallOutcome::WrongNumber => "番号違い",
            CallOutcome::NotInService => "現在使われていない番号",
            CallOutcome::NotEligible => "対象外（転出・死亡など）",
            CallOutcome::LanguageBarrier => "言葉が通じない",
        }
    }

    /// The AAPOR disposition the outcome corresponds to.
    pub fn aapor(self) -> &'static str {
        match self {
            CallOutcome::Intends | CallOutcome::AlreadyAttended | CallOutcome::Undecided => "1.1",
            CallOutcome::Refused => "2.112",
            CallOutcome::DoNotCall => "2.111",
            CallOutcome::Callback => "2.21",
            CallOutcome::NotAvailable => "2.21",
            CallOutcome::AnsweringMachine => "2.22",
            CallOutcome::LanguageBarrier => "2.33",
            CallOutcome::Busy => "3.12",
            CallOutcome::NoAnswer => "3.13",
            CallOutcome::NotEligible => "4.10",
            CallOutcome::NotInService => "4.31",
            CallOutcome::WrongNumber => "4.70",
        }
    }

    pub fn rule(self) -> OutcomeRule {
        let (retry, retry_minutes, contacted, note_required) = match self {
            CallOutcome::Intends => (false, 0, true, false),
            CallOutcome::AlreadyAttended => (false, 0, true, false),
            CallOutcome::Undecided => (false, 0, true, false),
            CallOutcome::Refused => (false, 0, true, false),
            CallOutcome::DoNotCall => (false, 0, true, false),
            CallOutcome::Callback => (true, 0, true, false),
            CallOutcome::NotAvailable => (true, 24 * 60, false, false),
            CallOutcome::NoAnswer => (true, 3 * 60, false, false),
            CallOutcome::Busy => (true, 15, false, false),
            CallOutcome::AnsweringMachine => (true, 24 * 60, false, false),
            CallOutcome::WrongNumber => (false, 0, false, false),
            CallOutcome::NotInService => (false, 0, false, false),
            CallOutcome::NotEligible => (false, 0, false, true),
            CallOutcome::LanguageBarrier => (false, 0, false, true),
        };
        OutcomeRule {
            retry,
            retry_minutes,
            contacted,
            note_required,
        }
    }

    /// The keyboard key for the outcome on the call screen.
    pub fn key(self) -> char {
        const KEYS: &[u8; 14] = b"123456789qwert";
        let i = Self::ALL.iter().position(|o| *o == self).unwrap_or(0);
        char::from(KEYS[i])
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|o| o.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("通話結果を選んでください（{s}）")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keys_and_labels_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for o in CallOutcome::ALL {
            assert!(seen.insert(o.code()));
            assert!(seen.insert(o.label()));
            assert_eq!(CallOutcome::parse(o.code()).unwrap(), o);
        }
        let keys: std::collections::BTreeSet<char> =
            CallOutcome::ALL.iter().map(|o| o.key()).collect();
        assert_eq!(keys.len(), CallOutcome::ALL.len());
    }

    #[test]
    fn non_contacts_retry_and_final_outcomes_do_not() {
        assert!(CallOutcome::Busy.rule().retry);
        assert!(!CallOutcome::Busy.rule().contacted);
        assert!(
            CallOutcome::Busy.rule().retry_minutes < CallOutcome::NoAnswer.rule().retry_minutes
        );
        assert!(!CallOutcome::Intends.rule().retry);
        assert!(CallOutcome::Intends.rule().contacted);
        assert!(!CallOutcome::WrongNumber.rule().retry);
        assert!(CallOutcome::NotEligible.rule().note_required);
    }
}
