//! Rules 2 and 3: attacks, deaths, elimination.

mod common;

use common::*;
use lockstep_game::GameConfig;
use lockstep_sdk::Direction::{East, North, South, West};
use lockstep_sdk::{Pos, RejectReason};

fn config(unit_hp: u16, core_hp: u16) -> GameConfig {
    let mut c = GameConfig::default();
    c.rules.unit_hp = unit_hp;
    c.rules.core_hp = core_hp;
    c
}

#[test]
fn an_attack_deals_unit_damage() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 4, 4);
    let b = spawn(&mut g, P1, 5, 4);
    g.submit(P0, &[attack(a, East)]);
    g.step();
    assert_eq!(hp_of(&mut g, b), 8);
    assert_eq!(hp_of(&mut g, a), 10);
    assert!(reasons(&mut g, P0).is_empty());
}

#[test]
fn damage_is_summed_and_simultaneous_kills_both_die() {
    let mut g = game_with(OPEN, config(4, 200));
    let a = spawn(&mut g, P0, 4, 4);
    let a2 = spawn(&mut g, P0, 5, 3);
    let b = spawn(&mut g, P1, 5, 4);
    let b2 = spawn(&mut g, P1, 4, 5);
    // a and a2 both hit b (2 + 2 = 4 = its hp); b and b2 both hit a.
    g.submit(P0, &[attack(a, East), attack(a2, South)]);
    g.submit(P1, &[attack(b, West), attack(b2, North)]);
    g.step();
    assert!(unit(&mut g, a).is_none(), "a died");
    assert!(unit(&mut g, b).is_none(), "b died");
    assert_eq!(hp_of(&mut g, a2), 4);
    assert_eq!(hp_of(&mut g, b2), 4);
    let s = g.scores();
    assert_eq!((s[0].units, s[1].units), (1, 1));
}

#[test]
fn attacks_use_positions_after_moves() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 4, 4);
    let b = spawn(&mut g, P1, 5, 4);
    let c = spawn(&mut g, P0, 2, 2);
    let d = spawn(&mut g, P1, 2, 4);
    // b steps away before a's blow lands; d steps into c's strike zone.
    g.submit(P0, &[attack(a, East), attack(c, South)]);
    g.submit(P1, &[mv(b, East), mv(d, North)]);
    g.step();
    assert_eq!(hp_of(&mut g, b), 10);
    assert_eq!(pos_of(&mut g, d), Pos::new(2, 3));
    assert_eq!(hp_of(&mut g, d), 8);
    assert_eq!(reasons(&mut g, P0), vec![(0, RejectReason::NoEnemy)]);
}

#[test]
fn attacking_a_friend_a_wall_or_nothing_is_no_enemy() {
    let rows = [
        "A.........",
        "..........",
        "..........",
        "...#......",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        ".........B",
    ];
    let mut g = game(&rows);
    let a = spawn(&mut g, P0, 3, 4);
    let friend = spawn(&mut g, P0, 4, 4);
    let edge = spawn(&mut g, P0, 0, 5);
    g.submit(
        P0,
        &[attack(a, North), attack(friend, West), attack(edge, West)],
    );
    g.step();
    assert_eq!(
        reasons(&mut g, P0),
        vec![
            (0, RejectReason::NoEnemy),
            (1, RejectReason::NoEnemy),
            (2, RejectReason::NoEnemy),
        ]
    );
    assert_eq!(hp_of(&mut g, a), 10);
    assert_eq!(g.rejected_total(P0), 3);
}

#[test]
fn attacking_a_core_lowers_its_hp() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 8, 9);
    let b = spawn(&mut g, P0, 9, 8);
    g.submit(P0, &[attack(a, East), attack(b, South)]);
    g.step();
    assert_eq!(g.scores()[1].core_hp, 196);
    let obs = observe(&mut g, P1);
    assert_eq!(obs.cores.len(), 1);
    assert_eq!(obs.cores[0].hp, 196);
}

#[test]
fn a_dead_core_eliminates_its_player_and_ends_the_game() {
    let mut g = game_with(OPEN, config(10, 2));
    let a = spawn(&mut g, P0, 8, 9);
    let b1 = spawn(&mut g, P1, 5, 5);
    let b2 = spawn(&mut g, P1, 7, 9);
    g.submit(P0, &[attack(a, East)]);
    g.step();
    let s = g.scores();
    assert!(!s[1].alive);
    assert_eq!(s[1].eliminated_at, Some(0));
    assert_eq!(s[1].units, 0);
    assert!(unit(&mut g, b1).is_none() && unit(&mut g, b2).is_none());
    assert!(g.is_over());
    assert_eq!(g.winner(), Some(P0));
    // The eliminated player's observation: energy and the eliminations only.
    let obs = observe(&mut g, P1);
    assert!(obs.units.is_empty() && obs.cores.is_empty() && obs.rejected.is_empty());
    assert_eq!(obs.eliminated, vec![P1]);
    assert_eq!(obs.energy, 30);
    // A finished game no longer steps.
    let hash = g.state_hash();
    g.step();
    assert_eq!(g.tick(), 1);
    assert_eq!(g.state_hash(), hash);
}

#[test]
fn both_cores_dying_in_one_tick_is_a_draw() {
    let mut g = game_with(OPEN, config(10, 2));
    let a = spawn(&mut g, P0, 8, 9);
    let b = spawn(&mut g, P1, 1, 0);
    g.submit(P0, &[attack(a, East)]);
    g.submit(P1, &[attack(b, West)]);
    g.step();
    assert!(g.is_over());
    assert_eq!(g.winner(), None);
    let s = g.scores();
    assert_eq!((s[0].eliminated_at, s[1].eliminated_at), (Some(0), Some(0)));
    assert!(unit(&mut g, a).is_none(), "units die with their core");
}

#[test]
fn three_players_elimination_order_counts() {
    let rows = [
        "A........B",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        ".........C",
    ];
    let mut c = config(10, 2);
    c.max_ticks = 3;
    let mut g = game_with(&rows, c);
    let hit_b = spawn(&mut g, P0, 8, 0);
    spawn(&mut g, lockstep_sdk::PlayerId(2), 5, 5); // so A and C stand equal
    g.submit(P0, &[attack(hit_b, East)]);
    g.step();
    assert!(!g.scores()[1].alive);
    assert!(!g.is_over(), "two players still alive");
    assert_eq!(g.winner(), None);
    // Everyone learns of the elimination, even C, which could not see B's core.
    for player in [P0, lockstep_sdk::PlayerId(2)] {
        assert_eq!(observe(&mut g, player).eliminated, vec![P1]);
    }
    let c_view = observe(&mut g, lockstep_sdk::PlayerId(2));
    assert!(
        c_view.cores.iter().all(|core| core.owner.0 == 2),
        "B was out of C's sight"
    );
    g.step();
    g.step();
    assert!(g.is_over());
    // A and C alive and equal (core hp, one unit, energy): draw; B ranks last.
    assert_eq!(g.winner(), None);
    let mut s = g.scores();
    s.sort_by(lockstep_game::Score::rank);
    assert_eq!(s[2].player, P1);
}
