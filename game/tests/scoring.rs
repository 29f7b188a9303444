//! Scores and the winner at the tick limit.

mod common;

use common::*;
use lockstep_game::{GameConfig, Score};
use lockstep_sdk::Direction::{East, North};
use lockstep_sdk::PlayerId;

fn short(ticks: u32) -> GameConfig {
    GameConfig {
        max_ticks: ticks,
        ..GameConfig::default()
    }
}

fn run_out(g: &mut lockstep_game::Game) {
    while !g.is_over() {
        g.step();
    }
}

#[test]
fn equal_scores_at_the_limit_are_a_draw() {
    let mut g = game_with(OPEN, short(3));
    assert_eq!(g.winner(), None, "running");
    run_out(&mut g);
    assert_eq!(g.tick(), 3);
    assert!(g.is_over());
    assert_eq!(g.winner(), None);
    let s = g.scores();
    assert_eq!(s[0].energy, 33);
    assert!(s[0].ties(&s[1]));
}

#[test]
fn core_hp_decides_first() {
    let mut g = game_with(OPEN, short(3));
    let a = spawn(&mut g, P0, 8, 9);
    // P1 has more units, but a damaged core.
    spawn(&mut g, P1, 5, 5);
    spawn(&mut g, P1, 5, 6);
    g.submit(P0, &[attack(a, East)]);
    run_out(&mut g);
    assert_eq!(g.winner(), Some(P0));
}

#[test]
fn then_units_then_energy() {
    let mut g = game_with(OPEN, short(2));
    spawn(&mut g, P1, 5, 5);
    run_out(&mut g);
    assert_eq!(g.winner(), Some(P1));

    let rows = [
        "A.........",
        "..........",
        "..*.......",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        ".........B",
    ];
    let mut g = game_with(&rows, short(2));
    let a = spawn(&mut g, P0, 2, 3);
    spawn(&mut g, P1, 5, 5);
    g.submit(P0, &[harvest(a, North)]);
    run_out(&mut g);
    let s = g.scores();
    assert_eq!((s[0].energy, s[1].energy), (33, 32));
    assert_eq!(g.winner(), Some(P0));
}

#[test]
fn rank_orders_alive_then_late_elimination_then_numbers() {
    let base = Score {
        player: PlayerId(0),
        alive: true,
        eliminated_at: None,
        core_hp: 10,
        units: 3,
        energy: 5,
    };
    let with = |f: &dyn Fn(&mut Score)| {
        let mut s = base.clone();
        f(&mut s);
        s
    };
    let dead_late = with(&|s| {
        s.alive = false;
        s.eliminated_at = Some(9);
        s.core_hp = 0;
        s.units = 0;
        s.energy = 1000;
    });
    let dead_early = with(&|s| {
        s.alive = false;
        s.eliminated_at = Some(2);
        s.core_hp = 0;
        s.units = 0;
        s.energy = 5000;
    });
    let mut scores = [
        dead_early.clone(),
        with(&|s| s.energy = 4),
        dead_late.clone(),
        with(&|s| s.units = 2),
        with(&|s| s.core_hp = 9),
        base.clone(),
    ];
    scores.sort_by(Score::rank);
    assert_eq!(scores[0], base);
    assert_eq!(scores[1].energy, 4);
    assert_eq!(scores[2].units, 2);
    assert_eq!(scores[3].core_hp, 9);
    assert_eq!(scores[4], dead_late);
    assert_eq!(scores[5], dead_early);
    assert!(base.ties(&with(&|s| s.player = PlayerId(3))));
}
