//! Renders N synthetic postcards (default 50,000) in batches on all cores
//! and prints time, pages, bytes and peak RSS, next to an anchor measured
//! in the same run: the same number of pages, each one plain text line
//! (the card's address and name, or its title), rendered by typst with the
//! same fonts, batches and threads. The anchor is what typst itself costs
//! for that many pages; the ratio is what this crate's layout adds. CPU
//! time (all threads) is printed beside wall time: on a shared machine
//! wall time says as much about the neighbours as about this code.
//!
//! cargo run --release -p itaku-print --example bench_postcards -- [N] [--batch B] [--threads T] [--out DIR]

#[path = "../tests/common/sample.rs"]
mod sample;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use itaku_print::{plain_pages, postcards_parallel, Fonts, Postcard, PrintError};

/// Peak resident set size so far, from /proc/self/status (kB → MB).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system, all threads) used so far, in seconds, from
/// /proc/self/stat (fields 14 and 15, in clock ticks of 1/100 s: Linux's
/// USER_HZ).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The command name (field 2) may hold spaces; count after it.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Resets the peak (Linux: writing 5 to clear_refs), so each phase
/// reports its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Args {
    n: usize,
    batch: usize,
    threads: usize,
    out: Option<PathBuf>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        n: 50_000,
        batch: 200,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--batch" => a.batch = it.next().ok_or("--batch N")?.parse()?,
            "--threads" => a.threads = it.next().ok_or("--threads N")?.parse()?,
            "--out" => a.out = Some(it.next().ok_or("--out DIR")?.into()),
            n => a.n = n.parse()?,
        }
    }
    Ok(a)
}

/// The anchor: 2 × N plain pages, in the same batches on the same threads.
fn anchor(fonts: &Fonts, cards: &[Postcard], a: &Args) -> Result<(usize, usize), PrintError> {
    let lines: Vec<String> = cards
        .iter()
        .flat_map(|c| {
            [
                format!("{} {} {} 様", c.jusho, c.katagaki, c.shimei),
                c.message_title.clone(),
            ]
        })
        .collect();
    let chunks: Vec<&[String]> = lines.chunks(a.batch * 2).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..a.threads)
            .map(|_| {
                s.spawn(|| {
                    let (mut pages, mut bytes) = (0, 0);
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        let pdf = plain_pages(fonts, chunk)?;
                        pages += pdf.pages;
                        bytes += pdf.bytes.len();
                    }
                    Ok::<_, PrintError>((pages, bytes))
                })
            })
            .collect();
        let mut total = (0, 0);
        for h in handles {
            let (p, b) = h
                .join()
                .map_err(|_| PrintError::Compile("thread panicked".into()))??;
            total.0 += p;
            total.1 += b;
        }
        Ok(total)
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    println!(
        "postcards: N={} batch={} threads={}",
        a.n, a.batch, a.threads
    );

    let t = Instant::now();
    let fonts = Fonts::load_system()?;
    println!(
        "font loading:  {:.2} s, peak RSS {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let cards: Vec<Postcard> = (0..a.n).map(sample::card).collect();
    let sender = sample::sender();

    reset_peak();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let (pages, bytes) = anchor(&fonts, &cards, &a)?;
    let anchor_secs = t.elapsed().as_secs_f64();
    println!(
        "anchor (one plain line per page): {anchor_secs:.2} s, {pages} pages, {:.1} MB, peak RSS {:.0} MB, CPU {:.1} s",
        bytes as f64 / 1e6,
        peak_rss_mb(),
        cpu_secs() - cpu
    );

    reset_peak();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let (mut pages, mut bytes, mut files) = (0usize, 0usize, 0usize);
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir)?;
    }
    postcards_parallel(&fonts, &sender, &cards, a.batch, a.threads, |i, pdf| {
        pages += pdf.pages;
        bytes += pdf.bytes.len();
        if let Some(dir) = &a.out {
            std::fs::write(dir.join(format!("postcards-{i:05}.pdf")), &pdf.bytes)
                .map_err(|e| PrintError::Export(e.to_string()))?;
            files += 1;
        }
        Ok(())
    })?;
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    println!(
        "postcards:     {secs:.2} s, {pages} pages, {:.1} MB, peak RSS {:.0} MB, CPU {cpu:.1} s ({:.2} ms a card), {files} files written",
        bytes as f64 / 1e6,
        peak_rss_mb(),
        cpu * 1000.0 / a.n as f64
    );
    println!(
        "ratio to anchor: {:.2}x; {:.0} postcards/s",
        secs / anchor_secs,
        a.n as f64 / secs
    );
    Ok(())
}
