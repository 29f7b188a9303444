//! Every `RejectReason`, produced by a scenario, with its index and action.

mod common;

use std::collections::BTreeSet;

use common::*;
use lockstep_game::GameConfig;
use lockstep_sdk::Direction::{East, North, South, West};
use lockstep_sdk::{Action, PlayerId, RejectReason, UnitId};

fn reason_name(r: RejectReason) -> &'static str {
    match r {
        RejectReason::NoSuchUnit => "NoSuchUnit",
        RejectReason::NotYourUnit => "NotYourUnit",
        RejectReason::AlreadyOrdered => "AlreadyOrdered",
        RejectReason::TooManyActions => "TooManyActions",
        RejectReason::Blocked => "Blocked",
        RejectReason::MoveCollided => "MoveCollided",
        RejectReason::NoEnemy => "NoEnemy",
        RejectReason::NoSource => "NoSource",
        RejectReason::NotEnoughEnergy => "NotEnoughEnergy",
        RejectReason::UnitCap => "UnitCap",
        RejectReason::SpawnBlocked => "SpawnBlocked",
    }
}

const ALL: [&str; 11] = [
    "NoSuchUnit",
    "NotYourUnit",
    "AlreadyOrdered",
    "TooManyActions",
    "Blocked",
    "MoveCollided",
    "NoEnemy",
    "NoSource",
    "NotEnoughEnergy",
    "UnitCap",
    "SpawnBlocked",
];

const MAP: &[&str] = &[
    "A.#.......",
    "..........",
    "....*.....",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    "..........",
    ".........B",
];

#[test]
fn every_reject_reason_is_produced_with_index_and_action() {
    let mut seen = BTreeSet::new();
    let mut record =
        |g: &mut lockstep_game::Game, p: PlayerId, expected: &[(u32, Action, RejectReason)]| {
            let obs = observe(g, p);
            let got: Vec<_> = obs
                .rejected
                .iter()
                .map(|r| (r.index, r.action, r.reason))
                .collect();
            assert_eq!(got, expected);
            for r in &obs.rejected {
                seen.insert(reason_name(r.reason));
            }
        };

    // Unit orders checked at submit time.
    let mut g = game(MAP);
    let mine = spawn(&mut g, P0, 4, 3);
    let theirs = spawn(&mut g, P1, 6, 6);
    let orders = [
        mv(UnitId(999), East),        // 0 NoSuchUnit
        mv(theirs, East),             // 1 NotYourUnit
        harvest(mine, West),          // 2 NoSource (floor)
        harvest(mine, North),         // 3 ok
        mv(mine, South),              // 4 AlreadyOrdered
        Action::Spawn { dir: North }, // 5 Blocked (off the map)
        Action::Spawn { dir: South }, // 6 ok
        Action::Spawn { dir: East },  // 7 AlreadyOrdered (second spawn)
    ];
    g.submit(P0, &orders);
    g.step();
    record(
        &mut g,
        P0,
        &[
            (0, orders[0], RejectReason::NoSuchUnit),
            (1, orders[1], RejectReason::NotYourUnit),
            (2, orders[2], RejectReason::NoSource),
            (4, orders[4], RejectReason::AlreadyOrdered),
            (5, orders[5], RejectReason::Blocked),
            (7, orders[7], RejectReason::AlreadyOrdered),
        ],
    );
    assert_eq!(g.rejected_total(P0), 6);
    assert_eq!(g.rejected_total(P1), 0);

    // Rejections are reported for one tick only.
    g.step();
    assert!(observe(&mut g, P0).rejected.is_empty());
    assert_eq!(g.rejected_total(P0), 6);

    // Too many actions: the extra ones, each with its index.
    let c = GameConfig {
        max_actions: 2,
        ..GameConfig::default()
    };
    let mut g = game_with(MAP, c);
    let u = spawn(&mut g, P0, 5, 5);
    let orders = [
        mv(u, East),
        Action::Spawn { dir: South },
        attack(u, North),
        mv(UnitId(7), West),
    ];
    g.submit(P0, &orders);
    g.step();
    record(
        &mut g,
        P0,
        &[
            (2, orders[2], RejectReason::TooManyActions),
            (3, orders[3], RejectReason::TooManyActions),
        ],
    );

    // Energy and the unit cap.
    let mut c = GameConfig::default();
    c.rules.start_energy = 9;
    let mut g = game_with(MAP, c);
    let spawn_east = Action::Spawn { dir: East };
    g.submit(P0, &[spawn_east]);
    g.step();
    record(
        &mut g,
        P0,
        &[(0, spawn_east, RejectReason::NotEnoughEnergy)],
    );

    let mut c = GameConfig::default();
    c.rules.max_units = 1;
    let mut g = game_with(MAP, c);
    spawn(&mut g, P0, 5, 5);
    g.submit(P0, &[spawn_east]);
    g.step();
    record(&mut g, P0, &[(0, spawn_east, RejectReason::UnitCap)]);

    // Resolution-time reasons: collisions, no enemy, blocked spawn.
    let mut g = game(MAP);
    let a = spawn(&mut g, P0, 3, 5);
    let b = spawn(&mut g, P1, 5, 5);
    let c = spawn(&mut g, P1, 1, 1);
    let orders = [
        mv(a, East),
        attack(a, West), // AlreadyOrdered: a has a move
        Action::Spawn { dir: East },
    ];
    g.submit(P0, &orders);
    g.submit(P1, &[mv(b, West), mv(c, North)]); // b collides with a; c takes (1, 0)
    g.step();
    record(
        &mut g,
        P0,
        &[
            (0, orders[0], RejectReason::MoveCollided),
            (1, orders[1], RejectReason::AlreadyOrdered),
            (2, orders[2], RejectReason::SpawnBlocked),
        ],
    );
    let unit_a = unit(&mut g, a).map(|u| u.id);
    let hit = attack(unit_a.unwrap_or(a), North);
    g.submit(P0, &[hit]);
    g.step();
    record(&mut g, P0, &[(0, hit, RejectReason::NoEnemy)]);

    let missing: Vec<_> = ALL.iter().filter(|r| !seen.contains(*r)).collect();
    assert!(missing.is_empty(), "reasons never produced: {missing:?}");
}

#[test]
fn spawning_into_a_wall_is_blocked() {
    let mut rows = OPEN.to_vec();
    rows[0] = "A#........";
    let mut g = game(&rows);
    let into_wall = Action::Spawn { dir: East };
    g.submit(P0, &[into_wall]);
    g.step();
    assert_eq!(reasons(&mut g, P0), vec![(0, RejectReason::Blocked)]);
    assert_eq!(observe(&mut g, P0).energy, 31);
}

#[test]
fn split_submits_keep_counting_indices() {
    let mut g = game(MAP);
    let u = spawn(&mut g, P0, 5, 5);
    g.submit(P0, &[mv(u, East)]);
    g.submit(P0, &[mv(u, West), mv(UnitId(50), West)]);
    g.step();
    assert_eq!(
        reasons(&mut g, P0),
        vec![
            (1, RejectReason::AlreadyOrdered),
            (2, RejectReason::NoSuchUnit)
        ]
    );
    assert_eq!(pos_of(&mut g, u), lockstep_sdk::Pos::new(6, 5));
}

#[test]
fn orders_from_unknown_players_are_ignored() {
    let mut g = game(MAP);
    g.submit(PlayerId(7), &[Action::Spawn { dir: South }]);
    g.submit(PlayerId(255), &[mv(UnitId(0), East)]);
    g.step();
    assert_eq!(g.rejected_total(PlayerId(7)), 0);
    let obs = observe(&mut g, PlayerId(200));
    assert!(obs.units.is_empty());
    assert_eq!(obs.tick, 1);
}
