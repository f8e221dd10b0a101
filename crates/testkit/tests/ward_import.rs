//! The ward staff's pages for target lists over a real server on both
//! backends: upload through the form, the dry-run preview, the background
//! import with its progress and report, profiles as TOML, extraction with
//! presets and frozen lists, and the register's export behind step-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{Item, Role, UserId};
use itaku_service::{
    extraction_presets, Actor, AuditQuery, Condition, NewPerson, NewUserSpec, Rule,
};
use itaku_testkit::{Backend, Client, Reply, TestServer, PASSWORD};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const PEOPLE: u64 = 40;
const PROFILE: &str = "shinjuku-kokuho-targets.toml";

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    sample_uploads_previews_imports_and_is_searchable,
    messy_file_report_lists_its_bad_lines_and_gaiji,
    imports_belong_to_their_owner,
    profiles_are_edited_as_toml_and_map_other_headers,
    presets_preview_like_the_service_and_freeze_lists,
    export_needs_step_up_and_is_audited,
    cp932_export_refuses_unmappable_characters,
    other_roles_get_404_or_403_on_every_ward_page,
);

// ---------------------------------------------------------------- helpers

fn sample() -> Vec<u8> {
    let dir = std::env::var("ITAKU_SAMPLE_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_owned()
    });
    std::fs::read(format!("{dir}/sample-targets-cp932.csv")).expect("the shared sample")
}

fn truth() -> Vec<serde_json::Value> {
    let dir = std::env::var("ITAKU_SAMPLE_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_owned()
    });
    std::fs::read_to_string(format!("{dir}/sample-targets-truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn base(s: &TestServer) -> String {
    s.base.clone()
}

fn raw_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie_header(c: &Client) -> String {
    c.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// POST the upload form as a browser does: multipart, token first.
async fn upload(
    s: &TestServer,
    c: &Client,
    csrf: Option<&str>,
    profile: &str,
    file_name: &str,
    bytes: &[u8],
) -> Reply {
    let boundary = "----itakuTestBoundary7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    let mut text = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    if let Some(t) = csrf {
        text("_csrf", t);
    }
    text("profile", profile);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = raw_http()
        .post(format!("{}/ward/import/upload", base(s)))
        .header("cookie", cookie_header(c))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

/// GET with the raw bytes of the answer (CP932 stays CP932).
async fn get_bytes(s: &TestServer, c: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let res = raw_http()
        .get(format!("{}{path}", base(s)))
        .header("cookie", cookie_header(c))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

/// Upload through the page and follow to the preview; returns its path and body.
async fn upload_and_preview(
    s: &TestServer,
    c: &mut Client,
    profile: &str,
    bytes: &[u8],
) -> (String, String) {
    c.get("/ward/import").await;
    let csrf = c.csrf.clone().unwrap();
    let r = upload(s, c, Some(&csrf), profile, "targets.csv", bytes).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("/ward/import/uploads/"), "{to}");
    let page = c.get(&to).await;
    assert_eq!(page.status, 200, "{}", page.body);
    (to, page.body)
}

/// The number in the element with this id.
fn stat(body: &str, id: &str) -> i64 {
    let needle = format!("id=\"{id}\">");
    let start = body
        .find(&needle)
        .unwrap_or_else(|| panic!("{id} in {body}"))
        + needle.len();
    body[start..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The first-column numbers of a table's rows.
fn table_lines(body: &str, class: &str) -> Vec<u64> {
    let Some(start) = body.find(&format!("<table class=\"{class}\">")) else {
        return Vec::new();
    };
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    table
        .split("<tr><td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().parse().unwrap())
        .collect()
}

/// Start the import from the preview and follow its progress to the report.
async fn run_to_report(c: &mut Client, preview: &str) -> (String, String) {
    let r = c.post_form(&format!("{preview}/run"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.location().unwrap().to_owned();
    assert!(job.starts_with("/ward/import/jobs/"), "{job}");
    let first = c.get(&job).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let p = c.get(&format!("{job}/progress")).await;
        assert_eq!(p.status, 200, "{}", p.body);
        if let Some(to) = p.header("hx-redirect") {
            assert_eq!(to, job);
            assert!(p.body.contains("id=\"finished\""), "{}", p.body);
            break;
        }
        assert!(p.body.contains("hx-trigger=\"every 1s\""), "{}", p.body);
        assert!(Instant::now() < deadline, "the import never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let report = c.get(&job).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("<h1>取込結果</h1>"), "{}", report.body);
    (job, report.body)
}

fn system() -> Actor {
    Actor::system("test")
}

async fn actor_of(s: &TestServer, login: &str) -> Actor {
    let id = s.svc.user_id_by_login(login).await.unwrap().unwrap();
    Actor::user(UserId(id), None, "test")
}

async fn audit(s: &TestServer, action: &str) -> Vec<itaku_service::AuditEntryView> {
    s.svc
        .audit_search(
            &system(),
            &AuditQuery {
                action: Some(action.into()),
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn step_up(s: &TestServer, c: &mut Client, login: &str, next: &str) -> Reply {
    c.get(&format!("/stepup?next={next}")).await;
    c.post_form(
        "/stepup",
        &[
            ("next", next),
            ("password", PASSWORD),
            ("totp", &s.totp(login)),
        ],
    )
    .await
}

// ---------------------------------------------------------------- import

async fn sample_uploads_previews_imports_and_is_searchable(s: TestServer) {
    let mut c = s.signed_in("hokenshi").await;
    let dash = c.get("/dashboard").await;
    for entry in [
        "href=\"/ward/import\">取込</a>",
        "href=\"/ward/lists\">名簿の抽出</a>",
    ] {
        assert!(dash.body.contains(entry), "menu entry {entry}");
    }
    let form = c.get("/ward/import").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("<option value=\"{PROFILE}\"")));
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let dry_runs_before = audit(&s, "write").await.len();

    let (preview, body) = upload_and_preview(&s, &mut c, PROFILE, &sample()).await;
    // Counts of the dry run.
    assert_eq!(stat(&body, "stat-rows"), 2000);
    assert_eq!(stat(&body, "stat-accepted"), 2000);
    assert_eq!(stat(&body, "stat-rejected"), 0);
    assert_eq!(stat(&body, "stat-duplicates"), 0);
    // The first rows as they will be stored: dates in 和暦 (with ISO),
    // postal codes formatted from their 7 stored digits, canonical kana.
    let table = &body[body.find("<table class=\"preview\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr><td class=\"num\">").count(), 20);
    assert!(table.contains("<td>100000000</td>"), "{table}");
    assert!(table.contains("昭和60年10月9日（1985-10-09）"), "{table}");
    assert!(table.contains("<td>169-0051</td>"), "{table}");
    assert!(table.contains("ハマダ　マコト") && table.contains("浜田　誠"));
    assert!(table.contains("<td>男</td>"));
    assert!(table.contains("前年度受診 有／過去5年 5回"), "{table}");
    assert!(!table.contains("100000020"), "only 20 rows");
    // The dry run is audited, and stores nothing.
    let dry = audit(&s, "write").await;
    assert_eq!(dry.len(), dry_runs_before + 1);
    assert!(dry[0].reason.contains("dry run"), "{:?}", dry[0]);
    assert!(dry[0].record_ids.is_empty());
    let list = c.get("/ward/persons").await;
    assert!(list.body.contains("全40件中"), "nothing stored yet");

    let (job, report) = run_to_report(&mut c, &preview).await;
    // The demo's 40 residents carry the sample's first 宛名番号: updated.
    assert_eq!(stat(&report, "stat-rows"), 2000);
    assert_eq!(stat(&report, "stat-inserted"), 1960);
    assert_eq!(stat(&report, "stat-updated"), 40);
    assert_eq!(stat(&report, "stat-rejected"), 0);
    let list = c.get("/ward/persons").await;
    assert!(list.body.contains("全2000件中"), "stored");
    // Searchable by kana, kanji and number, with the stored forms.
    let truth = truth();
    for t in truth.iter().step_by(487) {
        let id = t["id"].as_str().unwrap();
        let hit = c.get(&format!("/ward/persons?q={id}")).await;
        assert!(hit.body.contains("検索結果: 1件"), "{id}");
        assert!(hit.body.contains(t["kanji"].as_str().unwrap()), "{id}");
    }
    let t = &truth[1234];
    let q: String =
        url::form_urlencoded::byte_serialize(t["kana"].as_str().unwrap().as_bytes()).collect();
    let hit = c.get(&format!("/ward/persons?q={q}")).await;
    assert!(hit.body.contains(t["kanji"].as_str().unwrap()));
    // The report as JSON, for the owner.
    let json = c.get(&format!("{job}/report.json")).await;
    assert_eq!(json.status, 200);
    let j = json.json();
    assert_eq!(
        (
            j["inserted"].as_i64(),
            j["updated"].as_i64(),
            j["accepted"].as_i64()
        ),
        (Some(1960), Some(40), Some(2000))
    );
    assert_eq!(j["dry_run"], false);
    // The upload is gone once imported; the import page lists the job.
    assert_eq!(c.get(&preview).await.status, 404);
    let again = c.post_form(&format!("{preview}/run"), &[]).await;
    assert_eq!(again.status, 404, "an upload imports once");
    let page = c.get("/ward/import").await;
    assert!(page.body.contains(&format!("href=\"{job}\"")));
    assert!(page.body.contains("完了（新規1960件・更新40件）"));
    // Every showing of the file's rows (preview, report page, report JSON)
    // was a read of personal data, decided and audited.
    let views: Vec<_> = audit(&s, "read")
        .await
        .into_iter()
        .filter(|e| e.target == "import_file")
        .collect();
    assert!(
        views
            .iter()
            .any(|e| e.reason.starts_with("preview of upload")),
        "{views:?}"
    );
    assert!(views
        .iter()
        .any(|e| e.reason.starts_with("import report of")));
    assert!(views
        .iter()
        .any(|e| e.reason.starts_with("import report JSON of")));
    assert!(views
        .iter()
        .all(|e| e.items.contains("shimei") && e.outcome == "allow"));
}

async fn messy_file_report_lists_its_bad_lines_and_gaiji(s: TestServer) {
    let residents: Vec<_> = itaku_synth::Generator::new(5, 700_000_000)
        .take(400)
        .collect();
    let mut bytes = Vec::new();
    let messiness = itaku_synth::Messiness {
        bad_rows: 0.04,
        duplicates: 0.02,
        ..itaku_synth::Messiness::typical(17)
    };
    let truth = itaku_synth::write_messy_csv(
        &mut bytes,
        &residents,
        itaku_synth::CsvFormat::Cp932,
        &messiness,
        |_| {},
    )
    .unwrap();
    // One more row, whose name holds a 外字 (CP932 F040) after its kanji.
    let mut clean = Vec::new();
    itaku_synth::write_csv(
        &mut clean,
        itaku_synth::Generator::new(6, 800_000_000).take(1),
        itaku_synth::CsvFormat::Cp932,
        |_| {},
    )
    .unwrap();
    let row = clean.split(|b| *b == b'\n').nth(1).unwrap().to_vec();
    let mut fields: Vec<Vec<u8>> = row
        .strip_suffix(b"\r")
        .unwrap()
        .split(|b| *b == b',')
        .map(<[u8]>::to_vec)
        .collect();
    fields[5].extend_from_slice(&[0xF0, 0x40]);
    let gaiji_line = truth.data_lines + 2;
    bytes.extend_from_slice(&fields.join(&b","[..]));
    bytes.extend_from_slice(b"\r\n");
    let bad = truth.bad_lines();
    assert!(bad.len() >= 10, "the file has bad lines: {bad:?}");
    let data_rows = truth.data_lines as i64 + 1;

    let mut c = s.signed_in("hokenshi").await;
    let (preview, body) = upload_and_preview(&s, &mut c, PROFILE, &bytes).await;
    let listed: BTreeSet<u64> = table_lines(&body, "rejections").into_iter().collect();
    let want: BTreeSet<u64> = bad.iter().copied().collect();
    assert_eq!(listed, want, "every bad line and nothing else");
    assert_eq!(stat(&body, "stat-rows"), data_rows);
    assert_eq!(
        stat(&body, "stat-accepted"),
        data_rows - bad.len() as i64,
        "nothing else lost"
    );
    assert_eq!(
        stat(&body, "stat-rejected") + stat(&body, "stat-duplicates"),
        bad.len() as i64
    );
    // Reasons are in Japanese, with the column and the value.
    assert!(body.contains("生年月日"), "a bad date's column");
    assert!(body.contains("重複"), "duplicates are named");
    // The 外字 is kept and flagged with its line and codes.
    assert_eq!(table_lines(&body, "gaiji"), [gaiji_line]);
    assert!(body.contains("U+E000") && body.contains("F040"));

    let (_job, report) = run_to_report(&mut c, &preview).await;
    assert_eq!(stat(&report, "stat-inserted"), data_rows - bad.len() as i64);
    assert_eq!(stat(&report, "stat-updated"), 0);
    let listed: BTreeSet<u64> = table_lines(&report, "rejections").into_iter().collect();
    assert_eq!(listed, want, "the report lists the bad lines");
    assert_eq!(table_lines(&report, "gaiji"), [gaiji_line]);
    // A bad row's person is not stored; a messy but valid one is.
    let bad_atena = truth
        .entries
        .iter()
        .find(|e| e.mess.is_bad() && !matches!(e.mess, itaku_synth::Mess::Duplicate { .. }))
        .unwrap()
        .atena_no;
    let miss = c.get(&format!("/ward/persons?q={bad_atena}")).await;
    assert!(miss.body.contains("検索結果: 0件"), "{bad_atena}");
    let good = truth
        .messy_valid_lines()
        .first()
        .copied()
        .and_then(|l| truth.entries.iter().find(|e| e.line == l))
        .unwrap()
        .atena_no;
    let hit = c.get(&format!("/ward/persons?q={good}")).await;
    assert!(hit.body.contains("検索結果: 1件"), "{good}");
}

async fn imports_belong_to_their_owner(s: TestServer) {
    // A second member of the ward's staff.
    let ward_org = s
        .svc
        .orgs(&system())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == itaku_core::OrgKind::Ward)
        .unwrap()
        .id;
    let (_, secret) = s
        .svc
        .create_user(
            &system(),
            &NewUserSpec {
                org_id: ward_org,
                login: "hokenshi2",
                display_name: "保健 二郎",
                role: Role::WardStaff,
                password: PASSWORD,
            },
        )
        .await
        .unwrap();
    let mut other = s.client();
    s.clock.advance(chrono::Duration::seconds(30));
    let code = itaku_crypto::TotpSecret::from_base32(&secret)
        .unwrap()
        .code_at(s.svc.now().timestamp() as u64);
    assert_eq!(
        other.sign_in("hokenshi2", PASSWORD, &code).await.status,
        303
    );

    let mut c = s.signed_in("hokenshi").await;
    let small: Vec<u8> = sample()
        .split_inclusive(|b| *b == b'\n')
        .take(31)
        .flatten()
        .copied()
        .collect();
    let (preview, _) = upload_and_preview(&s, &mut c, PROFILE, &small).await;
    // Another user cannot see, run or discard the upload.
    other.get("/ward/import").await;
    assert_eq!(other.get(&preview).await.status, 404);
    assert_eq!(
        other.post_form(&format!("{preview}/run"), &[]).await.status,
        404
    );
    other.post_form(&format!("{preview}/discard"), &[]).await;
    assert_eq!(
        c.get(&preview).await.status,
        200,
        "still there for its owner"
    );

    let (job, report) = run_to_report(&mut c, &preview).await;
    assert_eq!(stat(&report, "stat-rows"), 30);
    // Another user cannot see the job, its progress or its report.
    for path in [
        job.clone(),
        format!("{job}/progress"),
        format!("{job}/report.json"),
    ] {
        let r = other.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("stat-inserted"));
    }
    assert!(!other.get("/ward/import").await.body.contains(&job));
    // The progress poll answers only the session that started the import;
    // the owner's other session still sees the report.
    let mut second = s.signed_in("hokenshi").await;
    assert_eq!(second.get(&format!("{job}/progress")).await.status, 404);
    assert_eq!(second.get(&job).await.status, 200);
    // A guessed id is simply missing.
    assert_eq!(c.get("/ward/import/jobs/nope").await.status, 404);
    // A forged upload is refused before anything is read.
    let forged = upload(&s, &c, Some("forged"), PROFILE, "x.csv", &small).await;
    assert_eq!(forged.status, 403);
    let missing = upload(&s, &c, None, PROFILE, "x.csv", &small).await;
    assert_eq!(missing.status, 403);
}

// ---------------------------------------------------------------- profiles

async fn profiles_are_edited_as_toml_and_map_other_headers(s: TestServer) {
    let mut c = s.signed_in("hokenshi").await;
    let list = c.get("/ward/import/profiles").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(PROFILE) && list.body.contains("同梱"));
    let new = c.get("/ward/import/profiles/new").await;
    assert_eq!(new.status, 200);
    assert!(new.body.contains("<textarea"));
    assert!(
        new.body.contains("国保対象者名簿（標準）"),
        "starts from the shipped one"
    );
    let edit = c
        .get(&format!("/ward/import/profiles/edit?name={PROFILE}"))
        .await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("atena_no"));

    // A mistake is explained in Japanese next to the text, which is kept.
    let bad =
        "name = \"他区形式\"\nencoding = \"utf-8\"\nformat = \"csv\"\n[items]\nshimei = \"氏名\"\n";
    let r = c
        .post_form(
            "/ward/import/profiles",
            &[("key", "other.toml"), ("toml", bad), ("is_new", "1")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("宛名番号（atena_no）の列がありません"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("shimei = &#34;氏名&#34;") || r.body.contains("shimei = &quot;氏名&quot;"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"other.toml\""));
    let typo = c
        .post_form(
            "/ward/import/profiles",
            &[("key", "other.toml"), ("toml", "name = \n")],
        )
        .await;
    assert_eq!(typo.status, 400);
    assert!(typo.body.contains("取込設定の書式が正しくありません"));

    // Another municipality's headers, mapped by a saved profile.
    let good = "name = \"他区形式\"\nencoding = \"utf-8\"\nformat = \"csv\"\n\n[items]\natena_no = \"住民番号\"\nkana_shimei = \"氏名カナ\"\nseinengappi = \"生年月日\"\nseibetsu = \"性別\"\n\n[values.seibetsu]\n\"男\" = \"1\"\n\"女\" = \"2\"\n";
    let r = c
        .post_form(
            "/ward/import/profiles",
            &[("key", "other.toml"), ("toml", good)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some("/ward/import/profiles?saved=other.toml"));
    let list = c.get("/ward/import/profiles?saved=other.toml").await;
    assert!(list.body.contains("取込設定「other.toml」を保存しました"));
    assert!(list.body.contains("他区形式") && list.body.contains("保存済み"));
    let form = c.get("/ward/import").await;
    assert!(form.body.contains("<option value=\"other.toml\""));

    let file = "\u{feff}住民番号,氏名カナ,生年月日,性別,備考\r\n900000001,ﾀｶﾊｼ ﾊﾅｺ,昭和45年3月1日,女,\r\n900000002,スズキ　イチロウ,H02.04.01,男,転入\r\n900000003,サトウ　ジロウ,昭和64年2月1日,男,\r\n";
    let (preview, body) = upload_and_preview(&s, &mut c, "other.toml", file.as_bytes()).await;
    assert_eq!(stat(&body, "stat-accepted"), 2);
    assert_eq!(
        table_lines(&body, "rejections"),
        [4],
        "a date outside its era"
    );
    assert!(
        body.contains("タカハシ　ハナコ"),
        "half-width kana stored canonical"
    );
    assert!(body.contains("昭和45年3月1日（1970-03-01）"));
    assert!(body.contains("平成2年4月1日（1990-04-01）"));
    assert!(
        body.contains("<li>備考</li>"),
        "the unknown column is reported"
    );
    let (_, report) = run_to_report(&mut c, &preview).await;
    assert_eq!(stat(&report, "stat-inserted"), 2);
    let hit = c.get("/ward/persons?q=たかはし").await;
    assert!(hit.body.contains("タカハシ　ハナコ"));

    // A profile that does not fit the file says which column is missing.
    c.get("/ward/import").await;
    let csrf = c.csrf.clone().unwrap();
    let r = upload(&s, &c, Some(&csrf), PROFILE, "other.csv", file.as_bytes()).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("このファイルは取り込めません"),
        "{}",
        r.body
    );
}

// ---------------------------------------------------------------- extraction

async fn presets_preview_like_the_service_and_freeze_lists(s: TestServer) {
    let who = actor_of(&s, "hokenshi").await;
    let mut c = s.signed_in("hokenshi").await;
    let page = c.get("/ward/lists").await;
    assert_eq!(page.status, 200);
    // The fiscal year defaults to the clock's (2026-11-22 JST: 令和8年度).
    assert!(
        page.body.contains("<option value=\"2026\" selected>"),
        "{}",
        page.body
    );
    let count = |body: &str| -> i64 {
        let needle = "class=\"count-value\">";
        let start = body.find(needle).expect(body) + needle.len();
        body[start..].split('<').next().unwrap().parse().unwrap()
    };
    let mut some = false;
    for (key, _, rule) in extraction_presets(2026) {
        let r = c
            .post_form("/ward/lists/preview", &[("fy", "2026"), ("preset", key)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let n = count(&r.body);
        assert_eq!(n, s.svc.preview_rule(&who, &rule).await.unwrap(), "{key}");
        assert!(r.body.contains(&rule.describe()));
        some |= n > 0;
    }
    assert!(some, "some preset selects someone");
    // Another fiscal year's preset is that year's rule.
    let r = c
        .post_form(
            "/ward/lists/preview",
            &[("fy", "令和7年度"), ("preset", "seed000")],
        )
        .await;
    let rule = extraction_presets(2025).pop().unwrap().2;
    assert_eq!(
        count(&r.body),
        s.svc.preview_rule(&who, &rule).await.unwrap()
    );

    // Conditions built on the form.
    let fields = [
        ("fy", "2026"),
        ("preset", "custom"),
        ("age_min", "40"),
        ("age_max", "74"),
        ("screened", "any"),
        ("sex", "2"),
        ("phone", "present"),
    ];
    let r = c.post_form("/ward/lists/preview", &fields).await;
    let rule = Rule {
        fiscal_year: 2026,
        conditions: vec![
            Condition::AgeAtFyEnd {
                min: Some(40),
                max: Some(74),
            },
            Condition::Sex { code: "2".into() },
            Condition::Has {
                item: Item::DenwaBango,
                present: true,
            },
        ],
    };
    assert_eq!(
        count(&r.body),
        s.svc.preview_rule(&who, &rule).await.unwrap()
    );
    // Mistakes come back in the fragment (htmx swaps only 2xx answers).
    let r = c
        .post_form(
            "/ward/lists/preview",
            &[("fy", "2026"), ("preset", "custom"), ("age_min", "四十")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("class=\"error\"") && r.body.contains("整数で入力してください"));
    let r = c
        .post_form(
            "/ward/lists/preview",
            &[
                ("fy", "2026"),
                ("preset", "custom"),
                ("age_min", "70"),
                ("age_max", "40"),
            ],
        )
        .await;
    assert!(r.body.contains("下限が上限より大きく"), "{}", r.body);
    // The token is required here too.
    let forged = c
        .post_form(
            "/ward/lists/preview",
            &[("fy", "2026"), ("preset", "seed000"), ("_csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Freezing: a name is needed; then the list keeps the rule and its people.
    let r = c
        .post_form(
            "/ward/lists/freeze",
            &[("fy", "2026"), ("preset", "seed000"), ("name", " ")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("名簿の名前を入力してください"));
    let rule = extraction_presets(2026).pop().unwrap().2;
    let expected = s.svc.preview_rule(&who, &rule).await.unwrap();
    let r = c
        .post_form(
            "/ward/lists/freeze",
            &[
                ("fy", "2026"),
                ("preset", "seed000"),
                ("name", "受診券一斉送付 第1便"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("/ward/lists/"), "{to}");
    let list = c.get(&to).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("<h1>受診券一斉送付 第1便</h1>"));
    assert!(list.body.contains(&rule.describe()));
    assert!(list.body.contains("令和8年度（2026年度）"));
    assert!(list.body.contains("保健 花子（hokenshi）"), "the creator");
    assert!(list.body.contains("2026-11-22"), "the time");
    assert_eq!(stat(&list.body, "members"), expected);
    let rows = list
        .body
        .matches("<tr><td><a href=\"/ward/persons/")
        .count() as i64;
    assert_eq!(rows, expected.min(50));
    // The demo froze its own lists too; this one is the newest.
    let lists = s.svc.target_lists(&who).await.unwrap();
    assert_eq!(
        lists
            .iter()
            .filter(|l| l.name == "受診券一斉送付 第1便")
            .count(),
        1
    );
    assert_eq!(lists[0].name, "受診券一斉送付 第1便");
    assert_eq!(lists[0].members, expected);
    assert_eq!(lists[0].rule, rule);
    let index = c.get("/ward/lists").await;
    assert!(index
        .body
        .contains(&format!("href=\"{to}\">受診券一斉送付 第1便</a>")));
    // A custom freeze keeps its conditions.
    let mut custom = fields.to_vec();
    custom.push(("name", "電話勧奨 女性"));
    let r = c.post_form("/ward/lists/freeze", &custom).await;
    assert_eq!(r.status, 303);
    let list = c.get(r.location().unwrap()).await;
    assert!(
        list.body.contains("<li>年度末年齢が40歳以上74歳以下</li>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("<li>電話番号あり</li>"));
    assert_eq!(c.get("/ward/lists/999999").await.status, 404);
}

// ---------------------------------------------------------------- export

async fn export_needs_step_up_and_is_audited(s: TestServer) {
    let mut c = s.signed_in("hokenshi").await;
    let page = c.get("/ward/export").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("本人確認をして出力する"));
    let r = c.get("/ward/export/download?format=csv").await;
    assert_eq!(r.status, 303);
    let to = r.location().unwrap().to_owned();
    assert_eq!(to, "/stepup?next=%2Fward%2Fexport%3Fformat%3Dcsv");
    assert!(audit(&s, "export").await.is_empty(), "nothing exported yet");
    let ok = step_up(&s, &mut c, "hokenshi", "/ward/export?format=csv").await;
    assert_eq!(ok.location(), Some("/ward/export?format=csv"));
    let page = c.get("/ward/export?format=csv").await;
    assert!(page.body.contains("id=\"stepped-up\""));

    // CP932 CSV with the sample's header and one row per person.
    let (status, ct, csv) = get_bytes(&s, &c, "/ward/export/download?format=csv").await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/csv; charset=Shift_JIS");
    let lines: Vec<&[u8]> = csv
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 1 + PEOPLE as usize);
    assert!(lines.iter().all(|l| l.ends_with(b"\r")), "CRLF");
    assert!(std::str::from_utf8(&csv).is_err(), "not UTF-8");
    // It imports again through the shipped profile (so the header and the
    // encoding are the sample's), and nothing changes but the count.
    let (_, body) = upload_and_preview(&s, &mut c, PROFILE, &csv).await;
    assert_eq!(stat(&body, "stat-rows"), PEOPLE as i64);
    assert_eq!(stat(&body, "stat-accepted"), PEOPLE as i64);
    assert!(body.contains("<li>記録No.</li>"));

    let jsonl = c.get("/ward/export/download?format=jsonl").await;
    assert_eq!(jsonl.status, 200);
    let people: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(people.len(), PEOPLE as usize);
    let ids: BTreeSet<i64> = people
        .iter()
        .map(|p| p["record_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), PEOPLE as usize);
    assert!(people[0]["atena_no"].is_string());
    assert!(people[0]["jushin_rireki"].is_object());

    let utf8 = c.get("/ward/export/download?format=csv-utf8").await;
    assert_eq!(utf8.status, 200);
    assert!(utf8.body.starts_with("\u{feff}宛名番号,受診券整理番号,被保険者記号,被保険者番号,カナ氏名,漢字氏名,生年月日,性別,郵便番号"));
    assert_eq!(utf8.body.lines().count(), 1 + PEOPLE as usize);

    // Every export is audited with every record id it handed out.
    let entries = audit(&s, "export").await;
    assert_eq!(entries.len(), 3, "one page each: {entries:?}");
    for e in &entries {
        assert_eq!(e.outcome, "allow");
        assert!(e.actor.contains("hokenshi"));
        let got: BTreeSet<i64> = e.record_ids.iter().copied().collect();
        assert_eq!(got, ids);
    }
    // Contractors are refused by the policy, step-up or not (and audited).
    let mut handler = actor_of(&s, "mirai-denwa").await;
    handler.stepped_up = true;
    assert!(s.svc.export_persons(&handler, 0, 10).await.is_err());
    let denied = s
        .svc
        .audit_search(
            &system(),
            &AuditQuery {
                action: Some("export".into()),
                outcome: Some("deny".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(denied.len(), 1);
    assert!(denied[0].record_ids.is_empty());
}

async fn cp932_export_refuses_unmappable_characters(s: TestServer) {
    let staff = actor_of(&s, "hokenshi").await;
    let mut values = BTreeMap::new();
    values.insert(Item::AtenaNo, "990000001".to_owned());
    values.insert(Item::Shimei, "𠮷田　太郎".to_owned());
    values.insert(Item::KanaShimei, "ヨシダ　タロウ".to_owned());
    values.insert(Item::Seinengappi, "1970-03-01".to_owned());
    values.insert(Item::Seibetsu, "1".to_owned());
    s.svc
        .register_persons(&staff, &[NewPerson { values }])
        .await
        .unwrap();
    let mut c = s.signed_in("hokenshi").await;
    step_up(&s, &mut c, "hokenshi", "/ward/export?format=csv").await;
    let r = c.get("/ward/export/download?format=csv").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"unmappable\""));
    assert!(r.body.contains("U+20BB7") && r.body.contains("990000001"));
    assert!(r.body.contains("漢字氏名"));
    assert!(r
        .body
        .contains("href=\"/ward/export/download?format=csv-utf8\""));
    // No file went out with a replaced character; UTF-8 keeps it.
    let utf8 = c.get("/ward/export/download?format=csv-utf8").await;
    assert_eq!(utf8.status, 200);
    assert!(utf8
        .body
        .contains("990000001,,,,ヨシダ　タロウ,𠮷田　太郎,1970/03/01,1,"));
}

// ---------------------------------------------------------------- other roles

async fn other_roles_get_404_or_403_on_every_ward_page(s: TestServer) {
    let gets = [
        "/ward/import",
        "/ward/import/profiles",
        "/ward/import/profiles/new",
        "/ward/import/profiles/edit?name=shinjuku-kokuho-targets.toml",
        "/ward/import/uploads/abc",
        "/ward/import/jobs/abc",
        "/ward/import/jobs/abc/report.json",
        "/ward/lists",
        "/ward/lists/1",
        "/ward/export",
        "/ward/export/download?format=csv",
        "/ward/export/download?format=jsonl",
    ];
    let posts = [
        "/ward/import/profiles",
        "/ward/import/uploads/abc/run",
        "/ward/lists/preview",
        "/ward/lists/freeze",
    ];
    for (login, status) in [
        ("mirai-denwa", 404),
        ("mirai-sekinin", 404),
        ("ward-admin", 403),
        ("kansa", 403),
    ] {
        let mut c = s.signed_in(login).await;
        let dash = c.get("/dashboard").await;
        assert!(!dash.body.contains("href=\"/ward/import\""), "{login}");
        for path in gets {
            let r = c.get(path).await;
            assert_eq!(r.status, status, "{login} GET {path}");
            assert!(!r
                .body
                .contains("<form class=\"card\" method=\"post\" action=\"/ward/import/upload\""));
        }
        for path in posts {
            let r = c
                .post_form(
                    path,
                    &[("fy", "2026"), ("preset", "seed000"), ("name", "x")],
                )
                .await;
            assert_eq!(r.status, status, "{login} POST {path}");
        }
        let up = upload(&s, &c, c.csrf.as_deref(), PROFILE, "x.csv", b"x").await;
        assert_eq!(up.status, status, "{login} upload");
    }
    // Nothing was frozen or stored by them (the demo's two lists remain).
    let who = actor_of(&s, "hokenshi").await;
    let lists = s.svc.target_lists(&who).await.unwrap();
    assert_eq!(lists.len(), 2);
    assert!(!lists.iter().any(|l| l.name == "x"));
    assert!(audit(&s, "export")
        .await
        .iter()
        .all(|e| e.outcome == "deny"));
    // Every refusal of a ward page was decided and audited by the service.
    let refusals: Vec<_> = audit(&s, "write")
        .await
        .into_iter()
        .filter(|e| e.target == "ward_page")
        .collect();
    assert!(refusals.iter().all(|e| e.outcome == "deny"));
    assert!(
        refusals
            .iter()
            .any(|e| e.reason == "not_found" && e.role == "handler"),
        "{refusals:?}"
    );
    assert!(refusals
        .iter()
        .any(|e| e.reason == "role_not_permitted" && e.role == "inspector"));
}
