//! Rule 6: the royale safe area shrinks.

use bevy_ecs::prelude::*;
use lockstep_snake_sdk::HazardMode;

use crate::state::{Clock, Dice, Hazards, Rules};

/// With royale hazards, at the end of every `shrink_every`-th tick one side
/// of the safe rectangle, drawn from the dice (top, bottom, left, right),
/// moves in by one cell; the cells it leaves become hazard. Once the safe
/// area is gone the whole board is hazard and nothing more is drawn.
pub fn shrink_safe_area(
    rules: Res<Rules>,
    clock: Res<Clock>,
    mut hazards: ResMut<Hazards>,
    mut dice: ResMut<Dice>,
) {
    let rules = &rules.0;
    let ending = clock.tick.saturating_add(1);
    if rules.hazards != HazardMode::Royale || !ending.is_multiple_of(rules.shrink_every.max(1)) {
        return;
    }
    let h = &mut *hazards;
    if h.x0 >= h.x1 || h.y0 >= h.y1 {
        return;
    }
    match dice.below(4) {
        0 => h.y0 += 1,
        1 => h.y1 -= 1,
        2 => h.x0 += 1,
        _ => h.x1 -= 1,
    }
}
