//! The receipt this installation signed for a package it took in, kept on
//! its ledger line, to hand (again) to the sender.

use crate::error::{Result, ServiceError};
use crate::ledger::Channel;
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::ContractId;
use itaku_policy::{Action, Scope};

impl Service {
    /// The signed receipt (JSON) of a received package's ledger line.
    /// Whoever may read the contract's ledger may fetch it: it names
    /// counts and digests, no personal data.
    pub async fn issued_receipt(
        &self,
        actor: &Actor,
        contract_id: i64,
        line_id: i64,
    ) -> Result<String> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "ledger",
                ),
            )
            .await?;
        let row = op
            .tx
            .transfers(contract_id)
            .await?
            .into_iter()
            .find(|r| r.id == line_id && r.channel == Channel::PackageReceived.code());
        op.finish(&[], &format!("receipt of ledger line {line_id}"))
            .await?;
        row.and_then(|r| r.receipt)
            .ok_or_else(ServiceError::not_found)
    }
}
