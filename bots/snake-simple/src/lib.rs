//! # Simple: a greedy snake
//!
//! Each tick it keeps the moves that neither leave the board nor run into a
//! body that is still there next tick (tails move on unless their snake has
//! just eaten); of those, the ones no longer-or-equal snake's head can also
//! step into, if any; and of those, the one nearest to a food by Manhattan
//! distance (first in `Direction::ALL` order on a tie). No look-ahead, so it
//! walks into dead ends: the baseline a space-aware bot should beat.

use lockstep_snake_sdk::{Action, Bot, Direction, Init, Observation, Pos, SnakeView};

pub struct Simple {
    you: u8,
    width: u16,
    height: u16,
}

/// Whether `pos` is covered by a live snake's body after the next move: every
/// segment but the tail, and the tail too when it is doubled (just ate).
pub fn blocked_next_tick(obs: &Observation, pos: Pos) -> bool {
    obs.snakes.iter().filter(|s| s.alive).any(|s| {
        let n = s.body.len();
        let stays = |i: usize| i + 1 < n || (n >= 2 && s.body[n - 1] == s.body[n - 2]);
        s.body
            .iter()
            .enumerate()
            .any(|(i, &c)| c == pos && stays(i))
    })
}

/// Whether another live snake at least as long as `me` could move its head
/// onto `pos` next tick (a head-to-head `me` would lose or tie).
pub fn contested(obs: &Observation, me: &SnakeView, pos: Pos) -> bool {
    obs.snakes
        .iter()
        .filter(|s| s.alive && s.seat != me.seat && s.length >= me.length)
        .filter_map(SnakeView::head)
        .any(|h| h.manhattan(pos) == 1)
}

impl Simple {
    /// This tick's move; `None` when our snake is not on the board.
    pub fn choose(&self, obs: &Observation) -> Option<Direction> {
        let me = obs.snake(self.you).filter(|s| s.alive)?;
        let head = me.head()?;
        let safe: Vec<(Direction, Pos)> = head
            .neighbours(self.width, self.height)
            .filter(|&(_, p)| !blocked_next_tick(obs, p))
            .collect();
        let Some(&(first, _)) = safe.first() else {
            // Nothing is safe: stay on the board if we can (a head-to-head may
            // still take the other snake with us).
            return Some(
                head.neighbours(self.width, self.height)
                    .next()
                    .map_or(Direction::Up, |(d, _)| d),
            );
        };
        let calm: Vec<(Direction, Pos)> = safe
            .iter()
            .copied()
            .filter(|&(_, p)| !contested(obs, me, p))
            .collect();
        let pool = if calm.is_empty() { &safe } else { &calm };
        let nearest = |p: Pos| obs.food.iter().map(|&f| p.manhattan(f)).min();
        Some(
            pool.iter()
                .min_by_key(|&&(_, p)| nearest(p).unwrap_or(u32::MAX))
                .map_or(first, |&(d, _)| d),
        )
    }
}

impl Bot for Simple {
    fn new(init: &Init) -> Self {
        Simple {
            you: init.you,
            width: init.width,
            height: init.height,
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        match self.choose(obs) {
            Some(dir) => vec![Action::Move { dir }],
            None => Vec::new(),
        }
    }
}

lockstep_snake_sdk::export_bot!(Simple);

#[cfg(test)]
mod tests;
