//! The ward's side of the desk: the changes of address the desk passed
//! on, which ward staff apply to the register themselves and mark as
//! handled. (Complaints the desk files go to crate::complaints.)

use super::{open_text, ward_aad, AddressChangeView};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::jst_display;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};

const LIST_LIMIT: i64 = 500;

impl Service {
    /// Changes of address the desk passed on, open ones first.
    pub async fn ward_address_changes(&self, actor: &Actor) -> Result<Vec<AddressChangeView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "address_change"),
            )
            .await?;
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let rows = op.tx.address_changes(LIST_LIMIT).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let json = open_text(
                &key,
                &ward_aad("desk_address_changes", &r.seal_ref, "change"),
                &r.sealed,
            )?;
            let mut v: AddressChangeView = serde_json::from_str(&json)
                .map_err(crate::error::corrupt_record("住所変更の記録"))?;
            v.id = r.id;
            v.contract_id = r.contract_id;
            v.ward_person_id = r.ward_person_id;
            v.received_at = jst_display(&r.received_at);
            v.handled_at = r.handled_at.as_deref().map(jst_display);
            v.handled_by = r.handled_by.clone();
            out.push(v);
        }
        // Callers not in the list exist only in their change: name those.
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.ward_person_id).collect();
        let changes: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        op.finish(
            &ids,
            &format!(
                "address changes: {} listed (changes {})",
                rows.len(),
                changes.join(",")
            ),
        )
        .await?;
        Ok(out)
    }

    /// Ward staff applied a change of address (or decided on it).
    pub async fn mark_address_change_handled(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "address_change"),
            )
            .await?;
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        if !op.tx.mark_address_change_handled(id, &now, &by).await? {
            op.finish(&[], &format!("address change {id}: not open"))
                .await?;
            return Err(ServiceError::Conflict(
                "この住所変更は見つからないか、既に対応済みです".into(),
            ));
        }
        op.finish(&[], &format!("address change {id} handled"))
            .await
    }
}
