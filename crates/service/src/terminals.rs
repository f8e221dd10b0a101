//! Terminals (端末): client certificates registered per terminal of an
//! organisation, by the SHA-256 fingerprint of the certificate. The TLS layer
//! only proves that a certificate was issued by the ward's terminal CA; a
//! certificate counts here only while its terminal is registered to the
//! user's organisation and not revoked. Anything else is treated as no
//! certificate at all, so a contract that requires one refuses the request
//! through the policy (`certificate_required`), audited like every denial.

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_policy::{Action, Subject, Terminal};
use itaku_store::Tx;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TerminalView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub fingerprint: String,
    pub revoked_at: Option<String>,
}

/// A certificate fingerprint as stored: 64 lowercase hex digits. Accepts
/// what `openssl x509 -noout -fingerprint -sha256` prints (colons, upper
/// case, an optional `sha256 Fingerprint=` prefix).
pub fn normalize_fingerprint(s: &str) -> Result<String> {
    let s = s.trim();
    let s = s.rsplit_once('=').map_or(s, |(_, v)| v);
    let hex: String = s
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(ServiceError::Invalid(
            "証明書のフィンガープリントは SHA-256 の16進64桁で指定してください".into(),
        ))
    }
}

impl Service {
    /// Register a terminal's certificate for an organisation.
    pub async fn register_terminal(
        &self,
        actor: &Actor,
        org_id: i64,
        name: &str,
        fingerprint: &str,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::Invalid(
                "端末名を100文字以内で入力してください".into(),
            ));
        }
        let fingerprint = normalize_fingerprint(fingerprint)?;
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "terminal"))
            .await?;
        if op.tx.org(org_id).await?.is_none() {
            return Err(ServiceError::Invalid(format!(
                "組織 {org_id} が見つかりません"
            )));
        }
        let now = op.now_ts();
        let id = op
            .tx
            .insert_terminal(org_id, name, &fingerprint, &now)
            .await
            .map_err(|e| match e {
                itaku_store::StoreError::Conflict(_) => ServiceError::Conflict(
                    "この証明書はすでに登録されています（失効した証明書は再登録できません。新しい証明書を発行してください）".into(),
                ),
                e => e.into(),
            })?;
        op.finish(
            &[id],
            &format!("register terminal {name} org={org_id} cert={fingerprint}"),
        )
        .await?;
        Ok(id)
    }

    /// Revoke a terminal: its certificate stops counting at once, and every
    /// session opened with it ends. Returns the number of sessions ended.
    pub async fn revoke_terminal(&self, actor: &Actor, id: i64) -> Result<u64> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "terminal"))
            .await?;
        let t = op
            .tx
            .terminal(id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let now = op.now_ts();
        if op.tx.revoke_terminal(id, &now).await? == 0 {
            return Err(ServiceError::Conflict(format!(
                "端末「{}」はすでに失効しています",
                t.name
            )));
        }
        let ended = op
            .tx
            .end_sessions_of_cert(&t.cert_fingerprint, &now, "terminal_revoked")
            .await?;
        op.finish(
            &[id],
            &format!(
                "revoke terminal {} cert={}; sessions ended: {ended}",
                t.name, t.cert_fingerprint
            ),
        )
        .await?;
        Ok(ended)
    }

    pub async fn terminals(&self, actor: &Actor) -> Result<Vec<TerminalView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "terminal"))
            .await?;
        let rows = op.tx.terminals().await?;
        let mut out = Vec::with_capacity(rows.len());
        for t in rows {
            let org_name = op
                .tx
                .org(t.org_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            out.push(TerminalView {
                id: t.id,
                org_id: t.org_id,
                org_name,
                name: t.name,
                fingerprint: t.cert_fingerprint,
                revoked_at: t.revoked_at,
            });
        }
        op.finish(&[], "list").await?;
        Ok(out)
    }

    /// The terminal as the policy sees it: the presented certificate only if
    /// it belongs to a registered, unrevoked terminal of the subject's
    /// organisation.
    pub(crate) async fn registered_terminal(
        &self,
        tx: &mut Tx,
        subject: &Subject,
        presented: &Terminal,
    ) -> Result<Terminal> {
        let client_cert = match &presented.client_cert {
            Some(fp) => tx
                .terminal_by_fingerprint(fp)
                .await?
                .filter(|t| t.revoked_at.is_none() && t.org_id == subject.org_id.0)
                .map(|t| t.cert_fingerprint),
            None => None,
        };
        Ok(Terminal {
            ip: presented.ip,
            client_cert,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_fingerprint;

    #[test]
    fn fingerprints_are_normalised() {
        let hex = "ab".repeat(32);
        assert_eq!(normalize_fingerprint(&hex).unwrap(), hex);
        let openssl = format!("sha256 Fingerprint={}", vec!["AB"; 32].join(":"));
        assert_eq!(normalize_fingerprint(&openssl).unwrap(), hex);
        assert!(normalize_fingerprint("abcd").is_err());
        assert!(normalize_fingerprint(&"zz".repeat(32)).is_err());
        assert!(normalize_fingerprint("").is_err());
    }
}
