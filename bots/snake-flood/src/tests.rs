use super::*;
use bot_snake_simple::{Simple, blocked_next_tick};
use lockstep_game_api::{EngineLimits, Game, MapChoice, Setup};
use lockstep_snake::{Settings, Snake};
use lockstep_snake_sdk::{Encoding, HazardMode, Limits, Rules, Runner, SnakeView, decode, encode};
use serde_json::Value;

use Direction::{Left, Right, Up};

const FUEL: u64 = 20_000_000;

fn init(you: u8, snakes: u8, width: u16, height: u16) -> Init {
    Init {
        you,
        snakes,
        seed: 1,
        width,
        height,
        rules: Rules {
            max_ticks: 500,
            max_health: 100,
            hazard_damage: 14,
            minimum_food: 1,
            food_spawn_chance: 15,
            hazards: HazardMode::None,
            shrink_every: 20,
        },
        limits: Limits {
            init_fuel: 200_000_000,
            tick_fuel: FUEL,
            max_output_bytes: 4096,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            max_memory_bytes: 64 << 20,
        },
    }
}

fn snake(seat: u8, health: u16, body: &[(u16, u16)]) -> SnakeView {
    SnakeView {
        seat,
        alive: true,
        health,
        body: body.iter().map(|&(x, y)| Pos::new(x, y)).collect(),
        length: body.len() as u32,
    }
}

fn obs(snakes: Vec<SnakeView>, food: &[(u16, u16)]) -> Observation {
    let mut food: Vec<Pos> = food.iter().map(|&(x, y)| Pos::new(x, y)).collect();
    food.sort_by_key(|p| (p.y, p.x));
    Observation {
        tick: 10,
        snakes,
        food,
        ..Observation::default()
    }
}

/// Seat 0's move on a `size` x `size` board.
fn choose(size: u16, o: &Observation) -> Choice {
    let mut bot = Flood::new(&init(0, o.snakes.len() as u8, size, size));
    bot.choose(o).expect("a live snake gets a move")
}

#[test]
fn fill_cap_follows_the_fuel() {
    assert_eq!(fill_cap(FUEL), (FUEL / 2 / FUEL_PER_CELL / 5) as u32);
    // At the default budget every fill may cover a whole 25x25 board.
    assert!(fill_cap(FUEL) >= 25 * 25);
    assert_eq!(fill_cap(1_000), MIN_FILL);
}

#[test]
fn stays_off_walls_and_necks() {
    // Top-left corner, neck below: right is the only move.
    let o = obs(vec![snake(0, 100, &[(0, 0), (0, 1), (0, 2)])], &[]);
    assert_eq!(choose(7, &o).dir, Right);
    // Bottom-right corner, neck to the left: up.
    let o = obs(vec![snake(0, 100, &[(6, 6), (5, 6), (4, 6)])], &[(6, 0)]);
    assert_eq!(choose(7, &o).dir, Up);
}

#[test]
fn stays_off_bodies_but_follows_tails() {
    // A wall of another snake to the right, food behind it.
    let me = snake(0, 10, &[(3, 3), (3, 4), (3, 5)]);
    let wall = snake(
        1,
        100,
        &[(4, 0), (4, 1), (4, 2), (4, 3), (4, 4), (4, 5), (4, 6)],
    );
    let o = obs(vec![me.clone(), wall], &[(5, 3)]);
    let c = choose(7, &o);
    assert!(c.dir == Up || c.dir == Left, "{c:?}");

    // Boxed in on three sides; the only way out is another snake's tail,
    // which moves away this tick.
    let me = snake(0, 100, &[(1, 1), (1, 2), (1, 3)]);
    // Its cells, tail (2, 1) last; only which cell is where matters here.
    let other = snake(
        1,
        100,
        &[
            (3, 0),
            (2, 0),
            (1, 0),
            (0, 0),
            (0, 1),
            (0, 2),
            (2, 2),
            (2, 1),
        ],
    );
    let o = obs(vec![me, other.clone()], &[]);
    assert_eq!(choose(7, &o).dir, Right);
    // The same tail doubled (it just ate) stays: nothing is safe.
    let mut fed = other;
    fed.body.push(Pos::new(2, 1));
    fed.length += 1;
    let o = obs(vec![snake(0, 100, &[(1, 1), (1, 2), (1, 3)]), fed], &[]);
    assert_eq!(choose(7, &o).mode, Mode::Doomed);
}

#[test]
fn eats_when_starving_else_keeps_room() {
    for (food, dir) in [((0, 3), Left), ((6, 3), Right)] {
        let o = obs(vec![snake(0, 5, &[(3, 3), (3, 4), (3, 5)])], &[food]);
        let c = choose(7, &o);
        assert_eq!((c.dir, c.mode), (dir, Mode::Food), "food at {food:?}");
    }
    // Alone and fed, it is the longest: room and tail, not the food.
    let o = obs(vec![snake(0, 100, &[(3, 3), (3, 4), (3, 5)])], &[(0, 3)]);
    assert_eq!(choose(7, &o).mode, Mode::Space);
    // Not the longest: food even when fed.
    let o = obs(
        vec![
            snake(0, 100, &[(3, 3), (3, 4), (3, 5)]),
            snake(1, 100, &[(0, 0), (1, 0), (2, 0)]),
        ],
        &[(6, 3)],
    );
    let c = choose(7, &o);
    assert_eq!((c.dir, c.mode), (Right, Mode::Food));
}

#[test]
fn avoids_a_losing_head_to_head() {
    let me = snake(0, 5, &[(3, 3), (3, 4), (3, 5)]);
    // A longer head next to the cell toward the food: go around.
    let longer = snake(1, 100, &[(4, 2), (4, 1), (4, 0), (5, 0)]);
    let o = obs(vec![me.clone(), longer], &[(5, 3)]);
    assert_eq!(choose(7, &o).dir, Left);
    // Equal length ties (both die): still avoided.
    let equal = snake(1, 100, &[(4, 2), (4, 1), (4, 0)]);
    let o = obs(vec![me.clone(), equal], &[(5, 3)]);
    assert_eq!(choose(7, &o).dir, Left);
    // A shorter one loses the head-to-head: straight for the food.
    let shorter = snake(1, 100, &[(4, 2), (4, 1)]);
    let o = obs(vec![me, shorter], &[(5, 3)]);
    assert_eq!(choose(7, &o).dir, Right);
}

/// Food at the end of a corridor whose far side a longer snake's head
/// reaches first: inside, the room left is one cell. (A real game: the
/// greedy bot went in and lost the head-to-head two moves later.)
#[test]
fn keeps_out_of_a_corridor_a_longer_head_closes() {
    let me = snake(0, 93, &[(10, 7), (10, 6), (10, 5), (10, 4), (9, 4), (9, 3)]);
    let longer = snake(
        1,
        92,
        &[
            (8, 9),
            (8, 8),
            (8, 7),
            (8, 6),
            (8, 5),
            (7, 5),
            (6, 5),
            (6, 6),
        ],
    );
    let o = obs(vec![me, longer], &[(9, 9), (10, 10)]);
    let mut bot = Flood::new(&init(0, 2, 11, 11));
    let c = bot.choose(&o).unwrap();
    assert_eq!((c.dir, c.mode), (Left, Mode::Food), "{c:?}");
    let corridor = bot.fill(Pos::new(10, 8), Pos::new(9, 3));
    assert_eq!(corridor.area, 1, "{corridor:?}");
}

/// Our own body forms a pocket of two cells to the left of the head; food
/// in it, and we are starving. Going in is death in two moves.
#[test]
fn avoids_a_pocket_smaller_than_itself() {
    let body = [
        (3, 3),
        (3, 2),
        (2, 2),
        (1, 2),
        (0, 2),
        (0, 3),
        (0, 4),
        (1, 4),
        (2, 4),
        (3, 4),
        (4, 4),
        (5, 4),
    ];
    let o = obs(vec![snake(0, 5, &body)], &[(1, 3)]);
    let mut bot = Flood::new(&init(0, 1, 7, 7));
    let c = bot.choose(&o).unwrap();
    assert_eq!((c.dir, c.mode), (Right, Mode::Food), "{c:?}");
    // What the fill saw behind the left move (the grid is still loaded).
    let pocket = bot.fill(Pos::new(2, 3), Pos::new(5, 4));
    assert_eq!(
        pocket,
        Room {
            area: 2,
            food: Some(2),
            tail: None
        }
    );
    // The greedy bot walks in.
    let simple = Simple::new(&init(0, 1, 7, 7));
    assert_eq!(simple.choose(&o), Some(Left));
}

/// A straight body up the board from the head: the strip left of it is
/// walled by our own segments, but the tail at the top leaves before the
/// head can get there, so the strip joins the rest of the board.
#[test]
fn a_tail_the_head_outruns_opens_the_room() {
    let body: Vec<(u16, u16)> = (0..6).rev().map(|y| (2, y)).collect();
    let o = obs(vec![snake(0, 100, &body)], &[]);
    let mut bot = Flood::new(&init(0, 1, 7, 7));
    bot.choose(&o).unwrap();
    let left = bot.fill(Pos::new(1, 5), Pos::new(2, 0));
    assert!(left.area > 14, "{left:?}");
    assert_eq!(left.tail, Some(7));
}

#[test]
fn runs_through_the_wire_encoding() {
    let mut runner = Runner::<Flood>::new(Encoding::Postcard);
    assert_eq!(
        runner.init(&encode(Encoding::Postcard, &init(0, 1, 7, 7))),
        0
    );
    let o = obs(vec![snake(0, 100, &[(0, 0), (0, 1), (0, 2)])], &[]);
    let out = runner.tick(&encode(Encoding::Postcard, &o)).to_vec();
    let actions: Vec<Action> = decode(Encoding::Postcard, &out).unwrap();
    assert_eq!(actions, [Action::Move { dir: Right }]);
    // Undecodable input: an empty list.
    assert_eq!(runner.tick(&[0xff]), [0]);
}

/// One seat's move maker in a native game.
type Player = Box<dyn FnMut(&Observation) -> Vec<Action>>;

fn player(name: &str, init: &Init) -> Player {
    match name {
        "flood" => {
            let mut bot = Flood::new(init);
            Box::new(move |o| bot.tick(o))
        }
        _ => {
            let mut bot = Simple::new(init);
            Box::new(move |o| bot.tick(o))
        }
    }
}

/// Plays `bots` on `map` to the end, checking every tick that no flood
/// move runs into a wall or a body while a safe move existed. Returns the
/// places (0 best). `settings` as `--settings` takes them (`null`: the
/// defaults).
fn play(map: &str, seed: u64, bots: &[&str], settings: Value) -> Vec<u32> {
    let setup = Setup {
        map: MapChoice::Spec(map),
        seats: bots.len(),
        seed,
        settings: &settings,
    };
    let typed: Settings = match settings {
        Value::Null => Settings::default(),
        _ => serde_json::from_value(settings.clone()).unwrap(),
    };
    let mut game = <Snake as Game>::new(&setup, typed).unwrap();
    let limits = EngineLimits {
        init_fuel: 200_000_000,
        tick_fuel: FUEL,
        max_output_bytes: 4096,
        max_log_lines: 16,
        max_log_line_bytes: 256,
        max_memory_bytes: 64 << 20,
    };
    let (w, h) = (game.board().width, game.board().height);
    let mut players: Vec<Player> = (bots.iter().enumerate())
        .map(|(seat, name)| player(name, &Game::init(&game, seat, seed + seat as u64, &limits)))
        .collect();
    while !Game::is_over(&game) {
        for (seat, name) in bots.iter().enumerate() {
            if !Game::to_act(&game, seat) {
                continue;
            }
            let o = Game::observe(&mut game, seat);
            let actions = players[seat](&o);
            if *name == "flood" {
                let head = o.snakes[seat].body[0];
                let safe = |p: Option<Pos>| p.is_some_and(|p| !blocked_next_tick(&o, p));
                let any_safe = Direction::ALL.iter().any(|&d| safe(head.step(d, w, h)));
                let [Action::Move { dir }] = actions[..] else {
                    panic!("one move expected, got {actions:?}");
                };
                assert!(
                    !any_safe || safe(head.step(dir, w, h)),
                    "{map} seed {seed} tick {}: seat {seat} moved {dir:?} into a wall or body",
                    o.tick
                );
            }
            Game::submit(&mut game, seat, &actions);
        }
        Game::step(&mut game);
    }
    Game::ranking(&game)
}

#[test]
fn outlasts_the_greedy_bot_more_often_than_not() {
    let seeds = [1, 2, 3, 4, 5];
    let mut ahead = 0;
    for seed in seeds {
        // Seats alternate so that neither bot always gets the first spot.
        let (bots, flood) = if seed % 2 == 0 {
            (["flood", "simple"], 0)
        } else {
            (["simple", "flood"], 1)
        };
        let places = play("standard", seed, &bots, Value::Null);
        if places[flood] <= places[1 - flood] {
            ahead += 1;
        }
    }
    assert!(
        ahead * 2 > seeds.len(),
        "ahead on {ahead} of {} seeds",
        seeds.len()
    );
}

#[test]
fn a_crowded_large_board_keeps_it_safe() {
    let bots = [
        "flood", "simple", "flood", "simple", "flood", "simple", "flood", "simple",
    ];
    for seed in [7, 8] {
        let places = play("large", seed, &bots, Value::Null);
        let best_flood = (0..8).step_by(2).map(|s| places[s]).min().unwrap();
        let best_simple = (1..8).step_by(2).map(|s| places[s]).min().unwrap();
        assert!(best_flood <= best_simple, "seed {seed}: places {places:?}");
    }
}

/// Royale hazards: the safe area shrinks every 10 ticks; four snakes.
#[test]
fn outlasts_the_greedy_bot_in_a_royale() {
    let royale = serde_json::json!({"hazards": "royale", "shrink_every": 10});
    let seeds = [0, 1, 2, 3, 4];
    let mut ahead = 0;
    for seed in seeds {
        let places = play(
            "standard",
            seed,
            &["flood", "simple", "flood", "simple"],
            royale.clone(),
        );
        if places[0].min(places[2]) <= places[1].min(places[3]) {
            ahead += 1;
        }
    }
    assert!(
        ahead * 2 > seeds.len(),
        "ahead on {ahead} of {} seeds",
        seeds.len()
    );
}

#[test]
fn a_small_budget_caps_the_work() {
    let o = obs(vec![snake(0, 100, &[(9, 9), (9, 9), (9, 9)])], &[]);
    let mut bot = Flood::with_cap(&init(0, 1, 19, 19), MIN_FILL);
    let c = bot.choose(&o).unwrap();
    // Four moves from a stacked start, plus the rivals' fill (none here).
    assert_eq!(c.fills, 5);
    assert_eq!(c.cells, 4 * MIN_FILL);
    // The default budget fills the whole board behind each move.
    let c = Flood::new(&init(0, 1, 19, 19)).choose(&o).unwrap();
    assert_eq!(c.cells, 4 * 19 * 19);
}
