//! A bounded load test on loopback: clients on threads, each with its own
//! keep-alive connection, doing uploads (some invalid), reads and challenges
//! for a fixed time while the ladder plays. Every response must be one of
//! the statuses expected for its kind (no 5xx, no transport error); the
//! requests per second and latency percentiles are printed per kind.
//!
//! `load_is_served_without_errors` is the short one (8 s). The figures in
//! docs/server.md come from the ignored one, in release mode:
//!
//! ```sh
//! LOCKSTEP_LOAD_SECS=30 LOCKSTEP_LOAD_CLIENTS=8 cargo test --release \
//!     -p lockstep-server --test load -- --ignored --nocapture
//! ```

mod support;

use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{Server, agent, bundled_wasm, with_custom_section};

const CONFIG: &str = "ladder_maps = [\"duel\"]\nladder_workers = 1\n[match]\nmax_ticks = 100\n";

const HOUSE: [&str; 5] = [
    "rusher",
    "harvester",
    "random-walker",
    "idle",
    "json-walker",
];

/// What a client does, and the statuses each may answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// New bytes (a new version, 201), the same bytes again (200), or a
    /// module the validator refuses (422).
    Upload,
    /// The leaderboard, the bot list, recent matches, one match, a replay.
    Read,
    /// A challenge between two house bots: queued (201) or the queue is full (429).
    Challenge,
    Metrics,
}

impl Kind {
    fn expected(self) -> &'static [u16] {
        match self {
            Kind::Upload => &[200, 201, 422],
            Kind::Read => &[200],
            Kind::Challenge => &[201, 429],
            Kind::Metrics => &[200],
        }
    }
}

/// xorshift64*: each client's own deterministic choices.
struct Choice(u64);

impl Choice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<Kind, Vec<Duration>>,
    statuses: BTreeMap<(Kind, u16), u64>,
    unexpected: Vec<String>,
}

/// One client: `token`'s player, until `end`.
fn client(base: String, token: String, index: u64, end: Instant) -> Tally {
    let agent = agent();
    let mut choice =
        Choice(0x9e37_79b9_7f4a_7c15 ^ (index + 1).wrapping_mul(0x1234_5678_9abc_def1));
    let mut tally = Tally::default();
    let mut new_modules = 0;
    let own = with_custom_section(bundled_wasm("idle"), &format!("load-{index}"));
    let auth = format!("Bearer {token}");
    while Instant::now() < end {
        let roll = choice.below(100);
        // From here to the response's last byte (building a body is
        // microseconds next to that).
        let started = Instant::now();
        let (kind, request) = match roll {
            // 5%: uploads, a third each new, unchanged, refused.
            0..5 => {
                let body = match choice.below(3) {
                    0 => {
                        new_modules += 1;
                        with_custom_section(&own, &format!("v{new_modules}"))
                    }
                    1 => own.clone(),
                    _ => b"\0asm\x01\0\0\0this is not a module".to_vec(),
                };
                let request = agent
                    .post(format!("{base}/api/bots/load-bot"))
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/wasm")
                    .send(&body[..]);
                (Kind::Upload, request)
            }
            // 10%: challenges.
            5..15 => {
                let a = choice.below(5) as usize;
                let b = (a + 1 + choice.below(4) as usize) % 5;
                let body = json!({"bots": [format!("house/{}", HOUSE[a]),
                                           format!("house/{}", HOUSE[b])]});
                let request = agent
                    .post(format!("{base}/api/matches"))
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(body.to_string());
                (Kind::Challenge, request)
            }
            15..18 => (Kind::Metrics, agent.get(format!("{base}/metrics")).call()),
            _ => {
                let path = match roll % 5 {
                    0 => "/api/leaderboard".to_string(),
                    1 => "/api/bots".to_string(),
                    2 => "/api/matches?limit=20".to_string(),
                    3 => format!("/api/matches/{}", 1 + choice.below(3)),
                    _ => format!("/api/matches/{}/replay", 1 + choice.below(3)),
                };
                (Kind::Read, agent.get(format!("{base}{path}")).call())
            }
        };
        let status = match request {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(64 << 20)
                    .read_to_vec();
                status
            }
            Err(e) => {
                tally.unexpected.push(format!("{kind:?}: {e}"));
                continue;
            }
        };
        tally
            .latencies
            .entry(kind)
            .or_default()
            .push(started.elapsed());
        *tally.statuses.entry((kind, status)).or_default() += 1;
        if !kind.expected().contains(&status) {
            tally.unexpected.push(format!("{kind:?}: status {status}"));
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `clients` for `seconds` against a fresh server, prints the figures
/// and returns the merged tally.
fn run(clients: u64, seconds: u64) -> Tally {
    let server = Server::start(CONFIG);
    // A few finished matches first, so that reads of matches 1..3 find them.
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.get("/api/matches/3/replay").status != 200 {
        assert!(Instant::now() < deadline, "no matches played");
        std::thread::sleep(Duration::from_millis(100));
    }
    let tokens: Vec<String> = (0..clients)
        .map(|i| server.register(&format!("load{i}")))
        .collect();
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let handles: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let base = server.url("");
            std::thread::spawn(move || client(base, token, i as u64, end))
        })
        .collect();
    let mut all = Tally::default();
    for handle in handles {
        let tally = handle.join().unwrap();
        for (kind, mut latencies) in tally.latencies {
            all.latencies
                .entry(kind)
                .or_default()
                .append(&mut latencies);
        }
        for (key, count) in tally.statuses {
            *all.statuses.entry(key).or_default() += count;
        }
        all.unexpected.extend(tally.unexpected);
    }
    let wall = started.elapsed().as_secs_f64();
    let total: usize = all.latencies.values().map(Vec::len).sum();
    eprintln!(
        "{clients} clients for {wall:.1} s: {total} requests, {:.0} requests/s",
        total as f64 / wall
    );
    eprintln!("kind       count   req/s   p50 ms   p90 ms   p99 ms   max ms   statuses");
    for (kind, latencies) in &mut all.latencies {
        latencies.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let statuses: Vec<String> = all
            .statuses
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, status), count)| format!("{status}x{count}"))
            .collect();
        eprintln!(
            "{:<9} {:>6} {:>7.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}   {}",
            format!("{kind:?}"),
            latencies.len(),
            latencies.len() as f64 / wall,
            ms(percentile(latencies, 50.0)),
            ms(percentile(latencies, 90.0)),
            ms(percentile(latencies, 99.0)),
            ms(*latencies.last().unwrap_or(&Duration::ZERO)),
            statuses.join(" ")
        );
    }
    let metrics = server.get("/metrics").text();
    let finished = metrics
        .lines()
        .find(|l| l.starts_with("lockstep_matches_total{state=\"finished\"}"))
        .unwrap_or_default();
    eprintln!("server: {finished}");
    all
}

fn check(tally: &Tally) {
    assert!(
        tally.unexpected.is_empty(),
        "{} unexpected: {:?}",
        tally.unexpected.len(),
        &tally.unexpected[..tally.unexpected.len().min(20)]
    );
    for kind in [Kind::Upload, Kind::Read, Kind::Challenge, Kind::Metrics] {
        assert!(
            tally.latencies.get(&kind).is_some_and(|l| !l.is_empty()),
            "no {kind:?}"
        );
    }
    assert!(
        tally.statuses.contains_key(&(Kind::Challenge, 201)),
        "no challenge queued"
    );
    assert!(
        tally.statuses.contains_key(&(Kind::Upload, 422)),
        "no upload refused"
    );
}

#[test]
fn load_is_served_without_errors() {
    check(&run(4, 8));
}

#[test]
#[ignore = "figures: run in release with --ignored --nocapture (see the file's comment)"]
fn load_figures() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    check(&run(
        env("LOCKSTEP_LOAD_CLIENTS", 8),
        env("LOCKSTEP_LOAD_SECS", 30),
    ));
}
