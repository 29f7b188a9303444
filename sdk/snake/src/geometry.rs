//! Cells and directions on the board.

use serde::{Deserialize, Serialize};

/// A cell. `x` grows right, `y` grows down; `(0, 0)` is the top-left corner.
/// Field order is ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    pub x: u16,
    pub y: u16,
}

impl Pos {
    pub const fn new(x: u16, y: u16) -> Self {
        Pos { x, y }
    }

    /// The neighbouring cell in `dir`, or `None` past the `width` x `height`
    /// board (moving there eliminates a snake).
    pub fn step(self, dir: Direction, width: u16, height: u16) -> Option<Pos> {
        let (x, y) = (i32::from(self.x), i32::from(self.y));
        let (dx, dy) = dir.delta();
        let (nx, ny) = (x + dx, y + dy);
        (nx >= 0 && ny >= 0 && nx < i32::from(width) && ny < i32::from(height))
            .then(|| Pos::new(nx as u16, ny as u16))
    }

    /// The cells next to this one on a `width` x `height` board, with the
    /// direction to each, in [`Direction::ALL`] order (up, down, left, right).
    pub fn neighbours(self, width: u16, height: u16) -> impl Iterator<Item = (Direction, Pos)> {
        Direction::ALL
            .into_iter()
            .filter_map(move |d| self.step(d, width, height).map(|p| (d, p)))
    }

    /// Steps needed on an empty board.
    pub fn manhattan(self, other: Pos) -> u32 {
        u32::from(self.x.abs_diff(other.x)) + u32::from(self.y.abs_diff(other.y))
    }

    /// The direction of an orthogonally adjacent cell, if `other` is one.
    pub fn direction_to(self, other: Pos) -> Option<Direction> {
        Direction::ALL
            .into_iter()
            .find(|&d| self.step(d, u16::MAX, u16::MAX) == Some(other))
    }
}

/// One of the four moves. `Up` is towards `y = 0` (the top of the screen),
/// `Left` towards `x = 0`. Variant order is ABI (postcard: `Up` 0, `Down` 1,
/// `Left` 2, `Right` 3; JSON: `"Up"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Direction {
    Up,
    Down,
    Left,
    Right,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::Up,
        Direction::Down,
        Direction::Left,
        Direction::Right,
    ];

    /// `(dx, dy)` of one step: `Up` is `(0, -1)`.
    pub const fn delta(self) -> (i32, i32) {
        match self {
            Direction::Up => (0, -1),
            Direction::Down => (0, 1),
            Direction::Left => (-1, 0),
            Direction::Right => (1, 0),
        }
    }

    pub const fn opposite(self) -> Direction {
        match self {
            Direction::Up => Direction::Down,
            Direction::Down => Direction::Up,
            Direction::Left => Direction::Right,
            Direction::Right => Direction::Left,
        }
    }

    /// The lower-case word: `"up"`, `"down"`, `"left"`, `"right"`.
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Left => "left",
            Direction::Right => "right",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_on_the_board() {
        let p = Pos::new(0, 0);
        assert_eq!(p.step(Direction::Up, 5, 5), None);
        assert_eq!(p.step(Direction::Left, 5, 5), None);
        assert_eq!(p.step(Direction::Down, 5, 5), Some(Pos::new(0, 1)));
        assert_eq!(p.step(Direction::Right, 5, 5), Some(Pos::new(1, 0)));
        assert_eq!(Pos::new(4, 4).step(Direction::Right, 5, 5), None);
        let around: alloc::vec::Vec<_> = Pos::new(0, 0).neighbours(5, 5).collect();
        assert_eq!(
            around,
            [
                (Direction::Down, Pos::new(0, 1)),
                (Direction::Right, Pos::new(1, 0))
            ]
        );
        assert_eq!(Pos::new(2, 2).neighbours(5, 5).count(), 4);
    }

    #[test]
    fn directions_invert() {
        for d in Direction::ALL {
            assert_eq!(d.opposite().opposite(), d);
            let p = Pos::new(3, 3);
            let q = p.step(d, 9, 9).unwrap();
            assert_eq!(p.direction_to(q), Some(d));
            assert_eq!(q.step(d.opposite(), 9, 9), Some(p));
        }
        assert_eq!(Pos::new(1, 1).direction_to(Pos::new(2, 2)), None);
        assert_eq!(Pos::new(1, 1).manhattan(Pos::new(3, 0)), 3);
    }
}
