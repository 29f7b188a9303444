//! The hostile-clients suite: each attack that the hardening round fixed,
//! replayed against the real `lockstep-server` binary on loopback, with
//! the server's answers asserted, while an honest client asks for `GET /`
//! every 50 ms from an address of its own; its requests must all succeed,
//! with a p99 under [`P99_BOUND`]. Each attack is bounded in count and time
//! (seconds, never minutes). The tests of each fix on its own are in
//! `connections.rs`, `fairness.rs`, `quotas.rs`, `rerecord.rs` and
//! `hardening.rs`; this suite is about the honest client meanwhile.
//!
//! Every test is ignored: run them in release, one at a time, with
//! `scripts/hostile-clients` (which prints the table of docs/server.md,
//! "Checking it: the hostile-clients suite"), or
//! `cargo test --release -p lockstep-server --test hostile_clients --
//! --ignored --nocapture --test-threads 1`. Each prints one or more
//! `HOSTILE-ROW` lines: attack, config beyond the test defaults, the
//! server's answer, and the honest client's requests, p50, p99, max and
//! failures.
//!
//! The honest client opens a fresh TCP connection for each request
//! (`Connection: close`) from 127.0.0.200, so its latency includes the
//! connect, and no attacker shares its address (on Linux every 127/8
//! address is this machine).

#[path = "../support/mod.rs"]
mod support;

mod connections;
mod disk;
mod forms;
mod queue;
mod rerecord;

use serde_json::{Value, json};
use socket2::{Domain, Socket, Type};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::multipart::{FORM_TYPE, close as form, part};
use support::{Body, Server, bundled_wasm, wait_for};

/// The honest client's p99 must stay under this, on a shared 2-core
/// machine: generous, as the machine is noisy. (Measured values are in
/// docs/server.md.)
const P99_BOUND: Duration = Duration::from_millis(500);
/// An honest request that takes longer than this is a failure.
const HONEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The honest client's address.
const HONEST_HOST: u8 = 200;

const MIB: u64 = 1 << 20;

/// The ladder at its production pace (the tests' own default is flat out).
const LADDER_DEFAULT_PACE: &str = "ladder_pause_ms = 1000\n";

// ----- Sockets -----

fn port(server: &Server) -> u16 {
    server.url("").rsplit(':').next().unwrap().parse().unwrap()
}

/// A connection to `port` from `127.0.0.{host}`.
fn connect(port: u16, host: u8, timeout: Duration) -> std::io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 0)).into())?;
    socket.connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)).into(),
        timeout,
    )?;
    Ok(socket.into())
}

/// Sends `request` from `127.0.0.{host}` and reads the answer until the
/// server closes (the request should say `Connection: close`): the status
/// (`None`: none, or not within `timeout`) and the whole answer.
fn exchange(port: u16, host: u8, request: &[u8], timeout: Duration) -> (Option<u16>, String) {
    let mut answer = Vec::new();
    let _ = (|| -> std::io::Result<()> {
        let mut stream = connect(port, host, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(request)?;
        stream.read_to_end(&mut answer)?;
        Ok(())
    })();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|s| s.parse().ok());
    (status, text)
}

// ----- The honest client -----

/// `GET /` every 50 ms from [`HONEST_HOST`] on a thread of its own, until
/// [`Honest::finish`].
struct Honest {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<(Option<u16>, Duration)>>,
}

/// What the honest client saw.
struct Stats {
    requests: usize,
    failures: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    first_failure: Option<String>,
}

impl Honest {
    fn start(server: &Server) -> Honest {
        let port = port(server);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            let mut seen = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let started = Instant::now();
                let (status, _) = exchange(port, HONEST_HOST, request, HONEST_TIMEOUT);
                seen.push((status, started.elapsed()));
                std::thread::sleep(Duration::from_millis(50));
            }
            seen
        });
        Honest { stop, thread }
    }

    fn finish(self) -> Stats {
        self.stop.store(true, Ordering::Relaxed);
        let seen = self.thread.join().expect("the honest client");
        let mut times: Vec<Duration> = seen.iter().map(|(_, took)| *took).collect();
        times.sort();
        let at = |q: f64| {
            let n = times.len();
            times[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]
        };
        let failed: Vec<_> = seen.iter().filter(|(s, _)| *s != Some(200)).collect();
        Stats {
            requests: seen.len(),
            failures: failed.len(),
            p50: at(0.5),
            p99: at(0.99),
            max: *times.last().unwrap(),
            first_failure: failed.first().map(|f| format!("{f:?}")),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Prints the attack's row, then asserts the honest client's figures.
fn report(attack: &str, config: &str, answer: &str, stats: &Stats) {
    println!(
        "\nHOSTILE-ROW\t{attack}\t{config}\t{answer}\t{}\t{}\t{}\t{}\t{}",
        stats.requests,
        ms(stats.p50),
        ms(stats.p99),
        ms(stats.max),
        stats.failures
    );
    assert!(stats.requests >= 10, "{attack}: too few honest requests");
    assert_eq!(
        stats.failures, 0,
        "{attack}: honest GET / failed, first: {:?}",
        stats.first_failure
    );
    assert!(
        stats.p99 < P99_BOUND,
        "{attack}: honest GET / p99 {} over {}",
        ms(stats.p99),
        ms(P99_BOUND)
    );
}

/// What a config string says, on one line (for the table).
fn shown(config: &str) -> String {
    let keys: Vec<&str> = config
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if keys.is_empty() {
        "defaults".into()
    } else {
        keys.join(" ")
    }
}

// ----- Baseline -----

#[test]
#[ignore = "release only, through scripts/hostile-clients"]
fn a0_no_attack() {
    let config = LADDER_DEFAULT_PACE;
    let server = Server::start(config);
    let honest = Honest::start(&server);
    std::thread::sleep(Duration::from_secs(5));
    let stats = honest.finish();
    report(
        "none (baseline), 5 s",
        &shown(config),
        "ladder playing",
        &stats,
    );
}
