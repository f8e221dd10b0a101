//! The demo's seminar questionnaire: 満足度 (scale), 参加のきっかけ
//! (multiple), 今後受けたいテーマ (single) with a follow-up shown only to
//! those who chose がん検診, and free text; about 40 synthetic responses
//! (online, and paper sheets keyed twice); and the ward's retention rule
//! that returns questionnaires and erases the contractor's copy once the
//! aggregation is reported done.

use super::{Mode, NewQuestionSpec, RawAnswers};
use crate::error::Result;
use crate::retention::{RetentionAction, RetentionEvent, RetentionRuleSpec, RetentionTrigger};
use crate::seminars::PURPOSE_ANKETO;
use crate::{Actor, Service};
use itaku_core::{ContractId, UserId};
use std::net::{IpAddr, Ipv4Addr};

/// The demo questionnaire's title.
pub const DEMO_TITLE: &str = "女性のための健康セミナー 参加者アンケート";
/// Synthetic responses entered online, and paper sheets keyed twice.
pub const DEMO_ONLINE: usize = 34;
pub const DEMO_PAPER: usize = 6;

const COMMENTS: [&str; 6] = [
    "講師の説明がわかりやすかったです。",
    "更年期の話をもっと聞きたいです。",
    "会場が少し寒かったです。",
    "オンラインでも参加したいです。",
    "資料を持ち帰れて助かりました。",
    "",
];

fn spec(kind: &str, text: &str, required: bool, choices: &[&str]) -> NewQuestionSpec {
    NewQuestionSpec {
        kind: kind.into(),
        text: text.into(),
        required,
        choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        ..Default::default()
    }
}

/// A small deterministic generator: the same demo every time.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

impl Service {
    /// Seed the questionnaire of the demo's seminar contract. Returns its id.
    pub(crate) async fn seed_questionnaires(
        &self,
        sys: &Actor,
        contract_id: i64,
        sekinin_id: i64,
        shukei_id: i64,
    ) -> Result<i64> {
        let cid = ContractId(contract_id);
        let local = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let as_user = |id: i64| {
            Actor::user(UserId(id), local, "demo").in_contract(cid, Some(PURPOSE_ANKETO.into()))
        };
        let (shukei, sekinin) = (as_user(shukei_id), as_user(sekinin_id));
        let qid = self
            .create_questionnaire(
                &shukei,
                DEMO_TITLE,
                "本日はご参加ありがとうございました。今後のセミナーをよりよくするため、アンケートにご協力ください。お名前は書かないでください。",
                Mode::Anonymous,
                None,
            )
            .await?;
        let satisfaction = self
            .add_question(
                &shukei,
                qid,
                &NewQuestionSpec {
                    kind: "scale".into(),
                    text: "本日のセミナーの満足度を教えてください".into(),
                    required: true,
                    scale: (1, 5),
                    min_label: "不満".into(),
                    max_label: "満足".into(),
                    ..Default::default()
                },
            )
            .await?;
        let trigger = self
            .add_question(
                &shukei,
                qid,
                &spec(
                    "multiple",
                    "このセミナーを何で知りましたか（いくつでも）",
                    true,
                    &[
                        "区の広報紙",
                        "チラシ・ポスター",
                        "区のホームページ",
                        "知人の紹介",
                        "その他",
                    ],
                ),
            )
            .await?;
        let theme = self
            .add_question(
                &shukei,
                qid,
                &spec(
                    "single",
                    "今後受けたいテーマをひとつ選んでください",
                    false,
                    &["更年期", "女性のがん検診", "骨粗しょう症", "睡眠とストレス"],
                ),
            )
            .await?;
        let mut follow = spec(
            "single",
            "がん検診を受けたことがありますか",
            false,
            &["はい", "いいえ"],
        );
        follow.show_if = Some((theme, 2));
        let follow = self.add_question(&shukei, qid, &follow).await?;
        let comment = self
            .add_question(
                &shukei,
                qid,
                &spec("text", "ご意見・ご感想をご自由にお書きください", false, &[]),
            )
            .await?;
        self.publish_questionnaire(&shukei, qid).await?;

        let mut rng = Lcg(20_260_401);
        let one = |rng: &mut Lcg| -> RawAnswers {
            let mut raw = RawAnswers::new();
            let sat = [5, 5, 4, 4, 4, 3, 5, 4, 2, 5][rng.next(10) as usize];
            raw.insert(satisfaction, vec![sat.to_string()]);
            let mut ways = vec![(rng.next(3) + 1).to_string()];
            if rng.next(3) == 0 {
                ways.push("4".into());
            }
            raw.insert(trigger, ways);
            let t = [1, 1, 2, 2, 2, 3, 4, 1][rng.next(8) as usize];
            raw.insert(theme, vec![t.to_string()]);
            if t == 2 {
                raw.insert(follow, vec![(rng.next(2) + 1).to_string()]);
            }
            let c = COMMENTS[rng.next(COMMENTS.len() as u64) as usize];
            raw.insert(comment, vec![c.to_owned()]);
            raw
        };
        for _ in 0..DEMO_ONLINE {
            let raw = one(&mut rng);
            self.questionnaire_answer(&shukei, qid, None, &raw).await?;
        }
        for sheet in 1..=DEMO_PAPER as i64 {
            let raw = one(&mut rng);
            self.key_sheet(&shukei, qid, sheet, &raw).await?;
            self.key_sheet(&sekinin, qid, sheet, &raw).await?;
        }
        self.set_retention_rule(
            sys,
            contract_id,
            &RetentionRuleSpec {
                purpose_code: Some(PURPOSE_ANKETO.into()),
                trigger: RetentionTrigger::AfterEvent {
                    event: RetentionEvent::parse("aggregation_done")?,
                    days: 7,
                },
                action: RetentionAction::ReturnQuestionnaires,
                waiver: None,
            },
        )
        .await?;
        Ok(qid)
    }
}
