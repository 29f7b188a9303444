//! What the tests share: starting matches through the registry entry, and
//! orders as canonical bytes.
#![allow(dead_code)]

use lockstep_game_api::{DynGame, MapChoice, Setup};
use lockstep_snake::{DEF, Snake};
use lockstep_snake_sdk::{Action, Direction, Observation, Pos};
use rand_chacha::ChaCha8Rng;
use rand_core::Rng;
use serde_json::{Value, json};

/// Settings with no food spawning: scripted games see only the food they put down.
pub fn quiet() -> Value {
    json!({"minimum_food": 0, "food_spawn_chance": 0})
}

pub fn start(spec: &str, seats: usize, seed: u64, settings: &Value) -> Box<dyn DynGame> {
    DEF.start(&Setup {
        map: MapChoice::Spec(spec),
        seats,
        seed,
        settings,
    })
    .unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// The game behind the erased one, for placing snakes.
pub fn snake(game: &mut dyn DynGame) -> &mut Snake {
    game.as_any_mut()
        .downcast_mut::<Snake>()
        .expect("a snake game")
}

pub fn canonical(actions: &[Action]) -> Vec<u8> {
    postcard::to_allocvec(actions).expect("postcard of actions")
}

/// Submits one move per seat (`None`: nothing) in seat order, then steps.
pub fn play(game: &mut dyn DynGame, moves: &[Option<Direction>]) {
    for (seat, m) in moves.iter().enumerate() {
        if game.to_act(seat) {
            let actions: Vec<Action> = m.iter().map(|&dir| Action::Move { dir }).collect();
            game.submit_canonical(seat, &canonical(&actions))
                .expect("canonical bytes decode");
        }
    }
    game.step();
}

pub fn observe(game: &mut dyn DynGame, seat: usize) -> Observation {
    let mut bytes = Vec::new();
    game.encode_observation(seat, lockstep_game_api::Encoding::Postcard, &mut bytes);
    postcard::from_bytes(&bytes).expect("an observation")
}

pub fn p(x: u16, y: u16) -> Pos {
    Pos::new(x, y)
}

pub const U: Option<Direction> = Some(Direction::Up);
pub const D: Option<Direction> = Some(Direction::Down);
pub const L: Option<Direction> = Some(Direction::Left);
pub const R: Option<Direction> = Some(Direction::Right);

pub fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    (rng.next_u32() as usize) % n.max(1)
}

/// A bot's orders: usually a direction that does not hit a wall or a body
/// right away, sometimes anything, nothing, or two orders.
pub fn bot_orders(
    o: &Observation,
    seat: usize,
    w: u16,
    h: u16,
    rng: &mut ChaCha8Rng,
) -> Vec<Action> {
    let roll = below(rng, 100);
    if roll < 2 {
        return Vec::new();
    }
    let any = Direction::ALL[below(rng, 4)];
    if roll < 4 {
        return vec![Action::Move { dir: any }];
    }
    let head = o.snakes[seat].body[0];
    let safe: Vec<Direction> = head
        .neighbours(w, h)
        .filter(|&(_, p)| !o.occupied(p))
        .map(|(d, _)| d)
        .collect();
    let dir = if safe.is_empty() {
        any
    } else {
        safe[below(rng, safe.len())]
    };
    let mut list = vec![Action::Move { dir }];
    if roll >= 97 {
        list.push(Action::Move { dir: any });
    }
    list
}
