//! The campaign pages over a real server on both backends: the ward creates
//! a campaign from a frozen list, the contractor's handler segments it,
//! saves messages, assigns arms, prints and downloads, and records returned
//! mail; every other role or contract is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::{Backend, Client, TestServer};

const PEOPLE: u64 = 60;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    ward_creates_and_the_handler_prints,
    the_call_desk_reissues_one_voucher,
    campaign_pages_refuse_other_roles_and_contracts,
);

/// Every `value` of inputs named `name` on a page, in order.
fn values_of(body: &str, name: &str) -> Vec<String> {
    let needle = format!("name=\"{name}\" value=\"");
    body.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &body[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The first `…/campaigns/<id>` link's id.
fn first_campaign_id(body: &str, base: &str) -> i64 {
    let needle = format!("href=\"{base}/");
    let i = body.find(&needle).expect("a campaign link") + needle.len();
    body[i..].split('"').next().unwrap().parse().unwrap()
}

fn notice(r: &itaku_testkit::Reply) -> String {
    let loc = r.location().unwrap_or_default();
    let q = loc.split_once("notice=").map(|x| x.1).unwrap_or_default();
    url::form_urlencoded::parse(format!("n={q}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn ward_creates_and_the_handler_prints(s: TestServer) {
    let cid = s.contract_id;
    let mut ward = s.signed_in("hokenshi").await;
    let page = ward.get("/ward/campaigns").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("特定健診 未受診者勧奨"),
        "the demo campaign is listed"
    );
    assert!(page.body.contains("href=\"/ward/campaigns\""), "menu entry");
    // The first frozen list offered (the first option is the prompt).
    let list_id = page
        .body
        .split("id=\"c-list\"")
        .nth(1)
        .and_then(|b| b.split("<option value=\"").nth(2))
        .map(|v| v.split('"').next().unwrap().to_owned())
        .expect("a frozen list to choose");

    // A bad form comes back with the fields kept and a Japanese message.
    let bad = ward
        .post_form(
            "/ward/campaigns",
            &[
                ("name", "テスト勧奨"),
                ("kind", "postcard"),
                ("list_id", &list_id),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("委託契約と利用目的を選んでください"));
    assert!(bad.body.contains("value=\"テスト勧奨\""));
    let purpose = format!("{cid}/tsuchi_kansho");
    let made = ward
        .post_form(
            "/ward/campaigns",
            &[
                ("name", "テスト勧奨"),
                ("kind", "postcard"),
                ("contract_purpose", &purpose),
                ("list_id", &list_id),
                ("deadline", "令和9年2月28日"),
                ("desk_phone", "０３－５２７３－３０４７"),
                ("clinics", "区ホームページ"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let id: i64 = made
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let detail = ward.get(&format!("/ward/campaigns/{id}")).await;
    assert!(detail.body.contains("下書き"));
    assert!(
        detail.body.contains("人を提供"),
        "the provision is in the history"
    );

    // The handler works in the contract's copy.
    let mut h = s.signed_in("mirai-tsuchi").await;
    let base = format!("/c/{cid}/tsuchi_kansho/campaigns");
    let dash = h.get("/dashboard").await;
    assert!(dash.body.contains(&format!("href=\"{base}\"")));
    let list = h.get(&base).await;
    assert!(list.body.contains("テスト勧奨"));
    let here = format!("{base}/{id}");
    let page = h.get(&here).await;
    assert_eq!(page.status, 200);
    let toml = "fiscal_year = 2026\n[[segment]]\ncode = \"never\"\nname = \"5年間未受診\"\nconditions = [{ kind = \"screening_pattern\", pattern = \"never\" }]\n";
    let preview = h
        .post_form(
            &format!("{here}/segments/preview"),
            &[("segmentation", toml)],
        )
        .await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("5年間未受診") && preview.body.contains("計"));
    let broken = h
        .post_form(
            &format!("{here}/segments"),
            &[("segmentation", "fiscal_year = ")],
        )
        .await;
    assert_eq!(broken.status, 400);
    assert!(broken.body.contains("区分の定義を読めません"));
    assert!(broken.body.contains("fiscal_year = "), "the text is kept");
    let seg = h
        .post_form(&format!("{here}/segments"), &[("segmentation", toml)])
        .await;
    assert_eq!(seg.status, 303);
    assert!(notice(&seg).contains("区分を確定しました"));

    // A message per segment (the page offers a draft for each).
    let page = h.get(&here).await;
    let segments = values_of(&page.body, "segment");
    assert_eq!(segments, ["never", "other"]);
    for code in &segments {
        let r = h
            .post_form(
                &format!("{here}/templates"),
                &[
                    ("segment", code),
                    ("title", "{年度} 特定健診のご案内"),
                    ("body", "{氏名} 様\n\n受診期限は{期限}です。{問合せ電話}"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let typo = h
        .post_form(
            &format!("{here}/templates"),
            &[("segment", "never"), ("title", "x"), ("body", "{氏 名}")],
        )
        .await;
    assert_eq!(typo.status, 400);
    assert!(typo.body.contains("差し込み項目"));

    let arms = h
        .post_form(
            &format!("{here}/arms"),
            &[
                ("arm1_label", "通知のみ"),
                ("arm1_weight", "1"),
                ("arm2_label", "通知＋電話"),
                ("arm2_weight", "1"),
                ("multiplier", "2"),
                ("eligibility", "callable"),
                ("seed", ""),
            ],
        )
        .await;
    assert_eq!(arms.status, 303, "{}", arms.body);
    let page = h.get(&here).await;
    assert!(page.body.contains("id=\"reproduced\">一致"));

    let printed = h
        .post_form(
            &format!("{here}/print"),
            &[("kind", "postcards"), ("segment", "")],
        )
        .await;
    assert_eq!(printed.status, 303, "{}", printed.body);
    let page = h.get(&here).await;
    let link = page
        .body
        .split("class=\"download\" href=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .expect("a download link in the register")
        .to_owned();
    let pdf = h.get(&link).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert!(pdf.body.starts_with("%PDF"));
    let page = h.get(&here).await;
    assert!(page.body.contains("(1)"), "the download is counted");

    let run: i64 = link
        .split("/runs/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let who = h
        .post_form(
            &format!("{here}/identify"),
            &[("page_ref", &format!("r{run:05}-000001"))],
        )
        .await;
    assert_eq!(who.status, 303);
    assert!(
        notice(&who).contains("様あてのページです"),
        "{}",
        notice(&who)
    );
    let returned = h
        .post_form(
            &format!("{here}/returned"),
            &[
                ("page_ref", &format!("R{run:05}-000001")),
                ("reason", "宛所不明"),
            ],
        )
        .await;
    assert_eq!(returned.status, 303, "{}", returned.body);
    assert!(notice(&returned).contains("様"));
    let again = h
        .post_form(
            &format!("{here}/returned"),
            &[("page_ref", &format!("R{run:05}-000001")), ("reason", "")],
        )
        .await;
    assert_eq!(again.status, 400, "already recorded");
    let garbage = h
        .post_form(&format!("{here}/returned"), &[("page_ref", "12345")])
        .await;
    assert!(garbage.body.contains("印刷番号ではありません"));
}

async fn campaign_pages_refuse_other_roles_and_contracts(s: TestServer) {
    let cid = s.contract_id;
    let mut ward = s.signed_in("hokenshi").await;
    let page = ward.get("/ward/campaigns").await;
    let id = first_campaign_id(&page.body, "/ward/campaigns");

    // Not the ward's staff: the ward page is refused (contractors: 404).
    for (login, status) in [("ward-admin", 403), ("kansa", 403), ("mirai-sekinin", 404)] {
        let mut c = s.signed_in(login).await;
        assert_eq!(c.get("/ward/campaigns").await.status, status, "{login}");
        assert_eq!(
            c.get(&format!("/ward/campaigns/{id}")).await.status,
            status,
            "{login}"
        );
    }
    // Another contract's user sees no such campaign.
    let mut other = s.signed_in("tdi-sekinin").await;
    let r = other
        .get(&format!("/c/{cid}/tsuchi_kansho/campaigns/{id}"))
        .await;
    assert_eq!(r.status, 404);
    // The phone handler may look, but not segment by screening history.
    let mut denwa = s.signed_in("mirai-denwa").await;
    let here = format!("/c/{cid}/denwa_kansho/campaigns/{id}");
    assert_eq!(denwa.get(&here).await.status, 200);
    let toml = "fiscal_year = 2026\n[[segment]]\ncode = \"never\"\nname = \"未受診\"\nconditions = [{ kind = \"screening_pattern\", pattern = \"never\" }]\n";
    let r = denwa
        .post_form(&format!("{here}/segments"), &[("segmentation", toml)])
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("利用目的の範囲外の項目です: 受診歴"));
    // Forms need the session's CSRF token.
    let mut h: Client = s.signed_in("mirai-tsuchi").await;
    h.get(&format!("/c/{cid}/tsuchi_kansho/campaigns/{id}"))
        .await;
    let forged = h
        .post_form(
            &format!("/c/{cid}/tsuchi_kansho/campaigns/{id}/print"),
            &[("_csrf", "forged"), ("kind", "labels")],
        )
        .await;
    assert_eq!(forged.status, 403);
}

async fn the_call_desk_reissues_one_voucher(s: TestServer) {
    let desk = s.contract_id + 1;
    let mut c = s.signed_in("tdi-sekinin").await;
    let base = format!("/c/{desk}/toiawase/campaigns");
    let list = c.get(&base).await;
    assert!(
        list.body.contains("受診票一斉送付"),
        "the demo's voucher campaign"
    );
    let id = first_campaign_id(&list.body, &base);
    let here = format!("{base}/{id}");
    let page = c.get(&here).await;
    assert!(page.body.contains("id=\"reissue-form\""));
    assert!(
        !page.body.contains("value=\"postcards\""),
        "no postcards for vouchers"
    );
    // The caller, found in the desk's own list of the campaign's people.
    let persons = c.get(&format!("/c/{desk}/toiawase/persons")).await;
    let no = persons
        .body
        .split("/persons/")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_owned();
    let r = c
        .post_form(
            &format!("{here}/reissue"),
            &[("member", &no), ("note", "紛失のため")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(notice(&r).contains("再発行"));
    let page = c.get(&here).await;
    assert!(page.body.contains("再発行: 紛失のため"));
    let link = page
        .body
        .split("class=\"download\" href=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_owned();
    assert!(page.body.contains(">1〜1</a>"), "one voucher");
    let pdf = c.get(&link).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"));
    // Someone who is not among the campaign's people cannot be printed.
    let r = c
        .post_form(&format!("{here}/reissue"), &[("member", "99999999")])
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .post_form(&format!("{here}/reissue"), &[("member", "abc")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("数字で入力してください"));
}
