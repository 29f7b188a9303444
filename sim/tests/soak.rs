//! No leaks: a thousand short matches with hostile bots in one process keep
//! resident memory flat. Its own test binary, so nothing else allocates here.
//!
//! `cargo test -p lockstep-sim --test soak -- --nocapture` prints the figures.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{Entrant, MatchConfig, OverrunPolicy, run_match};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};

const MATCHES: usize = 1000;
const WARM_UP: usize = 100;
/// Growth allowed after warm-up: allocator noise, not a leak. A leak of one
/// instance (a 64 MiB memory, or even a 64 KiB page) per match would be far past it.
const SLACK_BYTES: u64 = 16 << 20;

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

/// Grows its memory to the cap, touches every 4 KiB page of it (so it is
/// really resident), then traps.
const GREEDY: &str = r#"(module
    (memory (export "memory") 1)
    (data (i32.const 0) "\00")
    (func (export "lockstep_abi") (result i32) i32.const 256)
    (func (export "lockstep_alloc") (param i32) (result i32) i32.const 1024)
    (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
    (func (export "lockstep_tick") (param i32 i32) (result i64)
        (local $at i32)
        (block $refused (loop $grow
            (br_if $refused (i32.eq (memory.grow (i32.const 256)) (i32.const -1)))
            (br $grow)))
        (loop $touch
            (i32.store8 (local.get $at) (i32.const 7))
            (local.set $at (i32.add (local.get $at) (i32.const 4096)))
            (br_if $touch (i32.lt_u (local.get $at) (i32.mul (memory.size) (i32.const 65536)))))
        unreachable))"#;

#[test]
fn a_thousand_hostile_matches_keep_memory_flat() {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let load = |name: &str, wasm: &[u8]| Entrant {
        name: name.to_string(),
        module: sandbox.load(wasm).unwrap(),
    };
    let bundled = |name: &str| load(name, bundled_bot(name).unwrap().wasm);
    let greedy = load("greedy", &wat::parse_str(GREEDY).unwrap());
    let opponents = [
        bundled("hostile-loop"),
        bundled("hostile-panic"),
        bundled("hostile-garbage"),
        greedy,
    ];
    let honest = bundled("random-walker");

    let mut config = MatchConfig::default();
    config.settings.set("max_ticks", 4);
    let mut after_warm_up = 0;
    for i in 0..MATCHES {
        config.seed = i as u64;
        config.overrun = if i % 2 == 0 {
            OverrunPolicy::Skip
        } else {
            OverrunPolicy::Reset
        };
        let opponent = opponents[i % opponents.len()].clone();
        let result = run_match(&sandbox, &[honest.clone(), opponent], &config).unwrap();
        assert_eq!(result.ticks, 4);
        assert!(result.players[1].first_failure.is_some());
        if i + 1 == WARM_UP {
            after_warm_up = resident_bytes();
        }
    }
    let end = resident_bytes();
    let mib = |bytes: u64| bytes as f64 / (1 << 20) as f64;
    eprintln!(
        "resident memory after {WARM_UP} matches: {:.1} MiB; after {MATCHES}: {:.1} MiB",
        mib(after_warm_up),
        mib(end)
    );
    assert!(
        end <= after_warm_up + SLACK_BYTES,
        "resident memory grew from {:.1} MiB to {:.1} MiB over {} matches",
        mib(after_warm_up),
        mib(end),
        MATCHES - WARM_UP
    );
}
