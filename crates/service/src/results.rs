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
        let Some(row) = op.tx.load_items(vault.id, &[person_id], &[]).await?.pop() else {
            op.finish(&[person_id], "not found").await?;
            return Err(ServiceError::not_found());
        };
        let sealed = key.seal(
            &field_aad(vault.id, &row.person_key, item),
            value.as_bytes(),
        )?;
        op.tx.put_items(person_id, &[(item.code(), sealed)]).await?;
        op.finish(&[person_id], &format!("{} recorded", item.code()))
            .await?;
        Ok(())
    }
}
