//! Each rule of `docs/games/snake.md`, in a scripted game played through the
//! erased path (`DynGame::submit_canonical`).

mod common;

use common::*;
use lockstep_game_api::DynGame;
use lockstep_snake_sdk::{Action, Direction, Pos, RejectReason, Rejection};
use serde_json::json;

/// A quiet standard board with `bodies.len()` snakes, each (body, health),
/// heading up, and `food`.
fn arrange(bodies: &[(&[Pos], u16)], food: &[Pos]) -> Box<dyn DynGame> {
    arrange_with(&quiet(), bodies, food)
}

fn arrange_with(
    settings: &serde_json::Value,
    bodies: &[(&[Pos], u16)],
    food: &[Pos],
) -> Box<dyn DynGame> {
    let mut game = start("standard", bodies.len(), 1, settings);
    let s = snake(&mut *game);
    for (seat, (body, health)) in bodies.iter().enumerate() {
        assert!(
            s.place_snake(seat, body, *health, Direction::Up),
            "seat {seat}"
        );
    }
    s.set_food(food);
    game
}

fn body(game: &mut dyn DynGame, seat: usize) -> Vec<Pos> {
    observe(game, 0).snakes[seat].body.clone()
}

fn cause(game: &dyn DynGame, seat: usize) -> serde_json::Value {
    game.scores()[seat]["cause"].clone()
}

#[test]
fn snakes_move_one_cell_and_keep_going_without_orders() {
    let mut g = arrange(&[(&[p(5, 5), p(5, 6), p(5, 7)], 100)], &[]);
    play(&mut *g, &[R]);
    assert_eq!(body(&mut *g, 0), [p(6, 5), p(5, 5), p(5, 6)]);
    play(&mut *g, &[None]);
    assert_eq!(
        body(&mut *g, 0),
        [p(7, 5), p(6, 5), p(5, 5)],
        "keeps going right"
    );
    play(&mut *g, &[D]);
    assert_eq!(body(&mut *g, 0), [p(7, 6), p(7, 5), p(6, 5)]);
}

#[test]
fn first_tick_without_orders_goes_up() {
    let mut g = start("standard", 2, 3, &quiet());
    let before = observe(&mut *g, 0);
    play(&mut *g, &[None, None]);
    let after = observe(&mut *g, 0);
    for (b, a) in before.snakes.iter().zip(&after.snakes) {
        let head = b.body[0];
        assert_eq!(a.body, [p(head.x, head.y - 1), head, head]);
    }
}

#[test]
fn extra_orders_are_rejected_and_reported_next_tick() {
    let mut g = arrange(&[(&[p(5, 5), p(5, 6), p(5, 7)], 100)], &[]);
    let orders = [
        Action::Move {
            dir: Direction::Left,
        },
        Action::Move {
            dir: Direction::Right,
        },
        Action::Move { dir: Direction::Up },
    ];
    g.submit_canonical(0, &canonical(&orders)).unwrap();
    g.step();
    let seen = observe(&mut *g, 0);
    assert_eq!(seen.snakes[0].body[0], p(4, 5), "the first order counts");
    let extra = |index| Rejection {
        index,
        reason: RejectReason::ExtraOrder,
    };
    assert_eq!(seen.rejected, [extra(1), extra(2)]);
    assert_eq!(g.rejected_total(0), 2);
    play(&mut *g, &[U]);
    assert!(observe(&mut *g, 0).rejected.is_empty(), "only last tick's");
    assert_eq!(g.rejected_total(0), 2);
}

#[test]
fn health_drops_by_one_and_food_restores_and_grows() {
    let mut g = arrange(&[(&[p(5, 5), p(5, 6), p(5, 7)], 50)], &[p(5, 3)]);
    play(&mut *g, &[U]);
    let o = observe(&mut *g, 0);
    assert_eq!(o.snakes[0].health, 49);
    assert_eq!(o.snakes[0].length, 3);
    play(&mut *g, &[U]);
    let o = observe(&mut *g, 0);
    assert_eq!(o.snakes[0].health, 100, "ate");
    assert_eq!(o.snakes[0].length, 4);
    assert_eq!(o.snakes[0].body, [p(5, 3), p(5, 4), p(5, 5), p(5, 5)]);
    assert!(o.food.is_empty(), "eaten food is gone");
    play(&mut *g, &[U]);
    let o = observe(&mut *g, 0);
    assert_eq!(
        o.snakes[0].body,
        [p(5, 2), p(5, 3), p(5, 4), p(5, 5)],
        "tail stayed"
    );
    assert_eq!(o.snakes[0].health, 99);
}

#[test]
fn starvation_eliminates_unless_the_last_move_eats() {
    let mut g = arrange(
        &[
            (&[p(2, 5), p(2, 6), p(2, 7)], 1),
            (&[p(8, 5), p(8, 6), p(8, 7)], 1),
        ],
        &[p(8, 4)],
    );
    play(&mut *g, &[U, U]);
    let o = observe(&mut *g, 0);
    assert!(!o.snakes[0].alive && o.snakes[0].body.is_empty());
    assert_eq!(o.snakes[0].health, 0);
    assert_eq!(cause(&*g, 0), "out_of_health");
    assert!(o.snakes[1].alive);
    assert_eq!(o.snakes[1].health, 100);
    assert!(g.is_over());
    assert_eq!(g.ranking(), [1, 0]);
    assert_eq!(
        g.scores()[0],
        json!({"alive": false, "length": 3, "health": 0, "eliminated_at": 0, "cause": "out_of_health"})
    );
}

#[test]
fn leaving_the_board_eliminates_before_starving() {
    let mut g = arrange(
        &[
            (&[p(0, 5), p(1, 5), p(2, 5)], 1),
            (&[p(8, 5), p(8, 6), p(8, 7)], 100),
        ],
        &[],
    );
    play(&mut *g, &[L, U]);
    assert_eq!(cause(&*g, 0), "out_of_bounds");
    assert!(observe(&mut *g, 1).snakes[0].body.is_empty());
    assert!(!g.to_act(0));
}

#[test]
fn running_into_yourself_eliminates() {
    // A 5-long snake curled so that turning left hits its own body.
    let curl: &[Pos] = &[p(5, 5), p(5, 6), p(4, 6), p(4, 5), p(4, 4)];
    let mut g = arrange(&[(curl, 100), (&[p(9, 9), p(9, 9), p(9, 9)], 100)], &[]);
    play(&mut *g, &[L, U]);
    assert_eq!(cause(&*g, 0), "self_collision");
    // Reversing into the neck is a move like any other, and as deadly.
    let mut g = arrange(
        &[(&[p(5, 5), p(5, 6), p(5, 7)], 100), (&[p(9, 9); 3], 100)],
        &[],
    );
    play(&mut *g, &[D, U]);
    assert_eq!(cause(&*g, 0), "self_collision");
}

#[test]
fn following_a_tail_is_safe_unless_it_just_ate() {
    // Seat 0's head chases seat 1's tail: the tail moves away first.
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(4, 3), p(4, 4), p(4, 5)], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, U]);
    assert!(observe(&mut *g, 0).snakes.iter().all(|s| s.alive));
    // The same, but seat 1 ate last tick (its tail is doubled): the tail
    // stays this tick, and seat 0 runs into it.
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(4, 3), p(4, 4), p(4, 5), p(4, 5)], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, U]);
    assert_eq!(cause(&*g, 0), "snake_collision");
    assert!(g.is_over());
    assert_eq!(g.ranking(), [1, 0]);
}

#[test]
fn hitting_another_body_eliminates_only_the_one_that_hits() {
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(4, 4), p(4, 5), p(4, 6), p(4, 7)], 100),
            (&[p(9, 9); 3], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, U, U]);
    assert_eq!(cause(&*g, 0), "snake_collision");
    assert!(g.scores()[1]["alive"].as_bool().unwrap());
    assert!(!g.is_over(), "two left");
}

#[test]
fn snakes_out_in_the_first_pass_block_nothing() {
    // Seat 1 starves this tick, so seat 0 may enter its body.
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(4, 4), p(4, 5), p(4, 6), p(4, 7)], 1),
            (&[p(9, 9); 3], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, U, U]);
    assert_eq!(cause(&*g, 1), "out_of_health");
    assert!(g.scores()[0]["alive"].as_bool().unwrap());
}

#[test]
fn head_to_head_the_shorter_loses_equal_lengths_both() {
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(5, 5), p(6, 5), p(7, 5), p(8, 5)], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, L]);
    assert_eq!(cause(&*g, 0), "head_to_head");
    assert!(g.scores()[1]["alive"].as_bool().unwrap());
    assert_eq!(g.ranking(), [1, 0]);

    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(5, 5), p(6, 5), p(7, 5)], 100),
        ],
        &[],
    );
    play(&mut *g, &[R, L]);
    assert_eq!(cause(&*g, 0), "head_to_head");
    assert_eq!(cause(&*g, 1), "head_to_head");
    assert!(g.is_over());
    assert_eq!(g.ranking(), [0, 0], "eliminated together: a tie");
}

#[test]
fn both_eat_the_same_food_head_to_head() {
    // Equal lengths meeting on food: both eat, both grow, both go.
    let mut g = arrange(
        &[
            (&[p(3, 5), p(2, 5), p(1, 5)], 100),
            (&[p(5, 5), p(6, 5), p(7, 5)], 100),
        ],
        &[p(4, 5)],
    );
    play(&mut *g, &[R, L]);
    let o = observe(&mut *g, 0);
    assert!(o.food.is_empty());
    assert_eq!((o.snakes[0].length, o.snakes[1].length), (4, 4));
    assert_eq!(g.ranking(), [0, 0]);
}

#[test]
fn ranking_by_elimination_tick_then_length_at_the_limit() {
    let settings = json!({"minimum_food": 0, "food_spawn_chance": 0, "max_ticks": 3});
    let mut g = arrange_with(
        &settings,
        &[
            (&[p(1, 1), p(1, 2), p(1, 3)], 100),
            (&[p(3, 5), p(3, 6), p(3, 7), p(3, 8)], 100),
            (&[p(5, 5), p(5, 6), p(5, 7)], 100),
            (&[p(7, 5), p(7, 6), p(7, 7)], 100),
        ],
        &[],
    );
    // Seat 0 leaves the board on tick 1 (the second tick).
    play(&mut *g, &[U, U, U, U]);
    assert!(!g.is_over());
    play(&mut *g, &[U, U, U, U]);
    assert_eq!(g.scores()[0]["eliminated_at"], 1);
    play(&mut *g, &[U, U, U, U]);
    assert!(g.is_over(), "max_ticks");
    assert_eq!(g.tick(), 3);
    assert_eq!(g.ranking(), [3, 0, 1, 1]);
    // Once over, steps change nothing.
    let hash = g.state_hash();
    play(&mut *g, &[U, U, U, U]);
    assert_eq!(g.state_hash(), hash);
}

#[test]
fn a_solo_game_lasts_until_the_snake_is_gone() {
    let mut g = arrange(&[(&[p(5, 2), p(5, 3), p(5, 4)], 100)], &[]);
    play(&mut *g, &[U]);
    assert!(!g.is_over(), "one seat, one snake alive: playing on");
    play(&mut *g, &[U]);
    assert!(!g.is_over());
    play(&mut *g, &[U]);
    assert_eq!(cause(&*g, 0), "out_of_bounds");
    assert!(g.is_over());
    assert_eq!(g.ranking(), [0]);
}

#[test]
fn royale_hazards_shrink_and_hurt() {
    let settings = json!({
        "minimum_food": 0, "food_spawn_chance": 0, "hazards": "royale", "shrink_every": 2,
    });
    let mut g = arrange_with(&settings, &[(&[p(5, 5), p(5, 6), p(5, 7)], 100)], &[]);
    play(&mut *g, &[U]);
    assert!(observe(&mut *g, 0).hazards.is_empty(), "not yet");
    play(&mut *g, &[D]);
    let o = observe(&mut *g, 0);
    let hazards = o.hazards.clone();
    assert_eq!(hazards.len(), 11, "one row or column");
    let mut sorted = hazards.clone();
    sorted.sort_by_key(|h| (h.y, h.x));
    assert_eq!(sorted, hazards);
    let line_x = hazards.iter().all(|h| h.x == hazards[0].x);
    let line_y = hazards.iter().all(|h| h.y == hazards[0].y);
    assert!(line_x != line_y, "{hazards:?}");
    assert!(
        hazards
            .iter()
            .all(|h| [0, 10].contains(&h.x) || [0, 10].contains(&h.y))
    );

    // Two snakes onto hazard cells: one on food (no damage, fed), one not.
    let mut g = arrange_with(
        &settings,
        &[
            (&[p(5, 5), p(5, 6), p(5, 7)], 100),
            (&[p(7, 5), p(7, 6), p(7, 7)], 100),
        ],
        &[],
    );
    play(&mut *g, &[U, U]);
    play(&mut *g, &[D, D]);
    let hazards = observe(&mut *g, 0).hazards;
    assert_eq!(hazards.len(), 11);
    let line_y = hazards.iter().all(|h| h.y == hazards[0].y);
    let (a, b) = (hazards[3], hazards[7]);
    let below = |h: Pos| -> (Vec<Pos>, Direction) {
        // A 3-long body ending next to h on the inside, moving into h.
        let dir = if line_y {
            if h.y == 0 {
                Direction::Up
            } else {
                Direction::Down
            }
        } else if h.x == 0 {
            Direction::Left
        } else {
            Direction::Right
        };
        let back = dir.opposite();
        let n1 = h.step(back, 11, 11).unwrap();
        let n2 = n1.step(back, 11, 11).unwrap();
        (vec![n1, n2, n2.step(back, 11, 11).unwrap()], dir)
    };
    let (body_a, dir_a) = below(a);
    let (body_b, dir_b) = below(b);
    let s = snake(&mut *g);
    assert!(s.place_snake(0, &body_a, 50, dir_a));
    assert!(s.place_snake(1, &body_b, 50, dir_b));
    s.set_food(&[a]);
    play(&mut *g, &[Some(dir_a), Some(dir_b)]);
    let o = observe(&mut *g, 0);
    assert_eq!(o.snakes[0].health, 100, "food on a hazard: no damage, fed");
    assert_eq!(o.snakes[1].health, 50 - 1 - 14);
}

#[test]
fn hazard_damage_can_eliminate() {
    let settings = json!({
        "minimum_food": 0, "food_spawn_chance": 0, "hazards": "royale", "shrink_every": 1,
        "hazard_damage": 200,
    });
    let mut g = arrange_with(&settings, &[(&[p(5, 5), p(5, 6), p(5, 7)], 100)], &[]);
    // After enough shrinks the whole board is hazard.
    for _ in 0..30 {
        play(&mut *g, &[None]);
        if g.is_over() {
            break;
        }
        let s = snake(&mut *g);
        s.place_snake(0, &[p(5, 5), p(5, 6), p(5, 7)], 100, Direction::Right);
    }
    assert!(g.is_over());
    assert_eq!(cause(&*g, 0), "out_of_health");
}

#[test]
fn food_spawns_to_the_minimum_then_by_chance() {
    let mut g = start(
        "standard",
        2,
        9,
        &json!({"minimum_food": 6, "food_spawn_chance": 0}),
    );
    snake(&mut *g).set_food(&[]);
    play(&mut *g, &[L, R]);
    assert_eq!(observe(&mut *g, 0).food.len(), 6);
    let mut g = start(
        "standard",
        2,
        9,
        &json!({"minimum_food": 0, "food_spawn_chance": 100}),
    );
    let mut counts = Vec::new();
    for _ in 0..3 {
        let n = observe(&mut *g, 0).food.len();
        counts.push(n);
        play(&mut *g, &[None, None]);
    }
    assert_eq!(counts[1], counts[0] + 1);
    assert_eq!(counts[2], counts[1] + 1);
    let mut g = start("standard", 2, 9, &quiet());
    snake(&mut *g).set_food(&[]);
    for _ in 0..3 {
        play(&mut *g, &[L, R]);
        assert!(observe(&mut *g, 0).food.is_empty());
    }
}

#[test]
fn orders_of_an_eliminated_snake_are_rejected() {
    let mut g = arrange(
        &[
            (&[p(0, 5), p(1, 5), p(2, 5)], 100),
            (&[p(8, 5), p(8, 6), p(8, 7)], 100),
            (&[p(5, 5), p(5, 6), p(5, 7)], 100),
        ],
        &[],
    );
    play(&mut *g, &[L, U, U]);
    assert!(!g.to_act(0));
    // A replay could still submit for it: refused, counted.
    g.submit_canonical(0, &canonical(&[Action::Move { dir: Direction::Up }]))
        .unwrap();
    g.step();
    assert_eq!(
        observe(&mut *g, 0).rejected,
        [Rejection {
            index: 0,
            reason: RejectReason::Eliminated
        }]
    );
}

#[test]
fn describe_and_actions_json() {
    let bytes = canonical(&[
        Action::Move { dir: Direction::Up },
        Action::Move {
            dir: Direction::Left,
        },
    ]);
    assert_eq!(
        lockstep_snake::DEF.describe_actions(&bytes).unwrap(),
        ["move up", "move left"]
    );
    assert_eq!(
        lockstep_snake::DEF.actions_json(&bytes).unwrap(),
        json!([{"Move": {"dir": "Up"}}, {"Move": {"dir": "Left"}}])
    );
}
