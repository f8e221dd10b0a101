//! Inquiry search over many people through the HTTP API, at 50 concurrent
//! clients on loopback, next to an empty handler of the same server in the
//! same run (issue 6). Not part of the test suite:
//!
//! ```sh
//! CARGO_PROFILE_BENCH_DEBUG=false cargo bench -p itaku-testkit --bench desk_search -- \
//!     --people 1000000 --seconds 10 --clients 50 [--postgres]
//! ```
//!
//! The people are synthetic residents (the same generator as the demo),
//! registered in the ward's vault and provided to the call-centre contract
//! through the service's own operations, so their fields are sealed and
//! their search tokens are the real ones. The desk operator (tdi-uketsuke)
//! then searches `/api/persons?contract=…&purpose=toiawase&q=…` with a mix
//! of the keys callers give: full kana name, birth date in 和暦, phone
//! number, voucher number. The empty handler is `/assets/<missing>`: the
//! same router, middleware and connection handling, and no work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{ContractId, Item, UserId};
use itaku_service::{Actor, NewPerson, PersonQuery};
use itaku_testkit::load::{load, Phase};
use itaku_testkit::{Backend, TestServer};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    people: usize,
    seconds: u64,
    clients: usize,
    backend: Backend,
}

fn args() -> Args {
    let mut a = Args {
        people: 1_000_000,
        seconds: 10,
        clients: 50,
        backend: Backend::Sqlite,
    };
    let v: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < v.len() {
        let next = || v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--people" => a.people = next().parse().expect("--people N"),
            "--seconds" => a.seconds = next().parse().expect("--seconds N"),
            "--clients" => a.clients = next().parse().expect("--clients N"),
            "--postgres" => {
                a.backend = Backend::Postgres;
                i -= 1;
            }
            // cargo bench passes --bench.
            _ => i -= 1,
        }
        i += 2;
    }
    a
}

/// A resident as the ward's register holds it.
fn person(r: &itaku_synth::Resident) -> NewPerson {
    let mut v = BTreeMap::new();
    v.insert(Item::AtenaNo, r.atena_no.to_string());
    v.insert(Item::JushinkenNo, r.jushinken_no.to_string());
    if let Ok(k) = itaku_jp::KanaName::parse(&r.kana) {
        v.insert(Item::KanaShimei, k.as_str().to_owned());
    }
    if let Ok(k) = itaku_jp::KanjiName::parse(&r.kanji) {
        v.insert(Item::Shimei, k.as_str().to_owned());
    }
    v.insert(Item::Seinengappi, r.birth_date.to_string());
    v.insert(Item::Seibetsu, r.sex.code().to_string());
    v.insert(Item::YubinBango, r.postal_code.clone());
    v.insert(Item::Jusho, r.jusho.clone());
    if !r.katagaki.is_empty() {
        v.insert(Item::Katagaki, r.katagaki.clone());
    }
    if let Some(p) = r
        .phone
        .as_deref()
        .and_then(|p| itaku_jp::Phone::parse(p).ok())
    {
        v.insert(Item::DenwaBango, p.formatted());
    }
    NewPerson { values: v }
}

/// The four ways a caller is looked up, from one resident.
fn queries(r: &itaku_synth::Resident) -> Vec<String> {
    let mut q = vec![
        itaku_jp::format_wareki_short(r.birth_date),
        r.jushinken_no.to_string(),
    ];
    if let Ok(k) = itaku_jp::KanaName::parse(&r.kana) {
        q.push(k.as_str().to_owned());
    }
    if let Some(p) = &r.phone {
        q.push(p.clone());
    }
    q
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let a = args();
    eprintln!(
        "desk search bench: {} people, {} clients, {} s per phase, {:?}",
        a.people, a.clients, a.seconds, a.backend
    );
    let s = TestServer::start(a.backend, 100)
        .await
        .expect("a test server (for --postgres set ITAKU_TEST_POSTGRES_URL)");
    let svc = &s.svc;
    let uketsuke = svc.user_id_by_login("tdi-uketsuke").await.unwrap().unwrap();
    let contract = svc.work_contexts(uketsuke).await.unwrap()[0].contract_id;
    let sys = Actor::system("検索ベンチマークの名簿");

    // Register the residents in the ward's vault, then provide them to the
    // desk's contract; both in chunks, through the audited operations.
    let t0 = Instant::now();
    let mut sample = Vec::new();
    let mut gen = itaku_synth::Generator::new(4242, 500_000_000);
    let mut first_atena = None;
    let chunk = 20_000;
    let mut done = 0;
    while done < a.people {
        let n = chunk.min(a.people - done);
        let residents: Vec<itaku_synth::Resident> = gen.by_ref().take(n).collect();
        first_atena.get_or_insert(residents[0].atena_no);
        for r in residents.iter().step_by(499) {
            sample.extend(queries(r));
        }
        let persons: Vec<NewPerson> = residents.iter().map(person).collect();
        svc.register_persons(&sys, &persons).await.unwrap();
        done += n;
        if done % 100_000 == 0 || done == a.people {
            eprintln!("  registered {done} ({:.0} s)", t0.elapsed().as_secs_f64());
        }
    }
    let registered = t0.elapsed();
    // The new ward records have consecutive ids from the first one.
    let first = svc
        .search_persons(
            &sys,
            &PersonQuery {
                text: first_atena.unwrap().to_string(),
                limit: 1,
            },
        )
        .await
        .unwrap()[0]
        .id;
    let t1 = Instant::now();
    let ids: Vec<i64> = (first..first + a.people as i64).collect();
    for (k, part) in ids.chunks(50_000).enumerate() {
        svc.provision(&sys, contract, Some(part)).await.unwrap();
        eprintln!(
            "  provided {} ({:.0} s)",
            (k + 1) * 50_000,
            t1.elapsed().as_secs_f64()
        );
    }
    let provided = t1.elapsed();
    if a.backend == Backend::Postgres {
        // What autovacuum does a while after a bulk load, done at once:
        // until then the planner's estimates walk index entries not yet
        // known to be visible (tens of ms per search, an artefact of
        // measuring right after loading).
        let out = std::process::Command::new("psql")
            .args([s.database_url.as_str(), "-qc", "VACUUM ANALYZE"])
            .output()
            .expect("psql (postgresql-client) to vacuum after the load");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let mut client = s.signed_in("tdi-uketsuke").await;
    let cookie = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    // Check once that a search answers with its person.
    let probe = client
        .get(&format!(
            "/api/persons?contract={contract}&purpose=toiawase&q={}",
            enc(&sample[1])
        ))
        .await;
    assert_eq!(probe.status, 200, "{}", probe.body);
    assert!(probe.json()["persons"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));

    let search: Arc<Vec<String>> = Arc::new(
        sample
            .iter()
            .map(|q| {
                format!(
                    "/api/persons?contract={contract}&purpose=toiawase&limit=20&q={}",
                    enc(q)
                )
            })
            .collect(),
    );
    let empty: Arc<Vec<String>> = Arc::new(vec!["/assets/empty-handler".to_owned()]);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Warm up connections and caches.
    load(&http, &s.base, &cookie, search.clone(), a.clients, 2, None).await;
    println!(
        "people: {} (registered in {:.1} s, provided in {:.1} s), backend {:?}, {} clients, {} s per phase",
        a.people,
        registered.as_secs_f64(),
        provided.as_secs_f64(),
        a.backend,
        a.clients,
        a.seconds
    );
    println!();
    println!("| phase | requests | errors | req/s | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    let e = load(
        &http,
        &s.base,
        &cookie,
        empty.clone(),
        a.clients,
        a.seconds,
        None,
    )
    .await;
    println!("{}", e.line("empty handler (HTTP)"));
    let q = load(
        &http,
        &s.base,
        &cookie,
        search.clone(),
        a.clients,
        a.seconds,
        None,
    )
    .await;
    println!("{}", q.line("inquiry search (HTTP)"));
    let one = load(
        &http,
        &s.base,
        &cookie,
        search.clone(),
        1,
        a.seconds.min(5),
        None,
    )
    .await;
    println!("{}", one.line("inquiry search (HTTP, 1 client)"));

    // The same searches in-process (no HTTP), at the same concurrency: the
    // service's own bound, audit entry included.
    let desk = Actor::user(
        UserId(uketsuke),
        Some("127.0.0.1".parse().unwrap()),
        "bench",
    )
    .in_contract(ContractId(contract), Some("toiawase".into()));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..a.clients {
        let svc = svc.clone();
        let desk = desk.clone();
        let sample = sample.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = c * 7919;
            while Instant::now() < deadline {
                let t = Instant::now();
                let q = PersonQuery {
                    text: sample[i % sample.len()].clone(),
                    limit: 20,
                };
                i += 1;
                if let Err(e) = svc.search_persons(&desk, &q).await {
                    if errors == 0 {
                        eprintln!("in-process search failed: {e}");
                    }
                    errors += 1;
                }
                lat.push(t.elapsed().as_micros() as u64);
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    let svc_phase = Phase::new(lat, errors, start.elapsed().as_secs_f64());

    println!("{}", svc_phase.line("inquiry search (in-process, no HTTP)"));

    // One task, the same queries split by the key the caller gave: where
    // the time goes when nothing queues.
    let mut by_kind: Vec<(&str, Vec<u64>)> =
        ["kana name", "birth date (和暦)", "phone", "voucher no."]
            .into_iter()
            .map(|k| (k, Vec::new()))
            .collect();
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    for text in sample.iter().cycle() {
        if Instant::now() >= deadline {
            break;
        }
        let kind = if text.contains('-') {
            2
        } else if text.chars().all(|c| c.is_ascii_digit()) {
            3
        } else if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
            1
        } else {
            0
        };
        let t = Instant::now();
        let q = PersonQuery {
            text: text.clone(),
            limit: 20,
        };
        let _ = svc.search_persons(&desk, &q).await;
        by_kind[kind].1.push(t.elapsed().as_micros() as u64);
    }
    for (kind, lat) in by_kind {
        let p = Phase::new(lat, 0, a.seconds as f64);
        println!("{}", p.line(&format!("by key, 1 task: {kind}")));
    }
    println!();
    println!(
        "search / empty throughput: {:.1}% (target ≥ 50%); search p99 {:.2} ms (target ≤ 5 ms)",
        100.0 * q.rps() / e.rps(),
        q.pct(0.99)
    );
}
