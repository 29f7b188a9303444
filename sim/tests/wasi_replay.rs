//! A bot written with Rust's std for `wasm32-wasip1` (`bots/wasi-clock`)
//! reads the clock, random bytes and a `HashMap`'s random keys, and prints
//! them. Its replay must be byte-identical at any thread count and under
//! load, and what it printed must be what docs/abi.md says WASI answers.
//! (`scripts/test` also records it with a debug and a release host.)

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{BotTick, Entrant, MatchConfig, MatchObserver};
use lockstep_sim::replay::play_recorded;
use lockstep_sim::sandbox::{Sandbox, SandboxConfig, VIRTUAL_EPOCH_NS, VIRTUAL_TICK_NS};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

const SEED: u64 = 11;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

fn entrants() -> Vec<Entrant> {
    ["wasi-clock", "random-walker", "wasi-clock"]
        .iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox().load(bundled_bot(name).unwrap().wasm).unwrap(),
        })
        .collect()
}

fn config(threads: usize) -> MatchConfig {
    let mut config = MatchConfig {
        map: "arena".into(),
        seed: SEED,
        threads,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", 30);
    config
}

/// A log line and its tick (`None`: init).
type Line = (Option<u32>, String);

/// Every log line of one seat.
struct Lines(usize, Vec<Line>);

impl MatchObserver for Lines {
    fn bot_init(&mut self, _tick: u32, seat: usize, report: &lockstep_sim::sandbox::CallReport) {
        if seat == self.0 {
            self.1
                .extend(report.logs.iter().map(|line| (None, line.clone())));
        }
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        if call.seat == self.0 {
            let lines = call.report.logs.iter();
            self.1
                .extend(lines.map(|line| (Some(call.tick), line.clone())));
        }
    }
}

fn record(threads: usize, seat: usize) -> ([u8; 32], Vec<u8>, Vec<Line>) {
    let mut bytes = Vec::new();
    let mut lines = Lines(seat, Vec::new());
    let (_, hash) = play_recorded(
        sandbox(),
        &entrants(),
        &config(threads),
        &mut bytes,
        &mut lines,
    )
    .unwrap();
    (hash, bytes, lines.1)
}

#[test]
fn the_same_replay_at_any_thread_count_and_under_load() {
    let (hash, bytes, lines) = record(1, 0);
    assert!(lines.len() > 30, "the bot printed: {lines:?}");
    let (hash4, bytes4, lines4) = record(4, 0);
    assert_eq!(hash4, hash);
    assert_eq!(bytes4, bytes, "the replay files differ");
    assert_eq!(lines4, lines);
    let busy = AtomicBool::new(true);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                let mut x = 1u64;
                while busy.load(Ordering::Relaxed) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    std::hint::black_box(x);
                }
            });
        }
        assert_eq!(record(2, 0).1, bytes, "under load");
        busy.store(false, Ordering::Relaxed);
    });
}

/// The seat's `random_get` stream, as docs/abi.md derives it: 32 bytes per
/// seat, in seat order, from stream 2 of the match seed; then ChaCha8 on
/// stream 0 for the first instance.
fn random_stream(seat: usize, len: usize) -> Vec<u8> {
    let mut keys = ChaCha8Rng::seed_from_u64(SEED);
    keys.set_stream(2);
    let mut key = [0u8; 32];
    for _ in 0..=seat {
        keys.fill_bytes(&mut key);
    }
    let mut bytes = vec![0u8; len];
    ChaCha8Rng::from_seed(key).fill_bytes(&mut bytes);
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `key value` pairs of a printed line.
fn field<'l>(line: &'l str, key: &str) -> &'l str {
    let at = line
        .find(&format!(" {key} "))
        .unwrap_or_else(|| panic!("{key} in {line}"));
    line[at + key.len() + 2..].split(' ').next().unwrap()
}

#[test]
fn what_the_bot_read_is_what_the_docs_say() {
    for seat in [0, 2] {
        let (_, _, lines) = record(1, seat);
        // Random bytes: init draws 8; tick 0 makes the first HashMap (std
        // draws its 16-byte keys once) and then draws 16 a tick.
        let stream = random_stream(seat, 8 + 16 + 16 * 3);
        let init = &lines[0].1;
        assert_eq!(lines[0].0, None);
        assert!(init.starts_with(&format!("init: seat {seat} ")), "{init}");
        assert_eq!(field(init, "random"), hex(&stream[..8]), "seat {seat}");
        let ticks: Vec<&String> = lines
            .iter()
            .filter(|(_, line)| line.starts_with("tick ") && line.contains("wall"))
            .map(|(_, line)| line)
            .collect();
        for (tick, line) in ticks.iter().take(3).enumerate() {
            let from = 8 + 16 + 16 * tick;
            assert_eq!(
                field(line, "random"),
                hex(&stream[from..from + 16]),
                "{line}"
            );
            // The clock: the epoch, plus 100 ms a tick, plus the fuel this
            // tick has spent when it read (well under a tick's budget).
            let wall: u64 = field(line, "wall").parse().unwrap();
            let tick_start = VIRTUAL_EPOCH_NS + tick as u64 * VIRTUAL_TICK_NS;
            assert!(
                (tick_start..tick_start + 20_000_000).contains(&wall),
                "tick {tick}: {wall}"
            );
        }
        // Two seats with the same bot see different random bytes.
        assert_ne!(random_stream(0, 8), random_stream(2, 8));
        // stderr's two writes made one line.
        assert!(
            lines
                .iter()
                .any(|(tick, line)| *tick == Some(0) && line == "tick 0 on stderr"),
            "{lines:?}"
        );
    }
}
