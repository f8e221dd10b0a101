//! Person records in vaults: registering into the ward's vault, searching
//! and reading within a purpose's items, and provision into a contract's
//! vault. Fields are sealed with the vault's key and the record's identity;
//! search uses blind-index tokens, so no plaintext reaches the disk.

use crate::bootstrap::{contract_vault_aad, WARD_VAULT_AAD};
use crate::error::{Result, ServiceError};
use crate::ledger::{Channel, Direction, Movement, Origin};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_crypto::{sha256_hex, DataKey};
use itaku_policy::{Action, Scope};
use itaku_store::{Tx, VaultRow};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Items a search may match on, when the purpose allows them.
const SEARCHABLE: [Item; 6] = [
    Item::KanaShimei,
    Item::Shimei,
    Item::DenwaBango,
    Item::AtenaNo,
    Item::JushinkenNo,
    Item::Seinengappi,
];

/// A birth date as typed or said (1970/3/1, S45.3.1, 昭和45年3月1日,
/// 19700301), in the one form its token is made of.
fn birth_date(text: &str) -> Option<String> {
    itaku_jp::parse_date(text.trim())
        .ok()
        .map(|d| d.to_string())
}

#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub values: BTreeMap<Item, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonView {
    pub id: i64,
    pub values: BTreeMap<Item, String>,
}

impl PersonView {
    pub fn get(&self, item: Item) -> &str {
        self.values.get(&item).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    pub text: String,
    pub limit: i64,
}

pub(crate) struct CopiedPerson {
    pub ward_id: i64,
    pub contract_id: i64,
    pub has_phone: bool,
}

pub(crate) struct Copied {
    pub members: Vec<CopiedPerson>,
    pub digest: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvisionReport {
    pub contract_id: i64,
    pub persons: i64,
    pub items: Vec<Item>,
    pub digest: String,
}

/// A field's identity: its vault, its person (by the person's key in the
/// vault) and its item. A ciphertext copied anywhere else does not open.
pub(crate) fn field_aad(vault_id: i64, person_key: &[u8], item: Item) -> Vec<u8> {
    let mut aad = format!("v{vault_id}/").into_bytes();
    aad.extend_from_slice(person_key);
    aad.push(b'/');
    aad.extend_from_slice(item.code().as_bytes());
    aad
}

fn digits(s: &str) -> String {
    itaku_jp::fold_width(s)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

fn bigrams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// Tokens stored for one value: what a later query can match.
fn value_tokens(key: &DataKey, item: Item, value: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |kind: &str, v: &str| {
        out.push(
            key.blind_index(&format!("{}:{kind}", item.code()), v)
                .to_vec(),
        )
    };
    match item {
        Item::Shimei | Item::KanaShimei => {
            let k = itaku_jp::search_key(value);
            push("full", &k);
            for b in bigrams(&k) {
                push("bi", &b);
            }
        }
        Item::DenwaBango => {
            let d = digits(value);
            if !d.is_empty() {
                push("full", &d);
                if d.len() >= 4 {
                    push("last4", &d[d.len() - 4..]);
                }
            }
        }
        Item::AtenaNo | Item::JushinkenNo => push("full", value.trim()),
        Item::Seinengappi => {
            if let Some(d) = birth_date(value) {
                push("full", &d);
            }
        }
        _ => {}
    }
    out
}

pub(crate) type SealedPerson = (itaku_store::PersonRow, Vec<Vec<u8>>);

/// In the ward's vault a person is known by their 宛名番号.
pub(crate) fn ward_identities(key: &DataKey, persons: &[NewPerson]) -> Vec<Identity> {
    persons
        .iter()
        .map(|p| {
            let atena = p
                .values
                .get(&Item::AtenaNo)
                .map(String::as_str)
                .unwrap_or_default();
            (key.blind_index("person_key", atena.trim()).to_vec(), None)
        })
        .collect()
}
/// A person's key in its vault, and the ward record it was provided from.
pub(crate) type Identity = (Vec<u8>, Option<i64>);

/// One person's sealed values (in item order) and search tokens.
fn seal_person(
    key: &DataKey,
    vault_id: i64,
    items: &ItemSet,
    p: &NewPerson,
    (person_key, source): &Identity,
) -> Result<SealedPerson> {
    let mut values = Vec::with_capacity(items.len());
    let mut tokens = Vec::new();
    for item in items.iter() {
        match p.values.get(&item) {
            Some(v) => {
                values.push(Some(
                    key.seal(&field_aad(vault_id, person_key, item), v.as_bytes())?,
                ));
                tokens.extend(value_tokens(key, item, v));
            }
            None => values.push(None),
        }
    }
    Ok((
        itaku_store::PersonRow {
            person_key: person_key.clone(),
            source_person_id: *source,
            values,
        },
        tokens,
    ))
}

/// Seal persons and derive their search tokens, in input order. This is
/// the CPU-heavy part of a large import: it is spread over the cores.
pub(crate) fn seal_persons(
    (vault_id, key): (i64, &DataKey),
    items: &ItemSet,
    persons: &[NewPerson],
    identities: Vec<Identity>,
) -> Result<Vec<SealedPerson>> {
    let work: Vec<(&NewPerson, Identity)> = persons.iter().zip(identities).collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let per = work.len().div_ceil(threads).max(64);
    let parts: Vec<Result<Vec<SealedPerson>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(p, id)| seal_person(key, vault_id, items, p, id))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ServiceError::Internal(
                        "暗号化の処理が異常終了しました".into(),
                    ))
                })
            })
            .collect()
    });
    let mut out = Vec::with_capacity(persons.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// Tokens a query must all match, per searchable item.
fn query_tokens(key: &DataKey, item: Item, text: &str) -> Option<Vec<Vec<u8>>> {
    let idx = |kind: &str, v: &str| {
        key.blind_index(&format!("{}:{kind}", item.code()), v)
            .to_vec()
    };
    match item {
        Item::Shimei | Item::KanaShimei => {
            let k = itaku_jp::search_key(text);
            match k.chars().count() {
                0 => None,
                1 => Some(vec![idx("full", &k)]),
                _ => Some(bigrams(&k).iter().map(|b| idx("bi", b)).collect()),
            }
        }
        Item::DenwaBango => {
            let d = digits(text);
            match d.len() {
                0..=3 => None,
                4 => Some(vec![idx("last4", &d)]),
                _ => Some(vec![idx("full", &d)]),
            }
        }
        Item::AtenaNo | Item::JushinkenNo => {
            let t = text.trim();
            (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit())).then(|| vec![idx("full", t)])
        }
        Item::Seinengappi => birth_date(text).map(|d| vec![idx("full", &d)]),
        _ => None,
    }
}

/// The token of a whole name (2 characters or more), stored for every name.
fn whole_name_token(key: &DataKey, item: Item, text: &str) -> Option<Vec<u8>> {
    match item {
        Item::Shimei | Item::KanaShimei => {
            let k = itaku_jp::search_key(text);
            (k.chars().count() >= 2).then(|| {
                key.blind_index(&format!("{}:full", item.code()), &k)
                    .to_vec()
            })
        }
        _ => None,
    }
}

/// Does the decrypted value really match (tokens can over-match)?
fn value_matches(item: Item, value: &str, text: &str) -> bool {
    match item {
        Item::Shimei | Item::KanaShimei => {
            itaku_jp::search_key(value).contains(&itaku_jp::search_key(text))
        }
        Item::DenwaBango => digits(value).ends_with(&digits(text)),
        Item::Seinengappi => birth_date(text).is_some_and(|d| birth_date(value) == Some(d)),
        _ => value.trim() == text.trim(),
    }
}

impl Service {
    async fn vault_key(&self, v: &VaultRow) -> Result<Arc<DataKey>> {
        if v.destroyed_at.is_some() {
            return Err(ServiceError::not_found());
        }
        if let Ok(cache) = self.inner.vault_keys.lock() {
            if let Some(k) = cache.get(&v.id) {
                return Ok(k.clone());
            }
        }
        let aad = match v.contract_id {
            Some(c) => contract_vault_aad(c),
            None => WARD_VAULT_AAD.to_owned(),
        };
        let wrapped = v
            .wrapped_key
            .as_deref()
            .ok_or_else(ServiceError::not_found)?;
        let key = Arc::new(DataKey::unwrap(&self.inner.master, &aad, wrapped)?);
        if let Ok(mut cache) = self.inner.vault_keys.lock() {
            cache.insert(v.id, key.clone());
        }
        Ok(key)
    }

    pub(crate) async fn vault(
        &self,
        tx: &mut Tx,
        contract: Option<ContractId>,
    ) -> Result<(VaultRow, Arc<DataKey>)> {
        let v = tx
            .vault_for(contract.map(|c| c.0))
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let k = self.vault_key(&v).await?;
        Ok((v, k))
    }

    /// The items the actor's context covers: the purpose's items in a
    /// contract, every item in the ward's own vault.
    pub(crate) async fn context_items(&self, actor: &Actor) -> Result<ItemSet> {
        let Some(c) = actor.contract else {
            return Ok(ItemSet::all());
        };
        let mut tx = self.inner.store.begin().await?;
        let facts = self.contract_facts(&mut tx, c).await?;
        tx.rollback().await?;
        let purpose = actor.purpose.as_deref().unwrap_or_default();
        Ok(facts
            .and_then(|f| f.purposes.into_iter().find(|p| p.code == purpose))
            .map(|p| p.items)
            .unwrap_or_default())
    }

    fn scope_of(actor: &Actor) -> Scope {
        match actor.contract {
            Some(c) => Scope::Contract(c),
            None => Scope::Ward,
        }
    }

    /// Register or update persons in the ward's vault, keyed by 宛名番号.
    /// One operation, one audit entry, all or nothing.
    pub async fn register_persons(
        &self,
        actor: &Actor,
        persons: &[NewPerson],
    ) -> Result<(i64, i64)> {
        let mut items = ItemSet::new();
        for p in persons {
            if !p.values.contains_key(&Item::AtenaNo) {
                return Err(ServiceError::Invalid(
                    "宛名番号のない記録は登録できません".into(),
                ));
            }
            for i in p.values.keys() {
                items.insert(*i);
            }
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "person").items(items.clone()),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let now = op.now_ts();
        let identities = ward_identities(&key, persons);
        let (ids, inserted) = self
            .store_persons(
                &mut op.tx,
                (vault.id, &key),
                &items,
                persons,
                identities,
                &now,
            )
            .await?;
        let updated = ids.len() as i64 - inserted;
        op.finish(&ids, &format!("registered {inserted}, updated {updated}"))
            .await?;
        Ok((inserted, updated))
    }

    /// Seal and store persons in one vault, with their search tokens.
    /// Returns the ids in input order and how many were new.
    pub(crate) async fn store_persons(
        &self,
        tx: &mut Tx,
        (vault_id, key): (i64, &DataKey),
        items: &ItemSet,
        persons: &[NewPerson],
        identities: Vec<Identity>,
        now: &str,
    ) -> Result<(Vec<i64>, i64)> {
        let sealed = seal_persons((vault_id, key), items, persons, identities)?;
        self.store_sealed(tx, vault_id, items, sealed, now).await
    }

    /// Store persons already sealed by [`seal_persons`]; returns their ids
    /// (in input order) and how many were new.
    pub(crate) async fn store_sealed(
        &self,
        tx: &mut Tx,
        vault_id: i64,
        items: &ItemSet,
        sealed: Vec<SealedPerson>,
        now: &str,
    ) -> Result<(Vec<i64>, i64)> {
        let codes: Vec<&str> = items.iter().map(|i| i.code()).collect();
        let (rows, tokens): (Vec<_>, Vec<_>) = sealed.into_iter().unzip();
        let stored = tx.upsert_persons(vault_id, &codes, &rows, now).await?;
        let inserted = stored.iter().filter(|(_, new)| *new).count() as i64;
        let ids: Vec<i64> = stored.iter().map(|(id, _)| *id).collect();
        let batch: Vec<(i64, Vec<Vec<u8>>, bool)> = stored
            .iter()
            .zip(tokens)
            .map(|((id, new), t)| (*id, t, *new))
            .collect();
        tx.replace_search_tokens_batch(&batch).await?;
        Ok((ids, inserted))
    }

    pub(crate) async fn open_persons(
        &self,
        op: &mut Op<'_>,
        vault_id: i64,
        key: &DataKey,
        ids: &[i64],
    ) -> Result<Vec<PersonView>> {
        let codes: Vec<&str> = op.allowed.iter().map(|i| i.code()).collect();
        let rows = op.tx.load_items(vault_id, ids, &codes).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut values = BTreeMap::new();
            for (code, sealed) in r.items {
                let item = Item::parse(&code)?;
                // Belt and braces: nothing outside the allowed set leaves here.
                if !op.allowed.contains(item) {
                    continue;
                }
                let plain = key.open(&field_aad(vault_id, &r.person_key, item), &sealed)?;
                values.insert(
                    item,
                    String::from_utf8(plain)
                        .map_err(|_| ServiceError::Internal("文字コード不正".into()))?,
                );
            }
            out.push(PersonView {
                id: r.person_id,
                values,
            });
        }
        Ok(out)
    }

    /// Read one person within the actor's context. Another vault's person,
    /// like a missing one, is "not found".
    pub async fn read_person(&self, actor: &Actor, person_id: i64) -> Result<PersonView> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Self::scope_of(actor), "person").context_items(),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, actor.contract).await?;
        let mut found = self
            .open_persons(&mut op, vault.id, &key, &[person_id])
            .await?;
        let Some(p) = found.pop() else {
            op.finish(&[person_id], "not found").await?;
            return Err(ServiceError::not_found());
        };
        op.finish(&[person_id], "").await?;
        Ok(p)
    }

    /// A page of persons in id order.
    pub async fn list_persons(
        &self,
        actor: &Actor,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<PersonView>, i64)> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Self::scope_of(actor), "person").context_items(),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, actor.contract).await?;
        let total = op.tx.count_persons(vault.id).await?;
        let ids = op
            .tx
            .person_ids(vault.id, after, limit.clamp(1, 500))
            .await?;
        let people = self.open_persons(&mut op, vault.id, &key, &ids).await?;
        op.finish(&ids, "list").await?;
        Ok((people, total))
    }

    /// Search by name (kana or kanji, any width, variant kanji folded),
    /// phone digits, 宛名番号, 受診券整理番号 or birth date (西暦 or 和暦,
    /// as the caller says it) — only over items the
    /// purpose allows, so a search is never an oracle for hidden items.
    pub async fn search_persons(&self, actor: &Actor, q: &PersonQuery) -> Result<Vec<PersonView>> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Search, Self::scope_of(actor), "person").context_items(),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, actor.contract).await?;
        let limit = q.limit.clamp(1, 200);
        let mut candidates: Vec<(i64, Item)> = Vec::new();
        for item in SEARCHABLE.into_iter().filter(|i| op.allowed.contains(*i)) {
            // A whole name as the caller says it is one index probe; only
            // when nobody has exactly that name is it searched as a part
            // of names (the intersection of its bigrams, slow for common
            // ones at a large vault).
            let mut found = Vec::new();
            if let Some(token) = whole_name_token(&key, item, &q.text) {
                found = op
                    .tx
                    .persons_with_all_tokens(vault.id, &[token], limit * 4)
                    .await?;
            }
            if found.is_empty() {
                if let Some(tokens) = query_tokens(&key, item, &q.text) {
                    found = op
                        .tx
                        .persons_with_all_tokens(vault.id, &tokens, limit * 4)
                        .await?;
                }
            }
            candidates.extend(found.into_iter().map(|id| (id, item)));
        }
        let mut ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let people = self.open_persons(&mut op, vault.id, &key, &ids).await?;
        let hits: Vec<PersonView> = people
            .into_iter()
            .filter(|p| {
                candidates
                    .iter()
                    .any(|(id, item)| *id == p.id && value_matches(*item, p.get(*item), &q.text))
            })
            .take(limit as usize)
            .collect();
        let hit_ids: Vec<i64> = hits.iter().map(|p| p.id).collect();
        op.finish(&hit_ids, &format!("hits={}", hit_ids.len()))
            .await?;
        Ok(hits)
    }

    /// Every item any of the contract's purposes allows.
    pub(crate) async fn contract_items(&self, cid: ContractId) -> Result<ItemSet> {
        let mut tx = self.inner.store.begin().await?;
        let facts = self.contract_facts(&mut tx, cid).await?;
        tx.rollback().await?;
        Ok(crate::ledger::purposes_items(facts.as_ref()))
    }

    /// Copy persons from the ward's vault into a contract's vault with only
    /// the items the contract's purposes allow (提供). `person_ids` None
    /// provides every person of the ward's vault.
    pub async fn provision(
        &self,
        actor: &Actor,
        contract_id: i64,
        person_ids: Option<&[i64]>,
    ) -> Result<ProvisionReport> {
        let cid = ContractId(contract_id);
        let items = self.contract_items(cid).await?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Provision, Scope::Contract(cid), "person").items(items),
            )
            .await?;
        let (ward, _) = self.vault(&mut op.tx, None).await?;
        let mut source_ids: Vec<i64> = Vec::new();
        match person_ids {
            Some(ids) => source_ids.extend_from_slice(ids),
            None => {
                let mut after = 0;
                loop {
                    let page = op.tx.person_ids(ward.id, after, 1000).await?;
                    let Some(last) = page.last() else { break };
                    after = *last;
                    source_ids.extend(page);
                }
            }
        }
        let copied = self.copy_to_contract(&mut op, cid, &source_ids).await?;
        let count = copied.members.len() as i64;
        let allowed = op.allowed.clone();
        op.record_movement(Movement {
            contract_id,
            direction: Direction::Provision,
            channel: Channel::Vault,
            campaign_id: None,
            list_id: None,
            records: count,
            items: &allowed,
            digest: &copied.digest,
            package: None,
            counterpart: None,
        })
        .await?;
        let report = ProvisionReport {
            contract_id,
            persons: count,
            items: allowed.iter().collect(),
            digest: copied.digest,
        };
        op.finish(
            &source_ids,
            &format!("provided {count} persons, sha256={}", report.digest),
        )
        .await?;
        Ok(report)
    }

    /// Inside a provision: copy ward records into the contract's vault with
    /// the operation's allowed items. Returns each copy's id, and a digest
    /// over what was copied (ward id, item, value) for the ledger.
    pub(crate) async fn copy_to_contract(
        &self,
        op: &mut Op<'_>,
        cid: ContractId,
        source_ids: &[i64],
    ) -> Result<Copied> {
        let (ward, ward_key) = self.vault(&mut op.tx, None).await?;
        let (cv, ckey) = self.vault(&mut op.tx, Some(cid)).await?;
        let now = op.now_ts();
        let items = op.allowed.clone();
        let mut digest_input = String::new();
        let mut members = Vec::with_capacity(source_ids.len());
        for chunk in source_ids.chunks(500) {
            let people = self.open_persons(op, ward.id, &ward_key, chunk).await?;
            let persons: Vec<NewPerson> = people
                .iter()
                .map(|p| NewPerson {
                    values: p.values.clone(),
                })
                .collect();
            // In a contract's vault a person is known by the ward record it came from.
            let identities = people
                .iter()
                .map(|p| (Origin::Local.person_key(&ckey, p.id), Some(p.id)))
                .collect();
            let (ids, _) = self
                .store_persons(
                    &mut op.tx,
                    (cv.id, &ckey),
                    &items,
                    &persons,
                    identities,
                    &now,
                )
                .await?;
            for (p, copy) in people.iter().zip(ids) {
                for (item, v) in &p.values {
                    digest_input.push_str(&format!("{}\t{}\t{}\n", p.id, item.code(), v));
                }
                members.push(CopiedPerson {
                    ward_id: p.id,
                    contract_id: copy,
                    has_phone: !p.get(Item::DenwaBango).trim().is_empty(),
                });
            }
        }
        Ok(Copied {
            members,
            digest: sha256_hex(digest_input.as_bytes()),
        })
    }

    /// A page of the ward's register, with every item, for an export (JSON
    /// Lines, CSV) by ward staff after a fresh step-up. Contractors are
    /// refused by the policy (no bulk copies). One audit entry per page
    /// lists every record id it hands out. Returns the page and the
    /// register's size.
    pub async fn export_persons(
        &self,
        actor: &Actor,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<PersonView>, i64)> {
        // Whoever may not export is refused (and audited) as such, step-up or not.
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Export, Scope::Ward, "person").items(ItemSet::all()),
            )
            .await?;
        if !actor.stepped_up {
            return Err(ServiceError::StepUpRequired);
        }
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let total = op.tx.count_persons(vault.id).await?;
        let ids = op
            .tx
            .person_ids(vault.id, after, limit.clamp(1, 5000))
            .await?;
        let people = self.open_persons(&mut op, vault.id, &key, &ids).await?;
        let exported: Vec<i64> = people.iter().map(|p| p.id).collect();
        op.finish(
            &exported,
            &format!("export {} of {total} (after {after})", exported.len()),
        )
        .await?;
        Ok((people, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_search_tokens_fold_width_kana_and_variants() {
        let key = DataKey::generate();
        let stored = value_tokens(&key, Item::KanaShimei, "タカハシ　ハナコ");
        for q in ["たかはし", "ﾀｶﾊｼ", "ハナコ", "カハ"] {
            let t = query_tokens(&key, Item::KanaShimei, q).unwrap();
            assert!(t.iter().all(|x| stored.contains(x)), "{q}");
        }
        // A whole name, however typed, is its stored whole-name token.
        for q in ["たかはしはなこ", "ﾀｶﾊｼ ﾊﾅｺ", "タカハシ　ハナコ"] {
            let t = whole_name_token(&key, Item::KanaShimei, q).unwrap();
            assert!(stored.contains(&t), "{q}");
        }
        assert!(whole_name_token(&key, Item::KanaShimei, "た").is_none());
        assert!(whole_name_token(&key, Item::DenwaBango, "0312345678").is_none());
        let stored = value_tokens(&key, Item::Shimei, "髙橋　花子");
        let t = query_tokens(&key, Item::Shimei, "高橋").unwrap();
        assert!(t.iter().all(|x| stored.contains(x)));
        assert!(value_matches(Item::Shimei, "髙橋　花子", "高橋"));
        assert!(!value_matches(Item::Shimei, "髙橋　花子", "橋本"));
        let phone = value_tokens(&key, Item::DenwaBango, "03-5257-6955");
        assert!(query_tokens(&key, Item::DenwaBango, "6955")
            .unwrap()
            .iter()
            .all(|x| phone.contains(x)));
        assert!(query_tokens(&key, Item::DenwaBango, "０３５２５７６９５５")
            .unwrap()
            .iter()
            .all(|x| phone.contains(x)));
        assert!(query_tokens(&key, Item::DenwaBango, "69").is_none());
        // A birth date is found however it is said.
        let born = value_tokens(&key, Item::Seinengappi, "1970-03-01");
        for q in [
            "S45.3.1",
            "昭和45年3月1日",
            "1970/3/1",
            "19700301",
            "Ｓ４５．３．１",
        ] {
            let t = query_tokens(&key, Item::Seinengappi, q).unwrap();
            assert!(t.iter().all(|x| born.contains(x)), "{q}");
            assert!(value_matches(Item::Seinengappi, "1970-03-01", q), "{q}");
        }
        assert!(!value_matches(Item::Seinengappi, "1970-03-02", "S45.3.1"));
        assert!(query_tokens(&key, Item::Seinengappi, "たかはし").is_none());
        // Another vault's key gives other tokens.
        let other = DataKey::generate();
        assert_ne!(
            value_tokens(&other, Item::AtenaNo, "100000001"),
            value_tokens(&key, Item::AtenaNo, "100000001")
        );
    }
}
