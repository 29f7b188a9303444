//! Throughput for headless users: matches per second of a round robin of
//! the bundled honest bots, wall time included (start-up, compiling every
//! module, the matches, the reports), at 1 and 2 threads, with the modules
//! compiled afresh and from the disk cache. This is what a player running
//! `lockstep tournament` waits for, so it times the real binary as a whole
//! process, not a function.
//!
//! Run: `cargo bench -p lockstep-sim --bench throughput` (7 runs of each
//! case, taken in turn so that a drift in the machine's speed hits all
//! cases alike; prints medians and the 2-thread/1-thread ratios). Under
//! `cargo test --all-targets` (no `--bench`) it plays one short tournament
//! of each case, to prove the bench still runs.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The honest bundled bots (the hostile ones exist to be cut off).
const BOTS: [&str; 5] = [
    "rusher",
    "harvester",
    "random-walker",
    "json-walker",
    "idle",
];

struct Case {
    name: &'static str,
    threads: u32,
    /// Whether the modules come from a warm disk cache (else none is used).
    cached: bool,
}

const CASES: [Case; 4] = [
    Case {
        name: "1 thread, compiled afresh",
        threads: 1,
        cached: false,
    },
    Case {
        name: "2 threads, compiled afresh",
        threads: 2,
        cached: false,
    },
    Case {
        name: "1 thread, from the disk cache",
        threads: 1,
        cached: true,
    },
    Case {
        name: "2 threads, from the disk cache",
        threads: 2,
        cached: true,
    },
];

/// One whole `lockstep tournament`: its wall time and how many matches it
/// played (from its own closing line).
fn tournament(work: &Path, case: &Case, games_per_pair: u32, run: usize) -> (Duration, u64) {
    let out = work.join(format!("t-{}-{}-{run}", case.threads, case.cached));
    let config = work.join(if case.cached {
        "cached.toml"
    } else {
        "fresh.toml"
    });
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .arg("tournament")
        .args(BOTS)
        .args(["--maps", "duel,crossroads", "--seed", "7"])
        .args(["--games-per-pair", &games_per_pair.to_string()])
        .args(["--threads", &case.threads.to_string()])
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("the lockstep binary runs");
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {stderr}", case.name);
    let played = stderr
        .lines()
        .find_map(|line| {
            line.strip_prefix("played ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `played N matches` line in:\n{stderr}"));
    let _ = std::fs::remove_dir_all(&out);
    (wall, played)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let (runs, games_per_pair) = if measuring { (7, 2) } else { (1, 1) };
    let work = std::env::temp_dir().join(format!("lockstep-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let cache = work.join("cache");
    std::fs::write(work.join("fresh.toml"), "[cache]\ndir = \"off\"\n").unwrap();
    std::fs::write(
        work.join("cached.toml"),
        format!("[cache]\ndir = \"{}\"\n", cache.display()),
    )
    .unwrap();
    // Fill the cache once, untimed.
    tournament(&work, &CASES[2], 1, usize::MAX);

    let mut walls: Vec<Vec<f64>> = CASES.iter().map(|_| Vec::new()).collect();
    let mut played = 0;
    for run in 0..runs {
        for (case, walls) in CASES.iter().zip(&mut walls) {
            let (wall, matches) = tournament(&work, case, games_per_pair, run);
            walls.push(wall.as_secs_f64());
            played = matches;
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    println!(
        "round robin of {} bundled bots on duel and crossroads, {games_per_pair} game(s) per pair \
         per map and seat order: {played} matches; whole `lockstep tournament` processes, \
         median of {runs}",
        BOTS.len()
    );
    println!("{:<32} {:>10} {:>12}", "case", "wall s", "matches/s");
    let medians: Vec<f64> = walls.into_iter().map(median).collect();
    for (case, wall) in CASES.iter().zip(&medians) {
        println!(
            "{:<32} {:>10.3} {:>12.1}",
            case.name,
            wall,
            played as f64 / wall
        );
    }
    println!(
        "2 threads / 1 thread, wall: {:.2}x compiled afresh, {:.2}x from the disk cache",
        medians[0] / medians[1],
        medians[2] / medians[3]
    );
}
