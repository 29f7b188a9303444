//! Rule 1: all moves at once.
//!
//! A move fails (`MoveCollided`) if two or more moves aim at the same cell, if two
//! units would swap, or if its target cell stays occupied by a unit that does not
//! leave; that last failure cascades down chains of followers. Everything else
//! moves, including rotating cycles of three or more units. O(moves), no
//! allocation once the scratch vectors have grown.

use bevy_ecs::prelude::*;
use lockstep_sdk::RejectReason;

use crate::state::{At, Board, Changes, Orders, Rejections, Scratch, Units};

const NONE: u32 = Scratch::NONE;

pub fn resolve_moves(
    orders: Res<Orders>,
    board: Res<Board>,
    mut units: ResMut<Units>,
    mut scratch: ResMut<Scratch>,
    mut rejections: ResMut<Rejections>,
    mut changes: ResMut<Changes>,
    mut positions: Query<&mut At>,
) {
    let moves = &orders.moves;
    if moves.is_empty() {
        return;
    }
    // Plain references, taken once: each access through `ResMut` would stamp
    // its change tick again, a cost per move for nothing.
    let (s, units) = (&mut *scratch, &mut *units);
    let (rejections, changes) = (&mut *rejections, &mut *changes);
    s.ok.clear();
    s.ok.resize(moves.len(), true);
    s.stack.clear();
    // Each move's cells as indices, worked out once: every pass below reads them.
    // Accepted moves always have an in-grid floor target; treat anything else
    // as a collision rather than trusting it.
    s.from.clear();
    s.to.clear();
    for (i, m) in moves.iter().enumerate() {
        s.from.push(board.idx(m.from) as u32);
        let to = m.target.map_or(NONE, |t| board.idx(t) as u32);
        s.to.push(to);
        if to == NONE {
            s.ok[i] = false;
        }
    }
    let (from, to) = (&s.from[..moves.len()], &s.to[..moves.len()]);
    let ok = &mut s.ok[..moves.len()];

    for i in 0..moves.len() {
        if to[i] != NONE {
            let t = to[i] as usize;
            s.aimed[t] = s.aimed[t].saturating_add(1);
        }
        s.leaving[from[i] as usize] = i as u32;
    }
    // Two or more moves into one cell: all of them stay.
    for i in 0..moves.len() {
        if to[i] != NONE && s.aimed[to[i] as usize] >= 2 {
            ok[i] = false;
        }
    }
    // Swaps: both stay.
    for i in 0..moves.len() {
        if to[i] == NONE {
            continue;
        }
        let j = s.leaving[to[i] as usize];
        if ok[i] && j != NONE && to[j as usize] == from[i] {
            ok[i] = false;
            ok[j as usize] = false;
        }
    }
    // The one move still entering each cell (targets are unique among survivors).
    for i in 0..moves.len() {
        if to[i] != NONE && ok[i] {
            s.entering[to[i] as usize] = i as u32;
        }
    }
    // Targets held by a unit that has no move: blocked.
    for i in 0..moves.len() {
        if to[i] != NONE
            && ok[i]
            && units.occupant[to[i] as usize] != Units::NONE
            && s.leaving[to[i] as usize] == NONE
        {
            ok[i] = false;
        }
    }
    // Cascade: a unit that stays keeps its cell, so whoever wanted it stays too.
    for (i, &fine) in ok.iter().enumerate() {
        if !fine {
            s.stack.push(i as u32);
        }
    }
    while let Some(k) = s.stack.pop() {
        let e = s.entering[from[k as usize] as usize];
        if e != NONE && ok[e as usize] {
            ok[e as usize] = false;
            s.stack.push(e);
        }
    }

    // Apply: vacate every leaving cell first, then fill the targets.
    for (i, m) in moves.iter().enumerate() {
        if ok[i] {
            units.occupant[from[i] as usize] = Units::NONE;
        } else {
            rejections.reject(m, RejectReason::MoveCollided);
        }
    }
    for (i, m) in moves.iter().enumerate() {
        let (true, Some(dest)) = (ok[i], m.target) else {
            continue;
        };
        units.occupant[to[i] as usize] = m.unit.0;
        changes.moved.push(m.unit);
        if let Some(entity) = units.entity(m.unit)
            && let Ok(mut at) = positions.get_mut(entity)
        {
            at.0 = dest;
        }
    }

    // Reset the scratch cells this tick touched.
    for i in 0..moves.len() {
        if to[i] != NONE {
            s.aimed[to[i] as usize] = 0;
            s.entering[to[i] as usize] = NONE;
        }
        s.leaving[from[i] as usize] = NONE;
    }
}
