//! Ward staff's side: households registered into the ledger, searched by
//! name or 記号番号, and read with their years, plans and history; entries
//! added and corrected (a correction supersedes, never overwrites).

use super::line::{EntryLine, PageInput};
use super::read::HouseholdSummary;
use super::seal::{entry_aad, hh_aad, kigo_token, open_text, seal_json};
use super::{set, LEDGER_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::persons::field_aad;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::Item;
use itaku_crypto::DataKey;
use itaku_policy::{Action, Scope};
use itaku_store::{HouseholdRow, NewLedgerEntry, Tx};
use std::collections::BTreeMap;

/// A household to register (demo, migration from the old system).
#[derive(Debug, Clone, Default)]
pub struct NewHousehold {
    pub kigo: String,
    pub head_person_id: i64,
    /// Other members and their relation (妻, 子…).
    pub members: Vec<(i64, String)>,
    /// (fiscal year, 賦課額).
    pub assessments: Vec<(i32, i64)>,
    /// (fiscal year, date, 納付額).
    pub payments: Vec<(i32, NaiveDate, i64)>,
    pub history: Vec<EntryLine>,
}

/// What an entry's sealed `fields` hold (the note is sealed apart).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct SealedFields {
    pub kind: super::EntryKind,
    pub amount: Option<i64>,
    pub items: [String; 7],
}

/// Where ledger entries come from, for the record.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub page_id: Option<i64>,
    pub supersedes: Option<i64>,
}

/// Seal and insert history entries of one household, in the caller's op.
/// Notes are screened: a flagged note is kept sealed but held from view.
pub(crate) async fn put_entries(
    op: &mut Op<'_>,
    vault_id: i64,
    key: &DataKey,
    household_id: i64,
    lines: &[EntryLine],
    src: &Source<'_>,
) -> Result<Vec<i64>> {
    let now = op.now_ts();
    let user = op.actor_user();
    let actor = op.actor_label().to_owned();
    let mut ids = Vec::with_capacity(lines.len());
    for l in lines {
        let row_key = itaku_crypto::random_bytes::<16>();
        let fields = seal_json(
            key,
            &entry_aad(vault_id, household_id, &row_key, "fields"),
            &SealedFields {
                kind: l.kind,
                amount: l.amount,
                items: l.items.clone(),
            },
        )?;
        let flags = crate::held_note::screen(&l.note);
        let note_state = flags.state(&l.note);
        let note = (!l.note.is_empty())
            .then(|| {
                key.seal(
                    &entry_aad(vault_id, household_id, &row_key, "note"),
                    l.note.as_bytes(),
                )
            })
            .transpose()?;
        let id = op
            .tx
            .insert_tainou_entry(&NewLedgerEntry {
                household_id,
                row_key: &row_key,
                entry_on: &l.date.to_string(),
                fields,
                note,
                note_flags: &flags.codes(),
                note_state,
                source: src.text,
                page_id: src.page_id,
                created_at: &now,
                created_by: user,
                actor: &actor,
                supersedes: src.supersedes,
            })
            .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Names of ward persons: (漢字氏名, カナ氏名, 生年月日) by id.
pub(crate) async fn names(
    tx: &mut Tx,
    vault_id: i64,
    key: &DataKey,
    ids: &[i64],
) -> Result<BTreeMap<i64, [String; 3]>> {
    let items = [Item::Shimei, Item::KanaShimei, Item::Seinengappi];
    let codes: Vec<&str> = items.iter().map(|i| i.code()).collect();
    let mut out = BTreeMap::new();
    for r in tx.load_items(vault_id, ids, &codes).await? {
        let mut v: [String; 3] = Default::default();
        for (code, sealed) in &r.items {
            let item = Item::parse(code)?;
            if let Some(slot) = items.iter().position(|i| *i == item) {
                v[slot] = open_text(key, &field_aad(vault_id, &r.person_key, item), sealed)?;
            }
        }
        out.insert(r.person_id, v);
    }
    Ok(out)
}

fn bigrams(k: &str) -> Vec<String> {
    let chars: Vec<char> = k.chars().collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The persons search's blind-index tokens for a name (the same scheme as
/// persons.rs, so the ward's existing index answers).
fn name_tokens(key: &DataKey, item: Item, text: &str) -> Option<Vec<Vec<u8>>> {
    let k = itaku_jp::search_key(text);
    let idx = |kind: &str, v: &str| {
        key.blind_index(&format!("{}:{kind}", item.code()), v)
            .to_vec()
    };
    match k.chars().count() {
        0 => None,
        1 => Some(vec![idx("full", &k)]),
        _ => Some(bigrams(&k).iter().map(|b| idx("bi", b)).collect()),
    }
}

impl Service {
    /// Register households with their years and history (one operation).
    pub async fn register_households(
        &self,
        actor: &Actor,
        list: &[NewHousehold],
    ) -> Result<Vec<i64>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "tainou_household")
                    .items(set(&LEDGER_ITEMS)),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let now = op.now_ts();
        let who = op.actor_label().to_owned();
        let mut ids = Vec::with_capacity(list.len());
        for h in list {
            let kigo = super::seal::kigo_key(&h.kigo);
            if kigo.is_empty() {
                return Err(ServiceError::Invalid("記号番号を入力してください".into()));
            }
            let token = kigo_token(&key, &kigo);
            if op
                .tx
                .tainou_household_by_kigo(vault.id, &token)
                .await?
                .is_some()
            {
                return Err(ServiceError::Conflict(format!(
                    "記号番号「{kigo}」の世帯はすでに台帳にあります"
                )));
            }
            let mut persons: Vec<i64> = vec![h.head_person_id];
            persons.extend(h.members.iter().map(|m| m.0));
            if op.tx.load_items(vault.id, &persons, &[]).await?.len() != persons.len() {
                return Err(ServiceError::Invalid(format!(
                    "記号番号「{kigo}」の世帯員に区の名簿にない人がいます"
                )));
            }
            let row_key = itaku_crypto::random_bytes::<16>();
            let sealed = key.seal(&hh_aad(vault.id, &row_key, "kigo"), kigo.as_bytes())?;
            let id = op
                .tx
                .insert_tainou_household(
                    vault.id,
                    &row_key,
                    &token,
                    &sealed,
                    h.head_person_id,
                    &now,
                )
                .await?;
            for (p, rel) in &h.members {
                op.tx.insert_tainou_member(id, *p, rel).await?;
            }
            for (fy, amount) in &h.assessments {
                let a = key.seal(
                    &hh_aad(vault.id, &row_key, &format!("fuka/{fy}")),
                    amount.to_string().as_bytes(),
                )?;
                op.tx
                    .insert_tainou_assessment(id, i64::from(*fy), &a, &now, &who)
                    .await?;
            }
            for (fy, on, amount) in &h.payments {
                let a = key.seal(
                    &hh_aad(vault.id, &row_key, "nofu"),
                    amount.to_string().as_bytes(),
                )?;
                op.tx
                    .insert_tainou_payment(
                        id,
                        i64::from(*fy),
                        &on.to_string(),
                        None,
                        &a,
                        &now,
                        &who,
                    )
                    .await?;
            }
            let src = Source {
                text: "移行（旧システム）",
                page_id: None,
                supersedes: None,
            };
            put_entries(&mut op, vault.id, &key, id, &h.history, &src).await?;
            ids.push(id);
        }
        op.finish(&ids, &format!("households registered: {}", ids.len()))
            .await?;
        Ok(ids)
    }

    /// Search households by 記号番号 (exact) or a member's name (kana or
    /// kanji, any width, part of it).
    pub async fn search_households(
        &self,
        actor: &Actor,
        q: &str,
        limit: usize,
    ) -> Result<Vec<HouseholdSummary>> {
        let items = set(&[Item::Shimei, Item::KanaShimei, Item::KokuhoKigoBango]);
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Search, Scope::Ward, "tainou_household").items(items),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let text = q.trim();
        let mut found: Vec<HouseholdRow> = Vec::new();
        let folded = super::seal::kigo_key(text);
        if !folded.is_empty() && folded.chars().all(|c| c.is_ascii_digit() || c == '-') {
            if let Some(h) = op
                .tx
                .tainou_household_by_kigo(vault.id, &kigo_token(&key, &folded))
                .await?
            {
                found.push(h);
            }
        } else {
            let mut ids = Vec::new();
            for item in [Item::KanaShimei, Item::Shimei] {
                if let Some(t) = name_tokens(&key, item, text) {
                    ids.extend(op.tx.persons_with_all_tokens(vault.id, &t, 400).await?);
                }
            }
            ids.sort_unstable();
            ids.dedup();
            // Tokens are bigrams: confirm the whole text on the opened names.
            let want = itaku_jp::search_key(text);
            let named = names(&mut op.tx, vault.id, &key, &ids).await?;
            let hits: Vec<i64> = named
                .iter()
                .filter(|(_, v)| {
                    itaku_jp::search_key(&v[0]).contains(&want)
                        || itaku_jp::search_key(&v[1]).contains(&want)
                })
                .map(|(id, _)| *id)
                .collect();
            found = op.tx.tainou_households_of(&hits).await?;
        }
        found.truncate(limit.clamp(1, 200));
        let heads: Vec<i64> = found.iter().map(|h| h.head_person_id).collect();
        let named = names(&mut op.tx, vault.id, &key, &heads).await?;
        let mut out = Vec::with_capacity(found.len());
        for h in &found {
            let n = named.get(&h.head_person_id).cloned().unwrap_or_default();
            out.push(HouseholdSummary {
                id: h.id,
                kigo: open_text(&key, &hh_aad(vault.id, &h.row_key, "kigo"), &h.kigo)?,
                head_name: n[0].clone(),
                head_kana: n[1].clone(),
            });
        }
        let ids: Vec<i64> = out.iter().map(|h| h.id).collect();
        op.finish(&ids, &format!("hits={}", ids.len())).await?;
        Ok(out)
    }
}

/// Parse a page typed by ward staff (their own entries go straight in).
pub(crate) fn parse_ward_page(input: &PageInput, today: NaiveDate) -> Result<Vec<EntryLine>> {
    super::line::parse_page(input, itaku_jp::Era::Reiwa, today)
}
