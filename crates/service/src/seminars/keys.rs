//! Each event's own data key: it seals the registrants' 氏名, their search
//! keys and the meeting links, so destroying it after the return erases
//! that event's participants and nothing else (cryptographic erase).

use crate::error::{Result, ServiceError};
use crate::Service;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use itaku_crypto::DataKey;
use itaku_store::EventRow;

/// The wrapped key is bound to its event: copied to another row it does
/// not unwrap.
pub(super) fn event_aad(event_id: i64) -> String {
    format!("seminar-event:{event_id}")
}

pub(super) fn new_event_key() -> DataKey {
    DataKey::generate()
}

/// The event's key; absent once destroyed (the event was returned).
pub(super) fn event_key(svc: &Service, ev: &EventRow) -> Result<DataKey> {
    let wrapped = ev.wrapped_key.as_deref().ok_or_else(|| {
        ServiceError::Conflict("このイベントの参加者情報は返却・消去済みです".into())
    })?;
    Ok(DataKey::unwrap(
        &svc.inner.master,
        &event_aad(ev.id),
        wrapped,
    )?)
}

fn name_aad(event_id: i64, seal_ref: &str) -> Vec<u8> {
    format!("seminar-registration:{event_id}:{seal_ref}:shimei").into_bytes()
}

pub(super) fn seal_name(
    key: &DataKey,
    event_id: i64,
    seal_ref: &str,
    name: &str,
) -> Result<Vec<u8>> {
    Ok(key.seal(&name_aad(event_id, seal_ref), name.as_bytes())?)
}

pub(super) fn open_name(
    key: &DataKey,
    event_id: i64,
    seal_ref: &str,
    sealed: Option<&[u8]>,
) -> Result<String> {
    let sealed = sealed.ok_or_else(ServiceError::not_found)?;
    let plain = key.open(&name_aad(event_id, seal_ref), sealed)?;
    String::from_utf8(plain).map_err(|_| ServiceError::Internal("氏名の復号に失敗しました".into()))
}

fn link_aad(event_id: i64, session_id: i64) -> Vec<u8> {
    format!("seminar-session:{event_id}:{session_id}:link").into_bytes()
}

pub(super) fn seal_link(
    key: &DataKey,
    event_id: i64,
    session_id: i64,
    link: &str,
) -> Result<Vec<u8>> {
    Ok(key.seal(&link_aad(event_id, session_id), link.as_bytes())?)
}

pub(super) fn open_link(
    key: &DataKey,
    event_id: i64,
    session_id: i64,
    sealed: &[u8],
) -> Result<String> {
    let plain = key.open(&link_aad(event_id, session_id), sealed)?;
    String::from_utf8(plain).map_err(|_| ServiceError::Internal("URL の復号に失敗しました".into()))
}

fn bigrams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

fn index(key: &DataKey, kind: &str, v: &str) -> String {
    hex::encode(key.blind_index(&format!("seminar:shimei:{kind}"), v))
}

/// What a name is found by: the folded name whole and its two-character
/// pieces (高橋 and 髙橋, カナ and かな fold together: itaku_jp::search_key).
pub(super) fn name_search_keys(key: &DataKey, name: &str) -> String {
    let k = itaku_jp::search_key(name);
    let mut out = vec![index(key, "full", &k)];
    out.extend(bigrams(&k).iter().map(|b| index(key, "bi", b)));
    out.join(" ")
}

/// What a query must all match; None if it is too short to search by.
pub(super) fn query_keys(key: &DataKey, query: &str) -> Option<Vec<String>> {
    let k = itaku_jp::search_key(query);
    match k.chars().count() {
        0 => None,
        1 => None,
        _ => Some(bigrams(&k).iter().map(|b| index(key, "bi", b)).collect()),
    }
}

/// The check-in token shown as the QR code, derived from the private
/// token: the registrant's page can show it again, and whoever scans it
/// cannot get from it to the private page (and so cannot cancel).
pub fn qr_token_of(private_token: &str) -> String {
    let d = itaku_crypto::sha256(format!("seminar-qr:{private_token}").as_bytes());
    URL_SAFE_NO_PAD.encode(d)
}
