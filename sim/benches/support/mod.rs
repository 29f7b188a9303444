//! Shared by the benchmarks (each includes it by path).

use bot_harvester::Harvester;
use bot_rusher::Rusher;
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Action, Encoding, Limits, Observation, PlayerId, Runner};

const FUEL: u64 = 100_000_000;

/// The rusher's view of a real game (rusher vs harvester on the 64x64 arena,
/// both native), as encoded messages: its `MatchInfo` and 150 observations.
pub fn recorded_rusher_game() -> (Vec<u8>, Vec<Vec<u8>>) {
    let map = Map::resolve("arena", 2, 0).unwrap();
    let mut game = Game::new(&map, 2, &GameConfig::default()).unwrap();
    let limits = Limits {
        max_ticks: 500,
        init_fuel: FUEL,
        tick_fuel: FUEL,
        max_actions: 256,
        max_output_bytes: 65536,
        max_log_lines: 16,
        max_log_line_bytes: 256,
        max_memory_bytes: 64 << 20,
    };
    fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
        lockstep_sdk::encode(Encoding::Postcard, value)
    }
    let infos = [0u8, 1].map(|p| encode(&game.match_info(PlayerId(p), 7, limits.clone())));
    let mut rusher = Runner::<Rusher>::new(Encoding::Postcard);
    let mut harvester = Runner::<Harvester>::new(Encoding::Postcard);
    rusher.init(&infos[0]);
    harvester.init(&infos[1]);
    let mut observations = Vec::new();
    let mut obs = Observation::default();
    while observations.len() < 150 && !game.is_over() {
        game.observe(PlayerId(0), &mut obs);
        let rusher_input = encode(&obs);
        game.observe(PlayerId(1), &mut obs);
        let harvester_input = encode(&obs);
        let orders: Vec<Action> =
            lockstep_sdk::decode(Encoding::Postcard, rusher.tick(&rusher_input)).unwrap();
        game.submit(PlayerId(0), &orders);
        let orders: Vec<Action> =
            lockstep_sdk::decode(Encoding::Postcard, harvester.tick(&harvester_input)).unwrap();
        game.submit(PlayerId(1), &orders);
        game.step();
        observations.push(rusher_input);
    }
    (infos[0].clone(), observations)
}
