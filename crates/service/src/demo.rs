//! The demo ward: a ward with its staff, two contractors (one with an
//! approved sub-contractor), the seeds' jobs and purposes, a contract per
//! contractor, and synthetic residents in the ward's vault, part of them
//! provided to the outreach contract. Everything goes through the same
//! audited operations as real work.

use crate::admin::{NewContractSpec, NewUserSpec};
use crate::error::Result;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::{IpNet, Item, ItemSet, OrgKind, Role};
use serde::Serialize;

pub const DEMO_PASSWORD: &str = "itaku-demo-2026";

#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    pub login: String,
    pub display_name: String,
    pub role_label: String,
    pub org_name: String,
    pub password: String,
    pub totp_secret: String,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub persons: i64,
    pub provided: i64,
    pub contract_id: i64,
    pub campaign_id: i64,
    pub logins: Vec<DemoLogin>,
}

fn items(list: &[Item]) -> ItemSet {
    list.iter().copied().collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

impl Service {
    /// Seed a fresh database as the demo ward. `people` residents are made
    /// by the synthetic generator with `seed`.
    pub async fn seed_demo(&self, people: u64, seed: u64) -> Result<DemoSummary> {
        let sys = Actor::system("デモ区の作成");
        let mut logins = Vec::new();
        let ward = self
            .create_org(&sys, OrgKind::Ward, "新宿区 健康部", None)
            .await?;
        let otsu = self
            .create_org(
                &sys,
                OrgKind::Contractor,
                "株式会社みらい健康サポート",
                None,
            )
            .await?;
        let hei = self
            .create_org(
                &sys,
                OrgKind::Subcontractor,
                "有限会社ふれあい訪問サービス",
                Some(otsu),
            )
            .await?;
        let otsu2 = self
            .create_org(&sys, OrgKind::Contractor, "東京データ入力株式会社", None)
            .await?;
        let org_names = [
            (ward, "新宿区 健康部"),
            (otsu, "株式会社みらい健康サポート"),
            (hei, "有限会社ふれあい訪問サービス"),
            (otsu2, "東京データ入力株式会社"),
        ];

        let mut add =
            async |org: i64, login: &str, name: &str, role: Role, what: &str| -> Result<i64> {
                let (id, secret) = self
                    .create_user(
                        &sys,
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
                    org_name: org_names
                        .iter()
                        .find(|o| o.0 == org)
                        .map(|o| o.1)
                        .unwrap_or_default()
                        .into(),
                    password: DEMO_PASSWORD.into(),
                    totp_secret: secret,
                    what: what.into(),
                });
                Ok(id)
            };
        add(
            ward,
            "ward-admin",
            "管理 一郎",
            Role::WardAdmin,
            "組織・契約・利用者の管理",
        )
        .await?;
        add(
            ward,
            "hokenshi",
            "保健 花子",
            Role::WardStaff,
            "区の名簿の閲覧・検索・提供",
        )
        .await?;
        add(
            ward,
            "kansa",
            "監査 次郎",
            Role::Inspector,
            "監査ログと記録の閲覧（読み取りのみ）",
        )
        .await?;
        let sekinin = add(
            otsu,
            "mirai-sekinin",
            "責任 三郎",
            Role::ContractorResponsible,
            "取扱責任者（受診勧奨契約）",
        )
        .await?;
        let denwa = add(
            otsu,
            "mirai-denwa",
            "電話 桜子",
            Role::Handler,
            "取扱者: 電話勧奨（氏名・カナ・電話番号・生年月日・性別）",
        )
        .await?;
        let tsuchi = add(
            otsu,
            "mirai-tsuchi",
            "通知 七海",
            Role::Handler,
            "取扱者: 通知勧奨（区分・文面・割付・はがき印刷・返戻）",
        )
        .await?;
        let bunseki = add(
            otsu,
            "mirai-bunseki",
            "分析 四郎",
            Role::Handler,
            "取扱者: 効果分析（健診結果・受診券整理番号・生年月日・性別）",
        )
        .await?;
        let homon = add(
            hei,
            "fureai-homon",
            "訪問 五月",
            Role::Handler,
            "再委託先の取扱者: 訪問勧奨（分割名簿: 氏名・性別・年齢帯／住所・方書）",
        )
        .await?;
        let nyuryoku = add(
            otsu2,
            "tdi-sekinin",
            "入力 六郎",
            Role::ContractorResponsible,
            "取扱責任者（がん検診問合せ契約）",
        )
        .await?;
        let uketsuke = add(
            otsu2,
            "tdi-uketsuke",
            "受付 美咲",
            Role::Handler,
            "取扱者: 問合せ窓口（検索・受診券再発行・検診追加・住所変更の受付・苦情）",
        )
        .await?;

        let job = self
            .create_job(
                &sys,
                "tokutei-gan-kansho",
                "特定健診・がん検診受診勧奨",
                "健康づくり課",
            )
            .await?;
        let purposes: [(&str, &str, ItemSet); 5] = [
            (
                "tsuchi_kansho",
                "通知勧奨",
                items(&[
                    Item::Shimei,
                    Item::KanaShimei,
                    Item::YubinBango,
                    Item::Jusho,
                    Item::Katagaki,
                    Item::JushinkenNo,
                    Item::Seinengappi,
                    Item::Seibetsu,
                    // Seed 001 segments the targets by their screening history.
                    Item::JushinRireki,
                    // Returned postcards are the outreach's result.
                    Item::KanshoKekka,
                ]),
            ),
            (
                "denwa_kansho",
                "電話勧奨",
                items(&[
                    Item::Shimei,
                    Item::KanaShimei,
                    Item::DenwaBango,
                    Item::Seinengappi,
                    Item::Seibetsu,
                    // What the call found out (seed 002) goes back to the ward.
                    Item::KanshoKekka,
                ]),
            ),
            (
                "homon_kansho",
                "訪問勧奨",
                // Seed 001's split lists: one half carries name, sex and
                // age band, the other address and 方書.
                items(&[
                    Item::Shimei,
                    Item::Seibetsu,
                    Item::Seinengappi,
                    Item::Jusho,
                    Item::Katagaki,
                    Item::KanshoKekka,
                ]),
            ),
            (
                "toiawase",
                "問合せ対応",
                items(&[
                    Item::Shimei,
                    Item::KanaShimei,
                    Item::Seinengappi,
                    Item::DenwaBango,
                    Item::JushinkenNo,
                ]),
            ),
            (
                "koka_bunseki",
                "効果分析",
                items(&[
                    Item::KenshinKekka,
                    Item::JushinkenNo,
                    Item::Seinengappi,
                    Item::Seibetsu,
                ]),
            ),
        ];
        for (code, name, set) in &purposes {
            self.add_purpose(&sys, job, code, name, set).await?;
        }
        let job2 = self
            .create_job(
                &sys,
                "gan-kenshin-toiawase",
                "がん検診問合せ対応",
                "健康推進課",
            )
            .await?;
        self.add_purpose(
            &sys,
            job2,
            "toiawase",
            "問合せ対応",
            &items(&[
                Item::YubinBango,
                Item::Jusho,
                Item::Katagaki,
                Item::Shimei,
                Item::KanaShimei,
                Item::Seinengappi,
                Item::Seibetsu,
                Item::DenwaBango,
                Item::GanKenshinShurui,
                // Re-issuing a voucher from the desk prints its number.
                Item::JushinkenNo,
            ]),
        )
        .await?;

        // Loopback only, so the demo works on this machine and nowhere else.
        let local = [IpNet::parse("127.0.0.0/8")?, IpNet::parse("::1/128")?];
        let contract = self
            .create_contract(
                &sys,
                &NewContractSpec {
                    job_id: job,
                    contractor_org_id: otsu,
                    name: "令和8年度 特定健診・がん検診受診勧奨業務委託",
                    starts_on: date(2026, 4, 1),
                    ends_on: date(2027, 3, 31),
                    allowed_networks: &local,
                    requires_client_cert: false,
                },
            )
            .await?;
        let contract2 = self
            .create_contract(
                &sys,
                &NewContractSpec {
                    job_id: job2,
                    contractor_org_id: otsu2,
                    name: "令和8年度 がん検診コールセンター業務委託",
                    starts_on: date(2026, 4, 1),
                    ends_on: date(2027, 3, 31),
                    allowed_networks: &local,
                    requires_client_cert: false,
                },
            )
            .await?;
        self.assign_staff(&sys, contract, sekinin, None).await?;
        self.assign_staff(&sys, contract, denwa, Some("denwa_kansho"))
            .await?;
        self.assign_staff(&sys, contract, tsuchi, Some("tsuchi_kansho"))
            .await?;
        self.assign_staff(&sys, contract, bunseki, Some("koka_bunseki"))
            .await?;
        self.approve_subcontract(&sys, contract, hei).await?;
        self.assign_staff(&sys, contract, homon, Some("homon_kansho"))
            .await?;
        self.assign_staff(&sys, contract2, nyuryoku, None).await?;
        self.assign_staff(&sys, contract2, uketsuke, Some("toiawase"))
            .await?;
        for u in [sekinin, denwa, tsuchi, bunseki, homon, nyuryoku, uketsuke] {
            self.record_training(
                &sys,
                u,
                "個人情報保護研修（令和8年度）",
                date(2026, 4, 10),
                date(2027, 4, 9),
            )
            .await?;
        }

        // The residents arrive the way a ward's list does: a CP932 export
        // through the shipped import profile.
        let residents = itaku_synth::Generator::new(seed, 100_000_000).take(people as usize);
        let mut csv = Vec::new();
        itaku_synth::write_csv(&mut csv, residents, itaku_synth::CsvFormat::Cp932, |_| {})
            .map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
        let profile = itaku_import::Profile::from_toml(itaku_import::SHIPPED_PROFILES[0].1)
            .map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
        let imported = self
            .import_targets(&sys, &profile, std::io::Cursor::new(csv), false, |_| {})
            .await?;
        let total = imported.inserted;
        let report = self.provision(&sys, contract, None).await?;
        let campaign = self.demo_campaign(&sys, contract, contract2).await?;
        // Seed 004: the 国保料滞納整理 ledger and its entry contract.
        self.seed_tainou_demo(&sys, &mut logins, ward).await?;
        // Seed 003: the women's health seminars' contract.
        self.seed_seminar_contract(&sys, &mut logins, (ward, "新宿区 健康部"))
            .await?;
        let mut tx = self.inner.store.begin().await?;
        tx.meta_set("demo", "1").await?;
        for (k, v) in [
            ("sender.postal_code", "1608484"),
            ("sender.address", "東京都新宿区歌舞伎町1-4-1"),
            ("sender.name", "新宿区 健康部 健康づくり課"),
            ("sender.phone", "03-5273-3047"),
        ] {
            tx.meta_set(k, v).await?;
        }
        tx.commit().await?;
        Ok(DemoSummary {
            persons: total,
            provided: report.persons,
            contract_id: contract,
            campaign_id: campaign,
            logins,
        })
    }

    /// Seed 002's list, frozen, and a postcard campaign on it in draft, so
    /// the contractor's side has work to open at once.
    async fn demo_campaign(&self, sys: &Actor, contract: i64, desk: i64) -> Result<i64> {
        let fy = chrono::Datelike::year(
            &itaku_jp::FiscalYear::of(crate::time::jst_date(self.now())).start(),
        );
        let mut lists = Vec::new();
        for (key, title, rule) in itaku_import::presets(fy) {
            if key == "seed002" || key == "seed000" {
                lists.push(self.freeze_list(sys, title, &rule).await?.id);
            }
        }
        // Seed 000: vouchers for everyone 74 or younger, the call desk's
        // contract holding the list so it can re-issue single vouchers.
        self.create_campaign(
            sys,
            &crate::campaigns::NewCampaign {
                name: format!(
                    "{} がん検診 受診票一斉送付",
                    itaku_jp::FiscalYear::new(fy).label()
                ),
                kind: crate::campaigns::CampaignKind::Voucher,
                contract_id: desk,
                purpose: "toiawase".into(),
                list_id: lists.get(1).copied().unwrap_or_default(),
                deadline: date(fy + 1, 3, 31),
                desk_phone: "0120-000-874".into(),
                clinics: "同封の「実施医療機関一覧」".into(),
            },
        )
        .await?;
        self.create_campaign(
            sys,
            &crate::campaigns::NewCampaign {
                name: format!(
                    "{} 特定健診 未受診者勧奨（はがき＋電話）",
                    itaku_jp::FiscalYear::new(fy).label()
                ),
                kind: crate::campaigns::CampaignKind::Postcard,
                contract_id: contract,
                purpose: "tsuchi_kansho".into(),
                list_id: lists.first().copied().unwrap_or_default(),
                deadline: date(fy + 1, 2, 28),
                desk_phone: "03-5273-3047".into(),
                clinics: "区ホームページ「特定健診 実施医療機関一覧」".into(),
            },
        )
        .await
    }

    /// Whether this database was made by `itaku demo` (demo-only helpers
    /// such as showing a user's current code refuse otherwise).
    pub async fn is_demo(&self) -> Result<bool> {
        let mut tx = self.inner.store.begin().await?;
        let v = tx.meta_get("demo").await?;
        tx.rollback().await?;
        Ok(v.as_deref() == Some("1"))
    }

    /// The current TOTP code of a demo user, so the demo can be used
    /// without an authenticator app. Refused outside demo databases.
    pub async fn demo_totp_code(&self, login: &str) -> Result<String> {
        if !self.is_demo().await? {
            return Err(crate::ServiceError::Invalid(
                "デモ用のデータベースではありません".into(),
            ));
        }
        let mut tx = self.inner.store.begin().await?;
        let u = tx
            .user_by_login(login)
            .await?
            .ok_or_else(crate::ServiceError::not_found)?;
        tx.rollback().await?;
        let sealed = u.totp_secret.ok_or_else(crate::ServiceError::not_found)?;
        let secret = self
            .inner
            .user_secrets
            .open(&crate::auth::totp_aad(login), &sealed)?;
        let secret = itaku_crypto::TotpSecret::from_base32(&String::from_utf8_lossy(&secret))?;
        Ok(secret.code_at(self.now().timestamp().max(0) as u64))
    }
}
