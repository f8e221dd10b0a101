//! 世帯台帳 (issue 10): searching households and opening a ledger with 50
//! history entries, at 32,000 households with 10 fiscal years each, over
//! HTTP as ward staff use it, next to an empty handler of the same server
//! in the same run. Not part of the test suite:
//!
//! ```sh
//! CARGO_PROFILE_BENCH_DEBUG=false cargo bench -p itaku-testkit --bench tainou_ledger -- \
//!     --households 32000 --entries 50 --seconds 10 --clients 4 [--postgres]
//! ```
//!
//! Heads of household are synthetic residents registered in the ward's
//! vault through the service (sealed fields, real search tokens); each
//! household gets 10 fiscal years of assessments and payments and
//! `--entries` history entries through `register_households`, so every
//! field is sealed as in real use. Requests: `/ward/tainou?q=<記号番号>`,
//! `/ward/tainou?q=<カナ氏名>` and `/ward/tainou/households/<id>`; the
//! empty handler is `/assets/<missing>`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use itaku_core::Item;
use itaku_service::tainou::{EntryKind, EntryLine, NewHousehold};
use itaku_service::{Actor, NewPerson, PersonQuery};
use itaku_testkit::load::load;
use itaku_testkit::{Backend, TestServer};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

struct Args {
    households: usize,
    entries: usize,
    seconds: u64,
    clients: usize,
    backend: Backend,
}

fn args() -> Args {
    let mut a = Args {
        households: 32_000,
        entries: 50,
        seconds: 10,
        clients: 4,
        backend: Backend::Sqlite,
    };
    let v: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < v.len() {
        let next = || v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--households" => a.households = next().parse().expect("--households N"),
            "--entries" => a.entries = next().parse().expect("--entries N"),
            "--seconds" => a.seconds = next().parse().expect("--seconds N"),
            "--clients" => a.clients = next().parse().expect("--clients N"),
            "--postgres" => {
                a.backend = Backend::Postgres;
                i -= 1;
            }
            _ => i -= 1,
        }
        i += 2;
    }
    a
}

fn person(r: &itaku_synth::Resident) -> NewPerson {
    let mut v = BTreeMap::new();
    v.insert(Item::AtenaNo, r.atena_no.to_string());
    if let Ok(k) = itaku_jp::KanaName::parse(&r.kana) {
        v.insert(Item::KanaShimei, k.as_str().to_owned());
    }
    if let Ok(k) = itaku_jp::KanjiName::parse(&r.kanji) {
        v.insert(Item::Shimei, k.as_str().to_owned());
    }
    v.insert(Item::Seinengappi, r.birth_date.to_string());
    NewPerson { values: v }
}

fn kigo(n: usize) -> String {
    format!("{:02}-{:06}", 20 + n % 70, n)
}

fn household(n: usize, head: i64, entries: usize) -> NewHousehold {
    let assessments: Vec<(i32, i64)> = (2016..2026)
        .map(|fy| (fy, 70_000 + (n % 9) as i64 * 9_000))
        .collect();
    let payments = assessments
        .iter()
        .filter(|(fy, _)| !(*fy as usize + n).is_multiple_of(3))
        .map(|(fy, a)| (*fy, NaiveDate::from_ymd_opt(*fy, 8, 31).unwrap(), a / 2))
        .collect();
    let kinds = EntryKind::ALL;
    let history = (0..entries)
        .map(|i| {
            let mut items: [String; 7] = Default::default();
            items[i % 7] = format!("交渉の記録 {i}（{}）", kinds[i % 9].label());
            let day = NaiveDate::from_ymd_opt(2016, 4, 1).unwrap()
                + chrono::Duration::days((i * 3650 / entries.max(1)) as i64);
            EntryLine {
                date: day,
                kind: kinds[i % 9],
                amount: (kinds[i % 9] == EntryKind::Nofu).then_some(5_000),
                items,
                note: if i.is_multiple_of(10) {
                    "電話で本人と話した".into()
                } else {
                    String::new()
                },
            }
        })
        .collect();
    NewHousehold {
        kigo: kigo(n),
        head_person_id: head,
        members: Vec::new(),
        assessments,
        payments,
        history,
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let a = args();
    eprintln!(
        "tainou ledger bench: {} households × {} entries, {} clients, {} s per phase, {:?}",
        a.households, a.entries, a.clients, a.seconds, a.backend
    );
    let s = TestServer::start(a.backend, 50)
        .await
        .expect("a test server (for --postgres set ITAKU_TEST_POSTGRES_URL)");
    let svc = &s.svc;
    let sys = Actor::system("台帳ベンチマーク");
    let t0 = Instant::now();
    let mut gen = itaku_synth::Generator::new(77, 600_000_000);
    let mut kana_sample = Vec::new();
    let mut kigo_sample = Vec::new();
    let mut ids_sample = Vec::new();
    let mut done = 0;
    while done < a.households {
        let n = 2_000.min(a.households - done);
        let residents: Vec<itaku_synth::Resident> = gen.by_ref().take(n).collect();
        let persons: Vec<NewPerson> = residents.iter().map(person).collect();
        svc.register_persons(&sys, &persons).await.unwrap();
        // New ward records have consecutive ids from the first one.
        let q = PersonQuery {
            text: residents[0].atena_no.to_string(),
            limit: 1,
        };
        let first = svc.search_persons(&sys, &q).await.unwrap()[0].id;
        let ids: Vec<i64> = (first..first + n as i64).collect();
        let hh: Vec<NewHousehold> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| household(done + i, *id, a.entries))
            .collect();
        let hids = svc.register_households(&sys, &hh).await.unwrap();
        for i in (0..n).step_by(97) {
            kigo_sample.push(kigo(done + i));
            ids_sample.push(hids[i]);
            if let Ok(k) = itaku_jp::KanaName::parse(&residents[i].kana) {
                kana_sample.push(k.as_str().to_owned());
            }
        }
        done += n;
        eprintln!(
            "  registered {done} households ({:.0} s)",
            t0.elapsed().as_secs_f64()
        );
    }
    let registered = t0.elapsed();

    let mut client = s.signed_in("kokuho-seiri").await;
    let cookie = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let probe = client
        .get(&format!("/ward/tainou/households/{}", ids_sample[0]))
        .await;
    assert_eq!(probe.status, 200);
    assert_eq!(
        probe.body.matches("<tr id=\"entry-").count(),
        a.entries,
        "the ledger shows every entry"
    );
    let probe = client
        .get(&format!("/ward/tainou?q={}", enc(&kigo_sample[0])))
        .await;
    assert!(probe.body.contains("household-hits"));

    let by_kigo: Arc<Vec<String>> = Arc::new(
        kigo_sample
            .iter()
            .map(|k| format!("/ward/tainou?q={}", enc(k)))
            .collect(),
    );
    let by_kana: Arc<Vec<String>> = Arc::new(
        kana_sample
            .iter()
            .map(|k| format!("/ward/tainou?q={}", enc(k)))
            .collect(),
    );
    let ledger: Arc<Vec<String>> = Arc::new(
        ids_sample
            .iter()
            .map(|i| format!("/ward/tainou/households/{i}"))
            .collect(),
    );
    let empty: Arc<Vec<String>> = Arc::new(vec!["/assets/empty-handler".to_owned()]);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    load(&http, &s.base, &cookie, ledger.clone(), a.clients, 2, None).await;
    println!(
        "households: {} × {} entries, 10 fiscal years (registered in {:.1} s), backend {:?}, {} clients, {} s per phase",
        a.households, a.entries, registered.as_secs_f64(), a.backend, a.clients, a.seconds
    );
    println!();
    println!("| phase | requests | errors | req/s | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    let e = load(&http, &s.base, &cookie, empty, a.clients, a.seconds, None).await;
    println!("{}", e.line("empty handler (anchor)"));
    let k = load(
        &http,
        &s.base,
        &cookie,
        by_kigo,
        a.clients,
        a.seconds,
        Some("household-hits"),
    )
    .await;
    println!("{}", k.line("search by 記号番号"));
    let n = load(
        &http,
        &s.base,
        &cookie,
        by_kana,
        a.clients,
        a.seconds,
        Some("検索結果"),
    )
    .await;
    println!("{}", n.line("search by カナ氏名"));
    let l = load(
        &http,
        &s.base,
        &cookie,
        ledger.clone(),
        a.clients,
        a.seconds,
        Some("交渉経過"),
    )
    .await;
    println!(
        "{}",
        l.line(&format!("open ledger ({} entries)", a.entries))
    );
    let one = load(
        &http,
        &s.base,
        &cookie,
        ledger,
        1,
        a.seconds.min(5),
        Some("交渉経過"),
    )
    .await;
    println!("{}", one.line("open ledger (1 client)"));
}
