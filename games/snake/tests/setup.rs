//! Starting a match: settings, maps, seats, recorded maps, starting spots,
//! the init message.

mod common;

use common::*;
use lockstep_game_api::{Encoding, EngineLimits, MapChoice, Setup, SetupError};
use lockstep_snake::DEF;
use lockstep_snake_sdk::{HazardMode, Init, Pos};
use serde_json::{Value, json};

fn try_start(spec: &str, seats: usize, settings: &Value) -> Result<(), SetupError> {
    DEF.start(&Setup {
        map: MapChoice::Spec(spec),
        seats,
        seed: 1,
        settings,
    })
    .map(drop)
}

#[test]
fn registry_entry() {
    assert_eq!(DEF.name(), "snake");
    assert_eq!(DEF.seats(), (1, 8));
    assert_eq!(DEF.default_map(), "standard");
    assert_eq!(DEF.rules_version(), 1);
    assert_eq!(DEF.bundled_maps(), ["standard", "small", "large"]);
    assert_eq!(
        DEF.default_settings(),
        json!({
            "max_ticks": 500, "hazard_damage": 14, "minimum_food": 1,
            "food_spawn_chance": 15, "hazards": "none", "shrink_every": 20,
        })
    );
    let filled = DEF.check_settings(&json!({"hazards": "royale"})).unwrap();
    assert_eq!(filled["hazards"], "royale");
    assert_eq!(filled["max_ticks"], 500);
}

#[test]
fn unknown_or_bad_settings_are_named() {
    let err = DEF.check_settings(&json!({"max_tick": 10})).unwrap_err();
    assert!(err.to_string().contains("max_tick"), "{err}");
    let err = DEF.check_settings(&json!({"hazards": "lava"})).unwrap_err();
    assert!(err.to_string().contains("lava"), "{err}");
    for (settings, key) in [
        (json!({"max_ticks": 0}), "max_ticks"),
        (json!({"food_spawn_chance": 101}), "food_spawn_chance"),
        (json!({"shrink_every": 0}), "shrink_every"),
    ] {
        let err = try_start("standard", 2, &settings).unwrap_err();
        assert!(matches!(err, SetupError::Settings { .. }), "{err}");
        assert!(err.to_string().contains(key), "{err}");
    }
    assert!(try_start("standard", 2, &Value::Null).is_ok());
}

#[test]
fn bad_map_specs_name_the_spec_and_what_is_accepted() {
    for spec in ["medium", "random:4x4", "random:26x10", "random:axb", "duel"] {
        let err = try_start(spec, 2, &Value::Null).unwrap_err();
        let SetupError::Map(message) = &err else {
            panic!("{err}");
        };
        assert!(message.contains(&format!("{spec:?}")), "{message}");
        for accepted in ["standard", "small", "large", "random:WxH", "5..=25"] {
            assert!(message.contains(accepted), "{message}");
        }
    }
    for spec in [
        "standard",
        "small",
        "large",
        "random:5x5",
        "random:25x25",
        "random:6x19",
    ] {
        try_start(spec, 8, &Value::Null).unwrap();
    }
}

#[test]
fn seats_outside_one_to_eight_are_refused() {
    assert!(matches!(
        try_start("standard", 0, &Value::Null),
        Err(SetupError::Seats { .. })
    ));
    assert!(matches!(
        try_start("standard", 9, &Value::Null),
        Err(SetupError::Seats { .. })
    ));
}

/// A recorded map starts the same match again, move for move.
#[test]
fn recorded_maps_replay_the_same_match() {
    for (spec, settings) in [
        ("standard", json!({})),
        (
            "random:13x6",
            json!({"hazards": "royale", "shrink_every": 3}),
        ),
    ] {
        let mut first = start(spec, 3, 42, &settings);
        let recorded = first.recorded_map();
        assert_eq!(recorded.name, spec);
        let mut again = DEF
            .start(&Setup {
                map: MapChoice::Recorded(&recorded),
                seats: 3,
                seed: 42,
                settings: &settings,
            })
            .unwrap();
        assert_eq!(again.recorded_map(), recorded);
        assert_eq!(first.view(), again.view());
        for t in 0..30u8 {
            let dirs = [L, U, R, D];
            let moves: Vec<_> = (0..3).map(|s| dirs[(t as usize / 3 + s) % 4]).collect();
            play(&mut *first, &moves);
            play(&mut *again, &moves);
            assert_eq!(first.state_hash(), again.state_hash(), "{spec} tick {t}");
        }
        // Played under other hazards, a recorded map is refused.
        let other =
            json!({"hazards": if settings["hazards"] == "royale" { "none" } else { "royale" }});
        let err = DEF
            .start(&Setup {
                map: MapChoice::Recorded(&recorded),
                seats: 3,
                seed: 42,
                settings: &other,
            })
            .map(drop)
            .unwrap_err();
        assert!(matches!(err, SetupError::Map(_)), "{err}");
    }
}

#[test]
fn standard_boards_use_the_eight_fixed_spots_shuffled_by_the_seed() {
    let fixed = |side: u16| {
        let (mn, md, mx) = (1, (side - 1) / 2, side - 2);
        let mut spots: Vec<Pos> = [
            (mn, mn),
            (mn, mx),
            (mx, mn),
            (mx, mx),
            (mn, md),
            (md, mn),
            (md, mx),
            (mx, md),
        ]
        .map(|(x, y)| p(x, y))
        .to_vec();
        spots.sort();
        spots
    };
    for (spec, side) in [("small", 7), ("standard", 11), ("large", 19)] {
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..8 {
            let mut g = start(spec, 8, seed, &Value::Null);
            let o = observe(&mut *g, 0);
            let heads: Vec<Pos> = o.snakes.iter().map(|s| s.body[0]).collect();
            for s in &o.snakes {
                assert_eq!(s.body, [s.body[0]; 3], "three segments stacked");
                assert_eq!((s.health, s.length), (100, 3));
            }
            let mut sorted = heads.clone();
            sorted.sort();
            assert_eq!(sorted, fixed(side), "{spec}");
            orders.insert(heads.clone());
            // Food: the centre, plus one diagonal to each snake unless more
            // than four share a small board.
            let centre = p((side - 1) / 2, (side - 1) / 2);
            assert!(o.food.contains(&centre));
            if side != 7 {
                assert_eq!(o.food.len(), 9, "{spec}");
                for h in &heads {
                    assert!(
                        o.food
                            .iter()
                            .any(|f| f.x.abs_diff(h.x) == 1 && f.y.abs_diff(h.y) == 1)
                    );
                }
            } else {
                assert_eq!(o.food.len(), 1);
            }
        }
        assert!(orders.len() > 1, "the seed shuffles the spots");
    }
    // Up to four snakes on the small board each get food.
    let mut g = start("small", 4, 5, &Value::Null);
    assert_eq!(observe(&mut *g, 0).food.len(), 5);
}

#[test]
fn other_sizes_start_on_random_even_cells() {
    for seed in 0..20 {
        let mut g = start("random:9x6", 8, seed, &Value::Null);
        let o = observe(&mut *g, 0);
        let mut heads: Vec<Pos> = o.snakes.iter().map(|s| s.body[0]).collect();
        assert!(
            heads
                .iter()
                .all(|h| (h.x + h.y) % 2 == 0 && h.x < 9 && h.y < 6)
        );
        heads.sort();
        heads.dedup();
        assert_eq!(heads.len(), 8);
        assert!(o.food.iter().all(|f| !heads.contains(f)));
    }
}

#[test]
fn init_tells_the_bot_its_seat_board_rules_and_limits() {
    let settings = json!({"hazards": "royale", "max_ticks": 77});
    let g = start("random:8x12", 3, 1, &settings);
    let limits = EngineLimits {
        init_fuel: 1,
        tick_fuel: 2,
        max_output_bytes: 3,
        max_log_lines: 4,
        max_log_line_bytes: 5,
        max_memory_bytes: 6,
    };
    for encoding in [Encoding::Postcard, Encoding::Json] {
        let bytes = g.init_message(2, 99, &limits, encoding);
        let init: Init = match encoding {
            Encoding::Postcard => postcard::from_bytes(&bytes).unwrap(),
            Encoding::Json => serde_json::from_slice(&bytes).unwrap(),
        };
        assert_eq!((init.you, init.snakes, init.seed), (2, 3, 99));
        assert_eq!((init.width, init.height), (8, 12));
        assert_eq!(init.rules.max_ticks, 77);
        assert_eq!(init.rules.hazards, HazardMode::Royale);
        assert_eq!(init.rules.max_health, 100);
        assert_eq!(init.limits.max_memory_bytes, 6);
        assert_eq!(init.limits.init_fuel, 1);
    }
}

#[test]
fn view_has_the_whole_state() {
    let mut g = start("standard", 2, 4, &Value::Null);
    let v = g.view();
    assert_eq!(
        (v["tick"].clone(), v["width"].clone(), v["height"].clone()),
        (json!(0), json!(11), json!(11))
    );
    assert_eq!(v["snakes"].as_array().unwrap().len(), 2);
    assert_eq!(v["snakes"][0]["body"].as_array().unwrap().len(), 3);
    assert_eq!(v["food"].as_array().unwrap().len(), 3);
    assert_eq!(v["hazards"], json!([]));
    play(&mut *g, &[L, R]);
    assert_eq!(g.view()["tick"], 1);
}
