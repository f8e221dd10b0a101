//! The Japanese pages in a real headless Chromium, driven over WebDriver
//! (fantoccini + chromedriver) against a real server with the demo ward, on
//! SQLite and, when `ITAKU_TEST_POSTGRES_URL` is set, on PostgreSQL.
//!
//! One chromedriver serves the whole test binary (started by the first test
//! that needs it, stopped by the last); every test gets its own Chromium
//! session with a fresh profile and its own server. When a test fails, a
//! screenshot and the page source are left in `<workspace>/test-artifacts/`.
//! Without Chromium or chromedriver the tests are skipped, unless `CI` is
//! set: then they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::elements::Element;
use fantoccini::{Client as WebDriver, ClientBuilder, Locator};
use itaku_testkit::{Backend, TestServer, PASSWORD};
use serde_json::{json, Value};
use std::any::Any;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const PEOPLE: u64 = 50;
/// How long one test's browsing may take before it counts as hung.
const TEST_LIMIT: Duration = Duration::from_secs(120);
/// How long to wait for a page, an element or an htmx swap.
const WAIT: Duration = Duration::from_secs(10);
const SESSION_COOKIE: &str = "__Host-itaku_session";

// ---------------------------------------------------------------------------
// Chromium and chromedriver

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn find_tool(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// The browser and its driver; `None` (after a note) when they are missing
/// on a developer's machine, a failure under CI.
fn tools() -> Option<Tools> {
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

struct Driver {
    users: usize,
    child: Option<Child>,
    port: u16,
}

static DRIVER: Mutex<Driver> = Mutex::new(Driver {
    users: 0,
    child: None,
    port: 0,
});

/// At most this many Chromium sessions at once, whatever `--test-threads` says.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(3);

fn driver() -> MutexGuard<'static, Driver> {
    DRIVER.lock().unwrap_or_else(|e| e.into_inner())
}

/// A share of this binary's one chromedriver: the first share starts it, the
/// last one dropped stops it (and with it any browser left open).
struct DriverLease {
    url: String,
}

impl DriverLease {
    fn acquire(chromedriver: &Path) -> DriverLease {
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
fn spawn_chromedriver(path: &Path) -> Result<(Child, u16), String> {
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
fn stop_chromedriver(mut child: Child, port: u16) {
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

async fn new_session(driver_url: &str, chromium: &Path, profile: &Path) -> WebDriver {
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

fn artifacts_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace
        .canonicalize()
        .unwrap_or(workspace)
        .join("test-artifacts")
}

/// A screenshot and the page source of the failed test, for a person to
/// look at; the paths, for the failure message.
async fn save_artifacts(wd: &WebDriver, name: &str) -> String {
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

fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(panic without a message)".into())
}

/// Run `body` in a fresh Chromium session against a fresh server. A panic
/// or a hang in `body` saves `<name>.png` and `<name>.html` before the test
/// fails; the session is closed either way.
async fn browse<F, Fut>(name: &str, backend: Backend, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools() else { return };
    let postgres =
        std::env::var(itaku_service::testing::POSTGRES_ENV).is_ok_and(|v| !v.trim().is_empty());
    if backend == Backend::Postgres && !postgres {
        // `start` prints the skip note (or fails under CI).
        assert!(TestServer::start(backend, PEOPLE).await.is_none());
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
        TestServer::start(backend, PEOPLE),
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

/// The tests, each on SQLite and (when configured) on PostgreSQL.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::browse(concat!(stringify!($name), "-sqlite"), itaku_testkit::Backend::Sqlite, super::$name).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::browse(concat!(stringify!($name), "-postgres"), itaku_testkit::Backend::Postgres, super::$name).await;
            })*
        }
    };
}

// ---------------------------------------------------------------------------
// The browser, as the tests use it

#[derive(Clone)]
struct Browser {
    wd: WebDriver,
    base: String,
    server: Arc<TestServer>,
    driver: String,
}

impl Browser {
    async fn open(&self, path: &str) {
        if let Err(e) = self.wd.goto(&format!("{}{path}", self.base)).await {
            panic!("cannot open {path}: {e}");
        }
    }

    async fn url(&self) -> url::Url {
        self.wd.current_url().await.expect("the current URL")
    }

    /// Path and query of the current page.
    async fn path(&self) -> String {
        let u = self.url().await;
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    async fn wait_until<F, Fut>(&self, what: &str, mut done: F)
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
    async fn wait_for_path(&self, path: &str) {
        let me = self;
        self.wait_until(&format!("the page {path}"), move || async move {
            me.url().await.path() == path
                && me.js("return document.readyState", vec![]).await.as_str() == Some("complete")
        })
        .await;
    }

    async fn find_by(&self, locator: Locator<'_>) -> Element {
        match self.wd.wait().at_most(WAIT).for_element(locator).await {
            Ok(e) => e,
            Err(e) => panic!("no {locator:?} on {}: {e}", self.path().await),
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css)).await
    }

    /// The rendered text of the first element matching `css`, once there is
    /// one. Read in one script, so an htmx swap cannot make it stale.
    async fn text(&self, css: &str) -> String {
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
    async fn texts(&self, css: &str) -> Vec<String> {
        let v = self
            .js(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());",
                vec![json!(css)],
            )
            .await;
        serde_json::from_value(v).expect("a list of texts")
    }

    async fn count(&self, css: &str) -> usize {
        self.texts(css).await.len()
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.wd.execute(script, args).await {
            Ok(v) => v,
            Err(e) => panic!("script failed on {}: {e}\n{script}", self.path().await),
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear a field");
        e.send_keys(value).await.expect("type into a field");
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    async fn click_link(&self, text: &str) {
        self.find_by(Locator::LinkText(text))
            .await
            .click()
            .await
            .expect("click a link");
    }

    /// Follow the main menu's entry `label` to `path`.
    async fn menu(&self, label: &str, path: &str) {
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

    async fn menu_entries(&self) -> Vec<String> {
        self.texts("nav.main a").await
    }

    async fn has_session_cookie(&self) -> bool {
        let cookies = self.wd.get_all_cookies().await.expect("cookies");
        cookies.iter().any(|c| c.name() == SESSION_COOKIE)
    }

    /// Fill in and send the sign-in form on the current page.
    async fn submit_sign_in(&self, login: &str, password: &str, code: &str) {
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.fill("#totp", code).await;
        self.click("form[action='/signin'] button[type='submit']")
            .await;
    }

    /// Sign in as a demo user with the right password and current code.
    async fn sign_in(&self, login: &str) {
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

    async fn sign_out(&self) {
        self.click("header.top form[action='/signout'] button")
            .await;
        self.wait_for_path("/signin").await;
    }

    /// Errors the browser logged (script errors, CSP refusals, failed
    /// loads) since the last call.
    async fn console_errors(&self) -> Vec<String> {
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
    async fn assert_stays_on_server(&self) {
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

// ---------------------------------------------------------------------------
// The tests

/// 1. The sign-in page is Japanese, and styled by the server's stylesheet.
async fn signin_page_is_japanese_and_styled(b: Browser) {
    b.open("/").await;
    b.wait_for_path("/signin").await;
    assert_eq!(b.wd.title().await.expect("title"), "サインイン | itaku");
    assert_eq!(b.text("main h1").await, "サインイン");
    assert_eq!(b.text("label[for='login']").await, "ログインID");
    assert_eq!(b.text("label[for='password']").await, "パスワード");
    assert_eq!(
        b.text("label[for='totp']").await,
        "確認コード（認証アプリの6桁）"
    );
    assert_eq!(b.text("form[action='/signin'] button").await, "サインイン");
    assert!(b
        .text("header.top .brand")
        .await
        .contains("委託業務個人情報管理"));
    assert!(
        b.menu_entries().await.is_empty(),
        "a menu before signing in"
    );
    assert_eq!(
        b.count("header.top .who").await,
        0,
        "a user shown before signing in"
    );

    let doc = b
        .js(
            "return { lang: document.documentElement.lang, charset: document.characterSet,
                      sheets: [...document.styleSheets].map(s => [s.href, s.cssRules.length]) };",
            vec![],
        )
        .await;
    assert_eq!(doc["lang"], "ja");
    assert_eq!(doc["charset"], "UTF-8");
    let sheets = doc["sheets"].as_array().expect("style sheets");
    let own = json!(format!("{}/assets/itaku.css", b.base));
    assert!(
        sheets
            .iter()
            .any(|sh| sh[0] == own && sh[1].as_u64().unwrap_or(0) > 20),
        "itaku.css is not applied (or has no rules): {sheets:?}"
    );
    assert!(
        sheets.iter().all(|sh| sh[0]
            .as_str()
            .is_some_and(|h| h.starts_with(&format!("{}/", b.base)))),
        "a style sheet from elsewhere: {sheets:?}"
    );

    // Computed styles that only itaku.css gives (the defaults would be a
    // transparent block header, an unbounded card and serif text).
    let style = b
        .js(
            "const s = (q, p) => getComputedStyle(document.querySelector(q)).getPropertyValue(p);
             return { header: s('header.top', 'background-color'), display: s('header.top', 'display'),
                      card: s('.signin', 'max-width'), font: s('body', 'font-family'),
                      button: s('form[action=\"/signin\"] button', 'background-color'),
                      h1: s('.signin h1', 'text-align'),
                      width: document.querySelector('.signin h1').getBoundingClientRect().width };",
            vec![],
        )
        .await;
    assert_eq!(style["header"], "rgb(11, 83, 148)", "header: {style}");
    assert_eq!(style["display"], "flex", "header: {style}");
    assert_eq!(style["button"], "rgb(11, 83, 148)", "button: {style}");
    assert_eq!(style["card"], "416px", "sign-in card: {style}");
    assert_eq!(style["h1"], "center", "heading: {style}");
    assert!(
        style["font"]
            .as_str()
            .unwrap_or_default()
            .starts_with("\"BIZ UDPGothic\""),
        "font: {style}"
    );
    assert!(
        style["width"].as_f64().unwrap_or(0.0) > 50.0,
        "the heading takes no room: {style}"
    );
    b.assert_stays_on_server().await;
}

/// 2. A wrong password shows the Japanese error, signs nobody in, and the
///    re-rendered form (with a fresh pre-session token) still works.
async fn wrong_password_shows_the_japanese_error(b: Browser) {
    b.open("/signin").await;
    b.wait_for_path("/signin").await;
    assert_eq!(
        b.count("#signin-error").await,
        0,
        "an error before any attempt"
    );
    let code = b.server.totp("mirai-denwa");
    b.submit_sign_in("mirai-denwa", "itaku-demo-2025", &code)
        .await;
    let error = b.find("#signin-error").await;
    assert_eq!(
        error.text().await.expect("error text"),
        "ログインID、パスワードまたは確認コードが違います。"
    );
    assert_eq!(
        error.attr("role").await.expect("role"),
        Some("alert".into())
    );
    assert_eq!(b.url().await.path(), "/signin");
    assert_eq!(b.wd.title().await.expect("title"), "サインイン | itaku");
    let login = b.find("#login").await.prop("value").await.expect("value");
    assert_eq!(login.as_deref(), Some("mirai-denwa"), "the login is kept");
    let password = b
        .find("#password")
        .await
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        password.as_deref(),
        Some(""),
        "the password is not sent back"
    );
    assert!(
        !b.has_session_cookie().await,
        "a session after a wrong password"
    );
    assert_eq!(b.count("header.top .who").await, 0);
    b.open("/dashboard").await;
    b.wait_for_path("/signin").await;

    b.submit_sign_in(
        "mirai-denwa",
        "itaku-demo-2025",
        &b.server.totp("mirai-denwa"),
    )
    .await;
    b.find("#signin-error").await;
    b.fill("#password", PASSWORD).await;
    b.fill("#totp", &b.server.totp("mirai-denwa")).await;
    b.click("form[action='/signin'] button[type='submit']")
        .await;
    b.wait_for_path("/dashboard").await;
    assert!(b.text("header.top .who").await.contains("電話 桜子"));
}

/// A family name (the kana before the space) from the residents' table
/// that not every row shares.
async fn family_name_in_table(b: &Browser) -> String {
    let kana = b.texts("#results tbody tr td:nth-child(3)").await;
    kana.iter()
        .filter_map(|k| k.split([' ', '　']).next())
        .find(|f| !f.is_empty() && kana.iter().filter(|k| k.contains(f)).count() < kana.len())
        .map(str::to_owned)
        .expect("a family name that not everybody has")
}

/// Type into the live search and wait for htmx to swap in the answer.
async fn search(b: &Browser, text: &str) {
    b.find("#q")
        .await
        .send_keys(text)
        .await
        .expect("type into the search");
    b.wait_until("the htmx search to replace the table", move || async move {
        b.texts("#results .muted")
            .await
            .iter()
            .any(|s| s.starts_with('「'))
    })
    .await;
}

/// 3. The phone-outreach handler sees exactly the purpose's columns, opens
///    one person, and the htmx live search narrows the table in place.
async fn handler_sees_only_the_purpose_and_searches_live(b: Browser) {
    b.sign_in("mirai-denwa").await;
    assert!(b
        .text("header.top .who")
        .await
        .contains("電話 桜子（取扱者）"));
    assert_eq!(b.menu_entries().await, ["ホーム"]);
    assert_eq!(b.texts(".grid .card h3").await, ["電話勧奨"]);
    b.assert_stays_on_server().await;

    b.click_link("対象者を開く").await;
    let list = format!("/c/{}/denwa_kansho/persons", b.server.contract_id);
    b.wait_for_path(&list).await;
    let header = b.texts("#results thead th").await;
    assert_eq!(
        header,
        ["No.", "氏名", "カナ氏名", "生年月日", "性別", "電話番号"]
    );
    for outside in ["住所", "受診券整理番号", "方書", "郵便番号", "健診結果"] {
        assert!(
            !header.iter().any(|h| h == outside),
            "{outside} in the table header"
        );
        assert!(
            !b.text(".banner").await.contains(outside),
            "{outside} offered in the banner"
        );
    }
    let rows = b.count("#results tbody tr").await;
    assert!(rows >= 10, "only {rows} rows");
    assert!(b
        .text("#results .muted")
        .await
        .ends_with(&format!("{rows}件を表示")));
    assert_eq!(
        b.count("#results tbody tr:first-child td").await,
        header.len()
    );
    b.assert_stays_on_server().await;

    // One person: only the purpose's items.
    let link = b.find("#results tbody tr:first-child td a").await;
    let id = link.text().await.expect("the row's number");
    link.click().await.expect("open a person");
    b.wait_for_path(&format!("{list}/{id}")).await;
    assert_eq!(b.text("main h1").await, format!("対象者 No.{id}"));
    assert!(b
        .text(".banner")
        .await
        .contains("この閲覧は監査ログに記録されました"));
    let labels = b.texts("dl.person dt").await;
    assert!(labels.iter().any(|l| l == "氏名"), "no name: {labels:?}");
    for l in &labels {
        assert!(
            ["氏名", "カナ氏名", "生年月日", "性別", "電話番号"].contains(&l.as_str()),
            "{l} shown"
        );
    }
    b.click_link("← 一覧に戻る").await;
    b.wait_for_path(&list).await;

    // Live search: type a family name (kana) found in the table.
    let family = family_name_in_table(&b).await;
    let loads = b
        .js(
            "window.__itakuSamePage = 'yes'; return performance.getEntriesByType('navigation').length;",
            vec![],
        )
        .await;
    search(&b, &family).await;
    let hits = b.count("#results tbody tr").await;
    assert!(
        hits >= 1 && hits < rows,
        "{hits} hits for {family} out of {rows}"
    );
    assert_eq!(
        b.text("#results .muted").await,
        format!("「{family}」の検索結果: {hits}件")
    );
    for k in b.texts("#results tbody tr td:nth-child(3)").await {
        assert!(k.contains(&family), "{k} does not match {family}");
    }
    assert_eq!(
        b.texts("#results thead th").await,
        header,
        "the search answers other columns"
    );
    let after = b
        .js(
            "return { same: window.__itakuSamePage || null, loads: performance.getEntriesByType('navigation').length,
                      xhr: performance.getEntriesByType('resource').filter(e => e.initiatorType === 'xmlhttprequest').map(e => e.name),
                      q: document.querySelector('#q').value };",
            vec![],
        )
        .await;
    assert_eq!(
        after["same"], "yes",
        "the search loaded a new page: {after}"
    );
    assert_eq!(
        after["loads"], loads,
        "the search loaded a new page: {after}"
    );
    assert_eq!(
        after["q"],
        json!(family),
        "the search box lost its text: {after}"
    );
    let xhr = after["xhr"].as_array().expect("xhr entries");
    assert!(
        xhr.iter().any(|u| u
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{}{list}?q=", b.base)))),
        "no htmx request for the search: {after}"
    );
    let pushed = b.url().await;
    assert_eq!(pushed.path(), list);
    assert!(
        pushed.query_pairs().any(|(k, v)| k == "q" && v == family),
        "the search is not in the address bar: {pushed}"
    );
    b.assert_stays_on_server().await;
}

/// 4. The ward administrator's and the inspector's menus lead where they
///    say, and no page reaches beyond the server.
async fn menus_work_and_nothing_leaves_the_server(b: Browser) {
    b.open("/signin").await;
    b.wait_for_path("/signin").await;
    b.assert_stays_on_server().await;

    b.sign_in("ward-admin").await;
    assert_eq!(b.menu_entries().await, ["ホーム", "監査ログ", "管理"]);
    assert_eq!(b.text("nav.main a[aria-current='page']").await, "ホーム");
    assert!(b
        .texts("main h2")
        .await
        .contains(&"登録業務と利用目的".to_owned()));
    b.assert_stays_on_server().await;

    b.menu("監査ログ", "/audit").await;
    assert_eq!(b.text("main h1").await, "監査ログ");
    assert_eq!(b.text("main .card .ok").await, "✔ 改ざん検査: 正常");
    assert!(
        b.count("main table tbody tr").await > 0,
        "an empty audit log"
    );
    b.assert_stays_on_server().await;

    b.menu("管理", "/admin").await;
    assert_eq!(b.text("main h1").await, "管理");
    let contracts = b.texts("main .card h3").await;
    assert!(
        contracts
            .iter()
            .any(|c| c.contains("令和8年度 特定健診・がん検診受診勧奨業務委託")),
        "contracts: {contracts:?}"
    );
    assert!(b.texts("main td").await.contains(&"mirai-denwa".to_owned()));
    b.assert_stays_on_server().await;

    b.menu("ホーム", "/dashboard").await;
    assert_eq!(b.text("main h1").await, "ホーム");
    b.assert_stays_on_server().await;
    b.sign_out().await;
    b.assert_stays_on_server().await;

    b.sign_in("kansa").await;
    assert!(b
        .text("header.top .who")
        .await
        .contains("監査 次郎（監査担当）"));
    assert_eq!(b.menu_entries().await, ["ホーム", "監査ログ"]);
    b.assert_stays_on_server().await;
    b.menu("監査ログ", "/audit").await;
    assert_eq!(b.text("main h1").await, "監査ログ");
    assert_eq!(b.text("main .card .ok").await, "✔ 改ざん検査: 正常");
    // The filter form is an ordinary GET form.
    b.find("#outcome")
        .await
        .select_by_value("allow")
        .await
        .expect("choose 許可");
    b.click("form.filters button[type='submit']").await;
    let me = &b;
    b.wait_until("the filtered audit log", move || async move {
        me.url()
            .await
            .query()
            .is_some_and(|q| q.contains("outcome=allow"))
            && me.js("return document.readyState", vec![]).await.as_str() == Some("complete")
    })
    .await;
    let outcomes = b.texts("main table tbody td .tag").await;
    assert!(
        !outcomes.is_empty() && outcomes.iter().all(|o| o == "許可"),
        "outcomes: {outcomes:?}"
    );
    assert_eq!(b.text("nav.main a[aria-current='page']").await, "監査ログ");
    b.assert_stays_on_server().await;
    b.menu("ホーム", "/dashboard").await;
    b.assert_stays_on_server().await;
}

/// 5. Signing out lands on the sign-in page, and going back in history to
///    the dashboard (or a list of residents) only leads to signing in again.
async fn sign_out_holds_against_the_back_button(b: Browser) {
    b.sign_in("mirai-denwa").await;
    b.click_link("対象者を開く").await;
    let list = format!("/c/{}/denwa_kansho/persons", b.server.contract_id);
    b.wait_for_path(&list).await;
    let someone = b
        .text("#results tbody tr:first-child td:nth-child(2)")
        .await;
    assert!(!someone.is_empty());
    b.menu("ホーム", "/dashboard").await;
    assert!(b.text("header.top .who").await.contains("電話 桜子"));

    b.sign_out().await;
    assert_eq!(b.text("main h1").await, "サインイン");
    assert_eq!(
        b.count("header.top .who").await,
        0,
        "still shown as signed in"
    );
    assert!(b.menu_entries().await.is_empty());
    assert!(
        !b.has_session_cookie().await,
        "the session cookie outlived signing out"
    );

    // Back to the dashboard: it must be fetched again and send us to sign in.
    b.wd.back().await.expect("history back");
    b.wait_for_path("/signin").await;
    assert_eq!(b.text("main h1").await, "サインイン");
    assert_eq!(
        b.count("header.top .who").await,
        0,
        "the dashboard came back from history"
    );
    // And further back, the residents' list.
    b.wd.back().await.expect("history back");
    b.wait_for_path("/signin").await;
    assert_eq!(b.text("main h1").await, "サインイン");
    let source = b.wd.source().await.expect("page source");
    assert!(
        !source.contains("電話 桜子"),
        "the user's name after signing out"
    );
    assert!(
        !source.contains(&someone),
        "a resident's name after signing out"
    );

    b.open("/dashboard").await;
    b.wait_for_path("/signin").await;
    b.open(&list).await;
    b.wait_for_path("/signin").await;
    assert_eq!(b.count("header.top .who").await, 0);
}

both!(
    signin_page_is_japanese_and_styled,
    wrong_password_shows_the_japanese_error,
    handler_sees_only_the_purpose_and_searches_live,
    menus_work_and_nothing_leaves_the_server,
    sign_out_holds_against_the_back_button,
    campaign_goes_from_list_to_printed_postcards,
);

/// A known product bug, kept as a test to turn on once fixed (see the
/// report): htmx snapshots the page into the tab's sessionStorage
/// (`htmx-history-cache`) whenever the live search pushes a URL, so the
/// residents' list outlives signing out, although every page is `no-store`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_leaves_no_personal_data_in_the_tab() {
    browse(
        "sign_out_leaves_no_personal_data_in_the_tab-sqlite",
        Backend::Sqlite,
        no_personal_data_in_storage_after_sign_out,
    )
    .await;
}

async fn no_personal_data_in_storage_after_sign_out(b: Browser) {
    b.sign_in("mirai-denwa").await;
    b.click_link("対象者を開く").await;
    b.wait_for_path(&format!("/c/{}/denwa_kansho/persons", b.server.contract_id))
        .await;
    let names = b.texts("#results tbody tr td:nth-child(2)").await;
    assert!(!names.is_empty());
    search(&b, &family_name_in_table(&b).await).await;
    b.menu("ホーム", "/dashboard").await;
    b.sign_out().await;
    let stored = b
        .js(
            "const all = [];
             for (const s of [localStorage, sessionStorage])
               for (let i = 0; i < s.length; i++) all.push(s.key(i) + '=' + s.getItem(s.key(i)));
             return all.join('\\n');",
            vec![],
        )
        .await;
    let stored = stored.as_str().unwrap_or_default();
    let kept: Vec<&String> = names
        .iter()
        .filter(|n| stored.contains(n.as_str()))
        .collect();
    assert!(
        kept.is_empty(),
        "after signing out, the tab's storage still holds {} residents' names, e.g. {:?} ({} bytes stored)",
        kept.len(),
        kept.first(),
        stored.len()
    );
}

/// How many of the campaign's message forms are not yet saved.
async fn unsaved_messages(b: &Browser) -> u64 {
    b.js(
        "return [...document.querySelectorAll(\"form[id^='template-'] h3 .tag\")]\
         .filter(t => t.textContent.includes('未保存')).length;",
        vec![],
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// 6. A campaign end to end in the browser: ward staff create it from a
///    frozen list; the 通知勧奨 handler segments it (htmx preview), saves a
///    message per segment, assigns arms, looks at the postcard proof (the
///    rendered postcard, screenshot kept), prints, downloads the PDF and
///    records a returned postcard.
async fn campaign_goes_from_list_to_printed_postcards(b: Browser) {
    let cid = b.server.contract_id;
    b.sign_in("hokenshi").await;
    b.menu("勧奨", "/ward/campaigns").await;
    b.fill("#c-name", "ブラウザで作る勧奨").await;
    b.js(
        "document.querySelector('#c-contract').value = arguments[0];\
         document.querySelector('#c-list').selectedIndex = 1;\
         document.querySelector('#c-deadline').value = '2027-02-28';",
        vec![Value::String(format!("{cid}/tsuchi_kansho"))],
    )
    .await;
    b.fill("#c-phone", "03-5273-3047").await;
    b.fill("#c-clinics", "区ホームページ").await;
    b.click("#new-campaign button[type='submit']").await;
    b.wait_until("the new campaign's page", || async {
        b.path().await.starts_with("/ward/campaigns/")
    })
    .await;
    let id: i64 = b.path().await.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(b.text("#campaign-state").await, "下書き");
    b.sign_out().await;

    b.sign_in("mirai-tsuchi").await;
    b.click_link("勧奨（はがき・受診票）").await;
    let base = format!("/c/{cid}/tsuchi_kansho/campaigns");
    b.wait_for_path(&base).await;
    b.click_link("ブラウザで作る勧奨").await;
    let here = format!("{base}/{id}");
    b.wait_for_path(&here).await;
    b.assert_stays_on_server().await;

    // Segments: preview in place, then apply.
    b.click("#segment-form button[type='button']").await;
    b.wait_until("the segment sizes", || async {
        b.count("#seg-preview table").await == 1
    })
    .await;
    assert!(b.text("#seg-preview").await.contains("5年間未受診"));
    b.click("#segment-form button[type='submit']").await;
    b.wait_until("the segments to be applied", || async {
        b.count("#notice").await == 1 && b.text("#campaign-state").await == "区分済み"
    })
    .await;

    // A message per segment: save each draft.
    let mut left = unsaved_messages(&b).await;
    assert!(left >= 2, "drafts for every segment");
    while left > 0 {
        b.js(
            "const f = [...document.querySelectorAll(\"form[id^='template-']\")]\
             .find(f => f.querySelector('h3 .tag').textContent.includes('未保存'));\
             f.querySelector('button[type=submit]').click();",
            vec![],
        )
        .await;
        let before = left;
        b.wait_until("the message to be saved", || async {
            b.count("form[id^='template-']").await > 0 && unsaved_messages(&b).await < before
        })
        .await;
        left = unsaved_messages(&b).await;
    }

    // Arms.
    b.click("#arm-form button[type='submit']").await;
    b.wait_until("the arm report", || async {
        b.count("#reproduced").await == 1
    })
    .await;
    assert_eq!(b.text("#reproduced").await, "一致");
    assert_eq!(b.text("#campaign-state").await, "割付済み");

    // The proof: the postcard as it will print.
    let proof = b
        .js(
            "return document.querySelector(\"a[id^='proof-']\").getAttribute('href');",
            vec![],
        )
        .await;
    b.open(proof.as_str().unwrap()).await;
    b.wait_until("both sides of the postcard", || async {
        b.js(
            "return ['#proof-address', '#proof-message'].every(s => {\
               const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; });",
            vec![],
        )
        .await
            == Value::Bool(true)
    })
    .await;
    // Portrait 100 × 148 mm, and ink on it (not a blank or broken image).
    let shape = b
        .js(
            "const i = document.querySelector('#proof-address');\
             const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;\
             const g = c.getContext('2d'); g.drawImage(i, 0, 0);\
             const d = g.getImageData(0, 0, c.width, c.height).data; let dark = 0;\
             for (let k = 0; k < d.length; k += 4) if (d[k] + d[k+1] + d[k+2] < 384) dark++;\
             return [i.naturalWidth, i.naturalHeight, dark / (c.width * c.height)];",
            vec![],
        )
        .await;
    let (w, h, ink) = (
        shape[0].as_f64().unwrap(),
        shape[1].as_f64().unwrap(),
        shape[2].as_f64().unwrap(),
    );
    assert!((h / w - 1.48).abs() < 0.02, "postcard proportions {w}×{h}");
    assert!(ink > 0.005 && ink < 0.5, "ink coverage {ink}");
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let shot = b.wd.screenshot().await.unwrap();
    std::fs::write(dir.join("campaign-postcard-proof.png"), shot).unwrap();
    b.assert_stays_on_server().await;

    // Print, then fetch the batch as the browser would download it.
    b.open(&here).await;
    b.click("#print-form button[type='submit']").await;
    b.wait_until("the print register", || async {
        b.count("#print-register tbody tr").await == 1
    })
    .await;
    assert_eq!(b.text("#campaign-state").await, "印刷済み");
    let head = b
        .wd
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(document.querySelector('#print-register a.download').href)\
               .then(r => r.arrayBuffer())\
               .then(x => done(String.fromCharCode(...new Uint8Array(x).slice(0, 5)) + ' ' + x.byteLength));",
            vec![],
        )
        .await
        .unwrap();
    let head = head.as_str().unwrap().to_owned();
    assert!(head.starts_with("%PDF-"), "{head}");
    let run_ref = b.text("#print-register tbody tr td:first-child").await;
    b.fill("#r-ref", &format!("{run_ref}-000001")).await;
    b.click("#returned-form button[type='submit']").await;
    b.wait_until("the returned postcard", || async {
        b.count("#notice").await == 1 && b.text("#returned").await == "1"
    })
    .await;
    assert!(b.text("#notice").await.contains("返戻"));
}

/// 7. The ward administrator erases a demo contract's vault from its page:
///    types the contract's name and the reason to go ahead with its
///    campaign still open, proves password and code on the way, comes back
///    to the filled-in form, and lands on the certificate, checked
///    (screenshot kept as test-artifacts/erasure-certificate.png).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_erases_a_contract_and_sees_its_certificate() {
    async fn erase(b: Browser) {
        let cid = b.server.contract_id;
        let sys = itaku_service::Actor::system("browser test");
        let name = b
            .server
            .svc
            .contracts(&sys)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == cid)
            .unwrap()
            .name;
        b.sign_in("ward-admin").await;
        b.menu("管理", "/admin").await;
        b.open(&format!("/admin/contracts/{cid}")).await;
        b.click_link("契約の金庫を消去").await;
        let form = format!("/admin/contracts/{cid}/erase");
        b.wait_for_path(&form).await;
        b.fill("#erase-confirm", &name).await;
        b.fill("#erase-waiver", "返還物は書面で確認済み").await;
        b.click("#erase-form button[type='submit']").await;

        b.wait_for_path("/stepup").await;
        let code = b.server.totp("ward-admin");
        b.fill("#password", PASSWORD).await;
        b.fill("#totp", &code).await;
        b.click("form[action='/stepup'] button[type='submit']")
            .await;
        b.wait_for_path(&form).await;
        assert!(b.text("#notice").await.contains("本人確認が済みました"));
        let kept = b
            .js(
                "return [document.querySelector('#erase-confirm').value, document.querySelector('#erase-waiver').value];",
                vec![],
            )
            .await;
        assert_eq!(kept, json!([name, "返還物は書面で確認済み"]));
        b.click("#erase-form button[type='submit']").await;

        b.wait_for_path(&format!("/admin/erasures/{cid}")).await;
        assert!(b.text("#notice").await.contains("消去証明書を発行しました"));
        assert_eq!(
            b.text("#check-result").await,
            format!(
                "この消去証明書は正しく、契約 {cid} の金庫の鍵は破棄され、記録は残っていません。"
            )
        );
        assert_eq!(b.count("#check td.ok").await, 4);
        assert!(b.text("#certificate").await.contains(&name));
        assert_eq!(b.text("nav.sub a[aria-current='page']").await, "消去証明書");
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let shot = b.wd.screenshot().await.unwrap();
        std::fs::write(dir.join("erasure-certificate.png"), shot).unwrap();
        b.assert_stays_on_server().await;

        // The signed JSON, fetched as the download link would.
        let json = b
            .wd
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 fetch(document.querySelector('#download-json').href).then(r => r.text()).then(done);",
                vec![],
            )
            .await
            .unwrap();
        let cert = itaku_service::SignedCertificate::from_json(json.as_str().unwrap()).unwrap();
        assert!(b.server.svc.verify_certificate(&cert).await.unwrap().ok());
    }
    browse(
        "admin_erases_a_contract_and_sees_its_certificate-sqlite",
        Backend::Sqlite,
        erase,
    )
    .await;
    browse(
        "admin_erases_a_contract_and_sees_its_certificate-postgres",
        Backend::Postgres,
        erase,
    )
    .await;
}
