//! After each step: the unit snapshot and every player's vision bitmap, so that
//! `observe` is a filter over a sorted list with one bit test per unit.

use bevy_ecs::prelude::*;
use lockstep_sdk::{Pos, UnitView};

use crate::state::{At, Board, Health, Players, Unit, View};

/// Rebuilds `View` from the unit entities and recounts units per player.
pub fn refresh_view(
    query: Query<(&Unit, &At, &Health)>,
    board: Res<Board>,
    mut players: ResMut<Players>,
    mut view: ResMut<View>,
) {
    let view = &mut *view;
    view.units.clear();
    view.units
        .extend(query.iter().map(|(unit, at, hp)| UnitView {
            id: unit.id,
            owner: unit.owner,
            pos: at.0,
            hp: hp.0,
        }));
    // Query order is archetype order; ids are unique, so this order is canonical.
    view.units.sort_unstable_by_key(|u| u.id);

    for p in players.0.iter_mut() {
        p.units = 0;
    }
    for u in &view.units {
        if let Some(p) = players.0.get_mut(u.owner.0 as usize) {
            p.units += 1;
        }
    }

    let (width, height) = (board.width, board.height);
    for (player, rows) in view.vision.iter_mut().enumerate() {
        rows.clear();
        rows.resize(height as usize, 0);
        // The eliminated see nothing.
        if players.0.get(player).is_some_and(|p| p.alive)
            && let Some(&core) = board.cores.get(player)
        {
            stamp(rows, width, core, &view.core_disk);
        }
    }
    // One pass over the units, each lighting its owner's bitmap.
    for u in &view.units {
        let owner = u.owner.0 as usize;
        if players.0.get(owner).is_some_and(|p| p.alive)
            && let Some(rows) = view.vision.get_mut(owner)
        {
            stamp(rows, width, u.pos, &view.unit_disk);
        }
    }
}

/// A vision disk as row masks: entry `dy * width + x` is the set of cells of
/// row `cy ± dy` seen from a centre in column `x` (`dx² + dy² <= r2`), already
/// clipped to the map. Precomputed once so lighting a disk is two ORs a row.
pub fn disk(r2: u32, width: u16) -> Vec<u128> {
    let r2 = u64::from(r2);
    let radius = r2.isqrt().min(crate::map::MAX_SIDE as u64);
    let last = i64::from(width) - 1;
    let mut masks = Vec::with_capacity((radius as usize + 1) * width as usize);
    for dy in 0..=radius {
        let half = (r2 - dy * dy).isqrt().min(crate::map::MAX_SIDE as u64) as i64;
        for cx in 0..i64::from(width) {
            let x0 = (cx - half).max(0);
            let x1 = (cx + half).min(last);
            let span = (x1 - x0 + 1) as u32; // 1..=128
            masks.push((u128::MAX >> (128 - span)) << x0);
        }
    }
    masks
}

/// Lights the disk around `center` in a row bitmap.
fn stamp(rows: &mut [u128], width: u16, center: Pos, disk: &[u128]) {
    let (cx, cy) = (center.x as usize, center.y as usize);
    for (dy, masks) in disk.chunks_exact(width as usize).enumerate() {
        let Some(&mask) = masks.get(cx) else { return };
        if let Some(row) = rows.get_mut(cy + dy) {
            *row |= mask;
        }
        if dy > 0
            && let Some(row) = cy.checked_sub(dy).and_then(|y| rows.get_mut(y))
        {
            *row |= mask;
        }
    }
}

/// Whether `pos` is lit in a player's bitmap.
#[inline]
pub fn visible(rows: &[u128], pos: Pos) -> bool {
    rows.get(pos.y as usize)
        .is_some_and(|row| pos.x < 128 && (row >> pos.x) & 1 == 1)
}
