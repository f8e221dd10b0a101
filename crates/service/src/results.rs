//! A contractor records the result of its work on a person of the
//! contract's vault (勧奨結果, アンケート): what a return later carries
//! back to the ward.

use crate::error::{Result, ServiceError};
use crate::ledger::RESULT_ITEMS;
use crate::op::OpRequest;
use crate::persons::field_aad;
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::{Action, Scope};

/// Longest result text kept, in characters.
const MAX_RESULT_CHARS: usize = 1000;

impl Service {
    /// Record `value` as `item` (a result item) of one person of the
    /// actor's contract vault, under a purpose that allows the item.
    pub async fn record_result(
        &self,
        actor: &Actor,
        person_id: i64,
        item: Item,
        value: &str,
    ) -> Result<()> {
        if !RESULT_ITEMS.contains(&item) {
            return Err(ServiceError::Invalid(format!(
                "{}は結果として記録する項目ではありません",
                item.label()
            )));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "{}を入力してください",
                item.label()
            )));
        }
        if value.chars().count() > MAX_RESULT_CHARS {
            return Err(ServiceError::Invalid(format!(
                "{}は {MAX_RESULT_CHARS} 文字以内にしてください",
                item.label()
            )));
        }
        let Some(contract) = actor.contract else {
            return Err(ServiceError::Invalid(
                "結果は委託契約の業務の中で記録します".into(),
            ));
        };
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(contract), "person")
                    .items([item].into_iter().collect::<ItemSet>()),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        if !put_result(&mut op.tx, vault.id, &key, person_id, item, value).await? {
            op.finish(&[person_id], "not found").await?;
            return Err(ServiceError::not_found());
        }
        op.finish(&[person_id], &format!("{} recorded", item.code()))
            .await?;
        Ok(())
    }
}

/// Seal `text` as `item` of one person of a vault, inside the caller's
/// operation (calls and visits write their 勧奨結果 this way too). False
/// when the vault has no such person.
pub(crate) async fn put_result(
    tx: &mut itaku_store::Tx,
    vault_id: i64,
    key: &itaku_crypto::DataKey,
    person_id: i64,
    item: Item,
    text: &str,
) -> Result<bool> {
    let Some(row) = tx.load_items(vault_id, &[person_id], &[]).await?.pop() else {
        return Ok(false);
    };
    let sealed = key.seal(&field_aad(vault_id, &row.person_key, item), text.as_bytes())?;
    tx.put_items(person_id, &[(item.code(), sealed)]).await?;
    Ok(true)
}
