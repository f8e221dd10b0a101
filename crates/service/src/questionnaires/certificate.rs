//! The certificate of erasure of one questionnaire's copy at the
//! contractor: what was returned (count and digest), what was deleted, that
//! the questionnaire's own key was destroyed, and the audit chain's signed
//! head right after — signed with the installation's audit key, as the
//! contract erasure's certificate is, under its own format name.

use crate::certificate::CertifiedCheckpoint;
use crate::error::{Result, ServiceError};
use serde::{Deserialize, Serialize};

pub const QUESTIONNAIRE_CERTIFICATE_FORMAT: &str = "itaku/questionnaire-erasure-certificate/v1";
const SIGNING_CONTEXT: &[u8] = b"itaku/questionnaire-erasure-certificate/v1\0";

/// NIST SP 800-88 Rev.1 words for what was done.
pub const QUESTIONNAIRE_ERASURE_METHOD: &str = "Cryptographic erase (NIST SP 800-88 Rev.1 Purge via destruction of the questionnaire's own data key) + deletion of the responses, keyings and aggregate copy";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireErasureCertificate {
    pub format: String,
    pub return_id: i64,
    pub questionnaire_id: i64,
    pub title: String,
    pub contract_id: i64,
    pub contract: String,
    pub contractor: String,
    /// Responses returned to the ward, and the SHA-256 of what came back.
    pub returned_responses: i64,
    pub returned_digest: String,
    pub deleted_responses: i64,
    pub deleted_sheets: i64,
    pub deleted_keyings: i64,
    pub deleted_aggregate: bool,
    /// `sha256:` of the wrapped key as it was stored.
    pub key_id: String,
    pub key_destroyed_at: String,
    pub method: String,
    /// Said plainly: database free space is not overwritten for one
    /// questionnaire; what remains there is ciphertext under a destroyed key.
    pub purge: String,
    pub backend: String,
    pub issued_at: String,
    pub operator: String,
    pub audit_checkpoint: CertifiedCheckpoint,
    pub public_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignedQuestionnaireCertificate {
    pub certificate: QuestionnaireErasureCertificate,
    pub signature: String,
}

pub(crate) fn signing_message(c: &QuestionnaireErasureCertificate) -> Result<Vec<u8>> {
    let mut m = SIGNING_CONTEXT.to_vec();
    m.extend(
        serde_json::to_vec(c)
            .map_err(|e| ServiceError::Internal(format!("証明書の書式化に失敗しました: {e}")))?,
    );
    Ok(m)
}

impl SignedQuestionnaireCertificate {
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| ServiceError::Internal(format!("証明書の書式化に失敗しました: {e}")))
    }
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| {
            ServiceError::Invalid(format!("アンケート消去証明書として読めません（{e}）"))
        })
    }
    /// Check the signature with the installation's audit public key.
    pub fn verify(&self, key: &itaku_crypto::VerifyingKey) -> Result<()> {
        if self.certificate.public_key != hex::encode(key.to_bytes()) {
            return Err(ServiceError::Invalid(
                "証明書の署名鍵がこのシステムの監査用署名鍵と一致しません".into(),
            ));
        }
        let sig = hex::decode(&self.signature)
            .map_err(|_| ServiceError::Invalid("証明書の署名の書式が正しくありません".into()))?;
        key.verify(&signing_message(&self.certificate)?, &sig)
            .map_err(|_| ServiceError::Invalid("証明書の署名が正しくありません".into()))
    }

    /// The certificate in Japanese, for the page and the printed copy.
    pub fn lines(&self) -> Vec<String> {
        let c = &self.certificate;
        vec![
            format!("アンケート消去証明書（返却番号 {}）", c.return_id),
            format!("契約: {}（受託者 {}）", c.contract, c.contractor),
            format!("アンケート: {}（番号 {}）", c.title, c.questionnaire_id),
            format!(
                "区へ返却: 回答 {}件（SHA-256 {}）",
                c.returned_responses, c.returned_digest
            ),
            format!(
                "受託者の写しの削除: 回答 {}件・紙の用紙 {}枚・入力 {}件・集計結果 {}",
                c.deleted_responses,
                c.deleted_sheets,
                c.deleted_keyings,
                if c.deleted_aggregate {
                    "削除"
                } else {
                    "なし"
                }
            ),
            format!(
                "方法: 暗号消去（このアンケート専用の鍵 {} を {} に破棄）＋削除",
                c.key_id,
                crate::time::jst_display(&c.key_destroyed_at)
            ),
            format!("空き領域: {}", c.purge),
            format!(
                "発行: {}（{}）",
                crate::time::jst_display(&c.issued_at),
                c.operator
            ),
            format!(
                "監査ログ: 第 {} 件 {}",
                c.audit_checkpoint.seq, c.audit_checkpoint.hash
            ),
        ]
    }
}
