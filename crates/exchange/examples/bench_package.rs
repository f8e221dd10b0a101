//! Throughput of our writer and reader against the `rage` CLI on the same
//! payload.
//!
//! ```text
//! cargo run --release -p itaku-exchange --example bench_package -- [MB] [RAGE]
//! ```
//!
//! `MB` defaults to 1024; `RAGE` to `$RAGE` or `rage` on the PATH. `REPS`
//! (default 3) runs per step, the best kept; `STEPS=write,read,rage` (say)
//! runs only those of gen, write, writegen, read, rage. Files go
//! to a temporary directory under `$TMPDIR`. Prints one line per step and
//! the ratios; BENCHMARKS.md at the repository root records the numbers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::Command;
use std::time::Instant;

use itaku_exchange::{
    read_package, write_package, Code, ContractId, ContractName, ExchangeIdentity, Expectation,
    ExposeSecret, ManifestFields, OrgName, PackageKind, Recipient, Record, Timestamp, Unlock,
};

const ITEMS: [&str; 6] = [
    "shimei",
    "kana_shimei",
    "jusho",
    "yubin_bango",
    "denwa_bango",
    "seinengappi",
];

/// A deterministic synthetic record, about 300 bytes of JSON.
fn record(i: u64) -> Record {
    let values = [
        format!("新宿 花子{}", i % 9973),
        format!("シンジュク ハナコ{}", i % 9973),
        format!(
            "東京都新宿区歌舞伎町{}丁目{}番{}号 新宿ハイツ{}号室",
            i % 5 + 1,
            i % 31 + 1,
            i % 17 + 1,
            i % 997
        ),
        format!("{:07}", 1_600_000 + i % 99_999),
        format!("03-{:04}-{:04}", i % 10_000, (i * 7) % 10_000),
        format!("19{:02}-{:02}-{:02}", 30 + i % 60, i % 12 + 1, i % 28 + 1),
    ];
    Record {
        id: itaku_exchange::RecordId::new(&format!("T{i:010}")).unwrap(),
        values: ITEMS
            .iter()
            .zip(values)
            .map(|(k, v)| (Code::new(k).unwrap(), v))
            .collect(),
    }
}

/// Enough records for their JSON Lines to reach about `bytes` (sized from
/// a sample, so generating them costs no extra serialisation).
fn records(bytes: u64) -> impl Iterator<Item = Record> {
    let sample: u64 = (0..1000)
        .map(|i| serde_json::to_vec(&record(i)).unwrap().len() as u64 + 1)
        .sum();
    let n = bytes * 1000 / sample;
    (0..n).map(record)
}

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1_048_576.0 / secs
}

/// Wall-clock and CPU seconds of one run of a step.
#[derive(Clone, Copy)]
struct Time {
    wall: f64,
    cpu: f64,
}

const SKIPPED: Time = Time {
    wall: f64::NAN,
    cpu: f64::NAN,
};

/// CPU seconds used so far by this process (all threads) and by its
/// waited-for children (rage), from /proc/self/stat.
fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the parenthesised command name; utime is field 14.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11..15]
        .iter()
        .map(|f| f.parse::<u64>().unwrap())
        .sum();
    ticks as f64 / 100.0 // USER_HZ
}

fn timed(f: impl FnOnce()) -> Time {
    let (cpu, start) = (cpu_now(), Instant::now());
    f();
    Time {
        wall: start.elapsed().as_secs_f64(),
        cpu: cpu_now() - cpu,
    }
}

fn run(cmd: &mut Command) -> Time {
    timed(|| {
        let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert!(status.success(), "{cmd:?} failed");
    })
}

/// Best (least disturbed) of `reps` runs, by wall-clock time.
fn best_of(reps: usize, mut f: impl FnMut() -> Time) -> Time {
    (0..reps).map(|_| f()).fold(SKIPPED, |best, t| {
        if best.wall.is_nan() || t.wall < best.wall {
            t
        } else {
            best
        }
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: u64 = args.next().map(|a| a.parse().unwrap()).unwrap_or(1024);
    let rage = args
        .next()
        .or_else(|| std::env::var("RAGE").ok())
        .unwrap_or_else(|| "rage".into());
    let reps: usize = std::env::var("REPS")
        .ok()
        .map(|r| r.parse().unwrap())
        .unwrap_or(3);
    let target = mb * 1_048_576;
    // STEPS=write,rage (say) runs only those optional steps; default all.
    let steps = std::env::var("STEPS").ok();
    let step = |name: &str| {
        steps
            .as_deref()
            .is_none_or(|s| s.split(',').any(|x| x == name))
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);

    let ward = ExchangeIdentity::generate(OrgName::new("甲").unwrap());
    let contractor = ExchangeIdentity::generate(OrgName::new("乙").unwrap());
    let items: BTreeSet<Code> = ITEMS.iter().map(|c| Code::new(c).unwrap()).collect();
    let fields = ManifestFields {
        kind: PackageKind::Provision,
        contract_id: ContractId::new("BENCH-1").unwrap(),
        contract_name: ContractName::new("ベンチマーク").unwrap(),
        purposes: BTreeSet::new(),
        items: items.clone(),
        created_at: Timestamp::new("2027-04-01T09:00:00+09:00").unwrap(),
    };
    let expect = Expectation {
        contract_id: ContractId::new("BENCH-1").unwrap(),
        allowed_items: items,
        kind: PackageKind::Provision,
    };
    let to = contractor.public();

    // The same payload as a plain file, for rage (not timed).
    {
        let mut plain = BufWriter::new(File::create(path("plain.jsonl")).unwrap());
        for r in records(target) {
            serde_json::to_writer(&mut plain, &r).unwrap();
            plain.write_all(b"\n").unwrap();
        }
        plain.flush().unwrap();
    }
    let payload = std::fs::metadata(path("plain.jsonl")).unwrap().len();
    println!(
        "payload: {:.1} MB of JSON Lines in {}, best of {reps} runs",
        payload as f64 / 1_048_576.0,
        dir.path().display()
    );
    let count = records(target).count() as u64;

    // Generating the records alone, to see what the writer's time includes.
    let t_gen = if step("gen") {
        best_of(reps, || {
            timed(|| assert_eq!(records(target).count() as u64, count))
        })
    } else {
        SKIPPED
    };

    let write = |records: Box<dyn Iterator<Item = Record>>| {
        let out = BufWriter::with_capacity(1 << 20, File::create(path("ours.age")).unwrap());
        let summary =
            write_package(out, &ward, Recipient::Key(&to), fields.clone(), records).unwrap();
        assert_eq!(summary.manifest.record_count, count);
    };
    // The records already in memory (as rage's input is already in the page
    // cache): what write_package itself costs, dropping the records included.
    let t_write = if step("write") {
        best_of(reps, || {
            let all: Vec<Record> = records(target).collect();
            timed(|| write(Box::new(all.into_iter())))
        })
    } else {
        SKIPPED
    };
    // The same, generating each record as it is written.
    let t_write_gen = if step("writegen") || !path("ours.age").exists() {
        best_of(reps, || timed(|| write(Box::new(records(target)))))
    } else {
        SKIPPED
    };

    let mut t_verify = SKIPPED;
    let t_read = if step("read") {
        best_of(reps, || {
            let mut package = None;
            let verify = timed(|| {
                let input = File::open(path("ours.age")).unwrap();
                package = Some(
                    read_package(
                        input,
                        Unlock::Identity(&contractor),
                        &[ward.public()],
                        &expect,
                    )
                    .unwrap(),
                );
            });
            let records = timed(|| {
                let mut seen = 0u64;
                for r in package.take().unwrap().into_records().unwrap() {
                    seen += r.unwrap().values.len() as u64;
                }
                assert_eq!(seen, count * ITEMS.len() as u64);
            });
            if t_verify.wall.is_nan() || verify.wall < t_verify.wall {
                t_verify = verify;
            }
            Time {
                wall: verify.wall + records.wall,
                cpu: verify.cpu + records.cpu,
            }
        })
    } else {
        SKIPPED
    };

    // rage with the same X25519 key pair.
    let secret = contractor.to_secret_text();
    let table: toml::Table = secret.expose_secret().parse().unwrap();
    let key_file = path("key.txt");
    std::fs::write(&key_file, table["age_identity"].as_str().unwrap()).unwrap();
    let (t_rage_enc, t_rage_dec, t_layer, rage_name) = if step("rage") {
        let enc = best_of(reps, || {
            run(Command::new(&rage)
                .args(["-e", "-r", &to.age_recipient(), "-o"])
                .arg(path("rage.age"))
                .arg(path("plain.jsonl")))
        });
        let dec = best_of(reps, || {
            run(Command::new(&rage)
                .args(["-d", "-i"])
                .arg(&key_file)
                .arg("-o")
                .arg(path("rage.out"))
                .arg(path("rage.age")))
        });
        // Our age layer alone (the function read_package decrypts with), on
        // rage's file and to a file, as rage -d does.
        let layer = best_of(reps, || {
            timed(|| {
                let keys =
                    itaku_exchange::agefile::AgeKeys::from_unlock(&Unlock::Identity(&contractor));
                let mut plain =
                    itaku_exchange::agefile::open(File::open(path("rage.age")).unwrap(), &keys)
                        .unwrap();
                let mut sink = BufWriter::with_capacity(
                    1 << 20,
                    File::create(path("ours-age-layer.out")).unwrap(),
                );
                std::io::copy(&mut plain, &mut sink).unwrap();
                sink.flush().unwrap();
            })
        });
        let version = Command::new(&rage).arg("--version").output().unwrap();
        let name = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        (enc, dec, layer, name)
    } else {
        (SKIPPED, SKIPPED, SKIPPED, "rage".to_owned())
    };

    let line = |what: &str, t: Time| {
        println!(
            "{what:<40}{:7.2} s {:8.1} MB/s  CPU {:6.2} s",
            t.wall,
            mb_per_s(payload, t.wall),
            t.cpu
        )
    };
    line(&format!("generate {count} records only"), t_gen);
    line("ours: write_package, records in memory", t_write);
    line("ours: write_package, generating them", t_write_gen);
    line("ours: read_package (verify only)", t_verify);
    line("ours: read_package + all records", t_read);
    line("ours: age layer only, decrypt to file", t_layer);
    line(&format!("{rage_name}: encrypt"), t_rage_enc);
    line(&format!("{rage_name}: decrypt"), t_rage_dec);
    let ratio = |what: &str, ours: Time, theirs: Time| {
        println!(
            "ratio {what:<34}{:5.2}   (CPU {:.2})",
            ours.wall / theirs.wall,
            ours.cpu / theirs.cpu
        )
    };
    ratio("write (in memory) / rage -e:", t_write, t_rage_enc);
    ratio("write (generating) / rage -e:", t_write_gen, t_rage_enc);
    ratio("read + records / rage -d:", t_read, t_rage_dec);
    ratio("age layer decrypt / rage -d:", t_layer, t_rage_dec);
    let sum = |a: Time, b: Time| Time {
        wall: a.wall + b.wall,
        cpu: a.cpu + b.cpu,
    };
    ratio(
        "round trip / rage round trip:",
        sum(t_write, t_read),
        sum(t_rage_enc, t_rage_dec),
    );
    println!(
        "load average at the end: {}",
        std::fs::read_to_string("/proc/loadavg").unwrap().trim()
    );
}
