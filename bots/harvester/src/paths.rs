//! The harvester's own search: a BFS from one unit to the nearest goal.

use lockstep_sdk::nav::Grid;
use lockstep_sdk::{Direction, Pos};
use std::collections::VecDeque;

/// A reusable BFS from one cell that stops at the first goal and reports the
/// first step of the path to it.
pub struct Search {
    stamp: u32,
    seen: Vec<u32>,
    first: Vec<u8>,
    queue: VecDeque<u32>,
}

impl Search {
    pub fn new(cells: usize) -> Search {
        Search {
            stamp: 0,
            seen: vec![0; cells],
            first: vec![0; cells],
            queue: VecDeque::new(),
        }
    }

    /// The nearest cell `goal` accepts (by index) and the first step there
    /// (`None` if `from` is the goal). Solid cells are never entered, and the
    /// first step only goes where `first_ok` allows (a cell free this tick), so
    /// a unit walks around a crowd instead of waiting behind it for ever.
    pub fn run(
        &mut self,
        g: &Grid,
        from: Pos,
        solid: &[bool],
        first_ok: impl Fn(Pos) -> bool,
        goal: impl Fn(usize) -> bool,
    ) -> Option<(Pos, Option<Direction>)> {
        self.stamp += 1;
        self.queue.clear();
        let start = g.idx(from);
        if goal(start) {
            return Some((from, None));
        }
        self.seen[start] = self.stamp;
        for d in Direction::ALL {
            let Some(n) = g.step(from, d) else { continue };
            let i = g.idx(n);
            if g.walkable(n) && !solid[i] && first_ok(n) {
                self.seen[i] = self.stamp;
                self.first[i] = d as u8;
                self.queue.push_back(i as u32);
            }
        }
        while let Some(i) = self.queue.pop_front() {
            let i = i as usize;
            if goal(i) {
                return Some((g.pos(i), Some(Direction::ALL[self.first[i] as usize])));
            }
            for &j in g.floor_next(i) {
                let j = j as usize;
                if self.seen[j] != self.stamp && !solid[j] {
                    self.seen[j] = self.stamp;
                    self.first[j] = self.first[i];
                    self.queue.push_back(j as u32);
                }
            }
        }
        None
    }
}
