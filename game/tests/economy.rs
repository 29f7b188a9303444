//! Rules 4 to 6: harvest, spawn, income, and energy bookkeeping.

mod common;

use common::*;
use lockstep_game::GameConfig;
use lockstep_sdk::Direction::{East, North, South, West};
use lockstep_sdk::{Action, Pos, RejectReason, UnitId};

const SOURCES: &[&str] = &[
    "A.........",
    "..........",
    "...*......",
    "..........",
    "..........",
    "..........",
    "..........",
    "......*...",
    "..........",
    ".........B",
];

fn energy(g: &mut lockstep_game::Game, p: lockstep_sdk::PlayerId) -> u32 {
    observe(g, p).energy
}

#[test]
fn cores_earn_income_every_tick() {
    let mut g = game(OPEN);
    assert_eq!(energy(&mut g, P0), 30);
    for _ in 0..5 {
        g.step();
    }
    assert_eq!(energy(&mut g, P0), 35);
    assert_eq!(energy(&mut g, P1), 35);
    assert_eq!(g.scores()[0].energy, 35);
}

#[test]
fn harvest_pays_per_order() {
    let mut g = game(SOURCES);
    let a = spawn(&mut g, P0, 3, 3);
    let b = spawn(&mut g, P0, 2, 2);
    g.submit(P0, &[harvest(a, North), harvest(b, East)]);
    g.step();
    assert_eq!(energy(&mut g, P0), 30 + 2 + 1);
    assert_eq!(energy(&mut g, P1), 31);
}

#[test]
fn a_unit_killed_this_tick_harvests_nothing() {
    let mut c = GameConfig::default();
    c.rules.unit_hp = 2;
    let mut g = game_with(SOURCES, c);
    let a = spawn(&mut g, P0, 3, 3);
    let enemy = spawn(&mut g, P1, 4, 3);
    g.submit(P0, &[harvest(a, North)]);
    g.submit(P1, &[attack(enemy, West)]);
    g.step();
    assert!(unit(&mut g, a).is_none());
    assert_eq!(energy(&mut g, P0), 31);
}

#[test]
fn spawning_costs_energy_and_places_a_fresh_unit() {
    let mut g = game(OPEN);
    g.submit(P0, &[Action::Spawn { dir: East }]);
    g.step();
    let obs = observe(&mut g, P0);
    assert_eq!(obs.energy, 30 - 10 + 1);
    assert_eq!(obs.units.len(), 1);
    let u = obs.units[0];
    assert_eq!(
        (u.id, u.owner, u.pos, u.hp),
        (UnitId(0), P0, Pos::new(1, 0), 10)
    );
    assert_eq!(g.scores()[0].units, 1);
}

#[test]
fn new_unit_ids_follow_player_order_not_submit_order() {
    let mut g = game(OPEN);
    g.submit(P1, &[Action::Spawn { dir: West }]);
    g.submit(P0, &[Action::Spawn { dir: South }]);
    g.step();
    let units = all_units(&mut g);
    assert_eq!(units.len(), 2);
    assert_eq!((units[0].id, units[0].owner), (UnitId(0), P0));
    assert_eq!((units[1].id, units[1].owner), (UnitId(1), P1));
    assert_eq!(units[1].pos, Pos::new(8, 9));
}

#[test]
fn a_spawn_onto_a_cell_taken_by_a_move_is_blocked_and_free() {
    let mut g = game(OPEN);
    let mover = spawn(&mut g, P1, 2, 0);
    g.submit(P0, &[Action::Spawn { dir: East }]);
    g.submit(P1, &[mv(mover, West)]); // into (1, 0), A's spawn cell
    g.step();
    assert_eq!(pos_of(&mut g, mover), Pos::new(1, 0));
    assert_eq!(reasons(&mut g, P0), vec![(0, RejectReason::SpawnBlocked)]);
    assert_eq!(energy(&mut g, P0), 31, "a blocked spawn costs nothing");
    assert_eq!(g.scores()[0].units, 0);
}

#[test]
fn a_spawn_onto_a_cell_vacated_this_tick_succeeds() {
    let mut g = game(OPEN);
    let own = spawn(&mut g, P0, 0, 1);
    g.submit(P0, &[Action::Spawn { dir: South }, mv(own, South)]);
    g.step();
    assert!(reasons(&mut g, P0).is_empty());
    assert_eq!(pos_of(&mut g, own), Pos::new(0, 2));
    let units = all_units(&mut g);
    assert!(units.iter().any(|u| u.pos == Pos::new(0, 1) && u.id != own));
}

#[test]
fn energy_is_spent_only_by_spawns() {
    let mut g = game(SOURCES);
    let a = spawn(&mut g, P0, 3, 1);
    let mut expected = 30u32;
    for tick in 0..12 {
        let mut orders = vec![harvest(a, South)];
        if tick % 4 == 0 {
            orders.push(Action::Spawn {
                dir: if tick % 8 == 0 { East } else { South },
            });
        }
        g.submit(P0, &orders);
        let spawned = tick % 4 == 0 && expected >= 10;
        g.step();
        expected = expected - if spawned { 10 } else { 0 } + 1 + 1;
        // Move spawned units out of the way of the next spawn.
        let units = all_units(&mut g);
        let moves: Vec<_> = units
            .iter()
            .filter(|u| u.id != a && u.owner == P0)
            .map(|u| mv(u.id, South))
            .collect();
        g.submit(P0, &moves);
        g.step();
        expected += 1;
        assert_eq!(energy(&mut g, P0), expected, "tick {tick}");
    }
}
