//! The starter kits' bots, built from source by their real toolchains
//! (`scripts/build-kits`, which `scripts/test` runs first), are accepted
//! with the default limits and play: each beats `random-walker` in most
//! games. With `LOCKSTEP_REQUIRE_KITS=1` (as `scripts/test` sets) a missing
//! module fails the test; otherwise it is skipped with a note.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{Entrant, MatchConfig, run_match};
use lockstep_sim::sandbox::{Sandbox, SandboxConfig};
use std::sync::OnceLock;
use support_kits::kit_module;

#[path = "support/kits.rs"]
mod support_kits;

/// Every module `scripts/build-kits` writes, by file name.
const KITS: [&str; 6] = ["c", "c-wasi", "zig", "assemblyscript", "go", "rust"];

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

fn entrant(name: &str, wasm: &[u8]) -> Entrant {
    Entrant {
        name: name.to_string(),
        module: sandbox()
            .load(wasm)
            .unwrap_or_else(|e| panic!("the {name} kit's bot is refused: {e}")),
    }
}

#[test]
fn every_kit_bot_beats_random_walker_in_most_games() {
    let walker = entrant("random-walker", bundled_bot("random-walker").unwrap().wasm);
    for name in KITS {
        let Some(wasm) = kit_module(name) else {
            continue;
        };
        let kit = entrant(name, &wasm);
        let mut wins = 0;
        let mut games = Vec::new();
        for seed in [1, 2] {
            for kit_seat in [0, 1] {
                let mut seats = vec![walker.clone(), walker.clone()];
                seats[kit_seat] = kit.clone();
                let config = MatchConfig {
                    map: "duel".into(),
                    seed,
                    ..MatchConfig::default()
                };
                let result = run_match(sandbox(), &seats, &config).unwrap();
                let kit_result = &result.players[kit_seat];
                assert_eq!(kit_result.traps, 0, "{name}: {kit_result:?}");
                assert_eq!(kit_result.cutoffs, 0, "{name}: {kit_result:?}");
                wins += u32::from(result.winner == Some(kit_seat));
                games.push((seed, kit_seat, result.winner, result.ticks));
            }
        }
        assert!(wins >= 3, "{name} won {wins} of 4: {games:?}");
    }
}
