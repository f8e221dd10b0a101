//! The identities sealed ledger fields are bound to, so a ciphertext moved
//! to another row, household or vault does not open.

use crate::error::{Result, ServiceError};
use itaku_crypto::DataKey;

pub(crate) fn hh_aad(vault_id: i64, row_key: &[u8], part: &str) -> Vec<u8> {
    format!("v{vault_id}/tainou-hh/{}/{part}", hex::encode(row_key)).into_bytes()
}

pub(crate) fn entry_aad(vault_id: i64, household_id: i64, row_key: &[u8], part: &str) -> Vec<u8> {
    format!(
        "v{vault_id}/tainou-entry/{household_id}/{}/{part}",
        hex::encode(row_key)
    )
    .into_bytes()
}

/// A keying or settlement of a page, in the contract's vault.
pub(crate) fn page_aad(vault_id: i64, page_id: i64, part: &str) -> Vec<u8> {
    format!("v{vault_id}/tainou-page/{page_id}/{part}").into_bytes()
}

pub(crate) fn open_text(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<String> {
    String::from_utf8(key.open(aad, sealed)?)
        .map_err(|_| ServiceError::Internal("文字コード不正".into()))
}

pub(crate) fn open_amount(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<i64> {
    open_text(key, aad, sealed)?
        .parse()
        .map_err(|_| ServiceError::Internal("金額の記録が壊れています".into()))
}

pub(crate) fn open_json<T: serde::de::DeserializeOwned>(
    key: &DataKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<T> {
    serde_json::from_slice(&key.open(aad, sealed)?)
        .map_err(crate::error::corrupt_record("台帳の記録"))
}

pub(crate) fn seal_json<T: serde::Serialize>(key: &DataKey, aad: &[u8], v: &T) -> Result<Vec<u8>> {
    let bytes =
        serde_json::to_vec(v).map_err(|e| ServiceError::Internal(format!("記録の変換: {e}")))?;
    Ok(key.seal(aad, &bytes)?)
}

/// 記号番号 as compared: ASCII width, no blanks.
pub(crate) fn kigo_key(s: &str) -> String {
    itaku_jp::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

pub(crate) fn kigo_token(key: &DataKey, kigo: &str) -> Vec<u8> {
    key.blind_index("tainou:kigo", &kigo_key(kigo)).to_vec()
}
