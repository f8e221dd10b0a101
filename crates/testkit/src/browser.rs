//! The browser side of the tests: one chromedriver per test binary, a
//! Chromium session per test with a fresh profile, and the helpers the
//! page tests share. Artifacts of failures go to `<workspace>/test-artifacts/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{Backend, TestServer, PASSWORD};
use fantoccini::elements::Element;
use fantoccini::{Client as WebDriver, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::any::Any;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const PEOPLE: u64 = 50;
/// How long one test's browsing may take before it counts as hung.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);
/// How long to wait for a page, an element or an htmx swap.
pub const WAIT: Duration = Duration::from_secs(10);
pub const SESSION_COOKIE: &str = "__Host-itaku_session";

// ---------------------------------------------------------------------------
// Chromium and chromedriver

pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

pub fn find_tool(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// The browser and its driver; `None` (after a note) when they are missing
/// on a developer's machine, a failure under CI.
pub fn tools() -> Option<Tools> {
    let chromium = find_tool(
        "ITAKU_CHROMIUM",
        &[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ],
    );
    let chromedriver = find_tool(
        "ITAKU_CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    );
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => {
            let missing = [
                ("Chromium", chromium.is_none()),
                ("chromedriver", chromedriver.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" and ");
            let how = "install the Debian packages `chromium` and `chromium-driver`, \
                       or point ITAKU_CHROMIUM / ITAKU_CHROMEDRIVER at them";
            assert!(!ci(), "browser tests: {missing} not found ({how}); CI is set, so this fails instead of skipping");
            eprintln!("browser tests skipped: {missing} not found ({how})");
            None
        }
    }
}

pub struct Driver {
    users: usize,
    child: Option<Child>,
    port: u16,
}

pub static DRIVER: Mutex<Driver> = Mutex::new(Driver {
    users: 0,
    child: None,
    port: 0,
});

/// At most this many Chromium sessions at once, whatever `--test-threads` says.
pub static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(3);

pub fn driver() -> MutexGuard<'static, Driver> {
    DRIVER.lock().unwrap_or_else(|e| e.into_inner())
}

/// A share of this binary's one chromedriver: the first share starts it, the
/// last one dropped stops it (and with it any browser left open).
pub struct DriverLease {
    url: String,
}

impl DriverLease {
    pub fn acquire(chromedriver: &Path) -> DriverLease {
        let mut d = driver();
        let alive = d
            .child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)));
        if !alive {
            // One more try: a driver that dies while starting is not the
            // pages' fault.
            let (child, port) = spawn_chromedriver(chromedriver)
                .or_else(|_| spawn_chromedriver(chromedriver))
                .unwrap_or_else(|e| panic!("{e}"));
            d.child = Some(child);
            d.port = port;
        }
        d.users += 1;
        DriverLease {
            url: format!("http://127.0.0.1:{}", d.port),
        }
    }
}

impl Drop for DriverLease {
    fn drop(&mut self) {
        let mut d = driver();
        d.users = d.users.saturating_sub(1);
        if d.users == 0 {
            if let Some(child) = d.child.take() {
                stop_chromedriver(child, d.port);
            }
        }
    }
}

/// chromedriver on a port of its own choosing (`--port=0`), read back from
/// its first lines; the rest of its output is drained so it never blocks.
pub fn spawn_chromedriver(path: &Path) -> Result<(Child, u16), String> {
    let mut child = Command::new(path)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let outputs: [Box<dyn Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("chromedriver's stdout is piped")),
        Box::new(child.stderr.take().expect("chromedriver's stderr is piped")),
    ];
    for output in outputs {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    drop(tx);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut said = Vec::new();
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let port = line
            .split("started successfully on port ")
            .nth(1)
            .and_then(|rest| rest.trim().trim_end_matches('.').parse::<u16>().ok());
        if let Some(port) = port {
            return Ok((child, port));
        }
        said.push(line);
    }
    let _ = child.kill();
    let status = child.wait();
    Err(format!(
        "{} did not report a listening port within 20 s ({status:?}); it said:\n{}",
        path.display(),
        said.join("\n")
    ))
}

/// `/shutdown` first (chromedriver quits its sessions' browsers), then kill.
pub fn stop_chromedriver(mut child: Child, port: u16) {
    if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        );
        let _ = s.write_all(request.as_bytes());
        let _ = s.read_to_end(&mut Vec::new());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub async fn new_session(driver_url: &str, chromium: &Path, profile: &Path) -> WebDriver {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=ja",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium, "args": args }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    caps.insert(
        "timeouts".into(),
        json!({ "pageLoad": 20_000, "script": 10_000, "implicit": 0 }),
    );
    // Plain HTTP to the local chromedriver: no TLS, so no certificate
    // store and no choice between the workspace's two rustls providers.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let session = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(driver_url)
        .await;
    session.unwrap_or_else(|e| panic!("chromedriver at {driver_url} gave no Chromium session: {e}"))
}

// ---------------------------------------------------------------------------
// Running a test: server, session, and artifacts on failure

pub fn artifacts_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace
        .canonicalize()
        .unwrap_or(workspace)
        .join("test-artifacts")
}

/// A screenshot and the page source of the failed test, for a person to
/// look at; the paths, for the failure message.
pub async fn save_artifacts(wd: &WebDriver, name: &str) -> String {
    let dir = artifacts_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return format!("(no artifacts: cannot create {}: {e})", dir.display());
    }
    let limit = Duration::from_secs(10);
    let mut saved = Vec::new();
    let png = dir.join(format!("{name}.png"));
    match tokio::time::timeout(limit, wd.screenshot()).await {
        Ok(Ok(bytes)) => match std::fs::write(&png, bytes) {
            Ok(()) => saved.push(format!("screenshot {}", png.display())),
            Err(e) => saved.push(format!("screenshot not written: {e}")),
        },
        Ok(Err(e)) => saved.push(format!("no screenshot: {e}")),
        Err(_) => saved.push("no screenshot: the browser did not answer".into()),
    }
    let html = dir.join(format!("{name}.html"));
    let url = match tokio::time::timeout(limit, wd.current_url()).await {
        Ok(Ok(u)) => u.to_string(),
        _ => "?".into(),
    };
    match tokio::time::timeout(limit, wd.source()).await {
        Ok(Ok(source)) => match std::fs::write(&html, format!("<!-- {url} -->\n{source}")) {
            Ok(()) => saved.push(format!("page source {}", html.display())),
            Err(e) => saved.push(format!("page source not written: {e}")),
        },
        Ok(Err(e)) => saved.push(format!("no page source: {e}")),
        Err(_) => saved.push("no page source: the browser did not answer".into()),
    }
    saved.join("; ")
}

pub fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(panic without a message)".into())
}

/// Run `body` in a fresh Chromium session against a fresh server. A panic
/// or a hang in `body` saves `<name>.png` and `<name>.html` before the test
/// fails; the session is closed either way.
pub async fn browse<F, Fut>(name: &str, backend: Backend, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    browse_with(name, backend, PEOPLE, body).await
}

/// [`browse`] on a demo ward of `people` residents (lists that need more
/// people than the default's few dozen).
pub async fn browse_with<F, Fut>(name: &str, backend: Backend, people: u64, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools() else { return };
    let postgres =
        std::env::var(itaku_service::testing::POSTGRES_ENV).is_ok_and(|v| !v.trim().is_empty());
    if backend == Backend::Postgres && !postgres {
        // `start` prints the skip note (or fails under CI).
        assert!(TestServer::start(backend, people).await.is_none());
        return;
    }
    let _slot = BROWSERS
        .acquire()
        .await
        .expect("the browser semaphore is never closed");
    let lease = DriverLease::acquire(&tools.chromedriver);
    let profile = tempfile::tempdir().expect("a temporary Chromium profile");
    // Seeding the ward and starting Chromium take about as long: together.
    let (server, wd) = tokio::join!(
        TestServer::start(backend, people),
        new_session(&lease.url, &tools.chromium, profile.path())
    );
    let Some(server) = server else {
        let _ = tokio::time::timeout(Duration::from_secs(10), wd.close()).await;
        panic!("{name}: the {backend:?} test server did not start");
    };
    let server = Arc::new(server);
    let browser = Browser {
        wd: wd.clone(),
        base: server.base.clone(),
        server,
        driver: lease.url.clone(),
    };
    let test = body(browser);
    let run = tokio::spawn(async move { tokio::time::timeout(TEST_LIMIT, test).await }).await;
    let failure = match run {
        Ok(Ok(())) => None,
        Ok(Err(_)) => Some(format!("{name}: did not finish within {TEST_LIMIT:?}")),
        Err(e) => Some(match e.try_into_panic() {
            Ok(p) => panic_message(p.as_ref()),
            Err(e) => format!("{name}: {e}"),
        }),
    };
    let saved = match &failure {
        Some(_) => save_artifacts(&wd, name).await,
        None => String::new(),
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), wd.close()).await;
    drop(lease);
    drop(profile);
    if let Some(message) = failure {
        panic!("{message}\n[{name}] {saved}");
    }
}

// ---------------------------------------------------------------------------
// The browser, as the tests use it

#[derive(Clone)]
pub struct Browser {
    pub wd: WebDriver,
    pub base: String,
    pub server: Arc<TestServer>,
    pub driver: String,
}

impl Browser {
    /// Size the window like a phone: 375 CSS pixels wide (headless
    /// Chromium draws no window frame, so this is the viewport).
    pub async fn phone(&self) {
        self.wd
            .set_window_size(375, 812)
            .await
            .expect("a phone-sized window");
    }

    /// Back to the desktop size the session started with.
    pub async fn desktop(&self) {
        self.wd
            .set_window_size(1280, 900)
            .await
            .expect("a desktop-sized window");
    }

    pub async fn open(&self, path: &str) {
        if let Err(e) = self.wd.goto(&format!("{}{path}", self.base)).await {
            panic!("cannot open {path}: {e}");
        }
    }

    pub async fn url(&self) -> url::Url {
        self.wd.current_url().await.expect("the current URL")
    }

    /// Path and query of the current page.
    pub async fn path(&self) -> String {
        let u = self.url().await;
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    pub async fn wait_until<F, Fut>(&self, what: &str, mut done: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            if done().await {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {WAIT:?} for {what}; the browser is at {}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until the page at `path` (no query) has loaded.
    pub async fn wait_for_path(&self, path: &str) {
        let me = self;
        self.wait_until(&format!("the page {path}"), move || async move {
            me.url().await.path() == path
                && me.js("return document.readyState", vec![]).await.as_str() == Some("complete")
        })
        .await;
    }

    pub async fn find_by(&self, locator: Locator<'_>) -> Element {
        match self.wd.wait().at_most(WAIT).for_element(locator).await {
            Ok(e) => e,
            Err(e) => panic!("no {locator:?} on {}: {e}", self.path().await),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css)).await
    }

    /// The rendered text of the first element matching `css`, once there is
    /// one. Read in one script, so an htmx swap cannot make it stale.
    pub async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let script =
                "const e = document.querySelector(arguments[0]); return e && e.innerText.trim();";
            if let Some(text) = self.js(script, vec![json!(css)]).await.as_str() {
                return text.to_owned();
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {WAIT:?} for {css}; the browser is at {}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The texts of every element matching `css` (none is fine), read in
    /// one script.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let v = self
            .js(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());",
                vec![json!(css)],
            )
            .await;
        serde_json::from_value(v).expect("a list of texts")
    }

    pub async fn count(&self, css: &str) -> usize {
        self.texts(css).await.len()
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.wd.execute(script, args).await {
            Ok(v) => v,
            Err(e) => panic!("script failed on {}: {e}\n{script}", self.path().await),
        }
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear a field");
        e.send_keys(value).await.expect("type into a field");
    }

    /// Click the first element matching `css`. A page still being replaced
    /// (a form just posted to the same address) can hand back an element
    /// that is gone by the time it is clicked; such a click did not happen,
    /// so it is tried again on the page that replaced it.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.find(css).await.click().await {
                Ok(_) => return,
                Err(e) if e.is_stale_element_reference() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("click {css} on {}: {e}", self.path().await),
            }
        }
    }

    pub async fn click_link(&self, text: &str) {
        self.find_by(Locator::LinkText(text))
            .await
            .click()
            .await
            .expect("click a link");
    }

    /// Follow the main menu's entry `label` to `path`.
    pub async fn menu(&self, label: &str, path: &str) {
        let xpath = format!("//nav[@class='main']/a[normalize-space()='{label}']");
        self.find_by(Locator::XPath(&xpath))
            .await
            .click()
            .await
            .expect("click a menu entry");
        self.wait_for_path(path).await;
        assert_eq!(
            self.text("nav.main a[aria-current='page']").await,
            label,
            "the current menu entry"
        );
    }

    pub async fn menu_entries(&self) -> Vec<String> {
        self.texts("nav.main a").await
    }

    pub async fn has_session_cookie(&self) -> bool {
        let cookies = self.wd.get_all_cookies().await.expect("cookies");
        cookies.iter().any(|c| c.name() == SESSION_COOKIE)
    }

    /// Fill in and send the sign-in form on the current page.
    pub async fn submit_sign_in(&self, login: &str, password: &str, code: &str) {
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.fill("#totp", code).await;
        self.click("form[action='/signin'] button[type='submit']")
            .await;
    }

    /// Sign in as a demo user with the right password and current code.
    pub async fn sign_in(&self, login: &str) {
        self.open("/signin").await;
        self.wait_for_path("/signin").await;
        let code = self.server.totp(login);
        self.submit_sign_in(login, PASSWORD, &code).await;
        self.wait_for_path("/dashboard").await;
        assert!(
            self.has_session_cookie().await,
            "signed in without a session cookie"
        );
    }

    pub async fn sign_out(&self) {
        self.click("header.top form[action='/signout'] button")
            .await;
        self.wait_for_path("/signin").await;
    }

    /// Errors the browser logged (script errors, CSP refusals, failed
    /// loads) since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let sid = self
            .wd
            .session_id()
            .await
            .expect("session id")
            .expect("a live session");
        let reply = reqwest::Client::new()
            .post(format!("{}/session/{sid}/se/log", self.driver))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("chromedriver's log endpoint");
        let log: Value = reply.json().await.expect("chromedriver's log as JSON");
        log["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Everything the current page loaded or refers to is on the server: the
    /// document, each resource the browser fetched (Resource Timing), every
    /// link, script, stylesheet and form target; the source names no other
    /// `http(s)://` address; and the console shows no error (a refused or
    /// failed load would be one).
    pub async fn assert_stays_on_server(&self) {
        let origin = format!("{}/", self.base);
        let page = self.path().await;
        let seen = self
            .js(
                r#"const refs = [document.URL, document.baseURI];
                   for (const e of performance.getEntriesByType('navigation')) refs.push(e.name);
                   for (const el of document.querySelectorAll('[href], [src], [action]'))
                     refs.push(el.href || el.src || el.action);
                   return { refs, resources: performance.getEntriesByType('resource').map(e => e.name) };"#,
                vec![],
            )
            .await;
        let list = |v: &Value| -> Vec<String> {
            v.as_array()
                .expect("a list of URLs")
                .iter()
                .map(|u| u.as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let resources = list(&seen["resources"]);
        for asset in ["/assets/itaku.css", "/assets/htmx.min.js"] {
            let want = format!("{}{asset}", self.base);
            assert!(
                resources.contains(&want),
                "{page}: {asset} not among the loaded resources {resources:?}"
            );
        }
        for u in resources.iter().chain(list(&seen["refs"]).iter()) {
            assert!(
                u.starts_with(&origin),
                "{page} reached for {u}, outside {origin}"
            );
        }
        let source = self.wd.source().await.expect("page source");
        for scheme in ["http://", "https://"] {
            for (i, _) in source.match_indices(scheme) {
                let at: String = source[i..].chars().take(80).collect();
                assert!(
                    at.starts_with(&origin),
                    "{page}: the source names an outside address: {at}"
                );
            }
        }
        // The server has no /favicon.ico; Chromium asks for it on its own
        // (not the page), and the 404 stays on the server.
        let favicon = format!("{}/favicon.ico ", self.base);
        let mut errors = self.console_errors().await;
        errors.retain(|e| !e.starts_with(&favicon));
        assert!(
            errors.is_empty(),
            "{page}: the browser logged errors: {errors:?}"
        );
    }
}

/// The tests, each on SQLite and (when configured) on PostgreSQL: a
/// `sqlite` and a `postgres` module in the calling file, each test running
/// `super::<name>(Browser)` in its own session.
#[macro_export]
macro_rules! browser_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::browser::browse(concat!(stringify!($name), "-sqlite"), $crate::Backend::Sqlite, super::$name).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::browser::browse(concat!(stringify!($name), "-postgres"), $crate::Backend::Postgres, super::$name).await;
            })*
        }
    };
}
