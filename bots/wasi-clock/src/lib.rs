//! # WASI clock: Rust's standard library on `wasm32-wasip1`
//!
//! A bot written the way a Rust programmer writes ordinary code: it asks
//! `SystemTime` and `Instant` for the time, lets a `HashMap` pick its own
//! random keys, reads random bytes, and prints with `println!` and
//! `eprintln!`. Every one of those goes through WASI, which Lockstep
//! answers deterministically (docs/abi.md, "WASI, deterministically"), so
//! the tests can check that what it prints is the same in every run of the
//! same match, and is what the docs say it is.
//!
//! It plays, too, if weakly: the core spawns when it can, and each unit
//! walks in a direction drawn from the random bytes.

use lockstep_sdk::{Action, Bot, Direction, MatchInfo, Observation, PlayerId};
use std::collections::HashMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub struct WasiClock {
    me: PlayerId,
    unit_cost: u32,
    started: Instant,
}

/// `len` bytes from WASI's `random_get` (std has no public API for it).
#[cfg(target_os = "wasi")]
fn random_bytes(len: usize) -> Vec<u8> {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        fn random_get(buf: *mut u8, len: usize) -> u16;
    }
    let mut bytes = vec![0u8; len];
    // SAFETY: the host writes exactly `len` bytes into our buffer.
    let errno = unsafe { random_get(bytes.as_mut_ptr(), len) };
    assert_eq!(errno, 0, "random_get failed");
    bytes
}

/// Natively (the crate's own tests) there is no WASI: a fixed pattern.
#[cfg(not(target_os = "wasi"))]
fn random_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Bot for WasiClock {
    fn new(info: &MatchInfo) -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970");
        println!(
            "init: seat {} wall {} ns random {}",
            info.you.0,
            since_epoch.as_nanos(),
            hex(&random_bytes(8))
        );
        WasiClock {
            me: info.you,
            unit_cost: info.rules.unit_cost,
            started: Instant::now(),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos();
        let elapsed = self.started.elapsed().as_nanos();
        // Iteration order follows the map's random keys, i.e. random_get.
        let map: HashMap<u32, u32> = (0..8).map(|i| (i, i)).collect();
        let order: Vec<u32> = map.keys().copied().collect();
        let random = random_bytes(16);
        println!(
            "tick {}: wall {wall} elapsed {elapsed} random {} order {order:?}",
            obs.tick,
            hex(&random)
        );
        if obs.tick.is_multiple_of(10) {
            // Several writes, one line: stderr is unbuffered in Rust.
            eprint!("tick {} ", obs.tick);
            eprintln!("on stderr");
        }
        let mut orders = Vec::new();
        let mine = obs.units.iter().filter(|u| u.owner == self.me);
        for (unit, byte) in mine.zip(random.iter().cycle()) {
            let dir = [
                Direction::North,
                Direction::East,
                Direction::South,
                Direction::West,
            ][usize::from(byte % 4)];
            orders.push(Action::Move { unit: unit.id, dir });
        }
        if obs.energy >= self.unit_cost {
            let dir = [Direction::South, Direction::North][usize::from(random[0] % 2)];
            orders.push(Action::Spawn { dir });
        }
        orders
    }
}

lockstep_sdk::export_bot!(WasiClock);
