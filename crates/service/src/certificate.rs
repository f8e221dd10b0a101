//! The certificate of erasure (消去証明書): what was erased, how and when,
//! by whom, and the audit chain's signed head right after — signed with the
//! installation's audit key so anyone holding the public key can check it,
//! and rendered as Japanese text lines for the printed copy.

use crate::error::{Result, ServiceError};
use crate::time::jst_display;
use itaku_crypto::VerifyingKey;
use serde::{Deserialize, Serialize};

pub const CERTIFICATE_FORMAT: &str = "itaku/erasure-certificate/v1";

/// The method, in the words of NIST SP 800-88 Rev.1.
pub const ERASURE_METHOD: &str =
    "Cryptographic erase (NIST SP 800-88 Rev.1 Purge via key destruction) + deletion";

/// Domain separation: a certificate's signature can never be mistaken for
/// an audit checkpoint's, which the same key signs.
const SIGNING_CONTEXT: &[u8] = b"itaku/erasure-certificate/v1\0";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertifiedContract {
    pub id: i64,
    pub name: String,
    pub contractor: String,
    pub job: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// Rows deleted, by kind.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RecordCounts {
    pub persons: i64,
    pub search_tokens: i64,
    pub campaign_members: i64,
    pub print_items: i64,
    pub list_members: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DestroyedKey {
    pub vault_id: i64,
    /// `sha256:` and the hex SHA-256 of the wrapped key as it was stored.
    pub key_id: String,
    pub destroyed_at: String,
}

/// The audit chain's head right after the erasure, signed on its own.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertifiedCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub signature: String,
    pub signed_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ErasureCertificate {
    pub format: String,
    pub erasure_id: i64,
    pub contract: CertifiedContract,
    /// What the erased data was.
    pub dataset: String,
    /// The items the contract's purposes allowed (labels).
    pub items: Vec<String>,
    /// Counted when the erasure was recorded.
    pub recorded: RecordCounts,
    /// Actually deleted.
    pub deleted: RecordCounts,
    pub keys_destroyed: Vec<DestroyedKey>,
    pub method: String,
    /// How freed database space was purged.
    pub purge: String,
    pub backend: String,
    pub requested_at: String,
    pub keys_destroyed_at: String,
    pub rows_deleted_at: String,
    pub purged_at: String,
    pub issued_at: String,
    pub operator: String,
    pub operator_user_id: Option<i64>,
    /// Why the erasure went ahead with campaigns still open, if it did.
    pub waiver: Option<String>,
    pub open_campaigns: i64,
    pub audit_checkpoint: CertifiedCheckpoint,
    /// The installation's audit public key (hex) that signs this.
    pub public_key: String,
}

/// The certificate as a file: the body and its Ed25519 signature (hex).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignedCertificate {
    pub certificate: ErasureCertificate,
    pub signature: String,
}

/// The bytes that are signed: the body as compact JSON, fields in their
/// declared order, after a context string.
pub(crate) fn signing_message(c: &ErasureCertificate) -> Result<Vec<u8>> {
    let mut m = SIGNING_CONTEXT.to_vec();
    m.extend(
        serde_json::to_vec(c)
            .map_err(|e| ServiceError::Internal(format!("証明書の書式化に失敗しました: {e}")))?,
    );
    Ok(m)
}

impl SignedCertificate {
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| ServiceError::Internal(format!("証明書の書式化に失敗しました: {e}")))
    }

    /// Parse a certificate file; any unknown or missing field refuses it.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| {
            ServiceError::Invalid(format!(
                "消去証明書のファイルとして読めません（{e}）。itaku が書き出した JSON を指定してください"
            ))
        })
    }

    /// Check the signature against `key`, which must be the key named in
    /// the certificate. Says nothing about the database: see
    /// `Service::verify_certificate` for that.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<()> {
        if self.certificate.public_key != hex::encode(key.to_bytes()) {
            return Err(ServiceError::Invalid(
                "証明書の署名鍵がこのシステムの監査用署名鍵と一致しません".into(),
            ));
        }
        let sig = hex::decode(&self.signature)
            .map_err(|_| ServiceError::Invalid("証明書の署名の書式が正しくありません".into()))?;
        key.verify(&signing_message(&self.certificate)?, &sig)
            .map_err(|_| {
                ServiceError::Invalid(
                    "証明書の署名が正しくありません。内容が書き換えられています".into(),
                )
            })
    }
}

fn count_line(label: &str, recorded: i64, deleted: i64) -> String {
    if recorded == deleted {
        format!("　・{label}: {deleted} 件")
    } else {
        format!("　・{label}: {deleted} 件（依頼時点 {recorded} 件）")
    }
}

/// The certificate as Japanese text, one printed line each, for the PDF
/// and for the console.
pub fn certificate_lines(c: &ErasureCertificate) -> Vec<String> {
    let mut l = vec![
        "消去証明書".to_owned(),
        String::new(),
        format!("証明書番号: 第 {} 号", c.erasure_id),
        format!("発行日時: {}（日本時間）", jst_display(&c.issued_at)),
        String::new(),
        format!(
            "委託契約: {}（契約番号 {}）",
            c.contract.name, c.contract.id
        ),
        format!("受託者: {}", c.contract.contractor),
        format!("業務: {}", c.contract.job),
        format!(
            "契約期間: {} から {} まで",
            c.contract.starts_on, c.contract.ends_on
        ),
        String::new(),
        format!("消去したデータ: {}", c.dataset),
    ];
    if !c.items.is_empty() {
        l.push(format!("　項目: {}", c.items.join("、")));
    }
    let (r, d) = (&c.recorded, &c.deleted);
    l.push(count_line("個人の記録", r.persons, d.persons));
    l.push(count_line("検索用の索引", r.search_tokens, d.search_tokens));
    l.push(count_line(
        "勧奨の対象者の記録",
        r.campaign_members,
        d.campaign_members,
    ));
    l.push(count_line("印刷の記録", r.print_items, d.print_items));
    if r.list_members + d.list_members > 0 {
        l.push(count_line("名簿の記録", r.list_members, d.list_members));
    }
    l.push(String::new());
    l.push(format!(
        "消去の方法: 暗号消去（NIST SP 800-88 Rev.1 の Purge に当たる鍵の破棄）と記録の削除 — {}",
        c.method
    ));
    for k in &c.keys_destroyed {
        l.push(format!(
            "破棄した鍵: 金庫 {} の暗号鍵（鍵ID {}）{} 破棄",
            k.vault_id,
            k.key_id,
            jst_display(&k.destroyed_at)
        ));
    }
    l.push(format!("空き領域の消去: {}", c.purge));
    l.push(format!("データベース: {}", c.backend));
    l.push(String::new());
    l.push(format!("消去の依頼: {}", jst_display(&c.requested_at)));
    l.push(format!("鍵の破棄: {}", jst_display(&c.keys_destroyed_at)));
    l.push(format!("記録の削除: {}", jst_display(&c.rows_deleted_at)));
    l.push(format!("空き領域の消去: {}", jst_display(&c.purged_at)));
    l.push(format!("実施者: {}", c.operator));
    match &c.waiver {
        Some(w) => l.push(format!(
            "返還完了前の消去: 終了していない勧奨 {} 件。理由: {w}",
            c.open_campaigns
        )),
        None => l.push("返還の完了: 契約のすべての勧奨が終了していることを確認済み".into()),
    }
    l.push(String::new());
    l.push(format!(
        "監査ログ: 連番 {} までの記録（先頭ハッシュ {}）に署名済み",
        c.audit_checkpoint.seq, c.audit_checkpoint.hash
    ));
    l.push(format!(
        "署名鍵（公開鍵）: {}",
        VerifyingKey::from_bytes(&hex::decode(&c.public_key).unwrap_or_default())
            .map(|k| k.fingerprint())
            .unwrap_or_else(|_| c.public_key.clone())
    ));
    l.push("この証明書は上記の鍵による電子署名付きの JSON ファイルと対で有効です（itaku erasure verify で検証できます）。".into());
    l
}

impl crate::Service {
    /// The certificate as an A4 PDF for the file (the signed JSON is what
    /// `itaku erasure verify` checks). No personal data is in either.
    pub fn erasure_certificate_pdf(&self, signed: &SignedCertificate) -> Result<Vec<u8>> {
        let mut lines = certificate_lines(&signed.certificate);
        let title = if lines.first().map(String::as_str) == Some("消去証明書") {
            lines.remove(0)
        } else {
            "消去証明書".to_owned()
        };
        let sig: String = signed.signature.chars().take(32).collect();
        let footer = format!(
            "電子署名（Ed25519、署名鍵 {}）{sig}… — 署名付きの証明書（JSON）は itaku erasure verify で検証できます",
            self.audit_public_key_fingerprint()
        );
        let fonts = self.fonts()?;
        itaku_print::certificate(&fonts, &title, &lines, &footer)
            .map(|pdf| pdf.bytes)
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use itaku_crypto::SigningKey;

    fn sample(key: &SigningKey) -> ErasureCertificate {
        ErasureCertificate {
            format: CERTIFICATE_FORMAT.into(),
            erasure_id: 3,
            contract: CertifiedContract {
                id: 1,
                name: "令和8年度 受診勧奨業務委託".into(),
                contractor: "株式会社みらい健康サポート".into(),
                job: "特定健診受診勧奨".into(),
                starts_on: "2026-04-01".into(),
                ends_on: "2027-03-31".into(),
            },
            dataset: "契約の金庫".into(),
            items: vec!["氏名".into()],
            recorded: RecordCounts {
                persons: 2,
                ..Default::default()
            },
            deleted: RecordCounts {
                persons: 2,
                ..Default::default()
            },
            keys_destroyed: vec![DestroyedKey {
                vault_id: 2,
                key_id: "sha256:00".into(),
                destroyed_at: "2026-11-22T01:00:00.000000Z".into(),
            }],
            method: ERASURE_METHOD.into(),
            purge: "VACUUM".into(),
            backend: "SQLite".into(),
            requested_at: "2026-11-22T01:00:00.000000Z".into(),
            keys_destroyed_at: "2026-11-22T01:00:00.000000Z".into(),
            rows_deleted_at: "2026-11-22T01:00:00.000000Z".into(),
            purged_at: "2026-11-22T01:00:00.000000Z".into(),
            issued_at: "2026-11-22T01:00:00.000000Z".into(),
            operator: "管理 一郎 (ward-admin)".into(),
            operator_user_id: Some(1),
            waiver: None,
            open_campaigns: 0,
            audit_checkpoint: CertifiedCheckpoint {
                seq: 10,
                hash: "ab".into(),
                signature: "cd".into(),
                signed_at: "2026-11-22T01:00:00.000000Z".into(),
            },
            public_key: hex::encode(key.verifying_key().to_bytes()),
        }
    }

    fn sign(key: &SigningKey, c: ErasureCertificate) -> SignedCertificate {
        let signature = hex::encode(key.sign(&signing_message(&c).unwrap()));
        SignedCertificate {
            certificate: c,
            signature,
        }
    }

    #[test]
    fn signature_covers_every_field_and_survives_the_file() {
        let key = SigningKey::generate();
        let signed = sign(&key, sample(&key));
        let back = SignedCertificate::from_json(&signed.to_json().unwrap()).unwrap();
        back.verify_signature(&key.verifying_key()).unwrap();

        let mut changed = back.clone();
        changed.certificate.deleted.persons = 3;
        assert!(changed.verify_signature(&key.verifying_key()).is_err());
        let mut changed = back.clone();
        changed.certificate.waiver = Some("後から追記".into());
        assert!(changed.verify_signature(&key.verifying_key()).is_err());

        let other = SigningKey::generate();
        assert!(back.verify_signature(&other.verifying_key()).is_err());
        // Another key's certificate naming itself still fails against ours.
        let forged = sign(&other, sample(&other));
        assert!(forged.verify_signature(&key.verifying_key()).is_err());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let key = SigningKey::generate();
        let json = sign(&key, sample(&key)).to_json().unwrap();
        let extra = json.replacen("\"erasure_id\"", "\"note\": \"x\",\n    \"erasure_id\"", 1);
        assert!(SignedCertificate::from_json(&extra).is_err());
    }

    #[test]
    fn text_names_the_contract_counts_method_and_waiver() {
        let key = SigningKey::generate();
        let mut c = sample(&key);
        let lines = certificate_lines(&c).join("\n");
        for want in [
            "消去証明書",
            "第 3 号",
            "株式会社みらい健康サポート",
            "個人の記録: 2 件",
            "NIST SP 800-88",
            "sha256:00",
            "2026-11-22 10:00:00",
            "すべての勧奨が終了",
            "連番 10",
        ] {
            assert!(lines.contains(want), "{want} missing:\n{lines}");
        }
        c.waiver = Some("返還物の確認は書面で完了".into());
        c.open_campaigns = 1;
        c.deleted.persons = 1;
        let lines = certificate_lines(&c).join("\n");
        assert!(lines.contains("理由: 返還物の確認は書面で完了"), "{lines}");
        assert!(lines.contains("1 件（依頼時点 2 件）"), "{lines}");
    }
}
