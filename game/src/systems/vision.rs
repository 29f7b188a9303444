//! After each step (and each change made outside one): the unit snapshot and
//! every player's vision bitmap, so that `observe` is a filter over a sorted
//! list with one bit test per enemy unit (or none, when the player's sight
//! covers the rectangle that holds every unit), and `submit` a table lookup.
//! Both are patched from what the step recorded in `Changes` rather than
//! rebuilt, unless units were spawned or died. Three systems, chained in this
//! order: the second reads what the first wrote, the third clears `Changes`.

use bevy_ecs::prelude::*;
use lockstep_sdk::{Pos, UnitView};

use crate::state::{At, Board, Changes, Health, Players, Unit, Units, View};

/// Brings `View::units` (sorted by id), its index by id and the rectangle
/// around them up to date, and recounts units per player. A step that spawned
/// or killed nothing keeps the list's order and slots: only the units it moved
/// or hurt are read back, O(changes) rather than a query walk and a sort.
pub fn snapshot_units(
    query: Query<(&Unit, &At, &Health)>,
    units: Res<Units>,
    changes: Res<Changes>,
    mut players: ResMut<Players>,
    mut view: ResMut<View>,
) {
    let view = &mut *view;
    if !changes.roster {
        for &id in changes.moved.iter().chain(&changes.hurt) {
            let slot = view.slot.get(id.0 as usize).copied();
            if let (Some(entity), Some(slot)) = (units.entity(id), slot)
                && let Ok((_, at, hp)) = query.get(entity)
                && let Some(u) = view.units.get_mut(slot as usize)
            {
                u.pos = at.0;
                u.hp = hp.0;
            }
        }
        if !changes.moved.is_empty() {
            view.extent = extent(&view.units);
        }
        return;
    }
    // Unset only the slots set last time: O(units), not O(ids ever handed out).
    for u in &view.units {
        if let Some(slot) = view.slot.get_mut(u.id.0 as usize) {
            *slot = View::NONE;
        }
    }
    view.slot.resize(units.next_id as usize, View::NONE);
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
    for (i, u) in view.units.iter().enumerate() {
        if let Some(slot) = view.slot.get_mut(u.id.0 as usize) {
            *slot = i as u32;
        }
    }
    view.extent = extent(&view.units);

    for p in players.0.iter_mut() {
        p.units = 0;
    }
    for u in &view.units {
        if let Some(p) = players.0.get_mut(u.owner.0 as usize) {
            p.units += 1;
        }
    }
}

/// The smallest rectangle holding every unit, `None` without units.
fn extent(units: &[UnitView]) -> Option<(Pos, Pos)> {
    let mut extent: Option<(Pos, Pos)> = None;
    for u in units {
        let (lo, hi) = extent.get_or_insert((u.pos, u.pos));
        (lo.x, lo.y) = (lo.x.min(u.pos.x), lo.y.min(u.pos.y));
        (hi.x, hi.y) = (hi.x.max(u.pos.x), hi.y.max(u.pos.y));
    }
    extent
}

/// Lights each live player's bitmap: its core's disk and its units' disks.
/// The eliminated see nothing. A bitmap depends only on whether its player
/// is alive and where its units stand, so after a step that spawned, killed
/// and eliminated nothing, only the players whose units moved are relit.
pub fn light_vision(
    board: Res<Board>,
    players: Res<Players>,
    changes: Res<Changes>,
    mut view: ResMut<View>,
) {
    let view = &mut *view;
    let same_alive = view.lit_alive.len() == players.0.len()
        && (view.lit_alive.iter().zip(&players.0)).all(|(&was, now)| was == now.alive);
    // Players to relight, one bit each (maps have at most 8 cores).
    let mut stale: u64 = 0;
    if changes.roster || !same_alive || players.0.len() > 64 {
        stale = u64::MAX;
    } else {
        for &id in &changes.moved {
            if let Some(u) = view.unit(id) {
                stale |= 1 << (u.owner.0 & 63);
            }
        }
    }
    if stale == 0 {
        return;
    }
    if !same_alive {
        view.lit_alive.clear();
        view.lit_alive.extend(players.0.iter().map(|p| p.alive));
    }
    let (width, height) = (board.width, view.height);
    let alive = |p: usize| players.0.get(p).is_some_and(|s| s.alive);
    let relit = |p: usize| p < 64 && stale & (1 << p) != 0;
    for (player, rows) in view.vision.chunks_exact_mut(height.max(1)).enumerate() {
        if !relit(player) {
            continue;
        }
        rows.fill(0);
        if alive(player)
            && let Some(&core) = board.cores.get(player)
        {
            stamp(rows, width, core, &view.core_disk);
        }
    }
    // One pass over the units, each lighting its owner's bitmap.
    for u in &view.units {
        let owner = u.owner.0 as usize;
        if relit(owner)
            && alive(owner)
            && let Some(rows) = view.vision.get_mut(owner * height..(owner + 1) * height)
        {
            stamp(rows, width, u.pos, &view.unit_disk);
        }
    }
}

/// Clears what the step changed, once the view has caught up with it.
pub fn forget_changes(mut changes: ResMut<Changes>) {
    changes.roster = false;
    changes.moved.clear();
    changes.hurt.clear();
}

/// A vision disk as column masks: entry `x * (radius + 1) + dy` is the set of
/// cells of row `cy ± dy` seen from a centre in column `x` (`dx² + dy² <= r2`),
/// already clipped to the map. Precomputed once, a centre's masks side by
/// side, so lighting a disk is two ORs a row with no lookups between.
pub fn disk(r2: u32, width: u16) -> Vec<u128> {
    let r2 = u64::from(r2);
    let radius = r2.isqrt().min(crate::map::MAX_SIDE as u64);
    let last = i64::from(width) - 1;
    let mut masks = Vec::with_capacity((radius as usize + 1) * width as usize);
    for cx in 0..i64::from(width) {
        for dy in 0..=radius {
            let half = (r2 - dy * dy).isqrt().min(crate::map::MAX_SIDE as u64) as i64;
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
    let n = disk.len() / usize::from(width).max(1);
    let Some(column) = disk.get(cx * n..(cx + 1) * n) else {
        return;
    };
    // Row `cy + dy` for `dy` from 0 (the centre's row and below)...
    if cy < rows.len() {
        let k = n.min(rows.len() - cy);
        let (dst, src) = (&mut rows[cy..cy + k], &column[..k]);
        for i in 0..k {
            dst[i] |= src[i];
        }
    }
    // ...and row `cy - dy` for `dy` from 1 (above), nearest first. A centre
    // off the map (never, but no panic) skips the rows that are not on it.
    let above = cy.min(rows.len());
    let skipped = cy - above;
    let k = (n - 1).saturating_sub(skipped).min(above);
    if k > 0 {
        let src = &column[1 + skipped..1 + skipped + k];
        for (row, mask) in rows[above - k..above].iter_mut().rev().zip(src) {
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
