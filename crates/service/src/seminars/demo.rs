//! The demo's seminar contract (seed 003): 四谷保健センター's job, a
//! contractor with a responsible person and two handlers (reception and
//! questionnaires, each limited to its purpose's single item).

use super::{JOB_CODE, PURPOSE_ANKETO, PURPOSE_UKETSUKE};
use crate::admin::{NewContractSpec, NewUserSpec};
use crate::demo::{DemoLogin, DEMO_PASSWORD};
use crate::error::Result;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_core::{IpNet, Item, ItemSet, OrgKind, Role};

/// The demo's seminar contract, for tests and the CLI.
pub const DEMO_CONTRACT_NAME: &str = "令和8年度 女性の健康支援事業業務委託";
/// The demo's seminar contractor.
pub const DEMO_ORG_NAME: &str = "一般社団法人ウィメンズヘルス企画";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// What the demo's seminar contract is made of.
#[derive(Debug, Clone, Copy)]
pub struct SeminarDemo {
    pub job_id: i64,
    pub contract_id: i64,
    pub ward_user_id: i64,
    pub sekinin_id: i64,
    pub uketsuke_id: i64,
    pub shukei_id: i64,
}

impl Service {
    /// Seed 003's job, contract, purposes and people. The events and
    /// questionnaires are added on top of this by their own modules.
    pub(crate) async fn seed_seminar_contract(
        &self,
        sys: &Actor,
        logins: &mut Vec<DemoLogin>,
        ward_org: (i64, &str),
    ) -> Result<SeminarDemo> {
        let org = self
            .create_org(sys, OrgKind::Contractor, DEMO_ORG_NAME, None)
            .await?;
        let mut add = async |org: (i64, &str),
                             login: &str,
                             name: &str,
                             role: Role,
                             what: &str|
               -> Result<i64> {
            let (id, secret) = self
                .create_user(
                    sys,
                    &NewUserSpec {
                        org_id: org.0,
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
                org_name: org.1.into(),
                password: DEMO_PASSWORD.into(),
                totp_secret: secret,
                what: what.into(),
            });
            Ok(id)
        };
        let ward_user_id = add(
            ward_org,
            "yotsuya",
            "四谷 保健",
            Role::WardStaff,
            "四谷保健センター: セミナー・イベントの管理、返却された参加者・アンケートの受領",
        )
        .await?;
        let contractor = (org, DEMO_ORG_NAME);
        let sekinin_id = add(
            contractor,
            "wh-sekinin",
            "企画 千春",
            Role::ContractorResponsible,
            "取扱責任者（女性の健康支援事業）",
        )
        .await?;
        let uketsuke_id = add(
            contractor,
            "wh-uketsuke",
            "受付 若菜",
            Role::Handler,
            "取扱者: セミナー当日の受付（氏名のみ）",
        )
        .await?;
        let shukei_id = add(
            contractor,
            "wh-shukei",
            "集計 葵",
            Role::Handler,
            "取扱者: アンケートの入力・集計（アンケートのみ）",
        )
        .await?;

        let job_id = self
            .create_job(sys, JOB_CODE, "女性の健康支援事業", "四谷保健センター")
            .await?;
        let one = |i: Item| {
            let mut s = ItemSet::default();
            s.insert(i);
            s
        };
        self.add_purpose(
            sys,
            job_id,
            PURPOSE_UKETSUKE,
            "セミナー・イベントの受付",
            &one(Item::Shimei),
        )
        .await?;
        self.add_purpose(
            sys,
            job_id,
            PURPOSE_ANKETO,
            "アンケートの収集・集計",
            &one(Item::Anketo),
        )
        .await?;
        let local = [IpNet::parse("127.0.0.0/8")?, IpNet::parse("::1/128")?];
        let contract_id = self
            .create_contract(
                sys,
                &NewContractSpec {
                    job_id,
                    contractor_org_id: org,
                    name: DEMO_CONTRACT_NAME,
                    starts_on: date(2026, 4, 1),
                    ends_on: date(2027, 3, 31),
                    allowed_networks: &local,
                    requires_client_cert: false,
                },
            )
            .await?;
        self.assign_staff(sys, contract_id, sekinin_id, None)
            .await?;
        self.assign_staff(sys, contract_id, uketsuke_id, Some(PURPOSE_UKETSUKE))
            .await?;
        self.assign_staff(sys, contract_id, shukei_id, Some(PURPOSE_ANKETO))
            .await?;
        for u in [sekinin_id, uketsuke_id, shukei_id] {
            self.record_training(
                sys,
                u,
                "個人情報保護研修（令和8年度）",
                date(2026, 4, 10),
                date(2027, 4, 9),
            )
            .await?;
        }
        self.seed_seminar_events(sys, contract_id).await?;
        self.seed_questionnaires(sys, contract_id, sekinin_id, shukei_id)
            .await?;
        Ok(SeminarDemo {
            job_id,
            contract_id,
            ward_user_id,
            sekinin_id,
            uketsuke_id,
            shukei_id,
        })
    }
}

/// The demo's public addresses: /e/{slug}.
pub const DEMO_SEMINAR_SLUG: &str = "josei-kenko-seminar";
pub const DEMO_WEEK_SLUG: &str = "josei-kenko-week";

impl Service {
    /// Seed 003's two events (a seminar in person for 40 and online for
    /// 100; the health week for 500), a few registrations made the way a
    /// resident makes them, and the rule that returns the participants
    /// when reception closes.
    async fn seed_seminar_events(&self, sys: &Actor, contract_id: i64) -> Result<()> {
        use super::{BotProof, EventKind, EventSpec, RegistrationForm, SessionSpec};
        use crate::retention::{
            RetentionAction, RetentionEvent, RetentionRuleSpec, RetentionTrigger,
        };
        use chrono::Duration;
        let now = self.now();
        let day = |d: i64, h: i64| {
            // Midnight JST of today + d days, then h hours.
            let jst = (now + Duration::hours(9)).date_naive();
            jst.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(9)
                + Duration::days(d)
                + Duration::hours(h)
        };
        let seminar = self
            .create_event(
                sys,
                contract_id,
                &EventSpec {
                    slug: DEMO_SEMINAR_SLUG.into(),
                    title: "女性のための健康セミナー".into(),
                    kind: EventKind::Both,
                    venue: "四谷保健センター 3階 講堂（新宿区四谷三栄町10-16）".into(),
                    description: "女性に特有な健康課題について、専門の講師がわかりやすくお話しします。会場またはオンラインでご参加いただけます。参加費は無料です。".into(),
                    opens_at: now - Duration::days(1),
                    closes_at: day(30, 17),
                },
            )
            .await?;
        let in_person = self
            .add_session(
                sys,
                contract_id,
                seminar,
                &SessionSpec {
                    label: "会場（四谷保健センター）".into(),
                    online: false,
                    starts_at: day(31, 14),
                    ends_at: day(31, 16),
                    capacity: 40,
                    meeting_link: None,
                },
            )
            .await?;
        self.add_session(
            sys,
            contract_id,
            seminar,
            &SessionSpec {
                label: "オンライン".into(),
                online: true,
                starts_at: day(31, 14),
                ends_at: day(31, 16),
                capacity: 100,
                meeting_link: Some("https://meet.example.jp/josei-kenko-seminar".into()),
            },
        )
        .await?;
        let week = self
            .create_event(
                sys,
                contract_id,
                &EventSpec {
                    slug: DEMO_WEEK_SLUG.into(),
                    title: "女性の健康週間イベント".into(),
                    kind: EventKind::InPerson,
                    venue: "新宿区立四谷地域センター 多目的ホール".into(),
                    description: "女性の健康づくりとがん予防をテーマにした講演と体験コーナーです。どなたでもお気軽にご参加ください。".into(),
                    opens_at: now - Duration::days(1),
                    closes_at: day(40, 17),
                },
            )
            .await?;
        self.add_session(
            sys,
            contract_id,
            week,
            &SessionSpec {
                label: "会場（多目的ホール）".into(),
                online: false,
                starts_at: day(41, 13),
                ends_at: day(41, 17),
                capacity: 500,
                meeting_link: None,
            },
        )
        .await?;
        let resident = Actor::anonymous(Some([127, 0, 0, 1].into()), "demo-registration");
        let ev = self.public_event(DEMO_SEMINAR_SLUG).await?;
        let notice = itaku_crypto::sha256_hex(self.registration_notice(&ev).await?.as_bytes());
        for name in ["山田 花子", "佐藤 美咲", "髙橋 和子"] {
            let challenge = self.bot_challenge();
            let counter = super::solve(&challenge, super::POW_BITS);
            self.register(
                &resident,
                DEMO_SEMINAR_SLUG,
                &RegistrationForm {
                    session_id: in_person,
                    name: name.into(),
                    notice_digest: notice.clone(),
                    proof: BotProof {
                        challenge,
                        counter,
                        honeypot: String::new(),
                    },
                },
            )
            .await?;
        }
        self.set_retention_rule(
            sys,
            contract_id,
            &RetentionRuleSpec {
                purpose_code: Some(PURPOSE_UKETSUKE.into()),
                trigger: RetentionTrigger::AfterEvent {
                    event: RetentionEvent::parse("reception_closed")?,
                    days: 0,
                },
                action: RetentionAction::ReturnRegistrations,
                waiver: None,
            },
        )
        .await?;
        Ok(())
    }
}
