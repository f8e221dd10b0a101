//! A small HTTP client that keeps cookies itself, so tests can look at every
//! `Set-Cookie` attribute and send exactly what a browser would.

use std::collections::BTreeMap;

pub struct Client {
    base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Raw `Set-Cookie` headers seen, for flag checks.
    pub set_cookies: Vec<String>,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The value of `name="…" value="…"` in a page (hidden form fields).
pub fn hidden_field(body: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self::with_http(base, http)
    }

    /// Over a reqwest client built elsewhere (TLS roots, client identity).
    pub fn with_http(base: &str, http: reqwest::Client) -> Self {
        Self {
            base: base.to_owned(),
            http,
            cookies: BTreeMap::new(),
            set_cookies: Vec::new(),
            csrf: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, res: reqwest::Result<reqwest::Response>) -> Reply {
        let res = match res {
            Ok(r) => r,
            Err(e) => {
                return Reply {
                    status: 0,
                    headers: Default::default(),
                    body: e.to_string(),
                }
            }
        };
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for v in headers.get_all("set-cookie") {
            let Ok(s) = v.to_str() else { continue };
            self.set_cookies.push(s.to_owned());
            if let Some((kv, _)) = s.split_once(';').or(Some((s, ""))) {
                if let Some((k, v)) = kv.split_once('=') {
                    if s.contains("Max-Age=0") {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
        let body = res.text().await.unwrap_or_default();
        if let Some(t) = hidden_field(&body, "_csrf") {
            self.csrf = Some(t);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header());
        let res = req.send().await;
        self.finish(res).await
    }

    /// POST a form; `_csrf` is added from the last page unless given.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            if let Some(t) = &self.csrf {
                form.push(("_csrf".into(), t.clone()));
            }
        }
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(&form);
        let res = req.send().await;
        self.finish(res).await
    }

    /// Sign in through the real form.
    pub async fn sign_in(&mut self, login: &str, password: &str, code: &str) -> Reply {
        self.get("/signin").await;
        let r = self
            .post_form(
                "/signin",
                &[("login", login), ("password", password), ("totp", code)],
            )
            .await;
        if r.status == 303 {
            self.get("/dashboard").await;
        }
        r
    }
}
