//! Rule 2: hunger and hazards.

use bevy_ecs::prelude::*;

use crate::state::{Board, Food, Hazards, Rules, Snakes};

/// Every live snake loses 1 health, and `hazard_damage` more if its head is
/// on a hazard cell with no food on it; never below 0.
pub fn drain_health(
    board: Res<Board>,
    rules: Res<Rules>,
    food: Res<Food>,
    hazards: Res<Hazards>,
    mut snakes: ResMut<Snakes>,
) {
    for snake in snakes.0.iter_mut().filter(|s| s.alive) {
        let mut loss = 1u16;
        if let Some(head) = board.pos(snake.head())
            && hazards.at(head)
            && !food.contains(head)
        {
            loss = loss.saturating_add(rules.0.hazard_damage);
        }
        snake.health = snake.health.saturating_sub(loss);
    }
}
