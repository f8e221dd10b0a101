//! The data lifecycle between two separate installations, on both
//! backends: the ward's itaku provides a frozen list to the contractor's
//! itaku by encrypted package, the contractor records results and returns
//! them by package, receipts close both ledgers, the ward erases the
//! contract and the certificate verifies. Refusals (a stranger's record, a
//! package received twice, a modified byte, a wrong passphrase) store
//! nothing and are audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

/// The contract's reference both installations use.
const REF: &str = "R8-健-001";

struct Site {
    svc: Service,
    url: String,
    demo: DemoSummary,
    _dir: tempfile::TempDir,
}

async fn site(postgres: bool, seed: u64) -> Option<Site> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url.clone(),
        MasterKey::generate(),
        Arc::new(clock),
        Settings::default(),
    )
    .await
    .unwrap();
    let demo = svc.seed_demo(40, seed).await.unwrap();
    Some(Site {
        svc,
        url,
        demo,
        _dir: dir,
    })
}

impl Site {
    async fn actor(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    fn contract(&self) -> i64 {
        self.demo.contract_id
    }
    async fn ledger(&self) -> Ledger {
        self.svc
            .ledger(&self.actor("hokenshi").await, self.contract())
            .await
            .unwrap()
    }
    /// Allowed audit entries of one action whose reason starts with `prefix`.
    async fn audited(&self, action: &str, prefix: &str) -> Vec<AuditEntryView> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action && e.outcome == "allow" && e.reason.starts_with(prefix))
            .collect()
    }
    async fn audit_reasons(&self, action: &str) -> Vec<String> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action)
            .map(|e| e.reason)
            .collect()
    }
}

/// Ward (A) and contractor (B), each with its own database, keys made,
/// exchanged, and the demo contract bound to the other side.
async fn pair(postgres: bool) -> Option<(Site, Site)> {
    let ward = site(postgres, 11).await?;
    let contractor = site(postgres, 12).await?;
    let a_admin = ward.actor("ward-admin").await;
    let b_admin = contractor.actor("ward-admin").await;
    let a_key = ward
        .svc
        .exchange_keygen(&a_admin, "新宿区 健康部")
        .await
        .unwrap();
    let b_key = contractor
        .svc
        .exchange_keygen(&b_admin, "株式会社みらい健康サポート")
        .await
        .unwrap();
    assert!(ward.svc.exchange_keygen(&a_admin, "二つ目").await.is_err());
    // A fingerprint must be confirmed by someone, by some means.
    assert!(ward
        .svc
        .register_partner(&a_admin, &b_key.to_toml(), " ")
        .await
        .is_err());
    let b_on_a = ward
        .svc
        .register_partner(&a_admin, &b_key.to_toml(), "電話で読み合わせ（乙 責任者）")
        .await
        .unwrap();
    assert_eq!(b_on_a.fingerprint, b_key.fingerprint().to_string());
    contractor
        .svc
        .register_partner(&b_admin, &a_key.to_toml(), "電話で読み合わせ（区 担当）")
        .await
        .unwrap();
    ward.svc
        .bind_contract_exchange(
            &a_admin,
            ward.contract(),
            REF,
            &b_key.fingerprint().to_string(),
        )
        .await
        .unwrap();
    contractor
        .svc
        .bind_contract_exchange(
            &b_admin,
            contractor.contract(),
            REF,
            &a_key.fingerprint().to_string(),
        )
        .await
        .unwrap();
    Some((ward, contractor))
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(false).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(true).await; })* }
    };
}

both!(
    provision_and_return_travel_between_two_installations,
    refused_packages_store_nothing,
    return_within_one_installation_fills_the_ward_records,
);

async fn provision_and_return_travel_between_two_installations(postgres: bool) {
    let Some((a, b)) = pair(postgres).await else {
        return;
    };
    let staff = a.actor("hokenshi").await;
    let list = a.svc.target_lists(&staff).await.unwrap()[0].clone();
    assert!(list.members > 0);
    let mut package = Vec::new();
    let sent = a
        .svc
        .send_provision_package(
            &staff,
            a.contract(),
            list.id,
            PackageTo::Partner,
            &mut package,
        )
        .await
        .unwrap();
    assert_eq!(sent.records, list.members as u64);
    assert_eq!(sent.recipient_org, "株式会社みらい健康サポート");
    let line = a.ledger().await.lines.pop().unwrap();
    assert_eq!(
        (line.direction, line.channel, line.records),
        (Direction::Provision, Channel::PackageSent, list.members)
    );
    assert!(line.awaiting_receipt());

    // The contractor's 責任者 takes it in; a handler may not.
    let held_before = b.ledger().await.held;
    let handler = b
        .actor("mirai-denwa")
        .await
        .in_contract(ContractId(b.contract()), Some("denwa_kansho".into()));
    assert!(b
        .svc
        .receive_package(&handler, b.contract(), &package[..], None)
        .await
        .is_err());
    let sekinin = b.actor("mirai-sekinin").await;
    let got = b
        .svc
        .receive_package(&sekinin, b.contract(), &package[..], None)
        .await
        .unwrap();
    assert_eq!(
        (got.direction, got.records),
        (Direction::Provision, sent.records)
    );
    assert_eq!(got.sender_org, "新宿区 健康部");
    // Each side's read of personal data names the records it touched.
    let out = a.audited("provision", "package ").await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].record_ids.len() as i64, list.members);
    let inn = b.audited("receive", "received package").await;
    assert_eq!(inn.len(), 1);
    assert_eq!(inn[0].record_ids.len() as i64, list.members);
    let b_ledger = b.ledger().await;
    assert_eq!(b_ledger.held, held_before + list.members);
    // The same package twice is refused.
    let again = b
        .svc
        .receive_package(&sekinin, b.contract(), &package[..], None)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("取り込み済み"), "{again}");

    // The ward checks the receipt; its ledger line closes.
    let closed = a
        .svc
        .accept_receipt(&staff, &got.receipt_json)
        .await
        .unwrap();
    assert!(!closed.awaiting_receipt() && closed.receipt_at.is_some());
    assert!(a
        .svc
        .accept_receipt(&staff, &got.receipt_json)
        .await
        .is_err());

    // The contractor's caller records a result on a received person.
    let caller = handler.clone();
    let (hits, _) = b.svc.list_persons(&caller, 0, 500).await.unwrap();
    let received: Vec<&PersonView> = hits.iter().collect();
    assert!(!received.is_empty());
    let person = received.last().unwrap().id;
    b.svc
        .record_result(
            &caller,
            person,
            Item::KanshoKekka,
            "受診予定（12月に予約済み）",
        )
        .await
        .unwrap();
    assert!(b
        .svc
        .record_result(&caller, person, Item::Shimei, "書き換え")
        .await
        .is_err());

    let mut back = Vec::new();
    let returned = b
        .svc
        .send_return_package(&sekinin, b.contract(), PackageTo::Partner, &mut back)
        .await
        .unwrap();
    assert!(returned.records >= 1);
    let ret = b.audited("return", "return package").await;
    assert_eq!(ret.len(), 1);
    assert!(ret[0].record_ids.contains(&person));
    let wrote = b.audited("write", "kansho_kekka recorded").await;
    assert_eq!(wrote.len(), 1);
    assert_eq!(wrote[0].record_ids, vec![person]);
    assert_eq!(returned.recipient_org, "新宿区 健康部");
    // Only the ward's key opens it; the ward refuses nothing it provided.
    let before = a.ledger().await;
    assert!(!before.returned_after_last_provision);
    let taken = a
        .svc
        .receive_package(&staff, a.contract(), &back[..], None)
        .await
        .unwrap();
    assert_eq!(taken.direction, Direction::Return);
    let after = a.ledger().await;
    assert!(after.returned_after_last_provision);
    assert_eq!(after.returned(), taken.records as i64);
    b.svc
        .accept_receipt(&sekinin, &taken.receipt_json)
        .await
        .unwrap();
    assert!(b.ledger().await.lines.iter().all(|l| !l.awaiting_receipt()));

    // The result reached the ward's own record of that person.
    let (ward_hits, _) = a.svc.list_persons(&staff, 0, 500).await.unwrap();
    assert!(
        ward_hits
            .iter()
            .any(|p| p.get(Item::KanshoKekka) == "受診予定（12月に予約済み）"),
        "the returned result is in the ward's records"
    );

    // The ward erases its copy of the contract (the demo's provision and
    // campaigns were in this installation's vault); the certificate holds.
    let mut admin = a.actor("ward-admin").await;
    admin.stepped_up = true;
    let cert = a
        .svc
        .erase_contract(&admin, a.contract(), Some("二つの環境の往復試験"))
        .await
        .unwrap();
    assert!(a.svc.verify_certificate(&cert).await.unwrap().ok());
    let last = a.ledger().await;
    assert!(last.erased && last.held == 0);
}

async fn refused_packages_store_nothing(postgres: bool) {
    let Some((a, b)) = pair(postgres).await else {
        return;
    };
    let staff = a.actor("hokenshi").await;
    let list = a.svc.target_lists(&staff).await.unwrap()[0].clone();
    let sekinin = b.actor("mirai-sekinin").await;
    let held = b.ledger().await.held;

    // One modified byte anywhere: refused, nothing stored, the refusal audited.
    let mut package = Vec::new();
    a.svc
        .send_provision_package(
            &staff,
            a.contract(),
            list.id,
            PackageTo::Partner,
            &mut package,
        )
        .await
        .unwrap();
    let mut bad = package.clone();
    let i = bad.len() / 2;
    bad[i] ^= 0x01;
    assert!(b
        .svc
        .receive_package(&sekinin, b.contract(), &bad[..], None)
        .await
        .is_err());
    let truncated = &package[..package.len() - 10];
    assert!(b
        .svc
        .receive_package(&sekinin, b.contract(), truncated, None)
        .await
        .is_err());
    assert_eq!(b.ledger().await.held, held);
    assert!(
        b.audit_reasons("receive")
            .await
            .iter()
            .filter(|r| r.starts_with("package refused"))
            .count()
            >= 2
    );

    // Media: a passphrase package opens with the passphrase only.
    let pass = SecretString::from("とても長い合言葉 2026-11".to_owned());
    let mut media = Vec::new();
    a.svc
        .send_provision_package(
            &staff,
            a.contract(),
            list.id,
            PackageTo::Passphrase {
                passphrase: pass.clone(),
                work_factor: 10,
            },
            &mut media,
        )
        .await
        .unwrap();
    let wrong = SecretString::from("ちがう合言葉ですよ 2026".to_owned());
    assert!(b
        .svc
        .receive_package(&sekinin, b.contract(), &media[..], Some(&wrong))
        .await
        .is_err());
    assert!(b
        .svc
        .receive_package(&sekinin, b.contract(), &media[..], None)
        .await
        .is_err());
    assert_eq!(b.ledger().await.held, held);
    b.svc
        .receive_package(&sekinin, b.contract(), &media[..], Some(&pass))
        .await
        .unwrap();
    assert_eq!(b.ledger().await.held, held + list.members);

    // Results recorded on every person the contractor holds go back only
    // for the persons the ward's package brought, never for persons of
    // another origin (the contractor's own demo ward here).
    let caller = b
        .actor("mirai-denwa")
        .await
        .in_contract(ContractId(b.contract()), Some("denwa_kansho".into()));
    for p in b.svc.list_persons(&caller, 0, 500).await.unwrap().0 {
        b.svc
            .record_result(&caller, p.id, Item::KanshoKekka, "不在")
            .await
            .unwrap();
    }
    let mut back = Vec::new();
    let returned = b
        .svc
        .send_return_package(&sekinin, b.contract(), PackageTo::Partner, &mut back)
        .await
        .unwrap();
    assert_eq!(returned.records, list.members as u64);
    // A return naming a record the ward's ledger does not show as provided
    // to this contract is refused whole.
    raw_sql(
        &a.url,
        "DELETE FROM transfer_members WHERE ward_person_id = \
         (SELECT MIN(ward_person_id) FROM transfer_members)",
    )
    .await
    .unwrap();
    let before = a.ledger().await.lines.len();
    let err = a
        .svc
        .receive_package(&staff, a.contract(), &back[..], None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("提供していない記録"), "{err}");
    assert_eq!(a.ledger().await.lines.len(), before);
    let (ward, _) = a.svc.list_persons(&staff, 0, 500).await.unwrap();
    assert!(ward.iter().all(|p| p.get(Item::KanshoKekka).is_empty()));
}

async fn return_within_one_installation_fills_the_ward_records(postgres: bool) {
    let Some(a) = site(postgres, 13).await else {
        return;
    };
    let staff = a.actor("hokenshi").await;
    let ledger = a.ledger().await;
    // The demo provided the register once and two lists with campaigns.
    assert!(ledger
        .lines
        .iter()
        .all(|l| l.direction == Direction::Provision && l.channel == Channel::Vault));
    assert!(ledger
        .lines
        .iter()
        .any(|l| l.campaign_id == Some(a.demo.campaign_id)));
    assert_eq!(ledger.held, a.demo.persons);
    assert!(
        ledger.provided() > ledger.held,
        "lists are provided again with campaigns"
    );
    assert!(!ledger.returned_after_last_provision);
    // A contractor's handler cannot receive a return; a ward inspector only reads.
    let handler = a
        .actor("mirai-denwa")
        .await
        .in_contract(ContractId(a.contract()), Some("denwa_kansho".into()));
    assert!(a.svc.receive_return(&handler, a.contract()).await.is_err());
    let person = a.svc.list_persons(&handler, 0, 1).await.unwrap().0[0].id;
    a.svc
        .record_result(&handler, person, Item::KanshoKekka, "受診済み（11月）")
        .await
        .unwrap();
    let report = a.svc.receive_return(&staff, a.contract()).await.unwrap();
    assert_eq!(report.persons, 1);
    let entry = a.audited("provision", "returned 1 persons").await;
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].record_ids.len(), 1, "the ward record written");
    assert_eq!(entry[0].items, "kansho_kekka");
    let (ward, _) = a.svc.list_persons(&staff, 0, 500).await.unwrap();
    assert_eq!(
        ward.iter()
            .filter(|p| p.get(Item::KanshoKekka) == "受診済み（11月）")
            .count(),
        1
    );
    let after = a.ledger().await;
    assert!(after.returned_after_last_provision);
    let last = after.lines.last().unwrap();
    assert_eq!((last.direction, last.records), (Direction::Return, 1));
    assert_eq!(last.digest.len(), 64);
    // The call-desk contract collects no results: nothing to return.
    let desk = a
        .svc
        .contracts(&Actor::system("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id != a.contract())
        .unwrap();
    assert!(a.svc.receive_return(&staff, desk.id).await.is_err());
}
