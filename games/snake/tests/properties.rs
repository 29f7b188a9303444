//! Many seeded games with random (mostly sensible) orders: after every step
//! the board must make sense, and the same seed must play the same game.

mod common;

use common::*;
use lockstep_game_api::{DynGame, Encoding};
use lockstep_snake_sdk::{Observation, Pos};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use serde_json::json;

fn observe_both(game: &mut dyn DynGame, seat: usize) -> Observation {
    let o = observe(game, seat);
    let mut bytes = Vec::new();
    game.encode_observation(seat, Encoding::Json, &mut bytes);
    let json: Observation = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json, o, "JSON and postcard say the same");
    o
}

fn check(o: &Observation, w: u16, h: u16, seats: usize, previous: &Observation) {
    let on = |p: &Pos| p.x < w && p.y < h;
    assert_eq!(o.snakes.len(), seats);
    let live: Vec<_> = o.snakes.iter().filter(|s| s.alive).collect();
    for s in &o.snakes {
        let before = &previous.snakes[s.seat as usize];
        assert!(before.alive || !s.alive, "no snake comes back");
        if !s.alive {
            assert!(s.body.is_empty());
            continue;
        }
        assert!((1..=100).contains(&s.health), "{s:?}");
        assert_eq!(s.length as usize, s.body.len());
        assert!(s.body.len() >= 3);
        assert!(s.body.iter().all(on), "{s:?}");
        for (i, pair) in s.body.windows(2).enumerate() {
            if pair[0] == pair[1] {
                assert!(
                    s.body[i..].iter().all(|&c| c == pair[0]),
                    "only the tail stacks: {s:?}"
                );
            } else {
                assert_eq!(pair[0].manhattan(pair[1]), 1, "contiguous: {s:?}");
            }
        }
        assert_eq!(s.body[0].manhattan(before.body[0]), 1, "moved one cell");
        assert!(s.length >= before.length && s.length <= before.length + 1);
        assert!(s.health == 100 || s.health < before.health);
        // No live head on any body cell but its own head.
        for other in &live {
            let skip = usize::from(other.seat == s.seat);
            assert!(
                !other.body[skip..].contains(&s.body[0]),
                "{s:?} in {other:?}"
            );
        }
    }
    let mut food = o.food.clone();
    food.sort_by_key(|f| (f.y, f.x));
    food.dedup();
    assert_eq!(food, o.food, "food sorted, no duplicates");
    assert!(o.food.iter().all(on));
    assert!(
        o.food.iter().all(|f| !o.occupied(*f)),
        "no food under a snake"
    );
    let mut hazards = o.hazards.clone();
    hazards.sort_by_key(|h| (h.y, h.x));
    hazards.dedup();
    assert_eq!(hazards, o.hazards);
    assert!(
        previous.hazards.iter().all(|h| o.hazards.contains(h)),
        "hazards only grow"
    );
}

/// Plays one game to the end; returns the state hash after every step.
fn play_game(seed: u64, check_all: bool) -> Vec<[u8; 32]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let seats = 1 + below(&mut rng, 8);
    let specs = [
        "standard",
        "small",
        "large",
        "random:5x5",
        "random:9x14",
        "random:25x6",
    ];
    let spec = specs[below(&mut rng, specs.len())];
    let (w, h) = match spec {
        "standard" => (11, 11),
        "small" => (7, 7),
        "large" => (19, 19),
        "random:5x5" => (5, 5),
        "random:9x14" => (9, 14),
        _ => (25, 6),
    };
    let settings = json!({
        "max_ticks": 40 + below(&mut rng, 260),
        "minimum_food": below(&mut rng, 4),
        "food_spawn_chance": below(&mut rng, 101),
        "hazards": if below(&mut rng, 2) == 0 { "none" } else { "royale" },
        "shrink_every": 1 + below(&mut rng, 15),
        "hazard_damage": below(&mut rng, 30),
    });
    let mut game = start(spec, seats, seed, &settings);
    let mut hashes = vec![game.state_hash()];
    let mut previous = observe_both(&mut *game, 0);
    while !game.is_over() {
        let tick = game.tick();
        for seat in 0..seats {
            if game.to_act(seat) {
                let o = if check_all {
                    observe_both(&mut *game, seat)
                } else {
                    previous.clone()
                };
                let actions = bot_orders(&o, seat, w, h, &mut rng);
                game.submit_canonical(seat, &canonical(&actions)).unwrap();
            }
        }
        game.step();
        assert_eq!(game.tick(), tick + 1);
        let o = observe_both(&mut *game, 0);
        if check_all {
            check(&o, w, h, seats, &previous);
        }
        previous = o;
        hashes.push(game.state_hash());
    }
    let max_ticks = settings["max_ticks"].as_u64().unwrap() as u32;
    let alive = previous.snakes.iter().filter(|s| s.alive).count();
    assert!(
        game.tick() == max_ticks || alive <= usize::from(seats >= 2),
        "{settings}"
    );
    let ranking = game.ranking();
    assert_eq!(ranking.len(), seats);
    assert!(ranking.contains(&0));
    assert!(ranking.iter().all(|&r| (r as usize) < seats));
    hashes
}

#[test]
fn random_games_keep_the_invariants() {
    for seed in 0..150 {
        play_game(seed, true);
    }
}

#[test]
fn the_same_seed_plays_the_same_game() {
    for seed in [3, 17, 1000] {
        let first = play_game(seed, false);
        assert_eq!(first, play_game(seed, false));
        let mut distinct = first.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), first.len(), "every tick hashes differently");
    }
}
