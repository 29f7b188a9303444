//! Golden determinism: the final state of a few seeded games, pinned. Played
//! through `def::<Snake>().start(...)` and `DynGame::submit_canonical`, so
//! the erased path is what is pinned. A change here means the rules or the
//! hash encoding changed: bump `RULES_VERSION` (or the hash's tag) and
//! re-pin, never just re-pin.

mod common;

use common::*;
use lockstep_game_api::DynGame;
use lockstep_snake_sdk::{Action, Direction};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

/// How the orders of a golden game are made.
enum Script {
    /// `bot_orders` from a ChaCha8 stream of this seed.
    Bot(u64),
    /// Each seat repeats this cycle of moves.
    Cycle(&'static [Direction]),
}

fn play_out(
    spec: &str,
    seats: usize,
    seed: u64,
    settings: Value,
    script: Script,
) -> (String, u32, Vec<u32>) {
    let mut game: Box<dyn DynGame> = start(spec, seats, seed, &settings);
    let size = game.view();
    let (w, h) = (
        size["width"].as_u64().unwrap() as u16,
        size["height"].as_u64().unwrap() as u16,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(match script {
        Script::Bot(s) => s,
        Script::Cycle(_) => 0,
    });
    while !game.is_over() {
        let tick = game.tick() as usize;
        for seat in 0..seats {
            if !game.to_act(seat) {
                continue;
            }
            let actions = match script {
                Script::Bot(_) => bot_orders(&observe(&mut *game, seat), seat, w, h, &mut rng),
                Script::Cycle(cycle) => vec![Action::Move {
                    dir: cycle[(tick + seat) % cycle.len()],
                }],
            };
            game.submit_canonical(seat, &canonical(&actions)).unwrap();
        }
        game.step();
    }
    (hex(&game.state_hash()), game.tick(), game.ranking())
}

use Direction::{Down, Left, Right, Up};

#[test]
fn golden_standard_four_bots() {
    let got = play_out("standard", 4, 2026, Value::Null, Script::Bot(1));
    assert_eq!(
        got,
        (
            String::from("ef65ca56b19e7cc473d97c1a136a8bad78c28dc1173e1163d0dccdd7261d60c9"),
            37,
            vec![3, 0, 1, 2]
        )
    );
}

#[test]
fn golden_royale_on_a_random_board() {
    let settings = json!({"hazards": "royale", "shrink_every": 5, "hazard_damage": 20});
    let got = play_out("random:9x13", 2, 7, settings, Script::Bot(2));
    assert_eq!(
        got,
        (
            String::from("f66afdabc78229b5ac8902d9d57f4eca023faddaf0f3ac51963b1e5193650bee"),
            22,
            vec![1, 0]
        )
    );
}

#[test]
fn golden_solo_loop_to_the_tick_limit() {
    // A 2x2 loop: the snake never dies, eats what spawns on its path.
    let settings = json!({"max_ticks": 120, "food_spawn_chance": 40});
    let got = play_out(
        "small",
        1,
        11,
        settings,
        Script::Cycle(&[Right, Down, Left, Up]),
    );
    assert_eq!(
        got,
        (
            String::from("342d12e2c96b915e3c321eb2fbef6891679f26540ac761e5ef2d12ead34c1763"),
            120,
            vec![0]
        )
    );
}

#[test]
fn golden_eight_on_the_large_board() {
    let settings = json!({"max_ticks": 150, "food_spawn_chance": 50, "minimum_food": 3});
    let got = play_out("large", 8, 99, settings, Script::Bot(3));
    assert_eq!(
        got,
        (
            String::from("af3127a23406b9a2949bb30ff1e49f7a4b07f05ba3d3778f96b5be0b5eb7f760"),
            51,
            vec![4, 2, 7, 0, 1, 4, 2, 6]
        )
    );
}
