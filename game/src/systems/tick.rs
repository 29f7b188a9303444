//! Rule 7: close the tick.

use bevy_ecs::prelude::*;

use crate::state::{Clock, Orders, Rejections};

/// Counts the tick, drops its orders, and makes its rejections (sorted by order
/// index) the ones the next observation reports.
pub fn end_tick(
    mut clock: ResMut<Clock>,
    mut orders: ResMut<Orders>,
    mut rejections: ResMut<Rejections>,
) {
    clock.tick = clock.tick.saturating_add(1);
    let orders = &mut *orders;
    orders.moves.clear();
    orders.attacks.clear();
    orders.harvests.clear();
    orders.spawns.iter_mut().for_each(|s| *s = None);
    orders.seen.iter_mut().for_each(|n| *n = 0);
    // `orders.ordered` is stamped with the tick, so it needs no clearing.

    let rejections = &mut *rejections;
    for (current, last) in rejections.current.iter_mut().zip(&mut rejections.last) {
        current.sort_by_key(|r| r.index);
        std::mem::swap(current, last);
        current.clear();
    }
}
