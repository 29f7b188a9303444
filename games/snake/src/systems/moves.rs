//! Rule 1: every live snake moves one cell at once.

use bevy_ecs::prelude::*;

use crate::state::{Orders, Snakes};

/// Each live snake's head steps in its ordered direction (none: the way it
/// last moved) and its tail cell is dropped. Heads may leave the board or
/// enter bodies here; the elimination rule judges that.
pub fn move_snakes(orders: Res<Orders>, mut snakes: ResMut<Snakes>) {
    for (seat, snake) in snakes.0.iter_mut().enumerate() {
        if !snake.alive {
            continue;
        }
        let dir = orders
            .moves
            .get(seat)
            .copied()
            .flatten()
            .unwrap_or(snake.heading);
        let head = snake.head().step(dir);
        snake.body.push_front(head);
        snake.body.pop_back();
        snake.heading = dir;
    }
}
