//! Rule 1: all moves at once.
//!
//! A move fails (`MoveCollided`) if two or more moves aim at the same cell, if two
//! units would swap, or if its target cell stays occupied by a unit that does not
//! leave; that last failure cascades down chains of followers. Everything else
//! moves, including rotating cycles of three or more units. O(moves), no
//! allocation once the scratch vectors have grown.

use bevy_ecs::prelude::*;
use lockstep_sdk::RejectReason;

use crate::state::{At, Board, Orders, Rejections, Scratch, Units};

const NONE: u32 = Scratch::NONE;

pub fn resolve_moves(
    orders: Res<Orders>,
    board: Res<Board>,
    mut units: ResMut<Units>,
    mut scratch: ResMut<Scratch>,
    mut rejections: ResMut<Rejections>,
    mut positions: Query<&mut At>,
) {
    let moves = &orders.moves;
    if moves.is_empty() {
        return;
    }
    let s = &mut *scratch;
    s.ok.clear();
    s.ok.resize(moves.len(), true);
    s.stack.clear();

    // Accepted moves always have an in-grid floor target; treat anything else
    // as a collision rather than trusting it.
    let target = |i: usize| moves[i].target.map(|t| board.idx(t));

    for (i, m) in moves.iter().enumerate() {
        match target(i) {
            Some(to) => s.aimed[to] = s.aimed[to].saturating_add(1),
            None => s.ok[i] = false,
        }
        s.leaving[board.idx(m.from)] = i as u32;
    }
    // Two or more moves into one cell: all of them stay.
    for i in 0..moves.len() {
        if let Some(to) = target(i)
            && s.aimed[to] >= 2
        {
            s.ok[i] = false;
        }
    }
    // Swaps: both stay.
    for i in 0..moves.len() {
        let Some(to) = target(i) else { continue };
        let j = s.leaving[to];
        if s.ok[i] && j != NONE && moves[j as usize].target == Some(moves[i].from) {
            s.ok[i] = false;
            s.ok[j as usize] = false;
        }
    }
    // The one move still entering each cell (targets are unique among survivors).
    for i in 0..moves.len() {
        if let Some(to) = target(i)
            && s.ok[i]
        {
            s.entering[to] = i as u32;
        }
    }
    // Targets held by a unit that has no move: blocked.
    for i in 0..moves.len() {
        if let Some(to) = target(i)
            && s.ok[i]
            && units.occupant(to).is_some()
            && s.leaving[to] == NONE
        {
            s.ok[i] = false;
        }
    }
    // Cascade: a unit that stays keeps its cell, so whoever wanted it stays too.
    for i in 0..moves.len() {
        if !s.ok[i] {
            s.stack.push(i as u32);
        }
    }
    while let Some(k) = s.stack.pop() {
        let from = board.idx(moves[k as usize].from);
        let e = s.entering[from];
        if e != NONE && s.ok[e as usize] {
            s.ok[e as usize] = false;
            s.stack.push(e);
        }
    }

    // Apply: vacate every leaving cell first, then fill the targets.
    for (i, m) in moves.iter().enumerate() {
        if s.ok[i] {
            let from = board.idx(m.from);
            units.occupant[from] = Units::NONE;
        } else {
            rejections.reject(m, RejectReason::MoveCollided);
        }
    }
    for (i, m) in moves.iter().enumerate() {
        let (true, Some(to), Some(dest)) = (s.ok[i], target(i), m.target) else {
            continue;
        };
        units.occupant[to] = m.unit.0;
        if let Some(entity) = units.entity(m.unit)
            && let Ok(mut at) = positions.get_mut(entity)
        {
            at.0 = dest;
        }
    }

    // Reset the scratch cells this tick touched.
    for (i, m) in moves.iter().enumerate() {
        if let Some(to) = target(i) {
            s.aimed[to] = 0;
            s.entering[to] = NONE;
        }
        s.leaving[board.idx(m.from)] = NONE;
    }
}
