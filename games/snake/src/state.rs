//! The ECS data: plain resources, each indexed by seat or by cell, never by
//! `Entity`, so no result depends on entity or query order.

use std::collections::VecDeque;

use bevy_ecs::prelude::*;
use lockstep_snake_sdk::{Direction, Pos, RejectReason, Rejection};
use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use crate::Settings;

/// A cell that may be off the board: a head that moved out stays there
/// (signed) until the elimination system removes the snake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub x: i32,
    pub y: i32,
}

impl Cell {
    pub fn step(self, dir: Direction) -> Cell {
        let (dx, dy) = dir.delta();
        Cell {
            x: self.x + dx,
            y: self.y + dy,
        }
    }
}

impl From<Pos> for Cell {
    fn from(p: Pos) -> Cell {
        Cell {
            x: i32::from(p.x),
            y: i32::from(p.y),
        }
    }
}

/// The board's size.
#[derive(Resource, Clone, Copy, Debug)]
pub struct Board {
    pub width: u16,
    pub height: u16,
}

impl Board {
    /// The cell as a `Pos`, if it is on the board.
    pub fn pos(&self, c: Cell) -> Option<Pos> {
        (c.x >= 0 && c.y >= 0 && c.x < i32::from(self.width) && c.y < i32::from(self.height))
            .then(|| Pos::new(c.x as u16, c.y as u16))
    }

    pub fn cells(&self) -> usize {
        usize::from(self.width) * usize::from(self.height)
    }

    /// Row-major index of an on-board cell.
    pub fn idx(&self, p: Pos) -> usize {
        usize::from(p.y) * usize::from(self.width) + usize::from(p.x)
    }

    /// Every cell, row-major: `(y, x)` order.
    pub fn all(&self) -> impl Iterator<Item = Pos> + use<> {
        let (w, h) = (self.width, self.height);
        (0..h).flat_map(move |y| (0..w).map(move |x| Pos::new(x, y)))
    }
}

/// The settings in force.
#[derive(Resource, Clone, Debug)]
pub struct Rules(pub Settings);

/// Ticks completed so far.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Clock {
    pub tick: u32,
}

/// Why a snake left the game, in the order the rules check them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    OutOfBounds,
    OutOfHealth,
    SelfCollision,
    SnakeCollision,
    HeadToHead,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::OutOfBounds => "out_of_bounds",
            Cause::OutOfHealth => "out_of_health",
            Cause::SelfCollision => "self_collision",
            Cause::SnakeCollision => "snake_collision",
            Cause::HeadToHead => "head_to_head",
        }
    }
}

/// One seat's snake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnakeState {
    /// Head first. After eating, the last two cells are equal. Kept as it
    /// was once eliminated (for the viewer), but then it blocks nothing.
    pub body: VecDeque<Cell>,
    pub health: u16,
    pub alive: bool,
    /// The direction it moved last (`Up` before its first move): where it
    /// goes without an order.
    pub heading: Direction,
    /// The tick in which it was eliminated, and why.
    pub eliminated: Option<(u32, Cause)>,
}

impl SnakeState {
    pub fn head(&self) -> Cell {
        self.body.front().copied().unwrap_or(Cell { x: -1, y: -1 })
    }

    pub fn length(&self) -> u32 {
        self.body.len() as u32
    }
}

/// By seat.
#[derive(Resource, Clone, Debug, Default)]
pub struct Snakes(pub Vec<SnakeState>);

/// Every food, sorted by `(y, x)`, no duplicates.
#[derive(Resource, Clone, Debug, Default)]
pub struct Food(pub Vec<Pos>);

impl Food {
    pub fn contains(&self, p: Pos) -> bool {
        self.0
            .binary_search_by_key(&(p.y, p.x), |f| (f.y, f.x))
            .is_ok()
    }

    pub fn insert(&mut self, p: Pos) {
        if let Err(i) = self.0.binary_search_by_key(&(p.y, p.x), |f| (f.y, f.x)) {
            self.0.insert(i, p);
        }
    }
}

/// The royale hazards: every cell outside the safe rectangle
/// `x0..x1` x `y0..y1` is hazard (none while it covers the board).
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hazards {
    pub x0: u16,
    pub x1: u16,
    pub y0: u16,
    pub y1: u16,
}

impl Hazards {
    pub fn none(board: &Board) -> Hazards {
        Hazards {
            x0: 0,
            x1: board.width,
            y0: 0,
            y1: board.height,
        }
    }

    pub fn at(&self, p: Pos) -> bool {
        !(self.x0..self.x1).contains(&p.x) || !(self.y0..self.y1).contains(&p.y)
    }

    /// Every hazard cell of `board`, sorted by `(y, x)`.
    pub fn cells(&self, board: &Board) -> Vec<Pos> {
        board.all().filter(|&p| self.at(p)).collect()
    }
}

/// This tick's orders, by seat: the direction of the first `Move`.
#[derive(Resource, Clone, Debug, Default)]
pub struct Orders {
    pub moves: Vec<Option<Direction>>,
    /// Whether the seat has submitted this tick (a second submit is extra).
    pub submitted: Vec<bool>,
}

/// Orders that did not take effect, by seat: this tick's, last tick's (what
/// the next observation reports), and the match's total.
#[derive(Resource, Clone, Debug, Default)]
pub struct Rejections {
    pub current: Vec<Vec<Rejection>>,
    pub last: Vec<Vec<Rejection>>,
    pub total: Vec<u64>,
}

impl Rejections {
    pub fn reject(&mut self, seat: usize, index: usize, reason: RejectReason) {
        if let (Some(list), Some(total)) = (self.current.get_mut(seat), self.total.get_mut(seat)) {
            list.push(Rejection {
                index: index as u32,
                reason,
            });
            *total += 1;
        }
    }
}

/// The match's randomness: one `ChaCha8Rng` of the match seed, on a stream
/// of its own ([`crate::RNG_STREAM`]).
#[derive(Resource, Clone, Debug)]
pub struct Dice(pub ChaCha8Rng);

impl Dice {
    /// A uniform-enough integer in `0..n` (`n > 0`), as the reference game draws.
    pub fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.0.next_u32()) * n.max(1) as u64) >> 32) as usize
    }
}
