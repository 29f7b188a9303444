//! Rules 3 and 5: eating, and food spawns.

use bevy_ecs::prelude::*;

use crate::settings::MAX_HEALTH;
use crate::state::{Board, Dice, Food, Hazards, Rules, Snakes};

/// Each food under one or more live heads is eaten by all of them: health
/// back to the maximum, and the tail doubled (it stays put next move).
pub fn feed_snakes(board: Res<Board>, mut food: ResMut<Food>, mut snakes: ResMut<Snakes>) {
    food.0.retain(|&f| {
        let mut eaten = false;
        for snake in snakes.0.iter_mut().filter(|s| s.alive) {
            if board.pos(snake.head()) == Some(f) {
                snake.health = MAX_HEALTH;
                if let Some(&tail) = snake.body.back() {
                    snake.body.push_back(tail);
                }
                eaten = true;
            }
        }
        !eaten
    });
}

/// While fewer than `minimum_food` lie on the board, food spawns to make up
/// the difference; otherwise one food spawns with `food_spawn_chance`
/// percent. A spawn picks, from the dice, a cell with no live snake, no food
/// and no hazard (none free: no food).
pub fn spawn_food(
    board: Res<Board>,
    rules: Res<Rules>,
    snakes: Res<Snakes>,
    hazards: Res<Hazards>,
    mut food: ResMut<Food>,
    mut dice: ResMut<Dice>,
) {
    let have = food.0.len();
    let minimum = usize::from(rules.0.minimum_food);
    let count = if have < minimum {
        minimum - have
    } else if rules.0.food_spawn_chance > 0
        && dice.below(100) < usize::from(rules.0.food_spawn_chance)
    {
        1
    } else {
        0
    };
    if count == 0 {
        return;
    }
    let mut blocked = vec![false; board.cells()];
    for snake in snakes.0.iter().filter(|s| s.alive) {
        for &c in &snake.body {
            if let Some(p) = board.pos(c) {
                blocked[board.idx(p)] = true;
            }
        }
    }
    let mut free: Vec<_> = board
        .all()
        .filter(|&p| !blocked[board.idx(p)] && !hazards.at(p) && !food.contains(p))
        .collect();
    for _ in 0..count {
        if free.is_empty() {
            break;
        }
        let p = free.remove(dice.below(free.len()));
        food.insert(p);
    }
}
