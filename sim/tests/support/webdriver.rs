//! A minimal WebDriver client for browser tests: chromedriver as a child
//! process on a free loopback port, one headless Chromium session, and the
//! few commands the tests use (navigate, run a script, click, screenshot).
//! Everything is torn down on drop: the session, chromedriver, the profile.

use serde_json::{Value, json};
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key of an element reference in WebDriver's JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub type Result<T> = std::result::Result<T, String>;

/// Whether both programs are installed; when not, what is missing.
pub fn missing() -> Option<String> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    (!missing.is_empty()).then(|| missing.join(" and "))
}

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    /// Chromium's profile and chromedriver's log.
    dir: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh
    /// profile under `dir` (created; removed on drop).
    pub fn start(dir: &Path, window: (u32, u32)) -> Result<Browser> {
        let profile = dir.join("chromium-profile");
        fs::create_dir_all(&profile).map_err(|e| format!("creating {}: {e}", profile.display()))?;
        let port = free_port()?;
        let log = dir.join("chromedriver.log");
        let log_file =
            File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting {CHROMEDRIVER}: {e}"))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            agent,
            dir: dir.to_path_buf(),
        };
        browser.wait_until_ready()?;
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--window-size={},{}", window.0, window.1),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let reply = browser.request("POST", "/session", Some(caps))?;
        browser.session = reply["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {reply}"))?
            .to_string();
        Ok(browser)
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(status) = self.request("GET", "/status", None)
                && status["ready"] == true
            {
                return Ok(());
            }
            if let Ok(Some(code)) = self.driver.try_wait() {
                return Err(format!(
                    "chromedriver exited with {code}; see {}",
                    self.log()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver not ready after 10 s; see {}",
                    self.log()
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Where chromedriver writes its log, to read when something fails.
    pub fn log(&self) -> String {
        self.dir.join("chromedriver.log").display().to_string()
    }

    /// One WebDriver command; returns its `value`, or the error it reports.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let reply = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut reply = reply.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = reply.status();
        let doc: Value = reply
            .body_mut()
            .read_json()
            .map_err(|e| format!("{method} {path}: reading the reply: {e}"))?;
        let value = doc.get("value").cloned().unwrap_or(Value::Null);
        if !status.is_success() || value.get("error").is_some_and(|e| e.is_string()) {
            return Err(format!(
                "{method} {path}: {} {}: {}",
                status.as_u16(),
                value["error"].as_str().unwrap_or("?"),
                value["message"].as_str().unwrap_or("")
            ));
        }
        Ok(value)
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Loads `url` and waits for its load event.
    pub fn navigate(&self, url: &str) -> Result<()> {
        self.request(
            "POST",
            &self.session_path("/url"),
            Some(json!({"url": url})),
        )
        .map(drop)
    }

    /// Runs `script` as a function body (`return …` for a value) with `args`.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        let body = json!({"script": script, "args": args});
        self.request("POST", &self.session_path("/execute/sync"), Some(body))
    }

    /// Runs `script` until it returns something truthy, and returns that.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, json!([]))?;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("still false after {timeout:?}: {script}"));
            }
            sleep(Duration::from_millis(25));
        }
    }

    /// The reference of the first element that matches the CSS `selector`.
    fn find(&self, selector: &str) -> Result<String> {
        let body = json!({"using": "css selector", "value": selector});
        let found = self.request("POST", &self.session_path("/element"), Some(body))?;
        found[ELEMENT_KEY]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element for {selector}: {found}"))
    }

    /// Clicks the first element that matches the CSS `selector`, as a user would.
    pub fn click(&self, selector: &str) -> Result<()> {
        let path = self.session_path(&format!("/element/{}/click", self.find(selector)?));
        self.request("POST", &path, Some(json!({}))).map(drop)
    }

    /// Types `text` into the element; for a file input, `text` is a path to choose.
    pub fn send_keys(&self, selector: &str, text: &str) -> Result<()> {
        let path = self.session_path(&format!("/element/{}/value", self.find(selector)?));
        self.request("POST", &path, Some(json!({"text": text})))
            .map(drop)
    }

    /// Saves a screenshot of the viewport as a PNG file.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let value = self.request("GET", &self.session_path("/screenshot"), None)?;
        let png = decode_base64(value.as_str().ok_or("the screenshot is not a string")?)?;
        fs::write(path, png).map_err(|e| format!("writing {}: {e}", path.display()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.request("DELETE", &self.session_path(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = fs::remove_dir_all(self.dir.join("chromium-profile"));
    }
}

/// A loopback port nobody listens on (free when asked; chromedriver takes it
/// right after).
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Standard base64 (with or without padding; whitespace ignored).
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", c as char)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}
