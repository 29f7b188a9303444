//! The static map as a walkability grid, and the per-tick [`Plan`] that keeps a
//! bot's own orders from colliding with each other.
//!
//! Optional helpers for Rust bots (the bundled bots use them); nothing here is
//! part of the ABI.

use crate::{Action, Direction, MatchInfo, Observation, PlayerId, Pos, RejectReason, UnitId};
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

/// Distance of a cell no search reached.
pub const INF: u32 = u32::MAX;

pub struct Grid {
    pub width: u16,
    pub height: u16,
    walk: Vec<bool>,
    /// `next[next_start[i]..next_start[i + 1]]`: the walkable orthogonal
    /// neighbours of cell `i`, precomputed so searches do no coordinate math.
    next_start: Vec<u32>,
    next: Vec<u32>,
}

impl Grid {
    pub fn new(info: &MatchInfo) -> Grid {
        let (width, height) = (info.width, info.height);
        let mut walk = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            for x in 0..width {
                walk.push(info.is_floor(Pos::new(x, y)));
            }
        }
        let mut grid = Grid {
            width,
            height,
            walk,
            next_start: Vec::new(),
            next: Vec::new(),
        };
        grid.next_start.push(0);
        for i in 0..grid.walk.len() {
            let here = grid.pos(i);
            for d in Direction::ALL {
                if let Some(n) = here.step(d, width, height).filter(|&n| grid.walkable(n)) {
                    grid.next.push(grid.idx(n) as u32);
                }
            }
            grid.next_start.push(grid.next.len() as u32);
        }
        grid
    }

    /// The cell indices of the walkable neighbours of cell `i` (any cell, even
    /// a wall or a core), in `Direction::ALL` order.
    pub fn floor_next(&self, i: usize) -> &[u32] {
        &self.next[self.next_start[i] as usize..self.next_start[i + 1] as usize]
    }

    pub fn cell_count(&self) -> usize {
        self.walk.len()
    }

    pub fn idx(&self, p: Pos) -> usize {
        p.y as usize * self.width as usize + p.x as usize
    }

    pub fn pos(&self, i: usize) -> Pos {
        let w = self.width as usize;
        Pos::new((i % w) as u16, (i / w) as u16)
    }

    /// Floor: the only cells a unit may stand on.
    pub fn walkable(&self, p: Pos) -> bool {
        p.x < self.width && p.y < self.height && self.walk[self.idx(p)]
    }

    pub fn step(&self, p: Pos, d: Direction) -> Option<Pos> {
        p.step(d, self.width, self.height)
    }

    /// The on-grid neighbours of `p`, in `Direction::ALL` order.
    pub fn neighbours(&self, p: Pos) -> impl Iterator<Item = (Direction, Pos)> + '_ {
        Direction::ALL
            .into_iter()
            .filter_map(move |d| self.step(p, d).map(|n| (d, n)))
    }

    /// Walkable neighbours of a (possibly blocking) cell such as a core or source.
    pub fn floor_around(&self, p: Pos) -> impl Iterator<Item = (Direction, Pos)> + '_ {
        self.neighbours(p).filter(|&(_, n)| self.walkable(n))
    }

    /// Plain multi-source BFS over floor: `field[i]` = steps from the nearest goal.
    pub fn bfs_field(&self, goals: impl IntoIterator<Item = Pos>, field: &mut Vec<u32>) {
        field.clear();
        field.resize(self.cell_count(), INF);
        let mut queue = VecDeque::new();
        for g in goals {
            let i = self.idx(g);
            if self.walk[i] && field[i] == INF {
                field[i] = 0;
                queue.push_back(i);
            }
        }
        while let Some(i) = queue.pop_front() {
            let next = field[i] + 1;
            for &j in self.floor_next(i) {
                let j = j as usize;
                if field[j] == INF {
                    field[j] = next;
                    queue.push_back(j);
                }
            }
        }
    }

    /// Weighted distance from the floor around `target` (a core, a source):
    /// entering cell `i` costs `1 + penalty(i)`, with `penalty(i) <=
    /// max_penalty`. Dial's algorithm, a ring of `max_penalty + 2` buckets
    /// reused through `buckets`; O(cells), no heap.
    pub fn weighted_field(
        &self,
        target: Pos,
        max_penalty: u32,
        penalty: impl Fn(usize) -> u32,
        field: &mut Vec<u32>,
        buckets: &mut Vec<Vec<u32>>,
    ) {
        // Every queued cost lies in cur..cur + ring, so a ring longer than the
        // largest step never wraps onto the bucket being drained.
        let ring = max_penalty as usize + 2;
        buckets.resize(ring, Vec::new());
        buckets.iter_mut().for_each(Vec::clear);
        field.clear();
        field.resize(self.cell_count(), INF);
        let mut pending = 0usize;
        if target.x < self.width && target.y < self.height {
            for &i in self.floor_next(self.idx(target)) {
                let c = penalty(i as usize);
                if c < field[i as usize] {
                    field[i as usize] = c;
                    buckets[c as usize % ring].push(i);
                    pending += 1;
                }
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
                for &j in self.floor_next(i) {
                    let c = cur + 1 + penalty(j as usize);
                    if c < field[j as usize] {
                        field[j as usize] = c;
                        buckets[c as usize % ring].push(j);
                        pending += 1;
                    }
                }
            }
            bucket.clear();
            buckets[slot] = bucket;
            cur += 1;
        }
    }
}

impl Grid {
    /// The cut cells (articulation points) of the floor: cells whose blocking
    /// splits a connected area in two. A unit that settles on one for good
    /// walls off whatever lies behind it. Iterative Tarjan, O(cells).
    pub fn cut_cells(&self) -> Vec<bool> {
        let n = self.cell_count();
        let (mut disc, mut low, mut cut) = (vec![0u32; n], vec![0u32; n], vec![false; n]);
        let mut time = 0;
        // (cell, parent, next direction to try)
        let mut stack: Vec<(usize, usize, usize)> = Vec::new();
        for root in 0..n {
            if !self.walk[root] || disc[root] != 0 {
                continue;
            }
            time += 1;
            (disc[root], low[root]) = (time, time);
            let mut children = 0;
            stack.push((root, usize::MAX, 0));
            while let Some(top) = stack.len().checked_sub(1) {
                let (v, parent, d) = stack[top];
                if d < 4 {
                    stack[top].2 += 1;
                    let Some(np) = self.step(self.pos(v), Direction::ALL[d]) else {
                        continue;
                    };
                    let w = self.idx(np);
                    if !self.walk[w] {
                        continue;
                    }
                    if disc[w] == 0 {
                        time += 1;
                        (disc[w], low[w]) = (time, time);
                        children += (v == root) as u32;
                        stack.push((w, v, 0));
                    } else if w != parent {
                        low[v] = low[v].min(disc[w]);
                    }
                } else {
                    stack.pop();
                    if let Some(&(u, _, _)) = stack.last() {
                        low[u] = low[u].min(low[v]);
                        if u != root && low[v] >= disc[u] {
                            cut[u] = true;
                        }
                    }
                }
            }
            cut[root] = children > 1;
        }
        cut
    }
}

/// This tick's orders under construction, with who stands where, so that no two
/// of our units are sent into the same cell, nobody walks into a unit that stays,
/// and the core never spawns onto a cell that will still be occupied.
pub struct Plan {
    me: PlayerId,
    /// 1 + index into `obs.units` of the unit standing here; 0 = nobody.
    who: Vec<u16>,
    /// Our unit here has been ordered to move away, to a cell no enemy unit
    /// stands next to (a move that may lose a contest is not followed).
    leaving: Vec<bool>,
    /// An enemy unit stands here.
    enemy: Vec<bool>,
    /// One of our moves or the spawn targets this cell.
    taken: Vec<bool>,
    ordered: Vec<UnitId>,
    /// Last tick's moves that collided (from `obs.rejected`).
    bumped: Vec<(UnitId, Direction)>,
    pub actions: Vec<Action>,
}

impl Plan {
    pub fn new(me: PlayerId, grid: &Grid) -> Plan {
        Plan {
            me,
            who: vec![0; grid.cell_count()],
            leaving: vec![false; grid.cell_count()],
            enemy: vec![false; grid.cell_count()],
            taken: vec![false; grid.cell_count()],
            ordered: Vec::new(),
            bumped: Vec::new(),
            actions: Vec::new(),
        }
    }

    /// Starts a tick: forgets the last one and records where every visible unit is.
    pub fn begin(&mut self, grid: &Grid, obs: &Observation) {
        self.who.fill(0);
        self.leaving.fill(false);
        self.enemy.fill(false);
        self.taken.fill(false);
        self.ordered.clear();
        self.actions.clear();
        self.bumped.clear();
        for r in &obs.rejected {
            if let (Action::Move { unit, dir }, RejectReason::MoveCollided) = (r.action, r.reason) {
                self.bumped.push((unit, dir));
            }
        }
        for (k, u) in obs.units.iter().enumerate() {
            if u.pos.x < grid.width && u.pos.y < grid.height {
                self.who[grid.idx(u.pos)] = k as u16 + 1;
                self.enemy[grid.idx(u.pos)] = u.owner != self.me;
            }
        }
    }

    /// The index into `obs.units` of the unit standing at `p`, if any.
    pub fn unit_at(&self, grid: &Grid, p: Pos) -> Option<usize> {
        self.unit_at_cell(grid.idx(p))
    }

    /// [`Self::unit_at`] by cell index.
    pub fn unit_at_cell(&self, cell: usize) -> Option<usize> {
        match self.who[cell] {
            0 => None,
            k => Some(k as usize - 1),
        }
    }

    pub fn has_enemy(&self, grid: &Grid, obs: &Observation, p: Pos) -> bool {
        self.unit_at(grid, p)
            .is_some_and(|k| obs.units[k].owner != self.me)
    }

    /// Whether one of our units may be sent into `p` this tick: floor, nobody else
    /// of ours heading there, and empty or being left by one of our own units.
    pub fn can_enter(&self, grid: &Grid, p: Pos) -> bool {
        let i = grid.idx(p);
        grid.walkable(p) && !self.taken[i] && (self.who[i] == 0 || self.leaving[i])
    }

    /// Like `can_enter`, but only for cells that are empty right now (so the
    /// order cannot fail because someone else's move did).
    pub fn is_free(&self, grid: &Grid, p: Pos) -> bool {
        let i = grid.idx(p);
        grid.walkable(p) && !self.taken[i] && self.who[i] == 0
    }

    pub fn is_ordered(&self, unit: UnitId) -> bool {
        self.ordered.contains(&unit)
    }

    pub fn order_move(&mut self, grid: &Grid, unit: UnitId, from: Pos, dir: Direction) {
        if let Some(to) = grid.step(from, dir) {
            self.taken[grid.idx(to)] = true;
            // An enemy next to `to` may want it too; then both stay, and so
            // would anyone following us: only a safe move frees our cell.
            let safe = !grid
                .neighbours(to)
                .any(|(_, n)| n != from && self.enemy[grid.idx(n)]);
            self.leaving[grid.idx(from)] = safe;
            self.ordered.push(unit);
            self.actions.push(Action::Move { unit, dir });
        }
    }

    /// Any order that keeps the unit where it is.
    pub fn order_stay(&mut self, action: Action) {
        if let Some(unit) = action.unit() {
            self.ordered.push(unit);
        }
        self.actions.push(action);
    }

    /// Whether moving `unit` from `pos` in `dir` is a contest it already lost
    /// last tick: the same move collided, and an enemy unit stands next to the
    /// cell, ready to step into it again. Moving again would just collide again
    /// (two units wanting one cell both stay), so the caller may attack the cell
    /// instead and hit whoever steps in (attacks resolve after moves).
    pub fn contested(
        &self,
        grid: &Grid,
        obs: &Observation,
        unit: UnitId,
        pos: Pos,
        dir: Direction,
    ) -> bool {
        self.bumped.contains(&(unit, dir))
            && grid.step(pos, dir).is_some_and(|to| {
                grid.neighbours(to)
                    .any(|(_, n)| n != pos && self.has_enemy(grid, obs, n))
            })
    }

    /// Attacks the cell in `dir` and keeps our other units out of it.
    pub fn order_ambush(&mut self, grid: &Grid, unit: UnitId, pos: Pos, dir: Direction) {
        if let Some(to) = grid.step(pos, dir) {
            self.taken[grid.idx(to)] = true;
        }
        self.order_stay(Action::Attack { unit, dir });
    }

    /// Whether an enemy unit stands next to `p` (and might step onto it).
    pub fn enemy_next_to(&self, grid: &Grid, obs: &Observation, p: Pos) -> bool {
        grid.neighbours(p)
            .any(|(_, n)| self.has_enemy(grid, obs, n))
    }

    pub fn order_spawn(&mut self, grid: &Grid, core: Pos, dir: Direction) {
        if let Some(to) = grid.step(core, dir) {
            self.taken[grid.idx(to)] = true;
            self.actions.push(Action::Spawn { dir });
        }
    }

    /// The direction of the weakest enemy unit next to `p` (ties: lowest id).
    pub fn weakest_enemy_next_to(
        &self,
        grid: &Grid,
        obs: &Observation,
        p: Pos,
    ) -> Option<Direction> {
        grid.neighbours(p)
            .filter_map(|(d, n)| {
                let k = self.unit_at(grid, n)?;
                let u = &obs.units[k];
                (u.owner != self.me).then_some((u.hp, u.id, d))
            })
            .min()
            .map(|(_, _, d)| d)
    }

    /// The direction of a visible enemy core next to `p` (ties: lowest owner).
    pub fn enemy_core_next_to(&self, obs: &Observation, p: Pos) -> Option<Direction> {
        obs.cores
            .iter()
            .filter(|c| c.owner != self.me && c.hp > 0)
            .find_map(|c| p.direction_to(c.pos))
    }
}
