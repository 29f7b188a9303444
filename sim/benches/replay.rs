//! What recording and verifying a replay cost: a 1,000-tick match of bundled
//! bots played plain, played while writing its replay to a file, and verified
//! from that file, interleaved round by round. Prints the medians, the ratios
//! to the plain match, and the replay's size per tick.
//!
//! Run: `cargo bench -p lockstep-sim --bench replay`. Under `cargo test` it
//! plays a 30-tick match once of each kind, as a smoke test.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{Entrant, MatchConfig, run_match};
use lockstep_sim::replay::{ReplayReader, play_recorded, verify, verify_in};
use lockstep_sim::sandbox::{ModuleHash, Sandbox, SandboxConfig};
use std::io::BufWriter;
use std::time::{Duration, Instant};

const BOTS: [&str; 2] = ["harvester", "harvester"];

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (ticks, rounds) = if bench { (1_000, 7) } else { (30, 1) };
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let entrants: Vec<Entrant> = BOTS
        .iter()
        .map(|name| Entrant {
            name: name.to_string(),
            module: sandbox.load(bundled_bot(name).unwrap().wasm).unwrap(),
        })
        .collect();
    let mut config = MatchConfig {
        map: "arena".into(),
        seed: 3,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", ticks);
    let file = std::env::temp_dir().join(format!("lockstep-bench-{}.replay", std::process::id()));
    let find = |hash: &[u8; 32]| {
        BOTS.iter()
            .map(|b| bundled_bot(b).unwrap().wasm)
            .find(|w| ModuleHash::of(w).0 == *hash)
            .map(<[u8]>::to_vec)
    };
    let (mut plain, mut record, mut check) = (Vec::new(), Vec::new(), Vec::new());
    let mut cold = Vec::new();
    let mut played = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let result = run_match(&sandbox, &entrants, &config).unwrap();
        plain.push(start.elapsed());
        played = result.ticks;

        let start = Instant::now();
        let out = BufWriter::new(std::fs::File::create(&file).unwrap());
        play_recorded(&sandbox, &entrants, &config, out, &mut ()).unwrap();
        record.push(start.elapsed());

        let start = Instant::now();
        let report = verify_in(&sandbox, ReplayReader::open(&file).unwrap(), &find, 1).unwrap();
        check.push(start.elapsed());
        assert_eq!(report.divergence, None);

        // As `lockstep replay verify` does it: a new sandbox, modules compiled.
        let start = Instant::now();
        let report = verify(ReplayReader::open(&file).unwrap(), &find, 1).unwrap();
        cold.push(start.elapsed());
        assert_eq!(report.divergence, None);
    }
    let bytes = std::fs::metadata(&file).unwrap().len();
    let _ = std::fs::remove_file(&file);
    let (plain, record, check) = (median(plain), median(record), median(check));
    let cold = median(cold);
    println!(
        "replay of {} vs {} on arena, {played} ticks, median of {rounds} rounds:",
        BOTS[0], BOTS[1]
    );
    println!(
        "  size          {bytes} bytes, {:.0} bytes/tick",
        bytes as f64 / played as f64
    );
    println!("  plain match   {:8.1} ms", ms(plain));
    println!(
        "  with replay   {:8.1} ms   {:.3}x the plain match",
        ms(record),
        ratio(record, plain)
    );
    println!(
        "  verify        {:8.1} ms   {:.3}x the plain match",
        ms(check),
        ratio(check, plain)
    );
    println!(
        "  verify, cold  {:8.1} ms   (new sandbox, modules compiled, as the CLI does)",
        ms(cold)
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
