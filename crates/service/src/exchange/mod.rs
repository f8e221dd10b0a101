//! Encrypted exchange packages between two itaku installations (ward and
//! contractor on LGWAN, or on removable media): this installation's
//! exchange key pair, the partners' public keys confirmed by fingerprint,
//! and which contract travels to whom under which shared reference. The
//! packages themselves are `itaku-exchange`'s; sending and receiving them
//! are audited operations that write the ledger (情報管理台帳).

mod receipts;
mod receive;
mod send;

pub use receive::PackageReceived;
pub use send::{PackageSent, PackageTo};

use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::ContractId;
use itaku_crypto::DataKey;
use itaku_exchange::{ExchangeIdentity, ExchangePublicKey, ExposeSecret, OrgName};
use itaku_policy::{Action, Scope};
use itaku_store::{PartnerRow, Tx};
use serde::Serialize;

/// Where the sealed identity lives, and the ids binding its wrapping.
const IDENTITY_META: &str = "exchange.identity";
const IDENTITY_KEY_ID: &str = "exchange-identity";
const IDENTITY_AAD: &[u8] = b"itaku exchange identity v1";

/// A partner organisation's public key, as registered.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    pub id: i64,
    pub org_name: String,
    pub fingerprint: String,
    /// How the fingerprint was confirmed out of band (who, by what means).
    pub confirmed_by: String,
    pub registered_at: String,
    pub registered_by: String,
}

impl From<PartnerRow> for PartnerView {
    fn from(r: PartnerRow) -> Self {
        Self {
            id: r.id,
            org_name: r.org_name,
            fingerprint: r.fingerprint,
            confirmed_by: r.confirmed_by,
            registered_at: r.registered_at,
            registered_by: r.registered_by,
        }
    }
}

/// A contract that moves by package.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeBinding {
    pub contract_id: i64,
    /// The contract's reference both installations use (e.g. R8-健-001).
    pub exchange_ref: String,
    pub partner: PartnerView,
    #[serde(skip)]
    pub(crate) partner_key: String,
}

impl ExchangeBinding {
    pub(crate) fn partner_public_key(&self) -> Result<ExchangePublicKey> {
        Ok(ExchangePublicKey::from_toml(&self.partner_key)?)
    }
}

impl Service {
    /// Make this installation's exchange key pair (once): a ward
    /// administrator. `org_name` is how the other side will know us.
    pub async fn exchange_keygen(
        &self,
        actor: &Actor,
        org_name: &str,
    ) -> Result<ExchangePublicKey> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::Administer, "exchange_key"))
            .await?;
        if op.tx.meta_get(IDENTITY_META).await?.is_some() {
            return Err(ServiceError::Conflict(
                "この環境の交換鍵は既にあります（公開鍵は itaku exchange key で表示できます）"
                    .into(),
            ));
        }
        let identity = ExchangeIdentity::generate(OrgName::new(org_name)?);
        let key = DataKey::generate();
        let wrapped = key.wrap(&self.inner.master, IDENTITY_KEY_ID)?;
        let secret = identity.to_secret_text();
        let sealed = key.seal(IDENTITY_AAD, secret.expose_secret().as_bytes())?;
        op.tx
            .meta_set(
                IDENTITY_META,
                &format!("{}:{}", hex::encode(wrapped), hex::encode(sealed)),
            )
            .await?;
        let public = identity.public();
        op.finish(&[], &format!("exchange key {}", public.fingerprint()))
            .await?;
        Ok(public)
    }

    /// This installation's public exchange key, if it has one (not secret).
    pub async fn exchange_public_key(&self) -> Result<Option<ExchangePublicKey>> {
        let mut tx = self.inner.store.begin().await?;
        let id = self.load_identity(&mut tx).await;
        tx.rollback().await?;
        match id {
            Ok(i) => Ok(Some(i.public())),
            Err(ServiceError::Invalid(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn load_identity(&self, tx: &mut Tx) -> Result<ExchangeIdentity> {
        let Some(stored) = tx.meta_get(IDENTITY_META).await? else {
            return Err(ServiceError::Invalid(
                "この環境には交換鍵がありません。区の管理者が itaku exchange keygen で作成してください".into(),
            ));
        };
        let broken = || ServiceError::Internal("交換鍵の保存形式が正しくありません".into());
        let (w, s) = stored.split_once(':').ok_or_else(broken)?;
        let wrapped = hex::decode(w).map_err(|_| broken())?;
        let sealed = hex::decode(s).map_err(|_| broken())?;
        let key = DataKey::unwrap(&self.inner.master, IDENTITY_KEY_ID, &wrapped)?;
        let secret = zeroize::Zeroizing::new(key.open(IDENTITY_AAD, &sealed)?);
        let text = std::str::from_utf8(&secret).map_err(|_| broken())?;
        Ok(ExchangeIdentity::from_secret_text(text)?)
    }

    /// Register a partner's public key (TOML as `itaku exchange key`
    /// prints it) after reading its fingerprint aloud with them:
    /// `confirmed_by` says who confirmed it and how.
    pub async fn register_partner(
        &self,
        actor: &Actor,
        public_key_toml: &str,
        confirmed_by: &str,
    ) -> Result<PartnerView> {
        let confirmed_by = confirmed_by.trim();
        if confirmed_by.is_empty() {
            return Err(ServiceError::Invalid(
                "公開鍵の指紋を相手と読み合わせた記録（誰と、どの手段で）を入力してください".into(),
            ));
        }
        let key = ExchangePublicKey::from_toml(public_key_toml)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::Administer, "exchange_partner"),
            )
            .await?;
        let fingerprint = key.fingerprint().to_string();
        if op
            .tx
            .partners()
            .await?
            .iter()
            .any(|p| p.fingerprint == fingerprint)
        {
            return Err(ServiceError::Conflict(format!(
                "指紋 {fingerprint} の公開鍵は登録済みです"
            )));
        }
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        let id = op
            .tx
            .insert_partner(
                key.org_name().as_str(),
                &fingerprint,
                &key.to_toml(),
                confirmed_by,
                &now,
                &by,
            )
            .await?;
        let row = op
            .tx
            .partner(id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        op.finish(
            &[],
            &format!("partner {} {fingerprint} registered", key.org_name()),
        )
        .await?;
        Ok(row.into())
    }

    /// Registered partners' keys.
    pub async fn partners(&self, actor: &Actor) -> Result<Vec<PartnerView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::ViewAudit, "exchange_partner"),
            )
            .await?;
        let rows = op.tx.partners().await?;
        op.finish(&[], "").await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Say that a contract moves by package to the partner with
    /// `fingerprint`, under the reference both installations use.
    pub async fn bind_contract_exchange(
        &self,
        actor: &Actor,
        contract_id: i64,
        exchange_ref: &str,
        fingerprint: &str,
    ) -> Result<ExchangeBinding> {
        let exchange_ref = itaku_exchange::ContractId::new(exchange_ref)?;
        let mut op = self
            .administer_contract(actor, contract_id, "contract_exchange")
            .await?;
        let wanted = fingerprint.trim().to_uppercase();
        let partner = op
            .tx
            .partners()
            .await?
            .into_iter()
            .find(|p| p.fingerprint.to_uppercase() == wanted)
            .ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "指紋 {fingerprint} の公開鍵は登録されていません（itaku exchange partner add）"
                ))
            })?;
        if let Some(other) = op
            .tx
            .contract_by_exchange_ref(exchange_ref.as_str())
            .await?
        {
            if other.contract_id != contract_id {
                return Err(ServiceError::Conflict(format!(
                    "参照番号 {exchange_ref} は契約 {} に使われています",
                    other.contract_id
                )));
            }
        }
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        op.tx
            .bind_contract_exchange(contract_id, exchange_ref.as_str(), partner.id, &now, &by)
            .await?;
        op.finish(
            &[],
            &format!(
                "contract exchange {exchange_ref} with {}",
                partner.fingerprint
            ),
        )
        .await?;
        Ok(ExchangeBinding {
            contract_id,
            exchange_ref: exchange_ref.as_str().to_owned(),
            partner_key: partner.public_key.clone(),
            partner: partner.into(),
        })
    }

    /// The package binding of a contract, if it has one (no personal data).
    pub async fn exchange_binding(&self, contract_id: i64) -> Result<Option<ExchangeBinding>> {
        let mut tx = self.inner.store.begin().await?;
        let b = binding_in(&mut tx, contract_id).await;
        tx.rollback().await?;
        b
    }
}

pub(crate) async fn binding_in(tx: &mut Tx, contract_id: i64) -> Result<Option<ExchangeBinding>> {
    let Some(b) = tx.contract_exchange(contract_id).await? else {
        return Ok(None);
    };
    let partner = tx
        .partner(b.partner_id)
        .await?
        .ok_or_else(|| ServiceError::Internal("交換相手の記録がありません".into()))?;
    Ok(Some(ExchangeBinding {
        contract_id,
        exchange_ref: b.exchange_ref,
        partner_key: partner.public_key.clone(),
        partner: partner.into(),
    }))
}

/// Item codes as the package format spells them.
pub(crate) fn codes(
    items: &itaku_core::ItemSet,
) -> Result<std::collections::BTreeSet<itaku_exchange::Code>> {
    items
        .iter()
        .map(|i| Ok(itaku_exchange::Code::new(i.code())?))
        .collect()
}

pub(crate) fn scope(contract_id: i64) -> Scope {
    Scope::Contract(ContractId(contract_id))
}
