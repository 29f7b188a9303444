//! Rule 4: eliminations, judged after every snake has moved, starved and eaten.

use bevy_ecs::prelude::*;

use crate::state::{Board, Cause, Clock, Snakes};

/// In BattleSnake's order. First, each live snake whose head left the board
/// (`out_of_bounds`), then each with no health (`out_of_health`). Then,
/// among the snakes still in, all at once: a head on a cell of its own body
/// past the head (`self_collision`), else on another's (`snake_collision`),
/// else on another head whose snake is at least as long (`head_to_head`:
/// the shorter goes, equal lengths both). Bodies are as they are after this
/// tick's moves and meals; snakes removed in the first pass block nothing.
pub fn eliminate_snakes(board: Res<Board>, clock: Res<Clock>, mut snakes: ResMut<Snakes>) {
    let tick = clock.tick;
    for snake in snakes.0.iter_mut().filter(|s| s.alive) {
        let cause = if board.pos(snake.head()).is_none() {
            Some(Cause::OutOfBounds)
        } else if snake.health == 0 {
            Some(Cause::OutOfHealth)
        } else {
            None
        };
        if let Some(cause) = cause {
            snake.alive = false;
            snake.eliminated = Some((tick, cause));
        }
    }
    let all = &snakes.0;
    let verdicts: Vec<Option<Cause>> = all
        .iter()
        .enumerate()
        .map(|(seat, snake)| {
            if !snake.alive {
                return None;
            }
            let head = snake.head();
            let hits_body =
                |other: &crate::state::SnakeState| other.body.iter().skip(1).any(|&c| c == head);
            if hits_body(snake) {
                return Some(Cause::SelfCollision);
            }
            let others = || {
                all.iter()
                    .enumerate()
                    .filter(move |&(i, o)| i != seat && o.alive)
                    .map(|(_, o)| o)
            };
            if others().any(hits_body) {
                return Some(Cause::SnakeCollision);
            }
            if others().any(|o| o.head() == head && o.length() >= snake.length()) {
                return Some(Cause::HeadToHead);
            }
            None
        })
        .collect();
    for (snake, verdict) in snakes.0.iter_mut().zip(verdicts) {
        if let Some(cause) = verdict {
            snake.alive = false;
            snake.eliminated = Some((tick, cause));
        }
    }
}
