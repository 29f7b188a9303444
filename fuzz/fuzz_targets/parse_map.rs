//! A map file's text: parsed, and if it parses, a game set up on it and
//! stepped. Any text gives a map or a `MapError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Observation, PlayerId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(map) = Map::parse("fuzz", text) else { return };
    let players = map.cores.len();
    let Ok(mut game) = Game::new(&map, players, &GameConfig::default()) else { return };
    let mut obs = Observation::default();
    for _ in 0..3 {
        for p in 0..players {
            game.observe(PlayerId(p as u8), &mut obs);
        }
        game.step();
    }
    let _ = game.state_hash();
});
