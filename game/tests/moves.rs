//! Rule 1: simultaneous moves.

mod common;

use common::*;
use lockstep_sdk::Direction::{East, North, South, West};
use lockstep_sdk::{Pos, RejectReason};

#[test]
fn a_free_move_happens() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 3);
    g.submit(P0, &[mv(a, East)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(4, 3));
    assert!(reasons(&mut g, P0).is_empty());
    assert_eq!(g.tick(), 1);
}

#[test]
fn two_units_into_one_cell_both_stay() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 3);
    let b = spawn(&mut g, P1, 5, 3);
    g.submit(P0, &[mv(a, East)]);
    g.submit(P1, &[mv(b, West)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(3, 3));
    assert_eq!(pos_of(&mut g, b), Pos::new(5, 3));
    assert_eq!(reasons(&mut g, P0), vec![(0, RejectReason::MoveCollided)]);
    assert_eq!(reasons(&mut g, P1), vec![(0, RejectReason::MoveCollided)]);
}

#[test]
fn three_into_one_cell_all_stay() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 4);
    let b = spawn(&mut g, P0, 5, 4);
    let c = spawn(&mut g, P0, 4, 3);
    g.submit(P0, &[mv(a, East), mv(b, West), mv(c, South)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(3, 4));
    assert_eq!(pos_of(&mut g, b), Pos::new(5, 4));
    assert_eq!(pos_of(&mut g, c), Pos::new(4, 3));
    assert_eq!(reasons(&mut g, P0).len(), 3);
}

#[test]
fn moving_into_a_unit_that_stays_fails_and_cascades() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 5);
    let b = spawn(&mut g, P0, 4, 5);
    let c = spawn(&mut g, P1, 5, 5); // no order: stays
    g.submit(P0, &[mv(a, East), mv(b, East)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(3, 5));
    assert_eq!(pos_of(&mut g, b), Pos::new(4, 5));
    assert_eq!(pos_of(&mut g, c), Pos::new(5, 5));
    assert_eq!(
        reasons(&mut g, P0),
        vec![
            (0, RejectReason::MoveCollided),
            (1, RejectReason::MoveCollided)
        ]
    );
}

#[test]
fn a_collision_further_down_a_chain_cascades_back() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 1, 4);
    let b = spawn(&mut g, P0, 2, 4);
    let c = spawn(&mut g, P1, 4, 4);
    // b and c both want (3, 4): both stay, so a cannot enter b's cell.
    g.submit(P0, &[mv(a, East), mv(b, East)]);
    g.submit(P1, &[mv(c, West)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(1, 4));
    assert_eq!(pos_of(&mut g, b), Pos::new(2, 4));
    assert_eq!(pos_of(&mut g, c), Pos::new(4, 4));
}

#[test]
fn a_chain_following_its_leader_moves() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 6);
    let b = spawn(&mut g, P0, 4, 6);
    let c = spawn(&mut g, P0, 5, 6);
    // Listed back to front: order in the list must not matter.
    g.submit(P0, &[mv(a, East), mv(b, East), mv(c, East)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(4, 6));
    assert_eq!(pos_of(&mut g, b), Pos::new(5, 6));
    assert_eq!(pos_of(&mut g, c), Pos::new(6, 6));
    assert!(reasons(&mut g, P0).is_empty());
}

#[test]
fn a_swap_is_blocked() {
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 3, 7);
    let b = spawn(&mut g, P1, 4, 7);
    g.submit(P0, &[mv(a, East)]);
    g.submit(P1, &[mv(b, West)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(3, 7));
    assert_eq!(pos_of(&mut g, b), Pos::new(4, 7));
    assert_eq!(reasons(&mut g, P0), vec![(0, RejectReason::MoveCollided)]);
    assert_eq!(reasons(&mut g, P1), vec![(0, RejectReason::MoveCollided)]);
}

#[test]
fn a_rotating_cycle_moves() {
    // The smallest cycle on a square grid has 4 cells (the grid is bipartite,
    // so an odd cycle such as 3 units cannot exist).
    let mut g = game(OPEN);
    let a = spawn(&mut g, P0, 2, 2);
    let b = spawn(&mut g, P0, 3, 2);
    let c = spawn(&mut g, P1, 3, 3);
    let d = spawn(&mut g, P1, 2, 3);
    g.submit(P0, &[mv(a, East), mv(b, South)]);
    g.submit(P1, &[mv(c, West), mv(d, North)]);
    g.step();
    assert_eq!(pos_of(&mut g, a), Pos::new(3, 2));
    assert_eq!(pos_of(&mut g, b), Pos::new(3, 3));
    assert_eq!(pos_of(&mut g, c), Pos::new(2, 3));
    assert_eq!(pos_of(&mut g, d), Pos::new(2, 2));
    assert!(reasons(&mut g, P0).is_empty());
    assert!(reasons(&mut g, P1).is_empty());
}

const RING: [(u16, u16); 6] = [(2, 5), (3, 5), (4, 5), (4, 6), (3, 6), (2, 6)];
const RING_DIRS: [lockstep_sdk::Direction; 6] = [East, East, South, West, West, North];

#[test]
fn a_six_cycle_turns() {
    let mut g = game(OPEN);
    let ids: Vec<_> = RING.iter().map(|&(x, y)| spawn(&mut g, P0, x, y)).collect();
    let orders: Vec<_> = ids.iter().zip(RING_DIRS).map(|(&u, d)| mv(u, d)).collect();
    g.submit(P0, &orders);
    g.step();
    for (i, &id) in ids.iter().enumerate() {
        let (x, y) = RING[(i + 1) % RING.len()];
        assert_eq!(pos_of(&mut g, id), Pos::new(x, y), "unit {i}");
    }
    assert!(reasons(&mut g, P0).is_empty());
}

#[test]
fn a_unit_cutting_into_a_cycle_jams_all_of_it() {
    // The tail and the last ring unit both want (2, 5): both stay, and the
    // stall runs back round the whole ring.
    let mut g = game(OPEN);
    let ids: Vec<_> = RING.iter().map(|&(x, y)| spawn(&mut g, P0, x, y)).collect();
    let tail = spawn(&mut g, P0, 1, 5);
    let mut orders: Vec<_> = ids.iter().zip(RING_DIRS).map(|(&u, d)| mv(u, d)).collect();
    orders.push(mv(tail, East));
    g.submit(P0, &orders);
    g.step();
    for (i, &id) in ids.iter().enumerate() {
        let (x, y) = RING[i];
        assert_eq!(pos_of(&mut g, id), Pos::new(x, y), "unit {i}");
    }
    assert_eq!(pos_of(&mut g, tail), Pos::new(1, 5));
    let r = reasons(&mut g, P0);
    assert_eq!(r.len(), 7);
    assert!(
        r.iter()
            .all(|&(_, reason)| reason == RejectReason::MoveCollided)
    );
}

#[test]
fn moves_into_walls_sources_cores_and_off_map_are_blocked_at_submit() {
    let rows = [
        "A.........",
        ".#*.......",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        "..........",
        ".........B",
    ];
    let mut g = game(&rows);
    let a = spawn(&mut g, P0, 1, 0); // west: core A, south: wall, east: (2,0) free
    let b = spawn(&mut g, P0, 2, 0); // south: source, north: off the map
    g.submit(P0, &[mv(a, West), mv(a, South), mv(b, South), mv(b, North)]);
    g.step();
    assert_eq!(
        reasons(&mut g, P0),
        vec![
            (0, RejectReason::Blocked),
            (1, RejectReason::Blocked),
            (2, RejectReason::Blocked),
            (3, RejectReason::Blocked),
        ]
    );
    assert_eq!(pos_of(&mut g, a), Pos::new(1, 0));
    assert_eq!(pos_of(&mut g, b), Pos::new(2, 0));
}
