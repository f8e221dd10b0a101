//! The HTTP load generator the benchmarks share: `clients` keep-alive loops
//! on loopback, each sending its next path until the deadline, and the
//! latency figures the benchmark tables print.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// One measured phase: every request's latency, sorted.
pub struct Phase {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub lat_us: Vec<u64>,
}

impl Phase {
    /// From unsorted latencies.
    pub fn new(mut lat_us: Vec<u64>, errors: usize, seconds: f64) -> Self {
        lat_us.sort_unstable();
        Self {
            requests: lat_us.len(),
            errors,
            seconds,
            lat_us,
        }
    }
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    /// The `p` quantile in milliseconds (nearest rank).
    pub fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return 0.0;
        }
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        self.lat_us[i] as f64 / 1000.0
    }
    /// A row of the benchmark table: phase, requests, errors, req/s, p50,
    /// p99, max.
    pub fn line(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            self.requests,
            self.errors,
            self.rps(),
            self.pct(0.5),
            self.pct(0.99),
            self.pct(1.0)
        )
    }
}

/// `clients` loops, each sending its next path (GET, with the session
/// cookie) for `secs` seconds. A request counts as an error unless it
/// answers 200 or 404 (the empty handler's answer) and, when `must` is
/// given, its body contains it.
pub async fn load(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    paths: Arc<Vec<String>>,
    clients: usize,
    secs: u64,
    must: Option<&'static str>,
) -> Phase {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, base, cookie, paths) = (
            http.clone(),
            base.to_owned(),
            cookie.to_owned(),
            paths.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0;
            let mut i = c * 7919;
            while Instant::now() < deadline && !paths.is_empty() {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                let ok = match http
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        match r.text().await {
                            Ok(body) => {
                                (status == 200 || status == 404)
                                    && must.is_none_or(|m| body.contains(m))
                            }
                            Err(_) => false,
                        }
                    }
                    Err(_) => false,
                };
                lat.push(t.elapsed().as_micros() as u64);
                if !ok {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((l, e)) => {
                all.extend(l);
                errors += e;
            }
            // A client that died is a failed client, not a silent gap.
            Err(_) => errors += 1,
        }
    }
    Phase::new(all, errors, start.elapsed().as_secs_f64())
}
