//! Rule 7: close the tick.

use bevy_ecs::prelude::*;

use crate::state::{Clock, Orders, Rejections};

/// Counts the tick, drops its orders, and makes its rejections the ones the
/// next observation reports.
pub fn end_tick(
    mut clock: ResMut<Clock>,
    mut orders: ResMut<Orders>,
    mut rejections: ResMut<Rejections>,
) {
    clock.tick = clock.tick.saturating_add(1);
    orders.moves.iter_mut().for_each(|m| *m = None);
    orders.submitted.iter_mut().for_each(|s| *s = false);
    let rejections = &mut *rejections;
    for (current, last) in rejections.current.iter_mut().zip(&mut rejections.last) {
        std::mem::swap(current, last);
        current.clear();
    }
}
