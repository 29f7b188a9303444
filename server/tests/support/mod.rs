//! The real `lockstep-server` binary, started for a test with its own data
//! folder and a free port, and small HTTP helpers over `ureq`.
//!
//! ```ignore
//! let server = Server::start("ladder_enabled = false\n");
//! let token = server.register("ann");
//! let response = server.upload(&token, "my-bot", bundled_wasm("rusher"));
//! assert_eq!(response.status, 201, "{}", response.text());
//! ```
//!
//! The server's stdin is a pipe it watches: when the test process ends, by
//! any means, the server stops too. Its stderr (the log) is kept in a file
//! beside the data folder: [`Server::log`].
#![allow(dead_code)]

pub mod multipart;
pub mod tmpfs;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to print its `listening on` line: a first
/// start compiles the bundled bots.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The compiled-module cache of every server a test starts: under the target
/// folder, never the user's own (`LOCKSTEP_CACHE_DIR`, docs/limits.md).
pub const CACHE_DIR: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/compiled-modules");

/// A running (or stopped) `lockstep-server` with its own folder.
pub struct Server {
    /// The temp folder: `config.toml`, `server.log`, `data/`.
    root: PathBuf,
    child: Option<Child>,
    /// Kept open: the server stops when it closes.
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`
    base: String,
    agent: ureq::Agent,
    /// How the process is started (`start_with`).
    options: Launch,
    /// Its PostgreSQL database's URL, when the run is on PostgreSQL
    /// ([`postgres_run`]); `None`: the SQLite file in the data folder.
    postgres: Option<String>,
}

/// Whether this run's servers keep their rows in PostgreSQL: set
/// `LOCKSTEP_TEST_SERVER_DB=postgres` (and `LOCKSTEP_TEST_PG`, the cluster
/// scripts/test starts), and every server gets a fresh database there.
/// scripts/test runs the API, crash, ladder and browser tests so.
pub fn postgres_run() -> bool {
    std::env::var("LOCKSTEP_TEST_SERVER_DB").is_ok_and(|v| v == "postgres")
}

/// A new, empty database on the test cluster (`LOCKSTEP_TEST_PG`).
pub fn fresh_postgres_database() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let admin = std::env::var("LOCKSTEP_TEST_PG")
        .expect("LOCKSTEP_TEST_SERVER_DB=postgres needs LOCKSTEP_TEST_PG, the cluster's URL");
    let name = format!(
        "srv_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut client =
        postgres::Client::connect(&admin, postgres::NoTls).expect("the test cluster answers");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("a database can be made");
    let base = admin.rsplit_once('/').expect("a URL with a database").0;
    format!("{base}/{name}")
}

/// How [`Server::start_with`] starts the process, beyond its config.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// The open-file limit (`ulimit -n`, soft and hard) to start it under.
    pub open_files: Option<u64>,
    /// Another `lockstep-server` binary than this build's (an older build,
    /// to measure against); `None`: this build's.
    pub binary: Option<PathBuf>,
}

impl Server {
    /// Starts a server with `listen = "127.0.0.1:0"` and a fresh data folder.
    /// `extra_toml` is written right after the `[server]` table's own keys:
    /// bare keys are more `[server]` keys (`ladder_enabled = false`), and it
    /// may go on with other tables (`[budget]\ntick_fuel = 1000`).
    ///
    /// The base config also sets [`TEST_DEFAULTS`], each unless `extra_toml`
    /// sets it itself (a test of that key).
    pub fn start(extra_toml: &str) -> Server {
        Server::start_with(extra_toml, Launch::default())
    }

    /// [`Server::start`], started as `options` say.
    pub fn start_with(extra_toml: &str, options: Launch) -> Server {
        let root = fresh_dir();
        let data = root.join("data");
        let base: String = TEST_DEFAULTS
            .iter()
            .filter(|(key, _)| !sets_server_key(extra_toml, key))
            .map(|(key, value)| format!("{key} = {value}\n"))
            .collect();
        let postgres = postgres_run().then(fresh_postgres_database);
        let database = match &postgres {
            Some(url) => format!("database = {url:?}\n"),
            None => String::new(),
        };
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\n{database}{base}{extra_toml}\n",
            data.display().to_string()
        );
        std::fs::write(root.join("config.toml"), config).expect("writing the test config");
        let mut server = Server {
            root,
            child: None,
            stdin: None,
            base: String::new(),
            agent: agent(),
            options,
            postgres,
        };
        server.launch();
        server
    }

    /// The config file the server was started with.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// The data folder (database, modules, replays, admin-token).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// A connection to the server's database, whichever it is (the SQLite
    /// file, or its PostgreSQL database): for tests that read its rows.
    pub fn db(&self) -> lockstep_server::db::sql::Connection {
        match &self.postgres {
            Some(url) => lockstep_server::db::sql::Connection::open_postgres(url)
                .expect("connecting to the server's database"),
            None => lockstep_server::db::sql::Connection::from_sqlite(
                rusqlite::Connection::open_with_flags(
                    self.data_dir().join("lockstep.db"),
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .expect("opening the database"),
            ),
        }
    }

    /// [`Server::db`], allowed to write (the server should be stopped).
    pub fn db_writable(&self) -> lockstep_server::db::sql::Connection {
        match &self.postgres {
            Some(_) => self.db(),
            None => lockstep_server::db::sql::Connection::from_sqlite(
                rusqlite::Connection::open(self.data_dir().join("lockstep.db"))
                    .expect("opening the database"),
            ),
        }
    }

    /// The `[server] database` line of its config, if it is on PostgreSQL.
    pub fn postgres_url(&self) -> Option<&str> {
        self.postgres.as_deref()
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything the server has logged so far (all runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
    }

    /// The admin's token, from `DATA/admin-token`.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("admin-token"))
            .expect("reading DATA/admin-token")
            .trim()
            .to_string()
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stdin = None;
    }

    /// SIGTERM, then waits for the process to exit (at most a minute).
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = wait_timeout(&mut child, Duration::from_secs(60));
        self.stdin = None;
        status.unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "the server did not stop within a minute of SIGTERM\n{}",
                self.log()
            )
        })
    }

    /// Starts the server again on the same data folder and config (a new
    /// port); a server still running is killed first (`kill -9`).
    pub fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("server.log"))
            .expect("opening the server log");
        let binary = (self.options.binary.clone())
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_lockstep-server")));
        let mut command = match self.options.open_files {
            None => Command::new(binary),
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(binary);
                sh
            }
        };
        let mut child = command
            .env("LOCKSTEP_CACHE_DIR", CACHE_DIR)
            .arg("--config")
            .arg(self.config_path())
            .arg("--stop-on-stdin-eof")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("starting lockstep-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = lines.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining, so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        self.stdin = child.stdin.take();
        let first = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let Some(base) = first.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let status = child.wait().ok();
            panic!(
                "lockstep-server did not start (first line {first:?}, exit {status:?}); its log:\n{}",
                self.log()
            );
        };
        self.base = base.to_string();
        self.child = Some(child);
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, None, Body::Empty)
    }

    /// `GET path` with a token.
    pub fn get_auth(&self, path: &str, token: &str) -> Response {
        self.request("GET", path, Some(token), Body::Empty)
    }

    /// `POST path` with a JSON body (and a token, if given).
    pub fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request("POST", path, token, Body::Json(body.clone()))
    }

    /// `PUT path` with a JSON body (and a token, if given).
    pub fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request("PUT", path, token, Body::Json(body.clone()))
    }

    /// `POST path` with no body.
    pub fn post_empty(&self, path: &str, token: Option<&str>) -> Response {
        self.request("POST", path, token, Body::Empty)
    }

    /// Any request: `method` on `path`, with `token` and `body`.
    pub fn request(&self, method: &str, path: &str, token: Option<&str>, body: Body) -> Response {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        let request = match token {
            Some(token) => request.header("Authorization", format!("Bearer {token}")),
            None => request,
        };
        let result = match body {
            Body::Empty => self.agent.run(request.body(()).unwrap()),
            Body::Json(value) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(value.to_string())
                    .unwrap(),
            ),
            Body::Bytes(content_type, bytes) => self.agent.run(
                request
                    .header("Content-Type", content_type)
                    .body(bytes)
                    .unwrap(),
            ),
            Body::Chunked(content_type, bytes) => self.agent.run(
                request
                    .header("Content-Type", content_type)
                    .body(ureq::SendBody::from_owned_reader(std::io::Cursor::new(
                        bytes,
                    )))
                    .unwrap(),
            ),
        };
        Response::from(result.unwrap_or_else(|e| panic!("{method} {path}: {e}")))
    }

    /// Registers player `name`; returns its token (panics unless 201).
    pub fn register(&self, name: &str) -> String {
        let response = self.post_json("/api/players", None, &serde_json::json!({ "name": name }));
        assert_eq!(
            response.status,
            201,
            "registering {name}: {}",
            response.text()
        );
        response.json()["token"]
            .as_str()
            .expect("a token")
            .to_string()
    }

    /// `POST /api/bots/{bot}` with `bytes` as `application/wasm`.
    pub fn upload(&self, token: &str, bot: &str, bytes: &[u8]) -> Response {
        self.request(
            "POST",
            &format!("/api/bots/{bot}"),
            Some(token),
            Body::Bytes("application/wasm", bytes.to_vec()),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        if std::env::var_os("LOCKSTEP_KEEP_TEST_DATA").is_none() && !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// `[server]` keys whose defaults suit a public server but not a test:
/// every test client is 127.0.0.1 and tests register many players (one
/// address may register 20 an hour by default), and tests wait for the
/// ladder's matches (which rest 1 s after each by default); and a test must
/// not fail because the machine's disk has less than 1 GiB free (the
/// default `disk_reserve_bytes`: tests that check the reserve set their own).
const TEST_DEFAULTS: [(&str, &str); 3] = [
    ("registrations_per_hour", "1000000"),
    ("ladder_pause_ms", "0"),
    ("disk_reserve_bytes", "16777216"),
];

/// Whether `extra_toml` (as [`Server::start`] takes it) sets `key` in the
/// `[server]` table: a bare key before its first table header. (TOML refuses
/// a key set twice, so the base config must then leave it out.)
fn sets_server_key(extra_toml: &str, key: &str) -> bool {
    extra_toml
        .lines()
        .map(str::trim_start)
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split_once('='))
        .any(|(name, _)| name.trim() == key)
}

/// A request body.
pub enum Body {
    Empty,
    Json(Value),
    /// With a Content-Length.
    Bytes(&'static str, Vec<u8>),
    /// Without a Content-Length (`Transfer-Encoding: chunked`).
    Chunked(&'static str, Vec<u8>),
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (panics, showing it, if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The API error's `message` (panics if the body is not an API error).
    pub fn error_message(&self) -> String {
        let json = self.json();
        assert_eq!(json["error"]["status"], self.status, "{json}");
        json["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {json}"))
            .to_string()
    }
}

impl From<ureq::http::Response<ureq::Body>> for Response {
    fn from(mut response: ureq::http::Response<ureq::Body>) -> Response {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .expect("reading the response body");
        Response {
            status,
            headers,
            body,
        }
    }
}

/// An HTTP client that returns 4xx/5xx responses instead of errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A bundled bot's module bytes.
pub fn bundled_wasm(name: &str) -> &'static [u8] {
    lockstep_sim::bundled::bundled_bot(name)
        .unwrap_or_else(|| panic!("no bundled bot {name}"))
        .wasm
}

/// `bytes` with a custom section appended: a distinct module (another hash)
/// that behaves the same. `tag` makes each one different.
pub fn with_custom_section(bytes: &[u8], tag: &str) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let name = b"note";
    let payload_len = 1 + name.len() + tag.len();
    assert!(
        payload_len < 128 && name.len() < 128,
        "one-byte LEB128 sizes"
    );
    out.extend_from_slice(&[0, payload_len as u8, name.len() as u8]);
    out.extend_from_slice(name);
    out.extend_from_slice(tag.as_bytes());
    out
}

/// `base` with a custom section of `pad` zero bytes and then `tag`'s 8
/// bytes: a distinct module of about `pad` more bytes that plays as `base`
/// (for quotas: many large versions of one bot).
pub fn padded(base: &[u8], pad: usize, tag: u64) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let name = b"pad";
    let mut out = base.to_vec();
    out.push(0);
    leb(1 + name.len() + pad + 8, &mut out);
    leb(name.len(), &mut out);
    out.extend_from_slice(name);
    out.resize(out.len() + pad, 0);
    out.extend_from_slice(&tag.to_le_bytes());
    out
}

/// `method path` with `headers` and `body` (a Content-Type among the
/// headers), for requests [`Server::request`] does not make: other origins,
/// other content types.
pub fn send(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Response {
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = agent()
        .run(request.body(body).unwrap())
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    Response::from(response)
}

/// A new empty folder under the target's temp folder. The first call also
/// removes the folders of test processes that are gone (a shared server is
/// never dropped, so its folder outlives its test binary).
fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(sweep_old_dirs);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "server-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating the test folder");
    dir
}

/// Removes `server-PID-*` folders whose process is gone (Linux: /proc).
fn sweep_old_dirs() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("server-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Waits for `child` to exit, at most `limit`.
fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the binary with `args` to completion: (exit code, stdout, stderr).
pub fn run_binary(args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep-server"))
        .env("LOCKSTEP_CACHE_DIR", CACHE_DIR)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting lockstep-server");
    let (mut out, mut err) = (String::new(), String::new());
    let _ = child.stdout.take().unwrap().read_to_string(&mut out);
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let status = wait_timeout(&mut child, Duration::from_secs(60));
    (status.and_then(|s| s.code()), out, err)
}

/// Polls `f` every 50 ms until it returns `Some`, failing the test after `limit`.
pub fn wait_for<T>(limit: std::time::Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Downloads match `id`'s replay and each seat's module through the API,
/// and verifies the replay by playing it again.
pub fn verify_through_the_api(server: &Server, id: i64) -> lockstep_sim::replay::Summary {
    let replay = server.get(&format!("/api/matches/{id}/replay"));
    assert_eq!(replay.status, 200, "{}", replay.text());
    assert_eq!(
        replay.header("content-type"),
        Some("application/octet-stream")
    );
    let reader = lockstep_sim::replay::ReplayReader::new(&replay.body[..]).unwrap();
    let find = |hash: &[u8; 32]| {
        let hex = blake3::Hash::from_bytes(*hash).to_hex();
        let module = server.get(&format!("/api/modules/{hex}"));
        (module.status == 200).then_some(module.body)
    };
    let report = lockstep_sim::replay::verify(reader, &find, 1).unwrap();
    assert!(
        report.divergence.is_none(),
        "match {id}: {:?}",
        report.divergence
    );
    report.summary.unwrap()
}
