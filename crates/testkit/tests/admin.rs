//! The ward administrator's pages over a real server on both backends:
//! organisations, users (TOTP secret shown once), training, jobs and
//! purposes, contracts with their staff and sub-contracting — all through
//! the forms, CSRF-protected, refused to everyone but the ward
//! administrator, and bad input answered in Japanese with the input kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_crypto::TotpSecret;
use itaku_service::Actor;
use itaku_testkit::{Backend, Client, Reply, TestServer, PASSWORD};
use std::collections::BTreeSet;

const PEOPLE: u64 = 40;
const NEW_PASSWORD: &str = "shoki-password-2026";

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    a_contractor_user_made_through_the_forms_reaches_only_their_purpose,
    role_changes_go_through_step_up,
    every_admin_form_needs_the_csrf_token,
    only_the_ward_administrator_may_use_the_admin_pages,
    bad_input_is_explained_in_japanese_and_kept,
    revoking_a_subcontract_ends_their_sessions_and_approval_restores_access,
    stopping_a_user_and_lapsed_training,
);

/// The value of the `<option>` whose text contains `label`.
fn option_value(body: &str, label: &str) -> String {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("no option {label}"));
    let start = body[..at].rfind("<option value=\"").expect("an option") + "<option value=\"".len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

/// The text of the element with this id (no nested tags).
fn by_id(body: &str, id: &str) -> String {
    let needle = format!("id=\"{id}\">");
    let start = body
        .find(&needle)
        .unwrap_or_else(|| panic!("no #{id}: {body}"))
        + needle.len();
    let end = body[start..].find('<').unwrap() + start;
    body[start..end].to_owned()
}

fn expect_redirect(r: &Reply, to: &str) {
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some(to), "{}", r.body);
}

fn item_keys(p: &serde_json::Value) -> BTreeSet<String> {
    p["values"].as_object().unwrap().keys().cloned().collect()
}

fn sys() -> Actor {
    Actor::system("admin pages test")
}

async fn user_id(s: &TestServer, login: &str) -> i64 {
    s.svc.user_id_by_login(login).await.unwrap().unwrap()
}

async fn org_id(s: &TestServer, name: &str) -> i64 {
    s.svc
        .orgs(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .unwrap()
        .id
}

/// Create a user through the form; returns the answer page.
async fn create_user(admin: &mut Client, org: &str, login: &str, name: &str, role: &str) -> Reply {
    admin.get("/admin/users").await;
    admin
        .post_form(
            "/admin/users",
            &[
                ("org_id", org),
                ("login", login),
                ("display_name", name),
                ("role", role),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await
}

fn code_now(s: &TestServer, secret: &str) -> String {
    s.clock.advance(chrono::Duration::seconds(30));
    TotpSecret::from_base32(secret)
        .unwrap()
        .code_at(s.svc.now().timestamp() as u64)
}

async fn a_contractor_user_made_through_the_forms_reaches_only_their_purpose(s: TestServer) {
    let mut admin = s.signed_in("ward-admin").await;

    // 組織: a contractor, then a sub-contractor of it.
    let page = admin.get("/admin/orgs").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("組織を登録する"));
    let r = admin
        .post_form(
            "/admin/orgs",
            &[
                ("kind", "contractor"),
                ("name", "株式会社さくら検診センター"),
            ],
        )
        .await;
    expect_redirect(&r, "/admin/orgs?done=created");
    let page = admin.get("/admin/orgs?done=created").await;
    assert!(page.body.contains("組織を登録しました。"));
    let contractor = option_value(&page.body, ">株式会社さくら検診センター</option>");
    let r = admin
        .post_form(
            "/admin/orgs",
            &[
                ("kind", "subcontractor"),
                ("name", "合同会社さくら訪問"),
                ("parent_id", &contractor),
            ],
        )
        .await;
    expect_redirect(&r, "/admin/orgs?done=created");
    let sub = s
        .svc
        .orgs(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "合同会社さくら訪問")
        .unwrap();
    assert_eq!(sub.parent_id, Some(contractor.parse().unwrap()));

    // 業務と利用目的: a job with one purpose of two items.
    admin.get("/admin/jobs").await;
    let r = admin
        .post_form(
            "/admin/jobs",
            &[
                ("code", "sakura-kansho"),
                ("name", "さくら受診勧奨"),
                ("section", "健康づくり課"),
            ],
        )
        .await;
    expect_redirect(&r, "/admin/jobs?done=job");
    let jobs = admin.get("/admin/jobs?done=job").await;
    let job = s
        .svc
        .jobs(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.code == "sakura-kansho")
        .unwrap();
    // Every item of the catalogue is offered, with its label.
    for item in itaku_core::Item::ALL {
        assert!(
            jobs.body.contains(&format!(
                "name=\"items\" value=\"{}\"> {}",
                item.code(),
                item.label()
            )),
            "{item:?}"
        );
    }
    let r = admin
        .post_form(
            &format!("/admin/jobs/{}/purposes", job.id),
            &[
                ("code", "sakura_denwa"),
                ("name", "さくら電話勧奨"),
                ("items", "shimei"),
                ("items", "denwa_bango"),
            ],
        )
        .await;
    expect_redirect(&r, "/admin/jobs?done=purpose");
    let jobs = admin.get("/admin/jobs").await;
    assert!(jobs
        .body
        .contains("<td>さくら電話勧奨</td><td>sakura_denwa</td><td>氏名・電話番号</td>"));

    // 利用者: the secret is shown once, with the otpauth URI as text.
    let created = create_user(
        &mut admin,
        &contractor,
        "sakura-denwa",
        "桜井 電子",
        "handler",
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let secret = by_id(&created.body, "totp-secret");
    assert!(secret.len() >= 16, "{secret}");
    let uri = by_id(&created.body, "totp-uri");
    assert!(
        uri.starts_with("otpauth://totp/itaku:sakura-denwa?secret=") && uri.contains(&secret),
        "{uri}"
    );
    assert!(!created.body.contains("<img"), "no QR from anywhere");
    assert!(!created.body.contains("https://"), "no outside URL");
    let uid = user_id(&s, "sakura-denwa").await;
    let again = admin.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(again.status, 200);
    assert!(
        !again.body.contains(&secret),
        "the secret is shown once only"
    );
    assert!(!admin.get("/admin/users").await.body.contains(&secret));

    let mut handler = s.client();
    let r = handler
        .sign_in("sakura-denwa", NEW_PASSWORD, &code_now(&s, &secret))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(handler.get("/dashboard").await.status, 200);
    assert!(handler.get("/api/me").await.json()["contexts"]
        .as_array()
        .unwrap()
        .is_empty());

    // 研修
    let r = admin
        .post_form(
            &format!("/admin/users/{uid}/training"),
            &[
                ("course", "個人情報保護研修（令和8年度）"),
                ("completed_on", "2026-11-01"),
                ("valid_until", "2027-10-31"),
            ],
        )
        .await;
    expect_redirect(&r, &format!("/admin/users/{uid}?done=training"));
    let page = admin
        .get(&format!("/admin/users/{uid}?done=training"))
        .await;
    assert_eq!(
        by_id(&page.body, "training-state"),
        "有効（2027-10-31まで）"
    );

    // 契約
    admin.get("/admin/contracts").await;
    let r = admin
        .post_form(
            "/admin/contracts",
            &[
                ("job_id", &job.id.to_string()),
                ("contractor_org_id", &contractor),
                ("name", "令和8年度 さくら受診勧奨業務委託"),
                ("starts_on", "2026-04-01"),
                ("ends_on", "2027-03-31"),
                ("allowed_networks", "127.0.0.0/8, ::1/128"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    let cid: i64 = to
        .strip_prefix("/admin/contracts/")
        .and_then(|t| t.strip_suffix("?done=created"))
        .unwrap()
        .parse()
        .unwrap();
    let page = admin.get(&to).await;
    assert!(page.body.contains("契約を登録しました。"));
    assert!(page.body.contains("接続元: 127.0.0.0/8,::1/128"));
    let view = s
        .svc
        .contracts(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == cid)
        .unwrap();
    assert_eq!(view.contractor_org_id.to_string(), contractor);
    assert!(!view.requires_client_cert);

    let report = s.svc.provision(&sys(), cid, None).await.unwrap();
    assert_eq!(report.persons, PEOPLE as i64);
    let api = format!("/api/persons?contract={cid}&purpose=sakura_denwa&limit=500");
    let refused = handler.get(&api).await;
    assert_eq!(refused.status, 403, "not designated yet: {}", refused.body);

    // 取扱者 for the purpose: only this contractor's people are offered.
    assert!(page.body.contains("桜井 電子（sakura-denwa"));
    assert!(!page.body.contains("電話 桜子（mirai-denwa"));
    let r = admin
        .post_form(
            &format!("/admin/contracts/{cid}/staff"),
            &[
                ("user_id", &uid.to_string()),
                ("duty", "handler:sakura_denwa"),
            ],
        )
        .await;
    expect_redirect(&r, &format!("/admin/contracts/{cid}?done=staff"));
    let page = admin
        .get(&format!("/admin/contracts/{cid}?done=staff"))
        .await;
    assert!(
        page.body.contains("<td>取扱者（さくら電話勧奨）</td>"),
        "{}",
        page.body
    );

    let list = handler.get(&api).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let persons = list.json()["persons"].as_array().unwrap().clone();
    assert_eq!(persons.len(), PEOPLE as usize);
    let allowed: BTreeSet<String> = ["shimei", "denwa_bango"].map(String::from).into();
    for p in &persons {
        let keys = item_keys(p);
        assert!(keys.is_subset(&allowed), "{keys:?}");
        assert!(keys.contains("shimei"));
    }
    let html = handler.get(&format!("/c/{cid}/sakura_denwa/persons")).await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("<th>氏名</th>"));
    for hidden in ["住所", "生年月日", "受診券整理番号", "健診結果"] {
        assert!(
            !html.body.contains(&format!("<th>{hidden}</th>")),
            "{hidden}"
        );
    }

    // Removing the designation cuts access at once.
    admin.get(&format!("/admin/contracts/{cid}")).await;
    let r = admin
        .post_form(&format!("/admin/contracts/{cid}/staff/{uid}/remove"), &[])
        .await;
    expect_redirect(&r, &format!("/admin/contracts/{cid}?done=removed"));
    assert_eq!(handler.get(&api).await.status, 403);
}

async fn role_changes_go_through_step_up(s: TestServer) {
    let target = user_id(&s, "mirai-bunseki").await;
    let mut victim = s.signed_in("mirai-bunseki").await;
    assert_eq!(victim.get("/dashboard").await.status, 200);
    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get(&format!("/admin/users/{target}")).await;
    assert_eq!(page.status, 200);
    // Only the roles that fit a contractor's person are offered.
    assert!(page
        .body
        .contains("<option value=\"contractor_responsible\""));
    assert!(!page.body.contains("<option value=\"ward_admin\""));

    let path = format!("/admin/users/{target}/role");
    let r = admin
        .post_form(&path, &[("role", "contractor_responsible")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("/stepup?next="), "{to}");
    let next: String = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(
        next,
        format!("/admin/users/{target}?role=contractor_responsible")
    );
    let role_of = |s: &TestServer| {
        let svc = s.svc.clone();
        async move {
            svc.users(&sys())
                .await
                .unwrap()
                .into_iter()
                .find(|u| u.id == target)
                .unwrap()
                .role
        }
    };
    assert_eq!(role_of(&s).await, itaku_core::Role::Handler, "not changed");

    let stepup = admin.get(&to).await;
    assert_eq!(stepup.status, 200);
    let r = admin
        .post_form(
            "/stepup",
            &[
                ("next", &next),
                ("password", PASSWORD),
                ("totp", &s.totp("ward-admin")),
            ],
        )
        .await;
    expect_redirect(&r, &next);
    let back = admin.get(&next).await;
    assert!(back.body.contains("本人確認が済みました"), "{}", back.body);
    assert!(back
        .body
        .contains("<option value=\"contractor_responsible\" selected>"));

    // A ward role for a contractor's person is refused even after step-up.
    let bad = admin.post_form(&path, &[("role", "ward_admin")]).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad
        .body
        .contains("委託事業者（乙）の利用者に「区管理者」の役割は設定できません"));
    assert_eq!(role_of(&s).await, itaku_core::Role::Handler);

    let r = admin
        .post_form(&path, &[("role", "contractor_responsible")])
        .await;
    expect_redirect(&r, &format!("/admin/users/{target}?done=role"));
    assert_eq!(role_of(&s).await, itaku_core::Role::ContractorResponsible);
    let page = admin.get(&format!("/admin/users/{target}?done=role")).await;
    assert!(page.body.contains("役割を変更しました。"));
    assert!(page.body.contains("・取扱責任者"));
    assert_eq!(
        victim.get("/dashboard").await.location(),
        Some("/signin"),
        "the changed user's sessions ended"
    );
}

/// Every administrator's form, with input that would succeed.
async fn admin_forms(s: &TestServer) -> Vec<(String, Vec<(&'static str, String)>)> {
    let denwa = user_id(s, "mirai-denwa").await;
    let homon = user_id(s, "fureai-homon").await;
    let otsu = org_id(s, "株式会社みらい健康サポート").await;
    let hei = org_id(s, "有限会社ふれあい訪問サービス").await;
    let job = s.svc.jobs(&sys()).await.unwrap()[0].id;
    let c = s.contract_id;
    let v = |x: &str| x.to_owned();
    vec![
        (
            v("/admin/orgs"),
            vec![("kind", v("contractor")), ("name", v("株式会社不正送信"))],
        ),
        (
            v("/admin/users"),
            vec![
                ("org_id", otsu.to_string()),
                ("login", v("forged-user")),
                ("display_name", v("偽 太郎")),
                ("role", v("handler")),
                ("password", v(NEW_PASSWORD)),
                ("password_confirm", v(NEW_PASSWORD)),
            ],
        ),
        (
            format!("/admin/users/{denwa}/active"),
            vec![("active", v("0"))],
        ),
        (
            format!("/admin/users/{denwa}/role"),
            vec![("role", v("contractor_responsible"))],
        ),
        (
            format!("/admin/users/{denwa}/training"),
            vec![
                ("course", v("偽の研修")),
                ("completed_on", v("2026-11-01")),
                ("valid_until", v("2030-10-31")),
            ],
        ),
        (
            v("/admin/jobs"),
            vec![("code", v("forged-job")), ("name", v("偽の業務"))],
        ),
        (
            format!("/admin/jobs/{job}/purposes"),
            vec![
                ("code", v("forged_purpose")),
                ("name", v("偽の目的")),
                ("items", v("kokuho_kigo_bango")),
            ],
        ),
        (
            v("/admin/contracts"),
            vec![
                ("job_id", job.to_string()),
                ("contractor_org_id", otsu.to_string()),
                ("name", v("偽の契約")),
                ("starts_on", v("2026-04-01")),
                ("ends_on", v("2027-03-31")),
                ("allowed_networks", v("0.0.0.0/0")),
            ],
        ),
        (
            format!("/admin/contracts/{c}/staff"),
            vec![
                ("user_id", denwa.to_string()),
                ("duty", v("handler:tsuchi_kansho")),
            ],
        ),
        (format!("/admin/contracts/{c}/staff/{homon}/remove"), vec![]),
        (
            format!("/admin/contracts/{c}/subcontractors/{hei}/revoke"),
            vec![],
        ),
        (
            format!("/admin/contracts/{c}/subcontractors"),
            vec![("org_id", hei.to_string())],
        ),
        (format!("/admin/contracts/{c}/cancel"), vec![]),
    ]
}

/// Nothing any of `admin_forms` would do has happened.
async fn nothing_changed(s: &TestServer) {
    let orgs = s.svc.orgs(&sys()).await.unwrap();
    assert!(!orgs.iter().any(|o| o.name == "株式会社不正送信"));
    assert_eq!(s.svc.user_id_by_login("forged-user").await.unwrap(), None);
    let users = s.svc.users(&sys()).await.unwrap();
    let denwa = users.iter().find(|u| u.login == "mirai-denwa").unwrap();
    assert!(denwa.active);
    assert_eq!(denwa.role, itaku_core::Role::Handler);
    assert_eq!(denwa.training_valid_until.as_deref(), Some("2027-04-09"));
    let jobs = s.svc.jobs(&sys()).await.unwrap();
    assert!(!jobs.iter().any(|j| j.code == "forged-job"));
    assert!(!jobs[0].purposes.iter().any(|p| p.code == "forged_purpose"));
    let contracts = s.svc.contracts(&sys()).await.unwrap();
    assert_eq!(contracts.len(), 4);
    let c = contracts.iter().find(|c| c.id == s.contract_id).unwrap();
    assert_eq!(c.status, "active");
    assert_eq!(c.staff.len(), 5, "{:?}", c.staff);
    assert_eq!(c.subcontractors.len(), 1);
    assert!(c.subcontractors[0].revoked_at.is_none());
}

async fn every_admin_form_needs_the_csrf_token(s: TestServer) {
    let mut admin = s.signed_in("ward-admin").await;
    assert_eq!(admin.get("/admin/users").await.status, 200);
    let forms = admin_forms(&s).await;
    for (path, fields) in &forms {
        for token in ["", "forged-token"] {
            let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            f.push(("_csrf", token));
            let r = admin.post_form(path, &f).await;
            assert_eq!(r.status, 403, "{path} with token {token:?}: {}", r.body);
            assert!(r
                .body
                .contains("画面の有効期限が切れたか、別の画面からの送信です"));
        }
    }
    nothing_changed(&s).await;
    // The same forms with the token do work (so the refusal was the token's).
    let (path, fields) = &forms[0];
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    expect_redirect(&admin.post_form(path, &f).await, "/admin/orgs?done=created");
}

async fn only_the_ward_administrator_may_use_the_admin_pages(s: TestServer) {
    let forms = admin_forms(&s).await;
    for login in ["hokenshi", "kansa", "mirai-sekinin", "mirai-denwa"] {
        let mut c = s.signed_in(login).await;
        assert!(c.csrf.is_some(), "{login} has a token of their own");
        for page in [
            "/admin",
            "/admin/orgs",
            "/admin/users",
            "/admin/users/1",
            "/admin/jobs",
            "/admin/contracts",
            &format!("/admin/contracts/{}", s.contract_id),
        ] {
            let r = c.get(page).await;
            assert_eq!(r.status, 403, "{login} GET {page}");
            assert!(
                r.body.contains("この操作を行う権限がありません。"),
                "{login} {page}: {}",
                r.body
            );
            assert!(!r.body.contains("name=\"_csrf\""), "no forms for {login}");
        }
        for (path, fields) in &forms {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = c.post_form(path, &f).await;
            assert_eq!(r.status, 403, "{login} POST {path}: {}", r.body);
            assert!(
                r.body.contains("この操作を行う権限がありません。"),
                "{login} POST {path}: {}",
                r.body
            );
        }
    }
    nothing_changed(&s).await;
    // The refusals are in the audit log.
    let denied = s
        .svc
        .audit_search(
            &sys(),
            &itaku_service::AuditQuery {
                outcome: Some("deny".into()),
                action: Some("administer".into()),
                limit: 5000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        denied
            .iter()
            .filter(|e| e.action == "administer" && e.reason == "role_not_permitted")
            .count()
            >= 4 * 10,
        "{}",
        denied.len()
    );
}

async fn bad_input_is_explained_in_japanese_and_kept(s: TestServer) {
    let mut admin = s.signed_in("ward-admin").await;
    let otsu = org_id(&s, "株式会社みらい健康サポート").await;

    // 利用者
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("org_id", &otsu.to_string()),
                ("login", "kept-login"),
                ("display_name", "保持 花子"),
                ("role", "handler"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("パスワードは12文字以上にしてください"));
    assert!(r.body.contains("value=\"kept-login\""));
    assert!(r.body.contains("value=\"保持 花子\""));
    assert!(r
        .body
        .contains(&format!("<option value=\"{otsu}\" selected>")));
    assert!(r.body.contains("<option value=\"handler\" selected>"));
    assert!(
        !r.body.contains("value=\"short\""),
        "passwords are not echoed"
    );
    let dup = create_user(
        &mut admin,
        &otsu.to_string(),
        "mirai-denwa",
        "重複 次郎",
        "handler",
    )
    .await;
    assert_eq!(dup.status, 409, "{}", dup.body);
    assert!(dup
        .body
        .contains("ログインID「mirai-denwa」はすでに使われています"));
    assert!(dup.body.contains("value=\"重複 次郎\""));
    let ward_role = create_user(
        &mut admin,
        &otsu.to_string(),
        "contractor-admin",
        "越権 三郎",
        "ward_admin",
    )
    .await;
    assert_eq!(ward_role.status, 400);
    assert!(ward_role
        .body
        .contains("委託事業者（乙）の利用者に「区管理者」の役割は設定できません"));
    let mismatch = admin
        .post_form(
            "/admin/users",
            &[
                ("org_id", &otsu.to_string()),
                ("login", "typo-user"),
                ("display_name", "誤記 四郎"),
                ("role", "handler"),
                ("password", NEW_PASSWORD),
                ("password_confirm", "something-else-entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("パスワードが一致しません"));
    assert_eq!(s.svc.user_id_by_login("kept-login").await.unwrap(), None);
    assert_eq!(s.svc.user_id_by_login("typo-user").await.unwrap(), None);

    // 組織
    let r = admin
        .post_form(
            "/admin/orgs",
            &[
                ("kind", "contractor"),
                ("name", "株式会社みらい健康サポート"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r
        .body
        .contains("組織名「株式会社みらい健康サポート」はすでに登録されています"));
    let r = admin
        .post_form(
            "/admin/orgs",
            &[("kind", "subcontractor"), ("name", "親のない再委託先")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("再委託元の委託事業者を選んでください"));
    assert!(r.body.contains("value=\"親のない再委託先\""));
    assert!(r.body.contains("value=\"subcontractor\" checked"));

    // 業務と利用目的
    let job = s.svc.jobs(&sys()).await.unwrap()[0].id;
    let purposes = format!("/admin/jobs/{job}/purposes");
    let r = admin
        .post_form(&purposes, &[("code", "no_items"), ("name", "項目なし")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("利用目的には少なくとも1つの項目が必要です"));
    assert!(r.body.contains("value=\"no_items\""));
    let r = admin
        .post_form(
            &purposes,
            &[
                ("code", "denwa_kansho"),
                ("name", "重複した目的"),
                ("items", "shimei"),
                ("items", "anketo"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r
        .body
        .contains("利用目的コード「denwa_kansho」はこの業務にすでにあります"));
    assert!(r.body.contains("value=\"shimei\" checked"));
    assert!(r.body.contains("value=\"anketo\" checked"));
    assert!(!r.body.contains("value=\"jusho\" checked"));
    let r = admin
        .post_form("/admin/jobs", &[("code", "漢字コード"), ("name", "業務")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("業務コードは半角英小文字・数字と _ - の2〜64文字"));
    assert!(r.body.contains("value=\"漢字コード\""));

    // 契約
    let base = [
        ("job_id", job.to_string()),
        ("contractor_org_id", otsu.to_string()),
        ("name", "保持される契約名".to_owned()),
        ("starts_on", "2026-04-01".to_owned()),
        ("ends_on", "2027-03-31".to_owned()),
        ("allowed_networks", "10.0.0.0/8, 10.0.0.0/33".to_owned()),
        ("requires_client_cert", "1".to_owned()),
    ];
    let with = |changes: &[(&'static str, &str)]| {
        base.iter()
            .map(|(k, v)| {
                let v = changes
                    .iter()
                    .find(|(ck, _)| ck == k)
                    .map(|(_, cv)| (*cv).to_owned())
                    .unwrap_or_else(|| v.clone());
                (*k, v)
            })
            .collect::<Vec<_>>()
    };
    for (changes, status, message) in [
        (
            vec![],
            400,
            "ネットワーク指定「10.0.0.0/33」が正しくありません",
        ),
        (
            vec![
                ("allowed_networks", "10.0.0.0/8"),
                ("ends_on", "2026-03-31"),
            ],
            400,
            "契約の終了日は開始日以降にしてください",
        ),
        (
            vec![
                ("allowed_networks", "10.0.0.0/8"),
                ("starts_on", "2026-13-01"),
            ],
            400,
            "開始日「2026-13-01」",
        ),
        (
            vec![("allowed_networks", "")],
            400,
            "接続を許可するネットワークを1つ以上入力してください",
        ),
        (
            vec![
                ("allowed_networks", "10.0.0.0/8"),
                (
                    "contractor_org_id",
                    &org_id(&s, "有限会社ふれあい訪問サービス").await.to_string(),
                ),
            ],
            400,
            "契約の相手方には委託事業者（乙）を指定してください",
        ),
    ] {
        let fields = with(&changes);
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = admin.post_form("/admin/contracts", &f).await;
        assert_eq!(r.status, status, "{message}: {}", r.body);
        assert!(r.body.contains(message), "{message}: {}", r.body);
        assert!(r.body.contains("value=\"保持される契約名\""));
        assert!(r
            .body
            .contains("name=\"requires_client_cert\" value=\"1\" checked"));
        let nets = fields
            .iter()
            .find(|(k, _)| *k == "allowed_networks")
            .unwrap()
            .1
            .clone();
        assert!(r.body.contains(&format!("value=\"{nets}\"")), "{nets}");
    }
    assert_eq!(s.svc.contracts(&sys()).await.unwrap().len(), 4);

    // 研修
    let denwa = user_id(&s, "mirai-denwa").await;
    let r = admin
        .post_form(
            &format!("/admin/users/{denwa}/training"),
            &[
                ("course", "保持される研修名"),
                ("completed_on", "2026-11-01"),
                ("valid_until", "2026-10-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("有効期限は受講日以降にしてください"));
    assert!(r.body.contains("value=\"保持される研修名\""));
    assert!(r.body.contains("value=\"2026-10-01\""));

    // 取扱者: another contractor's person cannot be designated.
    let tdi = user_id(&s, "tdi-sekinin").await;
    let c = s.contract_id;
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/staff"),
            &[
                ("user_id", &tdi.to_string()),
                ("duty", "handler:denwa_kansho"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r
        .body
        .contains("契約の事業者（または再委託先）の利用者だけを指定できます"));
    assert!(r
        .body
        .contains("<option value=\"handler:denwa_kansho\" selected>"));
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/staff"),
            &[
                ("user_id", &denwa.to_string()),
                ("duty", "handler:denwa_kansho"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("すでに指定されています"));

    // Unknown ids answer 404 pages, never 500.
    for path in [
        "/admin/users/99999",
        "/admin/contracts/99999",
        "/admin/users/abc",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = admin
        .post_form(
            "/admin/jobs/99999/purposes",
            &[("code", "x_y"), ("name", "x"), ("items", "shimei")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("業務が見つかりません"));
}

async fn revoking_a_subcontract_ends_their_sessions_and_approval_restores_access(s: TestServer) {
    let c = s.contract_id;
    let hei = org_id(&s, "有限会社ふれあい訪問サービス").await;
    let list = format!("/c/{c}/homon_kansho/persons");
    let mut homon = s.signed_in("fureai-homon").await;
    assert_eq!(homon.get(&list).await.status, 200);

    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get(&format!("/admin/contracts/{c}")).await;
    assert!(page.body.contains("承認済み"));
    assert!(page
        .body
        .contains("再委託先の利用者のセッションはすべて直ちに終了します。"));
    // Approving again is a conflict, said as such.
    let again = admin
        .post_form(
            &format!("/admin/contracts/{c}/subcontractors"),
            &[("org_id", &hei.to_string())],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("この再委託先はすでに承認されています"));

    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/subcontractors/{hei}/revoke"),
            &[],
        )
        .await;
    expect_redirect(&r, &format!("/admin/contracts/{c}?done=revoked"));
    let page = admin
        .get(&format!("/admin/contracts/{c}?done=revoked"))
        .await;
    assert!(page.body.contains(
        "再委託の承認を取り消しました。この再委託先のすべてのセッションを直ちに終了しました。"
    ));
    assert!(page.body.contains("未承認"));
    assert!(
        homon
            .get(&list)
            .await
            .location()
            .is_some_and(|l| l.starts_with("/signin?next=")),
        "session ended at once"
    );
    let mut again = s.signed_in("fureai-homon").await;
    let refused = again.get(&list).await;
    assert_eq!(refused.status, 403);
    assert!(refused
        .body
        .contains("区による再委託の承認が記録されていません。"));

    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/subcontractors"),
            &[("org_id", &hei.to_string())],
        )
        .await;
    expect_redirect(&r, &format!("/admin/contracts/{c}?done=approved"));
    assert_eq!(again.get(&list).await.status, 200, "approved again");
}

async fn stopping_a_user_and_lapsed_training(s: TestServer) {
    let denwa = user_id(&s, "mirai-denwa").await;
    let mut handler = s.signed_in("mirai-denwa").await;
    assert_eq!(handler.get("/dashboard").await.status, 200);
    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("有効（2027-04-09まで）"));
    assert!(!page.body.contains("期限切れ"));

    let r = admin
        .post_form(
            &format!("/admin/users/{denwa}/active"),
            &[("active", "0"), ("back", "list")],
        )
        .await;
    expect_redirect(&r, "/admin/users?done=inactive");
    assert_eq!(handler.get("/dashboard").await.location(), Some("/signin"));
    let mut c = s.client();
    let r = c
        .sign_in("mirai-denwa", PASSWORD, &s.totp("mirai-denwa"))
        .await;
    assert_eq!(r.status, 401);
    let page = admin.get("/admin/users?done=inactive").await;
    assert!(page.body.contains("停止中"));
    let r = admin
        .post_form(&format!("/admin/users/{denwa}/active"), &[("active", "1")])
        .await;
    expect_redirect(&r, &format!("/admin/users/{denwa}?done=active"));
    let r = c
        .sign_in("mirai-denwa", PASSWORD, &s.totp("mirai-denwa"))
        .await;
    assert_eq!(r.status, 303);

    // Nobody stops themselves.
    let me = user_id(&s, "ward-admin").await;
    let r = admin
        .post_form(&format!("/admin/users/{me}/active"), &[("active", "0")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("自分自身を停止することはできません"));

    // A year on, the demo's training has lapsed and is marked so.
    s.clock.advance(chrono::Duration::days(200));
    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("期限切れ（2027-04-09まで）"));
    assert!(page.body.contains("要受講"));
    let one = admin.get(&format!("/admin/users/{denwa}")).await;
    assert_eq!(
        by_id(&one.body, "training-state"),
        "期限切れ（2027-04-09まで）"
    );
}
