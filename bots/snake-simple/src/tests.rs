use super::*;
use lockstep_game_api::{EngineLimits, Game, MapChoice, Setup};
use lockstep_snake::{Settings, Snake};
use lockstep_snake_sdk::{Encoding, HazardMode, Limits, Rules, Runner, decode, encode};
use serde_json::Value;

use Direction::{Left, Right, Up};

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
            tick_fuel: 20_000_000,
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

/// Seat 0's move on a 7x7 board.
fn choose(o: &Observation) -> Option<Direction> {
    Simple::new(&init(0, o.snakes.len() as u8, 7, 7)).choose(o)
}

#[test]
fn stays_off_walls_and_necks() {
    // Food straight below, past our own neck, in the top-left corner.
    let o = obs(vec![snake(0, 100, &[(0, 0), (0, 1), (0, 2)])], &[(0, 5)]);
    assert_eq!(choose(&o), Some(Right));
}

#[test]
fn stays_off_bodies_but_follows_tails() {
    // Food behind another snake's body: not through it.
    let me = snake(0, 100, &[(3, 3), (3, 4), (3, 5)]);
    let wall = snake(
        1,
        100,
        &[(4, 0), (4, 1), (4, 2), (4, 3), (4, 4), (4, 5), (4, 6)],
    );
    let o = obs(vec![me, wall], &[(5, 3)]);
    let dir = choose(&o).unwrap();
    assert!(dir == Up || dir == Left, "{dir:?}");

    // Boxed in; the way out is another snake's tail, which moves away.
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
    assert!(!blocked_next_tick(
        &obs(vec![other.clone()], &[]),
        Pos::new(2, 1)
    ));
    let o = obs(vec![me.clone(), other.clone()], &[(0, 6)]);
    assert_eq!(choose(&o), Some(Right));
    // A doubled tail (it just ate) stays put.
    let mut fed = other;
    fed.body.push(Pos::new(2, 1));
    fed.length += 1;
    assert!(blocked_next_tick(&obs(vec![fed], &[]), Pos::new(2, 1)));
}

#[test]
fn steps_toward_the_nearest_food() {
    for (food, dir) in [((0, 3), Left), ((6, 3), Right), ((3, 0), Up)] {
        let o = obs(
            vec![snake(0, 3, &[(3, 3), (3, 4), (3, 5)])],
            &[food, (6, 6)],
        );
        assert_eq!(choose(&o), Some(dir), "food at {food:?}");
    }
}

#[test]
fn avoids_a_losing_head_to_head() {
    let me = snake(0, 5, &[(3, 3), (3, 4), (3, 5)]);
    for other in [
        snake(1, 100, &[(4, 2), (4, 1), (4, 0), (5, 0)]),
        snake(1, 100, &[(4, 2), (4, 1), (4, 0)]),
    ] {
        let o = obs(vec![me.clone(), other], &[(5, 3)]);
        assert_eq!(choose(&o), Some(Left));
    }
    // A shorter head would lose: straight for the food.
    let o = obs(vec![me, snake(1, 100, &[(4, 2), (4, 1)])], &[(5, 3)]);
    assert_eq!(choose(&o), Some(Right));
}

#[test]
fn a_dead_snake_answers_nothing() {
    let mut o = obs(vec![snake(0, 0, &[])], &[]);
    o.snakes[0].alive = false;
    assert_eq!(Simple::new(&init(0, 1, 7, 7)).tick(&o), []);
}

#[test]
fn runs_through_the_wire_encoding() {
    let mut runner = Runner::<Simple>::new(Encoding::Postcard);
    assert_eq!(
        runner.init(&encode(Encoding::Postcard, &init(0, 1, 7, 7))),
        0
    );
    let o = obs(vec![snake(0, 100, &[(0, 0), (0, 1), (0, 2)])], &[]);
    let out = runner.tick(&encode(Encoding::Postcard, &o)).to_vec();
    let actions: Vec<Action> = decode(Encoding::Postcard, &out).unwrap();
    assert_eq!(actions, [Action::Move { dir: Right }]);
}

/// Whole games against itself: every move is one the rules call safe
/// whenever one was, and the games end.
#[test]
fn whole_games_only_take_safe_moves() {
    for (map, seats, seed) in [("standard", 4, 1), ("small", 2, 2), ("large", 8, 3)] {
        let setup = Setup {
            map: MapChoice::Spec(map),
            seats,
            seed,
            settings: &Value::Null,
        };
        let mut game = <Snake as Game>::new(&setup, Settings::default()).unwrap();
        let (w, h) = (game.board().width, game.board().height);
        let mut bots: Vec<Simple> = (0..seats)
            .map(|s| Simple::new(&Game::init(&game, s, seed, &EngineLimits::default())))
            .collect();
        while !Game::is_over(&game) {
            for (seat, bot) in bots.iter_mut().enumerate() {
                if !Game::to_act(&game, seat) {
                    continue;
                }
                let o = Game::observe(&mut game, seat);
                let actions = bot.tick(&o);
                let [Action::Move { dir }] = actions[..] else {
                    panic!("one move expected, got {actions:?}");
                };
                let head = o.snakes[seat].body[0];
                let safe = |p: Option<Pos>| p.is_some_and(|p| !blocked_next_tick(&o, p));
                let any_safe = Direction::ALL.iter().any(|&d| safe(head.step(d, w, h)));
                assert!(
                    !any_safe || safe(head.step(dir, w, h)),
                    "{map} tick {}: seat {seat} moved {dir:?} into a wall or body",
                    o.tick
                );
                Game::submit(&mut game, seat, &actions);
            }
            Game::step(&mut game);
        }
        assert!(
            Game::tick(&game) > 5,
            "{map}: over after {} ticks",
            Game::tick(&game)
        );
    }
}
