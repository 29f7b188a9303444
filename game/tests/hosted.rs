//! The reference game through the game interface (`lockstep_game::DEF`):
//! the erased calls play exactly the game the direct ones do, and the
//! ranking names the winner the game's own rules name.

use lockstep_game::{DEF, Game, GameConfig, Map};
use lockstep_game_api::{DynGame, Encoding, EngineLimits, MapChoice, Setup, SetupError};
use lockstep_sdk::{Action, Direction, MatchInfo, Observation, PlayerId};
use serde_json::json;

fn start(
    map: MapChoice<'_>,
    seats: usize,
    seed: u64,
    settings: serde_json::Value,
) -> Box<dyn DynGame> {
    DEF.start(&Setup {
        map,
        seats,
        seed,
        settings: &settings,
    })
    .unwrap()
}

/// A bot-like order list from what `player` sees: every own unit moves, some
/// attack or harvest, and a spawn; a few orders are for units it does not own.
fn orders(obs: &Observation, player: PlayerId, seed: u32) -> Vec<Action> {
    let mut actions: Vec<Action> = (obs.units.iter().enumerate())
        .filter(|(i, u)| u.owner == player || i % 5 == 0)
        .map(|(i, u)| {
            let dir = Direction::ALL[(i + seed as usize + obs.tick as usize) % 4];
            match (i + seed as usize) % 6 {
                0 => Action::Attack { unit: u.id, dir },
                1 => Action::Harvest { unit: u.id, dir },
                _ => Action::Move { unit: u.id, dir },
            }
        })
        .collect();
    actions.push(Action::Spawn {
        dir: Direction::ALL[(obs.tick + seed) as usize % 4],
    });
    actions
}

/// The same orders given to the game directly and through the interface
/// (as postcard bytes, as a bot sends them) give the same hash every tick,
/// and the same observations in both encodings.
#[test]
fn the_erased_calls_play_the_same_game() {
    for (map, seats, seed) in [("duel", 2, 3), ("crossroads", 4, 5), ("random:40x40", 3, 8)] {
        let resolved = Map::resolve(map, seats, seed).unwrap();
        let mut direct = Game::new(&resolved, seats, &GameConfig::default()).unwrap();
        let mut hosted = start(MapChoice::Spec(map), seats, seed, json!(null));
        let mut ticks = 0;
        while !direct.is_over() && ticks < 150 {
            for seat in 0..seats {
                let player = PlayerId(seat as u8);
                assert_eq!(hosted.to_act(seat), direct.is_alive(player));
                if !direct.is_alive(player) {
                    continue;
                }
                let mut obs = Observation::default();
                direct.observe(player, &mut obs);
                for encoding in [Encoding::Postcard, Encoding::Json] {
                    let mut bytes = Vec::new();
                    hosted.encode_observation(seat, encoding, &mut bytes);
                    assert_eq!(
                        bytes,
                        lockstep_sdk::encode(encoding, &obs),
                        "{map} tick {ticks}"
                    );
                }
                let actions = orders(&obs, player, seat as u32);
                direct.submit(player, &actions);
                let output = lockstep_sdk::encode(Encoding::Postcard, &actions);
                assert_eq!(
                    hosted.submit_output(seat, Encoding::Postcard, &output),
                    Ok(actions.len())
                );
                let mut canonical = Vec::new();
                hosted.submitted_canonical(seat, &mut canonical);
                assert_eq!(canonical, output);
            }
            direct.step();
            hosted.step();
            assert_eq!(
                hosted.state_hash(),
                direct.state_hash(),
                "{map} tick {ticks}"
            );
            ticks += 1;
        }
        assert!(ticks > 20, "{map}: {ticks} ticks");
        assert_eq!(hosted.is_over(), direct.is_over());
        for seat in 0..seats {
            assert_eq!(
                hosted.rejected_total(seat),
                direct.rejected_total(PlayerId(seat as u8))
            );
        }
    }
}

/// The ranking's single first place is `Game::winner`, over many games that
/// end every way: one core left, all fallen together, the tick limit.
#[test]
fn the_ranking_names_the_winner() {
    let (mut wins, mut draws) = (0, 0);
    for seed in 0..24u64 {
        let seats = 2 + (seed % 3) as usize;
        let config = GameConfig {
            max_ticks: [30, 120, 400][seed as usize % 3],
            ..GameConfig::default()
        };
        let map = ["duel", "crossroads", "random:24x24"][seed as usize % 3];
        let resolved = Map::resolve(map, seats, seed).unwrap();
        let Ok(mut direct) = Game::new(&resolved, seats, &config) else {
            continue;
        };
        let mut hosted = start(
            MapChoice::Spec(map),
            seats,
            seed,
            serde_json::to_value(&config).unwrap(),
        );
        while !direct.is_over() {
            for seat in 0..seats {
                let player = PlayerId(seat as u8);
                if direct.is_alive(player) {
                    let mut obs = Observation::default();
                    direct.observe(player, &mut obs);
                    let actions = orders(&obs, player, seed as u32 + seat as u32);
                    direct.submit(player, &actions);
                    let output = lockstep_sdk::encode(Encoding::Postcard, &actions);
                    hosted
                        .submit_output(seat, Encoding::Postcard, &output)
                        .unwrap();
                }
            }
            direct.step();
            hosted.step();
        }
        let ranking = hosted.ranking();
        let first: Vec<usize> = (0..seats).filter(|&s| ranking[s] == 0).collect();
        let winner = (first.len() == 1).then(|| first[0]);
        assert_eq!(
            winner,
            direct.winner().map(|p| p.0 as usize),
            "seed {seed}: {ranking:?}"
        );
        if winner.is_some() {
            wins += 1;
        } else {
            draws += 1;
        }
        assert_eq!(hosted.scores().len(), seats);
    }
    assert!(wins > 5, "games with a winner: {wins}");
    assert!(draws > 0, "games drawn: {draws}");
}

#[test]
fn a_recorded_map_makes_the_same_match() {
    let first = start(MapChoice::Spec("random:30x30"), 3, 11, json!(null));
    let recorded = first.recorded_map();
    let again = start(MapChoice::Recorded(&recorded), 3, 999, json!(null));
    assert_eq!(again.state_hash(), first.state_hash());
    assert_eq!(again.recorded_map(), recorded);
}

#[test]
fn the_init_message_carries_the_engine_limits_and_the_game_settings() {
    let settings = json!({"max_ticks": 77});
    let game = start(MapChoice::Spec("duel"), 2, 0, settings);
    let limits = EngineLimits {
        init_fuel: 5,
        tick_fuel: 6,
        max_output_bytes: 7,
        max_log_lines: 8,
        max_log_line_bytes: 9,
        max_memory_bytes: 10,
    };
    let bytes = game.init_message(1, 42, &limits, Encoding::Json);
    let info: MatchInfo = lockstep_sdk::decode(Encoding::Json, &bytes).unwrap();
    assert_eq!((info.you, info.seed), (PlayerId(1), 42));
    assert_eq!(
        (info.limits.tick_fuel, info.limits.max_memory_bytes),
        (6, 10)
    );
    assert_eq!((info.limits.max_ticks, info.limits.max_actions), (77, 256));
    assert_eq!(game.settings()["max_ticks"], 77);
}

#[test]
fn bad_setups_say_what_is_wrong() {
    let bad = |map: &str, seats: usize, settings: serde_json::Value| {
        DEF.start(&Setup {
            map: MapChoice::Spec(map),
            seats,
            seed: 0,
            settings: &settings,
        })
        .err()
        .unwrap()
    };
    let seats = bad("duel", 1, json!(null));
    assert!(
        matches!(
            seats,
            SetupError::Seats {
                given: 1,
                min: 2,
                max: 8,
                ..
            }
        ),
        "{seats}"
    );
    let key = bad("duel", 2, json!({"max_tick": 5})).to_string();
    assert!(key.contains("unknown field `max_tick`"), "{key}");
    let zero = bad("duel", 2, json!({"max_ticks": 0})).to_string();
    assert!(zero.contains("max_ticks"), "{zero}");
    let map = bad("no-such-map", 2, json!(null)).to_string();
    assert!(map.contains("no-such-map"), "{map}");
}

#[test]
fn canonical_actions_read_back_in_words_and_json() {
    let actions = vec![
        Action::Spawn {
            dir: Direction::East,
        },
        Action::Move {
            unit: lockstep_sdk::UnitId(3),
            dir: Direction::North,
        },
    ];
    let canonical = lockstep_sdk::encode(Encoding::Postcard, &actions);
    assert_eq!(
        DEF.describe_actions(&canonical).unwrap(),
        ["spawn East", "unit #3 move North"]
    );
    assert_eq!(
        DEF.actions_json(&canonical).unwrap(),
        serde_json::to_value(&actions).unwrap()
    );
    assert!(DEF.describe_actions(&[9, 9]).is_err());
}
