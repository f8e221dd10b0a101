//! The ward's coded lists for contact work: reasons for not attending and
//! requests, chosen by operators on calls, visits and at the desk. The ward
//! edits them; codes are never deleted (old records keep their meaning),
//! only retired.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};
use serde::Serialize;

/// Which list a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeList {
    /// 未受診の理由
    Reason,
    /// 要望
    Request,
}

impl CodeList {
    pub const ALL: [CodeList; 2] = [CodeList::Reason, CodeList::Request];
    pub fn code(self) -> &'static str {
        match self {
            CodeList::Reason => "reason",
            CodeList::Request => "request",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CodeList::Reason => "未受診の理由",
            CodeList::Request => "要望",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("一覧の種類が正しくありません: {s}")))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ContactCode {
    pub list: CodeList,
    pub code: String,
    pub label: String,
    pub position: i64,
    pub active: bool,
}

/// A code as the ward types it: lower-case ASCII letters, digits and `_`.
fn check_code(code: &str) -> Result<&str> {
    let code = code.trim();
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(code)
    } else {
        Err(ServiceError::Invalid(
            "コードは半角英小文字・数字・_ の 32 文字以内で入力してください".into(),
        ))
    }
}

/// The codes of `list` inside an operation's transaction (a second
/// connection there could wait on the first's lock).
pub(crate) async fn load_codes(
    tx: &mut itaku_store::Tx,
    list: CodeList,
) -> Result<Vec<ContactCode>> {
    Ok(tx
        .contact_codes(list.code())
        .await?
        .into_iter()
        .map(|r| ContactCode {
            list,
            code: r.code,
            label: r.label,
            position: r.position,
            active: r.active != 0,
        })
        .collect())
}

impl Service {
    /// Every code of `list` in the ward's order (retired ones included,
    /// marked). Not personal data: anyone at work may read it.
    pub async fn contact_codes(&self, list: CodeList) -> Result<Vec<ContactCode>> {
        let mut tx = self.inner.store.begin().await?;
        let codes = load_codes(&mut tx, list).await?;
        tx.rollback().await?;
        Ok(codes)
    }

    /// The ward adds a code or changes one's label, order or state.
    pub async fn save_contact_code(&self, actor: &Actor, code: &ContactCode) -> Result<()> {
        let key = check_code(&code.code)?;
        let label = code.label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            return Err(ServiceError::Invalid(
                "表示名は 1〜40 文字で入力してください".into(),
            ));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "contact_code"),
            )
            .await?;
        op.tx
            .save_contact_code(code.list.code(), key, label, code.position, code.active)
            .await?;
        op.finish(&[], &format!("{}:{key}", code.list.code())).await
    }

    /// The active codes of `list` among `chosen`, refusing unknown or
    /// retired ones; stored as comma-separated codes.
    pub async fn check_contact_codes(&self, list: CodeList, chosen: &[String]) -> Result<String> {
        let known = self.contact_codes(list).await?;
        let mut out: Vec<&str> = Vec::new();
        for c in chosen.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            match known.iter().find(|k| k.code == c) {
                Some(k) if k.active => {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                Some(k) => {
                    return Err(ServiceError::Invalid(format!(
                        "「{}」は使われなくなった{}です",
                        k.label,
                        list.label()
                    )))
                }
                None => {
                    return Err(ServiceError::Invalid(format!(
                        "{}のコードが正しくありません: {c}",
                        list.label()
                    )))
                }
            }
        }
        Ok(out.join(","))
    }
}
