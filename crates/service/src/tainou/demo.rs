//! The demo's 国保料滞納整理: the 医療保険年金課's job, an entry contract
//! with two operators and a settler, households built from the demo
//! residents with ten fiscal years each and some history, and one batch of
//! pages assigned, so double entry can be shown at once.

use super::ledger::NewHousehold;
use super::line::{EntryKind, EntryLine};
use super::{set, ENTRY_ITEMS};
use crate::admin::{NewContractSpec, NewUserSpec};
use crate::demo::{DemoLogin, DEMO_PASSWORD};
use crate::error::Result;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::{IpNet, OrgKind, Role};

/// Households in the demo ledger (at most; fewer with few residents).
const HOUSEHOLDS: usize = 40;
/// Pages in the demo's first batch.
const BATCH_PAGES: usize = 6;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The demo's entry contract, for tests and the CLI.
pub const DEMO_CONTRACT_NAME: &str = "国民健康保険料滞納整理票 交渉経過入力業務委託";

impl Service {
    pub(crate) async fn seed_tainou_demo(
        &self,
        sys: &Actor,
        logins: &mut Vec<DemoLogin>,
        ward_org: i64,
    ) -> Result<i64> {
        let org_name = "株式会社区政データ入力センター";
        let org = self
            .create_org(sys, OrgKind::Contractor, org_name, None)
            .await?;
        let mut add = async |org: i64,
                             org_name: &str,
                             login: &str,
                             name: &str,
                             role: Role,
                             what: &str|
               -> Result<i64> {
            let (id, secret) = self
                .create_user(
                    sys,
                    &NewUserSpec {
                        org_id: org,
                        login,
                        display_name: name,
                        role,
                        password: DEMO_PASSWORD,
                    },
                )
                .await?;
            logins.push(DemoLogin {
                login: login.into(),
                display_name: name.into(),
                role_label: role.label().into(),
                org_name: org_name.into(),
                password: DEMO_PASSWORD.into(),
                totp_secret: secret,
                what: what.into(),
            });
            Ok(id)
        };
        add(
            ward_org,
            "新宿区 健康部",
            "kokuho-seiri",
            "小林 国保",
            Role::WardStaff,
            "医療保険年金課 国保整理係: 世帯台帳の検索・閲覧、入力の束の割当て・締切",
        )
        .await?;
        let sekinin = add(
            org,
            org_name,
            "kdn-sekinin",
            "責任 八郎",
            Role::ContractorResponsible,
            "取扱責任者（滞納整理票 入力契約）",
        )
        .await?;
        let op1 = add(
            org,
            org_name,
            "kdn-nyuryoku1",
            "入力 一美",
            Role::Handler,
            "取扱者: 交渉経過の入力（1回目・2回目）",
        )
        .await?;
        let op2 = add(
            org,
            org_name,
            "kdn-nyuryoku2",
            "入力 二葉",
            Role::Handler,
            "取扱者: 交渉経過の入力（1回目・2回目）",
        )
        .await?;
        let shogo = add(
            org,
            org_name,
            "kdn-shogo",
            "照合 三枝",
            Role::Handler,
            "取扱者: 不一致の照合（入力していない頁だけ）",
        )
        .await?;

        let job = self
            .create_job(
                sys,
                "kokuho-tainou-seiri",
                "国民健康保険料滞納整理",
                "医療保険年金課",
            )
            .await?;
        self.add_purpose(
            sys,
            job,
            "tainou_nyuryoku",
            "交渉経過入力",
            &set(&ENTRY_ITEMS),
        )
        .await?;
        let local = [IpNet::parse("127.0.0.0/8")?, IpNet::parse("::1/128")?];
        // Four months, like seed 004's 12/1〜3/31, around the demo's today.
        let contract = self
            .create_contract(
                sys,
                &NewContractSpec {
                    job_id: job,
                    contractor_org_id: org,
                    name: DEMO_CONTRACT_NAME,
                    starts_on: date(2026, 11, 1),
                    ends_on: date(2027, 2, 28),
                    allowed_networks: &local,
                    requires_client_cert: false,
                },
            )
            .await?;
        self.assign_staff(sys, contract, sekinin, None).await?;
        for u in [op1, op2, shogo] {
            self.assign_staff(sys, contract, u, Some("tainou_nyuryoku"))
                .await?;
        }
        for u in [sekinin, op1, op2, shogo] {
            self.record_training(
                sys,
                u,
                "個人情報保護研修（令和8年度）",
                date(2026, 4, 10),
                date(2027, 4, 9),
            )
            .await?;
        }

        let mut tx = self.inner.store.begin().await?;
        let vault = tx
            .vault_for(None)
            .await?
            .ok_or_else(crate::ServiceError::not_found)?;
        let persons = tx.person_ids(vault.id, 0, (HOUSEHOLDS * 2) as i64).await?;
        tx.rollback().await?;
        let households = demo_households(&persons);
        if households.is_empty() {
            return Ok(contract);
        }
        self.register_households(sys, &households).await?;
        self.create_entry_batch(
            sys,
            contract,
            "第1束（令和元年度〜）",
            itaku_jp::Era::Reiwa,
            BATCH_PAGES,
        )
        .await?;
        Ok(contract)
    }
}

/// Households of one or two residents, with 10 fiscal years (平成28〜令和7)
/// of assessments, partial payments and a few history entries.
pub(crate) fn demo_households(persons: &[i64]) -> Vec<NewHousehold> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut n = 0u64;
    while i < persons.len() && out.len() < HOUSEHOLDS {
        n += 1;
        let size = if n.is_multiple_of(3) { 2 } else { 1 };
        let head = persons[i];
        let members: Vec<(i64, String)> = persons
            .get(i + 1..(i + size).min(persons.len()))
            .unwrap_or_default()
            .iter()
            .map(|p| (*p, "世帯員".to_owned()))
            .collect();
        i += size;
        out.push(household(n, head, members));
    }
    out
}

/// One synthetic household; `n` varies the amounts and history.
pub(crate) fn household(n: u64, head: i64, members: Vec<(i64, String)>) -> NewHousehold {
    let base = 60_000 + (n % 7) as i64 * 15_000;
    let assessments: Vec<(i32, i64)> = (2016..2026)
        .map(|fy| (fy, base + (fy as i64 - 2016) * 1_200))
        .collect();
    let payments = assessments
        .iter()
        .filter(|(fy, _)| !(*fy as u64 + n).is_multiple_of(3))
        .map(|(fy, a)| (*fy, date(*fy, 7, 31), a / 2))
        .collect();
    let line = |d: NaiveDate, kind, amount, i: usize, text: &str| {
        let mut items: [String; 7] = Default::default();
        items[i] = text.to_owned();
        EntryLine {
            date: d,
            kind,
            amount,
            items,
            note: String::new(),
        }
    };
    let history = vec![
        line(
            date(2019, 6, 20),
            EntryKind::Saikoku,
            None,
            6,
            "督促状送付後、催告書（1回目）を送付",
        ),
        line(
            date(2020, 9, 3),
            EntryKind::Denwa,
            None,
            1,
            "失業中。求職活動をしている",
        ),
        line(
            date(2022, 2, 14),
            EntryKind::Madoguchi,
            None,
            0,
            "来庁。分割での納付を相談",
        ),
    ];
    NewHousehold {
        kigo: format!("{:02}-{:06}", 10 + n % 5, 100_000 + n * 37),
        head_person_id: head,
        members,
        assessments,
        payments,
        history,
    }
}
