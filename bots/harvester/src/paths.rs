//! The searches the harvester runs: a BFS from one unit to the nearest goal,
//! and a weighted distance field from a target core.

use lockstep_sdk::nav::{Grid, INF};
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
            for (_, n) in g.neighbours(g.pos(i)) {
                let j = g.idx(n);
                if self.seen[j] != self.stamp && g.walkable(n) && !solid[j] {
                    self.seen[j] = self.stamp;
                    self.first[j] = self.first[i];
                    self.queue.push_back(j as u32);
                }
            }
        }
        None
    }
}

/// The weighted distance to the floor around `target`, by Dial's algorithm
/// (a ring of buckets): entering a cell costs 1 plus `penalty(cell)`, which
/// must stay below `max_penalty`.
pub fn weighted_field(
    g: &Grid,
    target: Pos,
    max_penalty: u32,
    penalty: impl Fn(Pos) -> u32,
    field: &mut Vec<u32>,
    buckets: &mut Vec<Vec<u32>>,
) {
    // Every queued cost lies in cur..cur + ring, so a ring longer than the
    // largest step never wraps onto the bucket being drained.
    let ring = max_penalty as usize + 2;
    buckets.resize(ring, Vec::new());
    buckets.iter_mut().for_each(Vec::clear);
    field.clear();
    field.resize(g.cell_count(), INF);
    let mut pending = 0usize;
    for (_, p) in g.floor_around(target) {
        let (i, c) = (g.idx(p), penalty(p));
        if c < field[i] {
            field[i] = c;
            buckets[c as usize % ring].push(i as u32);
            pending += 1;
        }
    }
    let mut cur = 0u32;
    while pending > 0 {
        let slot = cur as usize % ring;
        let mut bucket = core::mem::take(&mut buckets[slot]);
        pending -= bucket.len();
        for &i in &bucket {
            let i = i as usize;
            if field[i] != cur {
                continue; // stale: reached more cheaply since
            }
            for (_, n) in g.floor_around(g.pos(i)) {
                let (j, c) = (g.idx(n), cur + 1 + penalty(n));
                if c < field[j] {
                    field[j] = c;
                    buckets[c as usize % ring].push(j as u32);
                    pending += 1;
                }
            }
        }
        bucket.clear();
        buckets[slot] = bucket;
        cur += 1;
    }
}
